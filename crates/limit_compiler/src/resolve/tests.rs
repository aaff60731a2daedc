use super::*;
use limit_syntax::ast::{FnDecl, StmtKind};
use limit_syntax::parse_source;

/// The captures of the first function of `text`, found by walking the
/// whole module, and the module's top level, as sorted names: captured and
/// copied.
fn captures_of(text: &str) -> (Texts, Texts) {
    let (module, diagnostics) = parse_source(text, 0);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let mut captures = Captures::default();
    captures.add_module(0, &module.stmts);
    let first = module.stmts.iter().find_map(|s| match &s.kind {
        StmtKind::Fn(decl) => Some(decl),
        _ => None,
    });
    let function = first
        .map(|decl| captures.take_function(decl))
        .unwrap_or_default();
    let script = captures.take_script(0);
    (texts(&captures, &function), texts(&captures, &script))
}

struct Texts {
    captured: Vec<String>,
    by_value: Vec<String>,
}

fn texts(captures: &Captures, found: &FunctionCaptures) -> Texts {
    Texts {
        captured: captures.texts(&found.captured),
        by_value: captures.texts(&found.by_value),
    }
}

/// `by_value` of the first function of `text`, sorted.
fn by_value(text: &str) -> Vec<String> {
    captures_of(text).0.by_value
}

#[test]
fn captured_names_nothing_assigns_are_copied() {
    let text = "fn f(k: int) { var a = 1; var g = fn(): int { return a + k; }; }";
    assert_eq!(by_value(text), ["a", "k"]);
}

#[test]
fn an_assignment_anywhere_keeps_a_name_shared() {
    let after = "fn f() { var a = 1; var b = 2; var g = fn(): int { return a + b; }; a = 3; }";
    assert_eq!(by_value(after), ["b"]);
    let inside = "fn f() { var a = 1; var g = fn() { a = a + 1; }; }";
    assert!(by_value(inside).is_empty());
    let nested = "fn f() { var a = 1; var g = fn() { var h = fn() { a = 2; }; }; }";
    assert!(!by_value(nested).contains(&"a".to_string()));
    // An assignment in a task body belongs to the function around it.
    let task =
        "fn f() { var a = 1; concurrent { task { a = 2; } } var g = fn(): int { return a; }; }";
    assert!(!by_value(task).contains(&"a".to_string()));
}

#[test]
fn hoisted_functions_and_closures_in_defaults_copy_nothing() {
    let hoisted = "fn f() { var a = 1; fn g(): int { return a; } }";
    assert!(by_value(hoisted).is_empty());
    let default =
        "fn f(a: int, g: fn(): int = fn(): int { return a; }) { var h = fn(): int { return a; }; }";
    assert!(by_value(default).is_empty());
}

#[test]
fn a_function_captures_what_its_nested_functions_mention_at_any_depth() {
    let text = "fn f(p: int) { var a = 1; var b = 2; \
                var g = fn() { var h = fn(): int { return a; }; }; print(b); }";
    let (function, _) = captures_of(text);
    // `h` is declared inside `g`, but mentioned there: a name nested
    // functions mention at any depth counts (by name).
    assert_eq!(function.captured, ["a", "h"]);
}

#[test]
fn the_top_level_captures_what_functions_mention_but_declares_no_hoists() {
    let text = "var a = 1\nvar b = 2\nfn show() { print(a); }\nframe P { var x = b; }\n\
                var c = 3\nc = 4\nvar g = fn(): int { return c; }\n";
    let (_, script) = captures_of(text);
    assert_eq!(script.captured, ["a", "b", "c", "print"]);
    // Top-level functions and frames are not hoisted closures; `c` is
    // assigned, so it stays shared.
    assert_eq!(script.by_value, ["a", "b", "print"]);
}

#[test]
fn modules_with_a_parallel_block_are_noted() {
    let (module, _) = parse_source("fn f() { parallel { task { print(1); } } }", 3);
    let mut captures = Captures::default();
    captures.add_module(3, &module.stmts);
    assert!(captures.has_parallel_block(3));
    let (module, _) = parse_source("concurrent { task { print(1); } }", 4);
    captures.add_module(4, &module.stmts);
    assert!(!captures.has_parallel_block(4));
}

#[test]
fn a_function_the_code_generator_builds_is_walked_on_demand() {
    let (module, _) = parse_source("fn f() { var a = 1; var g = fn(): int { return a; }; }", 0);
    let Some(StmtKind::Fn(decl)) = module.stmts.first().map(|s| &s.kind) else {
        panic!("not a function");
    };
    let synthetic = FnDecl {
        id: limit_syntax::ast::NodeId::SYNTHETIC,
        ..decl.clone()
    };
    let mut captures = Captures::default();
    let found = captures.take_function(&synthetic);
    assert_eq!(captures.texts(&found.by_value), ["a"]);
    // A function compiled again is walked again, with the same answer.
    let mut captures = Captures::default();
    captures.add_module(0, &module.stmts);
    let first = captures.take_function(decl);
    assert_eq!(captures.take_function(decl), first);
}
