//! Writing the command's own text to stdout and stderr without panicking
//! when a stream is closed (`limit prog.lm 2>&1 | head -1`): `print!` and
//! `eprint!` panic on a failed write, which ended such runs with a Rust
//! panic and status 101. A closed stream ends the command quietly with
//! status 0 instead, as Python and Lua do (§11).

use std::io::{self, Write};

/// Writes `text` to stdout and flushes it; false when stdout is closed.
pub fn stdout(text: &str) -> bool {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .is_ok()
}

/// Writes `text` to stderr (after what stdout holds, so the two
/// interleave in order); false when stderr is closed.
pub fn stderr(text: &str) -> bool {
    let _ = io::stdout().flush();
    let mut stderr = io::stderr().lock();
    stderr
        .write_all(text.as_bytes())
        .and_then(|()| stderr.flush())
        .is_ok()
}
