//! Runtime values, and the one place where they are compared, hashed and
//! printed.
//!
//! `Value` is 16 bytes: small scalars inline, everything variable-sized
//! behind a thin `Rc`. Deeply nested structures are printed, compared and
//! released without recursion on the host stack (work lists).

use std::cell::RefCell;
use std::cmp::Ordering;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use indexmap::IndexMap;
use num_bigint::BigInt;
use num_traits::{FromPrimitive, ToPrimitive, Zero};
use smallvec::SmallVec;

use crate::errors::Trap;
use crate::program::FunctionProto;
use crate::{gc, limits};

/// A captured variable shared between a frame and its closures.
pub type CellRef = Rc<RefCell<Value>>;

/// A Limit value.
#[derive(Clone, Default)]
pub enum Value {
    /// `nil`.
    #[default]
    Nil,
    /// `true` / `false`.
    Bool(bool),
    /// An int that fits in 64 bits.
    Int(i64),
    /// An IEEE double.
    Float(f64),
    /// An int outside the i64 range (never holds a value that fits).
    BigInt(Rc<Big>),
    /// A fixed-scale decimal (`d0`…`d18`).
    Decimal(Rc<crate::runtime::decimal::Decimal>),
    /// An immutable string.
    Str(Rc<Str>),
    /// A mutable list.
    List(Rc<List>),
    /// An insertion-ordered dict.
    Dict(Rc<Dict>),
    /// An immutable tuple.
    Tuple(Rc<Tuple>),
    /// An int range.
    Range(Rc<Range>),
    /// A closure (function value).
    Function(Rc<Closure>),
    /// A built-in function.
    Native(&'static NativeFn),
    /// A method bound to its receiver (`var f = obj.m`).
    BoundMethod(Rc<BoundMethod>),
    /// A captured-variable cell (only ever in a local slot).
    Cell(CellRef),
    /// An error value `{kind, message}`.
    Error(Rc<ErrorValue>),
    /// A frame (class).
    Class(Rc<Class>),
    /// An instance of a frame.
    Instance(Rc<Instance>),
    /// An enum value.
    Enum(Rc<EnumValue>),
    /// An iterator (only on the stack between `IterStart` and loop exit).
    Iterator(Rc<RefCell<IterState>>),
    /// A channel: a thread-safe handle (runtime/channel.rs).
    Channel(std::sync::Arc<crate::runtime::channel::Channel>),
    /// A synchronised variable of a parallel block (runtime/shared.rs).
    Shared(std::sync::Arc<crate::runtime::shared::SharedCell>),
    /// A function of the host program (`Engine::register_fn`).
    Host(Rc<HostFn>),
    /// An object of the host program (`Engine::register_type`).
    HostObject(Rc<crate::host_object::HostObject>),
}

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
    hash: std::cell::Cell<u32>,
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

    fn new(b: BigInt) -> Big {
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
    charged: std::cell::Cell<usize>,
    /// Its slot in the cycle collector's registry (gc.rs).
    gc_slot: std::cell::Cell<u32>,
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
    charged: std::cell::Cell<usize>,
    /// Its slot in the cycle collector's registry (gc.rs).
    gc_slot: std::cell::Cell<u32>,
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

impl Drop for Closure {
    fn drop(&mut self) {
        gc::untrack(self.gc_slot.get(), self as *const Closure as usize);
        // Closures capturing closures (a million wrappers deep) must not
        // recurse either.
        if self.captures.iter().any(is_container) {
            release_captures(&mut self.captures);
        }
    }
}

/// Release a closure's captures through the work list; kept out of line
/// so that dropping a closure of scalars stays small (`closures`
/// benchmark).
#[cold]
#[inline(never)]
fn release_captures(captures: &mut Captures) {
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

/// An instance of a frame.
pub struct Instance {
    /// Its class.
    pub class: Rc<Class>,
    /// Field values by slot.
    pub fields: RefCell<Vec<Value>>,
    /// Set once `deinit` has been scheduled, so that it runs only once.
    pub finalized: std::cell::Cell<bool>,
    /// Its slot in the cycle collector's registry (gc.rs).
    gc_slot: std::cell::Cell<u32>,
}

impl Instance {
    /// A new instance with the given field values (use `Value::instance`
    /// for one the cycle collector sees).
    pub fn new(class: Rc<Class>, fields: Vec<Value>) -> Instance {
        limits::charge(limits::OBJECT_HEADER + class.field_names.len() * limits::SLOT_BYTES);
        Instance {
            class,
            fields: RefCell::new(fields),
            finalized: std::cell::Cell::new(false),
            gc_slot: std::cell::Cell::new(gc::NO_SLOT),
        }
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
            std::mem::swap(&mut *q, queue);
        }
    });
}

/// Queue an instance for its `deinit` (the cycle collector, for garbage).
pub(crate) fn queue_deinit(v: Value) {
    let _ = PENDING_DEINITS.try_with(|q| q.borrow_mut().push_back(v));
    count_queued_deinit();
}

fn count_queued_deinit() {
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

impl Drop for Instance {
    fn drop(&mut self) {
        gc::untrack(self.gc_slot.get(), self as *const Instance as usize);
        limits::release(limits::OBJECT_HEADER + self.class.field_names.len() * limits::SLOT_BYTES);
        if self.class.deinit.is_none() || self.finalized.get() {
            // Fields holding instances and collections are released without
            // recursion (a long chain of objects must not overflow the stack).
            let fields = self.fields.get_mut();
            if fields.iter().any(is_container) {
                let mut fields = std::mem::take(fields);
                fields.reverse(); // released in declaration order
                release_items(fields);
            }
            return;
        }
        // Revive the object (its fields move into a new allocation) so that
        // `deinit` runs before the fields are released.
        let revived = Instance::new(self.class.clone(), std::mem::take(self.fields.get_mut()));
        revived.finalized.set(true);
        let value = Value::instance_of(revived);
        // During thread teardown the queue is gone: the object is then
        // released without its deinit.
        let _ = PENDING_DEINITS.try_with(|q| q.borrow_mut().push_back(value));
        count_queued_deinit();
    }
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

// ---------------------------------------------------------------- constructors

impl Value {
    /// A string value.
    pub fn str(s: &str) -> Value {
        limits::charge(s.len() + limits::STR_HEADER);
        Value::Str(Rc::new(Str::new(s.into(), s.is_ascii())))
    }

    /// A decimal value.
    pub fn decimal(d: crate::runtime::decimal::Decimal) -> Value {
        Value::Decimal(Rc::new(d))
    }

    /// A string value from an owned `String`.
    pub fn string(s: String) -> Value {
        let ascii = s.is_ascii();
        Value::string_with_ascii(s, ascii)
    }

    /// A string value from an owned `String` whose ASCII-ness the caller
    /// knows (saving a scan of the text). A `String` with spare capacity
    /// is shrunk to its length first (a reallocation).
    pub fn string_with_ascii(s: String, ascii: bool) -> Value {
        limits::charge(s.len() + limits::STR_HEADER);
        Value::Str(Rc::new(Str::new(s.into_boxed_str(), ascii)))
    }

    /// A list value (registered with the cycle collector, counted by the
    /// heap meter).
    pub fn list(items: Vec<Value>) -> Value {
        let charged = limits::OBJECT_HEADER + items.capacity() * limits::SLOT_BYTES;
        limits::charge(charged);
        let rc = Rc::new(List {
            items: RefCell::new(items),
            charged: std::cell::Cell::new(charged),
            gc_slot: std::cell::Cell::new(gc::NO_SLOT),
        });
        rc.gc_slot.set(gc::track_list(&rc));
        Value::List(rc)
    }

    /// A tuple value.
    pub fn tuple(items: Vec<Value>) -> Value {
        limits::charge(limits::OBJECT_HEADER + items.len() * limits::SLOT_BYTES);
        Value::Tuple(Rc::new(Tuple {
            items: items.into_boxed_slice(),
        }))
    }

    /// A dict value (registered with the cycle collector, counted by the
    /// heap meter).
    pub fn dict(map: DictMap) -> Value {
        let charged = limits::OBJECT_HEADER + map.capacity() * limits::ENTRY_BYTES;
        limits::charge(charged);
        let rc = Rc::new(Dict {
            map: RefCell::new(map),
            charged: std::cell::Cell::new(charged),
            gc_slot: std::cell::Cell::new(gc::NO_SLOT),
        });
        rc.gc_slot.set(gc::track_dict(&rc));
        Value::Dict(rc)
    }

    /// An instance of `class` (registered with the cycle collector).
    pub fn instance(class: Rc<Class>, fields: Vec<Value>) -> Value {
        Value::instance_of(Instance::new(class, fields))
    }

    fn instance_of(inst: Instance) -> Value {
        let rc = Rc::new(inst);
        rc.gc_slot.set(gc::track_instance(&rc));
        Value::Instance(rc)
    }

    /// A closure value (registered with the cycle collector).
    pub fn closure(closure: Closure) -> Value {
        let rc = Rc::new(closure);
        rc.gc_slot.set(gc::track_closure(&rc));
        Value::Function(rc)
    }

    /// A new captured-variable cell holding `v` (registered with the cycle
    /// collector).
    pub fn new_cell(v: Value) -> CellRef {
        let rc = Rc::new(RefCell::new(v));
        gc::track_cell(&rc);
        rc
    }

    /// An error value.
    pub fn error(kind: &str, message: &str) -> Value {
        Value::Error(Rc::new(ErrorValue {
            kind: kind.into(),
            message: message.into(),
        }))
    }

    /// An int from a big integer, demoted to `Int` when it fits.
    pub fn from_bigint(b: BigInt) -> Value {
        match b.to_i64() {
            Some(i) => Value::Int(i),
            None => Value::BigInt(Rc::new(Big::new(b))),
        }
    }

    /// Truthiness of a condition: nil, false and error values are false.
    pub fn truthy(&self) -> bool {
        // Conditions are type-checked to be `bool`, except optionals (`T?`),
        // which test true when they hold a value — even `0` or `""`.
        match self {
            Value::Nil | Value::Error(_) => false,
            Value::Bool(b) => *b,
            _ => true,
        }
    }

    /// The `bool(v)` conversion: nil, false, zero numbers, empty strings and
    /// empty collections are false.
    pub fn to_bool(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.text.is_empty(),
            Value::List(l) => !l.items.borrow().is_empty(),
            Value::Dict(d) => !d.map.borrow().is_empty(),
            Value::Error(_) => false,
            _ => true,
        }
    }

    /// Whether the value owns a heap reference (dropping or cloning it does
    /// real work). Scalars are plain bits.
    #[inline(always)]
    pub fn is_heap(&self) -> bool {
        !matches!(
            self,
            Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Native(_)
        )
    }

    /// Whether `self` and `other` are the same value: the same object for
    /// heap values, the same bits for scalars (no structural comparison,
    /// so it always terminates, even on cyclic values).
    pub fn identical(&self, other: &Value) -> bool {
        match (self.heap_address(), other.heap_address()) {
            (Some(a), Some(b)) => a == b,
            (None, None) => match (self, other) {
                (Value::Nil, Value::Nil) => true,
                (Value::Bool(a), Value::Bool(b)) => a == b,
                (Value::Int(a), Value::Int(b)) => a == b,
                (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
                (Value::Native(a), Value::Native(b)) => std::ptr::eq(*a, *b),
                _ => false,
            },
            _ => false,
        }
    }

    /// The address of the object a heap value refers to.
    fn heap_address(&self) -> Option<*const ()> {
        use Value::*;
        Some(match self {
            Nil | Bool(_) | Int(_) | Float(_) | Native(_) => return None,
            BigInt(x) => Rc::as_ptr(x).cast(),
            Decimal(x) => Rc::as_ptr(x).cast(),
            Str(x) => Rc::as_ptr(x).cast(),
            List(x) => Rc::as_ptr(x).cast(),
            Dict(x) => Rc::as_ptr(x).cast(),
            Tuple(x) => Rc::as_ptr(x).cast(),
            Range(x) => Rc::as_ptr(x).cast(),
            Function(x) => Rc::as_ptr(x).cast(),
            BoundMethod(x) => Rc::as_ptr(x).cast(),
            Cell(x) => Rc::as_ptr(x).cast(),
            Error(x) => Rc::as_ptr(x).cast(),
            Class(x) => Rc::as_ptr(x).cast(),
            Instance(x) => Rc::as_ptr(x).cast(),
            Enum(x) => Rc::as_ptr(x).cast(),
            Iterator(x) => Rc::as_ptr(x).cast(),
            Channel(x) => std::sync::Arc::as_ptr(x).cast(),
            Shared(x) => std::sync::Arc::as_ptr(x).cast(),
            Host(x) => Rc::as_ptr(x).cast(),
            HostObject(x) => std::sync::Arc::as_ptr(&x.data).cast(),
        })
    }

    /// `clone` with the scalar cases inlined (the derived `clone` is an
    /// out-of-line call in the interpreter's hot paths).
    #[inline(always)]
    pub fn fast_clone(&self) -> Value {
        match self {
            Value::Int(i) => Value::Int(*i),
            Value::Float(f) => Value::Float(*f),
            Value::Bool(b) => Value::Bool(*b),
            Value::Nil => Value::Nil,
            other => other.clone(),
        }
    }

    /// Drop a value, skipping the out-of-line destructor for scalars.
    #[inline(always)]
    pub fn discard(self) {
        if self.is_heap() {
            drop(self);
        } else {
            // A scalar owns nothing: forgetting it leaks nothing.
            std::mem::forget(self);
        }
    }

    /// Overwrite `self` with `v`, dropping the old value cheaply.
    #[inline(always)]
    pub fn set(&mut self, v: Value) {
        std::mem::replace(self, v).discard();
    }

    /// The `typeof` name.
    /// The type name with its indefinite article, for messages: "an
    /// int", "a str", "an Order".
    pub fn type_name_with_article(&self) -> String {
        let name = self.type_name();
        let vowel = name
            .chars()
            .next()
            .is_some_and(|c| "aeiouAEIOU".contains(c));
        format!("{} {name}", if vowel { "an" } else { "a" })
    }

    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "nil".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) | Value::BigInt(_) => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Decimal(d) => format!("d{}", d.scale),
            Value::Str(_) => "str".into(),
            Value::List(_) => "list".into(),
            Value::Dict(_) => "dict".into(),
            Value::Tuple(_) => "tuple".into(),
            Value::Range(_) => "range".into(),
            Value::Function(_) | Value::Native(_) | Value::BoundMethod(_) => "function".into(),
            Value::Cell(c) => c.borrow().type_name(),
            Value::Error(_) => "error".into(),
            Value::Class(c) => c.name.to_string(),
            Value::Instance(i) => i.class.name.to_string(),
            Value::Enum(e) => e.info.name.to_string(),
            Value::Iterator(_) => "iterator".into(),
            Value::Channel(_) => "channel".into(),
            Value::Shared(_) => "shared".into(),
            Value::Host(_) => "function".into(),
            Value::HostObject(o) => o.class.name.to_string(),
        }
    }

    /// The string slice of a `Str` value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(&s.text),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------- release

/// Move the contents of a uniquely owned container into `work` so that it is
/// released without recursion.
fn drain_into(v: Value, work: &mut Vec<Value>) {
    match v {
        Value::List(rc) => {
            if let Ok(mut list) = Rc::try_unwrap(rc) {
                work.append(list.items.get_mut());
            }
        }
        Value::Tuple(rc) => {
            if let Ok(mut t) = Rc::try_unwrap(rc) {
                work.extend(std::mem::take(&mut t.items).into_vec());
            }
        }
        Value::Dict(rc) => {
            if let Ok(mut d) = Rc::try_unwrap(rc) {
                for (k, v) in std::mem::take(d.map.get_mut()) {
                    work.push(k.0);
                    work.push(v);
                }
            }
        }
        Value::Enum(rc) => {
            if let Ok(mut e) = Rc::try_unwrap(rc) {
                work.extend(std::mem::take(&mut e.payload).into_vec());
            }
        }
        Value::Function(rc) => {
            if let Ok(mut c) = Rc::try_unwrap(rc) {
                work.extend(std::mem::take(&mut c.captures));
            }
        }
        Value::Cell(rc) => {
            if let Ok(cell) = Rc::try_unwrap(rc) {
                work.push(cell.into_inner());
            }
        }
        Value::BoundMethod(rc) => {
            if let Ok(b) = Rc::try_unwrap(rc) {
                work.push(b.receiver);
            }
        }
        Value::Instance(rc) => {
            // An instance waiting for its deinit is revived, not released.
            if rc.class.deinit.is_some() && !rc.finalized.get() {
                drop(rc);
            } else if let Ok(mut inst) = Rc::try_unwrap(rc) {
                // Reversed: the work list pops its last item first, and
                // fields are released in declaration order.
                work.extend(std::mem::take(inst.fields.get_mut()).into_iter().rev());
            }
        }
        other => drop(other),
    }
}

fn release_items(mut work: Vec<Value>) {
    while let Some(v) = work.pop() {
        drain_into(v, &mut work);
    }
}

impl Drop for List {
    fn drop(&mut self) {
        gc::untrack(self.gc_slot.get(), self as *const List as usize);
        limits::release(self.charged.get());
        let items = self.items.get_mut();
        if items.iter().any(is_container) {
            release_items(std::mem::take(items));
        }
    }
}

impl Drop for Tuple {
    fn drop(&mut self) {
        limits::release(limits::OBJECT_HEADER + self.items.len() * limits::SLOT_BYTES);
        if self.items.iter().any(is_container) {
            release_items(std::mem::take(&mut self.items).into_vec());
        }
    }
}

impl Drop for Dict {
    fn drop(&mut self) {
        gc::untrack(self.gc_slot.get(), self as *const Dict as usize);
        limits::release(self.charged.get());
        let map = self.map.get_mut();
        if map.values().any(is_container) {
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
fn is_container(v: &Value) -> bool {
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

/// Release an enum value's payload through the work list (out of line,
/// as `release_captures`).
#[cold]
#[inline(never)]
fn release_payload(payload: &mut Box<[Value]>) {
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

    fn heap_bytes(items: usize) -> usize {
        limits::OBJECT_HEADER + items * limits::SLOT_BYTES
    }
}

impl Drop for EnumValue {
    fn drop(&mut self) {
        if !self.payload.is_empty() {
            limits::release(Self::heap_bytes(self.payload.len()));
        }
        // A long chain of payloads (`Link(Link(…))`) must not recurse.
        if self.payload.iter().any(is_container) {
            release_payload(&mut self.payload);
        }
    }
}

// ---------------------------------------------------------------- equality

/// Structural equality (the one definition used by `==`, dict keys, `contains`).
pub fn equals(a: &Value, b: &Value) -> bool {
    match shallow_eq(a, b) {
        Some(r) => r,
        None => deep_equals(a, b),
    }
}

/// Equality of non-containers; `None` when both are containers of the same kind.
fn shallow_eq(a: &Value, b: &Value) -> Option<bool> {
    use Value::*;
    Some(match (a, b) {
        (Nil, Nil) => true,
        (Bool(x), Bool(y)) => x == y,
        (Int(x), Int(y)) => x == y,
        (Float(x), Float(y)) => x == y,
        (Int(x), Float(y)) | (Float(y), Int(x)) => {
            (*x as f64) == *y && y.fract() == 0.0 && float_to_i64(*y) == Some(*x)
        }
        (BigInt(x), BigInt(y)) => x == y,
        (BigInt(x), Float(y)) | (Float(y), BigInt(x)) => {
            cmp_bigint_float(x, *y) == Some(Ordering::Equal)
        }
        (Decimal(_), Decimal(_) | Int(_) | Float(_)) | (Int(_) | Float(_), Decimal(_)) => {
            compare(a, b) == Some(std::cmp::Ordering::Equal)
        }
        (Str(x), Str(y)) => str_eq(x, y),
        (Range(x), Range(y)) => x == y,
        (Function(x), Function(y)) => Rc::ptr_eq(x, y),
        (Native(x), Native(y)) => std::ptr::eq(*x, *y),
        (Host(x), Host(y)) => Rc::ptr_eq(x, y),
        (HostObject(x), HostObject(y)) => x.same(y),
        (Error(x), Error(y)) => x == y,
        (Class(x), Class(y)) => Rc::ptr_eq(x, y),
        (Instance(x), Instance(y)) if Rc::ptr_eq(x, y) => true,
        (Instance(x), Instance(y)) if x.class.is_data && Rc::ptr_eq(&x.class, &y.class) => {
            return None
        }
        (Instance(_), Instance(_)) => false,
        (Cell(x), Cell(y)) => Rc::ptr_eq(x, y),
        (Channel(x), Channel(y)) => std::sync::Arc::ptr_eq(x, y),
        (Shared(x), Shared(y)) => std::sync::Arc::ptr_eq(x, y),
        (List(x), List(y)) if Rc::ptr_eq(x, y) => true,
        (List(_), List(_)) | (Tuple(_), Tuple(_)) | (Dict(_), Dict(_)) | (Enum(_), Enum(_)) => {
            return None
        }
        _ => false,
    })
}

/// String equality, cheap in the cases dict lookups meet: the same string,
/// different lengths or hashes, or short texts (compared in a few word
/// loads rather than through a `memcmp` call).
#[inline]
fn str_eq(x: &Str, y: &Str) -> bool {
    if std::ptr::eq(x, y) {
        return true;
    }
    let (a, b) = (x.text.as_bytes(), y.text.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let (hx, hy) = (x.hash.get(), y.hash.get());
    if hx != hy && hx != 0 && hy != 0 {
        return false;
    }
    same_bytes(a, b)
}

/// `a == b` for slices of equal length. Up to 16 bytes are compared as two
/// overlapping words (or halves), which covers them whatever the length.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len();
    if n > 16 {
        return a == b;
    }
    fn word(s: &[u8], at: usize) -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_ne_bytes(w)
    }
    fn half(s: &[u8], at: usize) -> u32 {
        let mut w = [0u8; 4];
        w.copy_from_slice(&s[at..at + 4]);
        u32::from_ne_bytes(w)
    }
    if n >= 8 {
        word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8)
    } else if n >= 4 {
        half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4)
    } else {
        a.iter().zip(b).all(|(p, q)| p == q)
    }
}

fn float_to_i64(f: f64) -> Option<i64> {
    if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        Some(f as i64)
    } else {
        None
    }
}

/// Pairs of containers compared before `deep_equals` starts remembering
/// them (small comparisons pay nothing for it).
const REMEMBER_PAIRS_AFTER: usize = 1024;

/// Items compared between two charges to the step limit.
const EQUALITY_CHARGE_EVERY: usize = 4096;

fn deep_equals(a: &Value, b: &Value) -> bool {
    let mut work: Vec<(Value, Value)> = vec![(a.clone(), b.clone())];
    // Two containers being compared are assumed equal while their parts
    // are (the greatest fixed point, as for bisimilar graphs): a pair met
    // again is not expanded again. Comparing cyclic values then ends, and
    // values sharing parts are compared in time proportional to their
    // distinct pairs of parts rather than their unfolded size.
    let mut pairs_seen = 0usize;
    let mut assumed: rustc_hash::FxHashSet<(usize, usize)> = Default::default();
    let mut uncharged = 0usize;
    while let Some((x, y)) = work.pop() {
        // The work is charged to the step limit as it goes; once a limit
        // is pending the answer no longer matters (the run stops).
        uncharged += 1;
        if uncharged >= EQUALITY_CHARGE_EVERY {
            limits::charge_units_later(uncharged as u64);
            uncharged = 0;
            if limits::limit_pending() {
                return false;
            }
        }
        if let Some(r) = shallow_eq(&x, &y) {
            if !r {
                return false;
            }
            continue;
        }
        if let (Some(p), Some(q)) = (cycle_id(&x), cycle_id(&y)) {
            pairs_seen += 1;
            if pairs_seen > REMEMBER_PAIRS_AFTER && !assumed.insert((p, q)) {
                continue;
            }
        }
        match (&x, &y) {
            (Value::List(p), Value::List(q)) => {
                let (p, q) = (p.items.borrow(), q.items.borrow());
                if p.len() != q.len() {
                    return false;
                }
                work.extend(p.iter().cloned().zip(q.iter().cloned()));
            }
            (Value::Tuple(p), Value::Tuple(q)) => {
                if p.items.len() != q.items.len() {
                    return false;
                }
                work.extend(p.items.iter().cloned().zip(q.items.iter().cloned()));
            }
            (Value::Enum(p), Value::Enum(q)) => {
                if !Rc::ptr_eq(&p.info, &q.info)
                    || p.tag != q.tag
                    || p.payload.len() != q.payload.len()
                {
                    return false;
                }
                work.extend(p.payload.iter().cloned().zip(q.payload.iter().cloned()));
            }
            (Value::Instance(p), Value::Instance(q)) => {
                let (p, q) = (p.fields.borrow(), q.fields.borrow());
                if p.len() != q.len() {
                    return false;
                }
                work.extend(p.iter().cloned().zip(q.iter().cloned()));
            }
            (Value::Dict(p), Value::Dict(q)) => {
                let (p, q) = (p.map.borrow(), q.map.borrow());
                if p.len() != q.len() {
                    return false;
                }
                for (k, v) in p.iter() {
                    match q.get(k) {
                        Some(w) => work.push((v.clone(), w.clone())),
                        None => return false,
                    }
                }
            }
            _ => return false,
        }
    }
    true
}

// ---------------------------------------------------------------- ordering

/// Ordering for `<` and sorting: numbers, strings, bools, lists and tuples
/// (lexicographic). `None` when the values are not comparable.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    compare_depth(a, b, 0)
}

fn compare_depth(a: &Value, b: &Value, depth: usize) -> Option<Ordering> {
    use Value::*;
    if depth > 2_000 {
        return None;
    }
    match (a, b) {
        (Int(x), Int(y)) => Some(x.cmp(y)),
        (Float(x), Float(y)) => x.partial_cmp(y),
        (Int(x), Float(y)) => cmp_int_float(*x, *y),
        (Float(x), Int(y)) => cmp_int_float(*y, *x).map(Ordering::reverse),
        (BigInt(_), _) | (_, BigInt(_)) => cmp_big(a, b),
        (Decimal(x), Decimal(y)) => Some(x.compare(**y)),
        (Decimal(x), Int(y)) => Some(x.compare(crate::runtime::decimal::Decimal {
            units: *y as i128,
            scale: 0,
        })),
        (Int(x), Decimal(y)) => Some(
            crate::runtime::decimal::Decimal {
                units: *x as i128,
                scale: 0,
            }
            .compare(**y),
        ),
        (Decimal(x), Float(y)) => x.to_f64().partial_cmp(y),
        (Float(x), Decimal(y)) => x.partial_cmp(&y.to_f64()),
        (Str(x), Str(y)) => Some(x.text.cmp(&y.text)),
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (List(x), List(y)) => {
            let (x, y) = (x.items.borrow(), y.items.borrow());
            compare_seq(&x, &y, depth)
        }
        (Tuple(x), Tuple(y)) => compare_seq(&x.items, &y.items, depth),
        (Enum(x), Enum(y)) if Rc::ptr_eq(&x.info, &y.info) => Some(x.tag.cmp(&y.tag)),
        _ => None,
    }
}

fn cmp_int_float(x: i64, y: f64) -> Option<Ordering> {
    if y.is_nan() {
        return None;
    }
    if (x as f64) != y {
        return (x as f64).partial_cmp(&y);
    }
    // Equal as doubles: compare exactly through i128 when y is integral.
    match float_to_i64(y) {
        Some(yi) => Some(x.cmp(&yi)),
        None => (x as f64).partial_cmp(&y),
    }
}

fn cmp_big(a: &Value, b: &Value) -> Option<Ordering> {
    match (to_bigint(a), to_bigint(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        (Some(x), None) if let Value::Float(y) = b => cmp_bigint_float(&x, *y),
        (None, Some(y)) if let Value::Float(x) = a => {
            cmp_bigint_float(&y, *x).map(Ordering::reverse)
        }
        _ => {
            let (x, y) = (to_f64(a)?, to_f64(b)?);
            x.partial_cmp(&y)
        }
    }
}

/// An int against a float, exactly: converting the int to a float rounds
/// it (`1 << 2000` became infinity and equalled `1.0 / 0.0`).
fn cmp_bigint_float(x: &BigInt, y: f64) -> Option<Ordering> {
    if y.is_nan() {
        return None;
    }
    if y.is_infinite() {
        return Some(if y > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    let whole = y.trunc();
    let by_whole = x.cmp(&BigInt::from_f64(whole)?);
    Some(by_whole.then(match y - whole {
        f if f > 0.0 => Ordering::Less,
        f if f < 0.0 => Ordering::Greater,
        _ => Ordering::Equal,
    }))
}

fn compare_seq(x: &[Value], y: &[Value], depth: usize) -> Option<Ordering> {
    for (p, q) in x.iter().zip(y.iter()) {
        match compare_depth(p, q, depth + 1)? {
            Ordering::Equal => {}
            o => return Some(o),
        }
    }
    Some(x.len().cmp(&y.len()))
}

/// The value as a big integer (ints only).
pub fn to_bigint(v: &Value) -> Option<BigInt> {
    match v {
        Value::Int(i) => Some(BigInt::from(*i)),
        Value::BigInt(b) => Some(BigInt::clone(b)),
        _ => None,
    }
}

/// The value as a float (numbers only).
pub fn to_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::BigInt(b) => b.to_f64(),
        Value::Decimal(d) => Some(d.to_f64()),
        _ => None,
    }
}

// ---------------------------------------------------------------- hashing

/// A dict key: a value with hashing and equality consistent with `equals`.
#[derive(Clone)]
pub struct Key(pub Value);

impl Key {
    /// Wrap a value as a key, rejecting unhashable (mutable) values.
    pub fn new(v: Value) -> Result<Key, Trap> {
        if hashable(&v, 0) {
            Ok(Key(v))
        } else {
            Err(crate::errors::trap(
                "TypeError",
                &format!("a {} cannot be a dict key", v.type_name()),
            ))
        }
    }
}

fn hashable(v: &Value, depth: usize) -> bool {
    match v {
        Value::List(_) | Value::Dict(_) | Value::Iterator(_) | Value::Cell(_) => false,
        Value::Tuple(t) => depth < 100 && t.items.iter().all(|x| hashable(x, depth + 1)),
        Value::Enum(e) => depth < 100 && e.payload.iter().all(|x| hashable(x, depth + 1)),
        _ => true,
    }
}

// String keys, the commonest, are compared and hashed without the general
// match (the same results: `equals` and `hash_value` treat them alike).
impl PartialEq for Key {
    /// Called by the dict's table for each entry of a probe chain whose
    /// hash tag matches. A false match is a wasted probe: it is charged to
    /// the step budget, so that keys crowding one chain (the hash is
    /// seeded, but a 32-bit string hash can still collide) make a run slow
    /// only in proportion to its step limit (issue 18 item 18).
    #[inline]
    fn eq(&self, other: &Key) -> bool {
        let same = if let (Value::Str(x), Value::Str(y)) = (&self.0, &other.0) {
            str_eq(x, y)
        } else {
            equals(&self.0, &other.0)
        };
        if !same {
            charge_wasted_probe(&self.0);
        }
        same
    }
}

/// Charge one wasted probe (a key compared and found different): a unit,
/// and for a string as long as the other's (whose bytes were compared) a
/// unit per 16 bytes.
#[cold]
#[inline(never)]
fn charge_wasted_probe(key: &Value) {
    let bytes = match key {
        Value::Str(s) => s.text.len() as u64,
        _ => 0,
    };
    crate::limits::charge_units_later(1 + bytes / 16);
}

impl Eq for Key {}

impl Hash for Key {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        if let Value::Str(s) = &self.0 {
            state.write_u32(s.hash_code());
            return;
        }
        hash_value(&self.0, state, 0);
    }
}

/// The hash of a string's bytes, never 0 (which `Str::hash` keeps for "not
/// yet computed"). Any hash of the bytes alone would do: strings equal only
/// strings, so no other kind of value must hash alike. It is cached in the
/// string, so it is the same for every dict of the process: seeded once per
/// process, at random, so that no text collides predictably.
fn text_hash(bytes: &[u8]) -> u32 {
    use std::hash::BuildHasher;
    static STATE: std::sync::OnceLock<foldhash::fast::RandomState> = std::sync::OnceLock::new();
    let h = STATE.get_or_init(Default::default).hash_one(bytes);
    ((h ^ (h >> 32)) as u32).max(1)
}

fn hash_value<H: Hasher>(v: &Value, state: &mut H, depth: usize) {
    match v {
        Value::Nil => state.write_u8(0),
        Value::Bool(b) => state.write_u8(1 + *b as u8),
        Value::Int(i) => state.write_i64(*i),
        // Equal numbers hash alike: an integral float as the int it equals
        // (a big one as a big int), `-0.0` as `0`.
        Value::Float(f) => match float_to_i64(*f) {
            Some(i) if i as f64 == *f => state.write_i64(i),
            _ if f.is_finite() && f.fract() == 0.0 => match BigInt::from_f64(*f) {
                Some(b) => b.hash(state),
                None => state.write_u64(f.to_bits()),
            },
            _ => state.write_u64(f.to_bits()),
        },
        Value::BigInt(b) => b.hash(state),
        // Equal decimals hash alike whatever their scale; whole ones like ints.
        Value::Decimal(d) => {
            let mut units = d.units;
            let mut scale = d.scale;
            while scale > 0 && units % 10 == 0 {
                units /= 10;
                scale -= 1;
            }
            match (scale, i64::try_from(units)) {
                (0, Ok(i)) => state.write_i64(i),
                _ => {
                    state.write_i128(units);
                    state.write_u8(scale);
                }
            }
        }
        Value::Str(s) => state.write_u32(s.hash_code()),
        Value::Tuple(t) if depth < 100 => {
            state.write_u8(7);
            for x in t.items.iter() {
                hash_value(x, state, depth + 1);
            }
        }
        Value::Enum(e) if depth < 100 => {
            state.write_u16(e.tag);
            for x in e.payload.iter() {
                hash_value(x, state, depth + 1);
            }
        }
        Value::Range(r) => r.start.hash(state),
        Value::Error(e) => e.kind.hash(state),
        _ => state.write_u8(9),
    }
}

// ---------------------------------------------------------------- printing

/// Bytes in the decimal text of `i` (for sizing a string before writing
/// it with `itoa`, which is several times faster than `fmt` for ints).
pub fn int_text_len(i: i64) -> usize {
    let digits = i
        .unsigned_abs()
        .checked_ilog10()
        .map_or(1, |d| d as usize + 1);
    digits + usize::from(i < 0)
}

/// The string value `"…{x}…"` makes of its pieces (`BuildString`: literal
/// parts and the values interpolated between them), within the string
/// length and heap limits.
pub fn interpolate(pieces: &[Value]) -> Result<Value, Trap> {
    let Some((len, ascii)) = plain_text_len(pieces) else {
        let guess = pieces
            .iter()
            .map(|v| match v {
                Value::Str(t) => t.text.len(),
                _ => 20,
            })
            .fold(0usize, usize::saturating_add);
        let mut text = String::with_capacity(guess);
        for v in pieces {
            match v {
                Value::Str(t) => text.push_str(&t.text),
                other => write_value(&mut text, other, false),
            }
        }
        limits::check_string(text.len())?;
        return Ok(Value::string(text));
    };
    limits::check_string(len)?;
    // Sized exactly, so that making the string value does not reallocate.
    let mut text = String::with_capacity(len);
    // Strings and ints, the common pieces, are written here rather than
    // through `write_scalar`'s match over every kind (3-6% of a loop that
    // builds dict keys).
    for v in pieces {
        match v {
            Value::Str(t) => text.push_str(&t.text),
            Value::Int(i) => text.push_str(itoa::Buffer::new().format(*i)),
            other => {
                write_scalar(&mut text, other, false);
            }
        }
    }
    debug_assert_eq!(text.len(), len);
    Ok(Value::string_with_ascii(text, ascii))
}

/// The length of the text of `pieces` and whether it is all ASCII, when
/// each piece is a string, an int, a bool or nil (whose texts are known
/// without writing them).
fn plain_text_len(pieces: &[Value]) -> Option<(usize, bool)> {
    let mut len = 0usize;
    let mut ascii = true;
    for v in pieces {
        let n = match v {
            Value::Str(t) => {
                ascii &= t.ascii;
                t.text.len()
            }
            Value::Int(i) => int_text_len(*i),
            Value::Bool(true) => 4,
            Value::Bool(false) => 5,
            Value::Nil => 3,
            _ => return None,
        };
        len = len.saturating_add(n);
    }
    Some((len, ascii))
}

/// A float's printed text (§3.2): the fewest digits that read back as the
/// same float, an integral value without a fraction (`5`), scientific
/// notation below 1e-4 and from 1e16 (`1e+16`, `1e-05`).
pub fn format_float(x: f64) -> String {
    let mut out = String::new();
    write_float(&mut out, x);
    out
}

/// Append a float's printed text (see `format_float`).
pub fn write_float(out: &mut String, x: f64) {
    write_float_text(out, x, false);
}

/// The text `repr` gives a float: the printed text, with `.0` kept on an
/// integral value written without an exponent so it reads back as a float.
pub fn repr_float(x: f64) -> String {
    let mut out = String::new();
    write_float_text(&mut out, x, true);
    out
}

/// Decimal exponents from which a float is written in scientific notation
/// (below the first, or at least the second), as Python's `repr` does.
const SCIENTIFIC_BELOW: i32 = -4;
const SCIENTIFIC_FROM: i32 = 16;

fn write_float_text(out: &mut String, x: f64, keep_point: bool) {
    if x.is_nan() {
        out.push_str("nan");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "inf" } else { "-inf" });
        return;
    }
    if x == 0.0 {
        out.push_str(if x.is_sign_negative() { "-0" } else { "0" });
        if keep_point {
            out.push_str(".0");
        }
        return;
    }
    // `ryu` finds the shortest digits that round-trip; only their layout
    // is chosen here.
    let mut buffer = ryu::Buffer::new();
    let (digits, exponent) = shortest_digits(buffer.format_finite(x));
    if x < 0.0 {
        out.push('-');
    }
    let digits = digits.as_slice();
    if !(SCIENTIFIC_BELOW..SCIENTIFIC_FROM).contains(&exponent) {
        push_ascii(out, &digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            push_ascii(out, &digits[1..]);
        }
        out.push('e');
        out.push(if exponent < 0 { '-' } else { '+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push('0');
        }
        out.push_str(itoa::Buffer::new().format(magnitude));
    } else if exponent < 0 {
        out.push_str("0.");
        for _ in 0..(-exponent - 1) {
            out.push('0');
        }
        push_ascii(out, digits);
    } else {
        let whole = exponent as usize + 1;
        if digits.len() <= whole {
            push_ascii(out, digits);
            for _ in digits.len()..whole {
                out.push('0');
            }
            if keep_point {
                out.push_str(".0");
            }
        } else {
            push_ascii(out, &digits[..whole]);
            out.push('.');
            push_ascii(out, &digits[whole..]);
        }
    }
}

fn push_ascii(out: &mut String, digits: &[u8]) {
    // The digits come from `shortest_digits`, which keeps only b'0'..=b'9'.
    out.extend(digits.iter().map(|&d| d as char));
}

/// The significant digits of a finite, non-zero float's shortest text
/// (without leading or trailing zeros) and the decimal exponent of the
/// first one: `1234.5` gives (`12345`, 3), `1e-7` gives (`1`, -7).
fn shortest_digits(text: &str) -> (SmallVec<[u8; 24]>, i32) {
    let text = text.trim_start_matches('-');
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let point = mantissa.find('.').unwrap_or(mantissa.len()) as i32;
    let mut digits: SmallVec<[u8; 24]> = SmallVec::new();
    let mut first = None;
    for (i, b) in mantissa.bytes().filter(u8::is_ascii_digit).enumerate() {
        if first.is_none() {
            if b == b'0' {
                continue;
            }
            first = Some(i as i32);
        }
        digits.push(b);
    }
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    // The first significant digit's place: `point - 1 - first` counted
    // from the units digit (the point sits after `point` digits).
    let exponent = exp + point - 1 - first.unwrap_or(0);
    (digits, exponent)
}

/// The printed form of a value (strings raw at top level).
pub fn display(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, false);
    out
}

/// `v`'s text as a string value, checked against the string length and
/// heap limits (`str(v)`, `v.to_str()`).
pub fn display_value(v: &Value) -> Result<Value, Trap> {
    let s = display(v);
    limits::check_string(s.len())?;
    Ok(Value::string(s))
}

/// A value as an error message names it: its type and, shortened, its
/// printed form (`int 3`, `str "x"`, `nil`, a `Player` object).
pub fn describe(v: &Value) -> String {
    match v {
        Value::Nil => "nil".to_string(),
        Value::HostObject(o) => format!("a `{}` object", o.class.name),
        _ => {
            let shown = repr(v);
            let mut short: String = shown.chars().take(40).collect();
            if short.len() < shown.len() {
                short.push('…');
            }
            format!("{} {short}", v.type_name())
        }
    }
}

/// The printed form with strings quoted (as inside collections).
pub fn repr(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Float(f) => out.push_str(&repr_float(*f)),
        _ => write_value(&mut out, v, true),
    }
    out
}

/// A pending piece of output in the iterative printer.
enum Piece {
    Value(Value),
    Text(&'static str),
    Owned(String),
    /// The end of the container with this address: it is no longer being
    /// written (see `write_text`).
    Leave(usize),
}

/// The address of a container that can be part of a cycle (the mutable
/// ones: a cycle of values always passes through one of them).
fn cycle_id(v: &Value) -> Option<usize> {
    match v {
        Value::List(l) => Some(Rc::as_ptr(l) as *const () as usize),
        Value::Dict(d) => Some(Rc::as_ptr(d) as *const () as usize),
        Value::Instance(i) => Some(Rc::as_ptr(i) as *const () as usize),
        Value::Cell(c) => Some(Rc::as_ptr(c) as *const () as usize),
        _ => None,
    }
}

/// The containers being written, from the top value down to the current
/// piece: a container met again among them closes a cycle. Most values
/// nest shallowly, so the first levels are a small stack searched in
/// place; deeper ones go to a set.
#[derive(Default)]
struct OpenPath {
    shallow: Vec<usize>,
    deep: rustc_hash::FxHashSet<usize>,
}

impl OpenPath {
    const SHALLOW: usize = 32;

    /// Enter container `id`; false when it is already open (a cycle).
    fn enter(&mut self, id: usize) -> bool {
        if self.shallow.contains(&id) || (!self.deep.is_empty() && self.deep.contains(&id)) {
            return false;
        }
        if self.shallow.len() < Self::SHALLOW {
            self.shallow.push(id);
        } else {
            self.deep.insert(id);
        }
        true
    }

    /// Leave container `id`, the last one entered and not left.
    fn leave(&mut self, id: usize) {
        if self.deep.is_empty() || !self.deep.remove(&id) {
            self.shallow.pop();
        }
    }
}

/// What a container is written as where it contains itself (as Python
/// writes `[1, [...]]`).
fn cycle_text(v: &Value) -> String {
    match v {
        Value::List(_) => "[...]".to_string(),
        Value::Dict(_) => "{...}".to_string(),
        Value::Instance(i) => format!("{} {{...}}", i.class.name),
        _ => "...".to_string(),
    }
}

/// Append the printed form of `v`. `quoted` quotes strings at the top level.
pub fn write_value(out: &mut String, v: &Value, quoted: bool) {
    // Writing text is work in proportion to its length, charged to the
    // step limit: a loop printing a long string filled gigabytes of
    // captured output within 20 000 steps (found by the `run` fuzz target).
    // Long text is charged as it grows (`charged` is where the charged
    // part ends), so that writing stops once the budget is spent.
    let mut charged = out.len();
    write_text(out, v, quoted, &mut charged);
    let written = out.len().saturating_sub(charged);
    if written >= CHARGED_TEXT {
        limits::charge_units_later(written as u64 / 4);
    }
}

/// Text written at once from which writing is charged to the step limit.
const CHARGED_TEXT: usize = 1024;

/// Text written between two charges while a container is written.
const CHARGE_EVERY: usize = 1 << 16;

fn write_text(out: &mut String, v: &Value, quoted: bool, charged: &mut usize) {
    // Once a limit is pending (exceeded where it could not fail: the run
    // stops at its next check), long text is not written any more.
    if let Value::Str(s) = v {
        if s.text.len() >= CHARGED_TEXT && limits::limit_pending() {
            return;
        }
    }
    if write_scalar(out, v, quoted) {
        return;
    }
    // Iterative printing: a stack of pieces, pushed in reverse order. A
    // container's text can be far larger than the container (a list of
    // many references to one long string): writing stops past the string
    // length limit (the run then stops with a ResourceLimit error).
    // A container met again inside itself (a cycle) is written as
    // `[...]`: `open` holds the containers being written, the path from
    // the top value down to the current piece.
    let mut work: Vec<Piece> = vec![Piece::Value(v.clone())];
    let mut open = OpenPath::default();
    while let Some(piece) = work.pop() {
        if !limits::text_fits(out.len()) {
            return;
        }
        if out.len() - *charged >= CHARGE_EVERY {
            limits::charge_units_later((out.len() - *charged) as u64 / 4);
            *charged = out.len();
            if limits::limit_pending() {
                return;
            }
        }
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Owned(t) => out.push_str(&t),
            Piece::Leave(id) => open.leave(id),
            Piece::Value(v) => {
                if write_scalar(out, &v, true) {
                    continue;
                }
                if let Some(id) = cycle_id(&v) {
                    if !open.enter(id) {
                        out.push_str(&cycle_text(&v));
                        continue;
                    }
                    work.push(Piece::Leave(id));
                }
                push_container(&mut work, &v);
            }
        }
    }
}

fn push_seq(work: &mut Vec<Piece>, open: &'static str, items: &[Value], close: &'static str) {
    work.push(Piece::Text(close));
    for (i, item) in items.iter().enumerate().rev() {
        work.push(Piece::Value(item.clone()));
        if i > 0 {
            work.push(Piece::Text(", "));
        }
    }
    work.push(Piece::Text(open));
}

fn push_container(work: &mut Vec<Piece>, v: &Value) {
    match v {
        Value::List(l) => push_seq(work, "[", &l.items.borrow(), "]"),
        Value::Tuple(t) => {
            let close = if t.items.len() == 1 { ",)" } else { ")" };
            push_seq(work, "(", &t.items, close)
        }
        Value::Dict(d) => {
            let map = d.map.borrow();
            work.push(Piece::Text("}"));
            for (i, (k, val)) in map.iter().enumerate().rev() {
                work.push(Piece::Value(val.clone()));
                work.push(Piece::Text(": "));
                work.push(Piece::Value(k.0.clone()));
                if i > 0 {
                    work.push(Piece::Text(", "));
                }
            }
            work.push(Piece::Text("{"));
        }
        Value::Instance(inst) => {
            if let Some((open, items, close)) = crate::printed_form::collection_items(inst) {
                push_seq(work, open, &items, close);
                return;
            }
            let fields = inst.fields.borrow();
            work.push(Piece::Text(if fields.is_empty() { " {}" } else { " }" }));
            for (i, val) in fields.iter().enumerate().rev() {
                work.push(Piece::Value(val.clone()));
                let name = inst
                    .class
                    .field_names
                    .get(i)
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                let sep = if i > 0 { ", " } else { " { " };
                work.push(Piece::Owned(format!("{sep}{name}: ")));
            }
            work.push(Piece::Owned(inst.class.name.to_string()));
        }
        Value::Enum(e) => {
            let head = format!(
                "{}.{}",
                e.info.name,
                e.info
                    .variants
                    .get(e.tag as usize)
                    .map(|s| &**s)
                    .unwrap_or("?")
            );
            if e.payload.is_empty() {
                work.push(Piece::Owned(head));
            } else {
                push_seq(work, "(", &e.payload, ")");
                work.push(Piece::Owned(head));
            }
        }
        Value::Cell(c) => work.push(Piece::Value(c.borrow().clone())),
        _ => work.push(Piece::Text("?")),
    }
}

/// Write a non-container; returns false for containers.
fn write_scalar(out: &mut String, v: &Value, quoted: bool) -> bool {
    match v {
        Value::Nil => out.push_str("nil"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Value::Float(f) => write_float(out, *f),
        Value::BigInt(b) => {
            // Quadratic work, charged to the step limit; a number too large
            // to write within a whole run's steps is not written (the run
            // then stops with a ResourceLimit error at its next check).
            if limits::charge_units_later(crate::runtime::arith::decimal_text_units(b.bits())) {
                let _ = write!(out, "{b}");
            } else {
                let _ = write!(out, "<int of {} bits>", b.bits());
            }
        }
        Value::Decimal(d) => out.push_str(&d.text()),
        Value::Str(s) => {
            if quoted {
                write_quoted(out, &s.text);
            } else {
                out.push_str(&s.text);
            }
        }
        Value::Range(r) => {
            let _ = write!(
                out,
                "{}{}{}",
                r.start,
                if r.inclusive { "..=" } else { ".." },
                r.end
            );
            if r.step != 1 {
                let _ = write!(out, "..{}", r.step);
            }
        }
        Value::Function(f) => {
            let _ = write!(out, "<fn {}>", f.proto.name);
        }
        Value::Native(n) => {
            let _ = write!(out, "<fn {}>", n.name);
        }
        Value::BoundMethod(b) => {
            let _ = write!(out, "<fn {}>", b.name);
        }
        Value::Error(e) => {
            out.push_str(&e.kind);
            if !e.message.is_empty() {
                out.push_str(": ");
                out.push_str(&e.message);
            }
        }
        Value::Class(c) => {
            let _ = write!(out, "<frame {}>", c.name);
        }
        Value::Iterator(_) => out.push_str("<iterator>"),
        Value::Channel(_) => out.push_str("<channel>"),
        Value::Shared(_) => out.push_str("<shared>"),
        Value::Host(h) => {
            let _ = write!(out, "<fn {}>", h.name);
        }
        Value::HostObject(o) => o.write_to(out),
        Value::Enum(e) if e.payload.is_empty() => {
            let name = e
                .info
                .variants
                .get(e.tag as usize)
                .map(|s| &**s)
                .unwrap_or("?");
            let _ = write!(out, "{}.{}", e.info.name, name);
        }
        Value::List(_)
        | Value::Dict(_)
        | Value::Tuple(_)
        | Value::Instance(_)
        | Value::Enum(_)
        | Value::Cell(_) => return false,
    }
    true
}

fn write_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether a big integer value is zero (helper for arithmetic).
pub fn big_is_zero(b: &BigInt) -> bool {
    b.is_zero()
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&display(self))
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&repr(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn million_long_chains_release_without_recursion() {
        // Each link's drop would recurse into the next one: a million of
        // them overflowed the Rust stack.
        let info = Rc::new(EnumInfo {
            name: "Chain".into(),
            variants: vec!["End".into(), "Link".into()],
        });
        let mut chain = Value::Nil;
        for _ in 0..1_000_000 {
            chain = Value::Enum(Rc::new(EnumValue::new(
                info.clone(),
                0,
                1,
                vec![chain].into_boxed_slice(),
            )));
        }
        drop(chain);
        let proto = std::sync::Arc::new(crate::program::FunctionProto::default());
        let mut f = Value::Nil;
        for i in 0..1_000_000 {
            // Alternate a captured value and a captured cell.
            let capture = if i % 2 == 0 {
                f
            } else {
                Value::Cell(Rc::new(RefCell::new(f)))
            };
            let captures: Captures = std::iter::once(capture).collect();
            f = Value::closure(Closure::new(0, proto.clone(), captures));
        }
        drop(f);
    }

    #[test]
    fn identical_is_identity_not_equality() {
        let a = Value::list(vec![Value::Int(1)]);
        let b = Value::list(vec![Value::Int(1)]);
        assert!(a.identical(&a.clone()));
        assert!(!a.identical(&b), "equal lists are different objects");
        assert!(Value::Int(3).identical(&Value::Int(3)));
        assert!(!Value::Int(3).identical(&Value::Float(3.0)));
        assert!(!Value::Float(0.0).identical(&Value::Float(-0.0)));
        assert!(Value::Float(f64::NAN).identical(&Value::Float(f64::NAN)));
        assert!(!Value::Nil.identical(&a));
        // A list that holds itself is compared without looking inside.
        if let Value::List(l) = &a {
            l.items.borrow_mut().push(a.clone());
            assert!(a.identical(&a.clone()));
            l.items.borrow_mut().clear();
        }
    }

    #[test]
    fn value_is_16_bytes() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
        // The cached hash sits in what was padding after `ascii`.
        assert_eq!(std::mem::size_of::<Str>(), 24);
    }

    #[test]
    fn floats_print_their_shortest_round_trip_text() {
        // §3.2: the fewest digits that read back, no fraction on an
        // integral value, scientific below 1e-4 and from 1e16.
        let table: &[(f64, &str)] = &[
            (5.0, "5"),
            (2.5, "2.5"),
            (12.56636, "12.56636"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1234567.891, "1234567.891"),
            (1e15, "1000000000000000"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (1e20, "1e+20"),
            (1e-5, "1e-05"),
            (-2.5e-7, "-2.5e-07"),
            (1e-100, "1e-100"),
            (5e-324, "5e-324"),
            (1.797_693_134_862_315_7e308, "1.7976931348623157e+308"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (100000.0, "100000"),
            (1000000.0, "1000000"),
            (123456.7, "123456.7"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (-1.5, "-1.5"),
            (0.0, "0"),
            (-0.0, "-0"),
            (9007199254740993.0, "9007199254740992"),
        ];
        for (x, want) in table {
            assert_eq!(format_float(*x), *want, "formatting {x:?}");
            if !x.is_nan() {
                let back: f64 = want.parse().expect("the text is a float");
                assert_eq!(back.to_bits(), x.to_bits(), "{want} reads back");
            }
        }
        assert_eq!(repr_float(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(repr_float(2.0), "2.0");
        assert_eq!(repr_float(-0.0), "-0.0");
        assert_eq!(repr_float(1e15), "1000000000000000.0");
        assert_eq!(repr_float(1e16), "1e+16");
        assert_eq!(repr_float(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn printing_quotes_strings_inside_collections() {
        let v = Value::list(vec![Value::str("a"), Value::Int(1)]);
        assert_eq!(display(&v), "[\"a\", 1]");
        assert_eq!(display(&Value::str("a")), "a");
        let t = Value::tuple(vec![Value::Int(1), Value::str("x")]);
        assert_eq!(display(&t), "(1, \"x\")");
        let mut m = DictMap::default();
        m.insert(Key(Value::str("a")), Value::Int(1));
        assert_eq!(display(&Value::dict(m)), "{\"a\": 1}");
        assert_eq!(
            display(&Value::error("DivisionByZero", "")),
            "DivisionByZero"
        );
        assert_eq!(
            display(&Value::error("DivisionByZero", "b is zero")),
            "DivisionByZero: b is zero"
        );
    }

    /// CPU seconds this thread has used (Linux), so that a loaded machine
    /// does not fail a timing test; wall-clock time elsewhere.
    fn thread_cpu_seconds(wall_start: std::time::Instant) -> f64 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
        // Fields after the command name (which may hold spaces): utime and
        // stime are the 12th and 13th of them, in clock ticks of 1/100 s.
        let after_name = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        match (fields.get(11), fields.get(12)) {
            (Some(user), Some(system)) => {
                let ticks: f64 =
                    user.parse::<f64>().unwrap_or(0.0) + system.parse::<f64>().unwrap_or(0.0);
                ticks / 100.0
            }
            _ => wall_start.elapsed().as_secs_f64(),
        }
    }

    #[test]
    fn keys_that_collided_under_the_unseeded_hash_insert_quickly() {
        // Under FxHash, `j << 46` left the bucket bits and the hashbrown tag
        // bits the same for every key: 100 000 of them fell into a few
        // hundred probe chains (issue 18 item 18).
        let started = std::time::Instant::now();
        let cpu_before = thread_cpu_seconds(started);
        let mut map = DictMap::default();
        for j in 0..100_000i64 {
            map.insert(Key(Value::Int(j << 46)), Value::Int(j));
        }
        for j in 0..100_000i64 {
            assert!(map.contains_key(&Key(Value::Int(j << 46))));
        }
        let spent = thread_cpu_seconds(started) - cpu_before;
        assert_eq!(map.len(), 100_000);
        assert!(
            spent < 1.0,
            "100 000 adversarial keys took {spent} s of CPU"
        );
    }

    /// `count` ASCII strings of 64 bytes whose rustc-hash 2 byte hash (the
    /// old dict string hash) is one and the same. That hash mixes 16-byte
    /// chunks as `t = mix(s ^ x, C ^ y)`, where `mix(a, b)` folds the
    /// 128-bit product `a * b`: when `x` equals the state `s`, `t` is 0
    /// whatever `y` is. The first chunk is chosen (by search) so that the
    /// state reaching the third chunk is ASCII; the third chunk then starts
    /// with that state and ends with the 8 free bytes that tell keys apart.
    fn keys_colliding_under_the_old_string_hash(count: u32) -> Vec<String> {
        const SEED1: u64 = 0x243f_6a88_85a3_08d3;
        const ZERO_GUARD: u64 = 0xa409_3822_299f_31d0;
        let mix = |x: u64, y: u64| {
            let full = u128::from(x) * u128::from(y);
            (full as u64) ^ ((full >> 64) as u64)
        };
        let ascii = |w: u64| w.to_le_bytes().iter().all(|b| b.is_ascii());
        let word = |w: u64| String::from_utf8(w.to_le_bytes().to_vec()).unwrap();
        // Chunk 0: ASCII words x0 (searched) and y0 (fixed) making the
        // state t0 ASCII; chunk 1 (the other stream) is fixed.
        let y0 = u64::from_le_bytes(*b"chunk0y0");
        let (x0, t0) = (0u64..)
            .map(|i| {
                let x0 = u64::from_le_bytes(
                    format!("{:08}", i % 100_000_000)
                        .as_bytes()
                        .try_into()
                        .unwrap(),
                );
                (x0, mix(SEED1 ^ x0, ZERO_GUARD ^ y0))
            })
            .find(|&(_, t0)| ascii(t0))
            .unwrap();
        let prefix = format!("{}chunk0y0{}{}", word(x0), "chunk1:anything.", word(t0));
        (0..count)
            .map(|i| format!("{prefix}{i:08}{}", "the same suffix!"))
            .collect()
    }

    #[test]
    fn string_keys_that_collided_under_the_old_hash_insert_quickly() {
        let keys = keys_colliding_under_the_old_string_hash(100_000);
        // They did collide: every one has the same old hash.
        let old_hash = |k: &str| {
            let mut h = rustc_hash::FxHasher::default();
            h.write(k.as_bytes());
            h.finish()
        };
        let first = old_hash(&keys[0]);
        assert!(keys.iter().all(|k| k.len() == 64 && old_hash(k) == first));
        let started = std::time::Instant::now();
        let cpu_before = thread_cpu_seconds(started);
        let mut map = DictMap::default();
        for (i, k) in keys.iter().enumerate() {
            map.insert(Key(Value::str(k)), Value::Int(i as i64));
        }
        for k in &keys {
            assert!(map.contains_key(&Key(Value::str(k))));
        }
        let spent = thread_cpu_seconds(started) - cpu_before;
        assert_eq!(map.len(), 100_000);
        assert!(
            spent < 1.0,
            "100 000 adversarial strings took {spent} s of CPU"
        );
    }

    #[test]
    fn wasted_probes_are_charged_to_the_step_budget() {
        // A table whose every key hashes alike: each insert compares the
        // new key with all earlier ones, and each of those false matches
        // is charged. 300 keys make about 45 000 wasted probes, more than a
        // 100-step budget (25 600 units).
        #[derive(Default)]
        struct Constant;
        impl Hasher for Constant {
            fn finish(&self) -> u64 {
                0
            }
            fn write(&mut self, _: &[u8]) {}
        }
        crate::limits::install(crate::limits::Limits {
            max_steps: Some(100),
            ..crate::limits::Limits::default()
        });
        let mut map: IndexMap<Key, Value, std::hash::BuildHasherDefault<Constant>> =
            IndexMap::default();
        for j in 0..100i64 {
            map.insert(Key(Value::Int(j)), Value::Nil);
        }
        assert!(
            crate::limits::check_pending().is_ok(),
            "100 keys: 4 950 probes"
        );
        for j in 100..300i64 {
            map.insert(Key(Value::Int(j)), Value::Nil);
        }
        let e = crate::limits::check_pending().unwrap_err();
        assert_eq!(&*e.kind, crate::errors::kinds::RESOURCE_LIMIT);
        crate::limits::install(crate::limits::Limits::default());
    }

    #[test]
    fn string_hashes_are_seeded_per_process_and_consistent_within_it() {
        // The same text hashes alike within the process (dicts depend on
        // it), and two texts almost never collide in the 32-bit hash.
        let a = Str::new("k1".into(), true);
        let b = Str::new("k1".into(), true);
        assert_eq!(a.hash_code(), b.hash_code());
        let mut seen = std::collections::HashSet::new();
        for i in 0..10_000 {
            seen.insert(Str::new(format!("k{i}").into(), true).hash_code());
        }
        assert!(seen.len() > 9_990, "{} distinct hashes", seen.len());
    }

    #[test]
    fn int_float_equality_and_keys() {
        assert!(equals(&Value::Int(1), &Value::Float(1.0)));
        assert!(!equals(&Value::Int(1), &Value::Float(1.5)));
        let mut m = DictMap::default();
        m.insert(Key(Value::Int(1)), Value::Nil);
        assert!(m.contains_key(&Key(Value::Float(1.0))));
    }

    #[test]
    fn int_text_len_matches_std_formatting() {
        let mut samples = vec![
            0,
            1,
            -1,
            9,
            10,
            -10,
            99,
            100,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ];
        let mut p: i64 = 1;
        while let Some(next) = p.checked_mul(10) {
            samples.extend([p - 1, p, p + 1, -p, -(p - 1), -(p + 1)]);
            p = next;
        }
        samples.extend([p - 1, p, p + 1, -p]);
        for i in samples {
            let want = i.to_string();
            assert_eq!(int_text_len(i), want.len(), "length of {i}");
        }
    }

    fn key(text: &str) -> Key {
        Key(Value::str(text))
    }

    fn hash_of(k: &Key) -> u64 {
        use std::hash::BuildHasher;
        static STATE: std::sync::OnceLock<foldhash::fast::RandomState> = std::sync::OnceLock::new();
        STATE.get_or_init(Default::default).hash_one(k)
    }

    #[test]
    fn string_keys_compare_and_hash_by_text() {
        for len in 0..40 {
            let text: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            let (a, b) = (key(&text), key(&text));
            // Before and after either side's hash is cached.
            assert!(a == b, "{text:?}");
            assert_eq!(hash_of(&a), hash_of(&b), "{text:?}");
            assert!(a == b, "{text:?}");
            let (first, last) = (format!("_{text}"), format!("{text}_"));
            let (mut near_first, mut near_last) = (first.clone(), last.clone());
            near_first.replace_range(0..1, "-");
            near_last.replace_range(len..len + 1, "-");
            assert!(key(&first) != key(&near_first), "{first:?}");
            assert!(key(&last) != key(&near_last), "{last:?}");
            let (x, y) = (key(&last), key(&near_last));
            hash_of(&x);
            hash_of(&y);
            assert!(x != y, "{last:?} with hashes cached");
        }
        // Strings inside tuples hash by their text too.
        let t1 = Key(Value::tuple(vec![Value::str("ab"), Value::Int(1)]));
        let t2 = Key(Value::tuple(vec![
            Value::string("a".to_string() + "b"),
            Value::Int(1),
        ]));
        assert!(t1 == t2);
        assert_eq!(hash_of(&t1), hash_of(&t2));
    }

    #[test]
    fn interpolation_writes_every_scalar_piece() {
        let pieces = [
            Value::str("é"),
            Value::Int(i64::MIN),
            Value::Bool(true),
            Value::Nil,
            Value::Float(0.5),
        ];
        let Value::Str(s) = interpolate(&pieces).unwrap() else {
            panic!("not a string");
        };
        assert_eq!(&*s.text, "é-9223372036854775808truenil0.5");
        assert!(!s.ascii);
        let Value::Str(s) = interpolate(&pieces[1..4]).unwrap() else {
            panic!("not a string");
        };
        assert_eq!(&*s.text, "-9223372036854775808truenil");
        assert!(s.ascii);
    }

    fn deep(n: usize) -> Value {
        let mut v = Value::list(vec![]);
        for _ in 0..n {
            v = Value::list(vec![v]);
        }
        v
    }

    #[test]
    fn deep_lists_print_compare_and_drop() {
        let a = deep(100_000);
        let b = deep(100_000);
        assert!(equals(&a, &b));
        let text = display(&a);
        assert_eq!(text.len(), 2 * 100_001);
        drop(a);
        drop(b);
    }
}
