use super::top_level::*;
use super::*;
use limit_syntax::parse_source;

// ------------------------------------------------------------- bindings

/// The bindings of a one-module program, and the program.
fn bindings_of(text: &str) -> (Bindings, limit_syntax::ast::Module) {
    let (module, diagnostics) = parse_source(text, 0);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let mut env = ModuleEnv {
        own: ModuleFacts::gather(0, &module.stmts),
        ..ModuleEnv::default()
    };
    let shapes = env.link_frames(&env.own, &|_| None);
    env.see_frames(&shapes);
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
fn a_variant_two_enums_declare_binds_in_a_pattern() {
    let text = "enum A { X, Y }\nenum B { X, Z }\nfn f(v: any): any { return match (v) { Z => 0, X => X }; }";
    let (x, bindings) = binding_of(text, "X", 0);
    let Some(Binding::Local(decl)) = x else {
        panic!("{x:?}");
    };
    assert_eq!(
        declared_at(&bindings, decl),
        text.find("X => X").unwrap() as u32
    );
    // `Z` (one enum's) is the variant, and no declaration.
    let (module, _) = parse_source(text, 0);
    let z = text.find("Z =>").unwrap() as u32;
    assert!(!bindings.knows(pattern_name_at(&module, z)));
}

/// The id of the bare pattern name at byte offset `at`.
fn pattern_name_at(module: &limit_syntax::ast::Module, at: u32) -> limit_syntax::ast::NodeId {
    use limit_syntax::ast::{Pattern, PatternKind};
    use limit_syntax::visit::{self, Visitor};
    struct Find(u32, Option<limit_syntax::ast::NodeId>);
    impl Visitor for Find {
        fn visit_pattern(&mut self, pattern: &Pattern) {
            if let PatternKind::Name(name) = &pattern.kind {
                if name.span.start == self.0 {
                    self.1 = Some(name.id);
                }
            }
            visit::walk_pattern(self, pattern);
        }
    }
    let mut find = Find(at, None);
    visit::walk_stmts(&mut find, &module.stmts);
    find.1.unwrap_or_else(|| panic!("no pattern name at {at}"))
}

#[test]
fn a_refinement_condition_declares_value_and_sees_the_top_level() {
    let text = "var LIMIT = 10\ntype Small = int where value < LIMIT;\nfn f() { var LIMIT = 1; var s: Small = 3; }";
    use limit_syntax::ast::{ExprKind, StmtKind, TypeKind};
    let (bindings, module) = bindings_of(text);
    let StmtKind::TypeAlias(alias) = &module.stmts[1].kind else {
        panic!("{:?}", module.stmts[1]);
    };
    let TypeKind::Refined { cond, .. } = &alias.ty.kind else {
        panic!("{:?}", alias.ty);
    };
    let ExprKind::Binary(_, value, limit) = &cond.kind else {
        panic!("{cond:?}");
    };
    assert_eq!(bindings.of(value.id), Some(Binding::Local(cond.id)));
    assert!(bindings.knows(cond.id));
    let global = bindings.of(limit.id);
    assert!(matches!(global, Some(Binding::Global(_))), "{global:?}");
    assert!(bindings.global_used(0, "LIMIT"));
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

#[test]
fn a_closure_in_a_parameter_default_keeps_every_capture_shared() {
    let text =
        "fn f(a: int, g: fn(): int = fn(): int { return a; }) { var h = fn(): int { return a; }; }";
    let (a, bindings) = binding_of(text, "a", 1);
    let Some(Binding::Capture { decl, .. }) = a else {
        panic!("{a:?}");
    };
    assert!(bindings.is_captured(decl) && !bindings.is_copied(decl));
}

#[test]
fn modules_with_a_parallel_block_are_noted() {
    let (bindings, _) = bindings_of("fn f() { parallel { task { print(1); } } }");
    assert!(bindings.has_parallel_block(0));
    let (bindings, _) = bindings_of("concurrent { task { print(1); } }");
    assert!(!bindings.has_parallel_block(0));
}

#[test]
fn nested_functions_using_the_instance_are_noted_per_method() {
    let text = "frame C { var n: int = 0; fn a(): fn(): int { return fn(): int { return n; }; } \
                fn b(): int { var f = fn(): int { return 1; }; return n + f(); } \
                fn c(): fn(): any { return fn(): any { return this; }; } }";
    let (bindings, module) = bindings_of(text);
    let limit_syntax::ast::StmtKind::Frame(frame) = &module.stmts[0].kind else {
        panic!("not a frame");
    };
    let uses: Vec<bool> = frame
        .members
        .iter()
        .filter_map(|m| match m {
            limit_syntax::ast::Member::Method(method) => {
                Some(bindings.nested_functions_use_this(method.id))
            }
            _ => None,
        })
        .collect();
    assert_eq!(uses, [true, false, true]);
}

#[test]
fn a_top_level_assignment_declares_a_global_variable() {
    let text = "total = 5\nfn show() { print(total); }\ntotal += 1";
    let (first, bindings) = binding_of(text, "total", 0);
    assert_eq!(
        first.and_then(|b| match b {
            Binding::Global(decl) => bindings.decl(decl).map(|d| d.span.start),
            _ => None,
        }),
        Some(0)
    );
    assert!(bindings.global_used(0, "total"));
    assert_eq!(binding_of(text, "total", 2).0, first);
}

#[test]
fn a_top_level_redeclaration_names_the_first_declarations_variable() {
    let text = "var x = 1\nprint(x)\nvar x = \"s\"\nprint(x)\n{ var y = 1; var y = 2; print(y) }";
    let (first, bindings) = binding_of(text, "x", 0);
    let (second, _) = binding_of(text, "x", 1);
    let (Some(Binding::Global(first)), Some(Binding::Global(second))) = (first, second) else {
        panic!("{first:?} {second:?}");
    };
    assert_ne!(first, second);
    assert_eq!(bindings.variable_of(second), first);
    assert_eq!(bindings.variable_of(first), first);
    let (y, bindings) = binding_of(text, "y", 0);
    let Some(Binding::Local(y)) = y else {
        panic!("{y:?}")
    };
    assert_eq!(
        declared_at(&bindings, y),
        text.find("y = 2").unwrap() as u32
    );
    assert_eq!(
        declared_at(&bindings, bindings.variable_of(y)),
        text.find("y = 1").unwrap() as u32
    );
}

#[test]
fn an_inner_scope_shadows_without_redeclaring() {
    let text = "fn f() { var x = 1; { var x = \"s\"; print(x) } print(x) }";
    let (inner, bindings) = binding_of(text, "x", 0);
    let (outer, _) = binding_of(text, "x", 1);
    let (Some(Binding::Local(inner)), Some(Binding::Local(outer))) = (inner, outer) else {
        panic!("{inner:?} {outer:?}");
    };
    assert_ne!(inner, outer);
    assert_eq!(bindings.variable_of(inner), inner);
}

#[test]
fn members_named_through_a_namespace_denote_the_modules_declarations() {
    let mut sources = limit_syntax::SourceMap::new();
    let folder = std::env::temp_dir().join(format!("limit-resolve-ns-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("kinds.lm"),
        "enum Size { Small, Big(int) }\nfn make(): int { return 1; }\n",
    )
    .unwrap();
    let main = "import kinds as k;\nprint(k.make(), k.Size.Small)\nfn f(k: any): any { return k.make; }\nvar v = match (k.Size.Small) { k.Size.Small => 1, _ => 2 };";
    let entry = sources.add(
        folder.join("main.lm").display().to_string(),
        main.to_string(),
    );
    let (graph, diagnostics) = crate::modules::load_program(
        &mut sources,
        entry,
        crate::capabilities::Capabilities::all(),
    );
    std::fs::remove_dir_all(&folder).ok();
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let bindings = resolve_program(&graph, &sources);
    let module = &graph.modules[0].ast;
    // Every member name and pattern path name of the entry module.
    struct Names(Vec<limit_syntax::ast::Ident>);
    impl limit_syntax::visit::Visitor for Names {
        fn visit_expr(&mut self, expr: &limit_syntax::ast::Expr) {
            if let limit_syntax::ast::ExprKind::Field(_, name) = &expr.kind {
                self.0.push((**name).clone());
            }
            limit_syntax::visit::walk_expr(self, expr);
        }
        fn visit_pattern(&mut self, pattern: &limit_syntax::ast::Pattern) {
            if let limit_syntax::ast::PatternKind::Variant { path, .. } = &pattern.kind {
                self.0.extend(path.iter().cloned());
            }
            limit_syntax::visit::walk_pattern(self, pattern);
        }
    }
    let mut names = Names(Vec::new());
    limit_syntax::visit::walk_stmts(&mut names, &module.stmts);
    names.0.sort_by_key(|name| name.span.start);
    let kinds: Vec<(String, Option<DefKind>)> = names
        .0
        .iter()
        .map(|name| {
            let kind = match bindings.of(name.id) {
                Some(Binding::TopLevel { kind, .. }) => Some(kind),
                _ => None,
            };
            (name.name.clone(), kind)
        })
        .collect();
    let expected = [
        ("make", Some(DefKind::Function)),
        ("Size", Some(DefKind::Enum)),
        ("Small", None),
        // `k` is a parameter here: its member is no declaration.
        ("make", None),
        ("Size", Some(DefKind::Enum)),
        ("Small", None),
        ("k", None),
        ("Size", Some(DefKind::Enum)),
        ("Small", None),
    ];
    let expected: Vec<(String, Option<DefKind>)> = expected
        .iter()
        .map(|(name, kind)| (name.to_string(), *kind))
        .collect();
    assert_eq!(kinds, expected);
}

/// The bindings of the bare names of `main` (importing `kinds.lm`, which
/// declares `frame Box`, `enum Size { Small, Big(int) }` and `fn make`),
/// in source order.
fn bare_bindings_with_import(main: &str, test: &str) -> Vec<(String, Option<DefKind>)> {
    let mut sources = limit_syntax::SourceMap::new();
    let folder = std::env::temp_dir().join(format!("limit-resolve-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("kinds.lm"),
        "frame Box { pub v: int = 0; }\nenum Size { Small, Big(int) }\nfn make(): int { return 1; }\n",
    )
    .unwrap();
    let entry = sources.add(
        folder.join("main.lm").display().to_string(),
        main.to_string(),
    );
    let (graph, diagnostics) = crate::modules::load_program(
        &mut sources,
        entry,
        crate::capabilities::Capabilities::all(),
    );
    std::fs::remove_dir_all(&folder).ok();
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let bindings = resolve_program(&graph, &sources);
    let mut uses: Vec<(String, Option<DefKind>, u32)> = uses_in(&graph.modules[0].ast)
        .into_iter()
        .filter(|(name, _, _)| name != "print")
        .map(|(name, start, id)| {
            let kind = match bindings.of(id) {
                Some(Binding::TopLevel { kind, .. }) => Some(kind),
                _ => None,
            };
            (name, kind, start)
        })
        .collect();
    uses.sort_by_key(|(_, _, start)| *start);
    uses.into_iter()
        .map(|(name, kind, _)| (name, kind))
        .collect()
}

#[test]
fn only_show_and_hide_imports_bind_another_modules_objects_bare() {
    let text = "print(Box, Size, Small, make)";
    let expect = |kinds: [Option<DefKind>; 4]| -> Vec<(String, Option<DefKind>)> {
        ["Box", "Size", "Small", "make"]
            .iter()
            .zip(kinds)
            .map(|(name, kind)| (name.to_string(), kind))
            .collect()
    };
    let plain = bare_bindings_with_import(&format!("import kinds;\n{text}"), "plain");
    assert_eq!(plain, expect([None, None, None, None]));
    let shown = bare_bindings_with_import(&format!("import kinds show Box;\n{text}"), "show");
    assert_eq!(shown, expect([Some(DefKind::Frame), None, None, None]));
    let enum_shown = bare_bindings_with_import(&format!("import kinds show Size;\n{text}"), "enum");
    assert_eq!(
        enum_shown,
        expect([None, Some(DefKind::Enum), Some(DefKind::Variant), None])
    );
    let hidden = bare_bindings_with_import(&format!("import kinds hide Size;\n{text}"), "hide");
    assert_eq!(
        hidden,
        expect([Some(DefKind::Frame), None, None, Some(DefKind::Function)])
    );
}

/// The names written in `ty`.
fn type_names(ty: &limit_syntax::ast::TypeExpr, out: &mut Vec<limit_syntax::ast::Ident>) {
    use limit_syntax::ast::TypeKind;
    match &ty.kind {
        TypeKind::Named(path) => out.extend(path.iter().cloned()),
        TypeKind::List(inner) => type_names(inner, out),
        TypeKind::Dict(key, value) => {
            type_names(key, out);
            type_names(value, out);
        }
        _ => {}
    }
}

#[test]
fn type_names_are_bound_wherever_a_type_is_written() {
    use limit_syntax::ast::{ExprKind, Member, PatternKind, StmtKind};
    use limit_syntax::visit::{self, Visitor};
    let text = "trait T { fn f(): int; }\n\
                frame P : T { pub v: Len = 1.0; fn f(): int { return 1; } }\n\
                enum E { A(P), B }\ntype Len = float;\n\
                fn g(p: P, xs: [E]): {str: Len} { var q: T = p; var n = 2 as Len; \
                match (xs[0]) { E.A(x) => {}, B => {} } match (q) { P { v } => {}, _ => {} } return {}; }";
    let (module, diagnostics) = parse_source(text, 0);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let bindings = resolve_module(0, &module.stmts);
    let mut names = Vec::new();
    for stmt in &module.stmts {
        match &stmt.kind {
            StmtKind::Frame(frame) => {
                names.extend(frame.supers.iter().map(|s| s.ident.clone()));
                for member in &frame.members {
                    if let Member::Field(field) = member {
                        field.ty.iter().for_each(|ty| type_names(ty, &mut names));
                    }
                }
            }
            StmtKind::Enum(decl) => decl
                .variants
                .iter()
                .flat_map(|v| &v.payload)
                .for_each(|ty| type_names(ty, &mut names)),
            StmtKind::Fn(decl) => {
                decl.params
                    .iter()
                    .filter_map(|p| p.ty.as_ref())
                    .for_each(|ty| type_names(ty, &mut names));
                decl.ret.iter().for_each(|ty| type_names(ty, &mut names));
            }
            _ => {}
        }
    }
    // Annotations, casts and patterns in the function's body.
    struct Body(Vec<limit_syntax::ast::Ident>);
    impl Visitor for Body {
        fn visit_stmt(&mut self, stmt: &limit_syntax::ast::Stmt) {
            if let StmtKind::Var(decl) = &stmt.kind {
                decl.ty.iter().for_each(|ty| type_names(ty, &mut self.0));
            }
            visit::walk_stmt(self, stmt);
        }
        fn visit_expr(&mut self, expr: &limit_syntax::ast::Expr) {
            if let ExprKind::Cast(_, ty) = &expr.kind {
                type_names(ty, &mut self.0);
            }
            visit::walk_expr(self, expr);
        }
        fn visit_pattern(&mut self, pattern: &limit_syntax::ast::Pattern) {
            match &pattern.kind {
                PatternKind::Name(name) => self.0.push(name.clone()),
                PatternKind::Variant { path, .. } | PatternKind::Frame { path, .. } => {
                    self.0.extend(path.first().cloned())
                }
                _ => {}
            }
            visit::walk_pattern(self, pattern);
        }
    }
    let mut body = Body(Vec::new());
    visit::walk_stmts(&mut body, &module.stmts);
    names.extend(body.0);
    let kinds: Vec<(String, Option<DefKind>)> = names
        .iter()
        .filter(|name| name.name != "int" && name.name != "str" && name.name != "x")
        .map(|name| {
            let kind = match bindings.of(name.id) {
                Some(Binding::TopLevel { kind, .. }) => Some(kind),
                _ => None,
            };
            (name.name.clone(), kind)
        })
        .collect();
    let expected = [
        ("T", DefKind::Trait),
        ("Len", DefKind::Alias),
        ("P", DefKind::Frame),
        ("P", DefKind::Frame),
        ("E", DefKind::Enum),
        ("Len", DefKind::Alias),
        ("T", DefKind::Trait),
        ("Len", DefKind::Alias),
        ("E", DefKind::Enum),
        ("B", DefKind::Variant),
        ("P", DefKind::Frame),
    ];
    let expected: Vec<(String, Option<DefKind>)> = expected
        .iter()
        .map(|(name, kind)| (name.to_string(), Some(*kind)))
        .collect();
    assert_eq!(kinds, expected);
}

#[test]
fn a_host_function_is_bound_after_the_module_s_names_and_before_built_ins() {
    let text = "fn f(): int { return abs(-1) + roll(6); }\nfn g(roll: int): int { return roll; }\nvar abs2 = abs;";
    let (module, diagnostics) = parse_source(text, 0);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let hosts: rustc_hash::FxHashMap<String, u32> =
        [("abs".to_string(), 3), ("roll".to_string(), 4)]
            .into_iter()
            .collect();
    let bindings = resolve_module_with_hosts(0, &module.stmts, &hosts);
    let uses = uses_in(&module);
    let of = |name: &str, nth: usize| {
        let (_, _, id) = uses.iter().filter(|(n, _, _)| n == name).nth(nth).unwrap();
        bindings.of(*id)
    };
    // A host's `abs` comes before the built-in of that name.
    assert_eq!(of("abs", 0), Some(Binding::Host(3)));
    assert_eq!(of("abs", 1), Some(Binding::Host(3)));
    assert_eq!(of("roll", 0), Some(Binding::Host(4)));
    // A parameter hides it.
    assert!(matches!(of("roll", 1), Some(Binding::Local(_))));
    // Without hosts, `abs` is the built-in.
    let plain = resolve_module(0, &module.stmts);
    let (_, _, id) = uses.iter().find(|(n, _, _)| n == "abs").unwrap();
    assert!(matches!(plain.of(*id), Some(Binding::Builtin(_))));
}

#[test]
fn an_inherited_field_comes_before_the_frame_s_own_static() {
    // LANGUAGE §7: fields of `this`, own or inherited, before statics.
    let text = "frame A { var n: int = 0; }\nframe B : A { static var n = 5; \
                fn get(): int { return n; } static fn total(): int { return n; } }";
    let (module, _) = parse_source(text, 0);
    let declared = |from: &str| {
        let at = text.find(from).unwrap() + from.len();
        let mut found = None;
        for stmt in &module.stmts {
            if let limit_syntax::ast::StmtKind::Frame(frame) = &stmt.kind {
                for member in &frame.members {
                    if let limit_syntax::ast::Member::Field(field) = member {
                        if field.name.span.start as usize == at {
                            found = Some(field.name.id);
                        }
                    }
                }
            }
        }
        found.unwrap()
    };
    let field = declared("frame A { var ");
    let stat = declared("static var ");
    assert_eq!(binding_of(text, "n", 0).0, Some(Binding::Member(field)));
    // In a static method only statics are members.
    assert_eq!(binding_of(text, "n", 1).0, Some(Binding::Member(stat)));
}

/// The binding of every member name written after a `.` in `module`, in
/// source order, with its text.
fn member_bindings(text: &str) -> Vec<(String, Option<Binding>)> {
    use limit_syntax::ast::{Expr, ExprKind};
    use limit_syntax::visit::{self, Visitor};
    struct Members(Vec<(String, u32, limit_syntax::ast::NodeId)>);
    impl Visitor for Members {
        fn visit_expr(&mut self, expr: &Expr) {
            if let ExprKind::Field(_, member) = &expr.kind {
                self.0
                    .push((member.name.clone(), member.span.start, member.id));
            }
            visit::walk_expr(self, expr);
        }
    }
    let (bindings, module) = bindings_of(text);
    let mut members = Members(Vec::new());
    visit::walk_stmts(&mut members, &module.stmts);
    members.0.sort_by_key(|(_, at, _)| *at);
    members
        .0
        .into_iter()
        .map(|(name, _, id)| (name, bindings.of(id)))
        .collect()
}

#[test]
fn module_block_members_are_bound_through_the_block_even_when_a_global_shares_the_name() {
    let text = "var area = 5;\nmodule tools { var hits = 0; fn area(): int { return 1; } module inner { fn deep() {} } }\nfn f() { print(tools.area(), tools.hits, tools.inner.deep(), tools.none); }\n";
    let (block, _) = binding_of(text, "tools", 0);
    assert!(matches!(block, Some(Binding::Block(_))), "{block:?}");
    let members = member_bindings(text);
    let kinds: Vec<(&str, &str)> = members
        .iter()
        .map(|(name, binding)| {
            let kind = match binding {
                Some(Binding::TopLevel {
                    kind: DefKind::Function,
                    ..
                }) => "function",
                Some(Binding::Global(_)) => "global",
                Some(Binding::Block(_)) => "block",
                None => "none",
                Some(_) => "other",
            };
            (name.as_str(), kind)
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("area", "function"),
            ("hits", "global"),
            ("inner", "block"),
            ("deep", "function"),
            ("none", "none"),
        ]
    );
    let (bindings, _) = bindings_of(text);
    // A function reads the block's variable: it must be a global.
    assert!(bindings.global_used(0, "hits"));
    // A variable of the block's name hides the block.
    let (shadowed, _) = binding_of(
        "module tools { fn f() {} }\nvar tools = 1;\nprint(tools.f);\n",
        "tools",
        0,
    );
    assert!(matches!(shadowed, Some(Binding::Global(_))), "{shadowed:?}");
}

#[test]
fn a_variable_is_never_reassigned_unless_assigned_or_declared_again() {
    let text = "var a = 1;\nvar b = 2;\nb = 3;\nvar c = 4;\nvar c = 5;\nfn f() { var a = 6; a += 1; print(a); }\nprint(a, b, c);\n";
    let (bindings, module) = bindings_of(text);
    let declared = |name: &str, nth: usize| {
        let mut found = Vec::new();
        for stmt in &module.stmts {
            if let limit_syntax::ast::StmtKind::Var(decl) = &stmt.kind {
                if let limit_syntax::ast::VarTarget::Name(ident) = &decl.target {
                    if ident.name == name {
                        found.push(ident.id);
                    }
                }
            }
        }
        found[nth]
    };
    // The top-level `a` keeps its value: the function's `a` is its own.
    assert!(bindings.is_never_reassigned(declared("a", 0)));
    assert!(!bindings.is_never_reassigned(declared("b", 0)));
    // Declared again in its scope: the variable changes.
    assert!(!bindings.is_never_reassigned(declared("c", 0)));
    assert!(!bindings.is_never_reassigned(declared("c", 1)));
}

#[test]
fn assignments_from_other_functions_are_recorded_with_the_first_one() {
    // `a` is assigned only at the top, `b` by a closure (twice), `c` by a
    // named function, and the function's own `d` by itself.
    let text = "var a = 1;\na = 2;\nvar b = 3;\nvar f = fn() { b = 4; b = 5; };\nvar c = 6;\nfn g() { c = 7; var d = 8; d = 9; print(d); }\nprint(a, b, c);\n";
    let (bindings, module) = bindings_of(text);
    let declared = |name: &str| {
        module
            .stmts
            .iter()
            .find_map(|stmt| match &stmt.kind {
                limit_syntax::ast::StmtKind::Var(decl) => match &decl.target {
                    limit_syntax::ast::VarTarget::Name(ident) if ident.name == name => {
                        Some(ident.id)
                    }
                    _ => None,
                },
                _ => None,
            })
            .expect("declared at the top")
    };
    assert_eq!(bindings.assigned_by_nested_function(declared("a")), None);
    let first = bindings
        .assigned_by_nested_function(declared("b"))
        .expect("the closure assigns b");
    assert_eq!(&text[first.start as usize..first.end as usize], "b");
    assert!(text[..first.start as usize].ends_with("fn() { "));
    assert!(bindings
        .assigned_by_nested_function(declared("c"))
        .is_some());
}
