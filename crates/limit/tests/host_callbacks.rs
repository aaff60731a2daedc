//! Limit functions passed to host functions (issue 25): a host function
//! taking an `FnHandle` receives the closure a script passes and calls
//! it back during the host call, re-entrantly, on the engine's own frame
//! stack; an error the callback raises reaches the host function and
//! then continues through the script with its trace; a handle kept
//! after the call is called later through the engine, and dropping it
//! lets the function go.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use limit::{Engine, Error, FnHandle, Value};

fn engine() -> Engine {
    let mut engine = Engine::new();
    engine.capture_output(true);
    engine.register_fn("apply_twice", |f: FnHandle, x: i64| -> Result<i64, Error> {
        let once: i64 = f.call_back((x,))?;
        f.call_back((once,))
    });
    engine.register_fn("inc", |n: i64| n + 1);
    engine
}

#[test]
fn a_lambda_capturing_a_local_is_called_back_twice() -> Result<(), Error> {
    let mut engine = engine();
    engine.run_str(
        "fn shifted(x: int): int {\n\
             var step = 5;\n\
             var calls = 0;\n\
             var r = apply_twice(fn(n: int): int { calls += 1; return n + step; }, x)? else { -1 };\n\
             return r * 100 + calls;\n\
         }",
    )?;
    // (1 + 5) + 5 = 11, and the closure ran twice.
    assert_eq!(engine.call("shifted", &[1.into()])?, Value::Int(1102));
    Ok(())
}

#[test]
fn callbacks_nest_and_take_any_function_value() -> Result<(), Error> {
    let mut engine = engine();
    // The callback calls the host function again, which calls back again.
    let v = engine.run_str(
        "apply_twice(fn(n: int): int { return apply_twice(fn(m: int): int { return m * 2; }, n)? else { 0 }; }, 1)? else { -1 }",
    )?;
    assert_eq!(v, Value::Int(16));
    // A host function and a named function are functions too.
    assert_eq!(
        engine.run_str("apply_twice(inc, 1)? else { -1 }")?,
        Value::Int(3)
    );
    engine.run_str("fn triple(n: int): int { return n * 3; }")?;
    assert_eq!(
        engine.run_str("apply_twice(triple, 2)? else { -1 }")?,
        Value::Int(18)
    );
    Ok(())
}

#[test]
fn an_error_in_the_callback_reaches_the_host_and_continues_through_the_script() {
    let mut engine = engine();
    let saw = Arc::new(Mutex::new(None));
    let seen = saw.clone();
    engine.register_fn("each", move |f: FnHandle, n: i64| {
        for i in 0..n {
            if let Err(e) = f.call_back::<()>((i,)) {
                *seen.lock().unwrap() = Some(e.to_string());
                break;
            }
        }
        n // the host function returns normally; the error still goes on
    });
    engine
        .run_named(
            "rules.lm",
            "fn visit(xs: [int]): int {\n\
                 return each(fn(i: int) {\n\
                     print(xs[i]);\n\
                 }, 3);\n\
             }",
        )
        .unwrap();
    let e = engine.run_named("turn.lm", "visit([7, 8])").unwrap_err();
    let error = e.runtime_error().expect("a runtime error");
    assert_eq!(error.kind, "IndexOutOfBounds");
    let trace: Vec<(&str, &str, u32)> = error
        .trace
        .iter()
        .map(|t| (t.function.as_str(), t.file.as_str(), t.line))
        .collect();
    assert_eq!(
        trace,
        [
            ("<lambda>", "rules.lm", 3),
            ("visit", "rules.lm", 2),
            ("<session>", "turn.lm", 1)
        ]
    );
    assert_eq!(engine.take_output(), "7\n8\n");
    let seen = saw.lock().unwrap().clone().expect("the host saw the error");
    assert!(seen.starts_with("error[IndexOutOfBounds]"), "{seen}");
    // The script can handle it, as an error it raised itself.
    let v = engine.run_str(r#"visit([1]) ?else e { e.kind }"#).unwrap();
    assert_eq!(v, Value::from("IndexOutOfBounds"));
    // And the engine goes on.
    assert_eq!(
        engine.run_str("apply_twice(inc, 5)? else { 0 }").unwrap(),
        Value::Int(7)
    );
}

#[test]
fn a_wrong_value_for_a_function_parameter_is_refused() {
    let mut engine = engine();
    let e = engine.run_str("apply_twice(3, 1)").unwrap_err();
    assert!(e.compile_error().is_some(), "{e}");
    let e = engine
        .run_str("var f: any = 3; apply_twice(f, 1)")
        .unwrap_err();
    // A value from `any` is checked as it enters the typed parameter,
    // before the host sees it (LANGUAGE §3: `any` is checked at run time).
    assert_eq!(e.kind(), Some("ConversionError"));
    assert!(
        e.to_string().contains("expected fn(") && e.to_string().contains(", got int"),
        "{e}"
    );
}

#[test]
fn a_kept_handle_is_called_later_and_dropping_it_lets_the_function_go() -> Result<(), Error> {
    let mut engine = engine();
    let kept: Arc<Mutex<Option<FnHandle>>> = Arc::default();
    let slot = kept.clone();
    engine.register_fn("keep", move |f: FnHandle| {
        *slot.lock().unwrap() = Some(f);
    });
    engine.run_str(
        "frame Probe { pub var n: int = 4; fn deinit() { print(\"probe released\"); } }\n\
         fn hand_over() {\n\
             var probe = Probe();\n\
             keep(fn(k: int): int { return probe.n * k; });\n\
         }\n\
         hand_over();",
    )?;
    assert_eq!(
        engine.take_output(),
        "",
        "the closure keeps the probe alive"
    );
    let handle = kept.lock().unwrap().take().expect("a handle");
    assert_eq!(handle.call::<i64>(&mut engine, (10,))?, 40);
    assert_eq!(engine.call_fn(&handle, &[2.into()])?, Value::Int(8));
    // Outside a host call a handle cannot call back.
    assert!(matches!(
        handle.call_back::<i64>((1,)),
        Err(Error::NotFound(_))
    ));
    // Another engine does not know it.
    assert!(handle.call::<i64>(&mut Engine::new(), (1,)).is_err());
    let copy = handle.clone();
    drop(handle);
    engine.run_str("1")?;
    assert_eq!(engine.take_output(), "", "a clone still holds it");
    drop(copy);
    engine.run_str("gc();")?;
    assert_eq!(engine.take_output(), "probe released\n");
    Ok(())
}

#[test]
fn a_callback_is_refused_to_a_handle_of_another_engine() {
    let mut engine = engine();
    let mut other = Engine::new();
    other.run_str("fn one(): int { return 1; }").unwrap();
    let one = other.get_fn("one").unwrap();
    let called = Arc::new(AtomicBool::new(false));
    let flag = called.clone();
    engine.register_fn("try_other", move || {
        flag.store(true, Ordering::Relaxed);
        one.call_back::<i64>(()).is_err()
    });
    assert_eq!(engine.run_str("try_other()").unwrap(), Value::Bool(true));
    assert!(called.load(Ordering::Relaxed));
}

/// A function value the host calls (a variable holding a closure, a
/// handle called back) checks its arguments as a call through `any`
/// does (issue 17): the host proved nothing about them.
#[test]
fn a_function_value_the_host_calls_checks_its_arguments() -> Result<(), Error> {
    let mut engine = engine();
    engine.run_str("var twice = fn(n: int): int { return n * 2; };")?;
    assert_eq!(engine.call("twice", &[4.into()])?, Value::Int(8));
    let e = engine.call("twice", &["four".into()]).unwrap_err();
    assert_eq!(e.kind(), Some("ConversionError"), "{e}");
    assert!(
        e.to_string()
            .contains("expected int, got str (argument `n` of `<lambda>`)"),
        "{e}"
    );
    // A handle the host function calls back with a value of the wrong type.
    engine.register_fn("call_with_text", |f: FnHandle| -> Result<i64, Error> {
        f.call_back(("text",))
    });
    let e = engine
        .run_str("call_with_text(fn(n: int): int { return n; })")
        .unwrap_err();
    assert_eq!(e.kind(), Some("ConversionError"), "{e}");
    Ok(())
}
