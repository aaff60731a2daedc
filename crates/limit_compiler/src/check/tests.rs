//! Unit tests of the checker: source in, diagnostics and types out.

use super::{check_module, CheckResult, Type};
use limit_syntax::{SourceMap, Span};
use std::path::{Path, PathBuf};

fn check_source(source: &str) -> (CheckResult, SourceMap) {
    let mut sources = SourceMap::new();
    let file = sources.add("test.lm", source);
    let (module, parse_diagnostics) = limit_syntax::parse_source(source, file);
    let parse_errors: Vec<_> = parse_diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(
        parse_errors.is_empty(),
        "syntax errors in test source: {parse_errors:?}"
    );
    (check_module(&module, &sources), sources)
}

/// `(line, message)` of every error.
fn errors(source: &str) -> Vec<(u32, String)> {
    let (result, sources) = check_source(source);
    result
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            (
                sources.get(d.span.file).line_col(d.span.start).0,
                d.message.clone(),
            )
        })
        .collect()
}

fn assert_clean(source: &str) {
    let found = errors(source);
    assert!(found.is_empty(), "unexpected errors: {found:?}");
}

/// Exactly one error, on `line`, whose message contains `fragment`.
fn assert_error(source: &str, line: u32, fragment: &str) {
    let found = errors(source);
    assert_eq!(found.len(), 1, "expected one error, got {found:?}");
    assert_eq!(found[0].0, line, "wrong line: {found:?}");
    assert!(
        found[0].1.contains(fragment),
        "message {:?} lacks {fragment:?}",
        found[0].1
    );
}

/// The recorded type of the outermost expression spanning exactly the
/// first occurrence of `needle` in `source`.
fn type_at(source: &str, needle: &str) -> Option<Type> {
    let mut sources = SourceMap::new();
    let file = sources.add("test.lm", source);
    let (module, _) = limit_syntax::parse_source(source, file);
    let result = check_module(&module, &sources);
    let start = source.find(needle)?;
    let span = Span::new(0, start, start + needle.len());
    let mut finder = SpanFinder { span, found: None };
    limit_syntax::visit::walk_stmts(&mut finder, &module.stmts);
    result.types.type_of(finder.found?).cloned()
}

/// Finds the first expression (in pre-order) with a given span.
struct SpanFinder {
    span: Span,
    found: Option<limit_syntax::ast::NodeId>,
}

impl limit_syntax::visit::Visitor for SpanFinder {
    fn visit_expr(&mut self, expr: &limit_syntax::ast::Expr) {
        if self.found.is_none() && expr.span == self.span {
            self.found = Some(expr.id);
        }
        limit_syntax::visit::walk_expr(self, expr);
    }
}

// ------------------------------------------------------------- inference

#[test]
fn infers_literals_and_arithmetic() {
    let source = "var a = 1;\nvar b = 2.5;\nprint(a + a);\nprint(a + b);\nprint(a / a);\nprint(\"x\" + a);\nprint(a < b);\n";
    assert_eq!(type_at(source, "a + a"), Some(Type::Int));
    assert_eq!(type_at(source, "a + b"), Some(Type::Float));
    assert_eq!(type_at(source, "a / a"), Some(Type::Int));
    assert_eq!(type_at(source, "\"x\" + a"), Some(Type::Str));
    assert_eq!(type_at(source, "a < b"), Some(Type::Bool));
}

#[test]
fn infers_call_results_from_signatures_and_builtins() {
    let source = "fn half(x: float): float { return x / 2; }\nprint(half(3));\nprint(len(\"abc\"));\nprint(str(1));\n";
    assert_eq!(type_at(source, "half(3)"), Some(Type::Float));
    assert_eq!(type_at(source, "len(\"abc\")"), Some(Type::Int));
    assert_eq!(type_at(source, "str(1)"), Some(Type::Str));
}

#[test]
fn empty_literal_takes_its_type_from_the_annotation() {
    let source = "var xs: [int] = [];\nprint(xs);\n";
    assert_eq!(type_at(source, "[]"), Some(Type::list(Type::Int)));
}

#[test]
fn reassigned_variable_is_widened_to_any() {
    let source = "var x = 1;\nwhile (x < 3) { print(x + 1); x = 2.5; }\n";
    assert_clean(source);
    assert_eq!(type_at(source, "x + 1"), None);
}

#[test]
fn narrowing_inside_if_and_after_early_return() {
    assert_clean(
        "fn f(s: str): int {\n var n = parse_int(s);\n if (n) { return n + 1; }\n return 0;\n}\n",
    );
    assert_clean(
        "fn f(s: str): int {\n var n = parse_int(s);\n if (!n) { return 0; }\n return n + 1;\n}\n",
    );
    assert_clean("fn f(s: str): int {\n match (parse_int(s)) {\n ok(v) => { return v + 1; },\n err(e) => { return 0; }\n }\n}\n");
}

#[test]
fn handled_fallible_values_have_the_value_type() {
    let source = "var n = parse_int(\"5\") ?else { 0 };\nprint(n + 1);\n";
    assert_clean(source);
    assert_eq!(type_at(source, "n + 1"), Some(Type::Int));
}

#[test]
fn unannotated_parameters_accept_anything() {
    assert_clean("fn f(x) { return x - 1; }\nprint(f(\"a\"));\nprint(f(2));\n");
}

// ---------------------------------------------------------------- errors

#[test]
fn wrong_type_into_annotated_variable() {
    assert_error("var s: str = 5;\n", 1, "expects `str`, found `int`");
    assert_error("var n: int = \"x\";\n", 1, "expects `int`, found `str`");
    assert_clean("var f: float = 1;\n");
    assert_error("var n: int = 1;\nn = \"x\";\n", 2, "found `str`");
}

#[test]
fn list_element_mismatch_is_reported_at_the_element() {
    assert_error("var xs: [int] = [1,\n \"two\"];\n", 2, "found `str`");
}

#[test]
fn sized_constant_out_of_range() {
    assert_error("var x: u8 = 300;\n", 1, "does not fit `u8`");
    assert_clean("var x: u8 = 255;\nvar y: i8 = -128;\n");
}

#[test]
fn refinement_violated_by_constant() {
    let source = "type Adult = int where value >= 18;\nvar a: Adult = 20;\nvar b: Adult = 5;\n";
    assert_error(source, 3, "refinement of `Adult`");
}

#[test]
fn wrong_argument_type() {
    assert_error(
        "fn add(a: int, b: int): int { return a + b; }\nprint(add(1, \"2\"));\n",
        2,
        "argument `b` of `add`",
    );
}

#[test]
fn calling_a_non_function() {
    assert_error("var x = 5;\nx();\n", 2, "not a function");
}

#[test]
fn wrong_return_type_and_missing_return() {
    assert_error("fn f(): int { return \"x\"; }\n", 1, "return value of `f`");
    assert_error(
        "fn f(x: int): int {\n if (x > 0) { return 1; }\n}\n",
        1,
        "on every path",
    );
    assert_clean("fn f(x: int): int {\n if (x > 0) { return 1; } else { return 2; }\n}\n");
    assert_clean("fn f(x: int): int { x * 2 }\n");
    assert_clean("fn f(x: int): str {\n match (x) { 0 => \"zero\", _ => \"many\" }\n}\n");
    assert_clean("fn f(x: int): int {\n while (true) { if (x > 3) { return x; } }\n}\n");
}

#[test]
fn fallible_used_as_value() {
    assert_error(
        "var n: int = parse_int(\"5\");\n",
        1,
        "without handling its error",
    );
    assert_error(
        "fn divide(a: int, b: int): int?DivisionByZero { return ok(a / b); }\nprint(divide(1, 2) + 1);\n",
        2,
        "without handling",
    );
}

#[test]
fn dropped_fallible_call() {
    assert_error(
        "fn divide(a: int, b: int): int?DivisionByZero { return ok(a / b); }\ndivide(1, 0);\n",
        2,
        "is ignored",
    );
}

#[test]
fn propagating_errors_outside_the_error_set() {
    let source = "fn parse(s: str): int?ConversionError { return parse_int(s); }\nfn f(s: str): int?DivisionByZero {\n var n = parse(s)?;\n return ok(n);\n}\n";
    assert_error(source, 3, "does not contain");
    assert_clean("fn f(s: str): int? {\n var n = parse_int(s)?;\n return ok(n);\n}\n");
}

#[test]
fn non_exhaustive_enum_and_bool_matches() {
    let source = "enum Color { Red, Green, Blue }\nvar c = Color.Red;\nmatch (c) {\n Color.Red => print(1),\n Color.Green => print(2)\n}\n";
    assert_error(source, 3, "`Blue` not covered");
    assert_clean("enum Color { Red, Green }\nvar c = Color.Red;\nmatch (c) { Color.Red => print(1), _ => print(2) }\n");
    assert_error(
        "var b = true;\nmatch (b) { true => print(1) }\n",
        2,
        "`false` not covered",
    );
}

#[test]
fn operator_misuse() {
    assert_error("print(\"a\" - 1);\n", 1, "cannot apply `-`");
    assert_error("print(true + 1);\n", 1, "cannot apply `+`");
    assert_error("print([1] * \"x\");\n", 1, "cannot apply `*`");
    assert_error("print(1 and true);\n", 1, "needs `bool`");
    assert_error("if (5) { print(1); }\n", 1, "condition must be `bool`");
    assert_clean("print(\"a\" + 1);\nprint(\"ab\" * 2);\nprint(1 + 2.5);\n");
}

#[test]
fn frame_rules() {
    assert_error(
        "frame P { pub var x: int = 0; }\nvar p = P();\nprint(p.y);\n",
        3,
        "no field or method `y`",
    );
    assert_error(
        "frame P { var secret: int = 0; }\nvar p = P();\nprint(p.secret);\n",
        3,
        "private",
    );
    assert_error("abstract frame A { }\nvar a = A();\n", 2, "abstract");
    assert_error("final frame A { }\nframe B : A { }\n", 2, "final frame");
    assert_error(
        "data frame A { x: int }\nframe B : A { }\n",
        2,
        "data frame",
    );
    assert_error(
        "frame A { final fn f() { } }\nframe B : A {\n fn f() { }\n}\n",
        3,
        "final method",
    );
    assert_error(
        "trait T { fn area(): float; }\nframe C : T { }\n",
        2,
        "does not implement `area`",
    );
}

#[test]
fn several_errors_are_all_reported() {
    let found = errors("var a: int = \"x\";\nvar b: str = 1;\nprint(\"a\" - 1);\n");
    let lines: Vec<u32> = found.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, vec![1, 2, 3]);
}

// ------------------------------------------------------ conformance sweep

fn lang_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/lang")
}

fn lm_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            lm_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "lm") {
            out.push(path);
        }
    }
}

/// `(line, message fragment)` of every `// error:` expectation.
fn expected_errors(source: &str) -> Vec<(u32, String)> {
    source
        .lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let (_, fragment) = line.split_once("// error:")?;
            Some((index as u32 + 1, fragment.trim().to_string()))
        })
        .collect()
}

/// The checker never rejects a conformance program that expects no
/// compile error, and reports exactly the expected lines in the folders it
/// owns (where every expected error is a type error).
#[test]
fn conformance_programs() {
    let mut files = Vec::new();
    lm_files(&lang_dir(), &mut files);
    assert!(files.len() > 100, "conformance programs not found");
    let mut failures = Vec::new();
    for path in files {
        let Ok(source) = std::fs::read_to_string(&path) else {
            continue;
        };
        let mut sources = SourceMap::new();
        let file = sources.add(path.display().to_string(), source.clone());
        let (module, parse_diagnostics) = limit_syntax::parse_source(&source, file);
        if parse_diagnostics.iter().any(|d| d.is_error()) {
            continue;
        }
        let result = check_module(&module, &sources);
        let found_errors: Vec<(u32, String)> = result
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| {
                (
                    sources.get(file).line_col(d.span.start).0,
                    d.message.clone(),
                )
            })
            .collect();
        let mut found: Vec<u32> = found_errors.iter().map(|(line, _)| *line).collect();
        found.sort_unstable();
        found.dedup();
        let expectations = expected_errors(&source);
        let expected: Vec<u32> = expectations.iter().map(|(line, _)| *line).collect();
        let fragments_match = expectations.iter().all(|(line, fragment)| {
            found_errors.iter().any(|(found_line, message)| {
                found_line == line && message.contains(fragment.as_str())
            })
        });
        let owned = ["types", "errors_as_values"]
            .iter()
            .any(|area| path.parent().is_some_and(|p| p.ends_with(area)));
        let ok = if expected.is_empty() {
            found.is_empty()
        } else if owned {
            found == expected && fragments_match
        } else {
            found.iter().all(|line| expected.contains(line))
        };
        if !ok {
            let messages: Vec<String> = result
                .diagnostics
                .iter()
                .map(|d| d.message.clone())
                .collect();
            failures.push(format!(
                "{}: expected {expected:?}, found {found:?} {messages:?}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ------------------------------------------------- valid programs stay clean

#[test]
fn frames_traits_and_enums_from_the_language_reference() {
    assert_clean(
        r#"
trait Shape {
    fn area(): float;
    fn describe(): str { return "shape of area {self.area()}"; }
}
frame Circle : Shape {
    pub var r: float;
    fn init(r: float) { this.r = r; }
    pub fn area(): float { return 3.14159 * this.r * this.r; }
}
abstract frame Animal {
    prot var name: str;
    abstract fn sound(): str;
    pub fn speak() { print("{this.name} says {this.sound()}"); }
}
frame Dog : Animal {
    fn init(name: str) { this.name = name; }
    fn sound(): str { return "woof"; }
}
data frame Point { x: int, y: int }
frame Counter { static var made = 0; static fn next(): int { Counter.made += 1; return Counter.made; } }
var c = Circle(2.0);
var p = Point(x=1, y=2);
print(p.x + p.y);
print(c.area(), c.describe());
var d = Dog("rex");
d.speak();
var s: Shape = c;
print(s.area());
print(Counter.next());
enum Msg { Move(int, int), Say(str), Quit }
fn react(m: Msg): str {
    match (m) {
        Msg.Move(x, y) => "{x},{y}",
        Msg.Say(text) => text,
        Quit => "quit"
    }
}
print(react(Msg.Move(1, 2)));
"#,
    );
}

#[test]
fn error_values_from_the_language_reference() {
    assert_clean(
        r#"
fn divide(a: int, b: int): int?DivisionByZero {
    if (b == 0) { return err(DivisionByZero("b is zero")); }
    return ok(a / b);
}
fn half_of_ratio(a: int, b: int): int?DivisionByZero {
    var r = divide(a, b)?;
    return ok(r / 2);
}
var v = divide(1, 0)? else { print("failed"); 0 };
var w = divide(1, 0)?else e { print("error: {e}"); -1 };
var u = divide(1, 0)?else err => { return -1; };
var q = (10 / 0) ?else { 0 };
match (divide(8, 2)) {
    ok(n) => { print(n); },
    err(e) => { print("error {e}"); }
}
var described = match (divide(1, 0)) {
    val x => "got {x}",
    DivisionByZero(msg) => "division: {msg}",
    err e => "other error {e.kind}: {e.message}"
};
fn lookup(k: str): int? {
    if (k == "a") { return 1; }
    return err(NotFound("no key {k}"));
}
print(lookup("a"));
print(v + w + u + q);
"#,
    );
}

#[test]
fn closures_and_collections_stay_clean() {
    assert_clean(
        r#"
fn counter(): fn(): int {
    var n = 0;
    return fn(): int { n += 1; return n; };
}
var next = counter();
print(next() + 1);
var xs = [3, 1, 2];
xs.push("four");
var total = 0;
iter (x in [1, 2]) { total = total + x * 0.5; }
var words = "a b".split(" ");
print(words[0].upper());
var d = {"a": 1};
iter (k, v in d) { print("{k}={v}"); }
var (a, b) = (1, "x");
print(a + 1, b + "y");
var hits: atomic = 0;
hits += 1;
var maybe: int? = nil;
if (maybe) { print(maybe + 1); }
type Number = int | float;
fn show(n: Number) { print(n + 1); }
type Point = {x: float, y: float};
fn area(p: Point): float { return p.x * p.y; }
print(area({x: 2, y: 3.5}));
"#,
    );
}

// ------------------------------------------------------ hidden members

/// The private-member error through a trait-typed receiver carries a note at
/// the method's declaration.
#[test]
fn private_method_through_trait_notes_its_declaration() {
    let source = "trait T { fn a(): int; }\nframe F : T {\n    pub fn a(): int { return 1; }\n    fn b(): int { return 2; }\n}\nfn use(t: T): int { return t.b(); }\n";
    let (result, sources) = check_source(source);
    let errors: Vec<_> = result.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("`b` is private to frame `F`"));
    let (note_span, note) = &errors[0].notes[0];
    assert_eq!(
        sources.get(note_span.file).line_col(note_span.start),
        (4, 8)
    );
    assert!(note.contains("declared here"));
}

/// A trait method is public through the trait, whatever the implementing
/// frame writes.
#[test]
fn trait_methods_are_public_through_the_trait() {
    assert_clean("trait T { fn a(): int; }\nframe F : T {\n    fn a(): int { return 1; }\n}\nfn use(t: T): int { return t.a(); }\n");
}

/// An inherited private method called through the child's type names the
/// parent and points at the parent's declaration.
#[test]
fn inherited_private_method_notes_the_parent_declaration() {
    let source = "frame P { fn m(): int { return 1; } }\nframe C : P { }\nprint(C().m());\n";
    let (result, sources) = check_source(source);
    let errors: Vec<_> = result.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("private to frame `P`"));
    let (note_span, _) = &errors[0].notes[0];
    assert_eq!(
        sources.get(note_span.file).line_col(note_span.start),
        (1, 14)
    );
}

/// `xs.len` on built-in values: an error whose hint is the call.
#[test]
fn builtin_field_access_hints_the_method_call() {
    let (result, _) = check_source("var xs = [1];\nvar n = xs.len;\nvar s = \"a\".trim;\n");
    let hints: Vec<_> = result
        .diagnostics
        .iter()
        .map(|d| (d.message.as_str(), d.hint.as_deref()))
        .collect();
    assert_eq!(
        hints,
        [
            (
                "a list has no field `len`",
                Some("`len` is a method: write `xs.len()`")
            ),
            (
                "a str has no field `trim`",
                Some("`trim` is a method: write `\"a\".trim()`")
            ),
        ]
    );
    // Dicts read entries with `.`, records have fields: neither is reported.
    assert_clean("var d = {\"len\": 1};\nprint(d.len);\nvar r = {len: 2};\nprint(r.len);\n");
}

// ------------------------------------------------ names through bindings

#[test]
fn a_shadowing_local_has_its_own_type_and_the_outer_one_comes_back() {
    assert_error(
        "fn f(): int {\n var x = 1;\n { var x = \"s\"; print(x.upper()); }\n var y: str = x;\n return x;\n}",
        4,
        "variable `y` expects `str`, found `int`",
    );
}

#[test]
fn a_name_used_before_a_later_declaration_in_its_block_means_the_outer_one() {
    assert_error(
        "var n = \"outer\";\nfn f(): int {\n var a: int = n;\n var n = 2;\n return n;\n}",
        3,
        "variable `a` expects `int`, found `str`",
    );
}

#[test]
fn a_closure_in_a_method_sees_the_methods_locals_and_bare_fields() {
    assert_error(
        "frame Counter {\n count: int = 0,\n fn step(by: int): int {\n  var label = \"n\";\n  var f = fn(): int { return count + by + label; };\n  return f();\n }\n}",
        5,
        "",
    );
    assert_clean(
        "frame Counter {\n count: int = 0,\n fn step(by: int): int {\n  var f = fn(): int { var count = 2; return count + by; };\n  return f();\n }\n}",
    );
}

#[test]
fn a_top_level_redeclaration_with_another_type_is_any_in_functions() {
    assert_clean("var x = 1;\nfn f(): str { return x.upper(); }\nvar x = \"s\";\nprint(f());");
}

#[test]
fn narrowing_ends_with_its_block() {
    assert_error(
        "fn f(v: int?): int {\n if (v) { var a: int = v; }\n var b: int = v;\n return 0;\n}",
        3,
        "",
    );
}

/// The error messages of compiling `chunks` one after another in one
/// session, per chunk.
fn session_errors(chunks: &[&str]) -> Vec<Vec<String>> {
    let mut session = crate::Session::new(crate::CompileOptions::default());
    chunks
        .iter()
        .enumerate()
        .map(
            |(index, text)| match session.compile(&format!("<chunk {index}>"), text, false) {
                Ok(_) => Vec::new(),
                Err(diagnostics) => diagnostics
                    .iter()
                    .filter(|d| d.is_error())
                    .map(|d| d.message.clone())
                    .collect(),
            },
        )
        .collect()
}

#[test]
fn a_session_chunk_redefining_a_function_is_checked_against_the_new_one() {
    let errors = session_errors(&[
        "fn f(a: int): int { return a; }\nvar y: int = 1;",
        "fn f(a: str): str { return a; }",
        "var n: int = f(\"x\");",
        "var s: str = f(\"x\");\nvar t: str = y;",
    ]);
    assert!(errors[0].is_empty() && errors[1].is_empty(), "{errors:?}");
    assert_eq!(errors[2].len(), 1, "{errors:?}");
    assert!(errors[2][0].contains("variable `n` expects `int`, found `str`"));
    assert_eq!(errors[3].len(), 1, "{errors:?}");
    assert!(errors[3][0].contains("variable `t` expects `str`, found `int`"));
}

#[test]
fn only_values_not_proven_to_fit_get_run_time_checks() {
    let (typed, _) = check_source(
        "fn f(x: int): int { return x + 1; }\n\
         var n: int = f(2);\n\
         var xs: [int] = [n];\n\
         xs.push(n);\n\
         var d: {str: float} = {\"a\": 1};\n\
         d[\"b\"] = n;\n\
         var counts: {str: int} = {};\n\
         counts[\"w\"] = counts.get_or(\"w\", 0) + 1;\n\
         var total: int = counts.get(\"w\", 0) + [n].sum();\n\
         var halves: [float] = xs.map(fn(x: float): float { return x / 2; });\n\
         xs.sort_by(fn(x: int): int { return -x; });",
    );
    assert!(!typed.types.has_checks());
    let source = "fn f(x: int): int { return x; }\nvar a: any = 1;\nf(a);";
    let mut sources = SourceMap::new();
    let file = sources.add("test.lm", source);
    let (module, _) = limit_syntax::parse_source(source, file);
    let result = check_module(&module, &sources);
    // The argument `a` (the last `a` of the source) is checked as an int.
    let start = source.rfind('a').unwrap();
    let span = Span::new(0, start, start + 1);
    let mut finder = SpanFinder { span, found: None };
    limit_syntax::visit::walk_stmts(&mut finder, &module.stmts);
    assert_eq!(
        result.types.check_of(finder.found.unwrap()),
        Some(&Type::Int)
    );
}
