//! Shared cells: outer variables that tasks of a `parallel` block assign.
//!
//! While a parallel block runs, each such variable holds a
//! `Value::Shared` handle. An assignment statement to it locks the cell
//! (`SharedLock`), reads and computes, then stores and unlocks
//! (`SharedSetUnlock`), so `counter += 1` from many threads loses no update.
//! The statement lock is a flag under a mutex (not a guard kept across
//! instructions); a task that fails while holding it releases it when the
//! task ends (`Vm::conc.held`).

use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;

use crate::runtime::sendable::SendValue;

/// A synchronised variable shared by the threads of a parallel block, or
/// an `atomic` global for its whole life.
pub struct SharedCell {
    value: Mutex<SendValue>,
    /// The thread holding the statement lock and how many statements of
    /// it hold it: a statement may call a helper that assigns the same
    /// variable (`hits += bump()`), which must not wait for itself.
    holder: Mutex<Option<(ThreadId, u32)>>,
    unlocked: Condvar,
}

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl SharedCell {
    /// A cell holding `v`.
    pub fn new(v: SendValue) -> SharedCell {
        SharedCell {
            value: Mutex::new(v),
            holder: Mutex::new(None),
            unlocked: Condvar::new(),
        }
    }

    /// A copy of the current content.
    pub fn get(&self) -> SendValue {
        guard(&self.value).clone()
    }

    /// Replace the content.
    pub fn set(&self, v: SendValue) {
        *guard(&self.value) = v;
    }

    /// Take the statement lock (waits while another thread holds it).
    pub fn acquire(&self) {
        let me = std::thread::current().id();
        let mut holder = guard(&self.holder);
        loop {
            match &mut *holder {
                None => {
                    *holder = Some((me, 1));
                    return;
                }
                Some((owner, depth)) if *owner == me => {
                    *depth += 1;
                    return;
                }
                Some(_) => {
                    holder = self
                        .unlocked
                        .wait(holder)
                        .unwrap_or_else(|p| p.into_inner());
                }
            }
        }
    }

    /// Release one hold of the statement lock.
    pub fn release(&self) {
        let mut holder = guard(&self.holder);
        if let Some((_, depth)) = &mut *holder {
            *depth -= 1;
            if *depth == 0 {
                *holder = None;
                self.unlocked.notify_one();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn locked_increments_lose_nothing() {
        // Miri checks every interleaving it runs for data races, about
        // 40 seconds for the full count there; fewer rounds still race.
        const ROUNDS: i64 = if cfg!(miri) { 100 } else { 1000 };
        let cell = Arc::new(SharedCell::new(SendValue::Int(0)));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let cell = cell.clone();
                std::thread::spawn(move || {
                    for _ in 0..ROUNDS {
                        cell.acquire();
                        if let SendValue::Int(n) = cell.get() {
                            cell.set(SendValue::Int(n + 1));
                        }
                        cell.release();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(matches!(cell.get(), SendValue::Int(n) if n == 4 * ROUNDS));
    }
}
