//! Stopping a running program from outside it: Ctrl-C, an embedder's
//! interrupt handle, and a wall-clock limit.
//!
//! The `limit` command calls [`request`] from its signal handler; every VM
//! of the process, parallel tasks included, sees the request at its next
//! checkpoint, or within a couple of milliseconds while it sleeps, and
//! stops with the error kind `Interrupted`, which the program cannot catch.
//! Its buffered output is flushed on the way out as for any other runtime
//! error.
//!
//! An embedder stops one program without touching the others: it runs the
//! program under [`Stop`] conditions ([`enter`]) — a flag of its own that
//! another thread may set (`Interrupted`), and a deadline (`ResourceLimit`,
//! uncatchable too). They are this thread's, like the resource limits; a
//! `parallel` block hands them to its tasks' threads ([`current`]).

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::errors::{kinds, trap, Trap};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// How long a blocked or sleeping program waits between two looks at its
/// stop conditions (so an interrupt is seen within about this long).
pub const SLICE: Duration = Duration::from_millis(2);

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

/// The conditions that stop the program running on this thread, besides
/// a process-wide [`request`].
#[derive(Clone, Debug, Default)]
pub struct Stop {
    /// Set (by any thread) to interrupt the program.
    pub flag: Option<Arc<AtomicBool>>,
    /// When the program's wall-clock limit runs out, and the limit (for
    /// the message).
    pub deadline: Option<(Instant, Duration)>,
}

thread_local! {
    static STOP: RefCell<Stop> = const { RefCell::new(Stop { flag: None, deadline: None }) };
}

/// Restores the previous stop conditions when dropped.
#[must_use = "the conditions apply until the guard is dropped"]
pub struct StopGuard(Option<Stop>);

impl Drop for StopGuard {
    fn drop(&mut self) {
        if let Some(previous) = self.0.take() {
            let _ = STOP.try_with(|s| *s.borrow_mut() = previous);
        }
    }
}

/// Makes `stop` this thread's stop conditions until the guard is dropped.
///
/// ```
/// use std::sync::{atomic::AtomicBool, Arc};
/// use limit_vm::interrupt::{self, Stop};
/// let flag = Arc::new(AtomicBool::new(true));
/// let guard = interrupt::enter(Stop { flag: Some(flag), deadline: None });
/// assert!(interrupt::check().is_err());
/// drop(guard);
/// assert!(interrupt::check().is_ok());
/// ```
pub fn enter(stop: Stop) -> StopGuard {
    StopGuard(
        STOP.try_with(|s| std::mem::replace(&mut *s.borrow_mut(), stop))
            .ok(),
    )
}

/// `stop` made this thread's stop conditions until the guard is dropped,
/// which gives them back: as [`enter`], for a caller that keeps its
/// conditions between runs (an embedder's engine), without copying them.
pub fn install(stop: &mut Stop) -> Installed<'_> {
    let _ = STOP.try_with(|s| std::mem::swap(&mut *s.borrow_mut(), stop));
    Installed(stop)
}

/// Puts the conditions [`install`] replaced back when dropped.
#[must_use = "the conditions apply until the guard is dropped"]
pub struct Installed<'a>(&'a mut Stop);

impl Drop for Installed<'_> {
    fn drop(&mut self) {
        let _ = STOP.try_with(|s| std::mem::swap(&mut *s.borrow_mut(), self.0));
    }
}

/// This thread's stop conditions (a `parallel` block passes them on).
pub fn current() -> Stop {
    STOP.try_with(|s| s.borrow().clone()).unwrap_or_default()
}

/// `Err(Interrupted)` when a stop was requested (process-wide or by this
/// thread's flag), `Err(ResourceLimit)` past this thread's deadline.
pub fn check() -> Result<(), Trap> {
    if requested() {
        return Err(trap(kinds::INTERRUPTED, "interrupted"));
    }
    STOP.try_with(|s| {
        let s = s.borrow();
        if s.flag.as_ref().is_some_and(|f| f.load(Ordering::Relaxed)) {
            return Err(trap(kinds::INTERRUPTED, "interrupted by the host"));
        }
        match s.deadline {
            Some((at, limit)) if Instant::now() >= at => Err(trap(
                kinds::RESOURCE_LIMIT,
                &format!("time limit of {limit:?} exceeded"),
            )),
            _ => Ok(()),
        }
    })
    .unwrap_or(Ok(()))
}
