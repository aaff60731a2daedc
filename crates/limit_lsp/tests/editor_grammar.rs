//! The editor files under `editors/vscode` stay in step with the lexer:
//! the TextMate grammar and the language configuration parse, every
//! pattern compiles, every reserved word is highlighted as a keyword or
//! constant, and literals of each kind get their scope.

use limit_syntax::token::TokenKind;
use regex::Regex;
use serde_json::Value;
use std::path::PathBuf;

fn editor_file(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../editors/vscode")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// Every `match` pattern of the grammar with its scope name (the
/// pattern's `name`, or its first capture's).
fn match_patterns(value: &Value, out: &mut Vec<(String, Regex)>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(pattern)) = map.get("match") {
                let regex = Regex::new(pattern)
                    .unwrap_or_else(|e| panic!("pattern {pattern:?} does not compile: {e}"));
                let scope = map
                    .get("name")
                    .or_else(|| map.get("captures").and_then(|c| c.get("1")?.get("name")))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                out.push((scope.to_string(), regex));
            }
            for key in ["begin", "end"] {
                if let Some(Value::String(pattern)) = map.get(key) {
                    Regex::new(pattern)
                        .unwrap_or_else(|e| panic!("{key} {pattern:?} does not compile: {e}"));
                }
            }
            for child in map.values() {
                match_patterns(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| match_patterns(item, out)),
        _ => {}
    }
}

/// The scope the first pattern matching all of `text` gives it.
fn scope_of(patterns: &[(String, Regex)], text: &str) -> Option<String> {
    patterns.iter().find_map(|(scope, regex)| {
        let found = regex.find(text)?;
        (found.start() == 0 && found.end() == text.len()).then(|| scope.clone())
    })
}

#[test]
fn the_grammar_highlights_every_reserved_word_and_literal() {
    let grammar = editor_file("syntaxes/limit.tmLanguage.json");
    assert_eq!(grammar["scopeName"], "source.limit");
    let mut patterns = Vec::new();
    match_patterns(&grammar["repository"], &mut patterns);
    assert!(patterns.len() > 20, "{} patterns", patterns.len());
    for word in TokenKind::RESERVED_WORDS {
        let scope = scope_of(&patterns, word).unwrap_or_else(|| panic!("`{word}` has no scope"));
        assert!(
            [
                "keyword.",
                "storage.",
                "constant.language",
                "variable.language"
            ]
            .iter()
            .any(|kind| scope.starts_with(kind)),
            "`{word}` is highlighted as {scope}"
        );
    }
    for (literal, scope) in [
        ("1_000", "constant.numeric.integer.limit"),
        ("0xFF", "constant.numeric.hex.limit"),
        ("0b1010", "constant.numeric.binary.limit"),
        ("1.5e-10", "constant.numeric.float.limit"),
        ("500ms", "constant.numeric.duration.limit"),
        ("// note", "comment.line.double-slash.limit"),
        ("\\u{1F600}", "constant.character.escape.limit"),
        ("u8", "support.type.primitive.limit"),
        ("d2", "support.type.primitive.limit"),
    ] {
        assert_eq!(
            scope_of(&patterns, literal).as_deref(),
            Some(scope),
            "{literal}"
        );
    }
}

#[test]
fn the_language_configuration_matches_the_lexer() {
    let config = editor_file("language-configuration.json");
    assert_eq!(config["comments"]["lineComment"], "//");
    assert_eq!(config["comments"]["blockComment"][0], "/*");
    assert_eq!(config["comments"]["blockComment"][1], "*/");
    let manifest = editor_file("package.json");
    assert_eq!(
        manifest["contributes"]["languages"][0]["extensions"][0],
        ".lm"
    );
    assert_eq!(
        manifest["contributes"]["grammars"][0]["path"],
        "./syntaxes/limit.tmLanguage.json"
    );
}
