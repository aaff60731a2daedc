//! The backup cycle collector (DESIGN.md §3): reference counting frees
//! everything except cycles; this finds unreachable cycles among container
//! objects by trial deletion, as CPython does, and breaks them.
//!
//! * **Registry.** Every list, dict, instance, closure and captured-variable
//!   cell registers a `Weak` handle when it is made (`track_*`), so the
//!   registry never keeps an object alive. Dead handles are pruned whenever
//!   the live slots have doubled since the last prune, and at least every
//!   `MIN_PRUNE` registrations (amortised O(1) per allocation).
//! * **Trigger.** A collection is due when the number of *live* registered
//!   containers has doubled since the last collection (and is at least
//!   `MIN_COLLECT`). The VM checks `due()` at allocating instructions and
//!   every 1024 steps, so collections only run at safe points; `gc()`
//!   collects on demand.
//! * **Trial deletion.** For each live container, start from its strong
//!   count and subtract the references held by other registered
//!   containers. What remains is held from outside (the VM stack, globals,
//!   fibers, unregistered values such as tuples): those are roots. Whatever
//!   no root reaches is garbage.
//! * **Finalisation.** Garbage instances whose frame has a `deinit` are
//!   marked finalised and queued for it (they run once, with their fields
//!   intact, in allocation order); nothing is freed in that pass. The VM
//!   runs the deinits and collects again: objects still unreachable are then
//!   freed, so a deinit that stores `this` somewhere revives it safely.
//! * **Breaking cycles.** The contents of every garbage object (list items,
//!   dict entries, instance fields, cell values) are moved out and dropped
//!   together, after which reference counting frees the objects. Closures
//!   are freed through their cells.
//!
//! Cycles through tuples, enum payloads and bound methods alone are not
//! collected (those are not registered; a container they hold counts as
//! referenced from outside, which is safe).

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use rustc_hash::FxHashMap;

use crate::value::{CellRef, Closure, Dict, Instance, List, Value};

/// Fewest live containers for which an automatic collection runs.
pub const MIN_COLLECT: usize = 100_000;

/// Fewest registered slots at which dead handles are pruned. Cells free
/// their slot only here, and a dead cell's memory stays allocated while its
/// `Weak` handle does: pruning well before `MIN_COLLECT` keeps programs
/// that make many short-lived closures small.
const MIN_PRUNE: usize = 4_096;

/// "Not registered" (a container made without a `Value` constructor).
pub const NO_SLOT: u32 = u32::MAX;

/// A registry slot.
enum Tracked {
    Free,
    List(Weak<List>),
    Dict(Weak<Dict>),
    Instance(Weak<Instance>),
    Closure(Weak<Closure>),
    Cell(Weak<RefCell<Value>>),
}

/// A container held strongly during a collection.
enum Object {
    List(Rc<List>),
    Dict(Rc<Dict>),
    Instance(Rc<Instance>),
    Closure(Rc<Closure>),
    Cell(CellRef),
}

/// Lists, dicts, instances and closures know their slot and free it when
/// dropped (so their memory is released at once); cells do not, and their
/// dead slots are freed by `prune`.
///
/// A thread has one registry installed at a time; an embedder's engine
/// keeps its own and installs it while it runs (`isolate.rs`), so engines
/// sharing a thread never scan each other's objects.
pub struct Registry {
    slots: Vec<Tracked>,
    free: Vec<u32>,
    /// Slots in use.
    occupied: usize,
    /// Prune (then maybe flag a collection) when `occupied` reaches this.
    check_at: usize,
    /// Collect when this many live objects are registered.
    collect_at: usize,
}

thread_local! {
    /// This thread's registry, made at its first registration. Boxed so
    /// that an engine's entry and exit (`isolate.rs`, twice per call from
    /// its host) exchange one pointer rather than the whole registry.
    static REGISTRY: RefCell<Option<Box<Registry>>> = const { RefCell::new(None) };
    /// Set when the live count reached `collect_at`.
    static DUE: Cell<bool> = const { Cell::new(false) };
}

impl Default for Registry {
    fn default() -> Registry {
        Registry {
            slots: Vec::new(),
            free: Vec::new(),
            occupied: 0,
            check_at: MIN_PRUNE,
            collect_at: MIN_COLLECT,
        }
    }
}

/// Exchange this thread's registry and due flag with `registry` and
/// `due` (an engine's own, `isolate.rs`). Refused (nothing exchanged,
/// `false`) while the registry is in use, which a collection in progress
/// is the only reason for.
pub(crate) fn swap_registry(registry: &mut Option<Box<Registry>>, due: &mut bool) -> bool {
    REGISTRY
        .try_with(|r| match r.try_borrow_mut() {
            Ok(mut r) => {
                std::mem::swap(&mut *r, registry);
                *due = DUE.with(|d| d.replace(*due));
                true
            }
            Err(_) => false,
        })
        .unwrap_or(false)
}

/// Run `f` on this thread's registry, if one is made and not in use
/// (a collection in progress holds it); `None` otherwise.
#[inline]
fn with_registry<R>(f: impl FnOnce(&mut Registry) -> R) -> Option<R> {
    REGISTRY
        .try_with(|r| r.try_borrow_mut().ok()?.as_deref_mut().map(f))
        .ok()
        .flatten()
}

fn register(t: Tracked) -> u32 {
    REGISTRY
        .try_with(|r| match r.try_borrow_mut() {
            Ok(mut r) => r.get_or_insert_with(Box::default).insert(t),
            Err(_) => NO_SLOT,
        })
        .unwrap_or(NO_SLOT)
}

impl Registry {
    fn insert(&mut self, t: Tracked) -> u32 {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = t;
                slot
            }
            None => {
                self.slots.push(t);
                (self.slots.len() - 1) as u32
            }
        };
        self.occupied += 1;
        if self.occupied >= self.check_at {
            self.check();
        }
        slot
    }

    fn release(&mut self, slot: u32) {
        self.slots[slot as usize] = Tracked::Free;
        self.free.push(slot);
        self.occupied -= 1;
    }

    /// Free the slots of dead closures and cells; flag a collection when
    /// the live objects have doubled since the last one.
    fn check(&mut self) {
        for slot in 0..self.slots.len() {
            if matches!(self.slots[slot], Tracked::Free) || self.slots[slot].alive() {
                continue;
            }
            self.release(slot as u32);
        }
        if self.occupied >= self.collect_at {
            let _ = DUE.try_with(|d| d.set(true));
        }
        self.schedule_check();
    }

    /// Check again when the live slots have doubled (at least `MIN_PRUNE`),
    /// and no later than when a collection would be due.
    fn schedule_check(&mut self) {
        let next = (2 * self.occupied).max(MIN_PRUNE);
        self.check_at = if self.occupied < self.collect_at {
            next.min(self.collect_at)
        } else {
            next
        };
    }
}

/// Free `slot` of the object at `address` (called by its `Drop`).
#[inline]
pub fn untrack(slot: u32, address: usize) {
    if slot == NO_SLOT {
        return;
    }
    with_registry(|r| {
        let mine = r
            .slots
            .get(slot as usize)
            .is_some_and(|t| t.address() == Some(address));
        if mine {
            r.release(slot);
        }
    });
}

/// Register a new list; returns its slot.
#[inline]
pub fn track_list(rc: &Rc<List>) -> u32 {
    register(Tracked::List(Rc::downgrade(rc)))
}

/// Register a new dict; returns its slot.
#[inline]
pub fn track_dict(rc: &Rc<Dict>) -> u32 {
    register(Tracked::Dict(Rc::downgrade(rc)))
}

/// Register a new instance; returns its slot.
#[inline]
pub fn track_instance(rc: &Rc<Instance>) -> u32 {
    register(Tracked::Instance(Rc::downgrade(rc)))
}

/// Register a new closure.
#[inline]
pub fn track_closure(rc: &Rc<Closure>) -> u32 {
    register(Tracked::Closure(Rc::downgrade(rc)))
}

/// Register a new captured-variable cell.
#[inline]
pub fn track_cell(rc: &CellRef) {
    register(Tracked::Cell(Rc::downgrade(rc)));
}

/// Whether an automatic collection is due (checked by the VM at safe points).
#[inline]
pub fn due() -> bool {
    DUE.try_with(Cell::get).unwrap_or(false)
}

/// Number of registered containers (live, or dead closures and cells not
/// yet pruned).
pub fn registered() -> usize {
    REGISTRY
        .try_with(|r| r.try_borrow().ok()?.as_ref().map(|r| r.occupied))
        .ok()
        .flatten()
        .unwrap_or(0)
}

/// What one collection did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Collection {
    /// Objects freed.
    pub freed: usize,
    /// Garbage instances queued for their `deinit` (collect again after
    /// running them to free those objects).
    pub finalizing: usize,
    /// Registry slots scanned (live or not): the pass's cost, charged to
    /// the step limit.
    pub examined: usize,
}

/// Run one trial-deletion pass over the registered containers. Must be
/// called at a safe point (no `deinit` runs here; queued ones are run by
/// the VM afterwards).
pub fn collect() -> Collection {
    let _ = DUE.try_with(|d| d.set(false));
    let mut scanned = 0;
    let Ok(objects) = REGISTRY.try_with(|r| match r.try_borrow_mut() {
        Ok(mut r) => {
            let Some(r) = r.as_deref_mut() else {
                return Vec::new();
            };
            scanned = r.slots.len();
            let mut objects = Vec::with_capacity(r.occupied);
            for slot in 0..r.slots.len() {
                match r.slots[slot].upgrade() {
                    Some(o) => objects.push(o),
                    None if !matches!(r.slots[slot], Tracked::Free) => r.release(slot as u32),
                    None => {}
                }
            }
            objects
        }
        Err(_) => Vec::new(),
    }) else {
        return Collection::default();
    };
    let garbage = find_garbage(&objects);

    let mut result = Collection {
        examined: scanned,
        ..Collection::default()
    };
    // Finalise first: deinits see their objects whole.
    for &i in &garbage {
        if let Object::Instance(inst) = &objects[i] {
            if inst.class.deinit.is_some() && !inst.finalized.get() {
                inst.finalized.set(true);
                crate::value::queue_deinit(Value::Instance(inst.clone()));
                result.finalizing += 1;
            }
        }
    }
    let mut contents = Vec::new();
    let mut freed_handles = Vec::new();
    if result.finalizing == 0 {
        for &i in &garbage {
            objects[i].take_contents(&mut contents);
            freed_handles.push(objects[i].downgrade());
        }
    }
    // Our strong handles go first, then the contents: each garbage object
    // is then freed with nothing left inside it (no deep recursion).
    drop(objects);
    drop(contents);
    result.freed = freed_handles.iter().filter(|t| !t.alive()).count();
    drop(freed_handles);
    with_registry(|r| {
        r.check();
        r.collect_at = (2 * r.occupied).max(MIN_COLLECT);
        r.schedule_check();
    });
    let _ = DUE.try_with(|d| d.set(false));
    result
}

/// Indices of the objects no root reaches (trial deletion, then marking).
fn find_garbage(objects: &[Object]) -> Vec<usize> {
    let n = objects.len();
    let mut index: FxHashMap<usize, u32> =
        FxHashMap::with_capacity_and_hasher(n, Default::default());
    for (i, o) in objects.iter().enumerate() {
        index.insert(o.address(), i as u32);
    }
    // References from outside the registered set: the strong count minus
    // our own handle minus the references from registered containers.
    let mut outside: Vec<isize> = objects
        .iter()
        .map(|o| o.strong_count() as isize - 1)
        .collect();
    for (i, o) in objects.iter().enumerate() {
        let readable = o.visit(&mut |a| {
            if let Some(&j) = index.get(&a) {
                outside[j as usize] -= 1;
            }
        });
        if !readable {
            // Borrowed right now: in use, so a root (its children keep
            // their count, so they are roots too).
            outside[i] = isize::MAX / 2;
        }
    }
    let mut reached = vec![false; n];
    let mut work: Vec<usize> = Vec::new();
    for i in 0..n {
        if outside[i] > 0 {
            reached[i] = true;
            work.push(i);
        }
    }
    while let Some(i) = work.pop() {
        objects[i].visit(&mut |a| {
            if let Some(&j) = index.get(&a) {
                let j = j as usize;
                if !reached[j] {
                    reached[j] = true;
                    work.push(j);
                }
            }
        });
    }
    (0..n).filter(|&i| !reached[i]).collect()
}

/// The address of the container a value refers to, if it is one of the
/// registered kinds.
fn container_address(v: &Value) -> Option<usize> {
    match v {
        Value::List(rc) => Some(Rc::as_ptr(rc) as *const () as usize),
        Value::Dict(rc) => Some(Rc::as_ptr(rc) as *const () as usize),
        Value::Instance(rc) => Some(Rc::as_ptr(rc) as *const () as usize),
        Value::Function(rc) => Some(Rc::as_ptr(rc) as *const () as usize),
        Value::Cell(rc) => Some(Rc::as_ptr(rc) as *const () as usize),
        _ => None,
    }
}

impl Tracked {
    fn alive(&self) -> bool {
        match self {
            Tracked::Free => false,
            Tracked::List(w) => w.strong_count() > 0,
            Tracked::Dict(w) => w.strong_count() > 0,
            Tracked::Instance(w) => w.strong_count() > 0,
            Tracked::Closure(w) => w.strong_count() > 0,
            Tracked::Cell(w) => w.strong_count() > 0,
        }
    }

    fn address(&self) -> Option<usize> {
        Some(match self {
            Tracked::Free => return None,
            Tracked::List(w) => w.as_ptr() as *const () as usize,
            Tracked::Dict(w) => w.as_ptr() as *const () as usize,
            Tracked::Instance(w) => w.as_ptr() as *const () as usize,
            Tracked::Closure(w) => w.as_ptr() as *const () as usize,
            Tracked::Cell(w) => w.as_ptr() as *const () as usize,
        })
    }

    fn upgrade(&self) -> Option<Object> {
        Some(match self {
            Tracked::Free => return None,
            Tracked::List(w) => Object::List(w.upgrade()?),
            Tracked::Dict(w) => Object::Dict(w.upgrade()?),
            Tracked::Instance(w) => Object::Instance(w.upgrade()?),
            Tracked::Closure(w) => Object::Closure(w.upgrade()?),
            Tracked::Cell(w) => Object::Cell(w.upgrade()?),
        })
    }
}

impl Object {
    fn address(&self) -> usize {
        match self {
            Object::List(rc) => Rc::as_ptr(rc) as *const () as usize,
            Object::Dict(rc) => Rc::as_ptr(rc) as *const () as usize,
            Object::Instance(rc) => Rc::as_ptr(rc) as *const () as usize,
            Object::Closure(rc) => Rc::as_ptr(rc) as *const () as usize,
            Object::Cell(rc) => Rc::as_ptr(rc) as *const () as usize,
        }
    }

    fn strong_count(&self) -> usize {
        match self {
            Object::List(rc) => Rc::strong_count(rc),
            Object::Dict(rc) => Rc::strong_count(rc),
            Object::Instance(rc) => Rc::strong_count(rc),
            Object::Closure(rc) => Rc::strong_count(rc),
            Object::Cell(rc) => Rc::strong_count(rc),
        }
    }

    fn downgrade(&self) -> Tracked {
        match self {
            Object::List(rc) => Tracked::List(Rc::downgrade(rc)),
            Object::Dict(rc) => Tracked::Dict(Rc::downgrade(rc)),
            Object::Instance(rc) => Tracked::Instance(Rc::downgrade(rc)),
            Object::Closure(rc) => Tracked::Closure(Rc::downgrade(rc)),
            Object::Cell(rc) => Tracked::Cell(Rc::downgrade(rc)),
        }
    }

    /// Call `f` with the address of every container this one refers to.
    /// Returns false (visiting nothing) when the object is borrowed.
    fn visit(&self, f: &mut dyn FnMut(usize)) -> bool {
        let mut each = |v: &Value| {
            if let Some(a) = container_address(v) {
                f(a);
            }
        };
        match self {
            Object::List(l) => match l.items.try_borrow() {
                Ok(items) => items.iter().for_each(&mut each),
                Err(_) => return false,
            },
            Object::Dict(d) => match d.map.try_borrow() {
                Ok(map) => map.iter().for_each(|(k, v)| {
                    each(&k.0);
                    each(v);
                }),
                Err(_) => return false,
            },
            Object::Instance(i) => match i.fields.try_borrow() {
                Ok(fields) => fields.iter().for_each(&mut each),
                Err(_) => return false,
            },
            Object::Closure(c) => c.captures.iter().for_each(&mut each),
            Object::Cell(c) => match c.try_borrow() {
                Ok(v) => each(&v),
                Err(_) => return false,
            },
        }
        true
    }

    /// Move everything this object holds into `out` (breaking its cycles).
    fn take_contents(&self, out: &mut Vec<Value>) {
        match self {
            Object::List(l) => {
                if let Ok(mut items) = l.items.try_borrow_mut() {
                    out.append(&mut items);
                }
            }
            Object::Dict(d) => {
                if let Ok(mut map) = d.map.try_borrow_mut() {
                    for (k, v) in std::mem::take(&mut *map) {
                        out.push(k.0);
                        out.push(v);
                    }
                }
            }
            Object::Instance(i) => {
                if let Ok(mut fields) = i.fields.try_borrow_mut() {
                    out.append(&mut fields);
                }
            }
            // A closure's captures never change. A cycle through one also
            // runs through a container or cell that can change (a closure
            // only captures what existed before it), and emptying that one
            // breaks the cycle.
            Object::Closure(_) => {}
            Object::Cell(c) => {
                if let Ok(mut v) = c.try_borrow_mut() {
                    out.push(std::mem::take(&mut *v));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_cycle_is_freed_and_a_rooted_one_kept() {
        let a = Value::list(vec![]);
        let b = Value::list(vec![a.clone()]);
        if let Value::List(l) = &a {
            l.items.borrow_mut().push(b.clone());
        }
        let weak = match &a {
            Value::List(l) => Rc::downgrade(l),
            _ => unreachable!(),
        };
        let kept = Value::list(vec![]);
        if let Value::List(l) = &kept {
            l.items.borrow_mut().push(kept.clone());
        }
        drop(a);
        drop(b);
        let c = collect();
        assert_eq!(c.freed, 2);
        assert_eq!(weak.strong_count(), 0);
        // `kept` is referenced from here: not garbage.
        assert_eq!(collect().freed, 0);
        if let Value::List(l) = &kept {
            l.items.borrow_mut().clear();
        }
    }

    #[test]
    fn a_borrowed_container_is_a_root() {
        let a = Value::list(vec![]);
        let Value::List(l) = &a else { unreachable!() };
        l.items.borrow_mut().push(a.clone());
        let l = l.clone();
        drop(a);
        let weak = Rc::downgrade(&l);
        {
            let _in_use = l.items.borrow_mut();
            assert_eq!(collect().freed, 0);
        }
        drop(l);
        assert_eq!(collect().freed, 1);
        assert_eq!(weak.strong_count(), 0);
    }
}
