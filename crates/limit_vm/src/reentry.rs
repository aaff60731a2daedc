//! A VM lent to the host code it calls, so that the host can call back
//! into it: a host function receiving a Limit function as an argument
//! calls it while the VM is in the middle of the host call
//! (`FnHandle::call_back` in the embedding crate). The callback runs on
//! the VM's own frame stack, above the frame that made the host call, as
//! a built-in's callback (`map`, `sort`) does.
//!
//! While a host function runs, the VM calling it is reachable from the
//! thread through [`with_lent`], tagged with the engine it belongs to;
//! outside such a call nothing is lent and a callback is refused.

use std::cell::Cell;
use std::ptr::NonNull;

use crate::interp::Vm;

/// The VM lent to the host code running on this thread, and its tag.
type Lent = Option<(NonNull<Vm>, u64)>;

thread_local! {
    static LENT: Cell<Lent> = const { Cell::new(None) };
}

/// Puts back what was lent before when dropped (also on a panic).
struct Restore(Lent);

impl Drop for Restore {
    fn drop(&mut self) {
        LENT.with(|lent| lent.set(self.0));
    }
}

/// Run `body` (host code the VM calls) with `vm` lent to it under `tag`
/// (the embedding engine's id): inside, [`with_lent`] with the same tag
/// reaches the VM.
pub fn lend<R>(vm: &mut Vm, tag: u64, body: impl FnOnce() -> R) -> R {
    let previous = LENT.with(|lent| lent.replace(Some((NonNull::from(vm), tag))));
    let _restore = Restore(previous);
    body()
}

/// Run `body` on the VM lent under `tag` to the host code running now
/// (see [`lend`]); `None` when no VM of that tag is lent (no host call of
/// that engine is in progress on this thread).
pub fn with_lent<R>(tag: u64, body: impl FnOnce(&mut Vm) -> R) -> Option<R> {
    let (vm, lent_tag) = LENT.with(Cell::get)?;
    if lent_tag != tag {
        return None;
    }
    // Taken while `body` runs: a second `with_lent` inside it finds
    // nothing (until the VM lends itself again, to a host call it makes).
    let previous = LENT.with(|lent| lent.replace(None));
    let _restore = Restore(previous);
    // SAFETY: `vm` comes from the `&mut Vm` that `lend` received, and
    // `lend` is still running (it restores the slot before returning, and
    // a slot is only filled by `lend`): the VM is alive and not moved.
    // That borrow is not used while the host code it runs is running, and
    // the slot is empty while this reference lives, so it is the only
    // reference to the VM.
    let vm = unsafe { &mut *vm.as_ptr() };
    Some(body(vm))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vm_is_reachable_only_while_lent_and_only_by_its_tag() {
        let program = limit_bytecode::program::Program::default();
        let mut vm = Vm::new(program, crate::VmOptions::default());
        assert!(with_lent(1, |_| ()).is_none());
        let reached = lend(&mut vm, 1, || {
            assert!(with_lent(2, |_| ()).is_none(), "another engine's tag");
            with_lent(1, |_| {
                // Not twice at once.
                with_lent(1, |_| ()).is_none()
            })
        });
        assert_eq!(reached, Some(true));
        assert!(with_lent(1, |_| ()).is_none());
    }
}
