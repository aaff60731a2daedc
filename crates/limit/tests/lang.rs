//! The conformance suite: every program under `tests/lang/` runs through the
//! real `limit` binary and is checked against its inline expectations
//! (`// expect:`, `// error:`, `// runtime error:`, `// warning:`; see
//! `limit::expectations` and STYLE.md).
//!
//! * Each `*.lm` file is one test, named by its path under `tests/lang/`.
//! * A folder holding `main.lm` is one multi-file test (for modules): the
//!   program starts at `main.lm`, and the folder's other files are modules,
//!   not tests. Their `// error:` lines refer to themselves.
//! * `NAME.out` beside `NAME.lm` (or `main.out` in a multi-file test) holds
//!   the expected stdout instead of `// expect:` lines.
//! * `// mode: check` on the first line runs `limit check` instead of
//!   `limit run`.
//!
//! Programs run with the workspace root as working directory (modules may be
//! imported relative to it, LANGUAGE.md §10), no stdin, and a time limit.
//! Filter and list as with any test binary: `cargo test --test lang -- modules/`.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};
use limit::expectations::{verify, Expectations, Mode, Outcome};

/// A program still running after this long is killed and fails.
const TIME_LIMIT: Duration = Duration::from_secs(20);

fn main() {
    let arguments = Arguments::from_args();
    let root = lang_root();
    // Every program runs twice: optimised (the default) and with `-O0`, so
    // each optimisation pass is checked against unoptimised behaviour.
    let tests: Vec<std::sync::Arc<LangTest>> = discover(&root)
        .into_iter()
        .map(std::sync::Arc::new)
        .collect();
    let mut trials = Vec::with_capacity(tests.len() * 2);
    for test in &tests {
        let optimised = std::sync::Arc::clone(test);
        trials.push(Trial::test(test.name.clone(), move || {
            run_test(&optimised, true)
        }));
        let unoptimised = std::sync::Arc::clone(test);
        trials.push(Trial::test(format!("{} [-O0]", test.name), move || {
            run_test(&unoptimised, false)
        }));
    }
    libtest_mimic::run(&arguments, trials).exit();
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn lang_root() -> PathBuf {
    workspace_root().join("tests/lang")
}

/// One conformance test.
struct LangTest {
    /// Path under `tests/lang/`, with `/` separators.
    name: String,
    /// The file `limit` runs.
    entry: PathBuf,
    /// For a multi-file test, its folder.
    folder: Option<PathBuf>,
    /// The expected stdout file, if there is one.
    out_file: Option<PathBuf>,
}

/// Every test under `root`, in path order.
fn discover(root: &Path) -> Vec<LangTest> {
    let mut tests = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let main = folder.join("main.lm");
        if folder != root && main.is_file() {
            tests.push(LangTest {
                name: relative_name(root, &folder),
                out_file: existing(folder.join("main.out")),
                entry: main,
                folder: Some(folder),
            });
            continue;
        }
        for path in sorted_entries(&folder) {
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "lm") {
                tests.push(LangTest {
                    name: relative_name(root, &path),
                    out_file: existing(path.with_extension("out")),
                    entry: path,
                    folder: None,
                });
            }
        }
    }
    tests.sort_by(|a, b| a.name.cmp(&b.name));
    tests
}

fn sorted_entries(folder: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = fs::read_dir(folder)
        .map(|read| read.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}

fn relative_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative.to_string_lossy().replace('\\', "/")
}

fn existing(path: PathBuf) -> Option<PathBuf> {
    path.is_file().then_some(path)
}

fn read(path: &Path) -> Result<String, Failed> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}

fn run_test(test: &LangTest, optimize: bool) -> Result<(), Failed> {
    let expectations = read_expectations(test)?;
    let expected_stdout = match &test.out_file {
        Some(path) if !expectations.stdout.is_empty() => {
            return Err(format!(
                "{} has both `// expect:` lines and {}; use one",
                test.name,
                path.display()
            )
            .into())
        }
        Some(path) => Some(read(path)?),
        None => None,
    };
    let command = match expectations.mode {
        Mode::Run => "run",
        Mode::Check => "check",
    };
    let flags: &[&str] = if optimize || expectations.mode == Mode::Check {
        &[]
    } else {
        &["-O0"]
    };
    let outcome = run_limit(command, flags, &test.entry)?;
    verify(&expectations, expected_stdout.as_deref(), &outcome).map_err(|report| {
        let entry = relative_name(&workspace_root(), &test.entry);
        let flags = flags.iter().map(|f| format!("{f} ")).collect::<String>();
        format!("`limit {command} {flags}{entry}` did not meet the expectations:\n{report}").into()
    })
}

/// The entry file's expectations, plus the `// error:` lines of the other
/// files of a multi-file test.
fn read_expectations(test: &LangTest) -> Result<Expectations, Failed> {
    let mut expectations = Expectations::parse(&read(&test.entry)?);
    if let Some(folder) = &test.folder {
        for module in module_files(folder) {
            if module != test.entry {
                let name = relative_name(folder, &module);
                let mut module_expectations = Expectations::default();
                module_expectations.add_source(&read(&module)?, Some(&name));
                expectations.errors.extend(module_expectations.errors);
            }
        }
    }
    Ok(expectations)
}

/// Every `.lm` file under `folder`.
fn module_files(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![folder.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for path in sorted_entries(&folder) {
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "lm") {
                files.push(path);
            }
        }
    }
    files
}

/// Runs `limit COMMAND FILE` with the time limit, capturing its output.
fn run_limit(command: &str, flags: &[&str], file: &Path) -> Result<Outcome, Failed> {
    let root = workspace_root();
    let file = file.strip_prefix(&root).unwrap_or(file);
    let mut child = Command::new(env!("CARGO_BIN_EXE_limit"))
        .arg(command)
        .args(flags)
        .arg(file)
        .current_dir(&root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start limit: {e}"))?;
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());

    let started = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > TIME_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                timed_out = true;
                break None;
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for limit failed: {e}").into()),
        }
    };
    let mut stderr = stderr.join().unwrap_or_default();
    if timed_out {
        stderr.push_str(&format!(
            "\n[harness: killed after {} s]\n",
            TIME_LIMIT.as_secs()
        ));
    }
    Ok(Outcome {
        status: status.and_then(|s| s.code()),
        stdout: stdout.join().unwrap_or_default(),
        stderr,
    })
}

/// Reads a child's pipe to the end on another thread (so that neither pipe
/// fills up and blocks the child).
fn read_in_background(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}
