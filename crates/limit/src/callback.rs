//! Limit functions a script hands to a host function, called back from
//! Rust (issue 25): a host function declaring an [`FnHandle`] parameter
//! receives the closure (or any function value) the script passes, and
//! may call it — during the host call, re-entrantly, on the VM's own
//! frame stack ([`FnHandle::call_back`]), or later, from the host, with
//! [`FnHandle::call`].
//!
//! The function is kept alive for the handle: the VM *pins* it (a table
//! of values by id, a root for the cycle collector), and the last clone
//! of the handle to be dropped — on any thread — queues the id for the
//! engine to unpin when it next runs.
//!
//! An error the callback raises is returned to the host function (so it
//! can stop early), and then continues through the script as if the
//! script had raised it there: the host call fails with it, whatever the
//! host function returned, with the trace of where it was raised.

use std::any::Any;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use limit_vm::errors::{RuntimeError, Trap};
use limit_vm::interp::Vm;
use limit_vm::reentry;
use limit_vm::value::Value as VmValue;

use crate::conversions::FromValue;
use crate::direct;
use crate::engine::{from_vm, Error};
use crate::handle::{self, FnHandle, IntoArgs, ParamKind, Target};

/// The pinned values whose handles are all gone, for their engine to
/// unpin.
#[derive(Default)]
pub(crate) struct Releases {
    pending: AtomicBool,
    ids: Mutex<Vec<u64>>,
}

impl Releases {
    /// Unpin from `vm` what was released since the last time.
    #[inline]
    pub(crate) fn unpin_released(&self, vm: &mut Vm) {
        // A plain load first, inline in every call from the host: almost
        // every call finds nothing released, and a swap is a locked
        // read-modify-write.
        if self.pending.load(Ordering::Relaxed) {
            self.unpin_pending(vm);
        }
    }

    #[cold]
    #[inline(never)]
    fn unpin_pending(&self, vm: &mut Vm) {
        if !self.pending.swap(false, Ordering::Acquire) {
            return;
        }
        let ids = match self.ids.lock() {
            Ok(mut ids) => std::mem::take(&mut *ids),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        };
        for id in ids {
            vm.unpin(id);
        }
    }
}

/// One pinned value, shared by the clones of its handle.
#[derive(Debug)]
pub(crate) struct Pin {
    pub(crate) id: u64,
    releases: Arc<Releases>,
}

impl std::fmt::Debug for Releases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Releases")
    }
}

impl Drop for Pin {
    fn drop(&mut self) {
        let mut ids = match self.releases.ids.lock() {
            Ok(ids) => ids,
            Err(poisoned) => poisoned.into_inner(),
        };
        ids.push(self.id);
        self.releases.pending.store(true, Ordering::Release);
    }
}

/// What a host function's arguments are converted with: its engine.
#[derive(Clone)]
pub(crate) struct HostContext {
    pub(crate) engine: u64,
    pub(crate) releases: Arc<Releases>,
}

thread_local! {
    /// The first error a callback raised during the host call running
    /// on this thread (each host call keeps the enclosing one's aside).
    static FAILED: RefCell<Option<Trap>> = const { RefCell::new(None) };
}

/// Run `body` (the host function's own code) with `vm` lent to it, so
/// that its handles can call back; if a callback failed, the host call
/// fails with that error.
pub(crate) fn run_host<R>(vm: &mut Vm, engine: u64, body: impl FnOnce() -> R) -> Result<R, Trap> {
    let outer = FAILED.with(|failed| failed.borrow_mut().take());
    let result = reentry::lend(vm, engine, body);
    let failed = FAILED.with(|failed| std::mem::replace(&mut *failed.borrow_mut(), outer));
    match failed {
        Some(trap) => Err(trap),
        None => Ok(result),
    }
}

/// `arg` as an `A` when `A` is [`FnHandle`] and `arg` a function value:
/// the value pinned in `vm` for the handle. `None` otherwise.
pub(crate) fn handle_argument<A: 'static>(
    vm: &mut Vm,
    context: &HostContext,
    arg: &VmValue,
) -> Option<A> {
    let mut out: Option<A> = None;
    let slot: &mut dyn Any = &mut out;
    if let Some(slot) = slot.downcast_mut::<Option<FnHandle>>() {
        if matches!(
            arg,
            VmValue::Function(_) | VmValue::Host(_) | VmValue::Native(_) | VmValue::BoundMethod(_)
        ) {
            let id = vm.pin(arg.clone());
            *slot = Some(FnHandle {
                engine: context.engine,
                target: Target::Pinned(id),
                name: limit_vm::value::display(arg).into(),
                signature: None,
                kinds: ParamKind::of_signature(None),
                _pin: Some(Arc::new(Pin {
                    id,
                    releases: context.releases.clone(),
                })),
            });
        }
    }
    out
}

/// The function `target` stands for in `vm`.
pub(crate) fn function_at(vm: &Vm, target: Target) -> Option<VmValue> {
    match target {
        Target::Function(index) => vm.function_value(index),
        Target::Global(slot) => vm
            .global_at(slot)
            .filter(|f| matches!(f, VmValue::Function(_) | VmValue::Host(_))),
        Target::Pinned(id) => vm.pinned(id),
    }
}

/// [`FnHandle::call_back`]: call `handle`'s function on `vm`, which is in
/// the middle of a host call.
pub(crate) fn call_back<R>(vm: &mut Vm, handle: &FnHandle, args: impl IntoArgs) -> Result<R, Error>
where
    R: FromValue + 'static,
{
    let mut argv = Vec::new();
    args.into_vm(&mut argv)?;
    handle::check_vm_arguments(
        &handle.name,
        handle.signature.as_deref(),
        &handle.kinds,
        &mut argv,
    )?;
    let Some(f) = function_at(vm, handle.target) else {
        return Err(Error::NotFound(handle.name.to_string()));
    };
    match vm.call_with(&f, &argv, true) {
        Ok(result) => match direct::from_vm::<R>(&result) {
            Some(result) => Ok(result),
            None => from_vm(&result, 0).and_then(R::from_value),
        },
        Err(trap) => {
            let error = RuntimeError {
                kind: trap.kind.to_string(),
                message: trap.message.to_string(),
                trace: vm.error_trace(),
            };
            FAILED.with(|failed| {
                failed.borrow_mut().get_or_insert(trap);
            });
            Err(Error::Runtime(error))
        }
    }
}
