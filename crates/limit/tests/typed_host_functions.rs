//! Typed host functions (`Engine::register_fn` with Rust parameter types):
//! checked when scripts compile, converted and checked at the boundary,
//! `Result` as a Limit `T?`.

use std::collections::{BTreeMap, HashMap};

use limit::{Engine, Error, Value};

fn compile_error(engine: &mut Engine, source: &str) -> String {
    match engine.run_str(source) {
        Err(Error::Compile(text)) => text.to_string(),
        other => panic!("expected a compile error for {source:?}, got {other:?}"),
    }
}

#[test]
fn a_typed_function_of_each_arity_is_called_with_converted_arguments() {
    let mut engine = Engine::new();
    engine.register_fn("zero", || 7i64);
    engine.register_fn("neg", |x: i32| -x);
    engine.register_fn("add", |x: i64, y: i64| x + y);
    engine.register_fn("join3", |a: String, b: String, c: String| {
        format!("{a}-{b}-{c}")
    });
    engine.register_fn(
        "sum8",
        |a: u8, b: u16, c: u32, d: u64, e: i8, f: i16, g: usize, h: isize| {
            a as i64 + b as i64 + c as i64 + d as i64 + e as i64 + f as i64 + g as i64 + h as i64
        },
    );
    // 7 + (-5) + 5 + "x-y-z".len() * 1 + 1+2+3+4+5+6+7+8 = 7 - 5 + 5 + 5 + 36
    let v = engine
        .run_str(r#"zero() + neg(5) + add(2, 3) + join3("x", "y", "z").len() + sum8(1, 2, 3, 4, 5, 6, 7, 8)"#)
        .unwrap();
    assert_eq!(v, Value::Int(48));
}

#[test]
fn the_checker_knows_a_typed_functions_result_and_parameters() {
    let mut engine = Engine::new();
    engine.register_fn("add", |x: i64, y: i64| x + y);
    let text = compile_error(&mut engine, "var s: str = add(2, 3);");
    assert!(text.contains("int"), "{text}");
    let text = compile_error(&mut engine, r#"add("two", 3)"#);
    assert!(text.contains("str"), "{text}");
    let text = compile_error(&mut engine, "add(1)");
    assert!(
        text.contains("`add` takes 2 arguments, but 1 was given"),
        "{text}"
    );
    let text = compile_error(&mut engine, "add(1, 2, 3)");
    assert!(
        text.contains("`add` takes 2 arguments, but 3 were given"),
        "{text}"
    );
    // The right use compiles, and the result is an int to the checker.
    assert_eq!(
        engine.run_str("var n: int = add(2, 3); n * 2").unwrap(),
        Value::Int(10)
    );
}

#[test]
fn a_wrong_argument_through_an_any_value_is_a_type_error_naming_it() {
    let mut engine = Engine::new();
    engine.register_fn("add", |x: i64, y: i64| x + y);
    engine.register_fn("small", |x: u8| x);
    engine.register_fn("total", |xs: Vec<i64>| xs.iter().sum::<i64>());
    let e = engine
        .run_str(r#"var f: any = add; f(1, "two")"#)
        .unwrap_err();
    assert_eq!(e.kind(), Some("TypeError"));
    assert!(
        e.to_string()
            .contains(r#"argument 2 of `add`: expected int, found str "two""#),
        "{e}"
    );
    let e = engine.run_str("var f: any = add; f(1)").unwrap_err();
    assert!(
        e.to_string()
            .contains("`add` takes 2 arguments, but 1 was given"),
        "{e}"
    );
    let e = engine.run_str("var g: any = small; g(300)").unwrap_err();
    assert!(
        e.to_string()
            .contains("argument 1 of `small`: 300 is out of range for u8"),
        "{e}"
    );
    let e = engine
        .run_str(r#"var t: any = total; t([1, 2, "x"])"#)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains(r#"argument 1 of `total`, at [2]: expected int, found str "x""#),
        "{e}"
    );
    // The script can catch it, and the engine goes on.
    let v = engine.run_str(r#"var h: any = add; attempt { h(nil, 1) } handle TypeError(e) { -1 }"#);
    assert!(v.is_ok(), "{v:?}");
    assert_eq!(engine.run_str("add(20, 22)").unwrap(), Value::Int(42));
}

#[test]
fn a_result_is_a_fallible_value_the_script_must_handle() {
    let mut engine = Engine::new();
    engine.register_fn("divide", |a: i64, b: i64| -> Result<i64, Error> {
        if b == 0 {
            Err(Error::runtime("DivisionByZero", "b is zero"))
        } else {
            Ok(a / b)
        }
    });
    engine.register_fn("parse", |text: String| {
        text.parse::<i64>().map_err(|e| e.to_string())
    });
    assert_eq!(
        engine.run_str("divide(9, 3)? else { 0 }").unwrap(),
        Value::Int(3)
    );
    assert_eq!(
        engine.run_str("divide(9, 0)? else { -1 }").unwrap(),
        Value::Int(-1)
    );
    let v = engine
        .run_str(r#"divide(1, 0) ?else e { "{e.kind}: {e.message}" }"#)
        .unwrap();
    assert_eq!(v, Value::from("DivisionByZero: b is zero"));
    let v = engine
        .run_str(r#"match (parse("x1")) { ok(n) => { "n={n}" }, err(e) => { "{e.kind}" } }"#)
        .unwrap();
    assert_eq!(v, Value::from("Error"));
    // `?` inside a fallible function propagates it.
    engine
        .run_str("fn ratio(a: int, b: int): int? { var q = divide(a, b)?; return ok(q * 10); }")
        .unwrap();
    assert_eq!(
        engine.run_str("ratio(6, 3) ?else { 0 }").unwrap(),
        Value::Int(20)
    );
    assert_eq!(
        engine.run_str("ratio(6, 0) ?else { 0 }").unwrap(),
        Value::Int(0)
    );
    // Ignored or stored as a plain int, it does not compile.
    compile_error(&mut engine, "divide(1, 2); 5");
    compile_error(&mut engine, "var n: int = divide(1, 2);");
}

#[test]
fn conversions_cover_options_tuples_and_maps_of_any_key() {
    let mut engine = Engine::new();
    engine.register_fn("or_zero", |x: Option<i64>| x.unwrap_or(0));
    engine.register_fn("maybe", |x: i64| if x > 0 { Some(x) } else { None });
    engine.register_fn("swap", |p: (i64, String)| (p.1, p.0));
    engine.register_fn("by_id", |m: HashMap<i64, String>| {
        let mut ids: Vec<i64> = m.keys().copied().collect();
        ids.sort();
        ids
    });
    engine.register_fn("ordered", || {
        let mut m = BTreeMap::new();
        m.insert((2i64, 1i64), true);
        m.insert((1, 9), false);
        m
    });
    assert_eq!(
        engine.run_str("or_zero(nil) + or_zero(5)").unwrap(),
        Value::Int(5)
    );
    assert_eq!(engine.run_str("maybe(-3)").unwrap(), Value::Nil);
    assert_eq!(engine.run_str("maybe(3)").unwrap(), Value::Int(3));
    assert_eq!(
        engine.run_str(r#"swap((1, "a"))"#).unwrap().to_string(),
        r#"("a", 1)"#
    );
    assert_eq!(
        engine
            .run_str(r#"by_id({3: "c", 1: "a"})"#)
            .unwrap()
            .to_string(),
        "[1, 3]"
    );
    assert_eq!(
        engine.run_str("ordered()").unwrap().to_string(),
        "{(1, 9): false, (2, 1): true}"
    );
    let text = compile_error(&mut engine, r#"or_zero("x")"#);
    assert!(text.contains("str"), "{text}");
}

#[test]
fn a_result_that_does_not_fit_a_limit_int_is_a_clean_error() {
    let mut engine = Engine::new();
    engine.register_fn("huge", || u64::MAX);
    let e = engine.run_str("huge()").unwrap_err();
    assert!(e.to_string().contains("does not fit in a Limit int"), "{e}");
    assert_eq!(engine.run_str("1 + 1").unwrap(), Value::Int(2));
}

#[test]
fn a_raw_function_still_takes_any_arguments() {
    let mut engine = Engine::new();
    engine.register_fn("count", |args: &[Value]| Ok(Value::Int(args.len() as i64)));
    assert_eq!(
        engine.run_str(r#"count() + count(1, "a", [2])"#).unwrap(),
        Value::Int(3)
    );
    // Re-registered typed, the checker now knows it.
    engine.register_fn("count", |x: i64| x);
    compile_error(&mut engine, "count(1, 2)");
    // And back to raw: anything goes again.
    engine.register_fn("count", |args: &[Value]| Ok(Value::Int(args.len() as i64)));
    assert_eq!(engine.run_str("count(1, 2)").unwrap(), Value::Int(2));
}
