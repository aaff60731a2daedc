//! `limit fmt`: files, folders, standard input, `--check`, and files that
//! do not parse (the layout rules themselves are tested in
//! limit_syntax's format module and over every program of the repository
//! in limit_syntax/tests/format_corpus.rs).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn folder(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("fmt-command")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch folder");
    dir
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

const MESSY: &str =
    "fn area(w:int,h:int):int { var a=w*h; return a; }\nprint(area(2,3))   // expect: 6\n";
const TIDY: &str = "fn area(w: int, h: int): int {\n    var a = w * h;\n    return a;\n}\nprint(area(2, 3))   // expect: 6\n";

#[test]
fn check_lists_the_files_that_would_change_and_changes_nothing() {
    let dir = folder("check");
    let messy = dir.join("messy.lm");
    let tidy = dir.join("tidy.lm");
    std::fs::write(&messy, MESSY).unwrap();
    std::fs::write(&tidy, TIDY).unwrap();
    let out = limit(&["fmt", "--check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    assert!(
        listed.contains("messy.lm") && !listed.contains("tidy.lm"),
        "{listed}"
    );
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), MESSY);

    let out = limit(&["fmt", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), TIDY);
    let out = limit(&["fmt", "--check", messy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "");
    // The formatted program still runs the same.
    let out = limit(&["run", messy.to_str().unwrap()]);
    assert_eq!(text(&out.stdout), "6\n");
}

#[test]
fn standard_input_is_formatted_to_standard_output() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_limit"))
        .args(["fmt", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run limit");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(MESSY.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), TIDY);
}

#[test]
fn a_file_with_a_syntax_error_is_left_alone() {
    let dir = folder("syntax");
    let bad = dir.join("bad.lm");
    let good = dir.join("good.lm");
    std::fs::write(&bad, "var = 3\nprint( 1 )\n").unwrap();
    std::fs::write(&good, "print( 1 )\n").unwrap();
    // Named: the error is shown and the status is 2.
    let out = limit(&["fmt", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("1:5"), "{}", text(&out.stderr));
    // In a folder: skipped with a note; the other files are formatted.
    let out = limit(&["fmt", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("skipped"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&bad).unwrap(),
        "var = 3\nprint( 1 )\n"
    );
    assert_eq!(std::fs::read_to_string(&good).unwrap(), "print(1)\n");
}

#[test]
fn a_missing_file_is_reported() {
    let out = limit(&["fmt", "/nonexistent/nothing.lm"]);
    assert_eq!(out.status.code(), Some(66));
    assert!(text(&out.stderr).contains("cannot read"));
}
