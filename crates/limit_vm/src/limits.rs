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
//!   pays nothing. Work a single instruction does in proportion to its
//!   operands is charged as steps too: a collection (`gc.rs`, taken from
//!   the VM's budget), and big-integer arithmetic and conversion, and
//!   methods and operators that pass over a whole list, dict or string,
//!   and writing out long text (taken from this module's *work meter*,
//!   which `install` fills with a budget of `max_steps` steps at the start
//!   of each run: see [`charge_units`]).
//! * **call depth** — the number of active frames (`StackOverflow`).
//! * **heap bytes** — an approximation of the live heap: strings count
//!   their UTF-8 length plus a header, lists 16 bytes per slot of capacity,
//!   dicts 48 bytes per entry of capacity, tuples and instances 16 bytes
//!   per item or field, big integers 8 bytes per 64-bit limb, each plus a
//!   header of 32–64 bytes; enum values with a payload count like tuples.
//!   Closures, cells and ranges are not counted (small and fixed). Values
//!   waiting in channels count ([`ChannelMeter`]), and so does output an
//!   embedder captures, until it is taken; `read_file` reads at most what
//!   the limits leave. The count rises when an object is made (or
//!   a list/dict grows) and falls when it is freed. It is checked before
//!   the allocations a program can
//!   repeat to grow without bound (string concatenation, interpolation,
//!   `repeat`, `join`, list growth, dict insertion) and otherwise at
//!   allocating instructions and every 1024 steps.
//! * **string length** — in bytes (UTF-8), checked where strings grow;
//!   writing a value's text stops past it.
//!
//! Code that cannot return an error (writing a value's text) records an
//! exceeded limit as *pending* instead; the next check fails with it
//! ([`check_pending`], also part of [`heap_over`], [`check_string`] and
//! [`charge_units`]), and until then long work is skipped.
//! * **collection length** — items of a list or entries of a dict, checked
//!   where they grow.
//!
//! Limits are the program's, not a thread's: the tasks of a `parallel`
//! block (each on a thread with its own VM and heap meter) draw their
//! steps from the budget the block's thread had left, and check the heap
//! limit against the sum of every thread's heap ([`SharedBudget`]). A task
//! past a limit ends the whole program, whatever the block's `on_error`.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

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
    /// Threads one `parallel` block may start: a block asking for more
    /// (`cores=`, or the machine's cores by default) runs its tasks on
    /// this many. Each block of a nested `parallel` is capped alike.
    /// `Some(0)` allows no `parallel` block at all: one is a
    /// `ResourceLimit` error.
    pub max_threads: Option<usize>,
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
            max_threads: None,
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
/// Header bytes charged for a big integer (its limbs count 8 bytes each).
pub const BIGINT_HEADER: usize = 32;
/// Units of work (see [`charge_units`]) that make one step.
pub const UNITS_PER_STEP: u64 = 256;

thread_local! {
    /// The limits of the VM running on this thread (one runs at a time).
    static ACTIVE: Cell<Limits> = const { Cell::new(Limits {
        max_steps: None,
        max_call_depth: 10_000,
        max_heap_bytes: None,
        max_string_len: None,
        max_collection_len: None,
        max_threads: None,
    }) };
    /// Whether `ACTIVE` limits steps, and whether it limits string length
    /// or the heap: the two questions asked on every concatenation and
    /// interpolation, answered without copying the whole `Limits` out.
    static LIMITED: Cell<Limited> = const { Cell::new(Limited { steps: false, strings: false }) };
    /// Approximate live heap bytes of this thread's values.
    static HEAP: Cell<usize> = const { Cell::new(0) };
    /// Units of work (see [`charge_units`]) the current run may still do.
    static WORK_LEFT: Cell<u64> = const { Cell::new(u64::MAX) };
    /// A limit exceeded where the error could not be returned (see
    /// [`check_pending`]).
    static PENDING: Cell<Pending> = const { Cell::new(Pending::None) };
    /// The budget this thread shares with the other threads of a program
    /// (a `parallel` block's tasks), with the heap bytes it last
    /// published there.
    static GROUP: RefCell<Option<(Arc<SharedBudget>, usize)>> = const { RefCell::new(None) };
}

/// What the threads of one program share: the steps left to all of them
/// and the sum of their heaps. A `parallel` block's tasks run on threads
/// of their own (each with its own heap meter, `HEAP`), but the limits
/// are the program's: every thread draws its steps from here a chunk at
/// a time, and publishes how much its heap grew or shrank whenever it
/// checks the heap limit, which it checks against the total.
#[derive(Debug)]
pub struct SharedBudget {
    /// Steps not yet handed to a thread.
    steps: AtomicU64,
    /// Heap bytes of all the program's threads, as last published.
    heap: AtomicUsize,
}

impl SharedBudget {
    /// A budget of `steps` steps whose heap starts at `heap` bytes (the
    /// thread that opens the block publishes its own heap there).
    pub fn new(steps: u64, heap: usize) -> Arc<SharedBudget> {
        Arc::new(SharedBudget {
            steps: AtomicU64::new(steps),
            heap: AtomicUsize::new(heap),
        })
    }

    /// Steps not yet handed out.
    pub fn steps_left(&self) -> u64 {
        self.steps.load(Ordering::Relaxed)
    }
}

thread_local! {
    /// Bytes of values waiting in channels that the program running on
    /// this thread sent (see [`ChannelMeter`]).
    static CHANNEL_METER: RefCell<Option<ChannelMeter>> = const { RefCell::new(None) };
}

/// Bytes of values a program has waiting in channels. Channels cross
/// threads (a value sent by one thread is received by another), so their
/// buffers are in no thread's heap: each queued value remembers the meter
/// of the program that sent it, and is released from it when received
/// (or when its channel is dropped). Every heap check adds the meter of
/// the program running on the thread; a parallel task's thread uses its
/// program's meter.
#[derive(Clone, Debug, Default)]
pub struct ChannelMeter(Arc<AtomicUsize>);

impl ChannelMeter {
    /// Count `bytes` less (a value was received or dropped).
    pub fn release(&self, bytes: usize) {
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some(b.saturating_sub(bytes))
            });
    }

    fn bytes(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

/// Make `meter` the one this thread's channel sends are counted in.
pub fn install_channel_meter(meter: &ChannelMeter) {
    let _ = CHANNEL_METER.try_with(|m| {
        let mut m = m.borrow_mut();
        // A VM runs again and again on one thread (an embedder's calls):
        // its meter is most often in place already.
        if !m.as_ref().is_some_and(|old| Arc::ptr_eq(&old.0, &meter.0)) {
            *m = Some(meter.clone());
        }
    });
}

/// The channel meter installed on this thread.
pub fn current_channel_meter() -> Option<ChannelMeter> {
    CHANNEL_METER
        .try_with(|m| m.borrow().clone())
        .ok()
        .flatten()
}

/// Count `bytes` more waiting in a channel, sent from this thread; returns
/// the meter to release them from.
pub fn charge_channel(bytes: usize) -> Option<ChannelMeter> {
    CHANNEL_METER
        .try_with(|m| {
            let m = m.borrow();
            let meter = m.as_ref()?;
            meter.0.fetch_add(bytes, Ordering::Relaxed);
            Some(meter.clone())
        })
        .ok()
        .flatten()
}

fn channel_bytes() -> usize {
    CHANNEL_METER
        .try_with(|m| m.borrow().as_ref().map_or(0, ChannelMeter::bytes))
        .unwrap_or(0)
}

/// Make this thread draw its steps from `budget` and count its heap into
/// it (a parallel task's thread, before it runs anything), or stop doing
/// so (`None`). Heap already published by this thread is withdrawn.
pub fn join_budget(budget: Option<Arc<SharedBudget>>) {
    let _ = GROUP.try_with(|g| {
        let mut g = g.borrow_mut();
        if let Some((old, published)) = g.take() {
            old.heap.fetch_sub(
                published.min(old.heap.load(Ordering::Relaxed)),
                Ordering::Relaxed,
            );
        }
        *g = budget.map(|b| (b, 0));
    });
}

/// The budget this thread shares, if it runs a parallel task.
pub fn shared_budget() -> Option<Arc<SharedBudget>> {
    GROUP
        .try_with(|g| g.borrow().as_ref().map(|(b, _)| b.clone()))
        .ok()
        .flatten()
}

/// Take up to `want` steps from this thread's shared budget (0 when it
/// has none, or none is left).
pub fn draw_steps(want: u64) -> u64 {
    GROUP
        .try_with(|g| {
            let g = g.borrow();
            let Some((budget, _)) = g.as_ref() else {
                return 0;
            };
            let mut left = budget.steps.load(Ordering::Relaxed);
            loop {
                let take = want.min(left);
                if take == 0 {
                    return 0;
                }
                match budget.steps.compare_exchange_weak(
                    left,
                    left - take,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return take,
                    Err(now) => left = now,
                }
            }
        })
        .unwrap_or(0)
}

/// Give `steps` back to this thread's shared budget (a thread that ends
/// with steps drawn and not used).
pub fn return_steps(steps: u64) {
    let _ = GROUP.try_with(|g| {
        if let Some((budget, _)) = g.borrow().as_ref() {
            budget.steps.fetch_add(steps, Ordering::Relaxed);
        }
    });
}

/// The heap of the whole program as this thread sees it, with `extra`
/// bytes this thread is about to allocate. A thread in a shared budget
/// publishes its heap there first, the `extra` included (a reservation:
/// the allocation may be followed by no check for a long time, as when a
/// task makes a big string and sleeps; the next check replaces it).
fn program_heap_bytes(extra: usize) -> usize {
    let local = heap_bytes().saturating_add(extra);
    GROUP
        .try_with(|g| {
            let mut g = g.borrow_mut();
            let Some((budget, published)) = g.as_mut() else {
                return local;
            };
            if local >= *published {
                let up = local - *published;
                *published = local;
                budget
                    .heap
                    .fetch_add(up, Ordering::Relaxed)
                    .saturating_add(up)
            } else {
                let down = *published - local;
                *published = local;
                budget
                    .heap
                    .fetch_sub(down, Ordering::Relaxed)
                    .saturating_sub(down)
            }
        })
        .unwrap_or(local)
}

/// A limit exceeded by code that cannot fail (printing a value), raised by
/// the next check instead.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    /// Writing a big integer overdrew the work meter.
    Work,
    /// A value's text grew past the string length limit.
    Text,
    /// A value's text grew past the memory limit.
    Memory,
}

fn set_pending(p: Pending) {
    let _ = PENDING.try_with(|c| c.set(p));
}

#[inline]
fn pending() -> Pending {
    PENDING.try_with(Cell::get).unwrap_or(Pending::None)
}

/// Which kinds of limit `ACTIVE` sets (see `LIMITED`).
#[derive(Clone, Copy)]
struct Limited {
    steps: bool,
    strings: bool,
}

/// What `LIMITED` says, or that everything is limited when the thread's
/// values are gone (the full checks then decide).
#[inline]
fn limited() -> Limited {
    LIMITED.try_with(Cell::get).unwrap_or(Limited {
        steps: true,
        strings: true,
    })
}

/// Make `limits` the ones checked by allocation sites on this thread
/// (called by the VM when it starts running) and refill the work meter.
pub fn install(limits: Limits) {
    let _ = ACTIVE.try_with(|a| a.set(limits));
    let _ = LIMITED.try_with(|l| {
        l.set(Limited {
            steps: limits.max_steps.is_some(),
            strings: limits.max_string_len.is_some() || limits.max_heap_bytes.is_some(),
        })
    });
    let budget = limits
        .max_steps
        .map_or(u64::MAX, |steps| steps.saturating_mul(UNITS_PER_STEP));
    let _ = WORK_LEFT.try_with(|w| w.set(budget));
    set_pending(Pending::None);
}

/// The `ResourceLimit` error of an exhausted work meter.
fn work_exceeded<T>() -> Result<T, Trap> {
    let max = active().max_steps.unwrap_or(0);
    exceeded(&format!(
        "step limit of {max} steps exceeded (by work on big values)"
    ))
}

/// Take `units` from the work meter before doing work that one
/// instruction does in proportion to its operands: big-integer arithmetic,
/// or a pass over a whole list, dict or string. A loop of such
/// instructions would otherwise run far longer than its steps (the `run`
/// fuzz target found several). A unit is about a nanosecond of work (one
/// limb multiplication, one item copied or compared, a few bytes scanned);
/// [`UNITS_PER_STEP`] of them make a step. The meter holds `max_steps`
/// steps' worth per run, and the VM pays for its own steps from it too (at
/// each checkpoint, a chunk of steps at a time), so instructions and the
/// work of operators share one budget. Free when there is no step limit.
pub fn charge_units(units: u64) -> Result<(), Trap> {
    if !limited().steps {
        return Ok(());
    }
    let left = WORK_LEFT.try_with(Cell::get).unwrap_or(u64::MAX);
    if units > left {
        let _ = WORK_LEFT.try_with(|w| w.set(0));
        set_pending(Pending::Work);
        return work_exceeded();
    }
    let _ = WORK_LEFT.try_with(|w| w.set(left - units));
    check_pending()
}

/// Whether [`charge_units`] of `units` would succeed (it changes nothing).
pub fn can_charge_units(units: u64) -> bool {
    if active().max_steps.is_none() {
        return true;
    }
    units <= WORK_LEFT.try_with(Cell::get).unwrap_or(u64::MAX)
}

/// Charge `units` of work done where an error cannot be returned (writing
/// a big integer in decimal). The meter may be overdrawn: then the next
/// check ([`check_pending`], [`charge_units`], [`check_string`],
/// [`heap_over`] at the VM's next allocation or checkpoint) fails. Returns
/// false, and the caller skips the work, when it alone exceeds a whole
/// run's budget, or when a limit is already pending and the work is more
/// than a step's worth.
pub fn charge_units_later(units: u64) -> bool {
    let Some(max) = active().max_steps else {
        return true;
    };
    if pending() != Pending::None && units >= UNITS_PER_STEP {
        return false;
    }
    let left = WORK_LEFT.try_with(Cell::get).unwrap_or(u64::MAX);
    if units > left {
        let _ = WORK_LEFT.try_with(|w| w.set(0));
        set_pending(Pending::Work);
    } else {
        let _ = WORK_LEFT.try_with(|w| w.set(left - units));
    }
    units <= max.saturating_mul(UNITS_PER_STEP)
}

/// Whether text of `len` bytes being written out (a value printed into a
/// string, whose size is only checked once it is made) may grow: within
/// the string length limit, and no limit pending. If not, the writer
/// stops (its text is not used: the next check fails).
pub fn text_fits(len: usize) -> bool {
    let limits = active();
    match limits.max_string_len {
        Some(max) if len > max => {
            set_pending(Pending::Text);
            return false;
        }
        _ => {}
    }
    match limits.max_heap_bytes {
        Some(max) if heap_bytes().saturating_add(len) > max => {
            set_pending(Pending::Memory);
            false
        }
        _ => !limit_pending(),
    }
}

/// Whether a limit was exceeded where the error could not be returned: the
/// next check ([`check_pending`]) fails, and until then long work is
/// skipped. Cleared by [`install`] when the next run starts (a host
/// printing values after such a failed run sees them cut short).
pub fn limit_pending() -> bool {
    pending() != Pending::None
}

/// Fails with the limit that code unable to fail exceeded in this run
/// ([`charge_units_later`], [`text_fits`]).
pub fn check_pending() -> Result<(), Trap> {
    match pending() {
        Pending::None => Ok(()),
        Pending::Work => work_exceeded(),
        Pending::Text => {
            let max = active().max_string_len.unwrap_or(0);
            exceeded(&format!(
                "string length limit of {max} bytes exceeded (by a value's text)"
            ))
        }
        Pending::Memory => {
            let max = active().max_heap_bytes.unwrap_or(0);
            exceeded(&format!(
                "memory limit of {max} bytes exceeded (by a value's text)"
            ))
        }
    }
}

/// The limits installed on this thread.
pub fn active() -> Limits {
    ACTIVE.try_with(Cell::get).unwrap_or_default()
}

/// Approximate live heap bytes on this thread.
pub fn heap_bytes() -> usize {
    HEAP.try_with(Cell::get).unwrap_or(0)
}

/// Makes `bytes` this thread's heap count and returns the count it had.
/// A host running several programs on one thread (`limit::Engine`) keeps
/// a count per program and swaps it in for each of its runs, so that one
/// program's heap does not count against another's limit.
pub fn swap_heap(bytes: usize) -> usize {
    HEAP.try_with(|h| h.replace(bytes)).unwrap_or(0)
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
    let Some(max) = active().max_heap_bytes else {
        return Ok(());
    };
    let would = program_heap_bytes(extra).saturating_add(channel_bytes());
    if would > max {
        return exceeded(&format!(
            "memory limit of {max} bytes exceeded (the heap would hold about {would} bytes)"
        ));
    }
    Ok(())
}

/// Check a string about to be made with `len` bytes (length and heap).
/// Inline for the common case, nothing pending and neither limit set
/// (two thread-local reads), which every interpolation and concatenation
/// asks.
#[inline]
pub fn check_string(len: usize) -> Result<(), Trap> {
    if pending() == Pending::None && !limited().strings {
        return Ok(());
    }
    check_string_limits(len)
}

/// `check_string` when a limit is pending or string limits are set.
#[inline(never)]
fn check_string_limits(len: usize) -> Result<(), Trap> {
    check_pending()?;
    if !limited().strings {
        return Ok(());
    }
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

/// Whether the live heap is over the installed limit, or the work meter
/// was overdrawn (the VM's backstop check at allocating instructions and
/// every 1024 steps).
pub fn heap_over() -> Result<(), Trap> {
    check_pending()?;
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
    fn a_heap_limit_alone_still_checks_strings() {
        install(Limits {
            max_heap_bytes: Some(1000),
            ..Limits::default()
        });
        assert!(check_string(10_000).is_err());
        install(Limits::default());
        assert!(check_string(10_000).is_ok());
    }

    #[test]
    fn the_work_meter_holds_a_run_of_steps() {
        install(Limits {
            max_steps: Some(10),
            ..Limits::default()
        });
        assert!(charge_units(6 * UNITS_PER_STEP).is_ok());
        assert!(charge_units(4 * UNITS_PER_STEP).is_ok());
        let e = charge_units(1).unwrap_err();
        assert_eq!(&*e.kind, kinds::RESOURCE_LIMIT);
        // Refilled by the next run; work that cannot fail overdraws the
        // meter, and the next check fails.
        install(Limits {
            max_steps: Some(10),
            ..Limits::default()
        });
        assert!(charge_units_later(9 * UNITS_PER_STEP));
        assert!(check_pending().is_ok());
        assert!(charge_units_later(2 * UNITS_PER_STEP));
        assert!(heap_over().is_err());
        assert!(check_string(1).is_err());
        // Work beyond a whole run's budget is refused.
        install(Limits {
            max_steps: Some(10),
            ..Limits::default()
        });
        assert!(!charge_units_later(11 * UNITS_PER_STEP));
        assert!(check_pending().is_err());
        // A value's text past the string length limit stops its writer.
        install(Limits {
            max_string_len: Some(100),
            ..Limits::default()
        });
        assert!(text_fits(100));
        assert!(check_pending().is_ok());
        assert!(!text_fits(101));
        let e = check_pending().unwrap_err();
        assert!(
            e.message.contains("string length limit of 100"),
            "{}",
            e.message
        );
        // Without a step limit nothing is counted.
        install(Limits::default());
        assert!(charge_units(u64::MAX).is_ok());
        assert!(charge_units_later(u64::MAX));
        assert!(check_pending().is_ok());
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
