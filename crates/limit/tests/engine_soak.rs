//! A soak test of the embedding API (issue 18): many scripts in one
//! engine, hostile ones among them (step, heap and call-depth limits hit,
//! in the main program and in `parallel` tasks; cyclic garbage; runtime and
//! compile errors). Every script after a failure runs correctly, and the
//! heap the engine's values take stays flat.
//!
//! CI runs 110 scripts with small limits (a few seconds in a debug build);
//! `cargo test --release -p limit --test engine_soak -- --ignored` runs
//! 100 000 with the limits a host would set, and also checks the process's
//! resident memory (session 20: about 4 minutes; the resident size grows
//! by 19 MB over the first 10 000 scripts, cyclic garbage and the
//! allocator's pools, then stays within 0.3 MB).

use limit::{Engine, Limits, Value};

/// How one kind of script must end.
enum Ending {
    /// Prints exactly this.
    Prints(String),
    /// Fails with this error kind (`None`: a compile error).
    Fails(Option<&'static str>),
}

/// Kinds of script in the mix; the `n`th script is of kind `n % KINDS`.
const KINDS: usize = 11;

/// The `n`th script of the soak: a mix of ordinary and hostile ones. Each
/// declares its functions under names of its own kind, so a later script
/// of the same kind redeclares them (the session's replacement rule).
fn script(n: usize) -> (String, Ending) {
    let v = n % 97;
    match n % KINDS {
        0 => (
            format!("fn square_plus(x: int): int {{ return x * x + {v}; }}\nprint(square_plus(12))"),
            Ending::Prints(format!("{}\n", 144 + v)),
        ),
        1 => (
            "fn spin() { var i = 0; while (true) { i += 1; } }\nspin()".to_string(),
            Ending::Fails(Some("ResourceLimit")),
        ),
        2 => (
            "fn grow() { var s = \"ab\"; while (true) { s = s + s; } }\ngrow()".to_string(),
            Ending::Fails(Some("ResourceLimit")),
        ),
        3 => (
            format!(
                "fn par(): int {{ var t = 0\nparallel (cores=2) {{ task (i in 1..=4) {{ t += i * {v}; }} }}\nreturn t }}\nprint(par())"
            ),
            // 1 + 2 + 3 + 4 = 10 times v.
            Ending::Prints(format!("{}\n", 10 * v)),
        ),
        4 => (
            // Cyclic garbage holding strings: 30 self-containing lists of
            // 1 000 characters each, unreachable once made.
            "fn cycles(): int { var i = 0\nwhile (i < 30) { var l: [any] = [\"x\".repeat(1000)]; l.push(l); i += 1 }\nreturn i }\nprint(cycles())"
                .to_string(),
            Ending::Prints("30\n".to_string()),
        ),
        5 => (
            format!("fn boom(): int {{ var xs = [1, 2]; return xs[{}]; }}\nprint(boom())", v + 5),
            Ending::Fails(Some("IndexOutOfBounds")),
        ),
        6 => ("print(1 +".to_string(), Ending::Fails(None)),
        7 => (
            "fn deep(n: int): int { return deep(n + 1) + 1; }\nprint(deep(0))".to_string(),
            Ending::Fails(Some("StackOverflow")),
        ),
        8 => (
            "fn par_spin() { parallel (cores=2) { task { while (true) {} } } }\npar_spin()"
                .to_string(),
            Ending::Fails(Some("ResourceLimit")),
        ),
        9 => (
            // A printed cycle shows `[...]` where it closes (§11 printing).
            format!("fn cyc(): str {{ var l: [any] = [{v}]; l.push(l); return str(l); }}\nprint(cyc())"),
            Ending::Prints(format!("[{v}, [...]]\n")),
        ),
        _ => (
            // Fibers run in start order; each sends i + v.
            format!(
                "fn chan(): int {{ var ch = channel()\nconcurrent {{ task (i in 1..=3) {{ ch.send(i + {v}); }} }}\nvar s = 0\niter (x in ch) {{ s += x }}\nreturn s }}\nprint(chan())"
            ),
            Ending::Prints(format!("{}\n", 6 + 3 * v)),
        ),
    }
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

/// Runs `count` scripts in one engine under `limits`; checks each ending
/// and a correct run after every script, and that the heap meter (and,
/// when `rss_growth` is given, the resident size) grows by at most that
/// much between the end of the first round of warm-up and the end.
fn soak(count: usize, limits: Limits, rss_growth: Option<usize>) {
    let mut e = Engine::new();
    e.capture_output(true);
    e.set_limits(limits);
    let warm_up = 2 * KINDS;
    let mut after_warm_up = (0, 0);
    let started = std::time::Instant::now();
    for n in 0..count {
        // The long run says how far it got (it takes many minutes).
        if rss_growth.is_some() && n > 0 && n % 10_000 == 0 {
            eprintln!(
                "{n} scripts in {:.0?}: heap {} bytes, resident {} bytes",
                started.elapsed(),
                e.heap_bytes(),
                resident_bytes()
            );
        }
        let (source, ending) = script(n);
        let result = e.run_str(&source);
        let output = e.take_output();
        match ending {
            Ending::Prints(expected) => {
                assert!(result.is_ok(), "script {n}: {source}\n{:?}", result.err());
                assert_eq!(output, expected, "script {n}: {source}");
            }
            Ending::Fails(kind) => {
                let error = result.expect_err(&source);
                assert_eq!(error.kind(), kind, "script {n}: {source}\n{error}");
            }
        }
        // The engine still computes, and sees earlier scripts' functions.
        assert_eq!(e.run_str("6 * 7").unwrap(), Value::Int(42), "after {n}");
        if n >= KINDS {
            assert_eq!(
                e.run_str("square_plus(2)").unwrap(),
                Value::Int(4 + ((n / KINDS) * KINDS % 97) as i64),
                "after {n}"
            );
        }
        if n + 1 == warm_up {
            e.collect_garbage();
            after_warm_up = (e.heap_bytes(), resident_bytes());
        }
    }
    e.collect_garbage();
    let heap = e.heap_bytes();
    assert!(
        heap <= after_warm_up.0 + (1 << 20),
        "the heap grew from {} to {heap} bytes",
        after_warm_up.0
    );
    if let Some(growth) = rss_growth {
        let rss = resident_bytes();
        eprintln!(
            "{count} scripts: heap {} -> {heap} bytes, resident {} -> {rss} bytes",
            after_warm_up.0, after_warm_up.1
        );
        assert!(
            rss <= after_warm_up.1 + growth,
            "resident memory grew from {} to {rss} bytes",
            after_warm_up.1
        );
    }
}

#[test]
fn scripts_in_one_engine_hit_every_limit_and_the_next_runs() {
    soak(
        10 * KINDS,
        Limits {
            max_steps: Some(20_000),
            max_heap_bytes: Some(1 << 20),
            max_call_depth: 100,
            ..Limits::default()
        },
        None,
    );
}

#[test]
#[ignore]
fn a_hundred_thousand_scripts_in_one_engine() {
    soak(
        100_000,
        Limits {
            max_steps: Some(200_000),
            max_heap_bytes: Some(16 << 20),
            max_call_depth: 500,
            ..Limits::default()
        },
        Some(64 << 20),
    );
}
