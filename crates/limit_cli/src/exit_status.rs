//! The exit statuses of the `limit` command (documented in README.md). The
//! usage and input codes follow BSD's `sysexits.h`.

/// How a `limit` invocation ended, as a process exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// The command did what was asked (for `run`: the program finished).
    Success = 0,
    /// The program stopped on an uncaught runtime error.
    RuntimeError = 1,
    /// The program has compile errors and was not run.
    CompileError = 2,
    /// The command line was wrong (`EX_USAGE`).
    Usage = 64,
    /// The input file could not be read (`EX_NOINPUT`).
    NoInput = 66,
    /// A bug in `limit` itself: an internal error was reported
    /// (`EX_SOFTWARE`).
    InternalError = 70,
    /// The program was interrupted (Ctrl-C): 128 + SIGINT, as shells report.
    Interrupted = 130,
}

impl ExitStatus {
    /// The numeric status passed to the operating system.
    pub fn code(self) -> i32 {
        self as i32
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status as u8)
    }
}
