//! `limit fmt`: one canonical layout for Limit source.
//!
//! The formatter works on the token stream, not the tree, so it keeps every
//! token exactly as written (literals, strings with their interpolations)
//! and every comment where it was. It decides three things:
//!
//! * **Lines.** A line break of the source stays a line break (in Limit a
//!   newline may end a statement, so joining lines could change meaning);
//!   blank lines shrink to at most one. In a `{ … }` block that holds two
//!   statements on one line, each statement gets its own line, as do the
//!   braces (`;` then a newline, which ends nothing new).
//! * **Indentation.** Four spaces per open bracket that a line leaves open
//!   (several opened on one line count once); a line that continues an
//!   expression (it starts with `.`, or the previous line ends with an
//!   operator) is indented one more step.
//! * **Spacing.** One space around binary operators and after `,`; none
//!   inside brackets, before `,` `;` `.` or a call's `(`. Where a token's
//!   role is ambiguous without the tree (a `?`, a brace), the source's
//!   choice of space or none is kept. A comment at the end of a line keeps
//!   the space before it, so aligned comments stay aligned.
//!
//! The result is checked before it is returned: it must lex to the same
//! tokens and parse to the same tree as the input. A file that does not
//! parse is not formatted.

use crate::lexer::lex;
use crate::parser::parse;
use crate::printer::print_module;
use crate::span::FileId;
use crate::token::{Token, TokenKind};
use crate::Diagnostic;

/// Why a source was not formatted.
#[derive(Debug)]
pub enum FormatError {
    /// The source does not lex or parse: its errors.
    Syntax(Vec<Diagnostic>),
    /// The layout would have changed the program (a formatter bug; the
    /// source is left as it was).
    ChangedMeaning(String),
}

/// The canonical layout of `source` (file `file`, for diagnostics).
pub fn format_source(source: &str, file: FileId) -> Result<String, FormatError> {
    let (tokens, mut diagnostics) = lex(source, file);
    let (module, parse_diagnostics) = parse(&tokens, file);
    diagnostics.extend(parse_diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        diagnostics.retain(Diagnostic::is_error);
        return Err(FormatError::Syntax(diagnostics));
    }
    let text = Layout::new(source, &tokens).render();

    let (new_tokens, new_diagnostics) = lex(&text, file);
    let (new_module, new_parse) = parse(&new_tokens, file);
    if new_diagnostics
        .iter()
        .chain(&new_parse)
        .any(Diagnostic::is_error)
    {
        return Err(FormatError::ChangedMeaning(
            "the formatted text does not parse".into(),
        ));
    }
    // Spans differ, so tokens compare by their text.
    let texts = |text: &str, ts: &[Token]| -> Vec<String> {
        ts.iter()
            .map(|t| {
                text.get(t.span.start as usize..t.span.end as usize)
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    };
    if texts(source, &tokens) != texts(&text, &new_tokens) {
        return Err(FormatError::ChangedMeaning("the tokens changed".into()));
    }
    if print_module(&module, None) != print_module(&new_module, None) {
        return Err(FormatError::ChangedMeaning(
            "the syntax tree changed".into(),
        ));
    }
    Ok(text)
}

/// What stands between two tokens.
#[derive(Debug)]
enum Trivia<'s> {
    Newline,
    /// Spaces and tabs (their count).
    Space(usize),
    /// `// …` (to the end of its line) or `/* … */`.
    Comment(&'s str),
}

/// One element of an output line.
#[derive(Clone, Copy, Debug)]
enum Elem<'s> {
    Token(usize),
    Comment(&'s str),
}

struct Line<'s> {
    /// Each element with the spaces the source had before it.
    elems: Vec<(Elem<'s>, usize)>,
    blank_before: bool,
}

struct Layout<'s> {
    source: &'s str,
    tokens: &'s [Token],
    /// Tokens that must start a new line (the one-statement-per-line rule).
    break_before: Vec<bool>,
}

impl<'s> Layout<'s> {
    fn new(source: &'s str, tokens: &'s [Token]) -> Layout<'s> {
        let mut layout = Layout {
            source,
            tokens,
            break_before: vec![false; tokens.len()],
        };
        layout.split_crowded_blocks();
        layout
    }

    fn kind(&self, i: usize) -> &TokenKind {
        &self.tokens[i].kind
    }

    fn text(&self, i: usize) -> &'s str {
        let span = self.tokens[i].span;
        self.source
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    /// The source between token `i - 1` (or the start) and token `i`.
    fn gap(&self, i: usize) -> &'s str {
        let start = match i {
            0 => usize::from(self.source.starts_with('\u{feff}')) * '\u{feff}'.len_utf8(),
            _ => self.tokens[i - 1].span.end as usize,
        };
        let end = self.tokens[i].span.start as usize;
        self.source.get(start..end).unwrap_or("")
    }

    fn same_line(&self, i: usize) -> bool {
        !self.gap(i).contains('\n')
    }

    /// Marks the breaks of blocks (and top-level code) that hold a `;`
    /// followed by another statement on the same line.
    fn split_crowded_blocks(&mut self) {
        // Open brackets: (token index, kind), and whether a brace block
        // must be split.
        let mut open: Vec<(usize, TokenKind)> = Vec::new();
        let mut crowded: Vec<usize> = Vec::new();
        for i in 0..self.tokens.len() {
            match self.kind(i) {
                TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => {
                    open.push((i, self.kind(i).clone()));
                }
                TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace => {
                    open.pop();
                }
                TokenKind::Semicolon => {
                    let at_statement_level =
                        matches!(open.last(), None | Some((_, TokenKind::LBrace)));
                    let next = i + 1;
                    if at_statement_level
                        && next < self.tokens.len()
                        && !matches!(self.kind(next), TokenKind::RBrace | TokenKind::Eof)
                        && self.same_line(next)
                    {
                        self.break_before[next] = true;
                        if let Some(&(brace, _)) = open.last() {
                            crowded.push(brace);
                        }
                    }
                }
                _ => {}
            }
        }
        // A split block puts its first statement and its closing brace on
        // their own lines too.
        for brace in crowded {
            if let Some(close) = self.matching_close(brace) {
                if brace + 1 < close {
                    self.break_before[brace + 1] = true;
                }
                self.break_before[close] = true;
            }
        }
    }

    fn matching_close(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        for i in open..self.tokens.len() {
            match self.kind(i) {
                TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => depth += 1,
                TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The source cut into lines of tokens and comments.
    fn lines(&self) -> Vec<Line<'s>> {
        let mut lines = Vec::new();
        let mut current = Line {
            elems: Vec::new(),
            blank_before: false,
        };
        let mut newlines = 0usize;
        let mut spaces = 0usize;
        for i in 0..self.tokens.len() {
            for trivia in split_trivia(self.gap(i)) {
                match trivia {
                    Trivia::Newline => {
                        newlines += 1;
                        spaces = 0;
                        if !current.elems.is_empty() {
                            lines.push(std::mem::replace(
                                &mut current,
                                Line {
                                    elems: Vec::new(),
                                    blank_before: false,
                                },
                            ));
                            newlines = 1;
                        }
                    }
                    Trivia::Space(n) => spaces += n,
                    Trivia::Comment(text) => {
                        if current.elems.is_empty() {
                            current.blank_before = newlines > 1;
                        }
                        current.elems.push((Elem::Comment(text), spaces));
                        spaces = 0;
                    }
                }
            }
            if matches!(self.kind(i), TokenKind::Eof) {
                break;
            }
            if self.break_before[i] && !current.elems.is_empty() {
                lines.push(std::mem::replace(
                    &mut current,
                    Line {
                        elems: Vec::new(),
                        blank_before: false,
                    },
                ));
                newlines = 1;
                spaces = 0;
            }
            if current.elems.is_empty() {
                current.blank_before = newlines > 1;
            }
            current.elems.push((Elem::Token(i), spaces));
            newlines = 0;
            spaces = 0;
        }
        if !current.elems.is_empty() {
            lines.push(current);
        }
        if let Some(first) = lines.first_mut() {
            first.blank_before = false;
        }
        lines
    }

    fn render(&self) -> String {
        let lines = self.lines();
        let mut out = String::new();
        // Open brackets: whether each added an indentation step.
        let mut open: Vec<bool> = Vec::new();
        let mut level = 0usize;
        let mut previous_last: Option<usize> = None;
        let mut previous_first: Option<usize> = None;
        for line in &lines {
            let mut elems = line.elems.iter().peekable();
            // Closing brackets that start the line close before it is
            // indented.
            let mut leading = Vec::new();
            while let Some(&&(Elem::Token(i), space)) = elems.peek() {
                if !is_close(self.kind(i)) {
                    break;
                }
                if open.pop() == Some(true) {
                    level = level.saturating_sub(1);
                }
                leading.push((Elem::Token(i), space));
                elems.next();
            }
            let rest: Vec<(Elem<'s>, usize)> = elems.copied().collect();
            let first_token = leading.iter().chain(&rest).find_map(|(e, _)| match e {
                Elem::Token(i) => Some(*i),
                Elem::Comment(_) => None,
            });
            let continues = first_token.is_some_and(|first| {
                matches!(self.kind(first), TokenKind::Dot)
                    || starts_continuation(self.kind(first))
                    || previous_last.is_some_and(|last| {
                        self.continues_after(last)
                            || (open.is_empty() && matches!(self.kind(last), TokenKind::Comma))
                            || (previous_first
                                .is_some_and(|f| matches!(self.kind(f), TokenKind::Import))
                                && matches!(self.kind(last), TokenKind::Ident(w) if w == "show" || w == "hide"))
                    })
            }) && leading.is_empty();
            let mut indent = 4 * (level + usize::from(continues));
            if first_token.is_none() {
                // A line of comments keeps a deeper column it had (comments
                // aligned with the end of the line above).
                if let Some((Elem::Comment(text), _)) = line.elems.first() {
                    indent = indent.max(self.column_of(text));
                }
            } else {
                previous_first = first_token;
            }

            if line.blank_before && !out.is_empty() {
                out.push('\n');
            }
            for _ in 0..indent {
                out.push(' ');
            }
            let mut opened_here = 0usize;
            let mut prev: Option<Elem<'s>> = None;
            for &(elem, space) in leading.iter().chain(&rest) {
                if let Some(p) = prev {
                    for _ in 0..self.space_between(p, elem, space) {
                        out.push(' ');
                    }
                }
                match elem {
                    Elem::Token(i) => {
                        out.push_str(self.text(i));
                        let kind = self.kind(i);
                        if is_open(kind) {
                            open.push(false);
                            opened_here += 1;
                        } else if is_close(kind) && !leading.iter().any(|(e, _)| same(e, &elem)) {
                            if opened_here > 0 {
                                opened_here -= 1;
                                open.pop();
                            } else if open.pop() == Some(true) {
                                level = level.saturating_sub(1);
                            }
                        }
                        previous_last = Some(i);
                    }
                    Elem::Comment(text) => out.push_str(text),
                }
                prev = Some(elem);
            }
            if opened_here > 0 {
                // The innermost bracket left open indents what follows.
                if let Some(top) = open.last_mut() {
                    *top = true;
                    level += 1;
                }
            }
            out.push('\n');
        }
        out
    }

    /// The column (in characters) where `text`, a part of the source,
    /// starts on its line.
    fn column_of(&self, text: &str) -> usize {
        let offset = (text.as_ptr() as usize).wrapping_sub(self.source.as_ptr() as usize);
        let Some(before) = self.source.get(..offset.min(self.source.len())) else {
            return 0;
        };
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        before[line_start..].chars().count()
    }

    /// Whether a line after one ending with token `last` continues its
    /// expression (and is indented one more step). A comma counts only at
    /// file level (`render`): inside brackets the bracket indents.
    fn continues_after(&self, last: usize) -> bool {
        let kind = self.kind(last);
        match kind {
            // A `?` ends a line both as a propagation (the statement ends)
            // and as a ternary whose branches follow (it continues).
            TokenKind::Question => crate::parser::ternary_follows(self.tokens, last, true),
            _ => kind.continues_statement() && !matches!(kind, TokenKind::Comma),
        }
    }

    /// Spaces between two elements of a line; `source` is what the source
    /// had there.
    fn space_between(&self, prev: Elem<'s>, next: Elem<'s>, source: usize) -> usize {
        let kept = source.min(1);
        match (prev, next) {
            // A trailing comment keeps its column.
            (_, Elem::Comment(text)) if text.starts_with("//") => source.max(1),
            (Elem::Comment(_), _) | (_, Elem::Comment(_)) => kept,
            (Elem::Token(p), Elem::Token(n)) => self.token_space(p, n).unwrap_or(kept),
        }
    }

    /// The canonical space between tokens `p` and `n` (adjacent on a
    /// line), or `None` when the source's choice stays.
    fn token_space(&self, p: usize, n: usize) -> Option<usize> {
        use TokenKind::*;
        let (pk, nk) = (self.kind(p), self.kind(n));
        if matches!(nk, Comma | Semicolon) {
            return Some(0);
        }
        if matches!(pk, LParen | LBracket) || matches!(nk, RParen | RBracket) {
            return Some(0);
        }
        if matches!(pk, Comma | Semicolon) {
            return Some(1);
        }
        if matches!(pk, At) {
            return Some(0);
        }
        if matches!(nk, Dot) {
            // `1 .abs()`: a number's own `.` would make it a float.
            return (!matches!(pk, Int(_) | Float(_))).then_some(0);
        }
        if matches!(pk, Dot) && matches!(nk, Ident(_) | Int(_)) {
            return Some(0);
        }
        if matches!(nk, LParen) {
            return match pk {
                Ident(_) | RParen | RBracket => Some(0),
                If | Elif | While | For | Iter | Match | Parallel | Concurrent | Task | Worker
                | Handle | Return | In | And | Or | Not => Some(1),
                _ => None,
            };
        }
        if matches!(nk, LBracket) && matches!(pk, Ident(_) | RParen | RBracket | Str(_)) {
            return Some(0);
        }
        if matches!(nk, LBrace) && matches!(pk, RParen | Else | FatArrow) {
            return Some(1);
        }
        if matches!(pk, Colon) {
            return Some(1);
        }
        if self.is_named_argument_eq(p) || self.is_named_argument_eq(n) {
            return Some(0);
        }
        if self.is_binary(n) {
            return Some(1);
        }
        if self.is_binary(p) {
            return Some(1);
        }
        if self.is_unary(p) {
            // `-1` stays as written: a literal's sign is part of how the
            // parser reads it.
            return if matches!(pk, Not) { Some(1) } else { None };
        }
        None
    }

    /// Whether token `i` is an operator between two operands.
    fn is_binary(&self, i: usize) -> bool {
        use TokenKind::*;
        match self.kind(i) {
            Star | Slash | Percent | StarStar | EqEq | BangEq | Lt | LtEq | Gt | GtEq | Eq
            | PlusEq | MinusEq | StarEq | SlashEq | PercentEq | AmpAmp | PipePipe | And | Or
            | FatArrow | LtLt | GtGt | Caret | Amp => true,
            // After a `?` a sign is binary (`f()? - 1`) or unary (`c ? -1 :
            // 2`): the source's spacing is kept.
            Plus | Minus => {
                i > 0 && ends_operand(self.kind(i - 1)) && !matches!(self.kind(i - 1), Question)
            }
            Pipe => i > 0 && ends_operand(self.kind(i - 1)),
            _ => false,
        }
    }

    /// Whether token `i` is a prefix operator.
    fn is_unary(&self, i: usize) -> bool {
        use TokenKind::*;
        match self.kind(i) {
            Bang | Tilde | Not => true,
            Minus | Plus => i == 0 || !ends_operand(self.kind(i - 1)),
            _ => false,
        }
    }

    /// Whether token `i` is the `=` of a named argument or block parameter
    /// (`Circle(r=2.0)`, `parallel (cores=4)`): a name right after `(` or
    /// `,` inside parentheses.
    fn is_named_argument_eq(&self, i: usize) -> bool {
        if !matches!(self.kind(i), TokenKind::Eq) || i < 2 {
            return false;
        }
        if !matches!(self.kind(i - 1), TokenKind::Ident(_)) {
            return false;
        }
        if !matches!(self.kind(i - 2), TokenKind::LParen | TokenKind::Comma) {
            return false;
        }
        // The innermost open bracket must be a parenthesis.
        let mut depth = 0i32;
        for j in (0..i).rev() {
            match self.kind(j) {
                TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace => depth += 1,
                TokenKind::LParen if depth == 0 => return true,
                TokenKind::LBracket | TokenKind::LBrace if depth == 0 => return false,
                TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => depth -= 1,
                _ => {}
            }
        }
        false
    }
}

fn same(a: &Elem<'_>, b: &Elem<'_>) -> bool {
    matches!((a, b), (Elem::Token(x), Elem::Token(y)) if x == y)
}

fn is_open(kind: &TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace
    )
}

fn is_close(kind: &TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace
    )
}

/// Whether a token of this kind can end an operand (so a following `-` is
/// binary).
fn ends_operand(kind: &TokenKind) -> bool {
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
            | True
            | False
            | Nil
            | This
            | SelfKw
            | Question
    )
}

/// Cuts the text between two tokens into newlines, spaces and comments.
fn split_trivia(gap: &str) -> Vec<Trivia<'_>> {
    let bytes = gap.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                out.push(Trivia::Newline);
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = gap[i..].find('\n').map_or(gap.len(), |n| i + n);
                // The comment's text stays exactly as written, trailing
                // spaces included: `// expect: > ` means them.
                out.push(Trivia::Comment(gap[i..end].trim_end_matches('\r')));
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = block_comment_end(gap, i);
                out.push(Trivia::Comment(&gap[i..end]));
                i = end;
            }
            b'\r' => i += 1,
            _ => {
                let start = i;
                while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\x0C') {
                    i += 1;
                }
                if i == start {
                    // Anything else in a gap is not trivia the lexer knows;
                    // keep it as it is (the result is checked anyway).
                    let len = gap[i..].chars().next().map_or(1, char::len_utf8);
                    out.push(Trivia::Comment(&gap[i..i + len]));
                    i += len;
                } else {
                    out.push(Trivia::Space(i - start));
                }
            }
        }
    }
    out
}

/// The end of the (nested) block comment starting at `start`.
fn block_comment_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Whether a line starting with a token of `kind` continues the line
/// before: `?else` (§1) and binary operators no expression starts with
/// (`&& n < 10` under a match guard), indented one step as a line ending
/// with an operator makes the next one.
fn starts_continuation(kind: &TokenKind) -> bool {
    use TokenKind::*;
    matches!(
        kind,
        Question
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
            | AmpAmp
            | PipePipe
            | And
            | Or
            | Amp
            | Caret
            | LtLt
            | GtGt
            | DotDot
            | DotDotEq
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(source: &str) -> String {
        match format_source(source, 0) {
            Ok(text) => text,
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn a_line_comment_keeps_its_trailing_spaces() {
        // A test's `// expect: > ` or `// stdin:   x  ` means them.
        assert_eq!(fmt("print(1) // expect: 1 \n"), "print(1) // expect: 1 \n");
        assert_eq!(
            fmt("// stdin:  a  \r\nprint(2)\r\n"),
            "// stdin:  a  \nprint(2)\n"
        );
    }

    #[test]
    fn spacing_is_normalised_around_operators_and_commas() {
        assert_eq!(
            fmt("var x=1+2*3\nprint(x,x)\n"),
            "var x = 1 + 2 * 3\nprint(x, x)\n"
        );
        assert_eq!(
            fmt("var y = -x\nvar z = a - -1\n"),
            "var y = -x\nvar z = a - -1\n"
        );
        assert_eq!(fmt("f( a , b )\nxs [0]\n"), "f(a, b)\nxs[0]\n");
    }

    #[test]
    fn a_sign_after_a_question_mark_keeps_its_spacing() {
        // Ternary (unary minus) or propagation (binary): as written.
        assert_eq!(fmt("var a = c ? -1 : 2\n"), "var a = c ? -1 : 2\n");
        assert_eq!(fmt("var b = f()? - 1\n"), "var b = f()? - 1\n");
        assert_eq!(fmt("var d = f()?-1\n"), "var d = f()?-1\n");
    }

    #[test]
    fn a_line_starting_with_else_handler_or_binary_operator_is_indented() {
        assert_eq!(
            fmt("var r = parse_int(s)\n?else { -1 }\n"),
            "var r = parse_int(s)\n    ?else { -1 }\n"
        );
        assert_eq!(
            fmt("var k = match (r) {\nn where n > 0\n&& n < 10 => 1,\n_ => 0\n}\n"),
            "var k = match (r) {\n    n where n > 0\n        && n < 10 => 1,\n    _ => 0\n}\n"
        );
        // A line that starts an expression of its own is not a continuation.
        assert_eq!(
            fmt("var xs = [\n-1,\n2\n]\n"),
            "var xs = [\n    -1,\n    2\n]\n"
        );
    }

    #[test]
    fn blocks_are_indented_and_crowded_blocks_split() {
        assert_eq!(
            fmt("fn f(a: int): int {\nif (a > 1) {\nreturn a;\n}\nreturn 0;\n}\n"),
            "fn f(a: int): int {\n    if (a > 1) {\n        return a;\n    }\n    return 0;\n}\n"
        );
        assert_eq!(
            fmt("while (true) { var a = 1; print(a); break; }\n"),
            "while (true) {\n    var a = 1;\n    print(a);\n    break;\n}\n"
        );
        // One statement on a line stays on it.
        assert_eq!(
            fmt("fn f(): int { return 1; }\n"),
            "fn f(): int { return 1; }\n"
        );
        assert_eq!(fmt("var a = 1; var b = 2\n"), "var a = 1;\nvar b = 2\n");
    }

    #[test]
    fn comments_and_blank_lines_survive() {
        let source = "// head\n\n\n\nvar a = 1   // aligned\n/* block */ var b = 2\n";
        assert_eq!(
            fmt(source),
            "// head\n\nvar a = 1   // aligned\n/* block */ var b = 2\n"
        );
    }

    #[test]
    fn named_arguments_and_brackets_over_lines() {
        assert_eq!(
            fmt("var c = Circle(r = 2.0)\nvar xs = [\n1,\n2,\n]\n"),
            "var c = Circle(r=2.0)\nvar xs = [\n    1,\n    2,\n]\n"
        );
        assert_eq!(
            fmt("var s = xs\n.map(f)\n.filter(g)\n"),
            "var s = xs\n    .map(f)\n    .filter(g)\n"
        );
    }

    #[test]
    fn formatting_is_idempotent_and_strings_are_untouched() {
        let source = "var s = \"a  {x+1}  b\"\nif(x){print( s )}\n";
        let once = fmt(source);
        assert_eq!(fmt(&once), once);
        assert!(once.contains("\"a  {x+1}  b\""), "{once}");
    }

    #[test]
    fn a_ternary_continued_on_the_next_line_is_indented_but_a_propagation_is_not() {
        assert_eq!(fmt("var f = c ?\n1 : 2;\n"), "var f = c ?\n    1 : 2;\n");
        assert_eq!(
            fmt("fn g(): int? {\nvar v = f()?\nfn h(): int { return 1; }\nreturn v;\n}\n"),
            "fn g(): int? {\n    var v = f()?\n    fn h(): int { return 1; }\n    return v;\n}\n"
        );
    }

    #[test]
    fn a_syntax_error_is_not_formatted() {
        assert!(matches!(
            format_source("var = 3\n", 0),
            Err(FormatError::Syntax(_))
        ));
    }
}
