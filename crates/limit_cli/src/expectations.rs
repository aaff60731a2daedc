//! Inline test expectations of conformance programs (STYLE.md), and the check
//! of one run's outcome against them.
//!
//! A `.lm` test says what it expects in comments:
//!
//! * `// expect: TEXT` — the next line of stdout is exactly `TEXT`
//!   (`// expect:` with nothing after it expects an empty line);
//! * `// error: TEXT` — a compile error reported at this comment's line whose
//!   message contains `TEXT` (backticks aside); `// error: line N: TEXT`
//!   points at line `N`;
//! * `// runtime error: TEXT` — the program traps: exit status 1 and stderr
//!   contains `error[TEXT]` or `TEXT`;
//! * `// warning: TEXT` — stderr has a warning whose message contains `TEXT`;
//! * `// mode: check` on the first line — compile only (`limit check`);
//! * `// args: WORDS` — the words (split at spaces) passed to the program
//!   after its path, as `limit run FILE WORDS` (`std.env.args()`);
//! * `// stdin: TEXT` — one line `TEXT` (with its newline) of the program's
//!   standard input; without any, the program reads an empty input.
//!
//! The conformance harness (`crates/limit_cli/tests/lang.rs`), the guide's test
//! and the `limit test` command share this module (through `crate::suite`).

use std::fmt::Write as _;

use crate::exit_status::ExitStatus;

/// How the program under test is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// `limit run FILE`: compile and execute.
    #[default]
    Run,
    /// `limit check FILE`: compile only; no stdout is expected.
    Check,
}

/// A compile error the test expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedError {
    /// The file the error is reported in, relative to the test (for a
    /// multi-file test); `None` means the file the comment is in when that is
    /// the entry file.
    pub file: Option<String>,
    /// 1-based line of the diagnostic's header.
    pub line: u32,
    /// A substring of the diagnostic's message.
    pub text: String,
}

/// Everything one test program expects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expectations {
    pub mode: Mode,
    /// Lines of stdout, in order.
    pub stdout: Vec<String>,
    pub errors: Vec<ExpectedError>,
    /// The kind or message of the expected runtime error.
    pub runtime_error: Option<String>,
    pub warnings: Vec<String>,
    /// Words passed to the program after its path.
    pub args: Vec<String>,
    /// The program's standard input.
    pub stdin: String,
}

impl Expectations {
    /// Reads the expectations written in `source`, the test's entry file.
    pub fn parse(source: &str) -> Expectations {
        let mut expectations = Expectations::default();
        expectations.add_source(source, None);
        expectations
    }

    /// Adds the expectations written in one more file of the test. `file`
    /// names it (relative to the test's folder) when it is not the entry
    /// file; its `// error:` lines then refer to that file.
    pub fn add_source(&mut self, source: &str, file: Option<&str>) {
        for (index, line) in source.lines().enumerate() {
            let line_number = index as u32 + 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            if index == 0 && line.trim() == "// mode: check" {
                self.mode = Mode::Check;
                continue;
            }
            self.add_line(line, line_number, file);
        }
    }

    /// True when the program must fail to compile.
    pub fn expects_compile_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    fn add_line(&mut self, line: &str, line_number: u32, file: Option<&str>) {
        if let Some(text) = comment_after(line, "// runtime error:")
            .or_else(|| comment_after(line, "// expect runtime error:"))
        {
            self.runtime_error = Some(text.trim().to_string());
        } else if let Some(text) = comment_after(line, "// expect:") {
            self.stdout.push(text.to_string());
        } else if let Some(text) = comment_after(line, "// error:") {
            self.errors
                .push(parse_expected_error(text, line_number, file));
        } else if let Some(text) = comment_after(line, "// warning:") {
            self.warnings.push(text.trim().to_string());
        } else if let Some(text) = comment_after(line, "// args:") {
            self.args
                .extend(text.split_whitespace().map(str::to_string));
        } else if let Some(text) = comment_after(line, "// stdin:") {
            self.stdin.push_str(text);
            self.stdin.push('\n');
        }
    }
}

/// The text after `marker` on `line`, without the one space that follows the
/// colon.
fn comment_after<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let start = line.find(marker)? + marker.len();
    let rest = &line[start..];
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// `TEXT` or `line N: TEXT`.
fn parse_expected_error(text: &str, line_number: u32, file: Option<&str>) -> ExpectedError {
    let pointed = text.strip_prefix("line ").and_then(|rest| {
        let (number, message) = rest.split_once(':')?;
        Some((number.trim().parse::<u32>().ok()?, message))
    });
    let (line, text) = pointed.unwrap_or((line_number, text));
    ExpectedError {
        file: file.map(str::to_string),
        line,
        text: text.trim().to_string(),
    }
}

/// A diagnostic header found on stderr: `path:line:col: error: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportedDiagnostic {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub is_error: bool,
    pub message: String,
}

impl ReportedDiagnostic {
    /// Parses one stderr line; `None` when it is not a diagnostic header.
    pub fn parse(line: &str) -> Option<ReportedDiagnostic> {
        let (location, is_error, message) = if let Some((a, b)) = line.split_once(": error: ") {
            (a, true, b)
        } else {
            let (a, b) = line.split_once(": warning: ")?;
            (a, false, b)
        };
        let mut parts = location.rsplitn(3, ':');
        let column = parts.next()?.parse().ok()?;
        let line_number = parts.next()?.parse().ok()?;
        let path = parts.next()?.to_string();
        Some(ReportedDiagnostic {
            path,
            line: line_number,
            column,
            is_error,
            message: message.to_string(),
        })
    }

    /// Every diagnostic header in `stderr`.
    pub fn all_in(stderr: &str) -> Vec<ReportedDiagnostic> {
        stderr
            .lines()
            .filter_map(ReportedDiagnostic::parse)
            .collect()
    }

    fn matches(&self, expected: &ExpectedError) -> bool {
        let in_file = match &expected.file {
            None => true,
            Some(file) => {
                let path = self.path.replace('\\', "/");
                path == *file || path.ends_with(&format!("/{file}"))
            }
        };
        self.is_error
            && in_file
            && self.line == expected.line
            && without_backticks(&self.message).contains(&without_backticks(&expected.text))
    }
}

/// Messages quote code in backticks (`` `break` outside a loop ``); tests
/// are written in plain words (`// error: break outside`). Both match.
fn without_backticks(text: &str) -> String {
    text.replace('`', "")
}

/// What one run of `limit` produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The exit status; `None` when the process was killed (timeout, signal).
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Checks `outcome` against `expectations`; `expected_stdout` replaces the
/// `// expect:` lines when the test has a sibling `.out` file. On failure the
/// error is a readable report of every difference.
pub fn verify(
    expectations: &Expectations,
    expected_stdout: Option<&str>,
    outcome: &Outcome,
) -> Result<(), String> {
    let mut problems = Vec::new();
    let expected_lines: Vec<String> = match expected_stdout {
        Some(text) => text.lines().map(str::to_string).collect(),
        None => expectations.stdout.clone(),
    };
    let actual_lines: Vec<String> = outcome.stdout.lines().map(str::to_string).collect();

    if expectations.expects_compile_errors() {
        check_status(outcome, ExitStatus::CompileError, &mut problems);
        if !outcome.stdout.is_empty() {
            problems.push("stdout should be empty when compilation fails".to_string());
        }
        check_compile_errors(expectations, outcome, &mut problems);
    } else if let Some(runtime_error) = &expectations.runtime_error {
        check_status(outcome, ExitStatus::RuntimeError, &mut problems);
        let tagged = format!("error[{runtime_error}]");
        if !outcome.stderr.contains(&tagged) && !outcome.stderr.contains(runtime_error.as_str()) {
            problems.push(format!(
                "stderr should contain the runtime error `{tagged}`"
            ));
        }
        check_stdout(&expected_lines, &actual_lines, &mut problems);
    } else {
        check_status(outcome, ExitStatus::Success, &mut problems);
        if expectations.mode == Mode::Run {
            check_stdout(&expected_lines, &actual_lines, &mut problems);
        }
    }
    check_warnings(expectations, outcome, &mut problems);

    if problems.is_empty() {
        Ok(())
    } else {
        Err(failure_report(&problems, &expected_lines, outcome))
    }
}

fn check_status(outcome: &Outcome, expected: ExitStatus, problems: &mut Vec<String>) {
    let expected = expected.code();
    match outcome.status {
        Some(status) if status == expected => {}
        Some(status) => problems.push(format!("exit status {status}, expected {expected}")),
        None => problems.push(format!(
            "the process was killed (timeout or signal), expected exit status {expected}"
        )),
    }
}

fn check_stdout(expected: &[String], actual: &[String], problems: &mut Vec<String>) {
    if expected != actual {
        problems.push(stdout_difference(expected, actual));
    }
}

/// The first differing line, then both line lists side by side.
fn stdout_difference(expected: &[String], actual: &[String]) -> String {
    let first_difference = expected
        .iter()
        .zip(actual)
        .position(|(e, a)| e != a)
        .unwrap_or(expected.len().min(actual.len()));
    let mut text = format!(
        "stdout differs at line {} (expected {} lines, got {}):",
        first_difference + 1,
        expected.len(),
        actual.len()
    );
    let rows = expected.len().max(actual.len());
    for row in 0..rows {
        let e = expected.get(row).map(String::as_str);
        let a = actual.get(row).map(String::as_str);
        let marker = if e == a { ' ' } else { '!' };
        let _ = write!(
            text,
            "\n  {marker} {:>3} expected: {:<30} actual: {}",
            row + 1,
            e.map_or("<none>".to_string(), |s| format!("{s:?}")),
            a.map_or("<none>".to_string(), |s| format!("{s:?}")),
        );
    }
    text
}

/// Every expected error must be reported, and every reported error expected.
fn check_compile_errors(
    expectations: &Expectations,
    outcome: &Outcome,
    problems: &mut Vec<String>,
) {
    let reported: Vec<ReportedDiagnostic> = ReportedDiagnostic::all_in(&outcome.stderr)
        .into_iter()
        .filter(|d| d.is_error)
        .collect();
    let mut used = vec![false; reported.len()];
    for expected in &expectations.errors {
        let found = reported
            .iter()
            .enumerate()
            .position(|(i, d)| !used[i] && d.matches(expected));
        match found {
            Some(i) => used[i] = true,
            None => problems.push(format!(
                "missing error at {}line {}: {}",
                expected
                    .file
                    .as_deref()
                    .map_or(String::new(), |f| format!("{f} ")),
                expected.line,
                expected.text
            )),
        }
    }
    for (diagnostic, _) in reported.iter().zip(&used).filter(|(_, used)| !**used) {
        problems.push(format!(
            "unexpected error at {}:{}:{}: {}",
            diagnostic.path, diagnostic.line, diagnostic.column, diagnostic.message
        ));
    }
}

fn check_warnings(expectations: &Expectations, outcome: &Outcome, problems: &mut Vec<String>) {
    let warnings: Vec<&str> = outcome
        .stderr
        .lines()
        .filter_map(|line| line.split_once("warning: ").map(|(_, message)| message))
        .collect();
    for expected in &expectations.warnings {
        if !warnings.iter().any(|w| w.contains(expected.as_str())) {
            problems.push(format!("missing warning: {expected}"));
        }
    }
}

fn failure_report(problems: &[String], expected_stdout: &[String], outcome: &Outcome) -> String {
    let mut report = String::new();
    for problem in problems {
        let _ = writeln!(report, "- {problem}");
    }
    if !problems.iter().any(|p| p.starts_with("stdout differs")) && !expected_stdout.is_empty() {
        let _ = writeln!(report, "expected stdout:");
        for line in expected_stdout {
            let _ = writeln!(report, "  | {line}");
        }
    }
    let _ = writeln!(report, "actual stdout:");
    for line in outcome.stdout.lines() {
        let _ = writeln!(report, "  | {line}");
    }
    let _ = writeln!(report, "actual stderr:");
    for line in outcome.stderr.lines() {
        let _ = writeln!(report, "  | {line}");
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_and_standard_input() {
        let e =
            Expectations::parse("// args: a.txt  --flag\n// stdin: first\n// stdin:\nprint(1)\n");
        assert_eq!(e.args, ["a.txt", "--flag"]);
        assert_eq!(e.stdin, "first\n\n");
        assert!(e.stdout.is_empty());
    }

    fn ok(stdout: &str) -> Outcome {
        Outcome {
            status: Some(0),
            stdout: stdout.to_string(),
            stderr: String::new(),
        }
    }

    #[test]
    fn expect_lines_are_collected_in_order() {
        let e =
            Expectations::parse("print(1) // expect: 1\nprint(\"\") // expect:\n// expect: a b \n");
        assert_eq!(e.stdout, vec!["1", "", "a b "]);
        assert_eq!(e.mode, Mode::Run);
    }

    #[test]
    fn error_lines_point_at_their_own_line_or_the_named_one() {
        let e = Expectations::parse(
            "var x = 1\nvar = 2; // error: expected name\n// error: line 7: bad\n",
        );
        assert_eq!(
            e.errors,
            vec![
                ExpectedError {
                    file: None,
                    line: 2,
                    text: "expected name".into()
                },
                ExpectedError {
                    file: None,
                    line: 7,
                    text: "bad".into()
                },
            ]
        );
    }

    #[test]
    fn runtime_errors_warnings_and_mode_are_read() {
        let e = Expectations::parse(
            "// mode: check\n1 / 0 // runtime error: DivisionByZero\n// warning: implicit\n",
        );
        assert_eq!(e.mode, Mode::Check);
        assert_eq!(e.runtime_error.as_deref(), Some("DivisionByZero"));
        assert_eq!(e.warnings, vec!["implicit"]);
        assert!(e.stdout.is_empty() && e.errors.is_empty());
    }

    #[test]
    fn diagnostic_headers_are_parsed() {
        let d = ReportedDiagnostic::parse("dir/a.lm:3:14: error: expected `;`").unwrap();
        assert_eq!(
            (d.path.as_str(), d.line, d.column, d.is_error),
            ("dir/a.lm", 3, 14, true)
        );
        assert_eq!(d.message, "expected `;`");
        assert!(ReportedDiagnostic::parse("  | var x").is_none());
        assert!(
            !ReportedDiagnostic::parse("a.lm:1:1: warning: w")
                .unwrap()
                .is_error
        );
    }

    #[test]
    fn matching_stdout_passes_and_differences_are_reported() {
        let e = Expectations::parse("// expect: 1\n// expect: 2\n");
        assert!(verify(&e, None, &ok("1\n2\n")).is_ok());
        let report = verify(&e, None, &ok("1\n3\n")).unwrap_err();
        assert!(report.contains("stdout differs at line 2"), "{report}");
        assert!(verify(&e, None, &ok("1\n2\n3\n")).is_err());
        assert!(verify(&e, Some("1\n2\n"), &ok("1\n2\n")).is_ok());
    }

    #[test]
    fn compile_errors_must_match_as_a_set() {
        let e = Expectations::parse("a // error: one\nb // error: two\n");
        let outcome = |stderr: &str| Outcome {
            status: Some(2),
            stdout: String::new(),
            stderr: stderr.to_string(),
        };
        let both = "t.lm:2:1: error: `two`\n  |\nt.lm:1:1: error: one\n";
        assert!(verify(&e, None, &outcome(both)).is_ok());
        let missing = verify(&e, None, &outcome("t.lm:1:1: error: one\n")).unwrap_err();
        assert!(
            missing.contains("missing error at line 2: two"),
            "{missing}"
        );
        let extra = format!("{both}t.lm:3:1: error: three\n");
        let unexpected = verify(&e, None, &outcome(&extra)).unwrap_err();
        assert!(
            unexpected.contains("unexpected error at t.lm:3:1: three"),
            "{unexpected}"
        );
    }

    #[test]
    fn runtime_errors_need_status_one_and_the_kind_on_stderr() {
        let e =
            Expectations::parse("print(1) // expect: 1\n1/0 // runtime error: DivisionByZero\n");
        let trapped = Outcome {
            status: Some(1),
            stdout: "1\n".into(),
            stderr: "error[DivisionByZero]: division by zero\n".into(),
        };
        assert!(verify(&e, None, &trapped).is_ok());
        assert!(verify(&e, None, &ok("1\n")).is_err());
    }

    #[test]
    fn errors_in_other_files_name_their_file() {
        let mut e = Expectations::parse("import geo.shapes\n");
        e.add_source("x // error: bad\n", Some("geo/shapes.lm"));
        let reported = Outcome {
            status: Some(2),
            stdout: String::new(),
            stderr: "tests/lang/m/geo/shapes.lm:1:1: error: bad thing\n".into(),
        };
        assert!(verify(&e, None, &reported).is_ok());
    }
}
