//! Embedding Limit in a Rust program: run code, call a Limit function,
//! expose a Rust function to Limit, and stop a hostile script with limits.
//!
//! Run it with `cargo run -p limit --example embed`.

use limit::{Engine, Error, Limits, Value};

fn main() -> Result<(), Error> {
    let mut engine = Engine::new();
    engine.capture_output(true);

    // A Rust function callable from Limit.
    engine.register_fn("hypot", |args: &[Value]| {
        let x: f64 = args[0].clone().try_into()?;
        let y: f64 = args[1].clone().try_into()?;
        Ok(Value::Float(x.hypot(y)))
    });

    // Declarations stay in the engine between runs.
    engine.run_str(
        "fn scale(xs: [int], k: int): [int] { return xs.map(fn(x: int): int { return x * k; }); }",
    )?;
    let scaled = engine.call("scale", &[vec![1i64, 2, 3].into(), 10.into()])?;
    let scaled: Vec<i64> = scaled.try_into()?;
    println!("scale: {scaled:?}");

    let d = engine.run_str("hypot(3.0, 4.0)")?;
    println!("hypot: {d}");

    // A hostile script is stopped, and the engine stays usable.
    engine.set_limits(Limits {
        max_steps: Some(100_000),
        max_heap_bytes: Some(16 << 20),
        ..Limits::default()
    });
    let error = engine
        .run_str("var n = 0; while (true) { n = n + 1; }")
        .unwrap_err();
    println!("stopped: {error}");
    assert!(error.is_resource_limit());

    engine.run_str(r#"print("still running")"#)?;
    print!("{}", engine.take_output());
    Ok(())
}
