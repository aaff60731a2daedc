//! How `limit run` writes a program's output (reference.md §11): line by line
//! on a terminal and in blocks otherwise; a closed stdout or stderr ends the
//! program quietly with status 0; Ctrl-C flushes what was printed and ends
//! with status 130.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rexpect::process::WaitStatus;
use rexpect::session::spawn_command;

/// Generous: the machine running the tests may be heavily loaded.
const PATIENCE: Duration = Duration::from_secs(30);

/// A scratch file holding `contents`, unique to `name`.
fn scratch(name: &str, contents: &str) -> PathBuf {
    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("output-tests");
    std::fs::create_dir_all(&folder).expect("create scratch folder");
    let path = folder.join(name);
    std::fs::write(&path, contents).expect("write scratch file");
    path
}

/// A path that does not exist yet, which a test creates to release a
/// program waiting for it.
fn signal_path(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("output-tests")
        .join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn limit_run(program: &PathBuf) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_limit"));
    command.arg("run").arg(program).stdin(Stdio::null());
    command
}

/// Waits for `child` to end, killing it (and failing) after `PATIENCE`.
fn wait_patiently(child: &mut Child) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("poll the child") {
            return status;
        }
        if started.elapsed() > PATIENCE {
            let _ = child.kill();
            panic!("the program did not end within {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn read_all(mut stream: impl Read) -> String {
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    text
}

#[test]
fn a_closed_stdout_ends_an_endless_printer_quietly_with_status_0() {
    // `limit yes.lm | head -2`: write errors were ignored and the program
    // printed forever at full speed.
    let program = scratch(
        "yes.lm",
        "var i = 0\nwhile (true) { print(\"y {i}\"); i += 1 }\n",
    );
    let mut child = limit_run(&program)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start limit");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("a first line");
    assert_eq!(first, "y 0\n");
    drop(stdout);
    let status = wait_patiently(&mut child);
    assert_eq!(status.code(), Some(0));
    let stderr = read_all(child.stderr.take().expect("stderr"));
    assert_eq!(stderr, "", "nothing is reported");
}

#[test]
fn a_closed_stderr_ends_an_error_report_quietly_with_status_0() {
    // A stack-overflow report into a closed stderr exited 101 with a Rust
    // panic. The program overflows only once the read end is closed (a
    // signal file), or on a loaded machine its report could reach the pipe
    // while it is still open.
    let release = signal_path("release-overflow");
    let program = scratch(
        "overflow.lm",
        &format!(
            "while (!file_exists({release:?})) {{ }}\n\
             fn down(n: int): int {{ return down(n + 1) + 1 }}\nprint(down(0))\n",
            release = release.display().to_string()
        ),
    );
    let mut child = limit_run(&program)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start limit");
    drop(child.stderr.take());
    std::fs::write(&release, "").expect("write the signal file");
    let status = wait_patiently(&mut child);
    assert_eq!(status.code(), Some(0));
}

#[test]
fn output_to_a_pipe_is_held_in_blocks_until_the_program_ends() {
    let release = signal_path("release-block");
    let program = scratch(
        "block.lm",
        &format!(
            "print(\"start\")\nwhile (!file_exists({release:?})) {{ }}\nprint(\"end\")\n",
            release = release.display().to_string()
        ),
    );
    let mut child = limit_run(&program)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start limit");
    let stdout = child.stdout.take().expect("stdout");
    let (lines, received) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    // The program runs its loop: "start" is still in its buffer.
    assert!(
        received.recv_timeout(Duration::from_millis(700)).is_err(),
        "a pipe gets output in blocks, not line by line"
    );
    std::fs::write(&release, "go").expect("release the program");
    assert_eq!(wait_patiently(&mut child).code(), Some(0));
    reader.join().expect("reader thread");
    let got: Vec<String> = received.try_iter().collect();
    assert_eq!(got, ["start", "end"]);
}

#[test]
fn output_to_a_terminal_shows_each_line_as_it_is_printed() {
    // `print("start")` before a long loop showed nothing until the end.
    let release = signal_path("release-line");
    let program = scratch(
        "line.lm",
        &format!(
            "print(\"start\")\nwhile (!file_exists({release:?})) {{ }}\nprint(\"end\")\n",
            release = release.display().to_string()
        ),
    );
    let mut command = Command::new(env!("CARGO_BIN_EXE_limit"));
    command.arg("run").arg(&program);
    let mut session =
        spawn_command(command, Some(PATIENCE.as_millis() as u64)).expect("start limit on a pty");
    // Seen while the program is still looping: only then is it released.
    session
        .exp_string("start")
        .expect("the first line, at once");
    std::fs::write(&release, "go").expect("release the program");
    session.exp_string("end").expect("the second line");
    session.exp_eof().expect("the program ends");
}

#[test]
fn ctrl_c_on_a_terminal_stops_the_program_with_status_130() {
    let program = scratch(
        "spin-tty.lm",
        "print(\"looping\")\nvar n = 0\nwhile (true) { n += 1 }\n",
    );
    let mut command = Command::new(env!("CARGO_BIN_EXE_limit"));
    command.arg("run").arg(&program);
    let mut session =
        spawn_command(command, Some(PATIENCE.as_millis() as u64)).expect("start limit on a pty");
    session.exp_string("looping").expect("the program runs");
    session.send_control('c').expect("send Ctrl-C");
    session
        .exp_string("Interrupted")
        .expect("the interrupt is reported");
    session.exp_eof().expect("the program ends");
    match session.process().wait().expect("the exit status") {
        WaitStatus::Exited(_, code) => assert_eq!(code, 130),
        other => panic!("ended by {other:?}"),
    }
}

#[test]
fn an_interrupt_flushes_buffered_output_before_ending_with_130() {
    // Ctrl-C lost everything not yet written.
    let ready = signal_path("spin-ready");
    let program = scratch(
        "spin-pipe.lm",
        &format!(
            "print(\"held in the buffer\")\nwrite_file({ready:?}, \"ready\")\nwhile (true) {{ }}\n",
            ready = ready.display().to_string()
        ),
    );
    let mut child = limit_run(&program)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start limit");
    let started = Instant::now();
    while !ready.exists() {
        assert!(started.elapsed() < PATIENCE, "the program never got ready");
        std::thread::sleep(Duration::from_millis(20));
    }
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(interrupted.success());
    let status = wait_patiently(&mut child);
    assert_eq!(status.code(), Some(130));
    assert_eq!(
        read_all(child.stdout.take().expect("stdout")),
        "held in the buffer\n"
    );
    let stderr = read_all(child.stderr.take().expect("stderr"));
    assert!(stderr.contains("error[Interrupted]"), "{stderr}");
}

#[test]
fn diagnostics_on_a_terminal_are_coloured_unless_no_color_is_set() {
    let program = scratch("colour.lm", "var x = ;\nprint(1 / 0)\n");
    let run = |no_color: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_limit"));
        command.arg("check").arg(&program).env_remove("NO_COLOR");
        if let Some(value) = no_color {
            command.env("NO_COLOR", value);
        }
        let mut session = spawn_command(command, Some(PATIENCE.as_millis() as u64))
            .expect("start limit on a pty");
        session.exp_eof().expect("the check ends")
    };
    let coloured = run(None);
    assert!(coloured.contains("\x1b[1;31merror:\x1b[0m"), "{coloured:?}");
    assert!(coloured.contains("\x1b[1;34m1 | \x1b[0m"), "{coloured:?}");
    let plain = run(Some("1"));
    assert!(
        plain.contains(": error: expected an expression"),
        "{plain:?}"
    );
    assert!(!plain.contains('\x1b'), "{plain:?}");
    // Through a pipe there is no colour either (the `cli` tests read it).
    let piped = Command::new(env!("CARGO_BIN_EXE_limit"))
        .arg("check")
        .arg(&program)
        .env_remove("NO_COLOR")
        .output()
        .expect("run limit");
    assert!(!String::from_utf8_lossy(&piped.stderr).contains('\x1b'));
}
