//! `limit test [DIR|FILE]…`: runs every test program under folders through this
//! executable (a subprocess per program, so crashes and hangs are contained),
//! in parallel, and reports a line per program, the failures with their
//! reasons, pass counts per area (top-level folder) and a summary line
//! `N passed, M failed`. The rules are those of the cargo conformance
//! harness ([`limit_cli::suite`], [`limit_cli::expectations`]).

use crate::colour;
use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use limit_cli::suite::{self, discover, Runner, SuiteTest};
use limit_cli::ExitStatus;

use crate::cli::TestArgs;

/// The result of one program.
struct TestResult {
    index: usize,
    outcome: Result<(), String>,
}

/// Carries out `limit test`: every test under each folder given, and the
/// one test each program file (or multi-file test's folder) is.
pub fn run_tests(args: &TestArgs) -> ExitStatus {
    let mut tests = Vec::new();
    // Each test's area: its first folder under the path it was found by.
    let mut areas = Vec::new();
    for root in &args.paths {
        let found = match suite::single(root) {
            Some(test) => vec![test],
            None if root.is_dir() => discover(root),
            None => {
                crate::output::stderr(&format!(
                    "error: `{}` is neither a test program nor a folder of them\n",
                    root.display()
                ));
                return ExitStatus::NoInput;
            }
        };
        let root_name = root
            .file_name()
            .map_or_else(|| ".".to_string(), |n| n.to_string_lossy().into_owned());
        for test in found {
            areas.push(test.area(&root_name).to_string());
            tests.push(test);
        }
    }
    let runner = match runner(args) {
        Ok(runner) => runner,
        Err(message) => {
            crate::output::stderr(&format!("error: {message}\n"));
            return ExitStatus::NoInput;
        }
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get));
    let results = run_all(
        &runner,
        &tests,
        jobs.max(1),
        args.compile.optimize(),
        args.quiet,
    );
    report(&tests, &areas, &results)
}

fn runner(args: &TestArgs) -> Result<Runner, String> {
    let executable =
        std::env::current_exe().map_err(|e| format!("cannot find the limit executable: {e}"))?;
    let working_dir =
        std::env::current_dir().map_err(|e| format!("cannot read the current folder: {e}"))?;
    Ok(Runner {
        executable,
        working_dir,
        time_limit: Duration::from_secs_f64(args.timeout.max(0.001)),
    })
}

/// Runs every test on `jobs` threads; prints a line per test as it ends
/// (unless `quiet`). Results come back in test order.
fn run_all(
    runner: &Runner,
    tests: &[SuiteTest],
    jobs: usize,
    optimize: bool,
    quiet: bool,
) -> Vec<Result<(), String>> {
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel::<TestResult>();
    let mut results: Vec<Option<Result<(), String>>> = vec![None; tests.len()];
    thread::scope(|scope| {
        for _ in 0..jobs.min(tests.len()) {
            let sender = sender.clone();
            let next = &next;
            scope.spawn(move || loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(test) = tests.get(index) else { break };
                let outcome = runner.check(test, optimize);
                if sender.send(TestResult { index, outcome }).is_err() {
                    break;
                }
            });
        }
        drop(sender);
        let width = tests.len().to_string().len();
        let colour = use_colour();
        for (done, result) in receiver.iter().enumerate() {
            if !quiet {
                let status = match (result.outcome.is_ok(), colour) {
                    (true, false) => "ok  ".to_string(),
                    (false, false) => "FAIL".to_string(),
                    (true, true) => format!("{}  ", colour::paint(colour::PASS, "ok")),
                    (false, true) => colour::failure("FAIL"),
                };
                print_line(&format!(
                    "[{:>width$}/{}] {status} {}",
                    done + 1,
                    tests.len(),
                    tests[result.index].name
                ));
            }
            results[result.index] = Some(result.outcome);
        }
    });
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("the test was not run".to_string())))
        .collect()
}

/// Prints the failures, the counts per area and the summary; the status is
/// 1 when any test failed.
fn report(
    tests: &[SuiteTest],
    test_areas: &[String],
    results: &[Result<(), String>],
) -> ExitStatus {
    let mut text = String::new();
    let failures: Vec<(&SuiteTest, &String)> = tests
        .iter()
        .zip(results)
        .filter_map(|(test, result)| result.as_ref().err().map(|reason| (test, reason)))
        .collect();
    if !failures.is_empty() {
        text.push_str("\nfailures:\n");
        for (test, reason) in &failures {
            text.push_str(&format!("\n--- {}\n{}\n", test.name, reason.trim_end()));
        }
    }

    let mut areas: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (area, result) in test_areas.iter().zip(results) {
        let counts = areas.entry(area.as_str()).or_default();
        counts.1 += 1;
        if result.is_ok() {
            counts.0 += 1;
        }
    }
    let width = areas.keys().map(|a| a.len()).max().unwrap_or(0);
    text.push_str("\nby area:\n");
    for (area, (passed, total)) in &areas {
        let mark = if passed == total { "" } else { "  <- failures" };
        text.push_str(&format!("  {area:<width$}  {passed:>4}/{total}{mark}\n"));
    }
    let failed = failures.len();
    text.push_str(&format!(
        "\n{} passed, {failed} failed\n",
        tests.len() - failed
    ));
    print_line(text.trim_end_matches('\n'));
    if failed == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::RuntimeError
    }
}

/// Whether to colour the results: only on a terminal that wants colour.
fn use_colour() -> bool {
    colour::wanted(io::stdout().is_terminal())
}

/// Writes one line to stdout, ignoring a closed pipe.
fn print_line(line: &str) {
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}
