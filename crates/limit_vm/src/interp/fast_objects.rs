//! The dispatch loop's fast paths over instances and closures
//! (dispatch.rs): fields by slot and by name, storing a field, making an
//! instance or a closure. Each declines (`None` or `false`) having changed nothing; they
//! are inlined into the loop.

use std::rc::Rc;
use std::sync::Arc;

use crate::program::{CaptureSource, FunctionProto};
use crate::value::{Captures, Class, Closure, Value};

/// A new instance of `class` whose first `n` fields are moved from the `n`
/// values at `first`, the others nil. Not inlined: with its loop in the
/// dispatch loop's arm, LLVM gave `pc` up to a stack slot, reloaded at
/// every instruction (ARCHITECTURE.md, "Inside the VM").
///
/// # Safety
/// `first..first + n` must hold initialised values, logically
/// uninitialised when this returns (they move into the instance), and
/// `n` must not exceed the class's field count.
#[inline(never)]
pub(super) unsafe fn new_instance(class: &Rc<Class>, first: *const Value, n: usize) -> Value {
    let n = n.min(class.field_names.len());
    // SAFETY: the caller's promise: `n` values at `first`, given up to us;
    // each is read (moved into the instance) once.
    let moved = (0..n).map(|i| unsafe { first.add(i).read() });
    Value::instance(class.clone(), moved)
}

/// Field `slot` of an instance, borrowed (fields have no borrow flag:
/// value/instance_ref.rs).
///
/// # Safety
/// The caller copies the field out before anything can change it.
#[inline(always)]
pub(super) unsafe fn field(obj: &Value, slot: usize) -> Option<&Value> {
    let Value::Instance(inst) = obj else {
        return None;
    };
    // SAFETY: this function's `# Safety` condition (the field is copied
    // out before anything writes it), established by its caller, the
    // dispatch loop's `fast_helper!` (dispatch.rs).
    unsafe { inst.field_unguarded(slot) }
}

/// `obj.fields[slot] = *v`, moving the value in; the old value is released
/// after the field holds the new one. False when declined, `*v` untouched.
///
/// # Safety
/// `v` must point to an initialised value, logically uninitialised when
/// this returns true. Releasing the old value may free objects: no frame
/// may have a `deinit` (no Limit code can run from here).
#[inline(always)]
pub(super) unsafe fn set_field(obj: &Value, slot: usize, v: *const Value) -> bool {
    let Value::Instance(inst) = obj else {
        return false;
    };
    let Some(f) = inst.fields().get(slot) else {
        return false;
    };
    // SAFETY: this function's `# Safety` condition on `v`,
    // established by its caller, the dispatch loop's `fast_helper!`
    // (dispatch.rs).
    f.replace(unsafe { std::ptr::read(v) }).discard();
    true
}

/// A closure of function `f` (`proto`), its captures taken from the
/// running frame's `live` slots from `locals` and from the running
/// closure's captures. `None`, changing nothing, when a capture is not
/// there.
///
/// # Safety
/// `locals..locals + live` must be initialised values the caller owns; a
/// captured local that is not yet a cell becomes one in place.
#[inline(always)]
pub(super) unsafe fn make_closure(
    f: u32,
    proto: &Arc<FunctionProto>,
    running: Option<&Rc<Closure>>,
    locals: *mut Value,
    live: usize,
) -> Option<Value> {
    // Check every capture before changing anything.
    for cap in &proto.captures {
        let present = match *cap {
            CaptureSource::Local(s) | CaptureSource::LocalValue(s) => (s as usize) < live,
            CaptureSource::Upvalue(i) => running.is_some_and(|c| (i as usize) < c.captures.len()),
        };
        if !present {
            return None;
        }
    }
    let capture = |cap: &CaptureSource| match *cap {
        CaptureSource::Local(s) => {
            // SAFETY: `s < live` (checked above): an initialised slot.
            let x = unsafe { locals.add(s as usize) };
            // SAFETY: as above; the slot is rewritten in place.
            unsafe {
                if let Value::Cell(cell) = &*x {
                    Value::Cell(cell.clone())
                } else {
                    // Not yet a cell: convert in place so that both
                    // sides share it.
                    let cell = Value::new_cell(std::ptr::read(x));
                    std::ptr::write(x, Value::Cell(cell.clone()));
                    Value::Cell(cell)
                }
            }
        }
        // SAFETY: `s < live` (checked above).
        CaptureSource::LocalValue(s) => unsafe { (*locals.add(s as usize)).clone() },
        // Present: checked above.
        CaptureSource::Upvalue(i) => running
            .and_then(|c| c.captures.get(i as usize))
            .map_or(Value::Nil, Value::clone),
    };
    // Built in place as the inline array: pushing one by one checked the
    // vector's capacity and spill state at each capture (and
    // `array::from_fn` was a call per capture without LTO).
    let captures = match &proto.captures[..] {
        [] => Captures::new(),
        // The slot past the length holds `Nil`, which needs no release.
        [only] => Captures::from_buf_and_len([capture(only), Value::Nil], 1),
        [first, second] => {
            let first = capture(first);
            Captures::from_buf([first, capture(second)])
        }
        more => more.iter().map(capture).collect(),
    };
    // `Value::closure`, inlined so that the value is written in place
    // rather than returned through memory and reloaded.
    let closure = Rc::new(Closure::new(f, proto.clone(), captures));
    Closure::track(&closure);
    Some(Value::Function(closure))
}

impl super::Vm {
    /// A closure of function `f` capturing from the frame whose locals
    /// start at `locals` (`live` of them initialised), as the dispatch
    /// loop's `Closure` makes it outside a closure (no `Upvalue`
    /// captures); `None`, changing nothing, when a capture is missing.
    /// For the native-code tier (jit/closures.rs).
    ///
    /// # Safety
    /// As for `make_closure`.
    pub(crate) unsafe fn closure_from_locals(
        &self,
        f: u32,
        locals: *mut Value,
        live: usize,
    ) -> Option<Value> {
        let proto = self.functions.get(f as usize)?;
        // SAFETY: the caller's promise.
        unsafe { make_closure(f, proto, None, locals, live) }
    }

    /// Whether the program has a `deinit` (then releasing a value may run
    /// Limit code).
    pub(crate) fn has_deinit(&self) -> bool {
        self.has_deinit
    }
}
