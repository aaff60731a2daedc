//! What a Rust panic — always a bug in `limit` — looks like to a user: an
//! "internal error" report naming the version, where in `limit` it
//! happened and the input file, asking for a bug report, and exit status 70
//! (`EX_SOFTWARE`). The Rust backtrace is shown only when `RUST_BACKTRACE`
//! asks for it.

use std::panic::PanicHookInfo;
use std::sync::OnceLock;

/// The program or folder the command was working on, for the report.
static INPUT: OnceLock<String> = OnceLock::new();

/// Setting this variable makes `limit run` panic after loading its input:
/// the tests' way to see the report (a panic has no other trigger, being
/// a bug).
pub const TEST_TRIGGER: &str = "LIMIT_TEST_INTERNAL_ERROR";

/// Installs the report as the process's panic hook; `input` is the file
/// the command works on, when there is one.
pub fn install(input: Option<String>) {
    if let Some(input) = input {
        let _ = INPUT.set(input);
    }
    std::panic::set_hook(Box::new(report));
}

/// Panics when the tests ask for it (see [`TEST_TRIGGER`]).
pub fn trigger_for_tests() {
    if std::env::var_os(TEST_TRIGGER).is_some() {
        panic!("internal error requested by {TEST_TRIGGER}");
    }
}

fn report(info: &PanicHookInfo<'_>) {
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string());
    let location = info
        .location()
        .map_or_else(|| "unknown".to_string(), |l| l.to_string());
    let thread = std::thread::current();
    let mut text = format!(
        "internal error: this is a bug in limit\n  \
         version: limit {}\n  \
         where: {location} (thread {})\n  \
         message: {message}\n",
        env!("CARGO_PKG_VERSION"),
        thread.name().unwrap_or("unnamed"),
    );
    if let Some(input) = INPUT.get() {
        text.push_str(&format!("  input: {input}\n"));
    }
    text.push_str(
        "Please report it with the input file and the command line that \
         caused it; nothing in your program is at fault.\n",
    );
    if backtrace_requested() {
        text.push_str(&format!(
            "backtrace:\n{}\n",
            std::backtrace::Backtrace::force_capture()
        ));
    }
    crate::output::stderr(&text);
}

fn backtrace_requested() -> bool {
    std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0")
}
