//! `Engine::call` checks the arguments it passes against the parameter
//! types the Limit function declares.

use limit::{Engine, Error, Value};

fn conversion_error(result: Result<Value, Error>) -> String {
    match result {
        Err(Error::Conversion(text)) => text,
        other => panic!("expected a conversion error, got {other:?}"),
    }
}

#[test]
fn a_wrong_argument_type_is_rejected_before_the_function_runs() {
    let mut engine = Engine::new();
    engine.capture_output(true);
    engine
        .run_str(r#"fn area(w: int, h: int): int { print("ran"); return w * h; }"#)
        .unwrap();
    let text = conversion_error(engine.call("area", &["a".into(), 3.into()]));
    assert_eq!(
        text,
        r#"argument 1 (`w`) of `area`: expected int, found str "a""#
    );
    assert_eq!(engine.take_output(), "");
    assert_eq!(
        engine.call("area", &[4.into(), 5.into()]).unwrap(),
        Value::Int(20)
    );
    let text = conversion_error(engine.call("area", &[1.into(), 2.into(), 3.into()]));
    assert_eq!(text, "`area` takes 2 arguments, but 3 were given");
}

#[test]
fn nested_types_name_the_path_and_ints_become_floats() {
    let mut engine = Engine::new();
    engine
        .run_str(
            r#"
            fn mean(xs: [float]): float { var s = 0.0; for (x in xs) { s += x; } return s / xs.len(); }
            fn label(p: (str, int?), tags: {str: [int]}): str { return "{p[0]}:{tags.len()}"; }
            fn maybe(n: int | nil = nil): str { return "{n}"; }
            "#,
        )
        .unwrap();
    assert_eq!(
        engine
            .call("mean", &[Value::from(vec![1i64, 2, 3])])
            .unwrap(),
        Value::Float(2.0)
    );
    let text =
        conversion_error(engine.call("mean", &[Value::List(vec![Value::Int(1), Value::Nil])]));
    assert_eq!(
        text,
        "argument 1 (`xs`) of `mean`, at [1]: expected float, found nil"
    );
    let tags = Value::Dict(vec![(
        Value::from("a"),
        Value::List(vec![Value::from("x")]),
    )]);
    let pair = Value::Tuple(vec![Value::from("p"), Value::Int(1)]);
    let text = conversion_error(engine.call("label", &[pair.clone(), tags]));
    assert_eq!(
        text,
        r#"argument 2 (`tags`) of `label`, at ["a"][0]: expected int, found str "x""#
    );
    let tags = Value::Dict(vec![(Value::from("a"), Value::from(vec![1i64]))]);
    assert_eq!(
        engine.call("label", &[pair, tags]).unwrap(),
        Value::from("p:1")
    );
    // A parameter with a default may be left out; nil fits `int | nil`.
    assert_eq!(engine.call("maybe", &[]).unwrap(), Value::from("nil"));
    assert_eq!(
        engine.call("maybe", &[Value::Nil]).unwrap(),
        Value::from("nil")
    );
    let text = conversion_error(engine.call("maybe", &[Value::from(true)]));
    assert!(
        text.starts_with("argument 1 (`n`) of `maybe`: expected int | nil"),
        "{text}"
    );
}

#[test]
fn an_unannotated_parameter_takes_anything() {
    let mut engine = Engine::new();
    engine.run_str("fn show(x) { return \"{x}\"; }").unwrap();
    assert_eq!(
        engine.call("show", &["a".into()]).unwrap(),
        Value::from("a")
    );
    assert_eq!(engine.call("show", &[1.into()]).unwrap(), Value::from("1"));
}
