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

use crate::errors::{fail, kinds, Trap};
use crate::interp::Vm;
use crate::runtime::channel::Channel;
use crate::runtime::shared::SharedCell;
use crate::value::{BoundMethod, Closure, EnumValue, ErrorValue, Key, NativeFn, Range, Value};

/// How deep a value may nest to be sent (cycles end here too).
const MAX_DEPTH: usize = 256;

/// A deep copy of a value that may cross threads.
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
    List(Vec<SendValue>),
    /// A dict's entries in order.
    Dict(Vec<(SendValue, SendValue)>),
    /// A tuple.
    Tuple(Vec<SendValue>),
    /// A range.
    Range(Range),
    /// A closure: function index and the contents of its captured cells.
    Function(u32, Vec<SendValue>),
    /// A built-in function.
    Native(&'static NativeFn),
    /// A bound method.
    BoundMethod(Box<SendValue>, Option<u32>, String),
    /// An error value.
    Error(String, String),
    /// A frame (class) by index.
    Class(u32),
    /// An instance: class index and fields.
    Instance(u32, Vec<SendValue>),
    /// An enum value: enum index, tag, payload.
    Enum(u16, u16, Vec<SendValue>),
    /// A channel handle (shared, not copied).
    Channel(Arc<Channel>),
    /// A shared cell handle (shared, not copied).
    Shared(Arc<SharedCell>),
}

/// Deep-copy `v` into a sendable value. Iterators and cells that cannot
/// be copied, and structures nested deeper than `MAX_DEPTH`, raise
/// `TypeError`.
pub fn to_send(v: &Value) -> Result<SendValue, Trap> {
    to_send_depth(v, 0)
}

fn to_send_depth(v: &Value, depth: usize) -> Result<SendValue, Trap> {
    if depth > MAX_DEPTH {
        return fail(
            kinds::TYPE_ERROR,
            "value is nested too deeply (or cyclic) to cross tasks",
        );
    }
    let all = |items: &[Value]| -> Result<Vec<SendValue>, Trap> {
        items.iter().map(|x| to_send_depth(x, depth + 1)).collect()
    };
    Ok(match v {
        Value::Nil => SendValue::Nil,
        Value::Bool(b) => SendValue::Bool(*b),
        Value::Int(i) => SendValue::Int(*i),
        Value::Float(f) => SendValue::Float(*f),
        Value::BigInt(b) => SendValue::BigInt(BigInt::clone(b)),
        Value::Decimal(d) => SendValue::Decimal(**d),
        Value::Str(s) => SendValue::Str(s.text.to_string()),
        Value::List(l) => SendValue::List(all(&l.items.borrow())?),
        Value::Tuple(t) => SendValue::Tuple(all(&t.items)?),
        Value::Dict(d) => {
            let map = d.map.borrow();
            let mut entries = Vec::with_capacity(map.len());
            for (k, x) in map.iter() {
                entries.push((
                    to_send_depth(&k.0, depth + 1)?,
                    to_send_depth(x, depth + 1)?,
                ));
            }
            SendValue::Dict(entries)
        }
        Value::Range(r) => SendValue::Range(**r),
        Value::Function(c) => {
            let mut captures = Vec::with_capacity(c.captures.len());
            // A captured cell is sent as the value it holds.
            for captured in c.captures.iter() {
                captures.push(to_send_depth(captured, depth + 1)?);
            }
            SendValue::Function(c.index, captures)
        }
        Value::Native(n) => SendValue::Native(n),
        Value::BoundMethod(b) => SendValue::BoundMethod(
            Box::new(to_send_depth(&b.receiver, depth + 1)?),
            b.function,
            b.name.to_string(),
        ),
        Value::Cell(c) => to_send_depth(&c.borrow(), depth + 1)?,
        Value::Error(e) => SendValue::Error(e.kind.to_string(), e.message.to_string()),
        Value::Class(c) => SendValue::Class(c.id),
        Value::Instance(i) => SendValue::Instance(i.class.id, all(&i.fields.borrow())?),
        Value::Enum(e) => SendValue::Enum(e.enum_id, e.tag, all(&e.payload)?),
        Value::Channel(c) => SendValue::Channel(c.clone()),
        Value::Shared(s) => SendValue::Shared(s.clone()),
        Value::Iterator(_) => {
            return fail(kinds::TYPE_ERROR, "an iterator cannot cross tasks");
        }
        Value::Host(_) => {
            return fail(kinds::TYPE_ERROR, "a host function cannot cross tasks");
        }
    })
}

/// Turn a sendable value back into a value of `vm`'s heap.
pub fn materialize(vm: &Vm, v: &SendValue) -> Value {
    let all =
        |items: &[SendValue]| -> Vec<Value> { items.iter().map(|x| materialize(vm, x)).collect() };
    match v {
        SendValue::Nil => Value::Nil,
        SendValue::Bool(b) => Value::Bool(*b),
        SendValue::Int(i) => Value::Int(*i),
        SendValue::Float(f) => Value::Float(*f),
        SendValue::BigInt(b) => Value::from_bigint(b.clone()),
        SendValue::Decimal(d) => Value::decimal(*d),
        SendValue::Str(s) => Value::str(s),
        SendValue::List(items) => Value::list(all(items)),
        SendValue::Tuple(items) => Value::tuple(all(items)),
        SendValue::Dict(entries) => {
            let mut map = crate::value::DictMap::default();
            for (k, x) in entries {
                map.insert(Key(materialize(vm, k)), materialize(vm, x));
            }
            Value::dict(map)
        }
        SendValue::Range(r) => Value::Range(Rc::new(*r)),
        SendValue::Function(index, captures) => {
            let proto = vm.functions[*index as usize].clone();
            let captures = captures
                .iter()
                // Cells again: the task's code may assign a captured
                // variable, which needs one (reading through it works for
                // a variable captured by value too).
                .map(|c| Value::Cell(Value::new_cell(materialize(vm, c))))
                .collect();
            Value::closure(Closure::new(*index, proto, captures))
        }
        SendValue::Native(n) => Value::Native(n),
        SendValue::BoundMethod(receiver, function, name) => {
            Value::BoundMethod(Rc::new(BoundMethod {
                receiver: materialize(vm, receiver),
                function: *function,
                name: name.as_str().into(),
            }))
        }
        SendValue::Error(kind, message) => Value::Error(Rc::new(ErrorValue {
            kind: kind.as_str().into(),
            message: message.as_str().into(),
        })),
        SendValue::Class(id) => Value::Class(vm.classes[*id as usize].clone()),
        SendValue::Instance(id, fields) => {
            Value::instance(vm.classes[*id as usize].clone(), all(fields))
        }
        SendValue::Enum(id, tag, payload) => Value::Enum(Rc::new(EnumValue {
            info: vm.enums[*id as usize].clone(),
            enum_id: *id,
            tag: *tag,
            payload: all(payload).into_boxed_slice(),
        })),
        SendValue::Channel(c) => Value::Channel(c.clone()),
        SendValue::Shared(s) => Value::Shared(s.clone()),
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
