//! Redeclaring names across the chunks of an `Engine` session (the REPL
//! compiles its inputs the same way): a later chunk's declaration replaces
//! an earlier one's (reference.md §2, top-level redeclaration), a name the
//! host registered cannot be redeclared by a script.

use limit::{Engine, Error, Value};

fn compile_error(result: Result<Value, Error>) -> String {
    match result {
        Err(Error::Compile(text)) => text.to_string(),
        other => panic!("expected a compile error, got {other:?}"),
    }
}

fn engine_with_twice() -> Engine {
    let mut engine = Engine::new();
    engine.register_fn("twice", |args: &[Value]| {
        let n: i64 = args[0].clone().try_into()?;
        Ok(Value::Int(2 * n))
    });
    engine
}

#[test]
fn a_script_cannot_redeclare_a_host_function() {
    let mut engine = engine_with_twice();
    let text = compile_error(engine.run_str("fn twice(x: int): int { return 3 * x; }\ntwice(5)"));
    assert!(
        text.contains("`twice` is a host function") && text.contains("1:4"),
        "{text}"
    );
    let text = compile_error(engine.run_str("var twice = 4;"));
    assert!(text.contains("`twice` is a host function"), "{text}");
    let text = compile_error(engine.run_str("frame twice { }"));
    assert!(text.contains("`twice` is a host function"), "{text}");
    // Nothing of the rejected chunks was kept: the host's function answers.
    assert_eq!(engine.run_str("twice(21)").unwrap(), Value::Int(42));
    assert_eq!(
        engine.call("twice", &[Value::Int(4)]).unwrap(),
        Value::Int(8)
    );
}

#[test]
fn a_later_chunk_replaces_a_variable_or_function_of_the_same_name() {
    let mut engine = Engine::new();
    engine.run_str("var g = 1;").unwrap();
    engine.run_str("fn g(): int { return 2; }").unwrap();
    assert_eq!(engine.run_str("g() + 40").unwrap(), Value::Int(42));
    engine.run_str("fn h(n: int): int { return n; }").unwrap();
    engine.run_str("var h = [7, 8];").unwrap();
    assert_eq!(engine.run_str("h[1] * 2").unwrap(), Value::Int(16));
    // h is a list now: calling it is a compile error, as in a file.
    let text = compile_error(engine.run_str("h(1)"));
    assert!(text.contains("cannot call"), "{text}");
    // A function may be redefined with another signature.
    engine
        .run_str("fn g(a: str, b: str): str { return a + b; }")
        .unwrap();
    assert_eq!(
        engine.run_str("g(\"x\", \"y\")").unwrap(),
        Value::Str("xy".into())
    );
    let text = compile_error(engine.run_str("g()"));
    assert!(text.contains("missing argument"), "{text}");
}

#[test]
fn a_later_chunk_replaces_a_frame_and_the_checker_sees_the_new_one() {
    let mut engine = Engine::new();
    engine.capture_output(true);
    engine
        .run_str("frame P { pub x: int = 1; pub fn show() { print(\"P{x}\"); } }\nP().show()")
        .unwrap();
    engine
        .run_str(
            "frame P { pub y: str = \"s\"; pub z: int = 3; pub fn show() { print(\"{y}{z}\"); } }",
        )
        .unwrap();
    engine
        .run_str("P().show()\nP(y=\"t\", z=4).show()")
        .unwrap();
    assert_eq!(engine.take_output(), "P1\ns3\nt4\n");
    // The new frame is the one the checker knows: its fields, their types.
    let text = compile_error(engine.run_str("P().x"));
    assert!(text.contains("no field or method `x`"), "{text}");
    let text = compile_error(engine.run_str("var k: int = P().y;"));
    assert!(text.contains("expects `int`, found `str`"), "{text}");
    // An enum and a trait are replaced the same way.
    engine.run_str("enum E { A, B }").unwrap();
    engine.run_str("enum E { C }").unwrap();
    assert_eq!(
        engine.run_str("str(E.C)").unwrap(),
        Value::Str("E.C".into())
    );
    let text = compile_error(engine.run_str("E.A"));
    assert!(text.contains("no variant `A`"), "{text}");
}

#[test]
fn a_rejected_atomic_redeclaration_leaves_the_earlier_variable() {
    // The rejected chunk gave `c` a new (atomic) global; once it is
    // rolled back, later chunks and functions reach the earlier one.
    let mut engine = Engine::new();
    engine
        .run_str("var c = 1;\nfn get(): int { return c; }")
        .unwrap();
    compile_error(engine.run_str("var c: atomic = 5;\nvar bad: int = \"s\";"));
    assert_eq!(engine.run_str("c").unwrap(), Value::Int(1));
    assert_eq!(engine.run_str("c += 1;\nget()").unwrap(), Value::Int(2));
    // Accepted, the redeclaration is the variable from then on.
    engine.run_str("var c: atomic = 7;").unwrap();
    assert_eq!(engine.run_str("c").unwrap(), Value::Int(7));
}
