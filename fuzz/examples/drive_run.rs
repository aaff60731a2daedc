//! Drive the `run` target without libFuzzer: feed it programs generated
//! from pseudo-random bytes, as many as asked, and count what happens.
//! For a machine without cargo-fuzz (or to count executions exactly):
//!
//! ```sh
//! cd fuzz
//! cargo build --release --example drive_run
//! nice -n 10 target/release/examples/drive_run --seed 1 --runs 1000000 --out findings
//! ```
//!
//! Each execution runs `pipeline::run_differential` (optimised, `-O0` and
//! optimised with `--jit=always`, which must agree) on the program made
//! of one input.
//! A panic saves the input under `--out` (`crash-SEED-N`, the bytes, and
//! `crash-SEED-N.lm`, the program) and the run goes on; an execution
//! that takes longer than `--timeout` seconds saves the input as
//! `hang-SEED-N` and ends the process (status 3); so does resident memory
//! past `--max-rss` megabytes (`memory-SEED-N`, status 4). Every
//! `--report` executions (and at the end) a line gives the count so far,
//! findings, how many programs compiled and in how many of those the JIT
//! compiled at least one entry point (and how many in all), the rate and
//! the process's peak resident memory.

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use limit_fuzz::{generator, inputs, pipeline};

struct Options {
    seed: u64,
    /// The first execution's number (to replay one: `--start N --runs 1`).
    start: u64,
    runs: u64,
    out: PathBuf,
    timeout: u64,
    max_rss_mb: u64,
    report: u64,
}

fn options() -> Options {
    let mut o = Options {
        seed: 1,
        start: 0,
        runs: 1000,
        out: PathBuf::from("findings"),
        timeout: 10,
        max_rss_mb: 1024,
        report: 10_000,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < args.len() {
        let value = &args[i + 1];
        let number = || {
            value
                .replace('_', "")
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("{}: not a number: {value}", args[i]))
        };
        match args[i].as_str() {
            "--seed" => o.seed = number(),
            "--start" => o.start = number(),
            "--runs" => o.runs = number(),
            "--out" => o.out = PathBuf::from(value),
            "--timeout" => o.timeout = number(),
            "--max-rss" => o.max_rss_mb = number(),
            "--report" => o.report = number().max(1),
            other => panic!("unknown option {other}"),
        }
        i += 2;
    }
    o
}

/// The process's resident memory now and at its peak, in kilobytes.
fn rss_kb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn save(out: &Path, name: &str, data: &[u8]) {
    let _ = std::fs::create_dir_all(out);
    let _ = std::fs::write(out.join(name), data);
    let program = generator::generate(data);
    let _ = std::fs::write(out.join(format!("{name}.lm")), format!("{program:?}"));
}

fn main() {
    let o = options();
    // The execution under way (`u64::MAX`: none) and when it started, for
    // the watchdog.
    let current = Arc::new(AtomicU64::new(u64::MAX));
    let started = Arc::new(Mutex::new(Instant::now()));
    {
        let (current, started) = (current.clone(), started.clone());
        let (out, seed, timeout, max_rss) = (o.out.clone(), o.seed, o.timeout, o.max_rss_mb);
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(250));
            let n = current.load(Ordering::Acquire);
            if n == u64::MAX {
                continue;
            }
            let elapsed = started.lock().map(|s| s.elapsed()).unwrap_or_default();
            let (rss, _) = rss_kb();
            if elapsed > Duration::from_secs(timeout) {
                save(&out, &format!("hang-{seed}-{n}"), &inputs::input(seed, n));
                eprintln!("HANG: execution {n} of seed {seed} ran {elapsed:?}");
                std::process::exit(3);
            }
            if rss / 1024 > max_rss {
                save(&out, &format!("memory-{seed}-{n}"), &inputs::input(seed, n));
                eprintln!(
                    "MEMORY: execution {n} of seed {seed}: {} MB resident",
                    rss / 1024
                );
                std::process::exit(4);
            }
        });
    }
    // Panics are counted and saved, not printed in full each time.
    panic::set_hook(Box::new(|info| {
        eprintln!("panic: {info}");
    }));
    let begin = Instant::now();
    // Programs that compiled; of those, the ones the JIT compiled some
    // entry point of; entry points compiled in all.
    let (mut crashes, mut compiled, mut jitted, mut entries) = (0u64, 0u64, 0u64, 0u64);
    for n in o.start..o.start.saturating_add(o.runs) {
        let data = inputs::input(o.seed, n);
        let program = generator::generate(&data);
        if let Ok(mut s) = started.lock() {
            *s = Instant::now();
        }
        current.store(n, Ordering::Release);
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            pipeline::run_differential(&program.source)
        }));
        current.store(u64::MAX, Ordering::Release);
        match result {
            Err(_) => {
                crashes += 1;
                save(&o.out, &format!("crash-{}-{n}", o.seed), &data);
                eprintln!("CRASH: execution {n} of seed {}", o.seed);
            }
            Ok(Some(jit)) => {
                compiled += 1;
                jitted += u64::from(jit.jit_compiled > 0);
                entries += jit.jit_compiled;
            }
            Ok(None) => {}
        }
        let done = n + 1 - o.start;
        if done.is_multiple_of(o.report) || done == o.runs {
            let (rss, peak) = rss_kb();
            let secs = begin.elapsed().as_secs_f64();
            println!(
                "seed {} executions {} crashes {crashes} compiled {compiled} \
                 jit-compiled {jitted} ({:.1}%, {entries} entry points) {:.0}/s rss {} MB peak {} MB",
                o.seed,
                done,
                100.0 * jitted as f64 / compiled.max(1) as f64,
                done as f64 / secs,
                rss / 1024,
                peak / 1024
            );
        }
    }
}
