//! `limit repl` driven through a pseudo-terminal: definitions persist
//! between lines, multi-line input, echoed values, errors do not end the
//! session.

use std::process::Command;

use rexpect::session::{spawn_command, PtySession};

const PROMPT: &str = "limit> ";
const TIMEOUT_MS: u64 = 20_000;

fn start() -> PtySession {
    let home = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("repl-home");
    std::fs::create_dir_all(&home).expect("create a home for the history");
    let mut command = Command::new(env!("CARGO_BIN_EXE_limit"));
    command
        .arg("repl")
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("TERM", "xterm");
    let mut session = spawn_command(command, Some(TIMEOUT_MS)).expect("start limit repl");
    session.exp_string("type :help").expect("banner");
    session.exp_string(PROMPT).expect("first prompt");
    session
}

/// Sends `line` and waits for the next main prompt; returns what was
/// printed in between (the echoed line included).
fn enter(session: &mut PtySession, line: &str) -> String {
    session.send_line(line).expect("send a line");
    session.exp_string(PROMPT).expect("the next prompt")
}

#[test]
fn a_session_keeps_definitions_echoes_values_and_survives_errors() {
    let mut repl = start();
    enter(&mut repl, "fn triple(x: int): int { return x * 3; }");
    let shown = enter(&mut repl, "triple(14)");
    assert!(shown.contains("42"), "{shown:?}");

    // A frame over several lines: continuation prompts until the brace closes.
    repl.send_line("frame Counter {").expect("send");
    repl.exp_string("...").expect("continuation prompt");
    repl.send_line("    pub n: int = 0").expect("send");
    repl.exp_string("...").expect("continuation prompt");
    repl.send_line("    pub fn bump(): int { this.n += 1; return this.n; }")
        .expect("send");
    repl.exp_string("...").expect("continuation prompt");
    repl.send_line("}").expect("send");
    repl.exp_string(PROMPT).expect("prompt after the frame");
    enter(&mut repl, "var c = Counter()");
    enter(&mut repl, "c.bump()");
    let shown = enter(&mut repl, "c.bump() + triple(1)");
    assert!(shown.contains('5'), "{shown:?}");

    // Errors are reported and the session goes on.
    let shown = enter(&mut repl, "triple(\"x\", 2)");
    assert!(shown.contains("error"), "{shown:?}");
    let shown = enter(&mut repl, "[1, 2][7]");
    assert!(shown.contains("error[IndexOutOfBounds]"), "{shown:?}");
    let shown = enter(&mut repl, "\"still \" + str(c.n)");
    assert!(shown.contains("\"still 2\""), "{shown:?}");

    let shown = enter(&mut repl, ":type triple");
    assert!(shown.contains("fn(int): int"), "{shown:?}");

    repl.send_line(":quit").expect("send :quit");
    repl.exp_eof().expect("the session ends");
}

/// Issue 18 item 4: a parallel block after the first line used to index
/// past the first line's program in its worker threads and hang the REPL.
#[test]
fn a_parallel_block_after_the_first_line_runs() {
    let mut repl = start();
    enter(&mut repl, "1");
    enter(&mut repl, "fn cube(x: int): int { return x * x * x; }");
    enter(&mut repl, "var t = 0");
    enter(
        &mut repl,
        "parallel (cores=2) { task (i in 1..=3) { t += cube(i); } }",
    );
    let shown = enter(&mut repl, "print(\"sum={t}\")");
    assert!(shown.contains("sum=36"), "{shown:?}");
}

#[test]
fn each_line_is_checked_with_the_session_definitions_as_a_file_would_be() {
    let mut repl = start();
    enter(&mut repl, "var r = parse_int(\"x\")");
    let shown = enter(&mut repl, "r + 1");
    assert!(
        shown.contains("used as `int` without handling its error"),
        "{shown:?}"
    );
    // A fallible call whose value the session shows is not ignored.
    let shown = enter(&mut repl, "parse_int(\"5\")");
    assert!(shown.contains('5') && !shown.contains("error"), "{shown:?}");
    // A frame from an earlier line types the later lines.
    enter(&mut repl, "frame Pt { pub x: int = 1 }");
    let shown = enter(&mut repl, "var s: str = Pt().x");
    assert!(shown.contains("expects `str`, found `int`"), "{shown:?}");
    let shown = enter(&mut repl, "Pt().x + (r ?else { 41 })");
    assert!(shown.contains("42"), "{shown:?}");
}

#[test]
fn ctrl_c_stops_the_running_input_and_keeps_the_session() {
    let mut repl = start();
    enter(&mut repl, "var before = 41");
    enter(&mut repl, "fn answer(): int { return before + 1 }");
    // A loop that never ends on its own, then one that sleeps.
    for endless in ["var spins = 0; while (true) { spins += 1 }", "sleep(1000)"] {
        repl.send_line(endless).expect("send a loop");
        // Let it start running (Ctrl-C while the line is still being
        // edited would only abandon the line).
        std::thread::sleep(std::time::Duration::from_millis(300));
        repl.send_control('c').expect("send Ctrl-C");
        let shown = repl.exp_string(PROMPT).expect("back at the prompt");
        assert!(shown.contains("Interrupted"), "{endless}: {shown:?}");
    }
    // Every definition is still there, including one from the stopped
    // input itself, and the next input is not interrupted.
    let shown = enter(&mut repl, "answer()");
    assert!(shown.contains("42"), "{shown:?}");
    let shown = enter(&mut repl, "spins > 0");
    assert!(shown.contains("true"), "{shown:?}");
    repl.send_line(":quit").expect("quit");
    repl.exp_eof().expect("the session ends");
}

#[test]
fn a_redefinition_replaces_the_earlier_definition() {
    let mut repl = start();
    enter(&mut repl, "frame Pt { pub x: int = 1 }");
    enter(&mut repl, "fn area(p: Pt): int { return p.x * 10; }");
    enter(&mut repl, "var n = 5");
    let shown = enter(&mut repl, "area(Pt(x=4)) + n");
    assert!(shown.contains("45"), "{shown:?}");
    // The frame, the function and the variable are declared again with
    // other shapes: each line after sees the new ones only.
    let shown = enter(&mut repl, "frame Pt { pub x: str = \"a\"; pub y: int = 2 }");
    assert!(!shown.contains("error"), "{shown:?}");
    let shown = enter(&mut repl, "fn n(): str { return Pt().x + str(Pt().y); }");
    assert!(!shown.contains("error"), "{shown:?}");
    let shown = enter(&mut repl, "n()");
    assert!(shown.contains("\"a2\""), "{shown:?}");
    let shown = enter(&mut repl, "var bad: int = Pt().x");
    assert!(shown.contains("expects `int`, found `str`"), "{shown:?}");
}

#[test]
fn a_session_imports_standard_modules_and_checks_their_types() {
    let mut repl = start();
    enter(&mut repl, "import std.math");
    // A function of a later line calls the module imported before.
    enter(
        &mut repl,
        "fn twice_gcd(a: int, b: int): int { return 2 * math.gcd(a, b); }",
    );
    let shown = enter(&mut repl, "twice_gcd(12, 18)");
    assert!(shown.contains("12"), "{shown:?}");
    // The module's signatures reach the checker, as in a file.
    let shown = enter(&mut repl, "var bad: str = math.gcd(4, 6)");
    assert!(
        shown.contains("variable `bad` expects `str`, found `int`"),
        "{shown:?}"
    );
    enter(&mut repl, "import std.math as m");
    let shown = enter(&mut repl, "m.clamp(15, 0, 10) + twice_gcd(3, 6)");
    assert!(shown.contains("16"), "{shown:?}");
}
