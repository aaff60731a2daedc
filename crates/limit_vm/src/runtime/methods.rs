//! Method dispatch for built-in types. Method names are interned to a
//! `Method` id when the program is loaded, so a call does not hash strings.
//! Which methods each type has, and their signatures, is
//! `limit_bytecode::builtins`.

use crate::errors::{fail, kinds, Trap};
use crate::interp::Vm;
use crate::runtime::{collections, strings};
use crate::value::Value;
use limit_bytecode::builtins::{self as table, Receiver};
pub use limit_bytecode::methods::Method;
use std::sync::OnceLock;

/// Call built-in method `m` (spelled `name`) on `receiver` (its argument
/// count is checked by the caller, `Vm::invoke_builtin`).
pub fn invoke(
    vm: &mut Vm,
    m: Method,
    name: &str,
    receiver: &Value,
    args: &[Value],
) -> Result<Value, Trap> {
    match receiver {
        Value::Str(s) => strings::method(m, name, s, args),
        Value::List(_) => collections::list_method(m, name, receiver, args),
        Value::Dict(d) => collections::dict_method(m, name, d, args),
        Value::Tuple(t) => match m {
            Method::Len => Ok(Value::Int(t.items.len() as i64)),
            Method::Contains => Ok(Value::Bool(
                t.items
                    .iter()
                    .any(|x| crate::value::equals(x, arg(args, 0))),
            )),
            _ => no_method(receiver, name),
        },
        Value::Range(r) => match m {
            Method::Len => Ok(Value::Int(r.len())),
            Method::Contains => Ok(Value::Bool(
                matches!(arg(args, 0), Value::Int(x) if r.contains(*x)),
            )),
            _ => no_method(receiver, name),
        },
        Value::Channel(ch) => crate::runtime::channel::method(vm, m, name, &ch.clone(), args),
        Value::Nil => fail(kinds::NIL_ACCESS, &format!("cannot call {name}() on nil")),
        _ => match m {
            Method::ToStr => crate::value::display_value(receiver),
            _ => no_method(receiver, name),
        },
    }
}

/// The kind of built-in receiver `v` is, for the table.
fn receiver_kind(v: &Value) -> Receiver {
    match v {
        Value::Str(_) => Receiver::Str,
        Value::List(_) => Receiver::List,
        Value::Dict(_) => Receiver::Dict,
        Value::Tuple(_) => Receiver::Tuple,
        Value::Range(_) => Receiver::Range,
        Value::Channel(_) => Receiver::Channel,
        _ => Receiver::Any,
    }
}

/// `(least, most)` arguments of each method on each kind of receiver, from
/// the table (`(0, 0)` where the method does not exist: its dispatch
/// reports that).
type ArityTable = Vec<[(u8, u8); RECEIVER_KINDS]>;

const RECEIVER_KINDS: usize = 7;

fn arities() -> &'static ArityTable {
    static TABLE: OnceLock<ArityTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut arities = vec![[(u8::MAX, 0u8); RECEIVER_KINDS]; Method::Unknown as usize + 1];
        for entry in table::METHODS {
            let (least, most) = table::arity(entry.sig);
            const EVERY: [Receiver; RECEIVER_KINDS] = [
                Receiver::Str,
                Receiver::List,
                Receiver::Dict,
                Receiver::Tuple,
                Receiver::Range,
                Receiver::Channel,
                Receiver::Any,
            ];
            let kinds: &[Receiver] = if entry.on == Receiver::Any {
                &EVERY
            } else {
                std::slice::from_ref(&entry.on)
            };
            for kind in kinds {
                let slot = &mut arities[entry.method as usize][*kind as usize];
                *slot = (slot.0.min(least), slot.1.max(most));
            }
        }
        arities
    })
}

/// Whether `m` is a built-in method of dicts (which an entry of the same
/// name does not shadow: `Vm::invoke`).
pub(crate) fn is_dict_method(m: Method) -> bool {
    let (least, most) = arities()[m as usize][Receiver::Dict as usize];
    least <= most
}

/// A TypeError when the table gives method `m` on `receiver` no signature
/// taking `argc` arguments (the checker reports the same at compile time
/// when it knows the receiver's type).
pub(crate) fn check_arity(
    m: Method,
    name: &str,
    receiver: &Value,
    argc: usize,
) -> Result<(), Trap> {
    let (least, most) = arities()[m as usize][receiver_kind(receiver) as usize];
    if least == u8::MAX
        || (argc >= least as usize && (most == table::VARIADIC || argc <= most as usize))
    {
        return Ok(());
    }
    let takes = if least == most {
        format!("{least}")
    } else {
        format!("{least} to {most}")
    };
    fail(
        kinds::TYPE_ERROR,
        &format!("{name}() takes {takes} arguments, got {argc}"),
    )
}

/// Argument `i`, or nil when absent.
pub fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Nil)
}

/// The TypeError for an unknown method.
pub fn no_method(receiver: &Value, name: &str) -> Result<Value, Trap> {
    // An error value reached where a value was expected: say which error
    // (a global a parallel task could not copy is one).
    if let Value::Error(e) = receiver {
        return fail(
            kinds::TYPE_ERROR,
            &format!(
                "an error has no method {name} (the value is the error {}: {})",
                e.kind, e.message
            ),
        );
    }
    fail(
        kinds::TYPE_ERROR,
        &format!(
            "{} has no method {}",
            receiver.type_name_with_article(),
            name
        ),
    )
}

/// Argument `i` as an int. A big int saturates: as a count, width or
/// position it is beyond any string or list (callers taking an index
/// report a big one with `big_index_error`).
pub fn int_arg(args: &[Value], i: usize, what: &str) -> Result<i64, Trap> {
    use num_traits::Signed;
    match arg(args, i) {
        Value::Int(n) => Ok(*n),
        Value::BigInt(n) => Ok(if n.is_negative() { i64::MIN } else { i64::MAX }),
        other => fail(
            kinds::TYPE_ERROR,
            &format!("{what} expects an int, got {}", other.type_name()),
        ),
    }
}

/// Argument `i` as a string.
pub fn str_arg<'a>(args: &'a [Value], i: usize, what: &str) -> Result<&'a str, Trap> {
    match arg(args, i) {
        Value::Str(s) => Ok(&s.text),
        other => fail(
            kinds::TYPE_ERROR,
            &format!("{what} expects a str, got {}", other.type_name()),
        ),
    }
}
