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

/// The default time limit of one program run: of CPU time where it can be
/// measured (Linux), so that a loaded machine does not fail a program that
/// needs little of it; wall-clock time may be [`WALL_FACTOR`] times longer
/// (a program that sleeps or waits forever is still stopped).
pub const TIME_LIMIT: Duration = Duration::from_secs(20);

/// How many times its CPU-time limit a run may last in wall-clock time.
pub const WALL_FACTOR: u32 = 10;

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
    /// A run using more CPU time (or [`WALL_FACTOR`] times more wall-clock
    /// time; only wall-clock time where CPU time cannot be read) is killed
    /// and fails.
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
        let mut killed = None;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) => {
                    if let Some(reason) = self.over_limit(child.id(), started.elapsed()) {
                        let _ = child.kill();
                        let _ = child.wait();
                        killed = Some(reason);
                        break None;
                    }
                    thread::sleep(Duration::from_millis(5));
                }
                Err(e) => return Err(format!("waiting for limit failed: {e}")),
            }
        };
        let mut stderr = stderr.join().unwrap_or_default();
        if let Some(reason) = killed {
            stderr.push_str(&format!("\n[killed after {reason}]\n"));
        }
        Ok(Outcome {
            status: status.and_then(|s| s.code()),
            stdout: stdout.join().unwrap_or_default(),
            stderr,
        })
    }
}

impl Runner {
    /// Why a run of process `pid` that has lasted `elapsed` must stop, if
    /// it must: its CPU time past the limit, or its wall-clock time past
    /// [`WALL_FACTOR`] times the limit (past the limit itself where CPU
    /// time cannot be read).
    fn over_limit(&self, pid: u32, elapsed: Duration) -> Option<String> {
        match process_cpu_time(pid) {
            Some(cpu) if cpu > self.time_limit => Some(format!(
                "{:.1} s of CPU time (limit {} s)",
                cpu.as_secs_f64(),
                self.time_limit.as_secs_f64()
            )),
            Some(_) if elapsed > self.time_limit * WALL_FACTOR => Some(format!(
                "{:.1} s of wall-clock time (limit {} s)",
                elapsed.as_secs_f64(),
                (self.time_limit * WALL_FACTOR).as_secs_f64()
            )),
            None if elapsed > self.time_limit => {
                Some(format!("{} s", self.time_limit.as_secs_f64()))
            }
            _ => None,
        }
    }
}

/// The user and system CPU time process `pid` has used so far, all its
/// threads together (fields 14 and 15 of `/proc/PID/stat`, in clock ticks
/// of 1/100 s, the fixed `USER_HZ` of Linux's interfaces).
#[cfg(target_os = "linux")]
pub fn process_cpu_time(pid: u32) -> Option<Duration> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    // After the name: state (3), ppid … cmajflt (4–13), utime (14), stime (15).
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// CPU time is read from `/proc` on Linux only.
#[cfg(not(target_os = "linux"))]
pub fn process_cpu_time(_pid: u32) -> Option<Duration> {
    None
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

    #[cfg(target_os = "linux")]
    #[test]
    fn cpu_time_counts_work_not_waiting() {
        let pid = std::process::id();
        let before = process_cpu_time(pid).expect("this process's CPU time");
        // Work until the count moves: on a loaded machine 300 ms of wall
        // time once brought less than one 10 ms tick of CPU time. Work
        // that never moves it within 30 s fails.
        let started = Instant::now();
        let mut x = 0u64;
        let mut busy = before;
        while busy <= before && started.elapsed() < Duration::from_secs(30) {
            for _ in 0..1_000_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
            busy = process_cpu_time(pid).expect("this process's CPU time");
        }
        assert!(
            busy > before,
            "{before:?} then {busy:?} after {:?} of work",
            started.elapsed()
        );
        thread::sleep(Duration::from_millis(300));
        let idle = process_cpu_time(pid).expect("this process's CPU time");
        // Sleeping costs (nearly) nothing; other tests' threads may run.
        assert!(idle >= busy);
        assert_eq!(process_cpu_time(u32::MAX), None);
    }
}
