//! limit's side of the benchmark alone, for a profiler:
//! `cargo build --release --example profile_limit`, then
//! `valgrind --tool=callgrind target/release/examples/profile_limit host`
//! (or `call`). Builds far faster than the bench, which links Rhai and Lua.

use limit::{Engine, Error, Value};

fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let mut engine = Engine::new();
    engine.register_fn("add", |args: &[Value]| match args {
        [Value::Int(a), Value::Int(b)] => Ok(Value::Int(a.wrapping_add(*b))),
        _ => Err(Error::runtime("TypeError", "add takes two ints")),
    });
    engine.register_fn("add_typed", |a: i64, b: i64| a.wrapping_add(b));
    engine
        .run_str(
            "fn with_call(n: int): int { var s = 0; for (var i = 0; i < n; i += 1) { s = add(s, i); } return s; }
             fn with_typed(n: int): int { var s = 0; for (var i = 0; i < n; i += 1) { s = add_typed(s, i); } return s; }
             fn area(w: int, h: int): int { return w * h; }",
        )
        .expect("compiles");
    let n = 1_000_000i64;
    match which.as_str() {
        "host" => {
            let r = engine.call("with_call", &[Value::Int(n)]).expect("runs");
            println!("{r}");
        }
        "typed" => {
            let r = engine.call("with_typed", &[Value::Int(n)]).expect("runs");
            println!("{r}");
        }
        _ => {
            let area = engine.get_fn("area").expect("declared");
            let mut total = 0i64;
            for i in 0..n {
                let r: i64 = area.call(&mut engine, (i, 3i64)).expect("runs");
                total = total.wrapping_add(r);
            }
            println!("{total}");
        }
    }
}
