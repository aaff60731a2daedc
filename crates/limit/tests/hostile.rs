//! Issue 18's runtime repros through the embedding API: limits hold for
//! every task of a program, sessions run parallel blocks in any chunk, and
//! the engine keeps working after each failure.

use limit::{Engine, Limits, Value};

fn engine(limits: Limits) -> Engine {
    let mut engine = Engine::new();
    engine.capture_output(true);
    engine.set_limits(limits);
    engine
}

#[test]
fn a_parallel_block_runs_in_a_later_chunk() {
    let mut e = engine(Limits::default());
    assert_eq!(e.run_str("1").unwrap(), Value::Int(1));
    e.run_str("fn square(x: int): int { return x * x; }")
        .unwrap();
    e.run_str("parallel (cores=2) { task { print(1); } }")
        .unwrap();
    assert_eq!(e.take_output(), "1\n");
    // Functions and frames declared by later chunks are known to the tasks.
    e.run_str("frame P { pub n: int = 0; pub fn twice(): int { return 2 * this.n; } }")
        .unwrap();
    e.run_str(
        "var total = 0;\n\
         parallel (cores=2) { task (i in 1..=4) { total += square(i) + P(n=i).twice(); } }\n\
         print(total);",
    )
    .unwrap();
    // 1+4+9+16 + 2*(1+2+3+4)
    assert_eq!(e.take_output(), "50\n");
}
