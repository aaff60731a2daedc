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

use crate::runtime::sendable::SendValue;

/// A synchronised variable shared by the threads of a parallel block.
pub struct SharedCell {
    value: Mutex<SendValue>,
    locked: Mutex<bool>,
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
            locked: Mutex::new(false),
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

    /// Take the statement lock (waits while another task holds it).
    pub fn acquire(&self) {
        let mut locked = guard(&self.locked);
        while *locked {
            locked = self
                .unlocked
                .wait(locked)
                .unwrap_or_else(|p| p.into_inner());
        }
        *locked = true;
    }

    /// Release the statement lock.
    pub fn release(&self) {
        *guard(&self.locked) = false;
        self.unlocked.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn locked_increments_lose_nothing() {
        let cell = Arc::new(SharedCell::new(SendValue::Int(0)));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let cell = cell.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
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
        assert!(matches!(cell.get(), SendValue::Int(4000)));
    }
}
