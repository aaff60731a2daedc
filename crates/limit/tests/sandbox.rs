//! The sandbox (issue 25): `Engine::new()` grants no capability — a script
//! cannot end the host process, touch files, read the host's stdin or
//! sleep — and each leak is a compile error naming the capability, with
//! its line and column. Granting a capability opens it; `sleep` and other
//! blocking waits still count against the engine's wall-clock limit.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use limit::{Capabilities, Capability, Engine, Error, Value};

/// The compile error of `source` on a sandboxed engine.
fn denied(source: &str) -> String {
    let mut engine = Engine::new();
    match engine.run_str(source) {
        Err(Error::Compile(text)) => text.to_string(),
        other => panic!("expected a compile error, got {other:?}"),
    }
}

/// Runs `source` in a child process (this test binary, re-run on the test
/// `child_engine`) on an engine granted `capability`, with `stdin`.
fn in_child(capability: &str, source: &str, stdin: &str) -> std::process::Output {
    let mut child = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", "child_engine", "--nocapture", "--test-threads=1"])
        .env("LIMIT_CHILD_CAPABILITY", capability)
        .env("LIMIT_CHILD_SOURCE", source)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the test binary starts");
    let mut input = child.stdin.take().expect("piped stdin");
    input.write_all(stdin.as_bytes()).expect("stdin written");
    drop(input);
    child.wait_with_output().expect("the child ends")
}

/// Not a test of its own: the body of [`in_child`]'s process.
#[test]
fn child_engine() {
    let (Ok(name), Ok(source)) = (
        std::env::var("LIMIT_CHILD_CAPABILITY"),
        std::env::var("LIMIT_CHILD_SOURCE"),
    ) else {
        return;
    };
    let capability = Capability::ALL
        .into_iter()
        .find(|c| c.name() == name)
        .expect("a capability name");
    let mut engine = Engine::with_capabilities(Capabilities::none().with(capability, true));
    let value = engine.run_str(&source).expect("the child's script runs");
    println!("value: {value}");
}

#[test]
fn exit_is_denied_by_default_and_ends_the_host_when_granted() {
    let text = denied("var x = 1;\nexit(3);");
    assert!(
        text.contains(":2:1: error: `exit` needs the capability `exit`"),
        "{text}"
    );
    // Taken as a value, it is the same leak.
    let text = denied("var quit = exit;");
    assert!(
        text.contains(":1:12: error: `exit` needs the capability `exit`"),
        "{text}"
    );
    let out = in_child("exit", "print(\"bye\"); exit(3);", "");
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("bye"),
        "{out:?}"
    );
}

#[test]
fn files_are_denied_by_default_and_open_when_granted() {
    let path = std::env::temp_dir().join(format!("limit_sandbox_{}.txt", std::process::id()));
    let write = format!("write_file({:?}, \"secret\")", path.display().to_string());
    let text = denied(&write);
    assert!(
        text.contains(":1:1: error: `write_file` needs the capability `fs` (the file system)"),
        "{text}"
    );
    assert!(!path.exists());
    for source in ["read_file(\"/etc/passwd\")", "file_exists(\"/\")"] {
        assert!(
            denied(source).contains("needs the capability `fs`"),
            "{source}"
        );
    }
    let mut engine = Engine::new();
    engine.set_capabilities(Capabilities {
        fs: true,
        ..Capabilities::none()
    });
    engine.run_str(&format!("{write};")).unwrap();
    let read = format!("read_file({:?})?", path.display().to_string());
    let back = engine.run_str(&format!("fn read(): str? {{ return {read}; }}\nread()"));
    std::fs::remove_file(&path).unwrap();
    assert_eq!(back.unwrap(), Value::from("secret"));
}

#[test]
fn stdin_is_denied_by_default_and_read_when_granted() {
    let text = denied("var name = input(\"name? \");");
    assert!(
        text.contains(":1:12: error: `input` needs the capability `stdin` (standard input)"),
        "{text}"
    );
    let out = in_child("stdin", "input()", "typed by the user\n");
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("value: typed by the user"),
        "{out:?}"
    );
}

#[test]
fn sleep_is_denied_by_default_and_bounded_by_the_time_limit_when_granted() {
    let text = denied("sleep(1e30);");
    assert!(
        text.contains(":1:1: error: `sleep` needs the capability `sleep`"),
        "{text}"
    );
    let mut engine = Engine::with_capabilities(Capabilities {
        sleep: true,
        ..Capabilities::none()
    });
    engine.run_str("sleep(0.01);").unwrap();
    engine.set_time_limit(Some(Duration::from_millis(100)));
    let started = Instant::now();
    let error = engine.run_str("sleep(1e30);").unwrap_err();
    let took = started.elapsed();
    assert_eq!(error.kind(), Some("ResourceLimit"), "{error}");
    assert!(error.to_string().contains("time limit"), "{error}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // A script cannot catch it, and the engine goes on.
    let caught = "var r = 0; attempt { sleep(1e30); } handle ResourceLimit(e) { r = 1; }";
    assert_eq!(
        engine.run_str(caught).unwrap_err().kind(),
        Some("ResourceLimit")
    );
    assert_eq!(engine.run_str("40 + 2").unwrap(), Value::Int(42));
}

#[test]
fn the_time_limit_stops_a_busy_loop_too() {
    let mut engine = Engine::new();
    engine.set_time_limit(Some(Duration::from_millis(50)));
    let error = engine
        .run_str("var i = 0; while (true) { i = i + 1; }")
        .unwrap_err();
    assert_eq!(error.kind(), Some("ResourceLimit"), "{error}");
    // Each run has the whole limit again.
    assert_eq!(engine.run_str("i > 0").unwrap(), Value::Bool(true));
}

#[test]
fn a_user_function_may_take_a_denied_name() {
    let mut engine = Engine::new();
    engine
        .run_str("fn sleep(s: int): int { return s * 2; }")
        .unwrap();
    assert_eq!(engine.run_str("sleep(21)").unwrap(), Value::Int(42));
}
