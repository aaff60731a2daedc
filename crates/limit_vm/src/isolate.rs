//! A VM and everything its values touch, as one unit that can move to
//! another thread: what an embedder's engine is built on.
//!
//! Values are `Rc`-based and single-threaded, and part of a VM's heap
//! lives outside the `Vm` struct, in thread-locals: the cycle collector's
//! registry of containers (`gc.rs`, `Weak` handles to them), the queue of
//! instances waiting for their `deinit` (`value/objects.rs`) and the heap meter
//! (`limits.rs`). An [`Isolate`] owns all of that: it keeps its own
//! [`Home`] (registry, queue, meter) and installs it on the current thread
//! only while code runs inside it ([`Isolate::enter`]), putting the
//! thread's own back afterwards. Between two entries nothing on any
//! thread refers to the isolate's values, so the isolate may be sent to
//! another thread and entered there.
//!
//! The rest of the thread-local state a run uses is not the heap's: the
//! resource limits, work meter, shared budget and channel meter
//! (`limits.rs`) and the stop conditions (`interrupt.rs`) are plain data
//! or `Arc`s that every run installs afresh, and the regex cache
//! (`runtime/std_regex.rs`) holds compiled patterns no value refers to.
//!
//! ```
//! use limit_vm::isolate::Isolate;
//! use limit_vm::Value;
//!
//! let mut list = Isolate::new(|| Value::list(vec![Value::Int(1)]));
//! let mut list = std::thread::spawn(move || {
//!     list.enter(|v| {
//!         if let Value::List(l) = v {
//!             l.items.borrow_mut().push(Value::Int(2));
//!         }
//!     });
//!     list
//! })
//! .join()
//! .unwrap();
//! assert_eq!(list.enter(|v| v.to_string()), "[1, 2]");
//! ```

use std::mem::ManuallyDrop;

use crate::gc::{self, Registry};
use crate::limits;
use crate::value::{self, DeinitQueue};

/// The thread-local parts of one heap, while they are not installed.
#[derive(Default)]
struct Home {
    registry: Option<Box<Registry>>,
    due: bool,
    deinits: DeinitQueue,
    heap_bytes: usize,
}

impl Home {
    /// Exchange these parts with the current thread's. Done twice, the
    /// thread has its own back.
    fn swap(&mut self) {
        // A collection in progress on this thread holds the registry; an
        // isolate is never entered from inside one (collections run no
        // host code), so the exchange always happens.
        let swapped = gc::swap_registry(&mut self.registry, &mut self.due);
        debug_assert!(swapped, "an isolate entered during a collection");
        value::swap_pending_deinits(&mut self.deinits);
        self.heap_bytes = limits::swap_heap(self.heap_bytes);
    }
}

/// Puts the thread's own heap parts back when dropped (also when the code
/// inside the isolate panics).
struct Installed<'a>(&'a mut Home);

impl<'a> Installed<'a> {
    fn new(home: &'a mut Home) -> Installed<'a> {
        home.swap();
        Installed(home)
    }
}

impl Drop for Installed<'_> {
    fn drop(&mut self) {
        self.0.swap();
    }
}

/// A `T` (an engine's VM, its compiled session, its host functions) whose
/// values live in a heap of its own; it can be sent to another thread.
/// See the [module documentation](self).
pub struct Isolate<T> {
    core: ManuallyDrop<T>,
    home: Home,
}

// SAFETY: an `Isolate` may move to another thread because nothing outside
// it refers to anything inside it, and nothing inside it refers to
// anything outside it that is not `Send`:
// * its values (`Rc`, `RefCell`, not thread-safe) are reachable only from
//   `core` and from `home`: the thread-local registry, deinit queue and
//   heap meter they enter when made or freed are the isolate's own while
//   code runs inside it, swapped in by `Installed` and out again when
//   `enter` (or `new`, or `drop`) returns or unwinds;
// * code runs inside only through `new`, `enter` and `drop` below, and
//   those closures are `Send`: they capture nothing that is not `Send`, so
//   they can neither bring an outside `Rc` in nor store an inside one in a
//   captured place; `T: 'static` holds no borrow of the outside; and what
//   `enter` returns is `Send`, so no value comes out either;
// * the VM's other thread-locals hold no values (module documentation).
// So when the isolate is moved no `Rc` count or `RefCell` flag of its
// values is reachable from the thread it leaves.
unsafe impl<T: 'static> Send for Isolate<T> {}

impl<T: 'static> Isolate<T> {
    /// An isolate holding what `make` builds in the isolate's own, empty
    /// heap.
    pub fn new(make: impl FnOnce() -> T + Send) -> Isolate<T> {
        let mut home = Home::default();
        let core = {
            let _installed = Installed::new(&mut home);
            make()
        };
        Isolate {
            core: ManuallyDrop::new(core),
            home,
        }
    }

    /// Run `body` on the contents, with the isolate's heap installed on
    /// this thread.
    pub fn enter<R: Send>(&mut self, body: impl FnOnce(&mut T) -> R + Send) -> R {
        let _installed = Installed::new(&mut self.home);
        body(&mut self.core)
    }

    /// Bytes of the isolate's heap, as the heap meter counts them
    /// (`limits.rs`).
    pub fn heap_bytes(&mut self) -> usize {
        self.enter(|_| limits::heap_bytes())
    }
}

impl<T> Drop for Isolate<T> {
    /// The contents are freed in their own heap; instances still waiting
    /// for a `deinit` are freed without it (the program they belong to is
    /// gone).
    fn drop(&mut self) {
        let installed = Installed::new(&mut self.home);
        // SAFETY: `core` is dropped exactly once, here, and never used
        // after.
        unsafe { ManuallyDrop::drop(&mut self.core) };
        while let Some(instance) = value::next_pending_deinit() {
            drop(instance);
        }
        drop(installed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_isolate_counts_its_own_heap() {
        let outside = limits::heap_bytes();
        let mut iso = Isolate::new(|| crate::Value::str(&"x".repeat(1000)));
        assert!(iso.heap_bytes() >= 1000);
        assert_eq!(limits::heap_bytes(), outside);
        drop(iso);
        assert_eq!(limits::heap_bytes(), outside);
    }

    #[test]
    fn an_isolate_keeps_its_containers_out_of_the_threads_collector() {
        let before = gc::registered();
        let mut iso = Isolate::new(|| crate::Value::list(vec![]));
        assert_eq!(gc::registered(), before);
        assert_eq!(iso.enter(|_| gc::registered()), 1);
    }
}
