//! Issue 18's runtime repros through the embedding API: limits hold for
//! every task of a program, sessions run parallel blocks in any chunk, and
//! the engine keeps working after each failure.

use limit::{Capabilities, Engine, Limits, Value};

fn engine(limits: Limits) -> Engine {
    // Some programs sleep, to hold memory while another task allocates.
    let mut engine = Engine::with_capabilities(Capabilities {
        sleep: true,
        ..Capabilities::none()
    });
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

#[test]
fn a_parallel_block_in_a_late_chunk_runs_the_functions_of_every_chunk() {
    let mut e = engine(Limits::default());
    for n in 0..300 {
        e.run_str(&format!("fn f{n}(x: int): int {{ return x + {n}; }}"))
            .unwrap();
        // Chunks whose own code and literals are done with.
        assert_eq!(
            e.run_str(&format!(
                "[{n}].map(fn(x: int): int {{ return x * 2; }})[0]"
            ))
            .unwrap(),
            Value::Int(2 * n)
        );
    }
    // The tasks call the first and the last function, and make closures
    // of their own; the totals come back through a shared variable.
    e.run_str(
        "var total = 0;\n\
         parallel (cores=2) { task (i in 1..=4) { var g = fn(y: int): int { return f299(y) - f0(y); }; total += g(i) + f7(i); } }\n\
         print(total);",
    )
    .unwrap();
    // Each task adds 299 + (i + 7): 4 * 299 + (1 + 2 + 3 + 4) + 4 * 7.
    assert_eq!(e.take_output(), format!("{}\n", 4 * 299 + 10 + 28));
}

/// Runs `hostile`, expects a `ResourceLimit`, then checks the engine
/// still runs scripts correctly (a parallel block among them).
fn stopped_by_a_limit(e: &mut Engine, hostile: &str) -> String {
    let error = e.run_str(hostile).unwrap_err();
    assert_eq!(error.kind(), Some("ResourceLimit"), "{error}");
    e.take_output();
    assert_eq!(e.run_str("40 + 2").unwrap(), Value::Int(42));
    e.run_str("parallel (cores=2) { task (i in 1..=2) { print(i * 10); } }")
        .unwrap();
    let mut lines: Vec<String> = e.take_output().lines().map(str::to_string).collect();
    lines.sort();
    assert_eq!(lines, ["10", "20"]);
    error.to_string()
}

#[test]
fn parallel_tasks_share_the_programs_step_limit() {
    let mut e = engine(Limits {
        max_steps: Some(100_000),
        ..Limits::default()
    });
    let shown = stopped_by_a_limit(&mut e, "parallel (cores=2) { task { while (true) {} } }");
    assert!(shown.contains("step limit of 100000"), "{shown}");
    // Four tasks of 30 000 iterations each fit 100 000 steps only
    // together with nothing else: the budget is the program's, not each
    // task's.
    let four =
        "parallel (cores=2) { task (i in 1..=4) { var k = 0; while (k < 30000) { k += 1; } } }";
    stopped_by_a_limit(&mut e, four);
    e.set_limits(Limits {
        max_steps: Some(200_000),
        ..Limits::default()
    });
    e.run_str(four).unwrap();
    // The steps the tasks took are gone for the script after the block.
    let after =
        "parallel (cores=2) { task (i in 1..=4) { var k = 0; while (k < 30000) { k += 1; } } }\n\
                 var n = 0; while (n < 100000) { n += 1; }";
    stopped_by_a_limit(&mut e, after);
    // Under on_error="continue" a limit still ends the program.
    let continuing = "var out = channel();\n\
                      parallel (cores=2, ch=out, on_error=\"continue\") { task { while (true) {} } task { print(1); } }\n\
                      print(\"not reached\");";
    stopped_by_a_limit(&mut e, continuing);
}

#[test]
fn parallel_tasks_share_the_programs_memory_limit() {
    let mut e = engine(Limits {
        max_heap_bytes: Some(16 << 20),
        ..Limits::default()
    });
    let shown = stopped_by_a_limit(
        &mut e,
        "parallel (cores=2) { task { var s = \"ab\"; while (true) { s = s + s; } } }",
    );
    assert!(shown.contains("memory limit"), "{shown}");
    // Two tasks of 10 MB each fit 16 MB one at a time, not together.
    let two = "parallel (cores=2) { task (i in 1..=2) { var s = \"x\".repeat(10000000); sleep(0.3); print(s.len()); } }";
    stopped_by_a_limit(&mut e, two);
    // A nested block's tasks count with their parents'.
    let nested = "parallel (cores=2) { task (i in 1..=2) { parallel (cores=2) { task (j in 1..=2) { var s = \"x\".repeat(5000000); sleep(0.3); print(s.len()); } } } }";
    stopped_by_a_limit(&mut e, nested);
}

#[test]
fn writing_a_value_with_shared_parts_stops_at_the_memory_limit() {
    // A list holding two references to the one below it, 40 deep: its
    // text would be terabytes; writing it stops at the memory limit, and
    // the engine goes on.
    let mut e = engine(Limits {
        max_heap_bytes: Some(1 << 20),
        max_steps: Some(10_000_000),
        ..Limits::default()
    });
    let shown = stopped_by_a_limit(
        &mut e,
        "var x: [any] = [1]\nvar i = 0\nwhile (i < 40) { x = [x, x]; i += 1 }\nvar s = str(x)\nprint(s.len())",
    );
    assert!(shown.contains("memory limit"), "{shown}");
    let shown = stopped_by_a_limit(
        &mut e,
        "var x: [any] = [1]\nvar i = 0\nwhile (i < 40) { x = [x, x]; i += 1 }\nprint(x)",
    );
    assert!(shown.contains("memory limit"), "{shown}");
    // Comparing two such values is quick: each pair of parts is compared once.
    e.run_str(
        "var p: [any] = [1]\nvar q: [any] = [1]\nvar j = 0\n\
         while (j < 40) { p = [p, p]; q = [q, q]; j += 1 }\nprint(p == q)",
    )
    .unwrap();
    assert_eq!(e.take_output(), "true\n");
}

#[test]
fn captured_output_counts_against_the_memory_limit() {
    let mut e = engine(Limits {
        max_heap_bytes: Some(16 << 20),
        ..Limits::default()
    });
    let shown = stopped_by_a_limit(&mut e, "var s = \"x\" * 1000\nwhile (true) { print(s) }");
    assert!(shown.contains("memory limit"), "{shown}");
    // Output the host took no longer counts: a script printing 10 MB runs
    // again and again.
    for _ in 0..3 {
        e.run_str("var line = \"y\" * 1000\nvar i = 0\nwhile (i < 10000) { print(line); i += 1 }")
            .unwrap();
        assert_eq!(e.take_output().len(), 10_010_000);
    }
}

#[test]
fn values_waiting_in_channels_count_and_leave_the_meter_when_received() {
    let mut e = engine(Limits {
        max_heap_bytes: Some(8 << 20),
        ..Limits::default()
    });
    let shown = stopped_by_a_limit(
        &mut e,
        "fn fill() { var ch = channel()\nwhile (true) { ch.send(\"z\" * 100) } }\nfill()",
    );
    assert!(shown.contains("memory limit"), "{shown}");
    // Sent and received in turn, the buffer stays small however long it runs.
    e.run_str(
        "var c2 = channel()\nvar n = 0\nwhile (n < 100000) { c2.send(\"z\" * 100); var got = c2.recv() ?else { \"\" }; n += 1 }\nprint(n)",
    )
    .unwrap();
    assert_eq!(e.take_output(), "100000\n");
}

#[test]
fn cyclic_garbage_does_not_hit_the_memory_limit() {
    let mut e = engine(Limits {
        max_heap_bytes: Some(16 << 20),
        ..Limits::default()
    });
    // 1 000 cycles of 100 KB each (100 MB made, 100 KB live), twice.
    for _ in 0..2 {
        e.run_str(
            "fn churn(): int { var big = \"x\" * 100000\nvar i = 0\n\
             while (i < 1000) { var pair: [any] = [big + \"{i}\"]; pair.push(pair); i += 1 }\n\
             return i }\nprint(churn())",
        )
        .unwrap();
        assert_eq!(e.take_output(), "1000\n");
    }
    // Live data past the limit still stops the script.
    stopped_by_a_limit(
        &mut e,
        "fn hoard() { var keep: [str] = []\nvar big = \"x\" * 100000\nwhile (true) { keep.push(big + \"!\") } }\nhoard()",
    );
}
