//! The lexer: source text to [`Token`]s (reference.md §1).
//!
//! One pass over the text with a few characters of look-ahead. A lexical
//! error becomes a [`Diagnostic`] and lexing goes on after it, so all the
//! lexical errors of a file are reported at once. The token list always ends
//! with exactly one `Eof`.
//!
//! String interpolations `"…{expr}…"` are lexed by the same machinery,
//! recursively: the inside of `{ … }` becomes its own token stream ending in
//! an `Eof` whose span is the closing brace. Spans stay absolute byte offsets
//! into the file at every depth.
//!
//! # Statement-ending newlines
//!
//! Only the lexer sees line breaks, so it decides [`Token::newline_before`].
//! A token gets the flag when all of these hold:
//!
//! * one or more newlines separate it from the previous token of its stream
//!   (a `//` comment ends before its newline, so it changes nothing; a
//!   `/* */` comment that spans lines counts as a newline, as in Go);
//! * the previous token can end a statement: a name, a literal, `)`, `]`,
//!   `}`, `return`, `break`, `continue`, `true`, `false`, `nil`, `this`,
//!   `self`, or a postfix `?`;
//! * the innermost open bracket is `{`, or there is none at file level
//!   (inside an interpolation, which is one expression, an unbracketed
//!   newline never ends anything);
//! * the token does not continue the statement: it is not `else`, `elif` or
//!   `.`, and not a `?` whose next token is `else` (`?else` handlers);
//! * the token is not `Eof`: the end of input ends a statement by itself,
//!   whether or not the file ends with a newline.

use crate::diagnostic::Diagnostic;
use crate::span::{FileId, Span};
use crate::token::{DurationUnit, FormatSpecText, StrPiece, Token, TokenKind};
use num_bigint::BigInt;

/// Interpolations nested deeper than this are reported instead of lexed:
/// each level is a recursive call, and hostile input must not be able to
/// overflow the stack. Real programs stay far below it.
const MAX_INTERPOLATION_DEPTH: usize = 32;

/// The escapes a string may contain, for hints.
const VALID_ESCAPES: &str = r#"`\n` `\t` `\r` `\\` `\"` `\'` `\0` `\{` `\}` and `\u{1F600}`"#;

/// Splits `source` (file `file`) into tokens ending with one `Eof`, plus the
/// lexical errors found. Never panics, whatever the input.
pub fn lex(source: &str, file: FileId) -> (Vec<Token>, Vec<Diagnostic>) {
    let mut lexer = Lexer {
        source,
        file,
        pos: 0,
        diagnostics: Vec::new(),
        interpolation_depth: 0,
    };
    // Editors on some systems start UTF-8 files with a byte-order mark; it is
    // not part of the program.
    if source.starts_with('\u{feff}') {
        lexer.pos = '\u{feff}'.len_utf8();
    }
    let (tokens, _, _) = lexer.lex_stream(StreamKind::File, None);
    (tokens, lexer.diagnostics)
}

/// Whether a token stream is a whole file or the inside of one `{ … }`
/// interpolation in a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StreamKind {
    File,
    Interpolation,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bracket {
    Paren,
    Square,
    Brace,
}

/// The tokens of one stream and what deciding `newline_before` needs.
struct TokenStream {
    kind: StreamKind,
    tokens: Vec<Token>,
    open_brackets: Vec<Bracket>,
    /// A newline was skipped since the last token.
    newline_pending: bool,
    /// `?`s outside brackets still waiting for their ternary `:`; in an
    /// interpolation, a `:` outside brackets that none of them waits for
    /// starts the format spec.
    open_ternaries: usize,
    /// The quote that ends the string an interpolation is in.
    closing_quote: Option<char>,
}

impl TokenStream {
    fn new(kind: StreamKind) -> TokenStream {
        TokenStream {
            kind,
            tokens: Vec::new(),
            open_brackets: Vec::new(),
            newline_pending: false,
            open_ternaries: 0,
            closing_quote: None,
        }
    }

    fn previous(&self) -> Option<&TokenKind> {
        self.tokens.last().map(|token| &token.kind)
    }

    /// Whether a newline may end a statement at the current bracket depth.
    fn newlines_end_statements(&self) -> bool {
        match self.open_brackets.last() {
            Some(Bracket::Brace) => true,
            Some(Bracket::Paren | Bracket::Square) => false,
            None => self.kind == StreamKind::File,
        }
    }

    /// In an interpolation, a `}` with no `{` of its own to close ends the
    /// interpolation. Unclosed `(` or `[` do not keep it open, so
    /// `"{f(}"` is reported by the parser as a missing `)` rather than as an
    /// unterminated string swallowing the rest of the file.
    fn brace_ends_interpolation(&self) -> bool {
        self.kind == StreamKind::Interpolation && !self.open_brackets.contains(&Bracket::Brace)
    }

    fn push(&mut self, kind: TokenKind, span: Span) {
        let newline_before = self.newline_pending
            && self.previous().is_some_and(can_end_statement)
            && self.newlines_end_statements()
            && !continues_statement(&kind);
        if kind == TokenKind::Else {
            // `?` then `else` on a later line is one `?else` handler; the
            // flag on `?` was set before its successor was known.
            if let Some(question) = self.tokens.last_mut() {
                if question.kind == TokenKind::Question {
                    question.newline_before = false;
                }
            }
        }
        self.track_brackets(&kind);
        self.track_ternaries(&kind);
        self.newline_pending = false;
        self.tokens.push(Token {
            kind,
            span,
            newline_before,
        });
    }

    /// Counts `?`s outside brackets that may still meet a ternary `:`; a
    /// `?else` handler's `?` never does.
    fn track_ternaries(&mut self, kind: &TokenKind) {
        if !self.open_brackets.is_empty() {
            return;
        }
        match kind {
            TokenKind::Question => self.open_ternaries += 1,
            TokenKind::Else if self.previous() == Some(&TokenKind::Question) => {
                self.open_ternaries = self.open_ternaries.saturating_sub(1);
            }
            TokenKind::Colon => self.open_ternaries = self.open_ternaries.saturating_sub(1),
            _ => {}
        }
    }

    /// In an interpolation, whether a `:` here starts the format spec: it
    /// is outside brackets and no ternary `?` waits for it (a `?` right
    /// before it is a postfix `?`: a ternary needs a branch between).
    fn colon_starts_spec(&self) -> bool {
        self.kind == StreamKind::Interpolation
            && self.open_brackets.is_empty()
            && (self.open_ternaries == 0 || self.previous() == Some(&TokenKind::Question))
    }

    fn track_brackets(&mut self, kind: &TokenKind) {
        match kind {
            TokenKind::LParen => self.open_brackets.push(Bracket::Paren),
            TokenKind::LBracket => self.open_brackets.push(Bracket::Square),
            TokenKind::LBrace => self.open_brackets.push(Bracket::Brace),
            TokenKind::RParen => self.close(Bracket::Paren),
            TokenKind::RBracket => self.close(Bracket::Square),
            TokenKind::RBrace => self.close(Bracket::Brace),
            _ => {}
        }
    }

    /// Closes the innermost `bracket` and anything left open inside it; a
    /// closer without an opener changes nothing (the parser reports it).
    fn close(&mut self, bracket: Bracket) {
        if let Some(index) = self.open_brackets.iter().rposition(|&open| open == bracket) {
            self.open_brackets.truncate(index);
        }
    }
}

/// Whether a statement may end right after a token of this kind.
fn can_end_statement(kind: &TokenKind) -> bool {
    use TokenKind::*;
    matches!(
        kind,
        Int(_)
            | Float(_)
            | Duration(..)
            | Str(_)
            | Ident(_)
            | RParen
            | RBracket
            | RBrace
            | Return
            | Break
            | Continue
            | True
            | False
            | Nil
            | This
            | SelfKw
            | Question
    )
}

/// Tokens that never start a new statement after a newline.
fn continues_statement(kind: &TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Else | TokenKind::Elif | TokenKind::Dot | TokenKind::Eof
    )
}

fn is_identifier_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_identifier_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Whether `c` can begin a token or whitespace; anything else is an
/// unexpected character.
fn is_expected(c: char) -> bool {
    c.is_ascii_whitespace()
        || c.is_ascii_digit()
        || is_identifier_start(c)
        || "\"'+-*/%=!<>&|^~.,:;?()[]{}@".contains(c)
}

/// How a character is shown in a message: invisible ones by code point.
fn show_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("`{c}`")
    }
}

struct Lexer<'src> {
    source: &'src str,
    file: FileId,
    /// Byte offset of the next character; always on a char boundary.
    pos: usize,
    diagnostics: Vec<Diagnostic>,
    interpolation_depth: usize,
}

impl<'src> Lexer<'src> {
    fn rest(&self) -> &'src str {
        self.source.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_nth(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    fn eat(&mut self, expected: char) -> bool {
        if self.peek() == Some(expected) {
            self.pos += expected.len_utf8();
            true
        } else {
            false
        }
    }

    /// Advances over characters matching `predicate`; returns them.
    fn take_while(&mut self, predicate: impl Fn(char) -> bool) -> &'src str {
        let rest = self.rest();
        // An ASCII byte is a whole character: test those without decoding
        // (names and numbers are almost always ASCII), and decode only from
        // the first other byte on.
        let ascii = rest
            .bytes()
            .position(|b| !b.is_ascii() || !predicate(char::from(b)))
            .unwrap_or(rest.len());
        let len = match rest.as_bytes().get(ascii) {
            Some(b) if !b.is_ascii() => rest[ascii..]
                .char_indices()
                .find(|&(_, c)| !predicate(c))
                .map_or(rest.len(), |(index, _)| ascii + index),
            _ => ascii,
        };
        self.pos += len;
        &rest[..len]
    }

    fn text(&self, start: usize) -> &'src str {
        self.source.get(start..self.pos).unwrap_or("")
    }

    fn span(&self, start: usize) -> Span {
        Span::new(self.file, start, self.pos)
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Lexes one stream: the whole file, or an interpolation up to its
    /// closing `}`. Returns the tokens (ending in `Eof`), the format spec
    /// of an interpolation that has one, and whether the stream was closed
    /// by a `}` rather than by the end of input.
    fn lex_stream(
        &mut self,
        kind: StreamKind,
        closing_quote: Option<char>,
    ) -> (Vec<Token>, Option<FormatSpecText>, bool) {
        let mut stream = TokenStream::new(kind);
        stream.closing_quote = closing_quote;
        loop {
            self.skip_trivia(&mut stream);
            let start = self.pos;
            let Some(c) = self.peek() else {
                stream.push(TokenKind::Eof, self.span(start));
                return (stream.tokens, None, false);
            };
            if c == '}' && stream.brace_ends_interpolation() {
                self.pos += 1;
                stream.push(TokenKind::Eof, self.span(start));
                return (stream.tokens, None, true);
            }
            if c == ':' && stream.colon_starts_spec() {
                let (spec, closed) = self.lex_format_spec(&mut stream);
                return (stream.tokens, Some(spec), closed);
            }
            let after_dot = stream.previous() == Some(&TokenKind::Dot);
            if let Some(token) = self.lex_token(c, after_dot) {
                stream.push(token, self.span(start));
            }
        }
    }

    /// After the `:` of `{expr:spec}`: the spec's raw text up to the
    /// closing `}` (it is not made of tokens: `"{v:'^8}"` fills with a
    /// quote). Ends the stream with its `Eof`; also returns whether a `}`
    /// closed it.
    fn lex_format_spec(&mut self, stream: &mut TokenStream) -> (FormatSpecText, bool) {
        self.pos += 1;
        let start = self.pos;
        // A `}` may be the fill character when an alignment follows it.
        let rest = self.rest();
        let mut chars = rest.char_indices();
        let fill_is_brace = rest.starts_with('}')
            && matches!(rest[1..].chars().next(), Some('<' | '>' | '^' | '='));
        let mut len = rest.len();
        let mut closed = false;
        if fill_is_brace {
            chars.next();
        }
        for (index, c) in chars {
            if c == '}' {
                len = index;
                closed = true;
                break;
            }
            if c == '\n' || Some(c) == stream.closing_quote {
                // The string's own end: the spec was not closed.
                len = index;
                break;
            }
        }
        self.pos += len;
        let spec = FormatSpecText {
            text: rest[..len].to_string(),
            span: self.span(start),
        };
        let brace = self.pos;
        if closed {
            self.pos += 1;
        }
        stream.push(TokenKind::Eof, self.span(brace));
        (spec, closed)
    }

    /// Skips whitespace and comments, noting newlines in `stream`.
    fn skip_trivia(&mut self, stream: &mut TokenStream) {
        // Bytes, not characters: every byte this stops or steps over is
        // ASCII, so `pos` stays on a character boundary.
        let bytes = self.source.as_bytes();
        loop {
            match (bytes.get(self.pos), bytes.get(self.pos + 1)) {
                (Some(b' ' | b'\t' | b'\r' | b'\x0C'), _) => self.pos += 1,
                (Some(b'\n'), _) => {
                    stream.newline_pending = true;
                    self.pos += 1;
                }
                (Some(b'/'), Some(b'/')) => {
                    // Stop before the newline so it is seen as one.
                    let rest = &bytes[self.pos..];
                    self.pos += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                }
                (Some(b'/'), Some(b'*')) => {
                    if self.skip_block_comment() {
                        stream.newline_pending = true;
                    }
                }
                _ => return,
            }
        }
    }

    /// Skips a nested `/* … */` comment; returns whether it spans lines.
    fn skip_block_comment(&mut self) -> bool {
        let start = self.pos;
        // Scanning bytes is safe: `/`, `*` and `\n` are ASCII, and UTF-8
        // continuation bytes never equal an ASCII byte, so every stop is on a
        // char boundary.
        let bytes = self.source.as_bytes();
        let mut index = start + 2;
        let mut depth = 1usize;
        let mut spans_lines = false;
        while depth > 0 {
            match (bytes.get(index), bytes.get(index + 1)) {
                (None, _) => {
                    self.report(
                        Diagnostic::error(
                            Span::new(self.file, start, start + 2),
                            "unterminated block comment",
                        )
                        .with_hint("block comments nest: each `/*` needs its own `*/`"),
                    );
                    self.pos = bytes.len();
                    return spans_lines;
                }
                (Some(b'/'), Some(b'*')) => {
                    depth += 1;
                    index += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    index += 2;
                }
                (Some(b'\n'), _) => {
                    spans_lines = true;
                    index += 1;
                }
                _ => index += 1,
            }
        }
        self.pos = index;
        spans_lines
    }

    /// Lexes the token starting with `c`; `None` when it was an error that
    /// has been reported and skipped.
    fn lex_token(&mut self, c: char, after_dot: bool) -> Option<TokenKind> {
        match c {
            '0'..='9' if after_dot => Some(self.lex_tuple_index()),
            '0'..='9' => Some(self.lex_number()),
            '"' | '\'' => Some(self.lex_string(c)),
            _ if is_identifier_start(c) => Some(self.lex_identifier()),
            _ => {
                let operator = self.lex_operator();
                if operator.is_none() {
                    self.skip_unexpected();
                }
                operator
            }
        }
    }

    fn lex_identifier(&mut self) -> TokenKind {
        let name = self.take_while(is_identifier_continue);
        TokenKind::keyword(name).unwrap_or_else(|| TokenKind::Ident(name.to_string()))
    }

    /// After `.`, digits are a tuple index: `t.0.1` is `t . 0 . 1`, not a
    /// member access on the float `0.1`.
    fn lex_tuple_index(&mut self) -> TokenKind {
        let digits = self.take_while(|c| c.is_ascii_digit());
        TokenKind::Int(BigInt::parse_bytes(digits.as_bytes(), 10).unwrap_or_default())
    }

    fn lex_number(&mut self) -> TokenKind {
        let start = self.pos;
        if self.peek() == Some('0') {
            let radix = match self.peek_nth(1) {
                Some('x' | 'X') => Some(16),
                Some('o' | 'O') => Some(8),
                Some('b' | 'B') => Some(2),
                _ => None,
            };
            if let Some(radix) = radix {
                return self.lex_radix_integer(radix);
            }
        }

        self.take_while(|c| c.is_ascii_digit() || c == '_');
        let mut is_float = false;
        // `1.5` is a float, but `0..5` is a range and `1.abs()` a call.
        if self.peek() == Some('.') && self.peek_nth(1).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
            self.take_while(|c| c.is_ascii_digit() || c == '_');
            is_float = true;
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let exponent_digit_at = match self.peek_nth(1) {
                Some('+' | '-') => 2,
                _ => 1,
            };
            if self
                .peek_nth(exponent_digit_at)
                .is_some_and(|c| c.is_ascii_digit())
            {
                self.pos += exponent_digit_at;
                self.take_while(|c| c.is_ascii_digit() || c == '_');
                is_float = true;
            }
        }

        let literal = self.text(start);
        let literal_span = self.span(start);
        if !separators_are_valid(literal, 10) {
            self.report(
                Diagnostic::error(literal_span, "misplaced `_` in number literal")
                    .with_hint("`_` may only stand between two digits, as in `1_000_000`"),
            );
        }
        let digits: std::borrow::Cow<str> = if literal.contains('_') {
            literal
                .chars()
                .filter(|&c| c != '_')
                .collect::<String>()
                .into()
        } else {
            literal.into()
        };

        let suffix_start = self.pos;
        let suffix = self.take_while(is_identifier_continue);
        if !suffix.is_empty() {
            if let Some(unit) = duration_unit(suffix) {
                return TokenKind::Duration(digits.parse().unwrap_or(0.0), unit);
            }
            self.report(
                Diagnostic::error(
                    self.span(suffix_start),
                    format!("invalid suffix `{suffix}` on number literal"),
                )
                .with_hint(concat!(
                    "durations end in `ms`, `s`, `m` or `h`; ",
                    "put a space or operator between a number and a name"
                )),
            );
        }

        if is_float {
            let value: f64 = digits.parse().unwrap_or(0.0);
            if value.is_infinite() {
                self.report(
                    Diagnostic::error(literal_span, "float literal is too large")
                        .with_hint("the largest float is about `1.7976931348623157e+308`"),
                );
            }
            TokenKind::Float(value)
        } else {
            TokenKind::Int(decimal_integer(&digits))
        }
    }

    /// Lexes `0x…`, `0o…` or `0b…`. The body runs over all identifier
    /// characters so that `0b102` or `0xFG` is one bad literal, not a literal
    /// followed by a name.
    fn lex_radix_integer(&mut self, radix: u32) -> TokenKind {
        let start = self.pos;
        self.pos += 2;
        let body_start = self.pos;
        let body = self.take_while(is_identifier_continue);
        let base_name = match radix {
            16 => "hexadecimal",
            8 => "octal",
            _ => "binary",
        };
        let zero = TokenKind::Int(BigInt::default());

        if body.is_empty() {
            self.report(
                Diagnostic::error(
                    self.span(start),
                    format!("missing digits after `{}`", self.text(start)),
                )
                .with_hint(format!(
                    "write at least one {base_name} digit, as in `0x1F`, `0o17` or `0b101`"
                )),
            );
            return zero;
        }
        if let Some((offset, bad)) = body
            .char_indices()
            .find(|&(_, c)| c != '_' && !c.is_digit(radix))
        {
            let at = body_start + offset;
            self.report(Diagnostic::error(
                Span::new(self.file, at, at + bad.len_utf8()),
                format!("invalid digit {} in {base_name} literal", show_char(bad)),
            ));
            return zero;
        }
        if body.starts_with('_') || !separators_are_valid(body, radix) {
            self.report(
                Diagnostic::error(self.span(start), "misplaced `_` in number literal")
                    .with_hint("`_` may only stand between two digits, as in `0xFFFF_FFFF`"),
            );
        }
        let digits: String = body.chars().filter(|&c| c != '_').collect();
        TokenKind::Int(BigInt::parse_bytes(digits.as_bytes(), radix).unwrap_or_default())
    }

    /// Longest-match operators and punctuation.
    fn lex_operator(&mut self) -> Option<TokenKind> {
        use TokenKind::*;
        let rest = self.rest().as_bytes();
        let byte = |index: usize| rest.get(index).copied().unwrap_or(0);
        let (kind, len) = match (byte(0), byte(1), byte(2)) {
            (b'.', b'.', b'.') => (DotDotDot, 3),
            (b'.', b'.', b'=') => (DotDotEq, 3),
            (b'.', b'.', _) => (DotDot, 2),
            (b'.', _, _) => (Dot, 1),
            (b'*', b'*', _) => (StarStar, 2),
            (b'*', b'=', _) => (StarEq, 2),
            (b'*', _, _) => (Star, 1),
            (b'+', b'=', _) => (PlusEq, 2),
            (b'+', _, _) => (Plus, 1),
            (b'-', b'=', _) => (MinusEq, 2),
            (b'-', _, _) => (Minus, 1),
            (b'/', b'=', _) => (SlashEq, 2),
            (b'/', _, _) => (Slash, 1),
            (b'%', b'=', _) => (PercentEq, 2),
            (b'%', _, _) => (Percent, 1),
            (b'=', b'=', _) => (EqEq, 2),
            (b'=', b'>', _) => (FatArrow, 2),
            (b'=', _, _) => (Eq, 1),
            (b'!', b'=', _) => (BangEq, 2),
            (b'!', _, _) => (Bang, 1),
            (b'<', b'=', _) => (LtEq, 2),
            (b'<', b'<', _) => (LtLt, 2),
            (b'<', _, _) => (Lt, 1),
            (b'>', b'=', _) => (GtEq, 2),
            (b'>', b'>', _) => (GtGt, 2),
            (b'>', _, _) => (Gt, 1),
            (b'&', b'&', _) => (AmpAmp, 2),
            (b'&', _, _) => (Amp, 1),
            (b'|', b'|', _) => (PipePipe, 2),
            (b'|', _, _) => (Pipe, 1),
            (b'^', _, _) => (Caret, 1),
            (b'~', _, _) => (Tilde, 1),
            (b',', _, _) => (Comma, 1),
            (b':', _, _) => (Colon, 1),
            (b';', _, _) => (Semicolon, 1),
            (b'?', _, _) => (Question, 1),
            (b'(', _, _) => (LParen, 1),
            (b')', _, _) => (RParen, 1),
            (b'[', _, _) => (LBracket, 1),
            (b']', _, _) => (RBracket, 1),
            (b'{', _, _) => (LBrace, 1),
            (b'}', _, _) => (RBrace, 1),
            (b'@', _, _) => (At, 1),
            _ => return None,
        };
        self.pos += len;
        Some(kind)
    }

    /// Reports and skips a run of characters that start no token: one
    /// diagnostic for the run, so a pasted binary blob is one error, not
    /// thousands.
    fn skip_unexpected(&mut self) {
        let start = self.pos;
        let Some(first) = self.peek() else { return };
        self.pos += first.len_utf8();
        let rest = self.take_while(|c| !is_expected(c));
        let count = 1 + rest.chars().count();
        let message = if count == 1 {
            format!("unexpected character {}", show_char(first))
        } else {
            format!(
                "{count} unexpected characters, starting with {}",
                show_char(first)
            )
        };
        let mut diagnostic = Diagnostic::error(self.span(start), message);
        diagnostic = match first {
            '#' => diagnostic.with_hint("comments start with `//`"),
            '`' => diagnostic.with_hint("strings are written in `\"` or `'`"),
            _ => diagnostic,
        };
        self.report(diagnostic);
    }

    /// Lexes a string literal starting at the quote `quote`.
    fn lex_string(&mut self, quote: char) -> TokenKind {
        let start = self.pos;
        self.pos += quote.len_utf8();
        let mut pieces = Vec::new();
        let mut text = String::new();
        loop {
            let Some(c) = self.peek() else {
                // Strings may span lines, so the real end is unknowable; say
                // where the string began, which is where the fix usually is.
                let hint = format!(
                    "add a closing `{quote}`; a string may span lines, \
                     so everything after this quote was read as part of it"
                );
                self.report_unterminated_string(start, "unterminated string", hint);
                break;
            };
            match c {
                _ if c == quote => {
                    self.pos += quote.len_utf8();
                    break;
                }
                '\\' => self.lex_escape(&mut text),
                '{' => {
                    if !self.lex_interpolation(&mut pieces, &mut text, quote) {
                        self.report_unterminated_string(
                            start,
                            "unterminated interpolation in string",
                            concat!(
                                "a `{` in a string starts an interpolation, which needs a `}`; ",
                                "write `\\{` for a literal brace"
                            ),
                        );
                        // A format spec stops at the string's quote, which
                        // ends the string (not a new one).
                        self.eat(quote);
                        break;
                    }
                }
                _ => {
                    text.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        if pieces.is_empty() || !text.is_empty() {
            pieces.push(StrPiece::Text(text));
        }
        TokenKind::Str(pieces)
    }

    fn report_unterminated_string(
        &mut self,
        quote_at: usize,
        message: &str,
        hint: impl Into<String>,
    ) {
        let quote_span = Span::new(self.file, quote_at, quote_at + 1);
        self.report(Diagnostic::error(quote_span, message).with_hint(hint));
    }

    /// Lexes `{ expr }` inside a string, adding the text so far and the
    /// interpolation to `pieces`. Returns false when the input ended before
    /// the closing `}`.
    fn lex_interpolation(
        &mut self,
        pieces: &mut Vec<StrPiece>,
        text: &mut String,
        quote: char,
    ) -> bool {
        let open = self.pos;
        if self.interpolation_depth >= MAX_INTERPOLATION_DEPTH {
            self.report(
                Diagnostic::error(
                    Span::new(self.file, open, open + 1),
                    "string interpolations are nested too deeply",
                )
                .with_hint(format!(
                    "at most {MAX_INTERPOLATION_DEPTH} levels are allowed; \
                     move the inner string into a variable"
                )),
            );
            // Read the brace as text: no more recursion, and lexing goes on.
            text.push('{');
            self.pos += 1;
            return true;
        }
        if !text.is_empty() {
            pieces.push(StrPiece::Text(std::mem::take(text)));
        }
        self.pos += 1;
        self.interpolation_depth += 1;
        let (tokens, spec, closed) = self.lex_stream(StreamKind::Interpolation, Some(quote));
        self.interpolation_depth -= 1;
        pieces.push(StrPiece::Interp {
            tokens,
            span: self.span(open),
            spec,
        });
        closed
    }

    /// Decodes the escape at the `\` and appends it to `text`.
    fn lex_escape(&mut self, text: &mut String) {
        let start = self.pos;
        self.pos += 1;
        // A `\` at the end of input: the unterminated-string error covers it.
        let Some(c) = self.peek() else { return };
        self.pos += c.len_utf8();
        let decoded = match c {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '\\' => '\\',
            '"' => '"',
            '\'' => '\'',
            '0' => '\0',
            '{' => '{',
            '}' => '}',
            'u' => return self.lex_unicode_escape(start, text),
            _ => {
                let shown = if c.is_control() || c.is_whitespace() {
                    format!("`\\` followed by {}", show_char(c))
                } else {
                    format!("`\\{c}`")
                };
                self.report(
                    Diagnostic::error(self.span(start), format!("unknown escape {shown}"))
                        .with_hint(format!("the escapes are {VALID_ESCAPES}")),
                );
                return;
            }
        };
        text.push(decoded);
    }

    /// Decodes `\u{XXXX}`; `start` is the offset of the backslash, and
    /// `\u` has been read.
    fn lex_unicode_escape(&mut self, start: usize, text: &mut String) {
        let hint = r"write the code point in hex between braces, as in `\u{1F600}`";
        if !self.eat('{') {
            self.report(
                Diagnostic::error(self.span(start), r"expected `{` after `\u`").with_hint(hint),
            );
            return;
        }
        let digits = self.take_while(|c| c.is_ascii_hexdigit());
        if !self.eat('}') {
            self.report(
                Diagnostic::error(self.span(start), "unterminated unicode escape").with_hint(hint),
            );
            return;
        }
        let span = self.span(start);
        if digits.is_empty() || digits.len() > 6 {
            self.report(
                Diagnostic::error(span, "a unicode escape needs 1 to 6 hex digits").with_hint(hint),
            );
            return;
        }
        match u32::from_str_radix(digits, 16)
            .ok()
            .and_then(char::from_u32)
        {
            Some(decoded) => text.push(decoded),
            None => self.report(
                Diagnostic::error(
                    span,
                    format!("`\\u{{{digits}}}` is not a unicode character"),
                )
                .with_hint(
                    "code points run up to 10FFFF, and D800–DFFF (surrogates) are not characters",
                ),
            ),
        }
    }
}

/// Whether every `_` in a number literal is followed by a digit of `radix`.
/// With the literal starting with a digit, that makes every `_` stand
/// between two digits (`1__0`, `1_`, `1_.5` and `1_e5` fail).
fn separators_are_valid(literal: &str, radix: u32) -> bool {
    let mut chars = literal.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '_' && !chars.peek().is_some_and(|next| next.is_digit(radix)) {
            return false;
        }
    }
    true
}

/// The value of a run of decimal digits. Most literals fit a `u64`, which
/// parses without the general big-number routine.
fn decimal_integer(digits: &str) -> BigInt {
    match digits.parse::<u64>() {
        Ok(small) => BigInt::from(small),
        Err(_) => BigInt::parse_bytes(digits.as_bytes(), 10).unwrap_or_default(),
    }
}

fn duration_unit(suffix: &str) -> Option<DurationUnit> {
    match suffix {
        "ms" => Some(DurationUnit::Millis),
        "s" => Some(DurationUnit::Seconds),
        "m" => Some(DurationUnit::Minutes),
        "h" => Some(DurationUnit::Hours),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenKind::*;

    fn tokens(source: &str) -> Vec<Token> {
        let (tokens, diagnostics) = lex(source, 0);
        assert!(
            diagnostics.is_empty(),
            "unexpected diagnostics for {source:?}: {diagnostics:?}"
        );
        tokens
    }

    /// Token kinds without the final `Eof`.
    fn kinds(source: &str) -> Vec<TokenKind> {
        let mut kinds: Vec<TokenKind> =
            tokens(source).into_iter().map(|token| token.kind).collect();
        assert_eq!(kinds.pop(), Some(Eof));
        kinds
    }

    /// The errors of `source` as (message, start, end).
    fn errors(source: &str) -> Vec<(String, u32, u32)> {
        let (tokens, diagnostics) = lex(source, 0);
        assert_eq!(tokens.last().map(|token| &token.kind), Some(&Eof));
        diagnostics
            .into_iter()
            .map(|diagnostic| {
                (
                    diagnostic.message,
                    diagnostic.span.start,
                    diagnostic.span.end,
                )
            })
            .collect()
    }

    fn ident(name: &str) -> TokenKind {
        Ident(name.to_string())
    }

    fn int(value: i64) -> TokenKind {
        Int(BigInt::from(value))
    }

    fn text(value: &str) -> TokenKind {
        Str(vec![StrPiece::Text(value.to_string())])
    }

    /// Which tokens (by their source text) carry `newline_before`.
    fn flagged(source: &str) -> Vec<&str> {
        tokens(source)
            .iter()
            .filter(|token| token.newline_before)
            .map(|token| &source[token.span.start as usize..token.span.end as usize])
            .collect()
    }

    #[test]
    fn empty_input_is_one_eof() {
        let tokens = tokens("");
        assert_eq!(tokens.len(), 1);
        assert_eq!(tokens[0].kind, Eof);
        assert_eq!(tokens[0].span, Span::new(0, 0, 0));
        assert_eq!(
            kinds("  \n\t // only a comment\n /* and another */ "),
            vec![]
        );
    }

    #[test]
    fn spans_are_byte_ranges_in_the_given_file() {
        let (tokens, _) = lex("var x = 10;", 7);
        let spans: Vec<(u32, u32, u32)> = tokens
            .iter()
            .map(|t| (t.span.file, t.span.start, t.span.end))
            .collect();
        assert_eq!(
            spans,
            vec![
                (7, 0, 3),
                (7, 4, 5),
                (7, 6, 7),
                (7, 8, 10),
                (7, 10, 11),
                (7, 11, 11)
            ]
        );
    }

    #[test]
    fn identifiers_keywords_and_contextual_words() {
        assert_eq!(
            kinds("var x_1 fn _ _tmp self this super as await ok err café"),
            vec![
                Var,
                ident("x_1"),
                Fn,
                ident("_"),
                ident("_tmp"),
                SelfKw,
                This,
                Super,
                ident("as"),
                ident("await"),
                ident("ok"),
                ident("err"),
                ident("café"),
            ]
        );
        assert_eq!(
            kinds("elif else iter worker handle"),
            vec![Elif, Else, Iter, Worker, Handle]
        );
        assert_eq!(kinds("variable"), vec![ident("variable")]);
    }

    #[test]
    fn every_operator() {
        let source = concat!(
            "+ - * / % ** == != < <= > >= = += -= *= /= %= ! && || & | ^ ~ << >> ",
            ". .. ..= ... , : ; ? => ( ) [ ] { } @"
        );
        let expected = vec![
            Plus, Minus, Star, Slash, Percent, StarStar, EqEq, BangEq, Lt, LtEq, Gt, GtEq, Eq,
            PlusEq, MinusEq, StarEq, SlashEq, PercentEq, Bang, AmpAmp, PipePipe, Amp, Pipe, Caret,
            Tilde, LtLt, GtGt, Dot, DotDot, DotDotEq, DotDotDot, Comma, Colon, Semicolon, Question,
            FatArrow, LParen, RParen, LBracket, RBracket, LBrace, RBrace, At,
        ];
        assert_eq!(kinds(source), expected);
        // Every operator also reads back through `describe`.
        for (kind, written) in expected.iter().zip(source.split(' ')) {
            assert_eq!(kind.describe(), format!("`{written}`"));
        }
    }

    #[test]
    fn operators_take_the_longest_match() {
        assert_eq!(kinds("a**=b"), vec![ident("a"), StarStar, Eq, ident("b")]);
        assert_eq!(
            kinds("a....b"),
            vec![ident("a"), DotDotDot, Dot, ident("b")]
        );
        assert_eq!(kinds("x<<=y"), vec![ident("x"), LtLt, Eq, ident("y")]);
        assert_eq!(kinds("a===b"), vec![ident("a"), EqEq, Eq, ident("b")]);
        assert_eq!(kinds("!!x"), vec![Bang, Bang, ident("x")]);
        assert_eq!(kinds("a=>b"), vec![ident("a"), FatArrow, ident("b")]);
        assert_eq!(kinds("a|||b"), vec![ident("a"), PipePipe, Pipe, ident("b")]);
    }

    #[test]
    fn integers_in_every_base() {
        assert_eq!(
            kinds("0 42 1_000_000 0xFF 0xff_ff 0b1010 0o17 007"),
            vec![
                int(0),
                int(42),
                int(1_000_000),
                int(255),
                int(0xffff),
                int(10),
                int(15),
                int(7)
            ]
        );
    }

    #[test]
    fn names_continue_past_ascii_into_other_letters_and_stop_at_non_letters() {
        // The ASCII fast path hands over to character decoding mid-name.
        assert_eq!(
            kinds("naïve_1 x2é Δx"),
            vec![ident("naïve_1"), ident("x2é"), ident("Δx")]
        );
        // `·` is no letter: the name stops before it.
        assert_eq!(
            errors("ab·c"),
            vec![("unexpected character `·`".to_string(), 2, 4)]
        );
    }

    #[test]
    fn integers_at_the_edge_of_64_bits() {
        assert_eq!(
            kinds("18446744073709551615 18446744073709551616 1_8446744073709551616"),
            vec![
                Int(BigInt::from(u64::MAX)),
                Int(BigInt::from(u64::MAX) + 1),
                Int(BigInt::from(u64::MAX) + 1)
            ]
        );
    }

    #[test]
    fn integers_of_any_size() {
        let big = "123456789012345678901234567890123456789";
        assert_eq!(kinds(big), vec![Int(big.parse().unwrap())]);
        assert_eq!(
            kinds("9223372036854775808"),
            vec![Int(BigInt::from(i64::MAX) + 1)]
        );
        let hex = "0xFFFFFFFFFFFFFFFFFFFFFFFF";
        assert_eq!(kinds(hex), vec![Int((BigInt::from(1) << 96) - 1)]);
    }

    #[test]
    fn malformed_integers_are_errors() {
        assert_eq!(
            errors("0x"),
            vec![("missing digits after `0x`".to_string(), 0, 2)]
        );
        assert_eq!(
            errors("0b;"),
            vec![("missing digits after `0b`".to_string(), 0, 2)]
        );
        assert_eq!(
            errors("1__0"),
            vec![("misplaced `_` in number literal".to_string(), 0, 4)]
        );
        assert_eq!(
            errors("1_"),
            vec![("misplaced `_` in number literal".to_string(), 0, 2)]
        );
        assert_eq!(
            errors("1_.5"),
            vec![("misplaced `_` in number literal".to_string(), 0, 4)]
        );
        assert_eq!(
            errors("1_e5"),
            vec![("misplaced `_` in number literal".to_string(), 0, 4)]
        );
        assert_eq!(
            errors("0x_1"),
            vec![("misplaced `_` in number literal".to_string(), 0, 4)]
        );
        assert_eq!(
            errors("0b102"),
            vec![("invalid digit `2` in binary literal".to_string(), 4, 5)]
        );
        assert_eq!(
            errors("0o8"),
            vec![("invalid digit `8` in octal literal".to_string(), 2, 3)]
        );
        assert_eq!(
            errors("0xFG"),
            vec![("invalid digit `G` in hexadecimal literal".to_string(), 3, 4)]
        );
        assert_eq!(
            errors("12abc"),
            vec![("invalid suffix `abc` on number literal".to_string(), 2, 5)]
        );
        // Lexing goes on after each error.
        assert_eq!(errors("0x + 1__2 + 3").len(), 2);
    }

    #[test]
    fn floats() {
        assert_eq!(
            kinds("3.25 2.0 1e9 1.5e-10 2E+3 1_000.5"),
            vec![
                Float(3.25),
                Float(2.0),
                Float(1e9),
                Float(1.5e-10),
                Float(2e3),
                Float(1000.5)
            ]
        );
        assert_eq!(kinds("1.7976931348623157e+308"), vec![Float(f64::MAX)]);
        assert_eq!(
            errors("1e999"),
            vec![("float literal is too large".to_string(), 0, 5)]
        );
        assert_eq!(
            errors("1e"),
            vec![("invalid suffix `e` on number literal".to_string(), 1, 2)]
        );
    }

    #[test]
    fn a_dot_after_digits_is_not_always_a_fraction() {
        assert_eq!(kinds("0..5"), vec![int(0), DotDot, int(5)]);
        assert_eq!(kinds("1..=3"), vec![int(1), DotDotEq, int(3)]);
        assert_eq!(kinds("1...3"), vec![int(1), DotDotDot, int(3)]);
        assert_eq!(
            kinds("1.abs()"),
            vec![int(1), Dot, ident("abs"), LParen, RParen]
        );
        assert_eq!(kinds("1.5..2.5"), vec![Float(1.5), DotDot, Float(2.5)]);
    }

    #[test]
    fn digits_after_a_dot_are_tuple_indexes() {
        assert_eq!(kinds("t.0.1"), vec![ident("t"), Dot, int(0), Dot, int(1)]);
        assert_eq!(kinds("t.10"), vec![ident("t"), Dot, int(10)]);
        assert_eq!(kinds("t . 0"), vec![ident("t"), Dot, int(0)]);
    }

    #[test]
    fn durations() {
        assert_eq!(
            kinds("500ms 2s 1.5m 1h 1_000ms"),
            vec![
                Duration(500.0, DurationUnit::Millis),
                Duration(2.0, DurationUnit::Seconds),
                Duration(1.5, DurationUnit::Minutes),
                Duration(1.0, DurationUnit::Hours),
                Duration(1000.0, DurationUnit::Millis),
            ]
        );
        assert_eq!(
            kinds("timeout=5s)"),
            vec![
                ident("timeout"),
                Eq,
                Duration(5.0, DurationUnit::Seconds),
                RParen
            ]
        );
        assert_eq!(kinds("5 s"), vec![int(5), ident("s")]);
        assert_eq!(
            errors("2min"),
            vec![("invalid suffix `min` on number literal".to_string(), 1, 4)]
        );
        assert_eq!(
            errors("3sec"),
            vec![("invalid suffix `sec` on number literal".to_string(), 1, 4)]
        );
    }

    #[test]
    fn strings_and_every_escape() {
        assert_eq!(
            kinds(r#""hello" 'single' """#),
            vec![text("hello"), text("single"), text("")]
        );
        assert_eq!(
            kinds(r#""\n\t\r\\\"\'\0\{\}""#),
            vec![text("\n\t\r\\\"'\0{}")]
        );
        assert_eq!(kinds(r"'it\'s'"), vec![text("it's")]);
        assert_eq!(
            kinds(r#"'say "hi"' "it's""#),
            vec![text("say \"hi\""), text("it's")]
        );
        assert_eq!(kinds(r#""\u{1F600} \u{41}\u{e9}""#), vec![text("😀 Aé")]);
        assert_eq!(kinds("\"naïve 😀\""), vec![text("naïve 😀")]);
        assert_eq!(kinds("\"two\nlines\""), vec![text("two\nlines")]);
        assert_eq!(kinds(r#""a}b""#), vec![text("a}b")]);
    }

    #[test]
    fn bad_escapes_point_at_the_escape_and_lexing_goes_on() {
        assert_eq!(
            errors(r#""a\qb""#),
            vec![("unknown escape `\\q`".to_string(), 2, 4)]
        );
        assert_eq!(
            errors(r#""\u{110000}" "\u{D800}""#),
            vec![
                (
                    "`\\u{110000}` is not a unicode character".to_string(),
                    1,
                    11
                ),
                ("`\\u{D800}` is not a unicode character".to_string(), 14, 22),
            ]
        );
        assert_eq!(
            errors(r#""\u{}""#),
            vec![("a unicode escape needs 1 to 6 hex digits".to_string(), 1, 5)]
        );
        assert_eq!(
            errors(r#""\u{1234567}""#),
            vec![(
                "a unicode escape needs 1 to 6 hex digits".to_string(),
                1,
                12
            )]
        );
        assert_eq!(
            errors(r#""\u41""#),
            vec![("expected `{` after `\\u`".to_string(), 1, 3)]
        );
        assert_eq!(
            errors(r#""\u{41" x"#),
            vec![("unterminated unicode escape".to_string(), 1, 6)]
        );
        // The string still becomes one token, and the next one follows.
        let (tokens, diagnostics) = lex(r#""a\qb" + 1"#, 0);
        assert_eq!(diagnostics.len(), 1);
        let kinds: Vec<TokenKind> = tokens.into_iter().map(|t| t.kind).collect();
        assert_eq!(kinds, vec![text("ab"), Plus, int(1), Eof]);
    }

    #[test]
    fn unterminated_string_is_reported_at_its_opening_quote() {
        let source = "var a = 1;\nprint(\"oops);\nvar b = 2;\n";
        let (tokens, diagnostics) = lex(source, 0);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].message, "unterminated string");
        assert_eq!(diagnostics[0].span, Span::new(0, 17, 18));
        assert!(diagnostics[0].hint.is_some());
        assert_eq!(tokens.last().map(|t| &t.kind), Some(&Eof));
        assert_eq!(
            errors("'abc"),
            vec![("unterminated string".to_string(), 0, 1)]
        );
        assert_eq!(
            errors(r#""abc\"#),
            vec![("unterminated string".to_string(), 0, 1)]
        );
    }

    #[test]
    fn interpolation_pieces_have_absolute_spans() {
        let source = r#"x = "a{b + 1}c""#;
        let tokens = tokens(source);
        let Str(pieces) = &tokens[2].kind else {
            panic!("expected a string, got {:?}", tokens[2])
        };
        assert_eq!(tokens[2].span, Span::new(0, 4, 15));
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces[0], StrPiece::Text("a".to_string()));
        assert_eq!(pieces[2], StrPiece::Text("c".to_string()));
        let StrPiece::Interp {
            tokens: inner,
            span,
            ..
        } = &pieces[1]
        else {
            panic!("expected an interpolation")
        };
        assert_eq!(*span, Span::new(0, 6, 13));
        let inner: Vec<(TokenKind, u32, u32)> = inner
            .iter()
            .map(|t| (t.kind.clone(), t.span.start, t.span.end))
            .collect();
        assert_eq!(
            inner,
            vec![
                (ident("b"), 7, 8),
                (Plus, 9, 10),
                (int(1), 11, 12),
                (Eof, 12, 13)
            ]
        );
    }

    /// The kinds inside the only interpolation of the only string.
    fn interpolated(source: &str) -> Vec<TokenKind> {
        let tokens = tokens(source);
        let Str(pieces) = &tokens[0].kind else {
            panic!("expected a string in {source:?}")
        };
        let interps: Vec<&Vec<Token>> = pieces
            .iter()
            .filter_map(|piece| match piece {
                StrPiece::Interp { tokens, .. } => Some(tokens),
                StrPiece::Text(_) => None,
            })
            .collect();
        assert_eq!(interps.len(), 1, "{pieces:?}");
        interps[0].iter().map(|t| t.kind.clone()).collect()
    }

    /// The format spec of the only interpolation of the only string, and
    /// the interpolation's token kinds.
    fn spec_of(source: &str) -> (Option<String>, Vec<TokenKind>) {
        let tokens = tokens(source);
        let Str(pieces) = &tokens[0].kind else {
            panic!("expected a string in {source:?}")
        };
        pieces
            .iter()
            .find_map(|piece| match piece {
                StrPiece::Interp { tokens, spec, .. } => Some((
                    spec.as_ref().map(|s| s.text.clone()),
                    tokens.iter().map(|t| t.kind.clone()).collect(),
                )),
                StrPiece::Text(_) => None,
            })
            .expect("an interpolation")
    }

    #[test]
    fn format_specs_start_at_a_colon_outside_brackets_and_ternaries() {
        assert_eq!(
            spec_of(r#""{x:.2f}""#),
            (Some(".2f".into()), vec![ident("x"), Eof])
        );
        assert_eq!(spec_of(r#""{x}""#).0, None);
        // A ternary's `:` stays in the expression; the next one starts the spec.
        let (spec, kinds) = spec_of(r#""{c ? a : b:>4}""#);
        assert_eq!(spec.as_deref(), Some(">4"));
        assert!(kinds.contains(&Colon));
        // Colons inside brackets belong to the expression.
        assert_eq!(spec_of(r#""{ {"k": 1}["k"] }""#).0, None);
        // A postfix `?` right before the colon is no ternary.
        assert_eq!(spec_of(r#""{f()?:d}""#).0.as_deref(), Some("d"));
        // A `?else` handler's `?` waits for no colon.
        assert_eq!(
            spec_of(r#""{f() ?else { 0 }:03d}""#).0.as_deref(),
            Some("03d")
        );
        // The spec is raw text: quotes and `#` are fill characters.
        assert_eq!(spec_of(r#""{7:'^5}""#).0.as_deref(), Some("'^5"));
        assert_eq!(spec_of(r#""{7:}^5}""#).0.as_deref(), Some("}^5"));
    }

    #[test]
    fn an_unclosed_format_spec_ends_at_its_string_quote() {
        let (tokens, diagnostics) = lex("\"{x:>4\" + 1", 0);
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert!(diagnostics[0]
            .message
            .contains("unterminated interpolation"));
        let kinds: Vec<TokenKind> = tokens.iter().skip(1).map(|t| t.kind.clone()).collect();
        assert_eq!(kinds, vec![Plus, int(1), Eof]);
    }

    #[test]
    fn interpolation_with_nested_braces_and_strings() {
        assert_eq!(
            interpolated(r#""{d["k"]}""#),
            vec![ident("d"), LBracket, text("k"), RBracket, Eof]
        );
        assert_eq!(
            interpolated(r#""{ {"a": 1} }""#),
            vec![LBrace, text("a"), Colon, int(1), RBrace, Eof]
        );
        let inner = interpolated(r#""{f("x{y}")}""#);
        assert_eq!(inner.len(), 5);
        assert_eq!(inner[0], ident("f"));
        let Str(pieces) = &inner[2] else {
            panic!("expected the inner string")
        };
        assert_eq!(pieces[0], StrPiece::Text("x".to_string()));
        assert!(
            matches!(&pieces[1], StrPiece::Interp { tokens, .. } if tokens[0].kind == ident("y"))
        );
        assert_eq!(
            interpolated(r#""{p.name}""#),
            vec![ident("p"), Dot, ident("name"), Eof]
        );
        assert_eq!(interpolated(r#""{}""#), vec![Eof]);
    }

    #[test]
    fn string_pieces_skip_empty_text_around_interpolations() {
        let tokens = tokens(r#""{a}{b}""#);
        let Str(pieces) = &tokens[0].kind else {
            panic!()
        };
        assert_eq!(pieces.len(), 2);
        assert!(pieces
            .iter()
            .all(|piece| matches!(piece, StrPiece::Interp { .. })));
        assert_eq!(kinds(r#""\{not}""#), vec![text("{not}")]);
    }

    #[test]
    fn unterminated_interpolation_is_reported_at_the_opening_quote() {
        assert_eq!(
            errors("x = \"a{b + 1\n"),
            vec![("unterminated interpolation in string".to_string(), 4, 5)]
        );
        // An unclosed `(` inside does not swallow the rest of the file.
        let (tokens, diagnostics) = lex(r#""{f(}" + 1"#, 0);
        assert!(diagnostics.is_empty());
        assert_eq!(tokens.len(), 4);
    }

    #[test]
    fn deeply_nested_interpolation_is_an_error_not_a_crash() {
        let source = "\"{".repeat(10_000);
        let (tokens, diagnostics) = lex(&source, 0);
        assert_eq!(tokens.last().map(|t| &t.kind), Some(&Eof));
        assert!(diagnostics
            .iter()
            .any(|d| d.message == "string interpolations are nested too deeply"));
    }

    #[test]
    fn comments_nest_and_vanish() {
        assert_eq!(kinds("a // b c\nd"), vec![ident("a"), ident("d")]);
        assert_eq!(kinds("a /* b /* c */ d */ e"), vec![ident("a"), ident("e")]);
        assert_eq!(
            kinds("a /**/ b /*/ x */ c"),
            vec![ident("a"), ident("b"), ident("c")]
        );
        assert_eq!(kinds("a/ /b"), vec![ident("a"), Slash, Slash, ident("b")]);
        assert_eq!(kinds("// comment at the end"), vec![]);
    }

    #[test]
    fn unterminated_block_comment_is_reported_at_its_start() {
        assert_eq!(
            errors("a /* b /* c */ d"),
            vec![("unterminated block comment".to_string(), 2, 4)]
        );
        assert_eq!(
            errors("/*"),
            vec![("unterminated block comment".to_string(), 0, 2)]
        );
    }

    #[test]
    fn stray_characters_are_reported_and_skipped() {
        assert_eq!(
            errors("a # b"),
            vec![("unexpected character `#`".to_string(), 2, 3)]
        );
        assert_eq!(
            errors("a $$$ b"),
            vec![(
                "3 unexpected characters, starting with `$`".to_string(),
                2,
                5
            )]
        );
        assert_eq!(
            errors("x → y"),
            vec![("unexpected character `→`".to_string(), 2, 5)]
        );
        assert_eq!(
            errors("x\u{a0}y"),
            vec![("unexpected character U+00A0".to_string(), 1, 3)]
        );
        assert_eq!(errors("a # b $ c").len(), 2);
        let (tokens, _) = lex("a # b", 0);
        let kinds: Vec<TokenKind> = tokens.into_iter().map(|t| t.kind).collect();
        assert_eq!(kinds, vec![ident("a"), ident("b"), Eof]);
    }

    #[test]
    fn a_leading_byte_order_mark_is_skipped() {
        assert_eq!(kinds("\u{feff}var"), vec![Var]);
        assert_eq!(errors("a\u{feff}").len(), 1);
    }

    #[test]
    fn newline_ends_a_statement_after_a_token_that_can_end_one() {
        assert_eq!(flagged("print(\"hi\")\nprint(2)"), vec!["print"]);
        assert_eq!(flagged("x = 1\ny = 2\n\n\nz = 3\n"), vec!["y", "z"]);
        for ending in [
            "x", "1", "1.5", "2s", "\"s\"", ")", "]", "}", "return", "break", "continue", "true",
            "false", "nil", "this", "self", "f()?",
        ] {
            let source = format!("{ending}\nnext");
            assert_eq!(flagged(&source), vec!["next"], "after {ending:?}");
        }
    }

    #[test]
    fn newline_after_an_operator_or_comma_continues() {
        for ending in [
            "+", "=", "==", ",", "&&", "and", "(", "[", "{", ".", "=>", "var", "if", ":",
        ] {
            let source = format!("a {ending}\nb");
            assert_eq!(flagged(&source), Vec::<&str>::new(), "after {ending:?}");
        }
    }

    #[test]
    fn newline_inside_parens_or_brackets_continues() {
        assert_eq!(flagged("f(a\n, b\n)\nc"), vec!["c"]);
        assert_eq!(flagged("[1\n2\n]"), Vec::<&str>::new());
        // A brace inside parens makes newlines count again (closure bodies).
        assert_eq!(flagged("f(fn() {\na\nb\n})"), vec!["b", "}"]);
        assert_eq!(flagged("{\na\nb\n}"), vec!["b", "}"]);
    }

    #[test]
    fn continuation_tokens_never_start_a_statement() {
        assert_eq!(flagged("if a { b }\nelse { c }"), Vec::<&str>::new());
        assert_eq!(flagged("if a { b }\nelif c { d }"), Vec::<&str>::new());
        assert_eq!(flagged("list\n.map(f)\n.len()"), Vec::<&str>::new());
        assert_eq!(flagged("f()\n?else { 0 }"), Vec::<&str>::new());
        assert_eq!(flagged("f()\n? else { 0 }"), Vec::<&str>::new());
        assert_eq!(flagged("f()\n?\nelse { 0 }"), Vec::<&str>::new());
        assert_eq!(
            flagged("f()\n? /* handler */ else { 0 }"),
            Vec::<&str>::new()
        );
        // A `?` not followed by `else` does start a new line's statement.
        assert_eq!(flagged("f()\n?g"), vec!["?"]);
    }

    #[test]
    fn comments_do_not_change_newline_handling() {
        assert_eq!(flagged("a // note\nb"), vec!["b"]);
        assert_eq!(flagged("a + // note\nb"), Vec::<&str>::new());
        assert_eq!(flagged("a /* x */ b"), Vec::<&str>::new());
        // A block comment spanning lines counts as a newline (as in Go).
        assert_eq!(flagged("a /* x\n y */ b"), vec!["b"]);
    }

    #[test]
    fn eof_and_interpolations_never_carry_the_flag() {
        let tokens = tokens("a\n");
        assert!(!tokens[1].newline_before);
        let tokens = tokens_of_interpolation("\"{a\n+ b\n}\"");
        assert!(tokens.iter().all(|t| !t.newline_before));
    }

    fn tokens_of_interpolation(source: &str) -> Vec<Token> {
        let tokens = tokens(source);
        let Str(pieces) = &tokens[0].kind else {
            panic!()
        };
        let StrPiece::Interp { tokens, .. } = &pieces[0] else {
            panic!()
        };
        tokens.clone()
    }
}
