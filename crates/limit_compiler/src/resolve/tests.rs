use super::top_level::*;
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

// ------------------------------------------------------------- bindings

/// The bindings of a one-module program, and the program.
fn bindings_of(text: &str) -> (Bindings, limit_syntax::ast::Module) {
    let (module, diagnostics) = parse_source(text, 0);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let env = ModuleEnv {
        own: ModuleFacts::gather(0, &module.stmts),
        ..ModuleEnv::default()
    };
    let mut env = env;
    for (name, shape) in &env.own.frames.clone() {
        env.frames.insert(name.clone(), shape.clone());
    }
    let mut bindings = Bindings::default();
    bindings.add_module(0, &module.stmts, &env);
    (bindings, module)
}

/// Every use of a name in `module`, in source order: its text, where it
/// is (byte offset) and its binding.
fn uses_in(module: &limit_syntax::ast::Module) -> Vec<(String, u32, limit_syntax::ast::NodeId)> {
    use limit_syntax::ast::{Expr, ExprKind, Stmt, StmtKind};
    use limit_syntax::visit::{self, Visitor};
    struct Uses(Vec<(String, u32, limit_syntax::ast::NodeId)>);
    impl Visitor for Uses {
        fn visit_expr(&mut self, expr: &Expr) {
            if let ExprKind::Ident(name) = &expr.kind {
                self.0.push((name.clone(), expr.span.start, expr.id));
            }
            visit::walk_expr(self, expr);
        }
        fn visit_stmt(&mut self, stmt: &Stmt) {
            if let StmtKind::Assign { target, value, .. } = &stmt.kind {
                self.visit_expr(value);
                self.visit_expr(target);
                return;
            }
            visit::walk_stmt(self, stmt);
        }
    }
    let mut uses = Uses(Vec::new());
    visit::walk_stmts(&mut uses, &module.stmts);
    uses.0.sort_by_key(|(_, at, _)| *at);
    uses.0
}

/// The binding of the `nth` use (0-based, in source order) of `name`.
fn binding_of(text: &str, name: &str, nth: usize) -> (Option<Binding>, Bindings) {
    let (bindings, module) = bindings_of(text);
    let id = uses_in(&module)
        .into_iter()
        .filter(|(n, _, _)| n == name)
        .nth(nth)
        .map(|(_, _, id)| id)
        .unwrap_or_else(|| panic!("no use {nth} of {name}"));
    (bindings.of(id), bindings)
}

/// The byte offset where `decl` is declared.
fn declared_at(bindings: &Bindings, decl: DeclId) -> u32 {
    bindings
        .decl(decl)
        .map(|d| d.span.start)
        .unwrap_or(u32::MAX)
}

#[test]
fn locals_captures_and_globals_are_told_apart() {
    let text = "var g = 1\nfn f(p: int): int { var a = p; var h = fn(): int { return a + g; }; return h(); }";
    let (a, bindings) = binding_of(text, "a", 0);
    let Some(Binding::Capture { decl, depth: 1 }) = a else {
        panic!("{a:?}");
    };
    assert_eq!(
        declared_at(&bindings, decl),
        text.find("a = p").unwrap() as u32
    );
    assert!(bindings.is_captured(decl) && bindings.is_copied(decl));
    assert!(matches!(
        binding_of(text, "p", 0).0,
        Some(Binding::Local(_))
    ));
    assert!(matches!(
        binding_of(text, "g", 0).0,
        Some(Binding::Global(_))
    ));
    assert!(bindings.global_used(0, "g"));
    assert!(matches!(
        binding_of(text, "h", 0).0,
        Some(Binding::Local(_))
    ));
}

#[test]
fn a_shadowing_local_in_a_nested_function_captures_nothing() {
    // By name, `a` would be captured; the closure's `a` is its own.
    let text =
        "fn f(): int { var a = 1; var h = fn(): int { var a = 2; return a; }; a = 3; return a; }";
    let (inner, bindings) = binding_of(text, "a", 0);
    let Some(Binding::Local(decl)) = inner else {
        panic!("{inner:?}");
    };
    assert_eq!(
        declared_at(&bindings, decl),
        text.find("a = 2").unwrap() as u32
    );
    let (outer, _) = binding_of(text, "a", 2);
    let Some(Binding::Local(outer)) = outer else {
        panic!("{outer:?}");
    };
    assert!(!bindings.is_captured(outer));
}

#[test]
fn assigned_captures_are_shared_and_hoisting_functions_copy_nothing() {
    let text = "fn f() { var a = 1; var h = fn() { a = 2; }; }";
    let (a, bindings) = binding_of(text, "a", 0);
    let Some(Binding::Capture { decl, .. }) = a else {
        panic!("{a:?}");
    };
    assert!(bindings.is_captured(decl) && !bindings.is_copied(decl));
    // A hoisted function sees the block's later variables.
    let text = "fn f() { fn g(): int { return b; } var b = 1; print(g()); }";
    let (b, bindings) = binding_of(text, "b", 0);
    let Some(Binding::Capture { decl, depth: 1 }) = b else {
        panic!("{b:?}");
    };
    assert!(bindings.is_captured(decl) && !bindings.is_copied(decl));
}

#[test]
fn declarations_are_visible_after_their_statement_and_in_their_block() {
    let text = "fn f(): int { var x = 1; if (true) { var x = x + 1; print(x); } return x; }";
    let (bindings, _) = bindings_of(text);
    let decl_at = |nth| match binding_of(text, "x", nth).0 {
        Some(Binding::Local(decl)) => declared_at(&bindings, decl),
        other => panic!("{other:?}"),
    };
    let outer = text.find("x = 1").unwrap() as u32;
    let inner = text.find("x = x").unwrap() as u32;
    // `var x = x + 1` reads the outer `x`; the block's uses see its own.
    assert_eq!(decl_at(0), outer);
    assert_eq!(decl_at(1), inner);
    assert_eq!(decl_at(2), outer);
}

#[test]
fn assigning_an_unbound_name_declares_it() {
    let text = "fn f(): int { total = 5; total += 1; return total; }";
    let (first, _) = binding_of(text, "total", 0);
    let (last, _) = binding_of(text, "total", 2);
    assert!(matches!(first, Some(Binding::Local(_))));
    assert_eq!(first, last);
}

#[test]
fn bare_names_in_methods_are_members_unless_a_local_shadows_them() {
    let text = "frame C { var count: int = 0; fn bump(by: int) { count = count + by; } \
                fn other(count: int): int { return count; } }";
    let (member, _) = binding_of(text, "count", 0);
    assert!(matches!(member, Some(Binding::Member(_))), "{member:?}");
    let (param, _) = binding_of(text, "count", 2);
    assert!(matches!(param, Some(Binding::Local(_))), "{param:?}");
}

#[test]
fn functions_definitions_and_builtins_outside_every_local() {
    let text = "fn twice(x: int): int { return x * 2; }\nenum Color { Red, Green }\n\
                frame P { var x: int = 0; }\nprint(twice(len(\"ab\")));\nvar p = P();\nvar c = Red;";
    let top = |name| binding_of(text, name, 0).0;
    assert!(matches!(
        top("twice"),
        Some(Binding::TopLevel {
            kind: DefKind::Function,
            ..
        })
    ));
    assert!(matches!(
        top("P"),
        Some(Binding::TopLevel {
            kind: DefKind::Frame,
            ..
        })
    ));
    assert!(matches!(
        top("Red"),
        Some(Binding::TopLevel {
            kind: DefKind::Variant,
            ..
        })
    ));
    assert!(matches!(top("len"), Some(Binding::Builtin(_))));
    assert!(matches!(top("print"), Some(Binding::Builtin(_))));
    assert_eq!(binding_of("print(nowhere);", "nowhere", 0).0, None);
}

#[test]
fn pattern_names_bind_unless_they_name_a_type_or_variant() {
    let text = "enum Color { Red, Green }\nfn f(v: any): any { return match (v) { Red => 1, int => 2, other => other }; }";
    let (other, bindings) = binding_of(text, "other", 0);
    let Some(Binding::Local(decl)) = other else {
        panic!("{other:?}");
    };
    assert_eq!(
        declared_at(&bindings, decl),
        text.find("other =>").unwrap() as u32
    );
}

#[test]
fn task_bodies_capture_like_functions() {
    let text = "fn f() { var n = 0; concurrent { task { n = n + 1; } } print(n); }";
    let (n, bindings) = binding_of(text, "n", 1);
    let Some(Binding::Capture { decl, depth: 1 }) = n else {
        panic!("{n:?}");
    };
    assert!(bindings.is_captured(decl) && !bindings.is_copied(decl));
}
