//! Resource limits and the embedding API: every limit stops a hostile
//! program with a clean error, the host survives and the same engine runs
//! the next script; the `limit run` flags map to the same limits.

use std::process::Command;

use limit::{Engine, Limits, Value};

fn engine(limits: Limits) -> Engine {
    let mut engine = Engine::new();
    engine.capture_output(true);
    engine.set_limits(limits);
    engine
}

/// Runs `hostile`, expects error `kind`, then checks the engine still works.
fn stopped(engine: &mut Engine, hostile: &str, kind: &str) -> String {
    let error = engine.run_str(hostile).unwrap_err();
    assert_eq!(error.kind(), Some(kind), "{error}");
    assert!(error.is_resource_limit());
    assert_eq!(engine.run_str("40 + 2").unwrap(), Value::Int(42));
    error.to_string()
}

#[test]
fn an_infinite_loop_runs_out_of_steps() {
    let mut e = engine(Limits {
        max_steps: Some(10_000),
        ..Limits::default()
    });
    let message = stopped(
        &mut e,
        "var i = 0; while (true) { i = i + 1; }",
        "ResourceLimit",
    );
    assert!(message.contains("step limit of 10000"), "{message}");
    // The budget counts loop iterations: the loop stopped near the limit.
    let Value::Int(i) = e.run_str("i").unwrap() else {
        panic!()
    };
    assert!((9_000..=10_000).contains(&i), "{i}");
    // Each run gets a fresh budget.
    e.run_str("var j = 0; while (j < 5000) { j = j + 1; }")
        .unwrap();
}

#[test]
fn runaway_recursion_hits_the_call_depth() {
    let mut e = engine(Limits {
        max_call_depth: 200,
        ..Limits::default()
    });
    let message = stopped(
        &mut e,
        "fn f(n: int): int { return f(n + 1) + 1; }\nf(0)",
        "StackOverflow",
    );
    assert!(message.contains("200 frames"), "{message}");
}

#[test]
fn string_doubling_hits_the_string_length_and_the_heap() {
    let doubling = r#"var s = "ab"; while (true) { s = s + s; }"#;
    let mut e = engine(Limits {
        max_string_len: Some(1 << 20),
        ..Limits::default()
    });
    let message = stopped(&mut e, doubling, "ResourceLimit");
    assert!(message.contains("string length limit"), "{message}");
    let Value::Int(n) = e.run_str("s.len()").unwrap() else {
        panic!()
    };
    assert!(n <= 1 << 20);

    let mut e = engine(Limits {
        max_heap_bytes: Some(8 << 20),
        ..Limits::default()
    });
    let message = stopped(&mut e, doubling, "ResourceLimit");
    assert!(message.contains("memory limit"), "{message}");
    let interpolated = r#"var t = "xy"; while (true) { t = "{t}{t}"; }"#;
    stopped(&mut e, interpolated, "ResourceLimit");
}

#[test]
fn endless_list_growth_hits_the_collection_length_and_the_heap() {
    let growth = "var xs = []; while (true) { xs.push(1); }";
    let mut e = engine(Limits {
        max_collection_len: Some(100_000),
        ..Limits::default()
    });
    let message = stopped(&mut e, growth, "ResourceLimit");
    assert!(
        message.contains("collection length limit of 100000"),
        "{message}"
    );
    assert_eq!(e.run_str("xs.len()").unwrap(), Value::Int(100_000));

    let mut e = engine(Limits {
        max_heap_bytes: Some(16 << 20),
        ..Limits::default()
    });
    let message = stopped(&mut e, growth, "ResourceLimit");
    assert!(message.contains("memory limit"), "{message}");
    let dict_growth = "var d = {}; var k = 0; while (true) { d[k] = k; k = k + 1; }";
    stopped(&mut e, dict_growth, "ResourceLimit");
    let objects =
        "frame P { pub var next: P?; }\nvar head: P? = nil; while (true) { head = P(head); }";
    stopped(&mut e, objects, "ResourceLimit");
}

#[test]
fn a_script_cannot_catch_a_resource_limit() {
    let mut e = engine(Limits {
        max_steps: Some(1000),
        ..Limits::default()
    });
    let hostile = "attempt { while (true) {} } handle ResourceLimit(e) { print(\"caught\"); }";
    stopped(&mut e, hostile, "ResourceLimit");
    assert_eq!(e.take_output(), "");
}

#[test]
fn the_engine_keeps_state_calls_functions_and_registers_host_functions() {
    let mut e = engine(Limits::default());
    e.register_fn("sum", |args: &[Value]| {
        let xs: Vec<i64> = args[0].clone().try_into()?;
        Ok(Value::Int(xs.iter().sum()))
    });
    e.run_str("fn twice(x: int): int { return 2 * x; }\nvar base = 10;")
        .unwrap();
    assert_eq!(
        e.run_str("sum([base, twice(3), 1])").unwrap(),
        Value::Int(17)
    );
    assert_eq!(e.call("twice", &[21.into()]).unwrap(), Value::Int(42));
    assert!(e.run_str("var broken = 1 / 0;").is_err());
    assert_eq!(e.run_str("base").unwrap(), Value::Int(10));
    let err = e
        .run_str("attempt { sum(5); } handle TypeError(x) { print(\"bad sum\"); }")
        .map(|_| e.take_output());
    assert_eq!(err.unwrap(), "bad sum\n");
}

#[test]
fn gc_frees_cycles_made_by_the_engine() {
    let mut e = engine(Limits::default());
    e.run_str("frame N { pub var other: N?; deinit() { gone = gone + 1; } }\nvar gone = 0;")
        .unwrap();
    e.run_str("{ var a = N(nil); var b = N(a); a.other = b; }")
        .unwrap();
    assert_eq!(e.run_str("gone").unwrap(), Value::Int(0));
    assert_eq!(e.run_str("gc()").unwrap(), Value::Int(2));
    assert_eq!(e.run_str("gone").unwrap(), Value::Int(2));
}

fn limit_command(args: &[&str], source: &str) -> std::process::Output {
    let dir = std::env::temp_dir().join(format!("limit_limits_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("p{}.lm", source.len()));
    std::fs::write(&file, source).unwrap();
    Command::new(env!("CARGO_BIN_EXE_limit"))
        .arg("run")
        .args(args)
        .arg(&file)
        .output()
        .unwrap()
}

#[test]
fn cli_max_steps_stops_an_infinite_loop() {
    let out = limit_command(
        &["--max-steps", "5000"],
        "print(\"start\");\nwhile (true) {}\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "start\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error[ResourceLimit]: step limit of 5000 steps exceeded"),
        "{stderr}"
    );
}

#[test]
fn cli_max_memory_stops_endless_growth() {
    let out = limit_command(
        &["--max-memory", "4M"],
        "var xs = [];\nwhile (true) { xs.push(\"item\"); }\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error[ResourceLimit]: memory limit of 4194304 bytes exceeded"),
        "{stderr}"
    );
    let out = limit_command(&["--max-memory", "lots"], "print(1);\n");
    assert_eq!(out.status.code(), Some(64)); // a usage error
}

/// Peak resident memory of a child process, polled from /proc (Linux).
fn peak_rss_kb(mut child: std::process::Child) -> (Option<u64>, std::process::ExitStatus) {
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = None;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = Some(kb);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (peak, status);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// The acceptance program of the cycle collector: a million pairs of
/// instances referring to each other, in flat memory (README.md, Memory).
/// Slow in a debug build: `cargo test --release -p limit --test limits -- --ignored`.
#[test]
#[ignore]
fn a_million_cyclic_pairs_run_in_flat_memory() {
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/lang/memory/cycle_pairs.lm"
    ))
    .unwrap()
    .replace("while (i < 150000)", "while (i < 1000000)")
    .replace("expect: 300000", "expect: 2000000");
    let dir = std::env::temp_dir().join(format!("limit_pairs_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pairs.lm");
    std::fs::write(&file, source).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_limit"))
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (peak, status) = peak_rss_kb(child);
    assert!(status.success());
    if let Some(kb) = peak {
        assert!(kb < 150 * 1024, "peak RSS {kb} kB");
    }
}

/// Runs `source` under `limits` and checks that it stops with a
/// `ResourceLimit` error mentioning `what`, within ten seconds.
fn assert_stops_promptly(limits: &[&str], source: &str, what: &str) {
    let started = std::time::Instant::now();
    let out = limit_command(limits, source);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("error[ResourceLimit]: {what}")),
        "{stderr}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn collections_count_against_the_step_limit() {
    // Each gc() examines every live container: without charging that work
    // to the step budget, a gc() loop ran far past the limit (fuzzing).
    assert_stops_promptly(
        &["--max-steps", "20000"],
        "var keep = []\nvar i = 0\nwhile (i < 10000) { keep.push([i]); i += 1 }\n\
         var rounds = 0\nwhile (true) { gc(); rounds += 1 }\n",
        "step limit",
    );
}

#[test]
fn freed_registry_slots_still_count_as_collection_work() {
    // The registry keeps its length after objects die; a collection scans
    // every slot, so that scan is what the step limit is charged for.
    assert_stops_promptly(
        &["--max-steps", "30000"],
        "fn churn() { var keep = []\nvar i = 0\nwhile (i < 20000) { keep.push([i]); i += 1 } }\n\
         churn()\nwhile (true) { gc() }\n",
        "step limit",
    );
}

#[test]
fn geometric_string_replacement_stops_before_allocating() {
    // `s.replace("", s)` squares a string's length; the result is checked
    // against the limits before it is built (fuzzing found an OOM here).
    assert_stops_promptly(
        &["--max-memory", "1M"],
        "var s = \"abcdefghij\"\nwhile (true) { s = s.replace(\"\", s) }\n",
        "memory limit",
    );
}
