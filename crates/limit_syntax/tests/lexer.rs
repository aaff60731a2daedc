//! Property tests: the lexer never panics and keeps its output invariants on
//! any input.

use limit_syntax::lex;
use limit_syntax::token::{StrPiece, Token, TokenKind};
use proptest::prelude::*;

/// Fragments that reach the lexer's interesting paths far more often than
/// uniformly random text would.
const FRAGMENTS: &[&str] = &[
    "\"",
    "'",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\\",
    "\\u{",
    "\\u{1F600}",
    "\\q",
    "/*",
    "*/",
    "//",
    "\n",
    " ",
    "0x",
    "0b",
    "0o",
    "1_",
    "__",
    "1",
    "0",
    "9",
    ".",
    "..",
    "..=",
    "e",
    "E",
    "+",
    "-",
    "ms",
    "s",
    "m",
    "h",
    "_",
    "x",
    "else",
    "?",
    "return",
    "é",
    "😀",
    "→",
    "\u{a0}",
    "\u{feff}",
    "#",
    "\r",
    "\t",
    "=",
    "<",
    ">",
    "&",
    "|",
];

fn source_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~\n]{0,60}",
        prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40)
            .prop_map(|pieces| pieces.concat()),
    ]
}

/// Checks one token stream (the file or an interpolation) and the streams
/// nested in its strings.
fn check_stream(source: &str, tokens: &[Token]) {
    let eof_count = tokens
        .iter()
        .filter(|token| token.kind == TokenKind::Eof)
        .count();
    assert_eq!(eof_count, 1, "exactly one Eof per stream");
    assert_eq!(
        tokens.last().map(|token| &token.kind),
        Some(&TokenKind::Eof)
    );
    assert!(
        !tokens.last().is_some_and(|token| token.newline_before),
        "Eof never carries the flag"
    );
    let mut previous_end = 0;
    for token in tokens {
        check_span(source, token.span.start, token.span.end);
        assert!(
            token.span.start >= previous_end,
            "tokens are in order and do not overlap"
        );
        previous_end = token.span.end;
        if let TokenKind::Str(pieces) = &token.kind {
            assert!(!pieces.is_empty());
            for piece in pieces {
                if let StrPiece::Interp { tokens, span, .. } = piece {
                    check_span(source, span.start, span.end);
                    assert!(span.start >= token.span.start && span.end <= token.span.end);
                    check_stream(source, tokens);
                }
            }
        }
    }
}

fn check_span(source: &str, start: u32, end: u32) {
    let (start, end) = (start as usize, end as usize);
    assert!(
        start <= end && end <= source.len(),
        "span {start}..{end} outside {} bytes",
        source.len()
    );
    assert!(
        source.is_char_boundary(start) && source.is_char_boundary(end),
        "span {start}..{end} splits a character"
    );
}

fn check_source(source: &str) {
    let (tokens, diagnostics) = lex(source, 0);
    check_stream(source, &tokens);
    for diagnostic in &diagnostics {
        check_span(source, diagnostic.span.start, diagnostic.span.end);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn lexer_never_panics(source in source_text()) {
        check_source(&source);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000_000))]

    /// The long run; `cargo test -p limit_syntax --test lexer -- --ignored`.
    #[test]
    #[ignore]
    fn lexer_never_panics_million(source in source_text()) {
        check_source(&source);
    }
}

#[test]
fn lexing_a_realistic_program_is_clean() {
    let source = r#"
// A small program touching most of the lexical grammar.
frame Point { x: int, y: int }

fn main() {
    var p = Point(x: 1, y: 2)
    var t = (1, (2, 3))
    print("p = ({p.x}, {p.y}), inner = {t.1.0}")
    for i in 0..5 { print(i) }
    var d = {"k": 0x1F, 'q': 1_000}
    var r = parse(d["k"])? else { 0 }
    parallel (cores = 2, timeout = 500ms) { }
    /* nested /* comments */ work */
    return
}
"#;
    let (tokens, diagnostics) = lex(source, 0);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    check_stream(source, &tokens);
}
