//! Where compiled code finds a list's elements and an instance's fields
//! without calling the runtime (heap.rs's inline paths): the offsets of
//! `Rc`'s value, of the `RefCell`'s borrow flag and of the `Vec`'s
//! pointer and length. The standard library does not fix those layouts,
//! so they are probed at run time from real values (`HeapLayout::probe`)
//! and checked again on every list and instance the bridge sees
//! (`HeapLayout::fits`); when a probe or a check fails, heap accesses go
//! through the runtime's support functions only.
//!
//! An instance's block is `repr(C)` (value/instance_ref.rs): its class's
//! `Rc` at offset 0, its fields from `FIELDS_OFFSET`, with no borrow
//! flag. Compiled code finds the field count through the class (the
//! length of its `field_names`, at a probed offset).
//!
//! The inline paths do what `try_borrow_unguarded` (a read: the flag not
//! negative) and `try_borrow_mut` (a write: the flag zero) check for a
//! list, and everything else (an index out of range, an element of
//! another kind) falls back to the support function, which declines or
//! raises as the interpreter does.

use std::cell::RefCell;
use std::mem::{align_of, offset_of, size_of};
use std::rc::Rc;

use crate::value::{Captures, CellRef, Class, Closure, List, Value};

/// The collection both lists and instances keep their values in.
type Items = RefCell<Vec<Value>>;

/// Byte offsets, from the word a `Value::List`/`Value::Instance` holds at
/// `deopt::WORD_OFFSET` (the `Rc`'s pointer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HeapLayout {
    /// From the `Rc`'s pointer to a list's items (`RefCell`).
    pub(crate) list_items: i32,
    /// From an instance's class's `Rc` pointer (the first word of the
    /// instance's block) to the class's field count.
    pub(crate) class_field_count: i32,
    /// From a `RefCell<Vec<Value>>` to its borrow flag (an `isize`).
    pub(crate) flag: i32,
    /// From a `RefCell<Vec<Value>>` to its vector's buffer pointer.
    pub(crate) ptr: i32,
    /// From a `RefCell<Vec<Value>>` to its vector's length.
    pub(crate) len: i32,
    /// From a `RefCell<Vec<Value>>` to its vector's capacity.
    pub(crate) cap: i32,
}

/// The machine word at byte `offset` of the object at `base`.
///
/// # Safety
/// `base + offset` must be 8 initialised, aligned bytes inside one live
/// object.
unsafe fn word_at(base: *const u8, offset: usize) -> usize {
    // SAFETY: the caller's promise.
    unsafe { std::ptr::read(base.add(offset) as *const usize) }
}

/// The word an instance of `class` holds at the start of its block (its
/// class's `Rc`, `repr(C)`): what compiled code compares an instance's
/// class by.
pub(crate) fn class_word(class: &Rc<Class>) -> usize {
    const _: () = assert!(size_of::<Rc<Class>>() == size_of::<usize>());
    // SAFETY: an `Rc` is one initialised word (asserted above).
    unsafe { word_at(class as *const Rc<Class> as *const u8, 0) }
}

impl HeapLayout {
    /// The layout found on sample values, if it is one the inline paths
    /// can use.
    pub(crate) fn probe() -> Option<HeapLayout> {
        // An `Rc`'s value sits at the same offset from its pointer for
        // every value type of one alignment.
        if align_of::<List>() != align_of::<Items>()
            || align_of::<Class>() != align_of::<Items>()
            || size_of::<Rc<Items>>() != size_of::<usize>()
            || size_of::<Vec<Value>>() != 3 * size_of::<usize>()
            || size_of::<Items>() != 4 * size_of::<usize>()
        {
            return None;
        }
        let mut items = Vec::with_capacity(5);
        items.extend([Value::Int(7), Value::Int(9), Value::Int(11)]);
        let sample: Rc<Items> = Rc::new(RefCell::new(items));
        // SAFETY: an `Rc` is one word (checked above), initialised.
        let pointer = unsafe { word_at(&sample as *const Rc<Items> as *const u8, 0) };
        let rc_value = (Rc::as_ptr(&sample) as usize).checked_sub(pointer)?;
        if rc_value > 64 {
            return None;
        }
        let cell = Rc::as_ptr(&sample) as *const u8;
        let vec_offset = (sample.as_ptr() as usize).checked_sub(cell as usize)?;
        // The cell is the flag and the vector, in some order.
        let flag = match vec_offset {
            0 => size_of::<Vec<Value>>(),
            8 => 0,
            _ => return None,
        };
        // SAFETY: the cell's 4 words are initialised (checked sizes), and
        // the vector's three are its pointer, capacity and length.
        let vec_words: Vec<usize> = (0..3)
            .map(|i| unsafe { word_at(cell, vec_offset + 8 * i) })
            .collect();
        let (buffer, len, capacity) = {
            let v = sample.borrow();
            (v.as_ptr() as usize, v.len(), v.capacity())
        };
        let find = |x: usize| -> Option<usize> {
            let mut at = vec_words.iter().enumerate().filter(|(_, w)| **w == x);
            let (i, _) = at.next()?;
            at.next().is_none().then_some(vec_offset + 8 * i)
        };
        let (ptr, len_offset, cap) = (find(buffer)?, find(len)?, find(capacity)?);
        let rc = |field: usize| i32::try_from(rc_value + field).ok();
        let layout = HeapLayout {
            list_items: rc(offset_of!(List, items))?,
            class_field_count: rc(offset_of!(Class, field_names) + (len_offset - vec_offset))?,
            flag: flag as i32,
            ptr: ptr as i32,
            len: len_offset as i32,
            cap: cap as i32,
        };
        // The flag reads as the borrows say.
        // SAFETY: `flag` is within the cell (checked above).
        let read_flag = || unsafe { word_at(cell, flag) } as isize;
        let unborrowed = read_flag() == 0;
        let shared = {
            let _r = sample.borrow();
            read_flag() == 1
        };
        let exclusive = {
            let _w = sample.borrow_mut();
            read_flag() == -1
        };
        let reads = {
            let items = sample.borrow();
            layout.reads_items(cell, &items) && layout.reads_capacity(cell, &items)
        };
        (unborrowed && shared && exclusive && reads).then_some(layout)
    }

    /// Whether the inline reads find `items`'s length and buffer in the
    /// cell at `cell`.
    fn reads_items(&self, cell: *const u8, items: &[Value]) -> bool {
        // SAFETY: `cell` is a live `RefCell<Vec<Value>>`, whose `ptr` and
        // `len` offsets `probe` found within it.
        let (ptr, len) = unsafe {
            (
                word_at(cell, self.ptr as usize),
                word_at(cell, self.len as usize),
            )
        };
        ptr == items.as_ptr() as usize && len == items.len()
    }

    /// Whether the inline push finds `items`'s capacity in the cell at
    /// `cell`.
    fn reads_capacity(&self, cell: *const u8, items: &Vec<Value>) -> bool {
        // SAFETY: as in `reads_items`.
        unsafe { word_at(cell, self.cap as usize) == items.capacity() }
    }

    /// Whether compiled code reading `v` (a list or an instance) through
    /// this layout finds what it holds; other values fit trivially.
    pub(crate) fn fits(&self, v: &Value) -> bool {
        // SAFETY: a list's or an instance's `Value` holds its `Rc`'s
        // pointer in the word at `WORD_OFFSET` (what this checks).
        let word = || unsafe {
            word_at(
                v as *const Value as *const u8,
                super::deopt::WORD_OFFSET as usize,
            )
        };
        let (offset, cell) = match v {
            Value::List(l) => (self.list_items, &l.items),
            Value::Instance(i) => {
                // SAFETY: the instance's block is live and starts with its
                // class's `Rc` (one word, `repr(C)`); the class is live,
                // and `class_field_count` is within it (checked here
                // against what the class says).
                let count = unsafe {
                    let class = std::ptr::read(i.as_ptr() as *const *const u8);
                    word_at(class, self.class_field_count as usize)
                };
                return word() == i.as_ptr() as usize && count == i.field_count();
            }
            _ => return true,
        };
        let Ok(items) = cell.try_borrow() else {
            return false;
        };
        let at = cell as *const Items as *const u8;
        word().wrapping_add(offset as usize) == at as usize
            && self.reads_items(at, &items)
            && self.reads_capacity(at, &items)
    }
}

/// Where compiled code finds a closure's captures and the value a captured
/// variable's cell holds (closures.rs's inline `GetUpvalue`/`SetUpvalue`):
/// byte offsets from the word a `Value::Function`/`Value::Cell` holds at
/// `deopt::WORD_OFFSET` (the `Rc`'s pointer). Captures are found only for
/// closures of at most `INLINE_CAPTURES` captures, which every closure
/// keeps inside its own block (`value::Captures`, a `SmallVec` of that
/// inline size, is built with no more capacity than it holds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ClosureLayout {
    /// To capture 0 and capture 1.
    pub(crate) captures: [i32; INLINE_CAPTURES],
    /// To a cell's `RefCell` borrow flag (an `isize`).
    pub(crate) cell_flag: i32,
    /// To a cell's value.
    pub(crate) cell_value: i32,
}

/// Captures a closure keeps inline (`value::Captures`).
pub(crate) const INLINE_CAPTURES: usize = 2;

impl ClosureLayout {
    /// The layout found on a sample closure and cell, if compiled code
    /// can use it.
    pub(crate) fn probe() -> Option<ClosureLayout> {
        let cell = Value::new_cell(Value::Int(5));
        let captures: Captures = [Value::Cell(cell.clone()), Value::Int(6)]
            .into_iter()
            .collect();
        let proto = std::sync::Arc::new(crate::program::FunctionProto::default());
        let closure = Rc::new(Closure::new(0, proto, captures));
        if closure.captures.spilled() || size_of::<Rc<Closure>>() != size_of::<usize>() {
            return None;
        }
        let from = |rc_word: usize, field: usize| -> Option<i32> {
            i32::try_from(field.checked_sub(rc_word)?).ok()
        };
        // SAFETY: an `Rc` is one initialised word (checked above).
        let closure_word = unsafe { word_at(&closure as *const Rc<Closure> as *const u8, 0) };
        let at = |i: usize| from(closure_word, &closure.captures[i] as *const Value as usize);
        // SAFETY: as above.
        let cell_word = unsafe { word_at(&cell as *const CellRef as *const u8, 0) };
        let (flag, value) = crate::value::captured_cell::cell_layout(&cell)?;
        let base = from(cell_word, Rc::as_ptr(&cell) as usize)?;
        let layout = ClosureLayout {
            captures: [at(0)?, at(1)?],
            cell_flag: base.checked_add(i32::try_from(flag).ok()?)?,
            cell_value: base.checked_add(i32::try_from(value).ok()?)?,
        };
        layout.reads(&closure, &cell).then_some(layout)
    }

    /// Whether the offsets find `closure`'s two captures and the value and
    /// borrow flag of `cell`, its first.
    fn reads(&self, closure: &Rc<Closure>, cell: &CellRef) -> bool {
        // SAFETY: an `Rc` is one initialised word; the offsets were found
        // within the closure's and the cell's blocks, which are live.
        unsafe {
            let closure_word = word_at(closure as *const Rc<Closure> as *const u8, 0) as *const u8;
            let cell_word = word_at(cell as *const CellRef as *const u8, 0) as *const u8;
            let first = closure_word.offset(self.captures[0] as isize) as *const Value;
            let second = closure_word.offset(self.captures[1] as isize) as *const Value;
            let flag = || word_at(cell_word, self.cell_flag as usize) as isize;
            let value = cell_word.offset(self.cell_value as isize) as *const Value;
            let unborrowed = flag() == 0;
            let shared = {
                let _b = cell.borrow();
                flag() == 1
            };
            matches!(&*first, Value::Cell(c) if Rc::ptr_eq(c, cell))
                && matches!(&*second, Value::Int(6))
                && matches!(&*value, Value::Int(5))
                && unborrowed
                && shared
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_starts_with_its_class_word() {
        let class = crate::value::instance_ref::tests::class(&["a"], false, true);
        let word = class_word(&class);
        let inst = Value::instance(class, [Value::Int(1)]);
        let Value::Instance(i) = &inst else {
            panic!("an instance");
        };
        // SAFETY: the block is live and starts with its class's `Rc`.
        assert_eq!(unsafe { word_at(i.as_ptr() as *const u8, 0) }, word);
    }

    #[test]
    fn the_probe_finds_a_layout_that_fits_lists_and_instances() {
        let layout = HeapLayout::probe().expect("a layout on this target");
        let list = Value::list(vec![Value::Int(1), Value::Int(2)]);
        assert!(layout.fits(&list));
        for names in [&["a", "b", "c"][..], &[]] {
            let class = crate::value::instance_ref::tests::class(names, false, true);
            let inst = Value::instance(class, [Value::Int(1), Value::Float(2.0)]);
            assert!(layout.fits(&inst));
        }
    }

    #[test]
    fn the_closure_probe_finds_captures_inline_and_cells_values() {
        let layout = ClosureLayout::probe().expect("a closure layout on this target");
        assert_ne!(layout.captures[0], layout.captures[1]);
        assert_ne!(layout.cell_flag, layout.cell_value);
    }

    #[test]
    fn every_way_of_building_captures_keeps_two_inline() {
        // What `ClosureLayout` relies on: the dispatch loop's closures
        // (`from_buf_and_len`/`from_buf`), the general path's
        // (`with_capacity` and pushes) and a parallel task's (`collect`).
        let one = Captures::from_buf_and_len([Value::Int(1), Value::Nil], 1);
        let two = Captures::from_buf([Value::Int(1), Value::Int(2)]);
        let mut pushed = Captures::with_capacity(INLINE_CAPTURES);
        pushed.push(Value::Int(1));
        pushed.push(Value::Int(2));
        let collected: Captures = (0..2).map(Value::Int).collect();
        for captures in [one, two, pushed, collected] {
            assert!(!captures.spilled());
        }
    }
}
