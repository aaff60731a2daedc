//! What a long session costs (issue 18): the resident memory per chunk of
//! an engine running chunk after chunk, and the time a `parallel` block
//! takes to start in a session that declared thousands of functions.
//! These are measurements, run by hand in a release build:
//!
//! `cargo test --release -p limit --test session_memory -- --ignored --nocapture --test-threads 1`
//!
//! (`LIMIT_CHUNKS` sets the number of chunks, 100 000 by default.) Each
//! also checks the results, so they double as long correctness runs.

use limit::{Engine, Value};

/// Resident set size of this process in bytes (Linux; 0 elsewhere).
fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn chunks() -> usize {
    std::env::var("LIMIT_CHUNKS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000)
}

/// Runs `count` chunks made by `chunk` (checking each result with
/// `expect`) and prints the resident growth per chunk after a warm-up.
fn measure(
    what: &str,
    engine: &mut Engine,
    chunk: impl Fn(usize) -> String,
    expect: impl Fn(usize) -> Value,
) {
    let count = chunks();
    let warm_up = 1_000.min(count / 10);
    let mut before = 0;
    let started = std::time::Instant::now();
    for n in 0..count {
        if n == warm_up {
            before = resident_bytes();
        }
        let value = engine.run_str(&chunk(n)).expect("runs");
        assert_eq!(value, expect(n), "chunk {n}");
    }
    let after = resident_bytes();
    let measured = (count - warm_up).max(1);
    eprintln!(
        "{what}: {count} chunks in {:.1?}; resident {} KB -> {} KB: {:.0} bytes per chunk",
        started.elapsed(),
        before / 1024,
        after / 1024,
        (after as f64 - before as f64) / measured as f64
    );
}

#[test]
#[ignore]
fn memory_per_chunk_of_an_expression() {
    let mut engine = Engine::new();
    measure(
        "6 * 7",
        &mut engine,
        |_| "6 * 7".to_string(),
        |_| Value::Int(42),
    );
}

#[test]
#[ignore]
fn memory_per_chunk_redeclaring_a_function() {
    let mut engine = Engine::new();
    measure(
        "fn f(): int { return N; }",
        &mut engine,
        |n| format!("fn f(): int {{ return {n}; }}\nf()"),
        |n| Value::Int(n as i64),
    );
}

#[test]
#[ignore]
fn memory_per_chunk_keeping_closures() {
    let mut engine = Engine::new();
    engine.run_str("var kept: [fn(int): int] = []").unwrap();
    // Every 100th chunk keeps its closure; the others' are garbage.
    measure(
        "closures (1 in 100 kept)",
        &mut engine,
        |n| {
            // (A chunk naming a top-level variable stays in the history
            // later chunks are checked against: the others name none.)
            if n % 100 == 0 {
                format!("kept.push(fn(x: int): int {{ return x + {n}; }})\nkept.len()")
            } else {
                format!("[1].map(fn(x: int): int {{ return x + {n}; }})[0]")
            }
        },
        |n| {
            if n % 100 == 0 {
                Value::Int((n / 100 + 1) as i64)
            } else {
                Value::Int(n as i64 + 1)
            }
        },
    );
    // Every kept closure still computes what it computed when made.
    let count = chunks();
    let total: i64 = (0..count).step_by(100).map(|n| n as i64 + 1).sum();
    let value = engine
        .run_str("var total = 0\niter (c in kept) { total += c(1) }\ntotal")
        .unwrap();
    assert_eq!(value, Value::Int(total));
}

#[test]
#[ignore]
fn a_parallel_block_after_thousands_of_functions() {
    let mut engine = Engine::new();
    engine.capture_output(true);
    let block = "var t = 0\nparallel (cores=2) { task (i in 1..=4) { t += i; } }\nt";
    let time_block = |engine: &mut Engine| {
        let runs = 20;
        let started = std::time::Instant::now();
        for _ in 0..runs {
            assert_eq!(engine.run_str(block).unwrap(), Value::Int(10));
        }
        started.elapsed() / runs
    };
    let early = time_block(&mut engine);
    for n in 0..5_000 {
        engine
            .run_str(&format!(
                "fn f{n}(x: int): int {{ return x * {n} + {}; }}",
                n % 7
            ))
            .unwrap();
    }
    let late = time_block(&mut engine);
    eprintln!("parallel block: {early:.2?} in a new session, {late:.2?} after 5 000 functions");
    assert_eq!(engine.run_str("f4999(1)").unwrap(), Value::Int(4999 + 1));
}
