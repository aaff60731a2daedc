//! Resource limits (Rhai-style): the one `Limits` struct an embedder or the
//! command line sets on a VM, and the approximate heap meter behind
//! `max_heap_bytes`.
//!
//! Every exceeded limit raises a runtime error of kind `ResourceLimit`
//! (`errors::kinds::RESOURCE_LIMIT`), except the call depth, which keeps
//! its own kind `StackOverflow` (DESIGN.md §5). A `ResourceLimit` error is
//! *not* catchable by the script: `Try` handlers are skipped while it
//! unwinds, so a hostile program cannot catch its way past a limit; the
//! host gets it from `Vm::run` / `Vm::call_function` like any uncaught
//! error, and the VM stays usable for the next run.
//!
//! Where each limit is checked, and what is approximate:
//!
//! * **steps** — a step is one backward jump (a loop iteration) or one call:
//!   the only ways a program runs for unbounded time, since straight-line
//!   code between two steps is bounded by the program's size. The budget is
//!   counted down at those two places only, so the instruction hot path
//!   pays nothing.
//! * **call depth** — the number of active frames (`StackOverflow`).
//! * **heap bytes** — an approximation of the live heap: strings count
//!   their UTF-8 length plus a header, lists 16 bytes per slot of capacity,
//!   dicts 48 bytes per entry of capacity, tuples and instances 16 bytes
//!   per item or field, each plus a header of 32–64 bytes. Closures, cells,
//!   ranges, enums and big integers are not counted (small and fixed). The
//!   count rises when an object is made (or a list/dict grows) and falls
//!   when it is freed. It is checked before the allocations a program can
//!   repeat to grow without bound (string concatenation, interpolation,
//!   `repeat`, `join`, list growth, dict insertion) and otherwise at
//!   allocating instructions and every 1024 steps.
//! * **string length** — in bytes (UTF-8), checked where strings grow.
//! * **collection length** — items of a list or entries of a dict, checked
//!   where they grow.

use std::cell::Cell;

use crate::errors::{fail, kinds, Trap};

/// Limits on what a program may use. `None` means unlimited.
///
/// ```
/// use limit_vm::limits::Limits;
/// let limits = Limits {
///     max_steps: Some(1_000_000),
///     max_heap_bytes: Some(64 << 20),
///     ..Limits::default()
/// };
/// assert_eq!(limits.max_call_depth, 10_000);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Steps (loop iterations and calls) one run may take.
    pub max_steps: Option<u64>,
    /// Active frames before a `StackOverflow` error.
    pub max_call_depth: usize,
    /// Approximate live heap size in bytes (see the module documentation).
    pub max_heap_bytes: Option<usize>,
    /// Length of one string in bytes.
    pub max_string_len: Option<usize>,
    /// Items of one list, or entries of one dict.
    pub max_collection_len: Option<usize>,
}

impl Default for Limits {
    /// Only the call depth is limited (10 000 frames).
    fn default() -> Self {
        Limits {
            max_steps: None,
            max_call_depth: 10_000,
            max_heap_bytes: None,
            max_string_len: None,
            max_collection_len: None,
        }
    }
}

impl Limits {
    /// No limit at all except the call depth (the default).
    ///
    /// ```
    /// assert_eq!(limit_vm::limits::Limits::unlimited(), Default::default());
    /// ```
    pub fn unlimited() -> Limits {
        Limits::default()
    }
}

/// Header bytes charged for a string.
pub const STR_HEADER: usize = 32;
/// Header bytes charged for a list, dict, tuple or instance.
pub const OBJECT_HEADER: usize = 48;
/// Bytes charged per list or tuple slot, or instance field.
pub const SLOT_BYTES: usize = 16;
/// Bytes charged per dict entry (key, value, hash and index).
pub const ENTRY_BYTES: usize = 48;

thread_local! {
    /// The limits of the VM running on this thread (one runs at a time).
    static ACTIVE: Cell<Limits> = const { Cell::new(Limits {
        max_steps: None,
        max_call_depth: 10_000,
        max_heap_bytes: None,
        max_string_len: None,
        max_collection_len: None,
    }) };
    /// Approximate live heap bytes of this thread's values.
    static HEAP: Cell<usize> = const { Cell::new(0) };
}

/// Make `limits` the ones checked by allocation sites on this thread
/// (called by the VM when it starts running).
pub fn install(limits: Limits) {
    let _ = ACTIVE.try_with(|a| a.set(limits));
}

/// The limits installed on this thread.
pub fn active() -> Limits {
    ACTIVE.try_with(Cell::get).unwrap_or_default()
}

/// Approximate live heap bytes on this thread.
pub fn heap_bytes() -> usize {
    HEAP.try_with(Cell::get).unwrap_or(0)
}

/// Count `bytes` more of live heap.
#[inline]
pub fn charge(bytes: usize) {
    let _ = HEAP.try_with(|h| h.set(h.get().saturating_add(bytes)));
}

/// Count `bytes` less of live heap (an object was freed).
#[inline]
pub fn release(bytes: usize) {
    let _ = HEAP.try_with(|h| h.set(h.get().saturating_sub(bytes)));
}

/// The `ResourceLimit` error for `what`.
pub fn exceeded<T>(what: &str) -> Result<T, Trap> {
    fail(kinds::RESOURCE_LIMIT, what)
}

/// Check that `extra` more bytes fit under the heap limit.
pub fn check_heap(extra: usize) -> Result<(), Trap> {
    match active().max_heap_bytes {
        Some(max) if heap_bytes().saturating_add(extra) > max => exceeded(&format!(
            "memory limit of {max} bytes exceeded (the heap would hold about {} bytes)",
            heap_bytes().saturating_add(extra)
        )),
        _ => Ok(()),
    }
}

/// Check a string about to be made with `len` bytes (length and heap).
pub fn check_string(len: usize) -> Result<(), Trap> {
    let limits = active();
    if let Some(max) = limits.max_string_len {
        if len > max {
            return exceeded(&format!(
                "string length limit of {max} bytes exceeded (a string of {len} bytes)"
            ));
        }
    }
    if limits.max_heap_bytes.is_some() {
        check_heap(len + STR_HEADER)?;
    }
    Ok(())
}

/// Check a list or dict about to hold `len` items (the heap is checked
/// where the room for them is reserved).
pub fn check_collection(len: usize) -> Result<(), Trap> {
    match active().max_collection_len {
        Some(max) if len > max => exceeded(&format!(
            "collection length limit of {max} items exceeded ({len} items)"
        )),
        _ => Ok(()),
    }
}

/// Whether the live heap is over the installed limit (the VM's backstop
/// check at allocating instructions and every 1024 steps).
pub fn heap_over() -> Result<(), Trap> {
    check_heap(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked_against_the_installed_ones() {
        install(Limits {
            max_string_len: Some(10),
            max_collection_len: Some(3),
            ..Limits::default()
        });
        assert!(check_string(10).is_ok());
        let e = check_string(11).unwrap_err();
        assert_eq!(&*e.kind, kinds::RESOURCE_LIMIT);
        assert!(check_collection(3).is_ok());
        assert!(check_collection(4).is_err());
        install(Limits::default());
        assert!(check_string(1 << 30).is_ok());
    }

    #[test]
    fn the_heap_meter_rises_and_falls() {
        let before = heap_bytes();
        charge(1000);
        assert_eq!(heap_bytes(), before + 1000);
        install(Limits {
            max_heap_bytes: Some(before + 1500),
            ..Limits::default()
        });
        assert!(check_heap(400).is_ok());
        assert!(check_heap(600).is_err());
        release(1000);
        assert_eq!(heap_bytes(), before);
        install(Limits::default());
    }
}
