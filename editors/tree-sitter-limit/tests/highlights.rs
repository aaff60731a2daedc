//! `queries/highlights.scm` compiles against the grammar and captures each
//! kind of highlight issue #22 asks for: keywords, strings with
//! interpolation, numbers, comments, types, functions (declarations and
//! calls) and fields.

use std::collections::BTreeSet;

use tree_sitter::{Parser, Query, QueryCursor, StreamingIterator};

const SAMPLE: &str = r#"// A frame with a method, called from a loop.
/* block comments /* nest */ too */
frame Point {
    pub var x: int
    pub var y: float = 2.5
    fn norm(): float { return this.x * this.y }
}

fn describe(p: Point, label: str?): str {
    var count = 0x2A + 1_000
    iter (i in 0..3) { count += i }
    return "{label} at {p.x}, {p.norm():.2f}\n"
}

print(describe(Point(x=1, y=2.0), "origin"))
"#;

/// `(capture name, text)` of every capture of the query on `SAMPLE`.
fn captures() -> BTreeSet<(String, String)> {
    let language = tree_sitter::Language::new(tree_sitter_limit::LANGUAGE);
    let mut parser = Parser::new();
    parser.set_language(&language).expect("the grammar loads");
    let tree = parser.parse(SAMPLE, None).expect("a tree");
    assert!(
        !tree.root_node().has_error(),
        "the sample parses: {}",
        tree.root_node().to_sexp()
    );
    let query = Query::new(&language, tree_sitter_limit::HIGHLIGHTS_QUERY)
        .unwrap_or_else(|error| panic!("highlights.scm does not compile: {error}"));
    let names = query.capture_names();
    let mut cursor = QueryCursor::new();
    let mut found = BTreeSet::new();
    let mut matches = cursor.matches(&query, tree.root_node(), SAMPLE.as_bytes());
    while let Some(found_match) = matches.next() {
        for capture in found_match.captures() {
            let text = capture
                .node
                .utf8_text(SAMPLE.as_bytes())
                .expect("utf-8")
                .to_string();
            found.insert((names[capture.index as usize].to_string(), text));
        }
    }
    found
}

fn assert_captured(found: &BTreeSet<(String, String)>, name: &str, text: &str) {
    let hit = found.iter().any(|(capture, captured)| {
        (capture == name || capture.starts_with(&format!("{name}."))) && captured == text
    });
    assert!(
        hit,
        "expected `{text}` captured as @{name}; captures of that text: {:?}",
        found
            .iter()
            .filter(|(_, captured)| captured == text)
            .collect::<Vec<_>>()
    );
}

#[test]
fn highlight_query_captures_every_required_kind() {
    let found = captures();
    // Keywords, including a contextual one and word operators.
    for keyword in ["frame", "pub", "var", "fn", "return", "iter", "in"] {
        assert_captured(&found, "keyword", keyword);
    }
    // Strings, their escapes, interpolations and format specs.
    assert_captured(&found, "string", "\"origin\"");
    assert_captured(&found, "string.escape", "\\n");
    assert_captured(&found, "embedded", "{label}");
    assert_captured(&found, "embedded", "{p.norm():.2f}");
    assert_captured(&found, "punctuation.special", "{");
    assert_captured(&found, "string.special", ".2f");
    // Numbers of every shape.
    for number in ["0x2A", "1_000", "0", "3", "1"] {
        assert_captured(&found, "number", number);
    }
    assert_captured(&found, "number.float", "2.5");
    // Comments, line and nested block.
    assert_captured(
        &found,
        "comment",
        "// A frame with a method, called from a loop.",
    );
    assert_captured(&found, "comment", "/* block comments /* nest */ too */");
    // Types: declared, annotated, built-in, fallible.
    assert_captured(&found, "type", "Point");
    assert_captured(&found, "type.builtin", "int");
    assert_captured(&found, "type.builtin", "str");
    // Functions: declarations, methods, calls and method calls.
    assert_captured(&found, "function", "describe");
    assert_captured(&found, "function.method", "norm");
    assert_captured(&found, "function.call", "describe");
    assert_captured(&found, "function.builtin", "print");
    assert_captured(&found, "function.method.call", "norm");
    // Fields: declared, accessed, named in a constructor call.
    assert_captured(&found, "property", "x");
    assert_captured(&found, "property", "y");
}
