//! Method dispatch for built-in types. Method names are interned to a
//! `Method` id when the program is loaded, so a call does not hash strings.

use crate::errors::{fail, kinds, Trap};
use crate::interp::Vm;
use crate::runtime::{collections, strings};
use crate::value::Value;

macro_rules! methods {
    ($($variant:ident => $($name:literal)|+),* $(,)?) => {
        /// A built-in method name, interned.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Method {
            $(
                #[doc = concat!("`", $($name, " ",)+ "`")]
                $variant,
            )*
            /// Not a built-in method name.
            Unknown,
        }

        impl Method {
            /// Intern a method name.
            pub fn from_name(name: &str) -> Method {
                match name {
                    $($($name)|+ => Method::$variant,)*
                    _ => Method::Unknown,
                }
            }
        }
    };
}

methods! {
    Len => "len" | "length" | "size",
    Upper => "upper" | "to_upper",
    Lower => "lower" | "to_lower",
    Trim => "trim",
    Split => "split",
    Join => "join",
    Contains => "contains" | "has",
    StartsWith => "starts_with",
    EndsWith => "ends_with",
    Find => "find",
    Replace => "replace",
    Substring => "substring",
    Chars => "chars",
    Repeat => "repeat",
    Push => "push" | "append",
    Pop => "pop",
    Insert => "insert",
    Remove => "remove",
    IndexOf => "index_of",
    Slice => "slice",
    Reverse => "reverse",
    Sort => "sort",
    Map => "map",
    Filter => "filter",
    Reduce => "reduce",
    Clear => "clear",
    Keys => "keys",
    Values => "values",
    Items => "items",
    Get => "get",
    IsEmpty => "is_empty",
    ToStr => "to_string" | "str",
    Copy => "copy" | "clone",
}

/// Call built-in method `m` (spelled `name`) on `receiver`.
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
        Value::Channel(ch) => crate::runtime::channel::method(vm, name, &ch.clone(), args),
        Value::Nil => fail(kinds::NIL_ACCESS, &format!("cannot call {name}() on nil")),
        _ => match m {
            Method::ToStr => crate::value::display_value(receiver),
            _ => no_method(receiver, name),
        },
    }
}

/// Argument `i`, or nil when absent.
pub fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Nil)
}

/// The TypeError for an unknown method.
pub fn no_method(receiver: &Value, name: &str) -> Result<Value, Trap> {
    fail(
        kinds::TYPE_ERROR,
        &format!("a {} has no method {}", receiver.type_name(), name),
    )
}

/// Argument `i` as an int.
pub fn int_arg(args: &[Value], i: usize, what: &str) -> Result<i64, Trap> {
    match arg(args, i) {
        Value::Int(n) => Ok(*n),
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
