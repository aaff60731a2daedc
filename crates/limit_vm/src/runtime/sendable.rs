//! Sendable values: the thread-safe mirror of [`Value`].
//!
//! `Value`s are `Rc`-based and stay on the thread that made them. A value
//! that crosses a thread boundary (a channel item, a parallel task's
//! captured variables, a shared cell's content) is converted to a
//! `SendValue` — a deep copy — and turned back into a `Value` on the other
//! side by [`materialize`]. Channels, shared cells and the program itself
//! are `Arc`s and cross as the same handle.

use std::rc::Rc;
use std::sync::Arc;

use num_bigint::BigInt;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::errors::{fail, kinds, Trap};
use crate::interp::Vm;
use crate::runtime::channel::Channel;
use crate::runtime::parking::Ticket;
use crate::runtime::shared::SharedCell;
use crate::value::{BoundMethod, Closure, EnumValue, ErrorValue, Key, NativeFn, Range, Value};

/// How deep a value may nest to be sent (the copy and its rebuilding are
/// recursive).
const MAX_DEPTH: usize = 256;

/// Units of work (limits.rs) charged per value copied.
const UNITS_PER_VALUE: u64 = 4;

/// A deep copy of a value that may cross threads. Containers are behind
/// an `Arc`: a part the value holds several times is copied once and
/// shared, and [`materialize`] rebuilds it once, so the copy keeps the
/// value's shape (and a list holding two references to the list below
/// it, forty levels deep, stays small instead of unfolding).
#[derive(Clone)]
pub enum SendValue {
    /// `nil`.
    Nil,
    /// A bool.
    Bool(bool),
    /// An int.
    Int(i64),
    /// A float.
    Float(f64),
    /// A fixed-scale decimal.
    Decimal(crate::runtime::decimal::Decimal),
    /// A big int.
    BigInt(BigInt),
    /// A string.
    Str(String),
    /// A list.
    List(Arc<Vec<SendValue>>),
    /// A dict's entries in order.
    Dict(Arc<Vec<(SendValue, SendValue)>>),
    /// A tuple.
    Tuple(Arc<Vec<SendValue>>),
    /// A range.
    Range(Range),
    /// A closure: function index and the contents of its captured cells.
    /// The prototype goes along: a closure queued in a channel keeps its
    /// function from being released (`Vm::functions_held`).
    Function(
        u32,
        Vec<SendValue>,
        std::sync::Arc<crate::program::FunctionProto>,
    ),
    /// A built-in function.
    Native(&'static NativeFn),
    /// A bound method.
    BoundMethod(Box<SendValue>, Option<u32>, String),
    /// An error value.
    Error(String, String),
    /// A frame (class) by index.
    Class(u32),
    /// An instance: class index and fields.
    /// Whether its `deinit` already ran or belongs to another copy
    /// (`Instance::finalized`, parking.rs) is the last part.
    Instance(u32, Arc<Vec<SendValue>>, bool),
    /// An enum value: enum index, tag, payload.
    Enum(u16, u16, Arc<Vec<SendValue>>),
    /// A channel handle (shared, not copied).
    Channel(Arc<Channel>),
    /// An object of the host program: the same object, on every thread.
    HostObject(
        Arc<crate::host_object::HostClass>,
        Arc<dyn std::any::Any + Send + Sync>,
    ),
    /// A shared cell handle (shared, not copied).
    Shared(Arc<SharedCell>),
    /// A channel item whose original stays with the VM that sent it
    /// (parking.rs), with a copy for a receiver on another thread.
    Parked(Arc<Ticket>, Box<SendValue>),
}

impl SendValue {
    /// The approximate heap bytes of the value (as `limits.rs` counts
    /// them), a part held several times counted once.
    pub fn heap_bytes(&self) -> usize {
        let mut seen = FxHashSet::default();
        let mut total = 0usize;
        let mut work = vec![self];
        while let Some(v) = work.pop() {
            total = total.saturating_add(match v {
                SendValue::Str(s) => crate::limits::STR_HEADER + s.len(),
                SendValue::BigInt(b) => crate::limits::BIGINT_HEADER + (b.bits() as usize) / 8,
                SendValue::List(a)
                | SendValue::Tuple(a)
                | SendValue::Instance(_, a, _)
                | SendValue::Enum(_, _, a) => {
                    if !seen.insert(Arc::as_ptr(a) as usize) {
                        continue;
                    }
                    work.extend(a.iter());
                    crate::limits::OBJECT_HEADER + a.len() * crate::limits::SLOT_BYTES
                }
                SendValue::Dict(a) => {
                    if !seen.insert(Arc::as_ptr(a) as usize) {
                        continue;
                    }
                    for (k, x) in a.iter() {
                        work.push(k);
                        work.push(x);
                    }
                    crate::limits::OBJECT_HEADER + a.len() * crate::limits::ENTRY_BYTES
                }
                SendValue::Function(_, captures, _) => {
                    work.extend(captures.iter());
                    crate::limits::OBJECT_HEADER + captures.len() * crate::limits::SLOT_BYTES
                }
                SendValue::BoundMethod(receiver, _, name) => {
                    work.push(receiver);
                    crate::limits::OBJECT_HEADER + name.len()
                }
                SendValue::Error(kind, message) => {
                    crate::limits::OBJECT_HEADER + kind.len() + message.len()
                }
                SendValue::Parked(_, copy) => {
                    work.push(copy);
                    crate::limits::SLOT_BYTES
                }
                _ => crate::limits::SLOT_BYTES,
            });
        }
        total
    }
}

/// Deep-copy `v` into a sendable value. Iterators, host functions, cyclic
/// values and structures nested deeper than `MAX_DEPTH` raise `TypeError`;
/// the copy's work counts against the step limit.
pub fn to_send(v: &Value) -> Result<SendValue, Trap> {
    Copier::default().copy(v, 0)
}

/// The address of a value that is copied once however often it is held.
fn container_id(v: &Value) -> Option<usize> {
    match v {
        Value::List(l) => Some(Rc::as_ptr(l) as *const () as usize),
        Value::Dict(d) => Some(Rc::as_ptr(d) as *const () as usize),
        Value::Tuple(t) => Some(Rc::as_ptr(t) as *const () as usize),
        Value::Instance(i) => Some(i.as_ptr() as usize),
        Value::Enum(e) => Some(Rc::as_ptr(e) as *const () as usize),
        _ => None,
    }
}

/// One deep copy: the containers being copied (the path from the top
/// value down: meeting one again is a cycle) and those already copied.
#[derive(Default)]
struct Copier {
    open: FxHashSet<usize>,
    done: FxHashMap<usize, SendValue>,
    uncharged: u64,
}

impl Copier {
    fn copy(&mut self, v: &Value, depth: usize) -> Result<SendValue, Trap> {
        self.uncharged += UNITS_PER_VALUE;
        if self.uncharged >= 4096 {
            crate::limits::charge_units(std::mem::take(&mut self.uncharged))?;
        }
        let Some(id) = container_id(v) else {
            return self.copy_leaf(v, depth);
        };
        if let Some(copied) = self.done.get(&id) {
            return Ok(copied.clone());
        }
        if depth > MAX_DEPTH {
            return fail(
                kinds::TYPE_ERROR,
                &format!("a value nested more than {MAX_DEPTH} levels deep cannot cross tasks"),
            );
        }
        if !self.open.insert(id) {
            return fail(
                kinds::TYPE_ERROR,
                "a cyclic value (one that contains itself) cannot cross tasks",
            );
        }
        let copied = self.copy_container(v, depth);
        self.open.remove(&id);
        let copied = copied?;
        self.done.insert(id, copied.clone());
        Ok(copied)
    }

    fn all(&mut self, items: &[Value], depth: usize) -> Result<Arc<Vec<SendValue>>, Trap> {
        let mut out = Vec::with_capacity(items.len());
        for x in items {
            out.push(self.copy(x, depth + 1)?);
        }
        Ok(Arc::new(out))
    }

    fn copy_container(&mut self, v: &Value, depth: usize) -> Result<SendValue, Trap> {
        Ok(match v {
            Value::List(l) => {
                let items = l.items.borrow().clone();
                SendValue::List(self.all(&items, depth)?)
            }
            Value::Tuple(t) => SendValue::Tuple(self.all(&t.items, depth)?),
            Value::Dict(d) => {
                let pairs: Vec<(Value, Value)> = d
                    .map
                    .borrow()
                    .iter()
                    .map(|(k, x)| (k.0.clone(), x.clone()))
                    .collect();
                let mut entries = Vec::with_capacity(pairs.len());
                for (k, x) in &pairs {
                    entries.push((self.copy(k, depth + 1)?, self.copy(x, depth + 1)?));
                }
                SendValue::Dict(Arc::new(entries))
            }
            Value::Instance(i) => {
                let fields = i.values();
                SendValue::Instance(i.class.id, self.all(&fields, depth)?, i.finalized())
            }
            Value::Enum(e) => SendValue::Enum(e.enum_id, e.tag, self.all(&e.payload, depth)?),
            _ => self.copy_leaf(v, depth)?,
        })
    }

    fn copy_leaf(&mut self, v: &Value, depth: usize) -> Result<SendValue, Trap> {
        if depth > MAX_DEPTH {
            return fail(
                kinds::TYPE_ERROR,
                &format!("a value nested more than {MAX_DEPTH} levels deep cannot cross tasks"),
            );
        }
        Ok(match v {
            Value::Nil => SendValue::Nil,
            Value::Bool(b) => SendValue::Bool(*b),
            Value::Int(i) => SendValue::Int(*i),
            Value::Float(f) => SendValue::Float(*f),
            Value::BigInt(b) => SendValue::BigInt(BigInt::clone(b)),
            Value::Decimal(d) => SendValue::Decimal(**d),
            Value::Str(s) => SendValue::Str(s.text.to_string()),
            Value::Range(r) => SendValue::Range(**r),
            Value::Function(c) => {
                let mut captures = Vec::with_capacity(c.captures.len());
                // A captured cell is sent as the value it holds.
                for captured in c.captures.iter() {
                    captures.push(self.copy(captured, depth + 1)?);
                }
                SendValue::Function(c.index, captures, c.proto.clone())
            }
            Value::Native(n) => SendValue::Native(n),
            Value::BoundMethod(b) => SendValue::BoundMethod(
                Box::new(self.copy(&b.receiver, depth + 1)?),
                b.function,
                b.name.to_string(),
            ),
            Value::Cell(c) => {
                let inner = c.borrow().clone();
                self.copy(&inner, depth + 1)?
            }
            Value::Error(e) => SendValue::Error(e.kind.to_string(), e.message.to_string()),
            Value::Class(c) => SendValue::Class(c.id),
            Value::Channel(c) => SendValue::Channel(c.clone()),
            // Shared, not copied: its class and data are `Send + Sync`,
            // the data behind the host's lock (host_object.rs).
            Value::HostObject(o) => SendValue::HostObject(o.class.clone(), o.data.clone()),
            Value::Shared(s) => SendValue::Shared(s.clone()),
            Value::Iterator(_) => {
                return fail(kinds::TYPE_ERROR, "an iterator cannot cross tasks");
            }
            Value::Host(_) => {
                return fail(kinds::TYPE_ERROR, "a host function cannot cross tasks");
            }
            Value::List(_)
            | Value::Tuple(_)
            | Value::Dict(_)
            | Value::Instance(_)
            | Value::Enum(_) => return self.copy_container(v, depth),
        })
    }
}

/// Turn a sendable value back into a value of `vm`'s heap (a part the
/// copy shares is rebuilt once and shared again).
pub fn materialize(vm: &Vm, v: &SendValue) -> Value {
    Builder {
        vm,
        done: FxHashMap::default(),
    }
    .build(v)
}

struct Builder<'a> {
    vm: &'a Vm,
    done: FxHashMap<usize, Value>,
}

impl Builder<'_> {
    fn all(&mut self, items: &[SendValue]) -> Vec<Value> {
        items.iter().map(|x| self.build(x)).collect()
    }

    fn build(&mut self, v: &SendValue) -> Value {
        let id = match v {
            SendValue::List(a) | SendValue::Tuple(a) | SendValue::Instance(_, a, _) => {
                Some(Arc::as_ptr(a) as usize)
            }
            SendValue::Enum(_, _, a) => Some(Arc::as_ptr(a) as usize),
            SendValue::Dict(a) => Some(Arc::as_ptr(a) as usize),
            _ => None,
        };
        if let Some(id) = id {
            // Only parts held more than once need remembering.
            let shared = match v {
                SendValue::List(a) | SendValue::Tuple(a) | SendValue::Instance(_, a, _) => {
                    Arc::strong_count(a) > 1
                }
                SendValue::Enum(_, _, a) => Arc::strong_count(a) > 1,
                SendValue::Dict(a) => Arc::strong_count(a) > 1,
                _ => false,
            };
            if shared {
                if let Some(built) = self.done.get(&id) {
                    return built.clone();
                }
                let built = self.build_one(v);
                self.done.insert(id, built.clone());
                return built;
            }
        }
        self.build_one(v)
    }

    fn build_one(&mut self, v: &SendValue) -> Value {
        let vm = self.vm;
        match v {
            SendValue::Nil => Value::Nil,
            SendValue::Bool(b) => Value::Bool(*b),
            SendValue::Int(i) => Value::Int(*i),
            SendValue::Float(f) => Value::Float(*f),
            SendValue::BigInt(b) => Value::from_bigint(b.clone()),
            SendValue::Decimal(d) => Value::decimal(*d),
            SendValue::Str(s) => Value::str(s),
            SendValue::List(items) => Value::list(self.all(items)),
            SendValue::Tuple(items) => Value::tuple(self.all(items)),
            SendValue::Dict(entries) => {
                let mut map = crate::value::DictMap::default();
                for (k, x) in entries.iter() {
                    let k = self.build(k);
                    let x = self.build(x);
                    map.insert(Key(k), x);
                }
                Value::dict(map)
            }
            SendValue::Range(r) => Value::Range(Rc::new(*r)),
            SendValue::Function(index, captures, proto) => {
                let proto = proto.clone();
                let captures = captures
                    .iter()
                    // Cells again: the task's code may assign a captured
                    // variable, which needs one (reading through it works
                    // for a variable captured by value too).
                    .map(|c| Value::Cell(Value::new_cell(self.build(c))))
                    .collect();
                Value::closure(Closure::new(*index, proto, captures))
            }
            SendValue::Native(n) => Value::Native(n),
            SendValue::BoundMethod(receiver, function, name) => {
                Value::BoundMethod(Rc::new(BoundMethod {
                    receiver: self.build(receiver),
                    function: *function,
                    name: name.as_str().into(),
                }))
            }
            SendValue::Error(kind, message) => Value::Error(Rc::new(ErrorValue {
                kind: kind.as_str().into(),
                message: message.as_str().into(),
            })),
            SendValue::Class(id) => Value::Class(vm.classes[*id as usize].clone()),
            SendValue::Instance(id, fields, finalized) => {
                let fields = self.all(fields);
                let v = Value::instance(vm.classes[*id as usize].clone(), fields);
                if *finalized {
                    if let Value::Instance(i) = &v {
                        i.set_finalized();
                    }
                }
                v
            }
            SendValue::Enum(id, tag, payload) => Value::Enum(Rc::new(EnumValue::new(
                vm.enums[*id as usize].clone(),
                *id,
                *tag,
                self.all(payload).into_boxed_slice(),
            ))),
            SendValue::Channel(c) => Value::Channel(c.clone()),
            SendValue::HostObject(class, data) => {
                Value::HostObject(Rc::new(crate::host_object::HostObject {
                    class: class.clone(),
                    data: data.clone(),
                }))
            }
            SendValue::Shared(s) => Value::Shared(s.clone()),
            SendValue::Parked(ticket, copy) => {
                ticket.mark_copied();
                self.build(copy)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::{FunctionProto, Program};
    use crate::value::display;

    #[test]
    fn round_trips_nested_values() {
        let vm = Vm::new(
            Program {
                functions: vec![FunctionProto::default()],
                ..Program::default()
            },
            Default::default(),
        );
        let v = Value::list(vec![
            Value::Int(1),
            Value::tuple(vec![Value::str("a"), Value::Float(2.5)]),
        ]);
        let back = materialize(&vm, &to_send(&v).unwrap());
        assert_eq!(display(&back), display(&v));
    }

    #[test]
    fn a_part_held_twice_is_copied_once_and_shared_again() {
        let vm = Vm::new(
            Program {
                functions: vec![FunctionProto::default()],
                ..Program::default()
            },
            Default::default(),
        );
        // Forty levels of [x, x]: unfolded, 2^40 leaves.
        let mut v = Value::list(vec![Value::Int(1)]);
        for _ in 0..40 {
            v = Value::list(vec![v.clone(), v]);
        }
        let sent = to_send(&v).unwrap();
        let back = materialize(&vm, &sent);
        let (Value::List(top), Value::List(orig)) = (&back, &v) else {
            panic!("lists expected");
        };
        let items = top.items.borrow();
        let (Value::List(a), Value::List(b)) = (&items[0], &items[1]) else {
            panic!("lists expected");
        };
        assert!(Rc::ptr_eq(a, b), "the shared part is rebuilt once");
        assert!(!Rc::ptr_eq(top, orig), "a copy, not the original");
    }

    #[test]
    fn a_cyclic_list_is_refused() {
        let v = Value::list(vec![]);
        if let Value::List(l) = &v {
            l.items.borrow_mut().push(v.clone());
        }
        assert!(to_send(&v).is_err());
        if let Value::List(l) = &v {
            l.items.borrow_mut().clear();
        }
    }
}
