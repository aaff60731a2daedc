//! How long after an interrupt request a running script stops (issue 25:
//! within 10 ms), for a busy loop, a long sleep and a `parallel` block:
//! the median and the worst of 21 requests each, in a release build.
//! `cargo run --release --example interrupt_latency`.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use limit::{Capabilities, Engine};

const RUNS: usize = 21;

/// Runs `source`, interrupts it after `after`, and returns how long after
/// the request the run ended.
fn latency(engine: &mut Engine, source: &str, after: Duration) -> Duration {
    let handle = engine.interrupt_handle();
    let (tx, rx) = mpsc::channel();
    let interrupter = thread::spawn(move || {
        thread::sleep(after);
        tx.send(Instant::now()).expect("the run waits");
        handle.interrupt();
    });
    let error = engine.run_str(source).expect_err("interrupted");
    let ended = Instant::now();
    interrupter.join().expect("the interrupter ends");
    assert!(error.is_interrupted(), "{source}: {error}");
    ended.saturating_duration_since(rx.recv().expect("a request was made"))
}

fn main() {
    let mut engine = Engine::with_capabilities(Capabilities {
        sleep: true,
        ..Capabilities::none()
    });
    println!("{:<60} {:>10} {:>10}", "script", "median", "worst");
    for source in [
        "while (true) {}",
        "sleep(100);",
        "parallel (cores=2) { task (i in 1..=2) { while (true) {} } }",
    ] {
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|i| latency(&mut engine, source, Duration::from_millis(20 + i as u64)))
            .collect();
        times.sort();
        println!(
            "{:<60} {:>10.3?} {:>10.3?}",
            source,
            times[RUNS / 2],
            times[RUNS - 1]
        );
    }
}
