//! What a long session costs (issue 18).
//!
//! The heap bytes each kind of chunk leaves behind, counted exactly by a
//! counting allocator, are checked on every test run: a chunk costs what
//! stays reachable (a declaration, a kept closure), not a copy of its
//! file, name or line table per chunk run.
//!
//! The resident memory per chunk of an engine running chunk after chunk,
//! and the time a `parallel` block takes to start in a session that
//! declared thousands of functions, are measurements run by hand in a
//! release build:
//!
//! `cargo test --release -p limit --test session_memory -- --ignored --nocapture --test-threads 1`
//!
//! (`LIMIT_CHUNKS` sets the number of chunks, 100 000 by default.) Each
//! also checks the results, so they double as long correctness runs.

// An integration test is a crate of its own: the library's lint does not
// reach it.
#![deny(clippy::undocumented_unsafe_blocks)]

use limit::{Engine, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Mutex;

/// The system allocator, counting the bytes allocated and not freed.
struct Counting;

static HEAP: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call goes to the system allocator with the caller's
// arguments unchanged; the counter only observes sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HEAP.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's layout, as `GlobalAlloc::alloc` requires.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HEAP.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        HEAP.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// One measurement at a time: the counter is the whole process's.
static MEASURING: Mutex<()> = Mutex::new(());

/// Chunks run before counting: the session's tables reach the size at
/// which released slots and files are given again.
const WARM_UP: usize = 600;
/// Chunks counted.
const COUNTED: usize = 1_000;

/// The heap bytes per chunk that `chunk` leaves behind in an engine after
/// `setup`, over [`COUNTED`] chunks after [`WARM_UP`] (cyclic garbage
/// collected at both ends). Each chunk must end as `ends` says.
fn heap_per_chunk(
    setup: &str,
    chunk: impl Fn(usize) -> String,
    ends: impl Fn(usize, Result<Value, limit::Error>),
) -> f64 {
    let _one = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let mut engine = Engine::new();
    engine.capture_output(true);
    engine.run_str(setup).expect("setup runs");
    let mut before = 0;
    for n in 0..WARM_UP + COUNTED {
        if n == WARM_UP {
            engine.collect_garbage();
            before = HEAP.load(Ordering::Relaxed);
        }
        let result = engine.run_str(&chunk(n));
        engine.take_output();
        ends(n, result);
    }
    engine.collect_garbage();
    let after = HEAP.load(Ordering::Relaxed);
    let bytes = (after - before) as f64 / COUNTED as f64;
    eprintln!("{bytes:.1} heap bytes per chunk");
    bytes
}

/// A chunk's value must be `value(n)`.
fn is(value: impl Fn(usize) -> i64) -> impl Fn(usize, Result<Value, limit::Error>) {
    move |n, result| assert_eq!(result.unwrap(), Value::Int(value(n)), "chunk {n}")
}

// Before file slots were given again (session 20) each of these chunks
// kept 170 to 1 050 bytes: its source file (name, text, line tables) in
// the session and its file name in three programs. Now a few bytes (the
// counted chunks may end between two releases).

#[test]
fn an_expression_chunk_leaves_nothing() {
    let bytes = heap_per_chunk("1", |_| "6 * 7".into(), is(|_| 42));
    assert!(bytes < 32.0, "{bytes:.0} bytes per chunk");
}

#[test]
fn a_chunk_calling_a_function_leaves_nothing() {
    let bytes = heap_per_chunk(
        "fn f(x: int): int { return x + 1; }",
        |n| format!("f({n})"),
        is(|n| n as i64 + 1),
    );
    assert!(bytes < 32.0, "{bytes:.0} bytes per chunk");
}

#[test]
fn a_redeclared_function_leaves_nothing() {
    let bytes = heap_per_chunk(
        "1",
        |n| format!("fn f(): int {{ return {}; }}\nf()", n % 50),
        is(|n| (n % 50) as i64),
    );
    assert!(bytes < 32.0, "{bytes:.0} bytes per chunk");
}

#[test]
fn a_function_literal_nothing_keeps_leaves_nothing() {
    let bytes = heap_per_chunk(
        "1",
        |n| format!("[1].map(fn(x: int): int {{ return x + {}; }})[0]", n % 50),
        is(|n| (n % 50) as i64 + 1),
    );
    assert!(bytes < 32.0, "{bytes:.0} bytes per chunk");
}

#[test]
fn constants_of_a_chunk_of_its_own_leave_nothing() {
    // A string and an int no other chunk has: before constant slots were
    // given again (session 20), 219 bytes per chunk stayed in the pools
    // of the session's program and of the VM.
    let bytes = heap_per_chunk(
        "1",
        |n| format!("\"id-{n}\".len() + {}", 1_000_000 + n),
        is(|n| format!("id-{n}").len() as i64 + 1_000_000 + n as i64),
    );
    assert!(bytes < 32.0, "{bytes:.0} bytes per chunk");
}

// Before the checker's history left out statements that only read
// top-level variables and repeats of kept ones (session 20), each of these
// chunks stayed in it: 534 bytes per `total += n`, 829 per `var v = n`.

#[test]
fn a_chunk_reading_or_adding_to_a_variable_leaves_nothing() {
    let bytes = heap_per_chunk(
        "var total = 0\nvar xs = [1, 2]",
        |n| {
            if n % 2 == 0 {
                format!("total += {n}\ntotal")
            } else {
                format!("xs.len() + xs[0] + {n}")
            }
        },
        is(|n| {
            if n % 2 == 0 {
                (0..=n as i64).step_by(2).sum()
            } else {
                3 + n as i64
            }
        }),
    );
    assert!(bytes < 32.0, "{bytes:.0} bytes per chunk");
}

#[test]
fn a_variable_declared_again_leaves_nothing() {
    let bytes = heap_per_chunk("1", |n| format!("var v = {n}\nv + 1"), is(|n| n as i64 + 1));
    assert!(bytes < 32.0, "{bytes:.0} bytes per chunk");
}

#[test]
fn a_rejected_chunk_leaves_nothing() {
    let bytes = heap_per_chunk(
        "1",
        |n| {
            if n % 2 == 0 {
                "print(1 +".into()
            } else {
                "var s: str = 1".into()
            }
        },
        |n, result| assert!(result.is_err(), "chunk {n}"),
    );
    assert!(bytes < 16.0, "{bytes:.0} bytes per chunk");
}

#[test]
fn a_failing_chunk_leaves_nothing() {
    let bytes = heap_per_chunk(
        "fn boom(i: int): int { return [1][i]; }",
        |n| format!("boom({})", n % 50 + 1),
        |n, result| assert!(result.is_err(), "chunk {n}"),
    );
    assert!(bytes < 32.0, "{bytes:.0} bytes per chunk");
}

#[test]
fn a_parallel_block_leaves_nothing() {
    // Its threads are joined before the block ends: until they were, they
    // held every function, so a release kept them all (session 20).
    let bytes = heap_per_chunk(
        "1",
        |n| {
            format!(
                "fn par(): int {{ var t = 0\nparallel (cores=2) {{ task (i in 1..=2) {{ t += i * {}; }} }}\nreturn t }}\npar()",
                n % 50
            )
        },
        is(|n| 3 * (n % 50) as i64),
    );
    assert!(bytes < 32.0, "{bytes:.0} bytes per chunk");
}

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
