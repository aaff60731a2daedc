//! Releasing values without recursion: containers, enum payloads and
//! captures are emptied into a work list.

use super::*;

/// Move the contents of a uniquely owned container into `work` so that it is
/// released without recursion.
pub(super) fn drain_into(v: Value, work: &mut Vec<Value>) {
    match v {
        // Registered containers are emptied where they are and then
        // dropped in place: moved out of their `Rc`, their `Drop` would
        // see another address than the registry's handle and leave their
        // slot (and, through its `Weak`, their memory) to the next prune.
        Value::List(rc) => {
            if Rc::strong_count(&rc) == 1 {
                if let Ok(mut items) = rc.items.try_borrow_mut() {
                    work.append(&mut items);
                }
            }
        }
        Value::Tuple(rc) => {
            if let Ok(mut t) = Rc::try_unwrap(rc) {
                work.extend(std::mem::take(&mut t.items).into_vec());
            }
        }
        Value::Dict(rc) => {
            if Rc::strong_count(&rc) == 1 {
                if let Ok(mut map) = rc.map.try_borrow_mut() {
                    for (k, v) in std::mem::take(&mut *map) {
                        work.push(k.0);
                        work.push(v);
                    }
                }
            }
        }
        Value::Enum(rc) => {
            if let Ok(mut e) = Rc::try_unwrap(rc) {
                work.extend(std::mem::take(&mut e.payload).into_vec());
            }
        }
        Value::Function(rc) => {
            if Rc::strong_count(&rc) == 1 {
                // Its captures cannot change in place: give up its slot
                // here, where its address is the registered one.
                gc::untrack(rc.gc_slot.replace(gc::NO_SLOT), Rc::as_ptr(&rc) as usize);
                if let Ok(mut c) = Rc::try_unwrap(rc) {
                    work.extend(std::mem::take(&mut c.captures));
                }
            }
        }
        Value::Cell(rc) => {
            if Rc::strong_count(&rc) == 1 {
                work.extend(rc.try_take());
            }
        }
        Value::BoundMethod(rc) => {
            if let Ok(b) = Rc::try_unwrap(rc) {
                work.push(b.receiver);
            }
        }
        Value::Instance(inst) => {
            // An instance waiting for its deinit is revived, not released.
            if inst.strong_count() == 1 && (inst.class.deinit.is_none() || inst.finalized()) {
                // Reversed: the work list pops its last item first, and
                // fields are released in declaration order.
                work.extend(inst.take_values().into_iter().rev());
            }
        }
        other => drop(other),
    }
}

pub(super) fn release_items(mut work: Vec<Value>) {
    while let Some(v) = work.pop() {
        drain_into(v, &mut work);
    }
}

impl Drop for List {
    fn drop(&mut self) {
        gc::untrack(self.gc_slot.get(), self as *const List as usize);
        limits::release(self.charged.get());
        let items = self.items.get_mut();
        if items.iter().any(may_cascade) {
            release_items(std::mem::take(items));
        }
    }
}

impl Drop for Tuple {
    fn drop(&mut self) {
        limits::release(limits::OBJECT_HEADER + self.items.len() * limits::SLOT_BYTES);
        if self.items.iter().any(may_cascade) {
            release_items(std::mem::take(&mut self.items).into_vec());
        }
    }
}

impl Drop for Dict {
    fn drop(&mut self) {
        gc::untrack(self.gc_slot.get(), self as *const Dict as usize);
        limits::release(self.charged.get());
        let map = self.map.get_mut();
        if map.values().any(may_cascade) {
            let mut work = Vec::with_capacity(map.len() * 2);
            for (k, v) in std::mem::take(map) {
                work.push(k.0);
                work.push(v);
            }
            release_items(work);
        }
    }
}

/// Whether releasing `v` may release other values (it is then released
/// through a work list, not by recursion).
pub(super) fn is_container(v: &Value) -> bool {
    matches!(
        v,
        Value::List(_)
            | Value::Tuple(_)
            | Value::Dict(_)
            | Value::Instance(_)
            | Value::Enum(_)
            | Value::Function(_)
            | Value::Cell(_)
            | Value::BoundMethod(_)
    )
}

/// Whether releasing `v` may release other containers, and so must go
/// through the work list: a container this is the last reference to,
/// except a cell holding no container. Anything else only drops a count
/// or frees a leaf, which runs no Limit code and cannot recurse, so a
/// container whose items are all such is dropped in place (a closure
/// over a counter's cell: `counters` benchmark).
pub(super) fn may_cascade(v: &Value) -> bool {
    match v {
        Value::List(rc) => Rc::strong_count(rc) == 1,
        Value::Tuple(rc) => Rc::strong_count(rc) == 1,
        Value::Dict(rc) => Rc::strong_count(rc) == 1,
        Value::Enum(rc) => Rc::strong_count(rc) == 1,
        Value::Function(rc) => Rc::strong_count(rc) == 1,
        Value::BoundMethod(rc) => Rc::strong_count(rc) == 1,
        Value::Cell(rc) => {
            Rc::strong_count(rc) == 1 && rc.try_borrow().map_or(true, |held| is_container(&held))
        }
        Value::Instance(inst) => inst.strong_count() == 1,
        _ => false,
    }
}

/// Release an enum value's payload through the work list (out of line,
/// as `release_captures`).
#[cold]
#[inline(never)]
pub(super) fn release_payload(payload: &mut Box<[Value]>) {
    release_items(std::mem::take(payload).into_vec());
}

impl EnumValue {
    /// A variant value with `payload`, counted by the heap meter (a value
    /// without a payload is small and shared, and not counted).
    pub fn new(info: Rc<EnumInfo>, enum_id: u16, tag: u16, payload: Box<[Value]>) -> EnumValue {
        if !payload.is_empty() {
            limits::charge(Self::heap_bytes(payload.len()));
        }
        EnumValue {
            info,
            enum_id,
            tag,
            payload,
        }
    }

    pub(super) fn heap_bytes(items: usize) -> usize {
        limits::OBJECT_HEADER + items * limits::SLOT_BYTES
    }
}

impl Drop for EnumValue {
    fn drop(&mut self) {
        if !self.payload.is_empty() {
            limits::release(Self::heap_bytes(self.payload.len()));
        }
        // A long chain of payloads (`Link(Link(…))`) must not recurse.
        if self.payload.iter().any(may_cascade) {
            release_payload(&mut self.payload);
        }
    }
}
