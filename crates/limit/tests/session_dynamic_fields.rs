//! Field stores through a receiver whose frame is known only at run time
//! (`fn put(o, v) { o.g = v; }`) convert and check for the field's
//! declared type in every chunk of an `Engine` session (the REPL compiles
//! its inputs the same way), also for frames a later chunk declares: a
//! chunk's stores get a dispatcher compiled with every frame known at its
//! end (an earlier chunk's code, already running, keeps its own).

use limit::{Engine, Value};

#[test]
fn stores_through_any_convert_in_later_chunks() {
    let mut engine = Engine::new();
    engine
        .run_str("frame A { pub g: u8 = 0; }\nfn put(o, v) { o.g = v; }\nvar a = A();\nput(a, 7);")
        .unwrap();
    engine
        .run_str(
            "frame B { pub g: d2 = 0; }\nfn put_b(o, v) { o.g = v; }\nvar b = B();\nput_b(b, 1.5);",
        )
        .unwrap();
    assert_eq!(
        engine
            .run_str("typeof(b.g) == \"d2\" and b.g == 1.5")
            .unwrap(),
        Value::Bool(true)
    );
    let overflow = engine.run_str("put(a, 300);").unwrap_err().to_string();
    assert!(overflow.contains("IntegerOverflow"), "{overflow}");
    let overflow = engine.run_str("put_b(a, 256);").unwrap_err().to_string();
    assert!(overflow.contains("IntegerOverflow"), "{overflow}");
    assert_eq!(engine.run_str("a.g").unwrap(), Value::Int(7));
    engine.run_str("put_b(a, 255);").unwrap();
    assert_eq!(engine.run_str("a.g").unwrap(), Value::Int(255));
}

/// A store the dispatcher refuses is reported at the program's store: the
/// functions the compiler made for it (`<store .n>`, `Counter.n`) show
/// no frame of their own in the trace.
#[test]
fn a_refused_store_is_traced_from_the_programs_store() {
    let mut engine = Engine::new();
    let error = engine
        .run_str(
            "frame Counter {\n    n: int = 0,\n}\nfn put(o, v) {\n    o.n = v;\n}\nput(Counter(), \"x\");",
        )
        .unwrap_err()
        .to_string();
    assert!(error.contains("ConversionError"), "{error}");
    let trace: Vec<&str> = error
        .lines()
        .filter(|line| line.trim_start().starts_with("at "))
        .collect();
    assert_eq!(trace.len(), 2, "{error}");
    assert!(
        trace[0].contains("at put (") && trace[0].ends_with(":5:5)"),
        "{error}"
    );
    assert!(trace[1].contains("at <session> ("), "{error}");
}
