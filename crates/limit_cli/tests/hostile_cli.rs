//! Issue 18's acceptance check: with `--max-memory 64M --max-steps
//! 10000000`, none of the memory or hang repros goes past 200 MB of
//! resident memory or 20 s of CPU time; each ends with the expected status
//! and error. CPU time, not wall-clock time, is what a repro costs: on a
//! loaded machine a run needing 7 s of CPU took over 20 s (wall-clock time
//! is bounded too, at ten times that, so a hang still fails).
//! Each run prints its peak resident memory and time to stderr (shown with
//! `-- --nocapture`); item 11's compiler repros at full size are
//! `#[ignore]`d (meaningful in a release build).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MAX_RSS_KB: u64 = 200 * 1024;
const MAX_TIME: Duration = Duration::from_secs(20);
/// How many times `MAX_TIME` a run may last in wall-clock time.
const WALL_FACTOR: u32 = limit_cli::suite::WALL_FACTOR;

/// How one run ended.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    peak_rss_kb: u64,
    elapsed: Duration,
    /// User and system CPU time (all threads), as last read while it ran.
    cpu: Duration,
}

/// Runs `source` with the acceptance flags, polling the child's peak
/// resident memory (VmHWM in /proc) and CPU time, and killing it past the
/// limits.
fn run_limited(name: &str, source: &str) -> Outcome {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile_cli");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.lm"));
    std::fs::write(&file, source).unwrap();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_limit"))
        .args(["run", "--max-memory", "64M", "--max-steps", "10000000"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let mut cpu = Duration::ZERO;
    let status = loop {
        if let Some(used) = limit_cli::suite::process_cpu_time(child.id()) {
            cpu = used;
        }
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if cpu > MAX_TIME || started.elapsed() > MAX_TIME * WALL_FACTOR || peak > 4 * MAX_RSS_KB {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Outcome {
        code: status.code(),
        stdout: reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
        peak_rss_kb: peak,
        elapsed: started.elapsed(),
        cpu,
    }
}

/// Runs a repro and checks it stays within the acceptance bounds, exits
/// with `code` and says `expected` on stderr (or stdout for a success).
fn check(name: &str, source: &str, code: i32, expected: &str) {
    let o = run_limited(name, source);
    // The numbers the closing note asks for (`-- --nocapture`).
    eprintln!(
        "{name}: peak RSS {} MB, {:.2} s of CPU ({:.2} s wall-clock), exit {:?}",
        o.peak_rss_kb / 1024,
        o.cpu.as_secs_f64(),
        o.elapsed.as_secs_f64(),
        o.code
    );
    assert!(
        o.cpu < MAX_TIME,
        "{name}: used {:?} of CPU time\nstderr: {}",
        o.cpu,
        o.stderr
    );
    assert!(
        o.elapsed < MAX_TIME * WALL_FACTOR,
        "{name}: took {:?}\nstderr: {}",
        o.elapsed,
        o.stderr
    );
    assert!(
        o.peak_rss_kb < MAX_RSS_KB,
        "{name}: peak RSS {} kB\nstderr: {}",
        o.peak_rss_kb,
        o.stderr
    );
    assert_eq!(o.code, Some(code), "{name}: stderr: {}", o.stderr);
    let shown = if code == 0 { &o.stdout } else { &o.stderr };
    assert!(shown.contains(expected), "{name}: {shown}");
}

#[test]
fn item6_a_parallel_task_doubling_a_string_stops_at_the_memory_limit() {
    check(
        "parallel_doubling",
        "parallel (cores=2) { task { var s = \"ab\"; while (true) { s = s + s; } } }\n",
        1,
        "error[ResourceLimit]: memory limit of 67108864 bytes exceeded",
    );
}

#[test]
fn item6_a_parallel_task_looping_forever_stops_at_the_step_limit() {
    check(
        "parallel_loop",
        "parallel (cores=2) { task { while (true) {} } task { while (true) {} } }\n",
        1,
        "error[ResourceLimit]: step limit of 10000000 steps exceeded",
    );
}

#[test]
fn item9_a_busy_concurrent_task_times_out() {
    // 20 ms, not the 200 ms: a debug build on an idle machine can run
    // the 10 000 000 steps this helper allows in 200 ms and stop on the step
    // limit first; the 200 ms repro itself runs in tests/lang/concurrency.
    check(
        "concurrent_busy",
        "concurrent (timeout=20ms) { task { while (true) {} } }\n",
        1,
        "error[Timeout]",
    );
}

#[test]
fn item5_printing_and_comparing_cyclic_values_end() {
    check(
        "cyclic_print",
        "var l: [any] = [1]; l.push(l); print(l)\n",
        0,
        "[1, [...]]",
    );
    check(
        "cyclic_equality",
        "var l: [any] = [1]; l.push(l); var m: [any] = [1]; m.push(m); print(l == m)\n",
        0,
        "true",
    );
    check(
        "cyclic_data_frames",
        "data frame N { v: int, next: any }\n\
         var a = N(1, nil); a.next = a; var b = N(1, nil); b.next = b;\n\
         var i = 0; var same = 0;\n\
         while (i < 1000) { if (a == b) { same += 1 } i += 1 }\n\
         print(same)\n",
        0,
        "1000",
    );
}

#[test]
fn item7_enum_payloads_count_against_the_memory_limit() {
    check(
        "enum_payloads",
        "enum E { Leaf, W(any, any) }\nvar e: any = E.Leaf\nvar keep: [any] = []\n\
         while (true) { e = E.W(e, e); keep.push(e) }\n",
        1,
        "error[ResourceLimit]: memory limit of 67108864 bytes exceeded",
    );
}

#[test]
fn item7_channel_buffers_count_against_the_memory_limit() {
    check(
        "channel_buffer",
        "var ch = channel()\nwhile (true) { ch.send(1) }\n",
        1,
        "error[ResourceLimit]: memory limit of 67108864 bytes exceeded",
    );
    check(
        "channel_buffer_strings",
        "var ch = channel()\nvar s = \"x\" * 1000\nwhile (true) { ch.send(s) }\n",
        1,
        "error[ResourceLimit]: memory limit of 67108864 bytes exceeded",
    );
}

#[test]
fn item7_reading_an_endless_or_huge_file_stops_at_the_memory_limit() {
    check(
        "dev_zero",
        "var s = read_file(\"/dev/zero\") ?else { \"\" }\nprint(s.len())\n",
        1,
        "error[ResourceLimit]",
    );
    let big = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile_big.txt");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(300 << 20).unwrap(); // sparse: no disk used
    check(
        "huge_file",
        &format!(
            "var s = read_file(\"{}\") ?else {{ \"\" }}\nprint(s.len())\n",
            big.display()
        ),
        1,
        "error[ResourceLimit]",
    );
    // std.fs reads the same way (its failures are values; this is a trap).
    for read in ["read_text", "read_lines"] {
        check(
            &format!("std_fs_{read}_huge"),
            &format!(
                "import std.fs;\nvar s = fs.{read}(\"{}\") ?else {{ print(\"io\"); return; }}\nprint(s.len())\n",
                big.display()
            ),
            1,
            "error[ResourceLimit]",
        );
    }
    check(
        "std_fs_dev_zero",
        "import std.fs;\nvar s = fs.read_text(\"/dev/zero\") ?else { \"\" }\nprint(s.len())\n",
        1,
        "error[ResourceLimit]",
    );
    let _ = std::fs::remove_file(&big);
}

#[test]
fn item8_cyclic_garbage_is_collected_before_the_memory_limit() {
    // Self-referencing instances each holding a 100 KB string: about
    // 100 KB live at a time, 300 MB made in all.
    check(
        "cyclic_garbage",
        "frame Holder { pub data: str = \"\"; pub me: any = nil; }\n\
         var big = \"x\" * 100000\nvar i = 0\n\
         while (i < 3000) { var h = Holder(data=big + \"{i}\"); h.me = h; i += 1 }\n\
         print(i)\n",
        0,
        "3000",
    );
}

#[test]
fn item3_deinit_making_its_own_frame_and_long_chains_end_cleanly() {
    check(
        "deinit_own_frame",
        "frame N { fn deinit() { N(); } }\nN()\nprint(\"unreachable\")\n",
        1,
        "error[StackOverflow]",
    );
    // A million-long enum chain passes the 64 MB meter (payloads count);
    // what was made is released without recursion when the program ends.
    check(
        "enum_chain",
        "enum Chain { End, Link(int, Chain) }\nvar c = Chain.End\nvar i = 0\n\
         while (i < 1000000) { c = Chain.Link(i, c); i += 1; }\nc = Chain.End\nprint(i)\n",
        1,
        "error[ResourceLimit]: memory limit of 67108864 bytes exceeded",
    );
    check("closure_chain", &closure_chain(200_000), 0, "-1");
}

/// Closures each capturing the previous one, `n` long, then dropped.
fn closure_chain(n: usize) -> String {
    format!(
        "var f = fn(): int {{ return 0; }}\nvar i = 0\n\
         while (i < {n}) {{ var inner = f; f = fn(): int {{ return inner() + 1; }}; i += 1; }}\n\
         f = fn(): int {{ return -1; }}\nprint(f())\n"
    )
}

#[test]
fn item10_a_fiber_blocking_in_a_callback_resumes_there() {
    check(
        "blocking_callbacks",
        "concurrent {\n\
             task {\n\
                 var ys = [3, 1, 2].map(fn(x: int): int { sleep(0.01); return x * 2; })\n\
                 var zs = [3, 1, 2]\n\
                 zs.sort(fn(x: int): int { sleep(0.001); return -x; })\n\
                 print(ys, zs)\n\
             }\n\
             task { sleep(0.005); print(\"other\") }\n\
         }\n",
        0,
        "other\n[6, 2, 4] [3, 2, 1]\n",
    );
}

/// Issue 18's item 11 (and item 3's closure chain) at their sizes: time
/// and memory under the acceptance flags. A debug build compiles several
/// times slower than a release one, so this runs on request (`cargo test
/// --release --test hostile_cli -- --ignored --nocapture` prints each
/// run's numbers).
#[test]
#[ignore]
fn item11_huge_programs_compile_within_bounds() {
    let mut nested = String::from("1");
    for _ in 0..20_000 {
        nested = format!("\"{{{nested}}}\"");
    }
    check(
        "nested_interpolation",
        &format!("print({nested})\n"),
        2,
        "more errors (only the first 100 are shown)",
    );
    let names: Vec<String> = (0..5000).map(|i| format!("nope{i}")).collect();
    check(
        "errors_on_one_line",
        &format!("var all = [{}]\n", names.join(", ")),
        2,
        "and 4900 more errors (only the first 100 are shown)",
    );
    let entries: Vec<String> = (0..200_000).map(|i| format!("\"k{i}\": {i}")).collect();
    check(
        "dict_literal",
        &format!("var d = {{{}}}\nprint(len(d))\n", entries.join(", ")),
        0,
        "200000",
    );
    let mut elifs = String::from("var x = 3\nif (x == 0) { print(0) }\n");
    for i in 1..100_000 {
        elifs.push_str(&format!("elif (x == {i}) {{ print({i}) }}\n"));
    }
    elifs.push_str("else { print(-1) }\n");
    check("elifs", &elifs, 0, "3");
    let mut chain = String::new();
    for i in (1..=2000).rev() {
        chain.push_str(&format!("frame F{i} : F{} {{ }}\n", i - 1));
    }
    chain.push_str(
        "frame F0 { pub var x = 7; pub fn get() { return this.x; } }\nprint(F2000().get())\n",
    );
    check("inheritance_chain", &chain, 0, "7");
    // Item 3 at its size (the ordinary test drops 200 000).
    check("closure_chain_full", &closure_chain(1_000_000), 0, "-1");
}
