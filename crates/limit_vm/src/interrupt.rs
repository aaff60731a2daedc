//! Interrupting a running program from outside it (Ctrl-C).
//!
//! The host (the `limit` command) calls [`request`] from its signal
//! handler; every VM of the process, parallel tasks included, sees the
//! request at its next checkpoint, or within a few milliseconds while it
//! sleeps, and stops with the error kind `Interrupted`, which the program
//! cannot catch. Its buffered output is flushed on the way out as for any
//! other runtime error.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::errors::{kinds, trap, Trap};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Asks every running program of this process to stop.
pub fn request() {
    REQUESTED.store(true, Ordering::Relaxed);
}

/// Withdraws a request (a REPL does so before running the next input).
pub fn clear() {
    REQUESTED.store(false, Ordering::Relaxed);
}

/// Whether a stop was requested.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// `Err(Interrupted)` when a stop was requested.
pub fn check() -> Result<(), Trap> {
    if requested() {
        Err(trap(kinds::INTERRUPTED, "interrupted"))
    } else {
        Ok(())
    }
}
