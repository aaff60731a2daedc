//! Compile diagnostics and runtime errors as data for the host.

use limit::{Engine, Error, ErrorKind, Severity};

#[test]
fn a_compile_error_carries_every_diagnostic_with_its_position() {
    let mut engine = Engine::new();
    engine.register_fn("add", |x: i64, y: i64| x + y);
    let source = "frame A : Nope {}\nvar s: str = add(1, 2);\nvar t = add(1);";
    let Err(Error::Compile(error)) = engine.run_named("rules.lm", source) else {
        panic!("expected a compile error");
    };
    let all = error.diagnostics();
    // The warning of line 1 comes along with the two errors, in source order.
    let lines: Vec<(u32, Severity)> = all.iter().map(|d| (d.line, d.severity)).collect();
    assert_eq!(
        lines,
        vec![
            (1, Severity::Warning),
            (2, Severity::Error),
            (3, Severity::Error)
        ],
        "{all:#?}"
    );
    assert_eq!(error.errors().count(), 2);
    let arity = &all[2];
    assert_eq!(arity.file, "rules.lm");
    assert_eq!((arity.line, arity.column), (3, 9));
    assert_eq!((arity.end_line, arity.end_column), (3, 15));
    assert_eq!(arity.message, "`add` takes 2 arguments, but 1 was given");
    assert!(arity.hint.is_some());
    assert_eq!(
        arity.to_string(),
        "rules.lm:3:9: error: `add` takes 2 arguments, but 1 was given"
    );
    // The rendered text is what `limit` prints.
    assert!(
        error.rendered().contains("rules.lm:3:9: error"),
        "{}",
        error.rendered()
    );
}

#[test]
fn a_diagnostic_can_carry_notes_pointing_elsewhere() {
    let mut engine = Engine::new();
    engine
        .run_named("a.lm", "frame P { var secret: int = 1; }")
        .unwrap();
    let Err(Error::Compile(error)) = engine.run_named("b.lm", "var p = P();\nprint(p.secret);")
    else {
        panic!("expected a compile error");
    };
    let private = error.errors().next().unwrap();
    assert_eq!(private.file, "b.lm");
    assert!(!private.notes.is_empty(), "{private:#?}");
    assert_eq!(private.notes[0].file, "a.lm");
    for note in &private.notes {
        assert!(note.line >= 1 && note.column >= 1, "{note:?}");
    }
}

#[test]
fn runtime_errors_have_kinds_and_traces() {
    let mut engine = Engine::new();
    engine
        .run_named(
            "r.lm",
            "fn inner(xs: [int]): int { return xs[5]; }\nfn outer(): int { return inner([1]); }",
        )
        .unwrap();
    let e = engine.call("outer", &[]).unwrap_err();
    assert_eq!(e.error_kind(), Some(ErrorKind::IndexOutOfBounds));
    let runtime: &limit::RuntimeError = e.runtime_error().unwrap();
    let trace: &[limit::TraceEntry] = &runtime.trace;
    let names: Vec<(&str, u32)> = trace
        .iter()
        .map(|t| (t.function.as_str(), t.line))
        .collect();
    assert_eq!(names, vec![("inner", 1), ("outer", 2)]);
    // A kind the host names is a user kind; built-in names map back.
    assert_eq!(
        Error::runtime("Overheated", "x").error_kind(),
        Some(ErrorKind::User("Overheated".to_string()))
    );
    for kind in [
        ErrorKind::ResourceLimit,
        ErrorKind::Interrupted,
        ErrorKind::TypeError,
    ] {
        assert_eq!(ErrorKind::from_name(kind.name()), kind);
    }
    assert_eq!(engine.run_str("1 + 1").unwrap(), limit::Value::Int(2));
}
