//! Test programs with inline expectations: finding them in a folder and
//! running one through a `limit` executable with a time limit. The cargo
//! conformance harness (`crates/limit_cli/tests/lang.rs`) and the `limit test`
//! command share this module, so both apply the same rules:
//!
//! * each `*.lm` file under the root is one test, named by its path under
//!   the root (with `/` separators);
//! * a folder holding `main.lm` is one multi-file test (for modules): the
//!   program starts at `main.lm`, the folder's other files are its modules,
//!   and their `// error:` lines refer to themselves;
//! * `NAME.out` beside `NAME.lm` (or `main.out`) holds the expected stdout
//!   instead of `// expect:` lines;
//! * `// mode: check` on the first line runs `limit check`.
//!
//! The expectation rules themselves are in [`crate::expectations`].

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::expectations::{verify, Expectations, Mode, Outcome};

/// The default time limit of one program run.
pub const TIME_LIMIT: Duration = Duration::from_secs(20);

/// One test program (or multi-file test folder).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuiteTest {
    /// Path under the root, with `/` separators.
    pub name: String,
    /// The file `limit` runs.
    pub entry: PathBuf,
    /// For a multi-file test, its folder.
    pub folder: Option<PathBuf>,
    /// The expected stdout file, if there is one.
    pub out_file: Option<PathBuf>,
}

impl SuiteTest {
    /// The area the test belongs to: the first folder of its name, or
    /// `fallback` for a program directly under the root.
    pub fn area<'a>(&'a self, fallback: &'a str) -> &'a str {
        match self.name.split_once('/') {
            Some((area, _)) => area,
            None => fallback,
        }
    }
}

/// How to run the programs.
#[derive(Clone, Debug)]
pub struct Runner {
    /// The `limit` executable.
    pub executable: PathBuf,
    /// The working directory of the runs (imports may be relative to it).
    pub working_dir: PathBuf,
    /// A run taking longer is killed and fails.
    pub time_limit: Duration,
}

/// Every test under `root`, in name order.
pub fn discover(root: &Path) -> Vec<SuiteTest> {
    let mut tests = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let main = folder.join("main.lm");
        if folder != root && main.is_file() {
            tests.push(SuiteTest {
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
                tests.push(SuiteTest {
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

/// `path` relative to `root`, with `/` separators.
/// The one test that `path` is: a program file, or a folder holding a
/// multi-file test's `main.lm` (`limit test FILE`).
pub fn single(path: &Path) -> Option<SuiteTest> {
    let name = path.to_string_lossy().replace('\\', "/");
    if path.is_file() {
        return Some(SuiteTest {
            name,
            out_file: existing(path.with_extension("out")),
            entry: path.to_path_buf(),
            folder: None,
        });
    }
    let main = path.join("main.lm");
    main.is_file().then(|| SuiteTest {
        name,
        out_file: existing(path.join("main.out")),
        entry: main,
        folder: Some(path.to_path_buf()),
    })
}

pub fn relative_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative.to_string_lossy().replace('\\', "/")
}

fn existing(path: PathBuf) -> Option<PathBuf> {
    path.is_file().then_some(path)
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

impl Runner {
    /// Runs `test` (optimised, or with `-O0`) and checks it against its
    /// expectations; the error is a readable report of what differed.
    pub fn check(&self, test: &SuiteTest, optimize: bool) -> Result<(), String> {
        let flags: &[&str] = if optimize { &[] } else { &["-O0"] };
        self.check_with(test, flags)
    }

    /// Runs `test` with `flags` after `limit run` (none for a program that
    /// is only checked) and checks it against its expectations.
    pub fn check_with(&self, test: &SuiteTest, flags: &[&str]) -> Result<(), String> {
        let expectations = read_expectations(test)?;
        let expected_stdout = match &test.out_file {
            Some(path) if !expectations.stdout.is_empty() => {
                return Err(format!(
                    "{} has both `// expect:` lines and {}; use one",
                    test.name,
                    path.display()
                ))
            }
            Some(path) => Some(read(path)?),
            None => None,
        };
        let command = match expectations.mode {
            Mode::Run => "run",
            Mode::Check => "check",
        };
        let flags: &[&str] = match expectations.mode {
            Mode::Run => flags,
            Mode::Check => &[],
        };
        let entry = test
            .entry
            .strip_prefix(&self.working_dir)
            .unwrap_or(&test.entry);
        let outcome = match expectations.mode {
            Mode::Run => self.run_with(
                command,
                flags,
                entry,
                &expectations.args,
                &expectations.stdin,
            )?,
            Mode::Check => self.run(command, flags, entry)?,
        };
        verify(&expectations, expected_stdout.as_deref(), &outcome).map_err(|report| {
            let flags = flags.iter().map(|f| format!("{f} ")).collect::<String>();
            format!(
                "`limit {command} {flags}{}` did not meet the expectations:\n{report}",
                entry.display()
            )
        })
    }

    /// Runs `limit COMMAND FLAGS FILE` with the time limit, no stdin, and
    /// captures its output.
    pub fn run(&self, command: &str, flags: &[&str], file: &Path) -> Result<Outcome, String> {
        self.run_with(command, flags, file, &[], "")
    }

    /// Runs `limit COMMAND FLAGS FILE ARGS` with the time limit and `stdin`
    /// as standard input, and captures its output.
    pub fn run_with(
        &self,
        command: &str,
        flags: &[&str],
        file: &Path,
        args: &[String],
        stdin: &str,
    ) -> Result<Outcome, String> {
        let mut child = Command::new(&self.executable)
            .arg(command)
            .args(flags)
            .arg(file)
            .args(if args.is_empty() { None } else { Some("--") })
            .args(args)
            .current_dir(&self.working_dir)
            .stdin(if stdin.is_empty() {
                Stdio::null()
            } else {
                Stdio::piped()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.executable.display()))?;
        if let Some(mut input) = child.stdin.take() {
            let text = stdin.to_string();
            // Written from a thread so that a program that never reads
            // (or reads slowly) cannot block the harness.
            thread::spawn(move || {
                use std::io::Write;
                let _ = input.write_all(text.as_bytes());
            });
        }
        let stdout = read_in_background(child.stdout.take());
        let stderr = read_in_background(child.stderr.take());

        let started = Instant::now();
        let mut timed_out = false;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if started.elapsed() > self.time_limit => {
                    let _ = child.kill();
                    let _ = child.wait();
                    timed_out = true;
                    break None;
                }
                Ok(None) => thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(format!("waiting for limit failed: {e}")),
            }
        };
        let mut stderr = stderr.join().unwrap_or_default();
        if timed_out {
            stderr.push_str(&format!(
                "\n[killed after {} s]\n",
                self.time_limit.as_secs_f64()
            ));
        }
        Ok(Outcome {
            status: status.and_then(|s| s.code()),
            stdout: stdout.join().unwrap_or_default(),
            stderr,
        })
    }
}

/// The entry file's expectations, plus the `// error:` lines of the other
/// files of a multi-file test.
pub fn read_expectations(test: &SuiteTest) -> Result<Expectations, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_are_first_folders() {
        let test = |name: &str| SuiteTest {
            name: name.into(),
            entry: PathBuf::from(name),
            folder: None,
            out_file: None,
        };
        assert_eq!(test("strings/basic.lm").area("root"), "strings");
        assert_eq!(test("modules/cycle/a").area("root"), "modules");
        assert_eq!(test("hello.lm").area("root"), "root");
    }
}
