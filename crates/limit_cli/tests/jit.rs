//! The native-code tier (crates/limit_vm/src/jit) against the interpreter:
//! every deoptimisation path gives exactly the interpreter's output, error
//! and stack trace, and compiled loops and calls count steps as the
//! interpreter does. (The conformance suite also runs every program with
//! `--jit=always`: tests/lang.rs.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map_or_else(|| manifest.join("../.."), Path::to_path_buf)
}

fn limit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_limit"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("limit runs")
}

/// Stdout, stderr and exit status, for comparing two runs.
fn observed(output: &Output) -> (String, String, Option<i32>) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code(),
    )
}

/// Runs `program` with each JIT mode (and `extra` flags): all must agree
/// with the interpreter exactly.
fn agrees_with_interpreter(program: &str, extra: &[&str]) -> (String, String, Option<i32>) {
    let run = |mode: &str| {
        let mut args = vec!["run", mode];
        args.extend_from_slice(extra);
        args.push(program);
        observed(&limit(&args))
    };
    let interpreted = run("--jit=off");
    for mode in ["--jit=always", "--jit=auto"] {
        assert_eq!(run(mode), interpreted, "{program} {mode} {extra:?}");
    }
    interpreted
}

/// The `--stats` counters named `names` (as printed, `"jit compiled:"`)
/// after running `program` with `--jit=always`.
fn jit_counters<const N: usize>(program: &str, names: [&str; N]) -> [u64; N] {
    let output = limit(&["run", "--jit=always", "--stats", program]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    names.map(|name| {
        stderr
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no `{name}` in {stderr}"))
    })
}

/// The JIT's entry points compiled and deoptimisations after running
/// `program`.
fn jit_stats(program: &str) -> (u64, u64) {
    let [compiled, deopts] = jit_counters(program, ["jit compiled:", "jit deoptimisations:"]);
    (compiled, deopts)
}

#[test]
fn an_int_overflow_in_compiled_code_becomes_a_big_int_in_the_interpreter() {
    let program = "tests/lang/jit/overflow_to_big_int.lm";
    let (stdout, _, status) = agrees_with_interpreter(program, &[]);
    assert_eq!(status, Some(0));
    assert!(stdout.contains("15511210043330985984000000"), "{stdout}");
    let (compiled, deopts) = jit_stats(program);
    assert!(compiled >= 2 && deopts >= 3, "{compiled} {deopts}");
}

#[test]
fn values_of_unexpected_kinds_leave_compiled_code() {
    let program = "tests/lang/jit/unexpected_kind.lm";
    let (_, _, status) = agrees_with_interpreter(program, &[]);
    assert_eq!(status, Some(0));
    let (compiled, deopts) = jit_stats(program);
    assert!(compiled >= 2 && deopts >= 1, "{compiled} {deopts}");
}

#[test]
fn a_trap_in_a_compiled_loop_has_the_interpreters_message_and_trace() {
    let program = "tests/lang/jit/trap_in_loop.lm";
    let (stdout, stderr, status) = agrees_with_interpreter(program, &[]);
    assert_eq!(status, Some(1));
    assert_eq!(stdout, "63\n");
    assert!(stderr.contains("DivisionByZero"), "{stderr}");
    assert!(
        stderr.contains("at spread (tests/lang/jit/trap_in_loop.lm:7:"),
        "{stderr}"
    );
    let (compiled, deopts) = jit_stats(program);
    assert!(compiled >= 1 && deopts >= 1, "{compiled} {deopts}");
}

#[test]
fn compiled_recursion_meets_the_call_depth_limit_as_the_interpreter_does() {
    let program = "tests/lang/jit/deep_recursion.lm";
    let (_, stderr, status) = agrees_with_interpreter(program, &[]);
    assert_eq!(status, Some(1));
    assert!(stderr.contains("StackOverflow"), "{stderr}");
    // Deeper than compiled calls may nest on the machine stack: the
    // interpreter makes the calls past that budget.
    let dir = tempdir();
    let deep = dir.join("deep.lm");
    std::fs::write(
        &deep,
        "fn depth(n: int): int {\n    if (n == 0) {\n        return 0;\n    }\n    return 1 + depth(n - 1);\n}\nprint(depth(150000))\n",
    )
    .expect("written");
    let deep = deep.to_string_lossy().into_owned();
    let (stdout, _, status) = agrees_with_interpreter(&deep, &["--max-frames", "200000"]);
    assert_eq!((stdout.as_str(), status), ("150000\n", Some(0)));
    let _ = std::fs::remove_dir_all(dir);
}

/// A recursive function whose body is taken into its own calls (every
/// other call runs in its caller's machine code): the depth limit at
/// which it overflows, the steps it takes, a step limit striking anywhere
/// in it and the trace of a trap at its bottom are the interpreter's.
#[test]
fn recursion_taken_into_itself_meets_limits_as_the_interpreter_does() {
    let program = "tests/lang/jit/recursion_taken_into_itself.lm";
    let [inlined] = jit_counters(program, ["jit calls inlined:"]);
    assert!(inlined >= 6, "{inlined}");
    let (_, stderr, status) = agrees_with_interpreter(program, &[]);
    assert_eq!(status, Some(1));
    assert_eq!(stderr.matches("at down (").count(), 7, "{stderr}");

    let dir = tempdir();
    let fib = dir.join("fib.lm");
    std::fs::write(
        &fib,
        "fn fib(n: int): int {\n    if (n < 2) {\n        return n;\n    }\n    return fib(n - 1) + fib(n - 2);\n}\nprint(fib(12))\n",
    )
    .expect("written");
    let fib = fib.to_string_lossy().into_owned();
    // fib(12) down to fib(1) is twelve frames, the script's a thirteenth:
    // every limit below that overflows, at a taken-in frame or not.
    for frames in 2..=14 {
        let frames_arg = frames.to_string();
        let (stdout, stderr, status) =
            agrees_with_interpreter(&fib, &["--max-frames", &frames_arg]);
        if frames < 13 {
            assert_eq!(status, Some(1), "{frames}");
            assert!(stderr.contains("StackOverflow"), "{frames}: {stderr}");
        } else {
            assert_eq!((stdout.as_str(), status), ("144\n", Some(0)), "{frames}");
        }
    }
    let interpreted = steps_needed(&fib, "--jit=off");
    assert_eq!(steps_needed(&fib, "--jit=always"), interpreted);
    for short in [interpreted - 1, interpreted / 2, interpreted / 3 + 1] {
        let short = short.to_string();
        let (_, stderr, status) = agrees_with_interpreter(&fib, &["--max-steps", &short]);
        assert_eq!(status, Some(1));
        assert!(stderr.contains("step limit"), "{stderr}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// The fewest `--max-steps` with which `program` finishes under `mode`.
fn steps_needed(program: &str, mode: &str) -> u64 {
    let finishes = |steps: u64| {
        let steps = steps.to_string();
        limit(&["run", mode, "--max-steps", &steps, program])
            .status
            .success()
    };
    let (mut low, mut high) = (1u64, 1u64 << 20);
    assert!(finishes(high), "{program} needs more than {high} steps");
    while low < high {
        let mid = (low + high) / 2;
        if finishes(mid) {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    low
}

#[test]
fn compiled_loops_and_calls_count_steps_as_the_interpreter_does() {
    let dir = tempdir();
    let program = dir.join("steps.lm");
    std::fs::write(
        &program,
        "fn count(n: int): int {\n    var i = 0;\n    while (i < n) {\n        i = i + 1;\n    }\n    return i;\n}\n\
         fn fib(n: int): int {\n    if (n < 2) {\n        return n;\n    }\n    return fib(n - 1) + fib(n - 2);\n}\n\
         var total = 0;\nvar k = 0;\nwhile (k < 30) {\n    total = total + count(k * 100);\n    k = k + 1;\n}\nprint(total, fib(15));\n",
    )
    .expect("written");
    let program = program.to_string_lossy().into_owned();
    let interpreted = steps_needed(&program, "--jit=off");
    assert_eq!(steps_needed(&program, "--jit=always"), interpreted);
    // One step short: the same ResourceLimit, at the same place.
    let short = (interpreted - 1).to_string();
    let (_, stderr, status) = agrees_with_interpreter(&program, &["--max-steps", &short]);
    assert_eq!(status, Some(1));
    assert!(stderr.contains("step limit"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

/// The step countdown travels in a register through compiled calls and
/// back; a callee that leaves midway (an overflow to a big int) and a
/// caller that goes on in the interpreter must still count every step
/// where the interpreter does.
#[test]
fn steps_count_exactly_across_compiled_calls_that_exit() {
    let dir = tempdir();
    let program = dir.join("exits.lm");
    std::fs::write(
        &program,
        "fn grow(n: int): int {\n    var x = 1;\n    var i = 0;\n    while (i < n) {\n        x = x * 3;\n        i = i + 1;\n    }\n    return i;\n}\n\
         fn step(k: int): int {\n    return grow(k) + 1;\n}\n\
         var total = 0;\nvar k = 0;\nwhile (k < 60) {\n    total = total + step(k);\n    k = k + 1;\n}\nprint(total);\n",
    )
    .expect("written");
    let program = program.to_string_lossy().into_owned();
    // grow(k) returns k (3^k overflows from k = 40 on: a big int), so
    // the total is the sum of k + 1 for k below 60.
    let output = limit(&["run", "--jit=always", &program]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "1830\n");
    let interpreted = steps_needed(&program, "--jit=off");
    assert_eq!(steps_needed(&program, "--jit=always"), interpreted);
    let short = (interpreted - 7).to_string();
    let (_, stderr, status) = agrees_with_interpreter(&program, &["--max-steps", &short]);
    assert_eq!(status, Some(1));
    assert!(stderr.contains("step limit"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Calls to small leaves are compiled into their callers: the trace of a
/// trap inside one, a step limit striking inside one and a call depth
/// limit reached by one are the interpreter's.
#[test]
fn callees_taken_into_their_callers_fail_as_the_interpreter_does() {
    let program = "tests/lang/jit/inlined_callees.lm";
    let [inlined] = jit_counters(program, ["jit calls inlined:"]);
    assert!(inlined >= 3, "{inlined}");
    let (_, stderr, status) = agrees_with_interpreter(program, &[]);
    assert_eq!(status, Some(1));
    assert!(stderr.contains("at half ("), "{stderr}");

    let dir = tempdir();
    let program = dir.join("leaves.lm");
    std::fs::write(
        &program,
        "frame Acc {\n    pub var n: int;\n    fn init() {\n        this.n = 0;\n    }\n    pub fn add(k: int): int {\n        this.n = this.n + k;\n        return this.n;\n    }\n}\n\
         fn leaf(x: int): int {\n    return x + 1;\n}\n\
         fn inner(n: int): int {\n    var a = Acc();\n    var s = 0;\n    var i = 0;\n    while (i < n) {\n        s = leaf(s) + a.add(i);\n        i = i + 1;\n    }\n    return s;\n}\n\
         print(inner(3000));\n",
    )
    .expect("written");
    let program = program.to_string_lossy().into_owned();
    // Iteration i adds 1 + (0 + 1 + ... + i) to s: 3000 ones plus the sum
    // of i(i+1)/2 for i below 3000, 2999 * 3000 * 3001 / 6.
    let output = limit(&["run", "--jit=always", &program]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "4500002500\n");
    let interpreted = steps_needed(&program, "--jit=off");
    assert_eq!(steps_needed(&program, "--jit=always"), interpreted);
    for short in [interpreted - 1, interpreted - 2, interpreted / 2 + 1] {
        let short = short.to_string();
        let (_, stderr, status) = agrees_with_interpreter(&program, &["--max-steps", &short]);
        assert_eq!(status, Some(1));
        assert!(stderr.contains("step limit"), "{stderr}");
    }
    // The script, `inner` and the leaf: three frames.
    let (_, stderr, status) = agrees_with_interpreter(&program, &["--max-frames", "2"]);
    assert_eq!(status, Some(1));
    assert!(stderr.contains("StackOverflow"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_step_limit_inside_a_long_compiled_loop_stops_it() {
    let dir = tempdir();
    let program = dir.join("spin.lm");
    std::fs::write(
        &program,
        "fn spin(): int {\n    var i = 0;\n    while (i >= 0) {\n        i = i + 1;\n    }\n    return i;\n}\nprint(spin());\n",
    )
    .expect("written");
    let program = program.to_string_lossy().into_owned();
    let (_, stderr, status) = agrees_with_interpreter(&program, &["--max-steps", "100000"]);
    assert_eq!(status, Some(1));
    assert!(stderr.contains("step limit of 100000"), "{stderr}");
    assert!(stderr.contains("at spin ("), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A long loop runs in compiled code from its first entry to its end:
/// compiled code runs the step budget's checkpoints itself
/// (`Vm::quiet_checkpoint`) and leaves only when one has more to do.
#[test]
fn a_long_compiled_loop_is_entered_once_across_checkpoints() {
    let dir = tempdir();
    let program = dir.join("long.lm");
    // 3 000 000 iterations: about 2 900 checkpoints of 1 024 steps.
    std::fs::write(
        &program,
        "var total = 0.0;\nvar i = 0;\nwhile (i < 3000000) {\n    total = total + i * 0.5;\n    i = i + 1;\n}\nprint(total);\n",
    )
    .expect("written");
    let program = program.to_string_lossy().into_owned();
    let output = limit(&["run", "--stats", &program]);
    // The sum of 0.5 i for i below 3e6 is 0.5 * 3e6 * (3e6 - 1) / 2.
    assert_eq!(String::from_utf8_lossy(&output.stdout), "2249999250000\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let entries: u64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("jit entries:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no entries in {stderr}"));
    assert_eq!(entries, 1, "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn stats_report_the_jit_and_trace_turns_it_off() {
    let output = limit(&[
        "run",
        "--jit=always",
        "--stats",
        "tests/lang/jit/trap_in_loop.lm",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("jit compile time:"), "{stderr}");
    let output = limit(&[
        "run",
        "--jit=off",
        "--stats",
        "tests/lang/jit/trap_in_loop.lm",
    ]);
    assert!(!String::from_utf8_lossy(&output.stderr).contains("jit compiled"));
    let output = limit(&["run", "--jit=sometimes", "tests/lang/jit/trap_in_loop.lm"]);
    assert_eq!(output.status.code(), Some(64));
}

/// A fresh folder for generated programs.
fn tempdir() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("limit-jit-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir
}

#[test]
fn lists_and_instances_in_compiled_code_agree_with_the_interpreter() {
    for program in [
        "tests/lang/jit/list_elements.lm",
        "tests/lang/jit/list_heap_elements.lm",
        "tests/lang/jit/instance_fields.lm",
        "tests/lang/jit/receiver_counts.lm",
    ] {
        let (_, _, status) = agrees_with_interpreter(program, &[]);
        assert_eq!(status, Some(0), "{program}");
        let (compiled, _) = jit_stats(program);
        assert!(compiled >= 1, "{program}: {compiled}");
    }
}

#[test]
fn an_index_out_of_range_in_a_compiled_loop_has_the_interpreters_trace() {
    let program = "tests/lang/jit/list_index_out_of_range.lm";
    let (stdout, stderr, status) = agrees_with_interpreter(program, &[]);
    assert_eq!((stdout.as_str(), status), ("1000\n", Some(1)));
    assert!(stderr.contains("IndexOutOfBounds"), "{stderr}");
    assert!(
        stderr.contains("at sum_first (tests/lang/jit/list_index_out_of_range.lm:7:"),
        "{stderr}"
    );
    let (compiled, deopts) = jit_stats(program);
    assert!(compiled >= 1 && deopts >= 1, "{compiled} {deopts}");
}

#[test]
fn pushes_in_a_compiled_loop_meet_the_memory_limit_as_the_interpreter_does() {
    let dir = tempdir();
    let program = dir.join("grow.lm");
    std::fs::write(
        &program,
        "fn grow(xs: [int], n: int) {\n    var i = 0;\n    while (i < n) {\n        xs.append(i);\n        i = i + 1;\n    }\n}\nvar xs: [int] = [];\ngrow(xs, 1000);\nprint(len(xs));\ngrow(xs, 10000000);\nprint(len(xs));\n",
    )
    .expect("written");
    let program = program.to_string_lossy().into_owned();
    let (stdout, stderr, status) = agrees_with_interpreter(&program, &["--max-memory", "8M"]);
    assert_eq!((stdout.as_str(), status), ("1000\n", Some(1)));
    assert!(stderr.contains("ResourceLimit"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn compiled_method_calls_and_list_access_count_steps_as_the_interpreter_does() {
    let dir = tempdir();
    let program = dir.join("steps.lm");
    std::fs::write(
        &program,
        "frame Box {\n    pub var n: int;\n    pub fn add(k: int) {\n        this.n = this.n + k;\n    }\n}\n\
         fn fill(b: Box, xs: [int], n: int) {\n    var i = 0;\n    while (i < n) {\n        b.add(xs[i % 3]);\n        xs.append(i);\n        i = i + 1;\n    }\n}\n\
         var b = Box(0);\nvar xs = [1, 2, 3];\nfill(b, xs, 5000);\nprint(b.n, len(xs));\n",
    )
    .expect("written");
    let program = program.to_string_lossy().into_owned();
    let interpreted = steps_needed(&program, "--jit=off");
    assert_eq!(steps_needed(&program, "--jit=always"), interpreted);
    assert_eq!(steps_needed(&program, "--jit=auto"), interpreted);
    let short = (interpreted - 1).to_string();
    let (_, stderr, status) = agrees_with_interpreter(&program, &["--max-steps", &short]);
    assert_eq!(status, Some(1));
    assert!(stderr.contains("step limit"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

/// An `iter` loop over a list runs compiled from its head with the
/// iterator left on the interpreter's stack: a trap inside it, a step
/// limit inside it and the steps it takes are the interpreter's, and its
/// end (an exit at the loop's head) counts as a deoptimisation.
#[test]
fn iter_loops_over_lists_trap_stop_and_count_steps_as_the_interpreter_does() {
    let dir = tempdir();
    let fill =
        "var xs: [int] = [];\nvar i = 0;\nwhile (i < 1000) {\n    xs.push(i);\n    i = i + 1;\n}\n";
    let trapping = dir.join("spread.lm");
    std::fs::write(
        &trapping,
        format!(
            "fn spread(xs: [int]): int {{\n    var s = 0;\n    iter (x in xs) {{\n        s = s + 100 / (x - 700);\n    }}\n    return s;\n}}\n{fill}print(spread(xs));\n"
        ),
    )
    .expect("written");
    let trapping = trapping.to_string_lossy().into_owned();
    let (_, stderr, status) = agrees_with_interpreter(&trapping, &[]);
    assert_eq!(status, Some(1));
    assert!(stderr.contains("DivisionByZero"), "{stderr}");
    assert!(stderr.contains("at spread ("), "{stderr}");

    let summing = dir.join("sum.lm");
    std::fs::write(
        &summing,
        format!(
            "fn total(xs: [int]): int {{\n    var s = 0;\n    iter (x in xs) {{\n        s = s + x;\n    }}\n    return s;\n}}\n{fill}var t = 0;\nvar k = 0;\nwhile (k < 20) {{\n    t = t + total(xs);\n    k = k + 1;\n}}\nprint(t);\n"
        ),
    )
    .expect("written");
    let summing = summing.to_string_lossy().into_owned();
    let (stdout, _, status) = agrees_with_interpreter(&summing, &[]);
    assert_eq!((stdout.as_str(), status), ("9990000\n", Some(0)));
    let interpreted = steps_needed(&summing, "--jit=off");
    assert_eq!(steps_needed(&summing, "--jit=always"), interpreted);
    let short = (interpreted - 1).to_string();
    let (_, stderr, status) = agrees_with_interpreter(&summing, &["--max-steps", &short]);
    assert_eq!(status, Some(1));
    assert!(stderr.contains("step limit"), "{stderr}");
    // Half way: inside the tenth call's loop.
    let half = (interpreted / 2).to_string();
    let (_, stderr, status) = agrees_with_interpreter(&summing, &["--max-steps", &half]);
    assert_eq!(status, Some(1));
    assert!(stderr.contains("at total ("), "{stderr}");
    let (compiled, deopts) = jit_stats(&summing);
    assert!(compiled >= 1 && deopts >= 20, "{compiled} {deopts}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Instances a compiled loop makes into a list, takes from a list into a
/// local, or calls methods on through the classes it has seen: the step
/// limit strikes at the same step, a memory limit (which the interpreter
/// checks after every allocation, so compiled code leaves each one to it)
/// gives the same error, and a trap inside a method chosen at run time
/// has the interpreter's trace.
#[test]
fn owned_instances_and_dispatch_meet_limits_and_traps_as_the_interpreter_does() {
    let dir = tempdir();
    let program = dir.join("owned.lm");
    std::fs::write(
        &program,
        "trait Shape {\n    fn area(): int;\n}\n\
         frame Sq : Shape {\n    pub var s: int;\n    pub fn area(): int {\n        return s * s;\n    }\n}\n\
         frame Part : Shape {\n    pub var n: int;\n    pub fn area(): int {\n        return 100 / n;\n    }\n}\n\
         fn fill(n: int): [Shape] {\n    var xs: [Shape] = [];\n    var i = 0;\n    while (i < n) {\n        xs.push(Sq(i % 7));\n        i = i + 1;\n    }\n    return xs;\n}\n\
         fn total(xs: [Shape], n: int): int {\n    var t = 0;\n    var x = xs[0];\n    var i = 0;\n    while (i < n) {\n        x = xs[i];\n        t = t + x.area();\n        i = i + 1;\n    }\n    return t;\n}\n\
         var xs = fill(4000);\nxs.push(Part(5));\nprint(total(xs, 4001));\n",
    )
    .expect("written");
    let program = program.to_string_lossy().into_owned();
    // 4000 squares of i % 7 (571 rounds of 91, then 0..2 squared = 5),
    // then 100 / 5.
    let (stdout, _, status) = agrees_with_interpreter(&program, &[]);
    assert_eq!((stdout.as_str(), status), ("51986\n", Some(0)));
    // Part(0) at element 2000 divides by zero.
    let trapping = dir.join("owned_trap.lm");
    let text = std::fs::read_to_string(&program).expect("read");
    std::fs::write(
        &trapping,
        text + "xs[2000] = Part(0);\nprint(total(xs, 4001));\n",
    )
    .expect("written");
    let trapping = trapping.to_string_lossy().into_owned();
    let (stdout, stderr, status) = agrees_with_interpreter(&trapping, &[]);
    assert_eq!((stdout.as_str(), status), ("51986\n", Some(1)));
    assert!(stderr.contains("DivisionByZero"), "{stderr}");
    assert!(
        stderr.contains("at Part.area (") && stderr.contains("at total ("),
        "{stderr}"
    );
    let interpreted = steps_needed(&program, "--jit=off");
    assert_eq!(steps_needed(&program, "--jit=always"), interpreted);
    for short in [interpreted - 1, interpreted / 2] {
        let short = short.to_string();
        let (_, stderr, status) = agrees_with_interpreter(&program, &["--max-steps", &short]);
        assert_eq!(status, Some(1));
        assert!(stderr.contains("step limit"), "{stderr}");
    }
    let (_, stderr, status) = agrees_with_interpreter(&program, &["--max-memory", "200K"]);
    assert_eq!(status, Some(1));
    assert!(stderr.contains("ResourceLimit"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Closures a compiled loop makes, stores into its local and calls (their
/// bodies taken in, their captured cells read and written inline): the
/// step limit strikes at the same step, a memory limit is checked after
/// each closure made as the interpreter does, and a trap inside a closure
/// taken in has the interpreter's trace.
#[test]
fn closures_made_and_called_in_compiled_loops_meet_limits_as_the_interpreter_does() {
    let dir = tempdir();
    let program = dir.join("closures.lm");
    std::fs::write(
        &program,
        "fn make_counter(step: int): fn(): int {\n    var n = 0;\n    return fn(): int {\n        n = n + step;\n        return 100 / (50 - n);\n    };\n}\n\
         fn run(rounds: int, step: int): int {\n    var t = 0;\n    var i = 0;\n    while (i < rounds) {\n        var c = make_counter(step);\n        c();\n        t = t + c();\n        i = i + 1;\n    }\n    return t;\n}\n\
         print(run(20000, 1));\n",
    )
    .expect("written");
    let program = program.to_string_lossy().into_owned();
    // Step 1: the second call returns 100 / 48 = 2, 20000 times.
    let (stdout, _, status) = agrees_with_interpreter(&program, &[]);
    assert_eq!((stdout.as_str(), status), ("40000\n", Some(0)));
    // Step 25: the second call divides by 50 - 50.
    let trapping = dir.join("closures_trap.lm");
    let text = std::fs::read_to_string(&program).expect("read");
    std::fs::write(&trapping, text + "print(run(10, 25));\n").expect("written");
    let trapping = trapping.to_string_lossy().into_owned();
    let (stdout, stderr, status) = agrees_with_interpreter(&trapping, &[]);
    assert_eq!((stdout.as_str(), status), ("40000\n", Some(1)));
    assert!(stderr.contains("DivisionByZero"), "{stderr}");
    assert!(
        stderr.contains("at <lambda> (") && stderr.contains("at run ("),
        "{stderr}"
    );
    let interpreted = steps_needed(&program, "--jit=off");
    assert_eq!(steps_needed(&program, "--jit=always"), interpreted);
    for short in [interpreted - 1, interpreted / 2, 7777] {
        let short = short.to_string();
        let (_, stderr, status) = agrees_with_interpreter(&program, &["--max-steps", &short]);
        assert_eq!(status, Some(1));
        assert!(stderr.contains("step limit"), "{stderr}");
    }
    // Under a memory limit every closure made leaves compiled code right
    // after it (the interpreter checks the limit then); each is garbage by
    // the next iteration, so the limit holds.
    let (stdout, _, status) = agrees_with_interpreter(&program, &["--max-memory", "64K"]);
    assert_eq!((stdout.as_str(), status), ("40000\n", Some(0)));
    let _ = std::fs::remove_dir_all(dir);
}

/// Lists compiled code makes, returns and lends (trees built and counted
/// recursively): the step limit strikes at the same step, a memory limit
/// gives the same error (compiled code leaves after each list it makes
/// under one), and an index out of range inside a compiled callee that
/// borrows a lent list has the interpreter's trace.
#[test]
fn lists_made_returned_and_lent_meet_limits_and_traps_as_the_interpreter_does() {
    let dir = tempdir();
    let program = dir.join("trees.lm");
    std::fs::write(
        &program,
        "fn build(depth: int): [any] {\n    if (depth == 0) {\n        return [];\n    }\n    return [build(depth - 1), build(depth - 1)];\n}\n\
         fn count(tree: [any]): int {\n    if (len(tree) == 0) {\n        return 1;\n    }\n    return 1 + count(tree[0]) + count(tree[1]);\n}\n\
         var total = 0;\nvar d = 0;\nwhile (d <= 12) {\n    total = total + count(build(d));\n    d = d + 1;\n}\nprint(total);\n",
    )
    .expect("written");
    let program = program.to_string_lossy().into_owned();
    // 2^(d+1) - 1 nodes for d = 0..12: 16382 - 13.
    let (stdout, _, status) = agrees_with_interpreter(&program, &[]);
    assert_eq!((stdout.as_str(), status), ("16369\n", Some(0)));
    let interpreted = steps_needed(&program, "--jit=off");
    assert_eq!(steps_needed(&program, "--jit=always"), interpreted);
    for short in [interpreted - 1, interpreted / 2, 4321] {
        let short = short.to_string();
        let (_, stderr, status) = agrees_with_interpreter(&program, &["--max-steps", &short]);
        assert_eq!(status, Some(1));
        assert!(stderr.contains("step limit"), "{stderr}");
    }
    let (_, stderr, status) = agrees_with_interpreter(&program, &["--max-memory", "300K"]);
    assert_eq!(status, Some(1));
    assert!(stderr.contains("ResourceLimit"), "{stderr}");
    // A one-element node at depth 9: `tree[1]` is out of range in `count`.
    let trapping = dir.join("trees_trap.lm");
    let text = std::fs::read_to_string(&program).expect("read");
    let text = text.replace(
        "    return [build(depth - 1), build(depth - 1)];",
        "    if (depth == 9) {\n        return [build(depth - 1)];\n    }\n    return [build(depth - 1), build(depth - 1)];",
    );
    std::fs::write(&trapping, text).expect("written");
    let trapping = trapping.to_string_lossy().into_owned();
    let (stdout, stderr, status) = agrees_with_interpreter(&trapping, &[]);
    assert_eq!((stdout.as_str(), status), ("", Some(1)));
    assert!(stderr.contains("IndexOutOfBounds"), "{stderr}");
    assert!(stderr.contains("at count ("), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
