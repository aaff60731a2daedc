//! `Limits::max_threads` (issue 25): a cap on the threads one `parallel`
//! block starts. The threads are counted from outside, by name, while the
//! block's tasks spin; an interrupt then ends the block. (One test counts
//! threads, so no other test of this file starts any.)

use std::thread;
use std::time::{Duration, Instant};

use limit::{Engine, Limits, Value};

/// Eight tasks asking for eight threads, each spinning until interrupted.
const SPINNING_BLOCK: &str = "parallel (cores=8) { task (i in 1..=8) { while (true) {} } }";

/// How many threads of this process a `parallel` block started.
#[cfg(target_os = "linux")]
fn parallel_threads() -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end() == "limit-parallel")
        .count()
}

/// Runs the spinning block on `engine`, counts its threads once they are
/// all up (the most seen within a second), then interrupts it.
#[cfg(target_os = "linux")]
fn threads_started(engine: &mut Engine) -> usize {
    // The threads of an earlier block may still be winding down after its
    // interrupt: wait until they are gone, or they would be counted too.
    let quiet = Instant::now();
    while parallel_threads() > 0 && quiet.elapsed() < Duration::from_secs(10) {
        thread::sleep(Duration::from_millis(5));
    }
    let handle = engine.interrupt_handle();
    let counter = thread::spawn(move || {
        let mut most = 0;
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(1) {
            most = most.max(parallel_threads());
            thread::sleep(Duration::from_millis(10));
        }
        handle.interrupt();
        most
    });
    let error = engine.run_str(SPINNING_BLOCK).unwrap_err();
    assert!(error.is_interrupted(), "{error}");
    counter.join().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn a_parallel_block_starts_at_most_max_threads_threads() {
    let mut engine = Engine::new();
    assert_eq!(threads_started(&mut engine), 8, "uncapped: cores=8");
    engine.set_limits(Limits {
        max_threads: Some(2),
        ..Limits::default()
    });
    assert_eq!(threads_started(&mut engine), 2, "capped at 2");
    // The capped block still runs every task, two at a time.
    let total = engine
        .run_str("var t = 0; parallel (cores=8) { task (k in 1..=8) { t += k; } } t")
        .unwrap();
    assert_eq!(total, Value::Int(36));
}

#[test]
fn a_thread_cap_of_zero_refuses_parallel_blocks() {
    let mut engine = Engine::new();
    engine.set_limits(Limits {
        max_threads: Some(0),
        ..Limits::default()
    });
    let error = engine
        .run_str("attempt { parallel { task { print(1); } } } handle ResourceLimit(e) { print(\"caught\"); }")
        .unwrap_err();
    assert!(error.is_resource_limit(), "{error}");
    assert!(error.to_string().contains("thread limit of 0"), "{error}");
    // A concurrent block runs on the engine's own thread: still allowed.
    engine.capture_output(true);
    engine
        .run_str("concurrent { task (i in 1..=2) { print(i); } }")
        .unwrap();
    assert_eq!(engine.take_output(), "1\n2\n");
}
