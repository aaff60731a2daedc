//! The `limit` command line: commands, exit statuses and diagnostic format.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A scratch folder for this test binary's source files.
fn scratch(name: &str, contents: &[u8]) -> PathBuf {
    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&folder).expect("create scratch folder");
    let path = folder.join(name);
    std::fs::write(&path, contents).expect("write scratch file");
    path
}

fn limit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_limit"))
        .args(args)
        .output()
        .expect("run limit")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn error_headers(stderr: &str, path: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|line| line.starts_with(&format!("{path}:")) && line.contains(": error: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn help_lists_every_command_and_succeeds() {
    let output = limit(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = text(&output.stdout);
    for command in ["run", "check", "tokens", "ast", "disasm"] {
        assert!(
            help.contains(command),
            "`{command}` missing from --help:\n{help}"
        );
    }
    assert!(
        help.contains("64"),
        "--help documents the exit statuses:\n{help}"
    );
}

#[test]
fn version_succeeds() {
    let output = limit(&["--version"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(text(&output.stdout).starts_with("limit "));
}

#[test]
fn usage_errors_exit_64() {
    assert_eq!(limit(&["--no-such-option"]).status.code(), Some(64));
    assert_eq!(limit(&["check"]).status.code(), Some(64));
    assert_eq!(limit(&[]).status.code(), Some(64));
    assert_eq!(limit(&["run", "-O9", "x.lm"]).status.code(), Some(64));
}

#[test]
fn unreadable_file_exits_66() {
    let output = limit(&["run", "no/such/file.lm"]);
    assert_eq!(output.status.code(), Some(66));
    assert!(text(&output.stderr).contains("cannot read `no/such/file.lm`"));
    assert_eq!(limit(&["no/such/file.lm"]).status.code(), Some(66));
    assert_eq!(
        limit(&["tokens", "no/such/file.lm"]).status.code(),
        Some(66)
    );
}

#[test]
fn compile_error_exits_2_with_located_header() {
    let path = scratch("one_error.lm", b"var ok = 1;\nvar = 2;\n");
    let path = path.to_string_lossy();
    for command in ["run", "check"] {
        let output = limit(&[command, &path]);
        assert_eq!(output.status.code(), Some(2), "limit {command}");
        assert!(output.stdout.is_empty());
        let stderr = text(&output.stderr);
        let headers = error_headers(&stderr, &path);
        assert!(
            headers
                .first()
                .is_some_and(|h| h.starts_with(&format!("{path}:2:"))),
            "expected a `{path}:2:col: error:` header first:\n{stderr}"
        );
        assert!(
            stderr.contains("2 | var = 2;\n"),
            "source line shown:\n{stderr}"
        );
        assert!(stderr.contains('^'), "caret shown:\n{stderr}");
    }
}

#[test]
fn three_syntax_errors_give_three_headers() {
    let source = b"var = 1;\nvar a = 1;\nvar = 2;\nvar b = 2;\nvar = 3;\n";
    let path = scratch("three_errors.lm", source);
    let path = path.to_string_lossy();
    let output = limit(&["check", &path]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    let headers = error_headers(&stderr, &path);
    assert_eq!(headers.len(), 3, "three error headers expected:\n{stderr}");
    for (header, line) in headers.iter().zip([1, 3, 5]) {
        assert!(header.starts_with(&format!("{path}:{line}:")), "{header}");
    }
}

#[test]
fn invalid_utf8_is_a_compile_error() {
    let path = scratch("latin1.lm", b"var s = \"caf\xe9\";\n");
    let path = path.to_string_lossy();
    let output = limit(&["check", &path]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "{path}:1:13: error: source file is not valid UTF-8"
        )),
        "{stderr}"
    );
}

#[test]
fn tokens_lists_one_token_per_line() {
    let path = scratch("tokens.lm", b"var count = 1\nprint(count)\n");
    let output = limit(&["tokens", &path.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let listing = text(&output.stdout);
    let lines: Vec<&str> = listing.lines().collect();
    assert!(
        lines[0].starts_with("1:1 ") && lines[0].contains("Var"),
        "{listing}"
    );
    assert!(
        lines[1].starts_with("1:5 ") && lines[1].ends_with("Ident      count"),
        "{listing}"
    );
    assert!(
        listing.contains("2:1      nl Ident      print"),
        "{listing}"
    );
    assert!(lines.last().is_some_and(|l| l.contains("Eof")), "{listing}");
}

#[test]
fn ast_prints_the_tree() {
    let path = scratch("ast.lm", b"var count = 1 + 2\nprint(count);\n");
    let output = limit(&["ast", &path.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let tree = text(&output.stdout);
    assert!(tree.starts_with("(module\n"), "{tree}");
    assert!(tree.contains("1:1 (var count (+ 1 2))"), "{tree}");
    assert!(tree.contains("2:1 (expr (call print count))"), "{tree}");
}

#[test]
fn ast_of_a_broken_file_reports_errors() {
    let path = scratch("ast_broken.lm", b"var = 1;\n");
    let output = limit(&["ast", &path.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains(": error: "));
}

/// A panic is a bug in limit: the user sees a report to file, not a Rust
/// panic message, and the status is 70 (`EX_SOFTWARE`).
fn internal_error(backtrace: Option<&str>) -> Output {
    let path = scratch("internal_error.lm", b"print(1)\n");
    let mut command = Command::new(env!("CARGO_BIN_EXE_limit"));
    command
        .args(["run", &path.to_string_lossy()])
        .env("LIMIT_TEST_INTERNAL_ERROR", "1")
        .env_remove("RUST_BACKTRACE");
    if let Some(value) = backtrace {
        command.env("RUST_BACKTRACE", value);
    }
    command.output().expect("run limit")
}

#[test]
fn a_panic_is_reported_as_an_internal_error_with_status_70() {
    let output = internal_error(None);
    assert_eq!(output.status.code(), Some(70));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("internal error: this is a bug in limit\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("version: limit {}", env!("CARGO_PKG_VERSION"))),
        "{stderr}"
    );
    assert!(stderr.contains("where: crates/limit_cli/src/"), "{stderr}");
    assert!(
        stderr.contains("input: ") && stderr.contains("internal_error.lm"),
        "{stderr}"
    );
    assert!(stderr.contains("Please report it"), "{stderr}");
    assert!(
        !stderr.contains("panicked"),
        "no Rust panic message: {stderr}"
    );
    assert!(
        !stderr.contains("backtrace"),
        "no backtrace unless asked: {stderr}"
    );
    assert_eq!(text(&output.stdout), "", "the program did not run");
}

#[test]
fn rust_backtrace_adds_the_backtrace_to_the_report() {
    let output = internal_error(Some("1"));
    assert_eq!(output.status.code(), Some(70));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("backtrace:\n"), "{stderr}");
    assert!(stderr.contains("internal_error"), "{stderr}");
    let output = internal_error(Some("0"));
    assert!(!text(&output.stderr).contains("backtrace:"));
}

#[test]
fn a_mistyped_command_is_a_usage_error_suggesting_the_command() {
    let path = scratch("typo.lm", b"print(1)\n");
    let output = limit(&["chek", &path.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(64));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("unknown command `chek`"), "{stderr}");
    assert!(stderr.contains("did you mean `check`?"), "{stderr}");
    // A file, even one named like a command, still runs.
    let output = limit(&[&path.to_string_lossy()]);
    assert_eq!(text(&output.stdout), "1\n");
}

#[test]
fn words_after_the_program_are_the_programs_even_when_they_look_like_options() {
    let path = scratch("words.lm", b"print(\"ran\")\n");
    for words in [
        &["a", "--flag"][..],
        &["--trace", "-O0"][..],
        &["--", "--max-steps", "x"][..],
    ] {
        let mut args = vec![path.to_string_lossy().into_owned()];
        args.extend(words.iter().map(|w| w.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = limit(&args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{words:?}: {}",
            text(&output.stderr)
        );
        assert_eq!(text(&output.stdout), "ran\n", "{words:?}");
        assert_eq!(text(&output.stderr), "", "`--trace` is not limit's here");
    }
    let output = limit(&[
        "run",
        "-O3",
        "--max-steps",
        "1_000",
        &path.to_string_lossy(),
        "x",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}

#[test]
fn std_env_args_are_the_words_after_the_program_path() {
    let file = scratch("env_args.lm", b"import std.env;\nprint(env.args());\n");
    let path = file.to_str().unwrap();
    let out = limit(&[path, "a", "two words", "--flag"]);
    assert_eq!(text(&out.stdout), "[\"a\", \"two words\", \"--flag\"]\n");
    let out = limit(&["run", path, "--", "--x", "7"]);
    assert_eq!(text(&out.stdout), "[\"--x\", \"7\"]\n");
    let out = limit(&["run", "--max-steps", "100000", path, "q"]);
    assert_eq!(text(&out.stdout), "[\"q\"]\n");
    let out = limit(&[path]);
    assert_eq!(text(&out.stdout), "[]\n");
}

#[test]
fn the_step_limit_error_points_at_the_loop_that_ran_out() {
    // Line 4 is the `while` loop that spins; line 2 precedes it. The
    // optimiser may fuse the loop's test into its back edge, so the error
    // is reported somewhere in lines 4-6, never before the loop.
    let file = scratch(
        "spinning_loop.lm",
        b"fn spin(n: int): int {\n  var t = 0\n  var u = 1\n  while (true) {\n    t += n\n  }\n  return t\n}\nprint(spin(1))\n",
    );
    let path = file.to_str().unwrap();
    for mode in [&[][..], &["-O0"][..]] {
        let mut args = vec!["run", "--max-steps", "5000"];
        args.extend_from_slice(mode);
        args.push(path);
        let out = limit(&args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{mode:?}: {stderr}");
        let first = stderr.lines().nth(1).unwrap_or_default();
        assert!(
            first.starts_with("  at spin (") && first.contains("spinning_loop.lm:4:"),
            "{mode:?}: {stderr}"
        );
    }
}

#[test]
fn a_deep_trace_elides_its_middle_without_a_location() {
    let file = scratch(
        "deep_trace.lm",
        b"fn down(n: int): int {\n  if (n == 0) { return 1 / 0 }\n  return down(n - 1) + 1\n}\nprint(down(100))\n",
    );
    let out = limit(&["run", file.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains(" more frames\n  at down ("), "{stderr}");
    assert!(!stderr.contains(":0:0"), "{stderr}");
}

#[test]
fn a_trap_no_clause_of_an_attempt_handles_keeps_the_trace_of_its_origin() {
    // §6: an unhandled trap prints the calls that led to it, innermost
    // first; passing through an `attempt` whose clauses do not match it
    // (twice here) must not restart the trace at the `attempt`.
    let file = scratch(
        "attempt_trace.lm",
        b"fn load(x: int): int {\n    return 10 / x;\n}\nfn outer(): int {\n    attempt {\n        print(load(0));\n    } handle IndexOutOfBounds(e) { print(\"no\"); }\n    return 1;\n}\nfn top(): int {\n    attempt { return outer(); } handle Timeout(e) { return 0; }\n}\nprint(top())\n",
    );
    let out = limit(&["run", file.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    let trace: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        trace,
        [
            "error[DivisionByZero]: division by zero",
            &format!("  at load ({}:2:12)", file.display()),
            &format!("  at outer ({}:6:15)", file.display()),
            &format!("  at top ({}:11:22)", file.display()),
            &format!("  at <script> ({}:13:7)", file.display()),
        ],
        "{stderr}"
    );
    // A task's error re-raised by a block inside an `attempt` keeps the
    // task's frames too.
    let file = scratch(
        "task_attempt_trace.lm",
        b"fn work(i: int): int {\n    return [1][i];\n}\nfn run() {\n    var out = channel();\n    attempt {\n        concurrent (ch=out) {\n            task (i in 0..=2) { out.send(work(i)); }\n        }\n    } handle Timeout(e) { print(\"no\"); }\n}\nrun();\n",
    );
    let out = limit(&["run", file.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"error[IndexOutOfBounds]: index 1 out of range for length 1"),
        "{stderr}"
    );
    assert!(
        lines.get(1).is_some_and(|l| l.starts_with("  at work (")),
        "{stderr}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("  at run (")),
        "{stderr}"
    );
}

#[test]
fn std_process_exit_ends_with_its_status_after_the_output() {
    let file = scratch(
        "process_exit.lm",
        b"import std.process;\nprint(\"bye\");\nprocess.exit(3);\nprint(\"no\");\n",
    );
    let out = limit(&[file.to_str().unwrap()]);
    assert_eq!(text(&out.stdout), "bye\n");
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn a_bare_call_of_an_own_method_is_reported_with_the_call_on_this() {
    // §7 makes a bare name inside a method a field or static member, not
    // a method: the error shows the call that works.
    let file = scratch(
        "bare_method.lm",
        b"frame Square {\n    pub var side: float = 1.0\n    pub fn area(): float { return side * side; }\n}\n\
          frame Tile : Square {\n    pub fn describe(): str { return \"tile {area()}\"; }\n}\n\
          print(Tile().describe())\n",
    );
    let out = limit(&["check", file.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(":6:44: error: unknown function `area`"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "hint: `area` is a method of `Tile`: call it on the instance, `this.area(…)`"
        ),
        "{stderr}"
    );
    // Written on `this`, it compiles and runs.
    let fixed = scratch(
        "bare_method_fixed.lm",
        &text(&std::fs::read(&file).unwrap())
            .replace("{area()}", "{this.area()}")
            .into_bytes(),
    );
    let out = limit(&["run", fixed.to_str().unwrap()]);
    assert_eq!(text(&out.stdout), "tile 1\n", "{}", text(&out.stderr));
}

#[test]
fn a_run_that_leaves_objects_writes_all_its_output_and_runs_every_deinit() {
    // Without a `deinit`, the command ends without freeing what the
    // program left (execution.rs); its output is complete all the same.
    let left = scratch(
        "leaves_objects.lm",
        b"frame P { pub var id: int; pub var peer: P?; }\n\
          var ps: [P] = [];\n\
          var i = 0;\n\
          while (i < 20000) {\n  ps.push(P(i, nil));\n  print(i);\n  i = i + 1;\n}\n\
          ps[0].peer = ps[1];\nps[1].peer = ps[0];\n",
    );
    let out = limit(&[left.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let expected: String = (0..20000).map(|i| format!("{i}\n")).collect();
    assert_eq!(text(&out.stdout), expected);
    // With one, the objects the program left are released, each `deinit`
    // running, before the command ends.
    let with_deinit = scratch(
        "leaves_objects_with_deinit.lm",
        b"frame T { pub var n: int; deinit() { print(\"bye {n}\"); } }\n\
          var ts = [T(1), T(2)];\nprint(\"end\");\n",
    );
    let out = limit(&[with_deinit.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let mut lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.first(), Some(&"end"), "{stdout}");
    lines.sort_unstable();
    assert_eq!(lines, ["bye 1", "bye 2", "end"]);
}

#[test]
fn optimised_code_reports_runtime_errors_where_unoptimised_code_does() {
    // Each program fails inside an instruction the optimiser combines with
    // its operands (`(a % b)`, `xs[i]` of two locals, a loop's step and
    // back edge): the error's line and column must not move.
    let programs: [(&str, &[u8], &[&str]); 3] = [
        (
            "remainder_in_parentheses.lm",
            b"fn f(a: int): int {\n    return (a % a)\n}\nprint(f(0))\n",
            &[],
        ),
        (
            "element_of_two_locals.lm",
            b"fn at(xs: [int], i: int): int {\n    return (xs[i])\n}\nprint(at([1, 2], 5))\n",
            &[],
        ),
        (
            "counting_loop.lm",
            b"fn count(): int {\n    var i = 0\n    while (i >= 0) {\n        i = i + 1\n    }\n    return i\n}\nprint(count())\n",
            &["--max-steps", "5000", "--jit=off"],
        ),
    ];
    for (name, source, extra) in programs {
        let file = scratch(name, source);
        let path = file.to_str().unwrap();
        let run = |optimise: &[&str]| {
            let mut args = vec!["run"];
            args.extend_from_slice(extra);
            args.extend_from_slice(optimise);
            args.push(path);
            let output = limit(&args);
            assert_eq!(output.status.code(), Some(1), "{name}");
            text(&output.stderr)
        };
        assert_eq!(run(&[]), run(&["-O0"]), "{name}");
    }
}
