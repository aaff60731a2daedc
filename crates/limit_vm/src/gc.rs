//! The backup cycle collector (DESIGN.md §3): reference counting frees
//! everything except cycles; this finds unreachable cycles among container
//! objects by trial deletion, as CPython does, and breaks them.
//!
//! * **Registry.** Every list, dict, instance and closure that captures a
//!   container other than a cell registers a handle when it is made
//!   (`track_*`), and a captured-variable cell when it first holds a
//!   container (value/captured_cell.rs); a closure over cells is examined
//!   when a collection meets it in a registered object (`find_garbage`,
//!   "Closures over cells"). The handle never keeps
//!   the object alive: a `Weak` for most, an `InstanceClaim` for an
//!   instance (value/instance_ref.rs: it keeps the block allocated, and
//!   the instance clears its slot itself when it dies). Every object
//!   frees its slot when it dies; the few handles left dead (an object
//!   that died while the registry was in use, or one of another engine's
//!   registry) are pruned when the live slots have doubled since the last
//!   prune, and not before half of all slots ever used have been
//!   registered again (a prune scans all of them: amortised O(1) per
//!   allocation, whatever collections do in between). An
//!   instance of an `acyclic` class (its fields' types admit no container,
//!   `ClassDef::acyclic`) is not registered: it cannot be on a cycle, and
//!   counts as a value from outside, like a tuple.
//! * **Trigger.** A collection is due when the number of *live* registered
//!   containers has doubled since the last collection (and is at least
//!   `MIN_COLLECT`). The VM checks `due()` at allocating instructions and
//!   every 1024 steps, so collections only run at safe points; `gc()`
//!   collects on demand.
//! * **Generations.** A due collection examines only the *young* objects,
//!   those registered since the last collection, unless the live objects
//!   have grown `FULL_GROWTH` times since the last full one: the objects
//!   that survived a collection are not examined again at every doubling
//!   (a program building a million live objects examined 1.5 million of
//!   them; now 1 million). References from old objects to young ones are
//!   not subtracted, so the young objects they reach count as rooted —
//!   safe, and a cycle through old objects waits for the next full
//!   collection, which `gc()` and a heap limit about to be exceeded run
//!   at once.
//! * **Trial deletion.** For each live container, start from its strong
//!   count and subtract the references held by the other containers
//!   examined (the registered ones, and the closures over cells they
//!   hold). What remains is held from outside (the VM stack, globals,
//!   fibers, unregistered values such as tuples): those are roots. Whatever
//!   no root reaches is garbage.
//! * **Finalisation.** Garbage instances whose frame has a `deinit` are
//!   marked finalised and queued for it (they run once, with their fields
//!   intact, in registry-slot order: allocation order unless slots freed
//!   earlier were reused); nothing is freed in that pass. The VM
//!   runs the deinits and collects again: objects still unreachable are then
//!   freed, so a deinit that stores `this` somewhere revives it safely.
//! * **Breaking cycles.** The contents of every garbage object (list items,
//!   dict entries, instance fields, cell values) are moved out and dropped
//!   together, after which reference counting frees the objects. Closures
//!   are freed through their cells and the containers holding them.
//!
//! Cycles through tuples, enum payloads and bound methods alone are not
//! collected (those are not registered; a container they hold counts as
//! referenced from outside, which is safe).

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use crate::value::{CapturedCell, CellRef, Closure, Dict, InstanceClaim, InstanceRef, List, Value};

/// Fewest live containers for which an automatic collection runs.
pub const MIN_COLLECT: usize = 100_000;

/// Fewest registered slots at which dead handles are pruned (an object
/// that dies during a collection cannot free its slot, the registry being
/// in use; its memory stays allocated while its `Weak` handle does).
const MIN_PRUNE: usize = 4_096;

/// How much the live objects grow between full collections: the others
/// examine only the objects registered since the last collection.
const FULL_GROWTH: usize = 4;

/// "Not registered" (a container made without a `Value` constructor).
pub const NO_SLOT: u32 = u32::MAX;

/// A registry slot.
enum Tracked {
    Free,
    List(Weak<List>),
    Dict(Weak<Dict>),
    Instance(InstanceClaim),
    Closure(Weak<Closure>),
    Cell(Weak<CapturedCell>),
}

/// A container held strongly during a collection.
enum Object {
    List(Rc<List>),
    Dict(Rc<Dict>),
    Instance(InstanceRef),
    Closure(Rc<Closure>),
    Cell(CellRef),
}

/// Registered objects know their slot and free it when dropped (so their
/// memory is released at once); `check` frees the slots of those that
/// died while the registry was in use.
///
/// A thread has one registry installed at a time; an embedder's engine
/// keeps its own and installs it while it runs (`isolate.rs`), so engines
/// sharing a thread never scan each other's objects.
pub struct Registry {
    slots: Vec<Tracked>,
    free: Vec<u32>,
    /// Slots in use.
    occupied: usize,
    /// Look at `prune_at` and `collect_at` when `occupied` reaches this
    /// (the smaller of the two while no collection is due).
    check_at: usize,
    /// Prune dead handles when `occupied` reaches this. A collection does
    /// not lower it: a prune scans every slot ever used, so it waits for
    /// at least half that many registrations.
    prune_at: usize,
    /// Collect when this many live objects are registered.
    collect_at: usize,
    /// A due collection is full when this many live objects are
    /// registered (`FULL_GROWTH` times the live objects after the last
    /// full one).
    full_at: usize,
    /// Slots registered since the last collection (each once: see
    /// `is_young`), the objects a young collection examines.
    young: Vec<u32>,
    /// By slot: whether it is in `young`.
    is_young: Vec<bool>,
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
            prune_at: MIN_PRUNE,
            collect_at: MIN_COLLECT,
            full_at: MIN_COLLECT,
            young: Vec::new(),
            is_young: Vec::new(),
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
                // A free slot holds `Free`, which owns nothing: no need to
                // drop it (a match on its tag per registration).
                std::mem::forget(std::mem::replace(&mut self.slots[slot as usize], t));
                slot
            }
            None => {
                self.slots.push(t);
                (self.slots.len() - 1) as u32
            }
        };
        self.occupied += 1;
        match self.is_young.get_mut(slot as usize) {
            Some(true) => {}
            Some(young) => {
                *young = true;
                self.young.push(slot);
            }
            None => self.grow_young(slot),
        }
        if self.occupied >= self.check_at {
            self.check();
        }
        slot
    }

    /// Mark a slot past `is_young`'s end young, growing it with `slots`'
    /// capacity (not once per new slot). Out of line, as `check`: kept in
    /// `insert`, these made every registration save and restore more
    /// registers.
    #[cold]
    #[inline(never)]
    fn grow_young(&mut self, slot: u32) {
        let len = self.slots.capacity().max(slot as usize + 1);
        self.is_young.resize(len, false);
        self.is_young[slot as usize] = true;
        self.young.push(slot);
    }

    fn release(&mut self, slot: u32) {
        self.slots[slot as usize] = Tracked::Free;
        self.free.push(slot);
        self.occupied -= 1;
    }

    /// The object in `slot`, held strongly in `objects` for a collection,
    /// if it is alive; a dead one's slot is freed.
    fn examine(&mut self, slot: usize, objects: &mut Vec<Object>) {
        match self.slots[slot].upgrade() {
            Some(o) => objects.push(o),
            None if !matches!(self.slots[slot], Tracked::Free) => self.release(slot as u32),
            None => {}
        }
    }

    /// After a collection: every object registered is old now.
    fn forget_young(&mut self) {
        for &slot in &self.young {
            self.is_young[slot as usize] = false;
        }
        self.young.clear();
    }

    /// Free the slots of dead handles when the live slots have doubled
    /// since the last prune; flag a collection when the live objects have
    /// doubled since the last one.
    #[cold]
    #[inline(never)]
    fn check(&mut self) {
        if self.occupied >= self.prune_at {
            for slot in 0..self.slots.len() {
                if matches!(self.slots[slot], Tracked::Free) || self.slots[slot].alive() {
                    continue;
                }
                self.release(slot as u32);
            }
            self.prune_at = (2 * self.occupied).max(MIN_PRUNE).max(self.slots.len() / 2);
        }
        if self.occupied >= self.collect_at {
            let _ = DUE.try_with(|d| d.set(true));
        }
        self.schedule_check();
    }

    /// Check again at the next prune, and no later than when a collection
    /// would be due.
    fn schedule_check(&mut self) {
        self.check_at = if self.occupied < self.collect_at {
            self.prune_at.min(self.collect_at)
        } else {
            self.prune_at
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

/// Register a new instance; returns its slot (`NO_SLOT` when it is not
/// registered: the claim is then dropped, which leaves the instance to
/// free its own block).
#[inline]
pub(crate) fn track_instance(claim: InstanceClaim) -> u32 {
    register(Tracked::Instance(claim))
}

/// Give up the claim in `slot` of the dying instance at `address`;
/// false when the installed registry does not hold it there (another
/// engine's registry does: that one frees the block, instance_ref.rs).
pub(crate) fn untrack_instance(slot: u32, address: usize) -> bool {
    with_registry(|r| {
        let mine = r
            .slots
            .get(slot as usize)
            .is_some_and(|t| matches!(t, Tracked::Instance(c) if c.address() == address));
        if mine {
            if let Tracked::Instance(claim) =
                std::mem::replace(&mut r.slots[slot as usize], Tracked::Free)
            {
                claim.disown();
            }
            r.free.push(slot);
            r.occupied -= 1;
        }
        mine
    })
    .unwrap_or(false)
}

/// Register a new closure.
#[inline]
pub fn track_closure(rc: &Rc<Closure>) -> u32 {
    register(Tracked::Closure(Rc::downgrade(rc)))
}

/// Register a captured-variable cell (when it first holds a container,
/// value/captured_cell.rs); returns its slot.
#[inline]
pub fn track_cell(rc: &CellRef) -> u32 {
    register(Tracked::Cell(Rc::downgrade(rc)))
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
    /// Registry slots scanned (live or not), and unregistered closures
    /// examined: the pass's cost, charged to the step limit.
    pub examined: usize,
}

/// Which registered objects a collection examines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// All of them (`gc()`; a heap limit about to be exceeded).
    Full,
    /// What a due collection examines: the young objects, or all of them
    /// when the live objects have grown `FULL_GROWTH` times since the last
    /// full collection.
    Due,
}

/// Run one trial-deletion pass over every registered container. Must be
/// called at a safe point (no `deinit` runs here; queued ones are run by
/// the VM afterwards).
pub fn collect() -> Collection {
    collect_in(Scope::Full)
}

/// Run one trial-deletion pass over the containers `scope` names. After
/// a pass that queued `deinit`s, the young objects stay young, so that
/// the pass run after those finds the same objects again.
pub fn collect_in(scope: Scope) -> Collection {
    let _ = DUE.try_with(|d| d.set(false));
    let mut slot_count = 0;
    let mut scanned = 0;
    let mut full = true;
    let Ok(mut objects) = REGISTRY.try_with(|r| match r.try_borrow_mut() {
        Ok(mut r) => {
            let Some(r) = r.as_deref_mut() else {
                return Vec::new();
            };
            full = scope == Scope::Full || r.occupied >= r.full_at;
            slot_count = r.slots.len();
            if full {
                scanned = r.slots.len();
                let mut objects = Vec::with_capacity(r.occupied);
                for slot in 0..r.slots.len() {
                    r.examine(slot, &mut objects);
                }
                objects
            } else {
                scanned = r.young.len();
                let mut objects = Vec::with_capacity(r.young.len());
                for k in 0..r.young.len() {
                    let slot = r.young[k] as usize;
                    r.examine(slot, &mut objects);
                }
                objects
            }
        }
        Err(_) => Vec::new(),
    }) else {
        return Collection::default();
    };
    let registered = objects.len();
    let garbage = find_garbage(&mut objects, slot_count);
    forget_stand_in_slots(&objects[registered..]);

    let mut result = Collection {
        examined: scanned + (objects.len() - registered),
        ..Collection::default()
    };
    // Finalise first: deinits see their objects whole.
    for &i in &garbage {
        if let Object::Instance(inst) = &objects[i] {
            if inst.class.deinit.is_some() && !inst.finalized() {
                inst.set_finalized();
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
    result.freed =
        with_registry(|r| freed_handles.iter().filter(|t| !t.alive_in(r)).count()).unwrap_or(0);
    drop(freed_handles);
    let finalizing = result.finalizing > 0;
    // No prune here: it scans every slot ever used, which would make a
    // young collection cost as much as a full one (bintree: a
    // collection per few thousand lists, each scanning the half million
    // slots its biggest tree left). Garbage freed above has freed its own
    // slots; the doubling schedule prunes the rest.
    with_registry(|r| {
        r.collect_at = (2 * r.occupied).max(MIN_COLLECT);
        if !finalizing {
            r.forget_young();
            if full {
                r.full_at = (FULL_GROWTH * r.occupied).max(MIN_COLLECT);
            }
        }
        r.schedule_check();
    });
    let _ = DUE.try_with(|d| d.set(false));
    result
}

/// Where each collected object is in the collection's list: found by the
/// registry slot it carries (a vector indexed by slot, no hashing).
struct ObjectIndex {
    by_slot: Vec<u32>,
}

/// No object of the collection has this slot.
const ABSENT: u32 = u32::MAX;

impl ObjectIndex {
    fn new(objects: &[Object], slots: usize) -> ObjectIndex {
        let mut by_slot = vec![ABSENT; slots];
        for (i, o) in objects.iter().enumerate() {
            if let Some(at) = by_slot.get_mut(o.slot() as usize) {
                *at = i as u32;
            }
        }
        ObjectIndex { by_slot }
    }

    /// Note that the object carrying `slot` is at `i` in the list.
    fn add(&mut self, slot: usize, i: usize) {
        if self.by_slot.len() <= slot {
            self.by_slot.resize(slot + 1, ABSENT);
        }
        self.by_slot[slot] = i as u32;
    }

    /// The index of the collected object `v` refers to, if it is one:
    /// one of `objects`, or one of the closures `met` after them.
    #[inline(always)]
    fn find(&self, objects: &[Object], met: &[Rc<Closure>], v: &Value) -> Option<usize> {
        let (slot, address) = match v {
            Value::List(rc) => (rc.gc_slot.get(), Rc::as_ptr(rc) as *const () as usize),
            Value::Dict(rc) => (rc.gc_slot.get(), Rc::as_ptr(rc) as *const () as usize),
            Value::Instance(rc) => (rc.gc_slot(), rc.as_ptr() as usize),
            Value::Function(rc) => (rc.gc_slot.get(), Rc::as_ptr(rc) as *const () as usize),
            Value::Cell(rc) => (rc.gc_slot(), Rc::as_ptr(rc) as *const () as usize),
            _ => return None,
        };
        let i = *self.by_slot.get(slot as usize)? as usize;
        // A slot is this registry's: an object registered elsewhere (an
        // engine's value held here) may carry a slot number some other
        // object of ours has.
        let held = match objects.get(i) {
            Some(o) => o.address(),
            None => Rc::as_ptr(met.get(i - objects.len())?) as *const () as usize,
        };
        (held == address).then_some(i)
    }
}

/// Indices of the objects no root reaches (trial deletion, then marking);
/// `slots` bounds the registry slots the objects carry.
///
/// **Closures over cells.** A closure that captures cells (and scalars)
/// but no other container is not registered (`Closure::track`). The first
/// pass adds each such closure it meets in an object of the list to the
/// list, with a stand-in slot from `slots` on (which the caller takes
/// back, `forget_stand_in_slots`), so that its references to cells are
/// subtracted like any other object's. One level of this suffices: such a
/// closure lies on a cycle only through an object that holds it directly
/// and is registered — a list, a dict, an instance whose class is not
/// `acyclic` (a field that may hold a function makes it not), a cell (a
/// function is a container: the cell registered itself when it was
/// written one), a closure (capturing a function registers it) — and it
/// holds no closure itself. A cycle through a tuple, an enum payload or a
/// bound method is never collected: those are not registered, and their
/// references count as from outside. Trial deletion is exact over any
/// set of objects (a reference from outside the set counts as a root),
/// and a full collection frees what it freed when these closures were
/// registered: one that no registered object holds was a root then, and
/// the cells it holds, held from outside now, are roots in its place.
fn find_garbage(objects: &mut Vec<Object>, slots: usize) -> Vec<usize> {
    let mut index = ObjectIndex::new(objects, slots);
    // References from outside the examined set: the strong count minus
    // our own handle minus the references from examined objects.
    let mut outside: Vec<isize> = objects
        .iter()
        .map(|o| o.strong_count() as isize - 1)
        .collect();
    let mut next_slot = slots;
    // Closures over cells met in the object being visited, added to
    // `objects` after it.
    let mut met: Vec<Rc<Closure>> = Vec::new();
    let mut i = 0;
    while i < objects.len() {
        let examined: &[Object] = objects;
        let readable = examined[i].visit(|v| {
            if let Some(j) = index.find(examined, &met, v) {
                outside[j] -= 1;
                return;
            }
            let Value::Function(rc) = v else { return };
            if rc.examined_when_reached() && next_slot < NO_SLOT as usize {
                rc.gc_slot.set(next_slot as u32);
                index.add(next_slot, outside.len());
                next_slot += 1;
                // Not yet counting our handle; less this reference.
                outside.push(Rc::strong_count(rc) as isize - 1);
                met.push(rc.clone());
            }
        });
        if !readable {
            // Borrowed right now: in use, so a root (its children keep
            // their count, so they are roots too).
            outside[i] = isize::MAX / 2;
        }
        if !met.is_empty() {
            objects.extend(met.drain(..).map(Object::Closure));
        }
        i += 1;
    }
    let n = objects.len();
    let mut reached = vec![false; n];
    let mut work: Vec<usize> = Vec::new();
    for i in 0..n {
        if outside[i] > 0 {
            reached[i] = true;
            work.push(i);
        }
    }
    while let Some(i) = work.pop() {
        objects[i].visit(|v| {
            if let Some(j) = index.find(objects, &[], v) {
                if !reached[j] {
                    reached[j] = true;
                    work.push(j);
                }
            }
        });
    }
    (0..n).filter(|&i| !reached[i]).collect()
}

/// Take back the stand-in slots `find_garbage` gave the closures it added.
fn forget_stand_in_slots(closures: &[Object]) {
    for o in closures {
        if let Object::Closure(rc) = o {
            rc.gc_slot.set(NO_SLOT);
        }
    }
}

/// A garbage object after its contents went: did it go too?
enum Freed {
    Weak(Tracked),
    /// An instance's registry slot and address: it is gone when that slot
    /// no longer holds it (a dying instance clears its slot).
    Instance(u32, usize),
}

impl Freed {
    fn alive_in(&self, r: &Registry) -> bool {
        match self {
            Freed::Weak(t) => t.alive(),
            Freed::Instance(slot, address) => r
                .slots
                .get(*slot as usize)
                .is_some_and(|t| t.address() == Some(*address) && t.alive()),
        }
    }
}

impl Tracked {
    fn alive(&self) -> bool {
        match self {
            Tracked::Free => false,
            Tracked::List(w) => w.strong_count() > 0,
            Tracked::Dict(w) => w.strong_count() > 0,
            Tracked::Instance(c) => c.alive(),
            Tracked::Closure(w) => w.strong_count() > 0,
            Tracked::Cell(w) => w.strong_count() > 0,
        }
    }

    fn address(&self) -> Option<usize> {
        Some(match self {
            Tracked::Free => return None,
            Tracked::List(w) => w.as_ptr() as *const () as usize,
            Tracked::Dict(w) => w.as_ptr() as *const () as usize,
            Tracked::Instance(c) => c.address(),
            Tracked::Closure(w) => w.as_ptr() as *const () as usize,
            Tracked::Cell(w) => w.as_ptr() as *const () as usize,
        })
    }

    fn upgrade(&self) -> Option<Object> {
        Some(match self {
            Tracked::Free => return None,
            Tracked::List(w) => Object::List(w.upgrade()?),
            Tracked::Dict(w) => Object::Dict(w.upgrade()?),
            Tracked::Instance(c) => Object::Instance(c.upgrade()?),
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
            Object::Instance(rc) => rc.as_ptr() as usize,
            Object::Closure(rc) => Rc::as_ptr(rc) as *const () as usize,
            Object::Cell(rc) => Rc::as_ptr(rc) as *const () as usize,
        }
    }

    /// The registry slot it carries.
    fn slot(&self) -> u32 {
        match self {
            Object::List(rc) => rc.gc_slot.get(),
            Object::Dict(rc) => rc.gc_slot.get(),
            Object::Instance(rc) => rc.gc_slot(),
            Object::Closure(rc) => rc.gc_slot.get(),
            Object::Cell(rc) => rc.gc_slot(),
        }
    }

    fn strong_count(&self) -> usize {
        match self {
            Object::List(rc) => Rc::strong_count(rc),
            Object::Dict(rc) => Rc::strong_count(rc),
            Object::Instance(rc) => rc.strong_count(),
            Object::Closure(rc) => Rc::strong_count(rc),
            Object::Cell(rc) => Rc::strong_count(rc),
        }
    }

    fn downgrade(&self) -> Freed {
        match self {
            Object::List(rc) => Freed::Weak(Tracked::List(Rc::downgrade(rc))),
            Object::Dict(rc) => Freed::Weak(Tracked::Dict(Rc::downgrade(rc))),
            Object::Instance(rc) => Freed::Instance(rc.gc_slot(), rc.as_ptr() as usize),
            Object::Closure(rc) => Freed::Weak(Tracked::Closure(Rc::downgrade(rc))),
            Object::Cell(rc) => Freed::Weak(Tracked::Cell(Rc::downgrade(rc))),
        }
    }

    /// Call `f` with every value this object holds. Returns false
    /// (visiting nothing) when the object is borrowed.
    #[inline]
    fn visit(&self, mut each: impl FnMut(&Value)) -> bool {
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
            Object::Instance(i) => i.visit_fields(&mut each),
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
            Object::Instance(i) => out.extend(i.take_values()),
            // A closure's captures never change. A cycle through one also
            // runs through a container or cell that can change (a closure
            // only captures what existed before it), and emptying that one
            // breaks the cycle.
            Object::Closure(_) => {}
            Object::Cell(c) => out.extend(c.try_take()),
        }
    }
}

#[cfg(test)]
#[path = "gc_tests.rs"]
mod tests;
