//! The cell behind a captured variable that is assigned: shared by the
//! frame that declared it and every closure that captured it.
//!
//! A cell joins the cycle collector's registry only once it holds a
//! container. Until then nothing it holds can lead back to it, so it
//! cannot lie on a cycle; and most cells (a counter, an accumulator)
//! never hold one, so they skip a registration and a release. Every
//! write goes through [`CapturedCell::set`] or [`CapturedCell::replace`],
//! which register the cell when the value written is a container; the
//! collector examines it from then on. A closure that captures cells
//! (and no other container) is not registered; a collection examines it,
//! and so sees its edges to its cells, when it meets it in a registered
//! object (gc.rs, `find_garbage`), which is where every cycle through
//! such a closure passes.

use std::cell::{Cell, Ref, RefCell};
use std::rc::Rc;

use super::{is_container, Value};
use crate::gc;

/// A captured variable's current value.
pub struct CapturedCell {
    value: RefCell<Value>,
    /// Slot in the collector's registry; `gc::NO_SLOT` until the cell
    /// holds a container.
    gc_slot: Cell<u32>,
}

/// A shared cell, as held by `Value::Cell`.
pub type CellRef = Rc<CapturedCell>;

impl CapturedCell {
    /// A cell holding `v`, registered when `v` is a container.
    pub fn new_ref(v: Value) -> CellRef {
        let track = is_container(&v);
        let cell = Rc::new(CapturedCell {
            value: RefCell::new(v),
            gc_slot: Cell::new(gc::NO_SLOT),
        });
        if track {
            cell.gc_slot.set(gc::track_cell(&cell));
        }
        cell
    }

    /// Read the value (panics while it is being written, which only the
    /// cell's own `set` does, briefly).
    pub fn borrow(&self) -> Ref<'_, Value> {
        self.value.borrow()
    }

    /// Read the value, or `Err` while it is being written.
    pub fn try_borrow(&self) -> Result<Ref<'_, Value>, std::cell::BorrowError> {
        self.value.try_borrow()
    }

    /// Write `v`, releasing the old value after the cell is consistent
    /// again (releasing it may run code that reads the cell).
    pub fn set(self: &Rc<Self>, v: Value) {
        drop(self.replace(v));
    }

    /// Write `v` and hand back the value it replaces; `v` is handed back
    /// as `Err` while the cell is being read.
    #[inline]
    pub fn try_replace(self: &Rc<Self>, v: Value) -> Result<Value, Value> {
        let old = match self.value.try_borrow_mut() {
            Ok(mut held) => {
                self.note_write(&v);
                std::mem::replace(&mut *held, v)
            }
            Err(_) => return Err(v),
        };
        Ok(old)
    }

    /// Write `v` and hand back the value it replaces.
    pub fn replace(self: &Rc<Self>, v: Value) -> Value {
        self.note_write(&v);
        self.value.replace(v)
    }

    /// Move the value out, leaving nil (the collector breaking a cycle);
    /// `None` while the cell is being read.
    pub(crate) fn try_take(&self) -> Option<Value> {
        self.value
            .try_borrow_mut()
            .ok()
            .map(|mut v| std::mem::take(&mut *v))
    }

    /// Its registry slot (`gc::NO_SLOT` when not registered).
    pub(crate) fn gc_slot(&self) -> u32 {
        self.gc_slot.get()
    }

    #[inline]
    fn note_write(self: &Rc<Self>, v: &Value) {
        if self.gc_slot.get() == gc::NO_SLOT && is_container(v) {
            self.gc_slot.set(gc::track_cell(self));
        }
    }
}

impl Drop for CapturedCell {
    fn drop(&mut self) {
        gc::untrack(self.gc_slot.get(), self as *const CapturedCell as usize);
    }
}

/// Where a cell keeps its value, for the native-code tier's inline reads
/// and writes of captures (jit/layout.rs): byte offsets from
/// `Rc::as_ptr` of a cell to its `RefCell`'s borrow flag (an `isize`: 0
/// unborrowed, negative when borrowed mutably) and to the `Value` it
/// holds; `None` when the cell is not laid out as a flag and a value.
pub(crate) fn cell_layout(cell: &CellRef) -> Option<(usize, usize)> {
    let base = Rc::as_ptr(cell) as usize;
    let refcell = &cell.value as *const RefCell<Value> as usize;
    let value = cell.value.as_ptr() as usize;
    if std::mem::size_of::<RefCell<Value>>() != std::mem::size_of::<Value>() + 8 {
        return None;
    }
    let value_at = value.checked_sub(base)?;
    let flag_at = match value.checked_sub(refcell)? {
        // The flag first, or after the value.
        8 => refcell - base,
        0 => refcell - base + std::mem::size_of::<Value>(),
        _ => return None,
    };
    Some((flag_at, value_at))
}
