//! `limit test DIR` on a fixture folder with one passing and one failing
//! program (`tests/fixtures/suite/`).

use std::path::Path;
use std::process::Command;

fn limit_test(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_limit"))
        .arg("test")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run limit test");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.code(), stdout)
}

#[test]
fn reports_each_program_failures_areas_and_summary() {
    assert!(Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/suite")
        .is_dir());
    let (status, stdout) = limit_test(&["-j", "2", "tests/fixtures/suite"]);
    assert_eq!(status, Some(1), "a failure makes the status 1:\n{stdout}");
    assert!(stdout.contains("ok   arithmetic/passing.lm"), "{stdout}");
    assert!(stdout.contains("FAIL text/failing.lm"), "{stdout}");
    assert!(stdout.contains("--- text/failing.lm"), "{stdout}");
    assert!(
        stdout.contains("stdout differs at line 1"),
        "the reason is shown:\n{stdout}"
    );
    assert!(stdout.contains("arithmetic     1/1"), "{stdout}");
    assert!(stdout.contains("text           0/1"), "{stdout}");
    assert!(
        stdout.trim_end().ends_with("1 passed, 1 failed"),
        "{stdout}"
    );
}

#[test]
fn passing_folder_succeeds_and_quiet_prints_only_the_summary() {
    let (status, stdout) = limit_test(&["--quiet", "-O0", "tests/fixtures/suite/arithmetic"]);
    assert_eq!(status, Some(0), "{stdout}");
    assert!(!stdout.contains("ok "), "{stdout}");
    assert!(
        stdout.trim_end().ends_with("1 passed, 0 failed"),
        "{stdout}"
    );
}

#[test]
fn missing_folder_is_an_input_error() {
    let (status, _) = limit_test(&["no/such/folder"]);
    assert_eq!(status, Some(66));
}

#[test]
fn one_program_file_is_a_test_run_alone() {
    let (status, stdout) = limit_test(&["tests/fixtures/suite/arithmetic/passing.lm"]);
    assert_eq!(status, Some(0), "{stdout}");
    assert!(
        stdout.contains("ok   tests/fixtures/suite/arithmetic/passing.lm"),
        "{stdout}"
    );
    assert!(
        stdout.trim_end().ends_with("1 passed, 0 failed"),
        "{stdout}"
    );
    let (status, stdout) = limit_test(&["tests/fixtures/suite/text/failing.lm"]);
    assert_eq!(status, Some(1), "{stdout}");
    assert!(stdout.contains("stdout differs at line 1"), "{stdout}");
}

#[test]
fn results_are_plain_text_in_a_log() {
    // A redirected `limit test` wrote colour codes into the log.
    let (_, stdout) = limit_test(&["-j", "2", "tests/fixtures/suite"]);
    assert!(!stdout.contains('\x1b'), "{stdout:?}");
}

/// `limit test` on a pseudo-terminal, with `NO_COLOR` set or not.
fn on_a_terminal(no_colour: bool) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_limit"));
    command
        .args(["test", "tests/fixtures/suite/arithmetic"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR");
    if no_colour {
        command.env("NO_COLOR", "1");
    }
    let mut session = rexpect::session::spawn_command(command, Some(30_000)).expect("start");
    session.exp_eof().expect("limit test ends")
}

#[test]
fn a_terminal_gets_colour_unless_no_color_is_set() {
    let coloured = on_a_terminal(false);
    assert!(coloured.contains("\x1b[32mok\x1b[0m"), "{coloured:?}");
    let plain = on_a_terminal(true);
    assert!(!plain.contains('\x1b'), "{plain:?}");
    assert!(plain.contains("ok   passing.lm"), "{plain:?}");
}
