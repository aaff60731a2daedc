//! Property tests: whatever the input, `parse_source` returns (no panic, no
//! endless loop, no stack overflow).

use limit_syntax::parse_source;
use limit_syntax::token::TokenKind;
use proptest::prelude::*;

/// Token texts the generator joins into programs, with every reserved
/// word (`TokenKind::RESERVED_WORDS`): contextual words, brackets,
/// operators, literals of each kind, and fragments that stress the
/// look-alike rules.
const VOCABULARY: &[&str] = &[
    "as",
    "show",
    "hide",
    "where",
    "data",
    "from",
    "async",
    "await",
    "ok",
    "err",
    "val",
    "x",
    "y",
    "_",
    "Point",
    "Color.Red",
    "0",
    "42",
    "3.14",
    "1e9",
    "500ms",
    "2s",
    "\"s\"",
    "\"{x}\"",
    "\"a {y + 1} b\"",
    "+",
    "-",
    "*",
    "/",
    "%",
    "**",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "=",
    "+=",
    "-=",
    "*=",
    "/=",
    "%=",
    "!",
    "&&",
    "||",
    "&",
    "|",
    "^",
    "~",
    "<<",
    ">>",
    ".",
    "..",
    "..=",
    "...",
    ",",
    ":",
    ";",
    "?",
    "=>",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "@",
    "@private",
    "?else",
    "? else",
    "int?",
    "{}",
    "()",
    "[]",
];

fn program_from_tokens() -> impl Strategy<Value = String> {
    let words: Vec<&str> = TokenKind::RESERVED_WORDS
        .into_iter()
        .chain(VOCABULARY.iter().copied())
        .collect();
    let piece = (0..words.len(), prop::bool::weighted(0.15)).prop_map(move |(index, newline)| {
        let separator = if newline { "\n" } else { " " };
        format!("{}{separator}", words[index])
    });
    prop::collection::vec(piece, 0..120).prop_map(|pieces| pieces.concat())
}

fn arbitrary_text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..200)
        .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

fn check(source: &str) {
    let (module, _diagnostics) = parse_source(source, 0);
    // Spans stay inside the text.
    assert!(module.span.end as usize <= source.len() + 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn parser_never_panics_on_token_soup(source in program_from_tokens()) {
        check(&source);
    }

    #[test]
    fn parser_never_panics_on_random_text(source in arbitrary_text()) {
        check(&source);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000_000))]

    /// The long run: `cargo test -p limit_syntax --test parser_never_panics -- --ignored`.
    #[test]
    #[ignore]
    fn parser_never_panics_million(source in program_from_tokens()) {
        check(&source);
    }
}
