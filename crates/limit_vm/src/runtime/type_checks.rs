//! `CheckType`: a value whose static type was not known to fit entering a
//! place with a declared type (reference.md §3, "`any`: checked at run
//! time"). The check is the compiler's `limit_bytecode::type_check`
//! form of the type; a value that does not conform raises
//! `ConversionError: expected int, got str`, naming where inside a
//! container the mismatch is (`expected [int], got str (at [2])`).
//!
//! A list, dict or tuple is checked with its elements, once, as it enters
//! (O(n) in its size): the place may then rely on them. It is shared,
//! though, so a store through an untyped alias afterwards is not seen
//! (gradual typing checks boundaries, not every later store).

use crate::errors::{fail, kinds, Trap};
use crate::interp::Vm;
use crate::value::{Key, Value};
use limit_bytecode::program::NO_CHECK;
use limit_bytecode::type_check::{kind, TypeCheck};
use std::rc::Rc;

/// A check read from its constant: the type's printed name and its form.
#[derive(Debug)]
pub(crate) struct ParsedCheck {
    name: String,
    check: TypeCheck,
}

/// Where a mismatch was found and what was there.
struct Mismatch {
    got: String,
    /// From the outermost container in: `[2]`, `["a"]`, `.x`, `.0`.
    path: Vec<String>,
}

fn mismatch<T>(v: &Value) -> Result<T, Mismatch> {
    Err(Mismatch {
        got: v.type_name(),
        path: Vec::new(),
    })
}

/// The same result with `step` in front of its path.
fn inside<T>(result: Result<T, Mismatch>, step: impl FnOnce() -> String) -> Result<T, Mismatch> {
    result.map_err(|mut m| {
        m.path.insert(0, step());
        m
    })
}

/// Whether `v` is of the kind `Op::CheckKind` names (`type_check::kind`).
#[inline(always)]
pub(crate) fn kind_fits(code: u8, v: &Value) -> bool {
    match code {
        kind::INT => matches!(v, Value::Int(_) | Value::BigInt(_)),
        kind::FLOAT => matches!(v, Value::Float(_) | Value::Int(_) | Value::BigInt(_)),
        kind::STR => matches!(v, Value::Str(_)),
        kind::BOOL => matches!(v, Value::Bool(_)),
        kind::LIST => matches!(v, Value::List(_) | Value::Nil),
        kind::DICT => matches!(v, Value::Dict(_) | Value::Nil),
        _ => false,
    }
}

/// `expected T, got U` (where inside a container, if it is inside one).
fn mismatch_message(expected: &str, mut m: Mismatch) -> String {
    if m.got == expected {
        // A frame or enum of another module with the same name.
        m.got = format!("another type named {}", m.got);
    }
    let at = if m.path.is_empty() {
        String::new()
    } else {
        format!(" (at {})", m.path.concat())
    };
    format!("expected {expected}, got {}{at}", m.got)
}

impl Vm {
    /// `[v] -> [v]` for `CheckKind(code)`.
    pub(crate) fn check_top_kind(&self, code: u8) -> Result<(), Trap> {
        match self.stack.last() {
            Some(v) if !kind_fits(code, v) => fail(
                kinds::CONVERSION_ERROR,
                &format!(
                    "expected {}, got {}",
                    kind::NAMES.get(code as usize).copied().unwrap_or("?"),
                    v.type_name()
                ),
            ),
            _ => Ok(()),
        }
    }

    /// `[v] -> [v]` for `CheckType(check)`.
    pub(crate) fn check_top(&mut self, check: u32) -> Result<(), Trap> {
        let parsed = self.parsed_check(check)?;
        let Some(value) = self.stack.last() else {
            return Ok(());
        };
        match self.conforms(&parsed.check, value) {
            Ok(()) => Ok(()),
            Err(m) => fail(kinds::CONVERSION_ERROR, &mismatch_message(&parsed.name, m)),
        }
    }

    /// For `IsType(check)`: whether the value on top conforms to the check,
    /// a scalar by its own kind (an int is no `float`, a number no `dN`).
    pub(crate) fn is_type(&mut self, check: u32) -> Result<bool, Trap> {
        let parsed = self.parsed_check(check)?;
        let Some(value) = self.stack.last() else {
            return Ok(false);
        };
        Ok(self.is_of(&parsed.check, value))
    }

    /// Whether `v` is of the type `check` describes, as a type pattern
    /// tests: as `conforms`, except that `float` and `dN` (also as members
    /// of a union or an optional) take only their own kind of number, and
    /// `nil` is of no type but `nil` (a place of a frame type may hold it,
    /// but it is no instance).
    fn is_of(&self, check: &TypeCheck, v: &Value) -> bool {
        match check {
            TypeCheck::Nil | TypeCheck::Any => self.conforms(check, v).is_ok(),
            _ if matches!(v, Value::Nil) && !matches!(check, TypeCheck::Union(_)) => {
                matches!(check, TypeCheck::Optional(_))
            }
            TypeCheck::Float => matches!(v, Value::Float(_)),
            TypeCheck::Decimal => matches!(v, Value::Decimal(_)),
            TypeCheck::Union(members) => members.iter().any(|m| self.is_of(m, v)),
            TypeCheck::Optional(inner) => {
                matches!(v, Value::Nil | Value::Error(_)) || self.is_of(inner, v)
            }
            _ => self.conforms(check, v).is_ok(),
        }
    }

    /// After a `CallAny`/`InvokeAny` pushed the frame of a Limit function
    /// whose arguments end at stack height `top`: each argument given
    /// (not those filled in for omitted ones) checked against its
    /// parameter's declared type. A failure removes the frame, so that
    /// the error is raised at the call.
    pub(crate) fn check_entered_arguments(&mut self, top: usize) -> Result<(), Trap> {
        let Some((func, base)) = self.top_frame_start() else {
            return Ok(());
        };
        // A built-in method calling back (`map`, …) checks what it passes
        // to the function instead, call by call.
        if self.check_driven_calls(func, base) {
            return Ok(());
        }
        let Some(proto) = self.functions.get(func as usize) else {
            return Ok(());
        };
        if proto.param_checks.is_empty() {
            return Ok(());
        }
        let proto = proto.clone();
        let given = top.saturating_sub(base);
        for (slot, &check) in proto.param_checks.iter().enumerate().take(given) {
            if check == NO_CHECK {
                continue;
            }
            let parsed = self.parsed_check(check)?;
            let Some(value) = self.stack.get(base + slot) else {
                continue;
            };
            if let Err(m) = self.conforms(&parsed.check, value) {
                self.pop_entered_frame();
                let param = proto.param_names.get(slot).map_or("?", String::as_str);
                return fail(
                    kinds::CONVERSION_ERROR,
                    &format!(
                        "{} (argument `{param}` of `{}`)",
                        mismatch_message(&parsed.name, m),
                        proto.name
                    ),
                );
            }
        }
        Ok(())
    }

    fn parsed_check(&mut self, check: u32) -> Result<Rc<ParsedCheck>, Trap> {
        if let Some(parsed) = self.type_checks.get(&check) {
            return Ok(parsed.clone());
        }
        let text = self.constants.get(check as usize).and_then(Value::as_str);
        let Some((name, check_form)) = text.and_then(TypeCheck::parse_constant) else {
            return fail(
                kinds::ERROR,
                &format!("constant {check} is not a type check"),
            );
        };
        let parsed = Rc::new(ParsedCheck {
            name: name.to_string(),
            check: check_form,
        });
        self.type_checks.insert(check, parsed.clone());
        Ok(parsed)
    }

    /// Whether callable `v` takes arguments of `params` (`fn(int): R`): a
    /// function of the program takes that many, and each parameter it
    /// declares may hold such an argument; a built-in takes that many;
    /// other callables (bound methods, classes, host functions) are
    /// checked when called.
    fn takes(&self, params: &[TypeCheck], v: &Value) -> Result<(), Mismatch> {
        let count = params.len();
        let refused = |got: String| {
            Err(Mismatch {
                got,
                path: Vec::new(),
            })
        };
        match v {
            Value::Function(closure) => {
                let Some(proto) = self.functions.get(closure.index as usize) else {
                    return Ok(());
                };
                if count < proto.required as usize || count > proto.arity as usize {
                    return refused(format!(
                        "{} taking {}",
                        function_name(&proto.name),
                        argument_count(proto.required, proto.arity)
                    ));
                }
                for (slot, expected) in params.iter().enumerate() {
                    let Some(&check) = proto.param_checks.get(slot).filter(|&&c| c != NO_CHECK)
                    else {
                        continue;
                    };
                    let text = self.constants.get(check as usize).and_then(Value::as_str);
                    let Some((name, declared)) = text.and_then(TypeCheck::parse_constant) else {
                        continue;
                    };
                    if !may_accept(&declared, expected) {
                        let param = proto.param_names.get(slot).map_or("?", String::as_str);
                        return refused(format!(
                            "{} whose parameter `{param}` is {name}",
                            function_name(&proto.name)
                        ));
                    }
                }
                Ok(())
            }
            Value::Native(native) => {
                let variadic = native.max_args == 255;
                if count < native.min_args as usize
                    || (!variadic && count > native.max_args as usize)
                {
                    return refused(format!("{}() taking other arguments", native.name));
                }
                Ok(())
            }
            Value::BoundMethod(_) | Value::Host(_) | Value::Class(_) | Value::Nil => Ok(()),
            other => mismatch(other),
        }
    }

    /// Whether `v` conforms to `check` (recursion follows the check, whose
    /// depth the parser bounds).
    fn conforms(&self, check: &TypeCheck, v: &Value) -> Result<(), Mismatch> {
        let fits = match (check, v) {
            (TypeCheck::Any, _) => true,
            (TypeCheck::Optional(_), Value::Nil | Value::Error(_)) => true,
            (TypeCheck::Optional(inner), _) => return self.conforms(inner, v),
            (TypeCheck::Union(members), v) => members
                .iter()
                .any(|member| self.conforms(member, v).is_ok()),
            // As the checker lets `nil` into any type but the scalars.
            (
                TypeCheck::Int
                | TypeCheck::Float
                | TypeCheck::Decimal
                | TypeCheck::Str
                | TypeCheck::Bool,
                Value::Nil,
            ) => false,
            (_, Value::Nil) => true,
            (TypeCheck::Int, v) => matches!(v, Value::Int(_) | Value::BigInt(_)),
            (TypeCheck::Float, v) => {
                matches!(v, Value::Int(_) | Value::BigInt(_) | Value::Float(_))
            }
            (TypeCheck::Decimal, v) => matches!(
                v,
                Value::Int(_) | Value::BigInt(_) | Value::Float(_) | Value::Decimal(_)
            ),
            (TypeCheck::Str, v) => matches!(v, Value::Str(_)),
            (TypeCheck::Bool, v) => matches!(v, Value::Bool(_)),
            (TypeCheck::Nil, v) => matches!(v, Value::Nil),
            (TypeCheck::Range, v) => matches!(v, Value::Range(_)),
            (TypeCheck::Channel, v) => matches!(v, Value::Channel(_)),
            (TypeCheck::ErrorValue, v) => matches!(v, Value::Error(_)),
            (TypeCheck::Function, v) => matches!(
                v,
                Value::Function(_)
                    | Value::Native(_)
                    | Value::BoundMethod(_)
                    | Value::Host(_)
                    | Value::Class(_)
            ),
            (TypeCheck::Callable(params), v) => return self.takes(params, v),
            (TypeCheck::List(element), Value::List(list)) => {
                if !element.is_any() {
                    let items = list.items.borrow();
                    for (i, item) in items.iter().enumerate() {
                        inside(self.conforms(element, item), || format!("[{i}]"))?;
                    }
                }
                true
            }
            (TypeCheck::Dict(key, value), Value::Dict(dict)) => {
                if !key.is_any() || !value.is_any() {
                    let map = dict.map.borrow();
                    for (k, item) in map.iter() {
                        let shown = || format!("[{}]", crate::value::repr(&k.0));
                        inside(self.conforms(key, &k.0), shown)?;
                        inside(self.conforms(value, item), shown)?;
                    }
                }
                true
            }
            (TypeCheck::Tuple(items), Value::Tuple(tuple)) => {
                if items.len() != tuple.items.len() {
                    return Err(Mismatch {
                        got: format!("a tuple of {}", tuple.items.len()),
                        path: Vec::new(),
                    });
                }
                for (i, (item, value)) in items.iter().zip(tuple.items.iter()).enumerate() {
                    inside(self.conforms(item, value), || format!(".{i}"))?;
                }
                true
            }
            (TypeCheck::Record(fields), Value::Dict(dict)) => {
                let map = dict.map.borrow();
                for (name, field) in fields {
                    let key = Key(Value::string(name.clone()));
                    match map.get(&key) {
                        Some(item) => inside(self.conforms(field, item), || format!(".{name}"))?,
                        None => {
                            return Err(Mismatch {
                                got: format!("a dict without `{name}`"),
                                path: Vec::new(),
                            })
                        }
                    }
                }
                true
            }
            (TypeCheck::Record(fields), Value::Instance(instance)) => {
                for (name, field) in fields {
                    let Some(slot) = instance.class.field_slot(name) else {
                        return Err(Mismatch {
                            got: format!("{} without `{name}`", instance.class.name),
                            path: Vec::new(),
                        });
                    };
                    let item = instance.get(slot).unwrap_or_default();
                    inside(self.conforms(field, &item), || format!(".{name}"))?;
                }
                true
            }
            (TypeCheck::Frame(class), Value::Instance(instance)) => {
                self.is_subclass(instance.class.id, *class)
            }
            (TypeCheck::Class(class), Value::Class(c)) => self.is_subclass(c.id, *class),
            (TypeCheck::Trait(key), Value::Instance(instance)) => {
                instance.class.traits.iter().any(|t| **t == **key)
            }
            (TypeCheck::Enum(id), Value::Enum(e)) => e.enum_id == *id,
            (TypeCheck::Host(name), Value::HostObject(o)) => *o.class.name == **name,
            _ => false,
        };
        if fits {
            Ok(())
        } else {
            mismatch(v)
        }
    }
}

/// How traces name a function: `<lambda>` stays, others get `fn`.
fn function_name(name: &str) -> String {
    if name.starts_with('<') {
        format!("a function {name}")
    } else {
        format!("function `{name}`")
    }
}

/// "1 argument", "1 to 2 arguments".
fn argument_count(required: u16, total: u16) -> String {
    let plural = |n: u16| if n == 1 { "argument" } else { "arguments" };
    if required == total {
        format!("{total} {}", plural(total))
    } else {
        format!("{required} to {total} arguments")
    }
}

/// Whether a parameter declared with `declared` may hold an argument a
/// place typed with `expected` passes: false only when no value can be
/// both (two different kinds of scalar or container); what the forms
/// cannot tell apart (frames, traits, unions of those) is left to the
/// parameter's own check when the function is called.
fn may_accept(declared: &TypeCheck, expected: &TypeCheck) -> bool {
    use TypeCheck::*;
    match (declared, expected) {
        (Any, _) | (_, Any) => true,
        (Optional(inner), _) => matches!(expected, Nil) || may_accept(inner, expected),
        (_, Optional(inner)) => may_accept(declared, inner),
        (Union(members), _) => members.iter().any(|m| may_accept(m, expected)),
        (_, Union(members)) => members.iter().all(|m| may_accept(declared, m)),
        (Float, Int | Float) | (Decimal, Int | Float | Decimal) => true,
        (Function | Callable(_), Function | Callable(_)) => true,
        (List(_), List(_)) | (Dict(..), Dict(..)) | (Tuple(_), Tuple(_)) => true,
        (Record(_), Dict(..) | Record(_)) => true,
        (a, b) if kind_of(a).is_some() && kind_of(b).is_some() => kind_of(a) == kind_of(b),
        _ => true,
    }
}

/// The kind of value a check of a scalar or container accepts only
/// (`None`: frames, traits, classes, enums, hosts, records).
fn kind_of(check: &TypeCheck) -> Option<u8> {
    use TypeCheck::*;
    Some(match check {
        Int => 0,
        Float => 1,
        Decimal => 2,
        Str => 3,
        Bool => 4,
        Nil => 5,
        Range => 6,
        Channel => 7,
        Function | Callable(_) => 8,
        ErrorValue => 9,
        List(_) => 10,
        Dict(..) => 11,
        Tuple(_) => 12,
        _ => return None,
    })
}
