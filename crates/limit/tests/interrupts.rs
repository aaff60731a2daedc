//! Interrupts and per-engine meters (issue 25): another thread stops a
//! running script through `Engine::interrupt_handle`, with an
//! `Interrupted` error no script can catch, promptly whatever the script
//! is doing; two engines on one thread keep separate heap meters.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use limit::{Capabilities, Engine, Limits, Value};

/// Runs `source`, interrupts it from another thread after 100 ms, and
/// returns how long after the request the run ended.
fn stop_latency(engine: &mut Engine, source: &str) -> Duration {
    let handle = engine.interrupt_handle();
    let (requested_tx, requested_rx) = mpsc::channel();
    let interrupter = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        requested_tx.send(Instant::now()).expect("the test waits");
        handle.interrupt();
    });
    let error = engine.run_str(source).unwrap_err();
    let ended = Instant::now();
    interrupter.join().expect("the interrupter ends");
    let requested = requested_rx.recv().expect("a request was made");
    assert_eq!(error.kind(), Some("Interrupted"), "{source}: {error}");
    assert!(error.is_interrupted());
    let latency = ended.saturating_duration_since(requested);
    eprintln!("{source:?} stopped {latency:?} after the request");
    // The issue asks for 10 ms; the bound is loose for a loaded machine
    // running a debug build (the release latency is in the commit).
    assert!(
        latency < Duration::from_millis(500),
        "{source}: {latency:?}"
    );
    // The engine goes on, and a new run is not interrupted again.
    assert_eq!(engine.run_str("40 + 2").unwrap(), Value::Int(42));
    latency
}

#[test]
fn a_busy_loop_is_interrupted_from_another_thread() {
    let mut engine = Engine::new();
    stop_latency(&mut engine, "while (true) {}");
}

#[test]
fn a_long_sleep_is_interrupted_from_another_thread() {
    let mut engine = Engine::with_capabilities(Capabilities {
        sleep: true,
        ..Capabilities::none()
    });
    stop_latency(&mut engine, "sleep(100);");
}

#[test]
fn a_parallel_block_is_interrupted_from_another_thread() {
    let mut engine = Engine::new();
    stop_latency(
        &mut engine,
        "parallel (cores=2) { task (i in 0..1) { while (true) {} } }",
    );
}

#[test]
fn no_script_can_catch_an_interrupt() {
    let mut engine = Engine::new();
    engine.capture_output(true);
    stop_latency(
        &mut engine,
        "attempt { while (true) {} } handle Interrupted(e) { print(\"caught\"); }\n\
         while (true) {}",
    );
    assert_eq!(engine.take_output(), "");
}

#[test]
fn an_interrupt_stops_a_call_from_rust_too() {
    let mut engine = Engine::new();
    engine
        .run_str("fn spin(): int { while (true) {} return 0; }")
        .unwrap();
    let handle = engine.interrupt_handle();
    let interrupter = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        handle.interrupt();
    });
    let error = engine.call("spin", &[]).unwrap_err();
    interrupter.join().unwrap();
    assert_eq!(error.kind(), Some("Interrupted"));
}

#[test]
fn two_engines_on_one_thread_have_their_own_heap_meters() {
    // Engine A holds about 2 MB.
    let mut a = Engine::new();
    a.run_str("var big = \"x\".repeat(2000000);").unwrap();
    // Engine B, limited to 512 KiB, is not charged for A's heap.
    let mut b = Engine::new();
    b.set_limits(Limits {
        max_heap_bytes: Some(512 << 10),
        ..Limits::default()
    });
    assert_eq!(
        b.run_str("[1, 2, 3]").unwrap(),
        Value::from(vec![1i64, 2, 3])
    );
    // B's own limit still holds,
    let error = b.run_str("var s = \"y\".repeat(1000000);").unwrap_err();
    assert_eq!(error.kind(), Some("ResourceLimit"), "{error}");
    // and A still counts its own heap.
    a.set_limits(Limits {
        max_heap_bytes: Some(1 << 20),
        ..Limits::default()
    });
    let error = a.run_str("var more = [1];").unwrap_err();
    assert_eq!(error.kind(), Some("ResourceLimit"), "{error}");
}
