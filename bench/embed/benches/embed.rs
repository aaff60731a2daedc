//! What crossing the boundary between Rust and a script costs, in limit,
//! Rhai and mlua (Lua 5.4) measured in the same run:
//!
//! * **host call** — a script calls a Rust function `add(a, b)` in a loop.
//!   The per-call figure is the loop with the call minus the same loop
//!   doing `s = s + i` itself, so each engine's own loop speed drops out.
//! * **Rust → script** — Rust calls the script function `area(w, h)` with
//!   two integers and converts the result back to `i64`, through a handle
//!   resolved once (typed arguments and result, as each engine offers),
//!   and by name.
//!
//! Each figure is the median of [`SAMPLES`] samples, in nanoseconds of
//! the thread's CPU time (time the thread waits for a core on a loaded
//! machine does not count; caches shared with other processes still do,
//! so measure on an idle machine). Run with `cargo bench` in this folder
//! (a release build, as shipped).

use std::hint::black_box;

use cpu_time::ThreadTime;

/// Samples per figure (the median is reported).
const SAMPLES: usize = 31;
/// Loop iterations in one script run (host call benchmark).
const LOOP: i64 = 200_000;
/// Calls from Rust in one sample.
const CALLS: u64 = 100_000;

/// The median of `SAMPLES` runs of `run`, which returns how many
/// operations it did, in nanoseconds per operation.
fn median_ns(mut run: impl FnMut() -> u64) -> f64 {
    run(); // warm up
    let mut samples: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let start = ThreadTime::now();
            let ops = run();
            start.elapsed().as_nanos() as f64 / ops as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[SAMPLES / 2]
}

/// One engine's figures.
struct Figures {
    loop_with_call: f64,
    loop_alone: f64,
    call_by_handle: f64,
    call_by_name: f64,
}

impl Figures {
    fn host_call(&self) -> f64 {
        self.loop_with_call - self.loop_alone
    }
}

// ------------------------------------------------------------------ limit

const LIMIT_SCRIPT: &str = "
fn with_call(n: int): int {
    var s = 0;
    for (var i = 0; i < n; i += 1) { s = add(s, i); }
    return s;
}
fn alone(n: int): int {
    var s = 0;
    for (var i = 0; i < n; i += 1) { s = s + i; }
    return s;
}
fn area(w: int, h: int): int { return w * h; }
";

fn limit_figures() -> Figures {
    use limit::{Engine, Value};
    let mut engine = Engine::new();
    // Typed, as Rhai's and mlua's are: the arguments convert straight
    // to i64 (and the checker knows the signature).
    engine.register_fn("add", |a: i64, b: i64| a.wrapping_add(b));
    engine.run_str(LIMIT_SCRIPT).expect("the script compiles");
    let mut run_loop = |name: &str| {
        let total = engine.call(name, &[Value::Int(LOOP)]).expect("runs");
        assert_eq!(total, Value::Int(LOOP * (LOOP - 1) / 2));
        LOOP as u64
    };
    let loop_with_call = median_ns(|| run_loop("with_call"));
    let loop_alone = median_ns(|| run_loop("alone"));
    let call_by_name = median_ns(|| {
        for i in 0..CALLS as i64 {
            let r = engine.call("area", &[Value::Int(i), Value::Int(3)]);
            let r: i64 = r.expect("runs").try_into().expect("an int");
            black_box(r);
        }
        CALLS
    });
    let area = engine.get_fn("area").expect("declared");
    let call_by_handle = median_ns(|| {
        for i in 0..CALLS as i64 {
            let r: i64 = area.call(&mut engine, (i, 3i64)).expect("runs");
            black_box(r);
        }
        CALLS
    });
    Figures {
        loop_with_call,
        loop_alone,
        call_by_handle,
        call_by_name,
    }
}

// ------------------------------------------------------------------- Rhai

const RHAI_SCRIPT: &str = "
fn with_call(n) { let s = 0; for i in 0..n { s = add(s, i); } s }
fn alone(n) { let s = 0; for i in 0..n { s = s + i; } s }
fn area(w, h) { w * h }
";

fn rhai_figures() -> Figures {
    use rhai::{Engine, Scope, AST};
    let mut engine = Engine::new();
    engine.register_fn("add", |a: i64, b: i64| a.wrapping_add(b));
    let ast: AST = engine.compile(RHAI_SCRIPT).expect("the script compiles");
    let mut scope = Scope::new();
    let mut run_loop = |name: &str| {
        let total: i64 = engine
            .call_fn(&mut scope, &ast, name, (LOOP,))
            .expect("runs");
        assert_eq!(total, LOOP * (LOOP - 1) / 2);
        LOOP as u64
    };
    let loop_with_call = median_ns(|| run_loop("with_call"));
    let loop_alone = median_ns(|| run_loop("alone"));
    let call_by_name = median_ns(|| {
        for i in 0..CALLS as i64 {
            let r: i64 = engine
                .call_fn(&mut scope, &ast, "area", (i, 3i64))
                .expect("runs");
            black_box(r);
        }
        CALLS
    });
    // Rhai's handle: a function pointer called with the compiled AST.
    let area = rhai::FnPtr::new("area").expect("a function name");
    let call_by_handle = median_ns(|| {
        for i in 0..CALLS as i64 {
            let r: i64 = area.call(&engine, &ast, (i, 3i64)).expect("runs");
            black_box(r);
        }
        CALLS
    });
    Figures {
        loop_with_call,
        loop_alone,
        call_by_handle,
        call_by_name,
    }
}

// -------------------------------------------------------------- mlua (5.4)

const LUA_SCRIPT: &str = "
function with_call(n) local s = 0; for i = 0, n - 1 do s = add(s, i) end; return s end
function alone(n) local s = 0; for i = 0, n - 1 do s = s + i end; return s end
function area(w, h) return w * h end
";

fn lua_figures() -> Figures {
    use mlua::{Function, Lua};
    let lua = Lua::new();
    let add = lua
        .create_function(|_, (a, b): (i64, i64)| Ok(a.wrapping_add(b)))
        .expect("a function");
    lua.globals().set("add", add).expect("set");
    lua.load(LUA_SCRIPT).exec().expect("the script runs");
    let run_loop = |name: &str| {
        let f: Function = lua.globals().get(name).expect("declared");
        let total: i64 = f.call(LOOP).expect("runs");
        assert_eq!(total, LOOP * (LOOP - 1) / 2);
        LOOP as u64
    };
    let loop_with_call = median_ns(|| run_loop("with_call"));
    let loop_alone = median_ns(|| run_loop("alone"));
    let area: Function = lua.globals().get("area").expect("declared");
    let call_by_handle = median_ns(|| {
        for i in 0..CALLS as i64 {
            let r: i64 = area.call((i, 3i64)).expect("runs");
            black_box(r);
        }
        CALLS
    });
    let call_by_name = median_ns(|| {
        for i in 0..CALLS as i64 {
            let f: Function = lua.globals().get("area").expect("declared");
            let r: i64 = f.call((i, 3i64)).expect("runs");
            black_box(r);
        }
        CALLS
    });
    Figures {
        loop_with_call,
        loop_alone,
        call_by_handle,
        call_by_name,
    }
}

fn main() {
    // `cargo test` runs benches with `--bench` absent: skip the timing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let engines = [
        ("limit", limit_figures()),
        ("Rhai", rhai_figures()),
        ("mlua 5.4", lua_figures()),
    ];
    println!("median ns of thread CPU time per operation ({SAMPLES} samples; release build)\n");
    println!(
        "{:<10} {:>10} {:>10} {:>10} {:>12} {:>12}",
        "engine", "host call", "loop+call", "loop", "Rust→script", "by name"
    );
    for (name, f) in &engines {
        println!(
            "{:<10} {:>10.1} {:>10.1} {:>10.1} {:>12.1} {:>12.1}",
            name,
            f.host_call(),
            f.loop_with_call,
            f.loop_alone,
            f.call_by_handle,
            f.call_by_name
        );
    }
}
