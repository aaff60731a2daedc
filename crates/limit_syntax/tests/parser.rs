//! Unit tests of the parser: precedence, the look-alikes of reference.md §12,
//! every statement and declaration form, and error recovery.

use limit_syntax::ast::*;
use limit_syntax::printer::print_expr;
use limit_syntax::{parse_source, Diagnostic, SourceFile};

/// Parses `source`, asserting that it has no diagnostics.
fn parse_ok(source: &str) -> Module {
    let (module, diagnostics) = parse_source(source, 0);
    assert!(
        diagnostics.is_empty(),
        "unexpected diagnostics for {source:?}: {:#?}",
        messages(source, &diagnostics)
    );
    module
}

/// `line:col: message` for each diagnostic.
fn messages(source: &str, diagnostics: &[Diagnostic]) -> Vec<String> {
    let file = SourceFile::new("test.lm", source);
    diagnostics
        .iter()
        .map(|d| {
            let (line, col) = file.line_col(d.span.start);
            format!("{line}:{col}: {}", d.message)
        })
        .collect()
}

fn errors(source: &str) -> Vec<String> {
    let (_, diagnostics) = parse_source(source, 0);
    messages(source, &diagnostics)
}

/// The initialiser of `var x = <source>`, printed as a tree.
fn expr(source: &str) -> String {
    let module = parse_ok(&format!("var x = {source}"));
    print_expr(var_init(&module.stmts[0].kind))
}

fn only_stmt(source: &str) -> StmtKind {
    let module = parse_ok(source);
    assert_eq!(module.stmts.len(), 1, "{source:?} gave {:#?}", module.stmts);
    module.stmts.into_iter().next().map(|s| s.kind).unwrap()
}

/// The declaration `source` consists of.
fn only_var(source: &str) -> VarDecl {
    match only_stmt(source) {
        StmtKind::Var(decl) => *decl,
        other => panic!("not a var: {other:?}"),
    }
}

fn only_import(source: &str) -> ImportDecl {
    match only_stmt(source) {
        StmtKind::Import(decl) => *decl,
        other => panic!("not an import: {other:?}"),
    }
}

/// The initialiser of the `var` statement `stmt`.
fn var_init(stmt: &StmtKind) -> &Expr {
    match stmt {
        StmtKind::Var(decl) => decl.init.as_ref().expect("an initialiser"),
        other => panic!("not a var: {other:?}"),
    }
}

fn type_of(source: &str) -> TypeKind {
    match only_var(&format!("var x: {source}")) {
        VarDecl { ty: Some(ty), .. } => ty.kind,
        other => panic!("no type: {other:?}"),
    }
}

fn pattern_of(source: &str) -> PatternKind {
    let module = parse_ok(&format!("match (v) {{ {source} => 0 }}"));
    let StmtKind::Expr { expr, .. } = &module.stmts[0].kind else {
        panic!("not an expression")
    };
    let ExprKind::Match(m) = &expr.kind else {
        panic!("not a match")
    };
    m.arms[0].pattern.kind.clone()
}

// ---------------------------------------------------------------- precedence

#[test]
fn arithmetic_precedence_and_left_associativity() {
    assert_eq!(
        expr("1 + 2 * 3 - 4 / 2 % 3"),
        "(- (+ 1 (* 2 3)) (% (/ 4 2) 3))"
    );
}

#[test]
fn power_is_right_associative() {
    assert_eq!(expr("2 ** 3 ** 2"), "(** 2 (** 3 2))");
    assert_eq!(expr("2 ** -1"), "(** 2 (- 1))");
}

#[test]
fn unary_binds_tighter_than_power() {
    assert_eq!(expr("-x ** 2"), "(** (- x) 2)");
    assert_eq!(expr("+5"), "(+ 5)");
    assert_eq!(expr("~x >> 2"), "(>> (~ x) 2)");
}

#[test]
fn logical_operators() {
    assert_eq!(
        expr("a or b and c || d && e"),
        "(or (or a (and b c)) (and d e))"
    );
    assert_eq!(expr("not a and !b"), "(and (not a) (not b))");
}

#[test]
fn comparison_binds_tighter_than_equality() {
    assert_eq!(expr("a == b < c != d >= e"), "(!= (== a (< b c)) (>= d e))");
}

#[test]
fn bitwise_levels() {
    assert_eq!(
        expr("a | b ^ c & d << 1 + 2"),
        "(| a (^ b (& c (<< d (+ 1 2)))))"
    );
}

#[test]
fn ranges() {
    assert_eq!(expr("1..10..2"), "(.. 1 10 (step 2))");
    assert_eq!(expr("0..=n"), "(..= 0 n)");
    assert_eq!(expr("a + 1 .. b * 2"), "(.. (+ a 1) (* b 2))");
    assert_eq!(expr("0..n == r"), "(== (.. 0 n) r)");
}

#[test]
fn ranges_do_not_chain_beyond_step() {
    assert_eq!(errors("var r = 1..2..3..4").len(), 1);
}

#[test]
fn postfix_chains() {
    assert_eq!(
        expr("f(1, size=3).g[0].h"),
        "(. (index (. (call f 1 (arg size 3)) g) 0) h)"
    );
    assert_eq!(expr("t.0.1"), "(. (. t 0) 1)");
    assert_eq!(expr("x as float * 2"), "(* (as x (type float)) 2)");
    assert_eq!(expr("await fetch(1)"), "(await (call fetch 1))");
}

#[test]
fn tuples_and_grouping() {
    assert_eq!(expr("(1,)"), "(tuple 1)");
    assert_eq!(expr("()"), "(tuple)");
    assert_eq!(expr("(1 + 2) * 3"), "(* (+ 1 2) 3)");
    assert_eq!(expr("(1, \"a\")"), "(tuple 1 \"a\")");
}

// ---------------------------------------------------------------- §12 look-alikes

#[test]
fn question_mark_ternary_propagate_and_handler() {
    assert_eq!(expr("a ? b : c ? d : e"), "(?: a b (?: c d e))");
    assert_eq!(expr("a > 0 ? -1 : 1"), "(?: (> a 0) (- 1) 1)");
    assert_eq!(expr("f()? - 1"), "(- (propagate (call f)) 1)");
    assert_eq!(
        expr("g(f()?, c ? 1 : 2)"),
        "(call g (propagate (call f)) (?: c 1 2))"
    );
    assert!(expr("f() ?else { 0 }").starts_with("(?else"));
    assert!(expr("f()? else { 0 }").starts_with("(?else"));
}

#[test]
fn else_handler_after_a_cast_is_not_a_fallible_type() {
    // `?` followed by `else` is a handler (§12), also right after the type
    // of an `as` cast; `as int?` alone is still a fallible type.
    for source in [
        "b as int ?else { -1 }",
        "b as int? else { -1 }",
        "b as d2?else e { 0 }",
    ] {
        let module = parse_ok(&format!("var x = {source}"));
        let init = var_init(&module.stmts[0].kind);
        let ExprKind::Else { expr, .. } = &init.kind else {
            panic!("{source}: {init:?}")
        };
        assert!(
            matches!(expr.kind, ExprKind::Cast(..)),
            "{source}: {expr:?}"
        );
    }
    assert!(matches!(type_of("int?"), TypeKind::Fallible { .. }));
    // A ternary after a cast: `(x as bool) ? 1 : 2`.
    assert_eq!(
        expr("x as bool ? 1 : 2").split_whitespace().next(),
        Some("(?:")
    );
}

#[test]
fn else_handler_bindings() {
    for (source, binding) in [
        ("f()?else { 0 }", None),
        ("f()? else e { e }", Some("e")),
        ("f()?else e => { 1 }", Some("e")),
        ("f()?else err => { return -1; }", Some("err")),
    ] {
        let module = parse_ok(&format!("var x = {source}"));
        let init = var_init(&module.stmts[0].kind);
        let ExprKind::Else {
            binding: got,
            handler,
            ..
        } = &init.kind
        else {
            panic!("{source}: {init:?}")
        };
        assert_eq!(got.as_ref().map(|i| i.name.as_str()), binding, "{source}");
        assert!(!handler.stmts.is_empty());
    }
}

#[test]
fn handler_value_is_its_unterminated_last_expression() {
    let module = parse_ok("var v = divide(1, 0)? else { print(\"failed\"); 0 };");
    let init = var_init(&module.stmts[0].kind);
    let ExprKind::Else { handler, .. } = &init.kind else {
        panic!()
    };
    assert!(matches!(
        handler.stmts[0].kind,
        StmtKind::Expr {
            terminated: true,
            ..
        }
    ));
    assert!(matches!(
        handler.stmts[1].kind,
        StmtKind::Expr {
            terminated: false,
            ..
        }
    ));
}

#[test]
fn brace_is_block_at_statement_start_and_dict_in_expression() {
    assert!(matches!(only_stmt("{ var a = 1; }"), StmtKind::Block(_)));
    assert_eq!(expr("{}"), "(dict)");
    assert_eq!(
        expr("{name: \"Ada\", age: 36}"),
        "(record (entry \"name\" \"Ada\") (entry \"age\" 36))"
    );
    assert_eq!(
        expr("{\"a\": 1, 2: 3}"),
        "(dict (entry \"a\" 1) (entry 2 3))"
    );
}

#[test]
fn dict_literal_ignores_newlines() {
    assert_eq!(
        expr("{\n  \"a\": 1\n  , \"b\": 2\n}"),
        "(dict (entry \"a\" 1) (entry \"b\" 2))"
    );
}

#[test]
fn newline_ends_an_expression_statement() {
    // Two statements; the second, starting with `-`, draws a warning that
    // it does not continue the first.
    let (module, diagnostics) = parse_source("x\n-1", 0);
    assert_eq!(module.stmts.len(), 2);
    assert!(
        diagnostics.len() == 1 && !diagnostics[0].is_error(),
        "{diagnostics:?}"
    );
    let module = parse_ok("var y = (x\n-1)");
    assert_eq!(module.stmts.len(), 1);
    let module = parse_ok("var y = x +\n 1");
    assert_eq!(module.stmts.len(), 1);
    let module = parse_ok("var s = text\n  .trim()\n  .upper()");
    assert_eq!(module.stmts.len(), 1);
}

#[test]
fn dict_type_versus_record_type() {
    assert!(matches!(type_of("{str: int}"), TypeKind::Dict(..)));
    assert!(matches!(type_of("{Point: [int]}"), TypeKind::Dict(..)));
    assert!(matches!(type_of("{name: str}"), TypeKind::Record(f) if f.len() == 1));
    assert!(matches!(type_of("{x: float, y: float}"), TypeKind::Record(f) if f.len() == 2));
}

#[test]
fn fallible_error_list_stops_before_a_parameter() {
    let StmtKind::Fn(decl) = only_stmt("fn f(r: int?E1, E2, n: int) { }") else {
        panic!()
    };
    assert_eq!(decl.params.len(), 2);
    let Some(TypeExpr {
        kind: TypeKind::Fallible { errors, .. },
        ..
    }) = &decl.params[0].ty
    else {
        panic!()
    };
    assert_eq!(errors.len(), 2);
    let StmtKind::Fn(decl) = only_stmt("fn g(r: int?E1, N: int) { }") else {
        panic!()
    };
    assert_eq!(decl.params.len(), 2);
}

#[test]
fn types() {
    assert!(matches!(type_of("[int]"), TypeKind::List(_)));
    assert!(matches!(type_of("(int, str)"), TypeKind::Tuple(t) if t.len() == 2));
    assert!(
        matches!(type_of("fn(int, str): bool"), TypeKind::Function { params, ret: Some(_) } if params.len() == 2)
    );
    assert!(matches!(type_of("int | float | nil"), TypeKind::Union(t) if t.len() == 3));
    assert!(matches!(type_of("int?"), TypeKind::Fallible { errors, .. } if errors.is_empty()));
    assert!(matches!(
        type_of("int where value >= 18"),
        TypeKind::Refined { .. }
    ));
    assert!(matches!(type_of("shapes.Shape"), TypeKind::Named(p) if p.len() == 2));
    let StmtKind::TypeAlias(alias) =
        only_stmt("type Shape = Circle(float) | Square(float) | Empty;")
    else {
        panic!()
    };
    assert!(matches!(alias.ty.kind, TypeKind::Tagged(v) if v.len() == 3));
}

// ---------------------------------------------------------------- patterns

#[test]
fn every_pattern_form() {
    assert!(matches!(pattern_of("0"), PatternKind::Literal(_)));
    assert!(
        matches!(pattern_of("-5"), PatternKind::Literal(e) if matches!(&e.kind, ExprKind::Int(n) if n.to_string() == "-5"))
    );
    assert!(matches!(
        pattern_of("1..10"),
        PatternKind::Range {
            inclusive: false,
            ..
        }
    ));
    assert!(matches!(
        pattern_of("-10..=-1"),
        PatternKind::Range {
            inclusive: true,
            ..
        }
    ));
    assert!(matches!(pattern_of("\"hi\" | \"hello\""), PatternKind::Or(p) if p.len() == 2));
    assert!(matches!(pattern_of("n"), PatternKind::Name(_)));
    assert!(matches!(pattern_of("_"), PatternKind::Wildcard));
    assert!(
        matches!(pattern_of("Msg.Move(x, y)"), PatternKind::Variant { path, args: Some(a) } if path.len() == 2 && a.len() == 2)
    );
    assert!(matches!(
        pattern_of("Color.Red"),
        PatternKind::Variant { args: None, .. }
    ));
    assert!(matches!(
        pattern_of("DivisionByZero(msg)"),
        PatternKind::Variant { .. }
    ));
    assert!(
        matches!(pattern_of("[]"), PatternKind::List { items, rest: None } if items.is_empty())
    );
    assert!(matches!(
        pattern_of("[head, ...tail]"),
        PatternKind::List {
            rest: Some(Some(_)),
            ..
        }
    ));
    assert!(matches!(
        pattern_of("[first, ...]"),
        PatternKind::List {
            rest: Some(None),
            ..
        }
    ));
    assert!(matches!(pattern_of("(x, [a, b])"), PatternKind::Tuple(t) if t.len() == 2));
    assert!(
        matches!(pattern_of("{name, age}"), PatternKind::Record { fields, rest: None } if fields.len() == 2)
    );
    assert!(matches!(
        pattern_of("{name: n, ...rest}"),
        PatternKind::Record {
            rest: Some(Some(_)),
            ..
        }
    ));
    assert!(
        matches!(pattern_of("Point { x, y }"), PatternKind::Frame { fields, .. } if fields.len() == 2)
    );
    assert!(matches!(pattern_of("ok(v)"), PatternKind::Ok(_)));
    assert!(matches!(pattern_of("Ok(v)"), PatternKind::Ok(_)));
    assert!(matches!(pattern_of("err(e)"), PatternKind::Err(_)));
    assert!(matches!(pattern_of("Err(e)"), PatternKind::Err(_)));
    assert!(matches!(pattern_of("val x"), PatternKind::Ok(_)));
    assert!(matches!(pattern_of("err e"), PatternKind::Err(_)));
    assert!(matches!(pattern_of("true"), PatternKind::Literal(_)));
    assert!(matches!(pattern_of("nil"), PatternKind::Literal(_)));
}

#[test]
fn match_arms_guards_and_separators() {
    let source = "var s = match (n) {\n  0 => \"zero\"\n  n where n < 0 => { \"neg\" }\n  1..10 => \"small\",\n  _ => \"many\"\n}";
    let Some(init) = only_var(source).init else {
        panic!()
    };
    let ExprKind::Match(m) = init.kind else {
        panic!()
    };
    assert_eq!(m.arms.len(), 4);
    assert!(m.arms[1].guard.is_some());
    assert!(matches!(m.arms[1].body, ArmBody::Block(_)));
    assert!(matches!(m.arms[0].body, ArmBody::Expr(_)));
}

// ---------------------------------------------------------------- statements

#[test]
fn variable_declarations() {
    assert!(matches!(
        only_var("var total: float;"),
        VarDecl {
            ty: Some(_),
            init: None,
            ..
        }
    ));
    assert!(
        matches!(only_var("var (x, y) = (3, 4)"), VarDecl { target: VarTarget::Tuple(t, _), .. } if t.len() == 2)
    );
    assert!(
        matches!(only_var("var [a, b] = [1, 2]"), VarDecl { target: VarTarget::List(t, _), .. } if t.len() == 2)
    );
    assert!(matches!(
        only_var("const var MAX: int = 10"),
        VarDecl { is_const: true, .. }
    ));
}

#[test]
fn assignments() {
    for (source, op) in [
        ("x = 1", AssignOp::Assign),
        ("x += 1", AssignOp::Add),
        ("x -= 1", AssignOp::Sub),
        ("x *= 1", AssignOp::Mul),
        ("x /= 1", AssignOp::Div),
        ("x %= 1", AssignOp::Mod),
        ("obj.field = 1", AssignOp::Assign),
        ("xs[0] = 1", AssignOp::Assign),
    ] {
        assert!(
            matches!(only_stmt(source), StmtKind::Assign { op: got, .. } if got == op),
            "{source}"
        );
    }
}

#[test]
fn if_elif_else_if_and_single_statement_bodies() {
    let StmtKind::If {
        branches,
        else_branch,
    } = only_stmt("if (a) { x() } elif (b) y() else if (c) z(); else { w() }")
    else {
        panic!()
    };
    assert_eq!(branches.len(), 3);
    assert!(else_branch.is_some());
    assert!(matches!(
        only_stmt("while (i < 10) i += 1;"),
        StmtKind::While { .. }
    ));
    let StmtKind::While { body, .. } = only_stmt("while (true) { if (n > 9) break; }") else {
        panic!()
    };
    assert_eq!(body.stmts.len(), 1);
}

#[test]
fn loops() {
    assert!(matches!(
        only_stmt("for (var i = 0; i < 5; i += 1) { print(i); }"),
        StmtKind::For {
            init: Some(_),
            cond: Some(_),
            step: Some(_),
            ..
        }
    ));
    assert!(matches!(
        only_stmt("for (;;) { break; }"),
        StmtKind::For {
            init: None,
            cond: None,
            step: None,
            ..
        }
    ));
    assert!(
        matches!(only_stmt("iter (k, v in d) { }"), StmtKind::Iter { bindings, .. } if bindings.len() == 2)
    );
    assert!(
        matches!(only_stmt("iter (var i in 0..3) { }"), StmtKind::Iter { bindings, .. } if bindings.len() == 1)
    );
    assert!(
        matches!(only_stmt("iter (i: int in xs) { }"), StmtKind::Iter { bindings, .. } if bindings[0].ty.is_some())
    );
    assert!(matches!(only_stmt("return"), StmtKind::Return(None)));
    assert!(matches!(only_stmt("return x"), StmtKind::Return(Some(_))));
}

#[test]
fn functions_and_lambdas() {
    let StmtKind::Fn(decl) =
        only_stmt("fn greet(name: str = \"World\") { print(\"Hello, {name}!\"); }")
    else {
        panic!()
    };
    assert!(decl.params[0].default.is_some());
    let StmtKind::Fn(decl) = only_stmt("async fn load(): int { return 1; }") else {
        panic!()
    };
    assert!(decl.modifiers.is_async);
    assert!(expr("fn(x: int): int { return x * x; }").starts_with("(lambda"));
    let StmtKind::Fn(decl) =
        only_stmt("fn counter(): fn(): int { var n = 0; return fn(): int { n += 1; return n; }; }")
    else {
        panic!()
    };
    assert!(matches!(
        decl.ret,
        Some(TypeExpr {
            kind: TypeKind::Function { .. },
            ..
        })
    ));
}

#[test]
fn function_result_expression_is_unterminated() {
    let StmtKind::Fn(decl) = only_stmt("fn f(x) {\n  print(x)\n  x * 2\n}") else {
        panic!()
    };
    let body = decl.body.unwrap();
    assert!(matches!(
        body.stmts[0].kind,
        StmtKind::Expr {
            terminated: true,
            ..
        }
    ));
    assert!(matches!(
        body.stmts[1].kind,
        StmtKind::Expr {
            terminated: false,
            ..
        }
    ));
    let StmtKind::Fn(decl) = only_stmt("fn g(x) { x * 2; }") else {
        panic!()
    };
    assert!(matches!(
        decl.body.unwrap().stmts[0].kind,
        StmtKind::Expr {
            terminated: true,
            ..
        }
    ));
}

#[test]
fn qualified_parents() {
    let StmtKind::Frame(frame) = only_stmt("frame Dog : zoo.Animal, Named, fmt.Show { }") else {
        panic!()
    };
    let written: Vec<String> = frame.supers.iter().map(|s| s.written()).collect();
    assert_eq!(written, ["zoo.Animal", "Named", "fmt.Show"]);
    assert_eq!(frame.supers[0].name, "Animal");
    assert_eq!(frame.supers[0].module.as_ref().unwrap().name, "zoo");
    assert!(frame.supers[1].module.is_none());
}

#[test]
fn frames_traits_enums() {
    let StmtKind::Frame(frame) = only_stmt(
        "abstract frame Animal : Base, Printable {\n  prot var name: str;\n  pub name2: str\n  static var made = 0\n  abstract fn sound(): str;\n  final fn id(): int { return 1 }\n  pub init(v: int) { this.name = \"x\" }\n  deinit() { }\n  static fn next(): int { return 1 }\n}",
    ) else {
        panic!()
    };
    assert!(frame.modifiers.is_abstract);
    assert_eq!(frame.supers.len(), 2);
    assert_eq!(frame.members.len(), 8);
    let StmtKind::Frame(frame) = only_stmt("data frame P { x: int, y: int = 0 }") else {
        panic!()
    };
    assert!(frame.modifiers.is_data);
    assert_eq!(frame.members.len(), 2);
    let StmtKind::Trait(t) = only_stmt(
        "trait Shape : Base {\n fn area(): float;\n fn describe(): str { return \"s\"; }\n}",
    ) else {
        panic!()
    };
    assert_eq!(t.methods.len(), 2);
    assert!(t.methods[0].body.is_none());
    assert!(matches!(
        only_stmt("interface I { fn f(); }"),
        StmtKind::Trait(_)
    ));
    let StmtKind::Enum(e) = only_stmt("enum Msg {\n  Move(int, int)\n  Say(str),\n  Quit\n}")
    else {
        panic!()
    };
    assert_eq!(e.variants.len(), 3);
    assert_eq!(e.variants[0].payload.len(), 2);
}

#[test]
fn imports_and_modules() {
    assert!(
        matches!(only_import("import geometry.shapes"), ImportDecl { path, alias: None, filter: None } if path.len() == 2)
    );
    assert!(matches!(
        only_import("import geometry.shapes as gs"),
        ImportDecl { alias: Some(_), .. }
    ));
    assert!(
        matches!(only_import("import a.b show area, volume"), ImportDecl { filter: Some(ImportFilter::Show(n)), .. } if n.len() == 2)
    );
    assert!(matches!(
        only_import("import a.b hide secret"),
        ImportDecl {
            filter: Some(ImportFilter::Hide(_)),
            ..
        }
    ));
    let StmtKind::ModuleBlock(block) =
        only_stmt("module m {\n @public\n fn a() {}\n var b = 1\n @private\n fn c() {}\n}")
    else {
        panic!()
    };
    assert_eq!(block.stmts.len(), 3);
    assert!(matches!(&block.stmts[1].kind, StmtKind::Var(v) if v.visibility == Visibility::Public));
    assert!(
        matches!(&block.stmts[2].kind, StmtKind::Fn(f) if f.modifiers.visibility == Visibility::Private)
    );
    assert!(
        matches!(only_stmt("@private\nfn helper() {}"), StmtKind::Fn(f) if f.modifiers.visibility == Visibility::Private)
    );
    assert!(
        matches!(only_stmt("pub fn area() {}"), StmtKind::Fn(f) if f.modifiers.visibility == Visibility::Public)
    );
}

#[test]
fn concurrency_forms() {
    let StmtKind::Concurrency(block) = only_stmt(
        "concurrent (ch=results, cores=2, timeout=5s, on_error=Stop) {\n task (i in 1..3) { results.send(i) }\n task { }\n task () { }\n}",
    ) else {
        panic!()
    };
    assert_eq!(block.params.len(), 4);
    assert_eq!(block.body.stmts.len(), 3);
    assert!(matches!(&block.params[2].value.kind, ExprKind::Duration(s) if *s == 5.0));
    let StmtKind::Concurrency(block) =
        only_stmt("parallel (cores=4) {\n worker (job from jobs) { }\n worker (x) { }\n}")
    else {
        panic!()
    };
    assert!(matches!(
        &block.body.stmts[0].kind,
        StmtKind::Worker {
            source: Some(_),
            ..
        }
    ));
    assert!(matches!(
        &block.body.stmts[1].kind,
        StmtKind::Worker { source: None, .. }
    ));
    assert!(matches!(
        only_stmt("parallel { }"),
        StmtKind::Concurrency(_)
    ));
    let StmtKind::Attempt { handlers, .. } =
        only_stmt("attempt { f() } handle IndexOutOfBounds(e) { } handle (e) { }")
    else {
        panic!()
    };
    assert_eq!(handlers.len(), 2);
    assert!(handlers[0].kind.is_some() && handlers[1].kind.is_none());
}

#[test]
fn interpolation_parses_inner_expressions() {
    assert_eq!(
        expr("\"{a + b} and {p.name} {xs[0]}\""),
        "(interp (+ a b) \" and \" (. p name) \" \" (index xs 0))"
    );
}

#[test]
fn spans_cover_nodes() {
    let source = "var total = price * 2";
    let module = parse_ok(source);
    let init = var_init(&module.stmts[0].kind);
    assert_eq!(
        &source[init.span.start as usize..init.span.end as usize],
        "price * 2"
    );
    assert_eq!(
        &source[module.stmts[0].span.start as usize..module.stmts[0].span.end as usize],
        source
    );
}

// ---------------------------------------------------------------- recovery

#[test]
fn three_independent_errors_give_three_diagnostics() {
    let source =
        "var a = (1 + ;\nprint(\"fine\")\nvar b = [1, 2\nvar c = 3\nprint(a b)\nvar d = 4\n";
    assert_eq!(
        errors(source),
        vec![
            "1:14: expected an expression, found `;`",
            "3:14: expected `]` after list elements, found `var`",
            "5:9: expected `,` or `)` after arguments, found identifier `b`",
        ]
    );
}

#[test]
fn missing_paren_gives_one_error() {
    assert_eq!(
        errors("print(1;\nprint(2)\nprint(3)"),
        vec!["1:8: expected `)` after arguments, found `;`"]
    );
    assert_eq!(
        errors("print(1\nprint(2)\nprint(3)"),
        vec!["1:8: expected `)` after arguments, found identifier `print`"]
    );
}

#[test]
fn unbalanced_braces_give_one_error() {
    assert_eq!(errors("fn f() {\n  print(1)\n\nprint(2)\n").len(), 1);
    assert_eq!(
        errors("print(1)\n}\nprint(2)\n"),
        vec!["2:1: unexpected `}` with no matching `{`"]
    );
}

#[test]
fn stray_token_gives_one_error() {
    assert_eq!(errors("var a = 1 )\nvar b = 2").len(), 1);
    assert_eq!(errors("print(1) 2 3 4\nvar b = 2").len(), 1);
}

#[test]
fn deep_nesting_is_reported_not_crashing() {
    for (open, close) in [
        ("(", ")"),
        ("[", "]"),
        ("-", ""),
        ("{\"k\": ", "}"),
        ("fn() {", "}"),
        ("x ** ", ""),
    ] {
        let source = format!("var a = {}1{}", open.repeat(5000), close.repeat(5000));
        let found = errors(&source);
        assert!(
            found
                .iter()
                .any(|m| m.contains("expression too deeply nested")),
            "{open}: {found:?}"
        );
    }
    let blocks = format!("{}x{}", "{".repeat(5000), "}".repeat(5000));
    assert_eq!(errors(&blocks).len(), 1);
}

/// The hint of the only (or first) diagnostic of `source`.
fn first_hint(source: &str) -> Option<String> {
    let (_, diagnostics) = parse_source(source, 0);
    diagnostics.first().and_then(|d| d.hint.clone())
}

#[test]
fn a_comment_written_as_integer_division_is_explained() {
    let hint = "`//` starts a comment; integer division is `/` on ints";
    assert_eq!(first_hint("print(7 // 2)\n").as_deref(), Some(hint));
    assert_eq!(
        first_hint("var n = 7\nif (n // 2 > 1) { print(n) }\n").as_deref(),
        Some(hint)
    );
    assert_eq!(
        first_hint("var xs = [1]\nprint(xs[0] // (3))\n").as_deref(),
        Some(hint)
    );
    // A comment after a complete statement is no mistake...
    parse_ok("var n = 7 // seven\nprint(n) // done\nvar m = n // 2 items\n");
    // ...unless it holds nothing but a number or a parenthesised
    // expression: then it was meant as integer division.
    for source in [
        "var n = 7\nvar half = n // 2\n",
        "var n = 7\nvar half = n // 2;\n",
        "var n = 7\nvar q = n // (n - 5)\n",
        "var n = 7\nvar r = n // 1_000\n",
    ] {
        let (_, diagnostics) = parse_source(source, 0);
        assert_eq!(diagnostics.len(), 1, "{source}: {diagnostics:?}");
        assert!(!diagnostics[0].is_error(), "{source}");
        assert_eq!(diagnostics[0].hint.as_deref(), Some(hint), "{source}");
        let comment = source.find("//").unwrap() as u32;
        assert_eq!(diagnostics[0].span.start, comment, "{source}");
    }
    // An error elsewhere keeps its own hint.
    let (_, diagnostics) = parse_source("var n = 7 // seven\nprint(n\n", 0);
    assert_eq!(diagnostics.len(), 1);
    assert_ne!(diagnostics[0].hint.as_deref(), Some(hint));
}

#[test]
fn a_line_starting_with_an_operator_is_flagged() {
    let hint =
        "this line is a separate statement; end the previous line with the operator to continue it";
    // `+` and `-` make a statement of their own: a warning.
    let (_, diagnostics) = parse_source("var total = 1\n    + 2\nprint(total)\n", 0);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert!(!diagnostics[0].is_error());
    assert_eq!(diagnostics[0].hint.as_deref(), Some(hint));
    assert_eq!(
        messages(
            "var total = 1\n    - 2\n",
            &diagnostics_of("var total = 1\n    - 2\n")
        ),
        ["2:5: this line starts with `-` but does not continue the previous one"]
    );
    // Other operators cannot start an expression: the error says why.
    assert_eq!(
        first_hint("var total = 1\n    * 2\n").as_deref(),
        Some(hint)
    );
    assert_eq!(
        first_hint("var ok = true\n    and false\n").as_deref(),
        Some(hint)
    );
    // A line ending with the operator continues; a negative match pattern
    // on its own line is no statement.
    parse_ok("var total = 1 +\n    2\n");
    parse_ok("var s = match (1) {\n  1 => \"a\"\n  -1 => \"b\"\n  _ => \"c\"\n}\n");
    parse_ok("var a = 1\nprint(-a)\n");
}

fn diagnostics_of(source: &str) -> Vec<Diagnostic> {
    parse_source(source, 0).1
}

/// Collects the ids of every expression and function, in visiting order.
#[derive(Default)]
struct NodeIds(Vec<NodeId>);

impl limit_syntax::visit::Visitor for NodeIds {
    fn visit_expr(&mut self, expr: &Expr) {
        self.0.push(expr.id);
        limit_syntax::visit::walk_expr(self, expr);
    }

    fn visit_function(&mut self, decl: &FnDecl) {
        self.0.push(decl.id);
        self.0.extend(decl.name.iter().map(|n| n.id));
        self.0.extend(decl.params.iter().map(|p| p.name.id));
        limit_syntax::visit::walk_function(self, decl);
    }

    fn visit_stmt(&mut self, stmt: &Stmt) {
        if let StmtKind::Var(decl) = &stmt.kind {
            fn names(target: &VarTarget, out: &mut Vec<NodeId>) {
                match target {
                    VarTarget::Name(name) => out.push(name.id),
                    VarTarget::Tuple(items, _) | VarTarget::List(items, _) => {
                        items.iter().for_each(|item| names(item, out))
                    }
                }
            }
            names(&decl.target, &mut self.0);
        }
        limit_syntax::visit::walk_stmt(self, stmt);
    }
}

#[test]
fn every_expression_function_and_declared_name_has_its_own_node_id() {
    // Declared names (variables, parameters, functions) have ids too: the
    // checker identifies a variable by its declaration's id.
    // Interpolations are parsed by a parser of their own, which continues
    // the file's numbering; `(x)` and `x` share a span but not an id.
    let source = "fn f(a: int): int { return (a) + 1; }\n\
                  frame P { var x = 1; fn m(): str { return \"{x} and {f(x)}\"; } }\n\
                  var g = fn(y) { print(\"{y + 1}\"); };\n\
                  var (a, [b, c]) = (1, [2, 3]);\n";
    let (module, diagnostics) = parse_source(source, 3);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let mut ids = NodeIds::default();
    limit_syntax::visit::walk_stmts(&mut ids, &module.stmts);
    let mut unique = ids.0.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.0.len(), "duplicate ids in {:?}", ids.0);
    assert!(ids.0.len() > 15);
    assert!(ids.0.iter().all(|id| id.file == 3 && !id.is_synthetic()));
}
