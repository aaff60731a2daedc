//! The forms the original project documents (reference.md §12a) and the
//! typed C-style `for` init (§2): what each parses to, and the hint of
//! every spelling borrowed from another language.

use limit_syntax::ast::*;
use limit_syntax::printer::print_module;
use limit_syntax::{parse_source, SourceFile};

/// The printed tree of `source`, asserting it parses without diagnostics.
fn tree(source: &str) -> String {
    let (module, diagnostics) = parse_source(source, 0);
    assert!(diagnostics.is_empty(), "{source:?}: {diagnostics:#?}");
    print_module(&module, None)
}

fn same_tree(a: &str, b: &str) {
    assert_eq!(tree(a), tree(b), "{a:?} and {b:?} should parse alike");
}

/// `(message, hint)` of each diagnostic.
fn diagnostics(source: &str) -> Vec<(String, Option<String>)> {
    let (_, diagnostics) = parse_source(source, 0);
    diagnostics
        .into_iter()
        .map(|d| (d.message, d.hint))
        .collect()
}

#[test]
fn loop_is_while_true() {
    same_tree("loop { break; }", "while (true) { break; }");
    // Without a `{` after it, `loop` is a name.
    same_tree("loop = 1;", "loop = 1;");
    assert!(tree("loop + 1;").contains("loop"));
}

#[test]
fn for_in_is_iter() {
    same_tree("for x in xs { print(x); }", "iter (x in xs) { print(x); }");
    same_tree(
        "for (x in xs) { print(x); }",
        "iter (x in xs) { print(x); }",
    );
    same_tree(
        "for k, v in d { print(k); }",
        "iter (k, v in d) { print(k); }",
    );
    same_tree(
        "for (var i: int in 0..3) print(i);",
        "iter (var i: int in 0..3) print(i);",
    );
}

#[test]
fn c_style_for_takes_a_typed_init() {
    let (module, diagnostics) = parse_source("for (var i: int = 0; i < 3; i = i + 1) { }", 0);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    match &module.stmts[0].kind {
        StmtKind::For {
            init: Some(init), ..
        } => match &init.kind {
            StmtKind::Var(decl) => assert!(decl.ty.is_some() && decl.init.is_some()),
            other => panic!("init is not a declaration: {other:?}"),
        },
        other => panic!("not a C-style for: {other:?}"),
    }
}

#[test]
fn object_literal_is_a_named_call() {
    same_tree("var p = P { x: 1, y: f(2) };", "var p = P(x=1, y=f(2));");
    same_tree("var p = P {};", "var p = P();");
    same_tree(
        "var b = B { at: P { x: 1 }, items: [Q {}] };",
        "var b = B(at=P(x=1), items=[Q()]);",
    );
    // Lower-case names and dict-like bodies stay what they were.
    assert!(!tree("var r = {x: 1};").contains("call"));
}

#[test]
fn bare_conditions_never_start_an_object_literal() {
    same_tree("if p == P { go(); }", "if (p == P) { go(); }");
    same_tree("while n < Max { n += 1; }", "while (n < Max) { n += 1; }");
    same_tree("for x in Items { go(); }", "iter (x in Items) { go(); }");
    same_tree("match P { _ => 1 }", "match (P) { _ => 1 }");
    // Brackets inside the condition allow it again.
    same_tree("if p == (P { x: 1 }) { }", "if (p == P(x=1)) { }");
    same_tree("if (p == P { x: 1 }) { }", "if (p == P(x=1)) { }");
}

#[test]
fn spellings_from_other_languages_hint_the_limit_spelling() {
    let cases = [
        ("fn f() -> int { return 1; }", "write `: int`"),
        (
            "var g = fn(a: int) -> [str] { return []; };",
            "write `: [str]`",
        ),
        ("let x = 1;", "write `var`"),
        ("class C { pub x: int; }", "write `frame`"),
    ];
    for (source, hint) in cases {
        let found = diagnostics(source);
        assert_eq!(found.len(), 1, "{source:?}: {found:#?}");
        assert_eq!(found[0].1.as_deref(), Some(hint), "{source:?}");
    }
}

#[test]
fn spelling_errors_do_not_hide_later_errors() {
    let found = diagnostics("let x = 1;\nvar y = ;\n");
    assert_eq!(found.len(), 2, "{found:#?}");
    // And the corrected reading is what the rest of the compiler sees.
    let (module, _) = parse_source("class C : P { pub x: int; }", 0);
    let printed = print_module(&module, Some(&SourceFile::new("t.lm", "")));
    assert!(printed.contains("frame C"), "{printed}");
}
