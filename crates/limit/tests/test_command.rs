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
