//! The heap objects behind `Value`: strings, big integers, lists,
//! tuples, dicts, ranges, closures, functions of the built-ins and the
//! host, classes (with the queue of pending `deinit`s; instances are
//! instance_ref.rs's),
//! enums and iterators.

use super::*;

/// Immutable string with a cached "is ASCII" flag for O(1) char indexing.
pub struct Str {
    /// The text.
    pub text: Box<str>,
    /// Whether every character is one byte.
    pub ascii: bool,
    /// `text_hash(text)` once the string has been hashed as a dict key, 0
    /// before: a key built afresh is often looked up twice in a row
    /// (`d[k] = d[k] + 1`), and a key written as a literal is one shared
    /// string looked up again and again. 32 bits fit beside `ascii`
    /// without making the string bigger.
    pub(super) hash: std::cell::Cell<u32>,
}

/// The payload of `Value::BigInt`: a big integer counted on the heap meter
/// while it lives (read it as a `BigInt` through `Deref`).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Big(BigInt);

impl Big {
    /// Bytes the heap meter counts for `b`.
    pub fn heap_bytes(b: &BigInt) -> usize {
        limits::BIGINT_HEADER + (b.bits() as usize).div_ceil(64) * 8
    }

    pub(super) fn new(b: BigInt) -> Big {
        limits::charge(Big::heap_bytes(&b));
        Big(b)
    }
}

impl std::ops::Deref for Big {
    type Target = BigInt;
    fn deref(&self) -> &BigInt {
        &self.0
    }
}

impl std::fmt::Display for Big {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Drop for Big {
    fn drop(&mut self) {
        limits::release(Big::heap_bytes(&self.0));
    }
}

impl Drop for Str {
    fn drop(&mut self) {
        limits::release(self.text.len() + limits::STR_HEADER);
    }
}

impl Str {
    /// A string of `text`; `ascii` must say whether it is all ASCII. The
    /// heap meter is charged by the `Value` constructors, not here.
    pub fn new(text: Box<str>, ascii: bool) -> Str {
        debug_assert_eq!(ascii, text.is_ascii());
        Str {
            text,
            ascii,
            hash: std::cell::Cell::new(0),
        }
    }

    /// The hash of the text, computed once.
    #[inline]
    pub fn hash_code(&self) -> u32 {
        match self.hash.get() {
            0 => {
                let h = text_hash(self.text.as_bytes());
                self.hash.set(h);
                h
            }
            h => h,
        }
    }

    /// Character count.
    pub fn char_len(&self) -> usize {
        if self.ascii {
            self.text.len()
        } else {
            self.text.chars().count()
        }
    }
}

/// A mutable list.
#[derive(Default)]
pub struct List {
    /// The items.
    pub items: RefCell<Vec<Value>>,
    /// Bytes counted for it by the heap meter (limits.rs).
    pub(super) charged: std::cell::Cell<usize>,
    /// Its slot in the cycle collector's registry (gc.rs).
    pub(crate) gc_slot: std::cell::Cell<u32>,
}

impl List {
    /// Bring the heap meter's count for this list up to date with its
    /// capacity (after it grew or shrank).
    pub fn recharge(&self) {
        if let Ok(items) = self.items.try_borrow() {
            let now = limits::OBJECT_HEADER + items.capacity() * limits::SLOT_BYTES;
            let before = self.charged.replace(now);
            limits::charge(now);
            limits::release(before);
        }
    }

    /// Append `v`, within the collection-length and heap limits.
    pub fn push(&self, v: Value) -> Result<(), Trap> {
        let mut items = self.items.borrow_mut();
        if items.len() == items.capacity() {
            reserve_slots(&mut items, 1)?;
            items.push(v);
            drop(items);
            self.recharge();
        } else {
            items.push(v);
        }
        Ok(())
    }
}

/// Make room for `extra` more items, growing geometrically but never past
/// the collection-length limit, and only within the heap limit.
pub fn reserve_slots(items: &mut Vec<Value>, extra: usize) -> Result<(), Trap> {
    let want = items.len().saturating_add(extra);
    if want <= items.capacity() {
        return Ok(());
    }
    let active = limits::active();
    limits::check_collection(want)?;
    let mut cap = want.max(items.capacity().saturating_mul(2)).max(4);
    if let Some(max) = active.max_collection_len {
        cap = cap.min(max);
    }
    if active.max_heap_bytes.is_some() {
        limits::check_heap((cap - items.capacity()).saturating_mul(limits::SLOT_BYTES))?;
    }
    items.reserve_exact(cap - items.len());
    Ok(())
}

/// A tuple.
pub struct Tuple {
    /// The items.
    pub items: Box<[Value]>,
}

/// The map type behind dicts. Keys come from programs and their input, so
/// the hasher is seeded at random (per process and per dict): no input can
/// be made to collide in every run (issue 18 item 18; an unseeded FxHash let
/// `d[j << 46]` put 100 000 keys in a few hundred buckets).
pub type DictMap = IndexMap<Key, Value, foldhash::fast::RandomState>;

/// An insertion-ordered dict.
#[derive(Default)]
pub struct Dict {
    /// The entries.
    pub map: RefCell<DictMap>,
    /// Bytes counted for it by the heap meter (limits.rs).
    pub(super) charged: std::cell::Cell<usize>,
    /// Its slot in the cycle collector's registry (gc.rs).
    pub(crate) gc_slot: std::cell::Cell<u32>,
}

impl Dict {
    /// Bring the heap meter's count for this dict up to date.
    pub fn recharge(&self) {
        if let Ok(map) = self.map.try_borrow() {
            let now = limits::OBJECT_HEADER + map.capacity() * limits::ENTRY_BYTES;
            let before = self.charged.replace(now);
            limits::charge(now);
            limits::release(before);
        }
    }

    /// Insert or replace an entry, within the collection-length and heap
    /// limits.
    pub fn insert(&self, key: Key, v: Value) -> Result<(), Trap> {
        let mut map = self.map.borrow_mut();
        if map.len() == map.capacity() && !map.contains_key(&key) {
            let want = map.len() + 1;
            limits::check_collection(want)?;
            let grow = map.capacity().max(4);
            limits::check_heap(grow.saturating_mul(limits::ENTRY_BYTES))?;
            map.insert(key, v);
            drop(map);
            self.recharge();
        } else {
            map.insert(key, v);
        }
        Ok(())
    }
}

/// An int range `start..end` / `start..=end`, with a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// First value.
    pub start: i64,
    /// Bound.
    pub end: i64,
    /// Step (never 0).
    pub step: i64,
    /// Whether `end` is included.
    pub inclusive: bool,
}

impl Range {
    /// Number of values produced.
    pub fn len(&self) -> i64 {
        let (s, e, st) = (self.start as i128, self.end as i128, self.step as i128);
        let n = if st > 0 {
            let e = if self.inclusive { e + 1 } else { e };
            if e <= s {
                0
            } else {
                (e - s + st - 1) / st
            }
        } else {
            let e = if self.inclusive { e - 1 } else { e };
            if e >= s {
                0
            } else {
                (s - e + (-st) - 1) / (-st)
            }
        };
        n.min(i64::MAX as i128) as i64
    }

    /// Whether the range produces no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value at position `i` (0-based, unchecked against the length).
    pub fn nth(&self, i: i64) -> i64 {
        self.start.wrapping_add(i.wrapping_mul(self.step))
    }

    /// Whether `x` is one of the range's values.
    pub fn contains(&self, x: i64) -> bool {
        let n = self.len();
        if n == 0 {
            return false;
        }
        let d = x as i128 - self.start as i128;
        let st = self.step as i128;
        d % st == 0 && d / st >= 0 && d / st < n as i128
    }
}

/// A closure's captures: a `Value::Cell` shared with the enclosing frame
/// for a variable that is assigned somewhere, a plain copy of the value for
/// one that never is (`CaptureSource::LocalValue`). Most closures capture
/// one or two variables: those are stored inline, saving an allocation per
/// closure made.
pub type Captures = smallvec::SmallVec<[Value; 2]>;

/// A closure: a function plus its captures.
pub struct Closure {
    /// Index of the function in the program.
    pub index: u32,
    /// The function (shared with the program's table, and with the VMs
    /// of `parallel` tasks, which run the same prototypes).
    pub proto: std::sync::Arc<FunctionProto>,
    /// Captured cells and values, in `GetUpvalue` order.
    pub captures: Captures,
    /// Slot in the cycle collector's registry, released when dropped.
    pub gc_slot: std::cell::Cell<u32>,
}

impl Closure {
    /// A closure of function `index` (untracked until [`Value::closure`]).
    pub fn new(
        index: u32,
        proto: std::sync::Arc<crate::program::FunctionProto>,
        captures: Captures,
    ) -> Closure {
        Closure {
            index,
            proto,
            captures,
            gc_slot: std::cell::Cell::new(gc::NO_SLOT),
        }
    }
}

impl Closure {
    /// Register a new closure with the cycle collector when it captures a
    /// container other than a cell. A closure over numbers and strings
    /// alone references no container, so it cannot lie on a cycle; one
    /// over cells as well lies on one only through a registered object
    /// that holds it directly, and a collection adds such closures to the
    /// objects it examines when it meets them there (gc.rs, "Closures over
    /// cells"). Skipping them saves a registration and a release for each
    /// (`closures` and `counters` benchmarks: a closure per call).
    #[inline]
    pub fn track(rc: &Rc<Closure>) {
        if rc.captures.iter().any(registers_its_closure) {
            rc.gc_slot.set(gc::track_closure(rc));
        }
    }

    /// Whether a collection that meets this closure, unregistered, in a
    /// registered object examines it too: it captures a cell, through
    /// which it may lie on a cycle. (A closure over scalars alone never
    /// can, and is not counted among the objects a collection frees.)
    #[inline]
    pub(crate) fn examined_when_reached(&self) -> bool {
        self.gc_slot.get() == gc::NO_SLOT
            && self.captures.iter().any(|c| matches!(c, Value::Cell(_)))
    }
}

/// Whether a capture makes its closure register with the collector: a
/// container other than a cell (a cell registers itself once it holds a
/// container).
#[inline]
fn registers_its_closure(capture: &Value) -> bool {
    is_container(capture) && !matches!(capture, Value::Cell(_))
}

impl Drop for Closure {
    fn drop(&mut self) {
        gc::untrack(self.gc_slot.get(), self as *const Closure as usize);
        // Closures capturing closures (a million wrappers deep) must not
        // recurse either.
        if self.captures.iter().any(may_cascade) {
            release_captures(&mut self.captures);
        }
    }
}

/// Release a closure's captures through the work list; kept out of line
/// so that dropping a closure of scalars stays small (`closures`
/// benchmark).
#[cold]
#[inline(never)]
pub(super) fn release_captures(captures: &mut Captures) {
    release_items(std::mem::take(captures).into_vec());
}

/// Signature of a built-in function.
pub type NativeFnPtr = fn(&mut crate::interp::Vm, &[Value]) -> Result<Value, Trap>;

/// A built-in function.
#[derive(Clone, Copy)]
pub struct NativeFn {
    /// Its name.
    pub name: &'static str,
    /// Its signature (see `limit_bytecode::builtins`).
    pub sig: &'static str,
    /// Minimum argument count.
    pub min_args: u8,
    /// Maximum argument count (255 = variadic).
    pub max_args: u8,
    /// The implementation.
    pub func: NativeFnPtr,
}

/// Signature of a host function (`Engine::register_fn`).
pub type HostFnBody = dyn Fn(&mut crate::interp::Vm, &[Value]) -> Result<Value, Trap>;

/// A function of the host program, callable from Limit like a built-in.
pub struct HostFn {
    /// Its name (in traces and `<fn name>`).
    pub name: Rc<str>,
    /// The implementation.
    pub func: Box<HostFnBody>,
}

/// A method bound to its receiver.
pub struct BoundMethod {
    /// The receiver (`this`).
    pub receiver: Value,
    /// The method: a function index for frame methods…
    pub function: Option<u32>,
    /// …or a built-in method name for built-in types.
    pub name: Rc<str>,
}

/// An error value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorValue {
    /// The error kind (`DivisionByZero`, a user name, …).
    pub kind: Rc<str>,
    /// The message (empty when none).
    pub message: Rc<str>,
}

/// A frame (class) at run time.
pub struct Class {
    /// Class index in the program (used by inline caches).
    pub id: u32,
    /// Its name.
    pub name: Rc<str>,
    /// Field names by slot.
    pub field_names: Vec<Rc<str>>,
    /// Whether each field (by slot) is `pub`.
    pub public_fields: Vec<bool>,
    /// Methods by vtable slot: `(name, function index)`.
    pub methods: Vec<(Rc<str>, u32)>,
    /// Method name → function index.
    pub method_map: rustc_hash::FxHashMap<Rc<str>, u32>,
    /// The `init` method, if any.
    pub init: Option<u32>,
    /// Parent class index.
    pub parent: Option<u32>,
    /// A `data` frame: `==` compares fields.
    pub is_data: bool,
    /// An `abstract` frame (never instantiated).
    pub is_abstract: bool,
    /// Constructor functions by positional argument count, for calls of
    /// the class as a value (`ClassDef::value_makers`).
    pub value_makers: Vec<u32>,
    /// How its instances print (`ClassDef::printed`).
    pub printed: crate::printed_form::PrintedForm,
    /// The `deinit` method, if any (run when the last reference goes).
    pub deinit: Option<u32>,
    /// The keys of the traits it implements (`ClassDef::traits`).
    pub traits: Vec<Rc<str>>,
    /// Its instances are not registered with the cycle collector: none can
    /// be part of a cycle (`ClassDef::acyclic`; never with a `deinit`).
    pub acyclic: bool,
    /// Which VM's program the class belongs to (its function indices mean
    /// something only there); kept across `Vm::load` of newer versions.
    pub lineage: u64,
}

impl Class {
    /// Slot of field `name`.
    pub fn field_slot(&self, name: &str) -> Option<usize> {
        self.field_names.iter().position(|f| &**f == name)
    }
}

thread_local! {
    /// Instances whose last reference went away and whose class has a
    /// `deinit`: revived with their fields, waiting for the VM to run it.
    static PENDING_DEINITS: RefCell<std::collections::VecDeque<Value>> = const { RefCell::new(std::collections::VecDeque::new()) };
    /// How many instances were ever queued in `PENDING_DEINITS`: the VM
    /// starts a deinit driver when this moved since its last look (an
    /// instruction released an instance), not merely when the queue is
    /// non-empty (a driver further down may be working through it).
    static DEINITS_QUEUED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Instances waiting for their `deinit`, outside the thread's queue (an
/// engine's own, `isolate.rs`).
pub(crate) type DeinitQueue = std::collections::VecDeque<Value>;

/// Exchange this thread's `deinit` queue with `queue`.
pub(crate) fn swap_pending_deinits(queue: &mut DeinitQueue) {
    let _ = PENDING_DEINITS.try_with(|q| {
        if let Ok(mut q) = q.try_borrow_mut() {
            // Mostly both are empty: an engine's call queues no `deinit`.
            if !(q.is_empty() && queue.is_empty()) {
                std::mem::swap(&mut *q, queue);
            }
        }
    });
}

/// Queue an instance for its `deinit` (the cycle collector, for garbage).
pub(crate) fn queue_deinit(v: Value) {
    let _ = PENDING_DEINITS.try_with(|q| q.borrow_mut().push_back(v));
    count_queued_deinit();
}

pub(super) fn count_queued_deinit() {
    let _ = DEINITS_QUEUED.try_with(|n| n.set(n.get().wrapping_add(1)));
}

/// How many instances were ever queued for their `deinit` on this thread
/// (wrapping); a change means new ones wait.
#[inline]
pub fn deinits_queued() -> u64 {
    DEINITS_QUEUED.try_with(std::cell::Cell::get).unwrap_or(0)
}

/// Whether an instance waits for its `deinit`.
pub fn has_pending_deinit() -> bool {
    PENDING_DEINITS
        .try_with(|q| !q.borrow().is_empty())
        .unwrap_or(false)
}

/// The next instance waiting for its `deinit` (oldest first).
pub fn next_pending_deinit() -> Option<Value> {
    PENDING_DEINITS
        .try_with(|q| q.borrow_mut().pop_front())
        .ok()
        .flatten()
}

/// Queue an instance whose last reference went away for its `deinit`
/// (revived in place, instance_ref.rs). During thread teardown the queue
/// is gone: the instance is then released without its deinit.
pub(super) fn queue_revived(value: Value) {
    let _ = PENDING_DEINITS.try_with(|q| q.borrow_mut().push_back(value));
    count_queued_deinit();
}

/// Run-time description of an enum.
pub struct EnumInfo {
    /// The enum's name.
    pub name: Rc<str>,
    /// Variant names by tag.
    pub variants: Vec<Rc<str>>,
}

/// An enum value.
pub struct EnumValue {
    /// Which enum.
    pub info: Rc<EnumInfo>,
    /// Enum index in the program.
    pub enum_id: u16,
    /// Variant tag.
    pub tag: u16,
    /// Payload values.
    pub payload: Box<[Value]>,
}

/// State of an iterator.
pub enum IterState {
    /// Over a range: next value and remaining count.
    Range {
        /// Next value.
        next: i64,
        /// Step.
        step: i64,
        /// Values left.
        left: i64,
        /// Position (for two-variable iteration).
        index: i64,
    },
    /// Over a list (live: sees pushes made during iteration).
    List(Rc<List>, usize),
    /// Over a tuple.
    Tuple(Rc<Tuple>, usize),
    /// Over a string's characters: byte offset and char index.
    Str(Rc<Str>, usize, usize),
    /// Over a dict snapshot of entries.
    Dict(Vec<(Value, Value)>, usize),
    /// Over a channel (runtime/channel.rs: `iter_next`).
    Channel(std::sync::Arc<crate::runtime::channel::Channel>),
}
