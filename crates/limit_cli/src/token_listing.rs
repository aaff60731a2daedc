//! The text of `limit tokens`: one token per line, with its position, kind
//! and spelling.
//!
//! ```text
//! 1:1      Var        var
//! 1:5      Ident      count
//! 2:1   nl Ident      print
//! ```
//!
//! `nl` marks a token after a statement-ending newline (reference.md §1). The
//! tokens inside a string interpolation follow the string, indented.

use limit_syntax::token::{DurationUnit, StrPiece, Token, TokenKind};
use limit_syntax::SourceFile;

/// Interpolations nested deeper than this are elided (the lexer bounds them
/// anyway; the listing must not recurse without limit).
const MAX_NESTING: usize = 64;

/// Lists `tokens` of `file`, one per line.
pub fn list_tokens(tokens: &[Token], file: &SourceFile) -> String {
    let mut out = String::new();
    write_tokens(tokens, file, 0, &mut out);
    out
}

fn write_tokens(tokens: &[Token], file: &SourceFile, nesting: usize, out: &mut String) {
    let indent = "    ".repeat(nesting);
    for token in tokens {
        let (line, column) = file.line_col(token.span.start);
        let position = format!("{line}:{column}");
        let newline = if token.newline_before { "nl" } else { "" };
        let (kind, spelling) = kind_and_spelling(&token.kind);
        let row = format!("{indent}{position:<8} {newline:<2} {kind:<10} {spelling}");
        out.push_str(row.trim_end());
        out.push('\n');
        if let TokenKind::Str(pieces) = &token.kind {
            write_interpolations(pieces, file, nesting + 1, out);
        }
    }
}

fn write_interpolations(pieces: &[StrPiece], file: &SourceFile, nesting: usize, out: &mut String) {
    for piece in pieces {
        if let StrPiece::Interp { tokens, .. } = piece {
            if nesting > MAX_NESTING {
                out.push_str(&"    ".repeat(nesting));
                out.push_str("…\n");
            } else {
                write_tokens(tokens, file, nesting, out);
            }
        }
    }
}

/// The kind's name and the token as written (literals with their value).
fn kind_and_spelling(kind: &TokenKind) -> (String, String) {
    match kind {
        TokenKind::Int(value) => ("Int".into(), value.to_string()),
        TokenKind::Float(value) => ("Float".into(), format!("{value:?}")),
        TokenKind::Duration(value, unit) => {
            let unit = match unit {
                DurationUnit::Millis => "ms",
                DurationUnit::Seconds => "s",
                DurationUnit::Minutes => "m",
                DurationUnit::Hours => "h",
            };
            ("Duration".into(), format!("{value}{unit}"))
        }
        TokenKind::Str(pieces) => ("Str".into(), string_spelling(pieces)),
        TokenKind::Ident(name) => ("Ident".into(), name.clone()),
        TokenKind::Eof => ("Eof".into(), String::new()),
        other => {
            let name = format!("{other:?}");
            let spelling = other.describe().trim_matches('`').to_string();
            (name, spelling)
        }
    }
}

/// `"text {…} more"`: text escaped, interpolations shown as `{…}`.
fn string_spelling(pieces: &[StrPiece]) -> String {
    let mut text = String::from('"');
    for piece in pieces {
        match piece {
            StrPiece::Text(part) => {
                let escaped = format!("{part:?}");
                text.push_str(&escaped[1..escaped.len() - 1]);
            }
            StrPiece::Interp { .. } => text.push_str("{…}"),
        }
    }
    text.push('"');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use limit_syntax::Span;

    fn token(kind: TokenKind, start: usize, end: usize, newline_before: bool) -> Token {
        Token {
            kind,
            span: Span::new(0, start, end),
            newline_before,
        }
    }

    #[test]
    fn tokens_are_listed_with_positions_and_spellings() {
        let file = SourceFile::new("t.lm", "var n = 1\nprint(\"a{n}\")\n");
        let inner = vec![
            token(TokenKind::Ident("n".into()), 19, 20, false),
            token(TokenKind::Eof, 20, 21, false),
        ];
        let tokens = vec![
            token(TokenKind::Var, 0, 3, false),
            token(TokenKind::Ident("n".into()), 4, 5, false),
            token(TokenKind::Eq, 6, 7, false),
            token(TokenKind::Int(1.into()), 8, 9, false),
            token(TokenKind::Ident("print".into()), 10, 15, true),
            token(
                TokenKind::Str(vec![
                    StrPiece::Text("a".into()),
                    StrPiece::Interp {
                        tokens: inner,
                        span: Span::new(0, 18, 21),
                        spec: None,
                    },
                ]),
                16,
                22,
                false,
            ),
        ];
        let listing = list_tokens(&tokens, &file);
        let lines: Vec<&str> = listing.lines().collect();
        assert_eq!(lines[0], "1:1         Var        var");
        assert_eq!(lines[3], "1:9         Int        1");
        assert_eq!(lines[4], "2:1      nl Ident      print");
        assert_eq!(lines[5], "2:7         Str        \"a{…}\"");
        assert_eq!(lines[6], "    2:10        Ident      n");
        assert_eq!(lines[7], "    2:11        Eof");
    }
}
