//! Who owns a value while a channel holds it (reference.md §7, §9).
//!
//! A channel is shared between threads, so its buffer holds `SendValue`s
//! (deep copies). Sent as a copy alone, an instance would exist twice: the
//! sender's original runs its `deinit` when the sender lets go of it, while
//! the channel still holds the value, and the receiver's copy runs it
//! again. So a VM that is not a parallel task *parks* the value it sends:
//! the original stays in the VM's [`Parking`] and the channel holds a
//! [`Ticket`] for it (with a copy for a receiver on another thread).
//!
//! * Received by the same VM (top level, functions, `concurrent` fibers):
//!   the receiver gets the original back — the same instance, whose
//!   `deinit` runs once, after the receiver's last use.
//! * Received on another thread (a `parallel` worker draining the
//!   channel): the receiver gets the copy, which now carries the `deinit`;
//!   the original is released without it.
//! * Never received (the channel is dropped with the value in it): the
//!   original is released, with its `deinit`, when the owning VM next
//!   releases values.
//!
//! A parallel task's VM ends with its task, so it cannot park: it sends a
//! copy and gives up the original's `deinit` (the value *moved* into the
//! channel). Snapshots that a parallel task receives of the outer program's
//! values (its captures and the globals) never run a `deinit` either: the
//! originals still live in the outer program.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use crate::value::Value;

/// Where the parked original of a ticket went.
const PENDING: u8 = 0;
/// Taken back by the owning VM.
const TAKEN: u8 = 1;
/// A receiver on another thread took the copy.
const COPIED: u8 = 2;

/// The claim a channel holds on a parked value.
pub struct Ticket {
    owner: u64,
    id: u64,
    state: AtomicU8,
    released: Arc<Released>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let keep_deinit = match self.state.load(Ordering::Acquire) {
            TAKEN => return,
            COPIED => false,
            _ => true,
        };
        let mut list = self.released.list.lock().unwrap_or_else(|p| p.into_inner());
        list.push((self.id, keep_deinit));
        self.released.any.store(true, Ordering::Release);
    }
}

impl Ticket {
    /// A receiver on another thread materialises the copy: the original
    /// is released without its `deinit`.
    pub fn mark_copied(&self) {
        let _ = self
            .state
            .compare_exchange(PENDING, COPIED, Ordering::AcqRel, Ordering::Acquire);
    }
}

/// Tickets dropped without their owner taking the value back: the ids, and
/// whether the original keeps its `deinit`.
#[derive(Default)]
struct Released {
    list: Mutex<Vec<(u64, bool)>>,
    any: AtomicBool,
}

/// The values a VM has parked in channels.
#[derive(Default)]
pub struct Parking {
    next: u64,
    values: FxHashMap<u64, Value>,
    released: Arc<Released>,
}

impl Parking {
    /// Parks `v` for VM `owner`; the ticket goes into the channel.
    pub fn park(&mut self, owner: u64, v: Value) -> Arc<Ticket> {
        self.next += 1;
        self.values.insert(self.next, v);
        Arc::new(Ticket {
            owner,
            id: self.next,
            state: AtomicU8::new(PENDING),
            released: self.released.clone(),
        })
    }

    /// The original behind `ticket` when VM `owner` parked it.
    pub fn take(&mut self, owner: u64, ticket: &Ticket) -> Option<Value> {
        if ticket.owner != owner {
            return None;
        }
        let v = self.values.remove(&ticket.id)?;
        ticket.state.store(TAKEN, Ordering::Release);
        Some(v)
    }

    /// Releases the originals whose tickets were dropped; returns whether
    /// there were any (their `deinit`s are then pending).
    pub fn release_dropped(&mut self) -> bool {
        if !self.released.any.load(Ordering::Acquire)
            || !self.released.any.swap(false, Ordering::AcqRel)
        {
            return false;
        }
        let dropped =
            std::mem::take(&mut *self.released.list.lock().unwrap_or_else(|p| p.into_inner()));
        for (id, keep_deinit) in dropped {
            if let Some(v) = self.values.remove(&id) {
                if !keep_deinit {
                    give_up_deinit(&v);
                }
                drop(v);
            }
        }
        true
    }

    /// Whether nothing is parked.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Marks every instance reachable from `v` as finalized: its `deinit`
/// belongs to a copy elsewhere (or to the original, for a snapshot).
pub fn give_up_deinit(v: &Value) {
    let mut work = vec![(v.clone(), 0usize)];
    let mut seen = rustc_hash::FxHashSet::default();
    while let Some((v, depth)) = work.pop() {
        if depth > 256 {
            continue;
        }
        let push = |work: &mut Vec<(Value, usize)>, x: &Value| {
            if matches!(
                x,
                Value::List(_)
                    | Value::Dict(_)
                    | Value::Tuple(_)
                    | Value::Instance(_)
                    | Value::Enum(_)
                    | Value::Function(_)
                    | Value::BoundMethod(_)
                    | Value::Cell(_)
            ) {
                work.push((x.clone(), depth + 1));
            }
        };
        match &v {
            Value::Instance(i) => {
                if !seen.insert(i.as_ptr() as usize) {
                    continue;
                }
                i.set_finalized();
                for f in i.values().iter() {
                    push(&mut work, f);
                }
            }
            Value::List(l) => {
                if !seen.insert(address_of(l)) {
                    continue;
                }
                for x in l.items.borrow().iter() {
                    push(&mut work, x);
                }
            }
            Value::Dict(d) => {
                if !seen.insert(address_of(d)) {
                    continue;
                }
                for (k, x) in d.map.borrow().iter() {
                    push(&mut work, &k.0);
                    push(&mut work, x);
                }
            }
            Value::Tuple(t) => {
                for x in t.items.iter() {
                    push(&mut work, x);
                }
            }
            Value::Enum(e) => {
                for x in e.payload.iter() {
                    push(&mut work, x);
                }
            }
            Value::Function(c) => {
                for x in c.captures.iter() {
                    push(&mut work, x);
                }
            }
            Value::BoundMethod(b) => push(&mut work, &b.receiver),
            Value::Cell(c) => {
                let inner = c.borrow().clone();
                push(&mut work, &inner);
            }
            _ => {}
        }
    }
}

/// The address of a shared allocation (cycle detection only).
fn address_of<T>(rc: &std::rc::Rc<T>) -> usize {
    std::rc::Rc::as_ptr(rc) as *const u8 as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_takes_back_the_original() {
        let mut parking = Parking::default();
        let v = Value::list(vec![Value::Int(1)]);
        let ticket = parking.park(7, v.clone());
        assert!(
            parking.take(8, &ticket).is_none(),
            "another VM is not the owner"
        );
        let back = parking.take(7, &ticket).expect("parked");
        match (&back, &v) {
            (Value::List(a), Value::List(b)) => assert!(std::rc::Rc::ptr_eq(a, b)),
            _ => panic!("not the parked list"),
        }
        drop(ticket);
        assert!(
            !parking.release_dropped(),
            "a ticket taken back is not released again"
        );
        assert!(parking.is_empty());
    }

    #[test]
    fn a_dropped_ticket_releases_its_original() {
        let mut parking = Parking::default();
        let ticket = parking.park(1, Value::list(vec![]));
        assert!(!parking.is_empty());
        drop(ticket);
        assert!(parking.release_dropped());
        assert!(parking.is_empty());
        assert!(!parking.release_dropped());
    }

    #[test]
    fn a_copied_ticket_releases_its_original_too() {
        let mut parking = Parking::default();
        let ticket = parking.park(1, Value::list(vec![]));
        ticket.mark_copied();
        drop(ticket);
        assert!(parking.release_dropped());
        assert!(parking.is_empty());
    }
}
