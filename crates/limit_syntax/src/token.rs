//! Tokens produced by the lexer.

use crate::span::Span;
use num_bigint::BigInt;

/// One token with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
    /// A statement-ending newline precedes this token (reference.md §1): the
    /// previous token could end a statement, the innermost open bracket (if
    /// any) is `{`, and this token is not `else`, `elif`, `.` or `?`-`else`.
    /// The parser treats such a token as if a `;` stood before it wherever a
    /// statement may end, and ignores the flag elsewhere.
    pub newline_before: bool,
}

/// A piece of a string literal: literal text or an interpolated expression.
#[derive(Clone, Debug, PartialEq)]
pub enum StrPiece {
    /// Text with escapes already decoded.
    Text(String),
    /// The tokens of `{ expression }`, without the braces, followed by an
    /// `Eof` token whose span is the closing brace. `span` covers the braces.
    /// `spec` is the raw format spec after a `:` (`"{x:.2f}"`, §3.3a).
    Interp {
        tokens: Vec<Token>,
        span: Span,
        spec: Option<FormatSpecText>,
    },
}

/// The text of a format spec in an interpolation, as written (`.2f`), and
/// where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct FormatSpecText {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationUnit {
    Millis,
    Seconds,
    Minutes,
    Hours,
}

#[derive(Clone, Debug)]
pub enum TokenKind {
    // Literals
    Int(BigInt),
    Float(f64),
    /// `500ms`, `2s`, `1.5m`, `1h`: the number and its unit.
    Duration(f64, DurationUnit),
    /// A string literal; a single `Text` piece when it has no interpolation.
    Str(Vec<StrPiece>),
    Ident(String),

    // Reserved words (reference.md §1). Contextual words are `Ident`s.
    Var,
    Const,
    Fn,
    Return,
    If,
    Elif,
    Else,
    While,
    For,
    Iter,
    In,
    Break,
    Continue,
    Match,
    Frame,
    Trait,
    Interface,
    Enum,
    Type,
    Abstract,
    Final,
    Static,
    Pub,
    Prot,
    Import,
    Module,
    True,
    False,
    Nil,
    And,
    Or,
    Not,
    This,
    SelfKw,
    Super,
    Parallel,
    Concurrent,
    Task,
    Worker,
    Attempt,
    Handle,

    // Operators and punctuation
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    StarStar,
    EqEq,
    BangEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    Eq,
    PlusEq,
    MinusEq,
    StarEq,
    SlashEq,
    PercentEq,
    Bang,
    AmpAmp,
    PipePipe,
    Amp,
    Pipe,
    Caret,
    Tilde,
    LtLt,
    GtGt,
    Dot,
    DotDot,
    DotDotEq,
    DotDotDot,
    Comma,
    Colon,
    Semicolon,
    Question,
    FatArrow,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    At,

    /// End of input (always the last token).
    Eof,
}

/// The same as a derived `PartialEq`, but inlined: the parser compares the
/// current token with a payload-free kind (`check(&TokenKind::LParen)`)
/// several times per token, and the derived comparison was an outlined
/// call that decoded both discriminants (6% of compiling a large program).
impl PartialEq for TokenKind {
    #[inline(always)]
    fn eq(&self, other: &TokenKind) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other) && self.same_payload(other)
    }
}

impl TokenKind {
    /// For two tokens of the same kind: whether their payloads are equal
    /// (always, for the kinds without one). Inlined into `eq`, it folds
    /// away when one side is a payload-free kind written in the parser.
    #[inline(always)]
    fn same_payload(&self, other: &TokenKind) -> bool {
        use TokenKind::*;
        match (self, other) {
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a == b,
            (Duration(a, unit_a), Duration(b, unit_b)) => a == b && unit_a == unit_b,
            (Str(a), Str(b)) => a == b,
            (Ident(a), Ident(b)) => a == b,
            _ => true,
        }
    }
}

impl TokenKind {
    /// Whether a statement cannot end after this token (reference.md §1):
    /// an operator, `.`, `,`, `:` or `=>` wants what follows. The REPL
    /// reads another line after one; `limit fmt` indents the next line as
    /// a continuation.
    pub fn continues_statement(&self) -> bool {
        use TokenKind::*;
        matches!(
            self,
            Plus | Minus
                | Star
                | Slash
                | Percent
                | StarStar
                | EqEq
                | BangEq
                | Lt
                | LtEq
                | Gt
                | GtEq
                | Eq
                | PlusEq
                | MinusEq
                | StarEq
                | SlashEq
                | PercentEq
                | AmpAmp
                | PipePipe
                | Amp
                | Pipe
                | Caret
                | LtLt
                | GtGt
                | Dot
                | DotDot
                | DotDotEq
                | Comma
                | Colon
                | FatArrow
                | And
                | Or
                | Not
        )
    }

    /// Every reserved word (LANGUAGE §1), for tools that list them (editor
    /// grammars, completion); `keyword` maps each to its token.
    pub const RESERVED_WORDS: [&'static str; 41] = [
        "var",
        "const",
        "fn",
        "return",
        "if",
        "elif",
        "else",
        "while",
        "for",
        "iter",
        "in",
        "break",
        "continue",
        "match",
        "frame",
        "trait",
        "interface",
        "enum",
        "type",
        "abstract",
        "final",
        "static",
        "pub",
        "prot",
        "import",
        "module",
        "true",
        "false",
        "nil",
        "and",
        "or",
        "not",
        "this",
        "self",
        "super",
        "parallel",
        "concurrent",
        "task",
        "worker",
        "attempt",
        "handle",
    ];

    /// The reserved word spelled `text`, if any.
    pub fn keyword(text: &str) -> Option<TokenKind> {
        use TokenKind::*;
        Some(match text {
            "var" => Var,
            "const" => Const,
            "fn" => Fn,
            "return" => Return,
            "if" => If,
            "elif" => Elif,
            "else" => Else,
            "while" => While,
            "for" => For,
            "iter" => Iter,
            "in" => In,
            "break" => Break,
            "continue" => Continue,
            "match" => Match,
            "frame" => Frame,
            "trait" => Trait,
            "interface" => Interface,
            "enum" => Enum,
            "type" => Type,
            "abstract" => Abstract,
            "final" => Final,
            "static" => Static,
            "pub" => Pub,
            "prot" => Prot,
            "import" => Import,
            "module" => Module,
            "true" => True,
            "false" => False,
            "nil" => Nil,
            "and" => And,
            "or" => Or,
            "not" => Not,
            "this" => This,
            "self" => SelfKw,
            "super" => Super,
            "parallel" => Parallel,
            "concurrent" => Concurrent,
            "task" => Task,
            "worker" => Worker,
            "attempt" => Attempt,
            "handle" => Handle,
            _ => return None,
        })
    }

    /// How the token is written, for messages ("expected `)`").
    pub fn describe(&self) -> String {
        use TokenKind::*;
        let fixed = match self {
            Int(n) => return format!("integer `{n}`"),
            Float(x) => return format!("float `{x}`"),
            Duration(..) => return "duration literal".to_string(),
            Str(_) => return "string".to_string(),
            Ident(name) => return format!("identifier `{name}`"),
            Eof => return "end of file".to_string(),
            Var => "var",
            Const => "const",
            Fn => "fn",
            Return => "return",
            If => "if",
            Elif => "elif",
            Else => "else",
            While => "while",
            For => "for",
            Iter => "iter",
            In => "in",
            Break => "break",
            Continue => "continue",
            Match => "match",
            Frame => "frame",
            Trait => "trait",
            Interface => "interface",
            Enum => "enum",
            Type => "type",
            Abstract => "abstract",
            Final => "final",
            Static => "static",
            Pub => "pub",
            Prot => "prot",
            Import => "import",
            Module => "module",
            True => "true",
            False => "false",
            Nil => "nil",
            And => "and",
            Or => "or",
            Not => "not",
            This => "this",
            SelfKw => "self",
            Super => "super",
            Parallel => "parallel",
            Concurrent => "concurrent",
            Task => "task",
            Worker => "worker",
            Attempt => "attempt",
            Handle => "handle",
            Plus => "+",
            Minus => "-",
            Star => "*",
            Slash => "/",
            Percent => "%",
            StarStar => "**",
            EqEq => "==",
            BangEq => "!=",
            Lt => "<",
            LtEq => "<=",
            Gt => ">",
            GtEq => ">=",
            Eq => "=",
            PlusEq => "+=",
            MinusEq => "-=",
            StarEq => "*=",
            SlashEq => "/=",
            PercentEq => "%=",
            Bang => "!",
            AmpAmp => "&&",
            PipePipe => "||",
            Amp => "&",
            Pipe => "|",
            Caret => "^",
            Tilde => "~",
            LtLt => "<<",
            GtGt => ">>",
            Dot => ".",
            DotDot => "..",
            DotDotEq => "..=",
            DotDotDot => "...",
            Comma => ",",
            Colon => ":",
            Semicolon => ";",
            Question => "?",
            FatArrow => "=>",
            LParen => "(",
            RParen => ")",
            LBracket => "[",
            RBracket => "]",
            LBrace => "{",
            RBrace => "}",
            At => "@",
        };
        format!("`{fixed}`")
    }
}

#[cfg(test)]
mod tests {
    use super::{DurationUnit, TokenKind};

    #[test]
    fn kinds_compare_by_variant_and_payload() {
        assert_eq!(TokenKind::LParen, TokenKind::LParen);
        assert_ne!(TokenKind::LParen, TokenKind::RParen);
        assert_eq!(TokenKind::Ident("a".into()), TokenKind::Ident("a".into()));
        assert_ne!(TokenKind::Ident("a".into()), TokenKind::Ident("b".into()));
        assert_ne!(TokenKind::Ident("fn".into()), TokenKind::Fn);
        assert_ne!(TokenKind::Int(1.into()), TokenKind::Float(1.0));
        assert_eq!(TokenKind::Int(7.into()), TokenKind::Int(7.into()));
        assert_ne!(
            TokenKind::Duration(1.0, DurationUnit::Seconds),
            TokenKind::Duration(1.0, DurationUnit::Millis)
        );
        assert_ne!(TokenKind::Float(f64::NAN), TokenKind::Float(f64::NAN));
    }

    #[test]
    fn every_reserved_word_is_a_keyword_and_no_other_word_is() {
        for word in TokenKind::RESERVED_WORDS {
            assert!(TokenKind::keyword(word).is_some(), "{word}");
        }
        // Contextual words (LANGUAGE §1) stay names.
        for word in [
            "as", "show", "where", "atomic", "ok", "err", "channel", "loop",
        ] {
            assert!(TokenKind::keyword(word).is_none(), "{word}");
        }
    }
}
