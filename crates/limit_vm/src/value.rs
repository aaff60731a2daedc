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

/// A Limit value.
///
/// `#[repr(u8)]` fixes the layout compiled code (jit/deopt.rs) reads and
/// writes: the variant's tag byte at offset 0 (`Nil` 0, `Bool` 1, `Int` 2,
/// `Float` 3: declaration order), a bool at offset 1, an int or float at
/// offset 8.
#[derive(Clone, Default)]
#[repr(u8)]
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
    Instance(InstanceRef),
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

pub(crate) mod captured_cell;
mod compare;
mod float_format;
mod hashing;
pub(crate) mod instance_ref;
mod interpolation;
mod objects;
mod printing;
mod release;
mod string_append;
#[cfg(test)]
mod tests;

pub use captured_cell::{CapturedCell, CellRef};
pub use compare::*;
pub use float_format::*;
pub use hashing::*;
pub use instance_ref::{Instance, InstanceRef};
pub(crate) use instance_ref::{InstanceClaim, FIELDS_OFFSET};
pub use interpolation::*;
pub use objects::*;
pub use printing::*;
#[allow(unused_imports)]
use release::*;
pub use string_append::*;

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

    /// An instance of `class` (registered with the cycle collector unless
    /// its class is `acyclic`).
    pub fn instance(class: Rc<Class>, fields: impl IntoIterator<Item = Value>) -> Value {
        let inst = InstanceRef::new(class, fields);
        if !inst.class.acyclic {
            inst.track();
        }
        Value::Instance(inst)
    }

    /// A closure value (registered with the cycle collector when it
    /// captures a container, `Closure::track`).
    pub fn closure(closure: Closure) -> Value {
        let rc = Rc::new(closure);
        Closure::track(&rc);
        Value::Function(rc)
    }

    /// A new captured-variable cell holding `v` (registered with the cycle
    /// collector).
    pub fn new_cell(v: Value) -> CellRef {
        CapturedCell::new_ref(v)
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
            Instance(x) => x.as_ptr().cast(),
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
