//! Writes a `parallel` task makes into its copies of outer values.
//!
//! A parallel task runs on another thread with deep copies of the values
//! it captures and of the globals (sendable.rs). The checker rejects the
//! in-place mutations it can see (§9 Decision); one it cannot see — a
//! method called on an `any`-typed value, a helper reached through a
//! function value, a helper that assigns a global — would change only the
//! copy and be lost. After each task the captured values are compared with
//! the snapshot they were built from, and after each thread its globals
//! are; a difference is an error naming the variable, never a silent loss.
//!
//! The comparison walks the live value and its snapshot side by side
//! without copying anything; each pair of parts is compared once, so a
//! value holding one part many times costs its size, not its unfolding.

use std::rc::Rc;
use std::sync::Arc;

use rustc_hash::FxHashSet;

use crate::errors::{kinds, trap, Trap};
use crate::runtime::sendable::SendValue;
use crate::value::Value;

/// The error for a write a parallel task made into its copy of `name` (a
/// variable name as the program spells it).
pub fn lost_write(name: &str) -> Trap {
    trap(
        kinds::ERROR,
        &format!(
            "a parallel task changed `{name}` (through a method or helper it called); \
             tasks run on other threads with copies of outer values, so the change would be \
             lost — send results through a channel instead"
        ),
    )
}

/// Whether `live` still holds what `snapshot` (the copy it was built
/// from) holds. Whether an instance gave up its `deinit` does not count; a
/// shared cell or channel must be the same handle (writes through them are
/// synchronised, not lost).
pub fn unchanged(live: &Value, snapshot: &SendValue) -> bool {
    Walk::default().same(live, snapshot)
}

/// The index of the first capture of closure `live` that differs from its
/// snapshot, if any.
pub fn changed_capture(live: &Value, snapshot: &SendValue) -> Option<usize> {
    let (Value::Function(c), SendValue::Function(_, sent, _)) = (live, snapshot) else {
        return None;
    };
    let mut walk = Walk::default();
    (0..c.captures.len().max(sent.len())).find(|&i| match (c.captures.get(i), sent.get(i)) {
        (Some(v), Some(s)) => !walk.same(v, s),
        _ => true,
    })
}

/// Pairs (live part, snapshot part) already compared or being compared.
#[derive(Default)]
struct Walk {
    met: FxHashSet<(usize, usize)>,
}

impl Walk {
    /// False when the pair was met before: it is (being) compared there.
    fn first_meeting<T: ?Sized, U>(&mut self, live: *const T, sent: &Arc<U>) -> bool {
        self.met
            .insert((live as *const () as usize, Arc::as_ptr(sent) as usize))
    }

    fn all(&mut self, live: &[Value], sent: &[SendValue]) -> bool {
        live.len() == sent.len() && live.iter().zip(sent).all(|(v, s)| self.same(v, s))
    }

    fn same(&mut self, live: &Value, sent: &SendValue) -> bool {
        use SendValue as S;
        match (live, sent) {
            (Value::Cell(c), _) => self.same(&c.borrow(), sent),
            (_, S::Parked(_, copy)) => self.same(live, copy),
            (Value::Nil, S::Nil) => true,
            (Value::Bool(x), S::Bool(y)) => x == y,
            (Value::Int(x), S::Int(y)) => x == y,
            (Value::Float(x), S::Float(y)) => x.to_bits() == y.to_bits(),
            (Value::BigInt(x), S::BigInt(y)) => num_bigint::BigInt::clone(x) == *y,
            (Value::Decimal(x), S::Decimal(y)) => **x == *y,
            (Value::Str(x), S::Str(y)) => *x.text == **y,
            (Value::Range(x), S::Range(y)) => {
                x.start == y.start && x.end == y.end && x.step == y.step
            }
            (Value::List(l), S::List(items)) => {
                if !self.first_meeting(Rc::as_ptr(l), items) {
                    return true;
                }
                // Comparing only reads, so the borrow may stay open
                // while the parts below are compared.
                let live = l.items.borrow();
                self.all(&live, items)
            }
            (Value::Tuple(t), S::Tuple(items)) => {
                !self.first_meeting(Rc::as_ptr(t), items) || self.all(&t.items, items)
            }
            (Value::Dict(d), S::Dict(entries)) => {
                if !self.first_meeting(Rc::as_ptr(d), entries) {
                    return true;
                }
                let map = d.map.borrow();
                map.len() == entries.len()
                    && map
                        .iter()
                        .zip(entries.iter())
                        .all(|((k, x), (sk, sx))| self.same(&k.0, sk) && self.same(x, sx))
            }
            (Value::Instance(i), S::Instance(class, fields, _)) => {
                if i.class.id != *class {
                    return false;
                }
                if !self.first_meeting(i.as_ptr(), fields) {
                    return true;
                }
                let live = i.values();
                self.all(&live, fields)
            }
            (Value::Enum(e), S::Enum(id, tag, payload)) => {
                e.enum_id == *id
                    && e.tag == *tag
                    && (!self.first_meeting(Rc::as_ptr(e), payload)
                        || self.all(&e.payload, payload))
            }
            (Value::Function(c), S::Function(index, captures, _)) => {
                c.index == *index && self.all(&c.captures, captures)
            }
            (Value::Native(f), S::Native(g)) => std::ptr::eq(*f, *g),
            (Value::BoundMethod(b), S::BoundMethod(receiver, function, name)) => {
                b.function == *function && *b.name == **name && self.same(&b.receiver, receiver)
            }
            (Value::Error(e), S::Error(kind, message)) => {
                *e.kind == **kind && *e.message == **message
            }
            (Value::Class(c), S::Class(id)) => c.id == *id,
            (Value::Channel(x), S::Channel(y)) => Arc::ptr_eq(x, y),
            (Value::Shared(x), S::Shared(y)) => Arc::ptr_eq(x, y),
            // A host object is shared, not copied: a change through it is
            // no lost write (every thread reaches the one object).
            (Value::HostObject(x), S::HostObject(_, data)) => {
                std::ptr::addr_eq(Arc::as_ptr(&x.data), Arc::as_ptr(data))
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::sendable::to_send;

    #[test]
    fn an_untouched_value_is_unchanged() {
        let inner = Value::list(vec![Value::Int(1), Value::str("a")]);
        let v = Value::list(vec![inner.clone(), inner, Value::Float(f64::NAN)]);
        let snapshot = to_send(&v).unwrap();
        assert!(unchanged(&v, &snapshot));
    }

    #[test]
    fn a_push_deep_inside_is_a_change() {
        let inner = Value::list(vec![Value::Int(1)]);
        let v = Value::tuple(vec![Value::Int(0), inner.clone()]);
        let snapshot = to_send(&v).unwrap();
        if let Value::List(l) = &inner {
            l.items.borrow_mut().push(Value::Int(2));
        }
        assert!(!unchanged(&v, &snapshot));
    }

    #[test]
    fn a_value_made_cyclic_by_the_task_is_a_change_and_the_walk_ends() {
        let v = Value::list(vec![Value::Int(1)]);
        let snapshot = to_send(&v).unwrap();
        if let Value::List(l) = &v {
            l.items.borrow_mut().push(v.clone());
        }
        assert!(!unchanged(&v, &snapshot));
        if let Value::List(l) = &v {
            l.items.borrow_mut().clear();
        }
    }

    #[test]
    fn a_part_held_many_times_is_compared_once() {
        // Forty levels of [x, x]: unfolded, 2^40 leaves.
        let mut v = Value::list(vec![Value::Int(1)]);
        for _ in 0..40 {
            v = Value::list(vec![v.clone(), v]);
        }
        let snapshot = to_send(&v).unwrap();
        assert!(unchanged(&v, &snapshot));
    }
}
