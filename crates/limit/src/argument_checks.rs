//! The arguments a host passes to a Limit function
//! ([`Engine::call`](crate::Engine::call)) checked against the types its
//! parameters declare. Inside a script the checker proves these; a value
//! from Rust is checked here instead, before the function runs, so a
//! function declared `fn area(w: int, h: int): int` never sees a string.

use std::borrow::Cow;

use limit_compiler::check::{FunctionType, Type};

use crate::conversions::{mismatch, within};
use crate::engine::{Error, Value};

/// `args` for a call of `name` with `signature`: each checked against its
/// parameter's type (an `int` given for a `float` becomes a float). A
/// wrong argument is a [`Error::Conversion`] naming it; too many
/// arguments are an error too (fewer are allowed: parameters with
/// defaults may be left out, and the function itself reports the rest).
pub(crate) fn check_arguments<'a>(
    name: &str,
    signature: &FunctionType,
    args: &'a [Value],
) -> Result<Cow<'a, [Value]>, Error> {
    let as_they_are = args.len() <= signature.params.len()
        && args
            .iter()
            .zip(&signature.params)
            .all(|(arg, param)| fits_as_it_is(arg, &param.ty));
    if as_they_are {
        // The common case, checked without copying the arguments.
        return Ok(Cow::Borrowed(args));
    }
    if args.len() > signature.params.len() {
        let wanted = signature.params.len();
        return Err(Error::Conversion(format!(
            "`{name}` takes {wanted} argument{}, but {} were given",
            if wanted == 1 { "" } else { "s" },
            args.len()
        )));
    }
    args.iter()
        .zip(&signature.params)
        .enumerate()
        .map(|(i, (arg, param))| {
            fit(arg, &param.ty).map_err(|e| {
                let which = match &param.name {
                    Some(param) => format!("argument {} (`{param}`) of `{name}`", i + 1),
                    None => format!("argument {} of `{name}`", i + 1),
                };
                match e {
                    Error::Conversion(m) => match m.strip_prefix("at ") {
                        Some(path) => Error::Conversion(format!("{which}, at {path}")),
                        None => Error::Conversion(format!("{which}: {m}")),
                    },
                    other => other,
                }
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Cow::Owned)
}

/// Whether `value` is of type `ty` without any conversion (what `fit`
/// would return unchanged), for the scalar types a call mostly passes.
fn fits_as_it_is(value: &Value, ty: &Type) -> bool {
    matches!(
        (ty, value),
        (Type::Any, _)
            | (Type::Int | Type::SizedInt(_), Value::Int(_))
            | (Type::Float, Value::Float(_))
            | (Type::Bool, Value::Bool(_))
            | (Type::Str, Value::Str(_))
            | (Type::Nil, Value::Nil)
    )
}

/// `value` as a value of type `ty`, or why it is not one.
fn fit(value: &Value, ty: &Type) -> Result<Value, Error> {
    let wrong = || mismatch(&ty.to_string(), value);
    match (ty, value) {
        (Type::Any | Type::Atomic, _) => Ok(value.clone()),
        (Type::Refined(base, _), _) => fit(value, base),
        (Type::Int | Type::SizedInt(_), Value::Int(_))
        | (Type::Bool, Value::Bool(_))
        | (Type::Str, Value::Str(_))
        | (Type::Nil, Value::Nil)
        | (Type::ErrorValue, Value::Error { .. }) => Ok(value.clone()),
        (Type::Host(name), Value::Object(object)) if object.type_name() == name => {
            Ok(value.clone())
        }
        (Type::Float, Value::Float(_)) => Ok(value.clone()),
        (Type::Float, Value::Int(i)) => Ok(Value::Float(*i as f64)),
        // The function's own parameter conversion makes the decimal.
        (Type::Decimal(_), Value::Int(_) | Value::Float(_)) => Ok(value.clone()),
        (Type::List(element), Value::List(items)) => items
            .iter()
            .enumerate()
            .map(|(i, x)| fit(x, element).map_err(|e| within(&format!("[{i}]"), e)))
            .collect::<Result<_, _>>()
            .map(Value::List),
        (Type::Tuple(types), Value::Tuple(items)) if types.len() == items.len() => items
            .iter()
            .zip(types)
            .enumerate()
            .map(|(i, (x, t))| fit(x, t).map_err(|e| within(&format!(".{i}"), e)))
            .collect::<Result<_, _>>()
            .map(Value::Tuple),
        (Type::Dict(key, element), Value::Dict(entries)) => entries
            .iter()
            .map(|(k, x)| {
                let at = format!("[{}]", key_text(k));
                Ok((
                    fit(k, key).map_err(|e| within(&at, e))?,
                    fit(x, element).map_err(|e| within(&at, e))?,
                ))
            })
            .collect::<Result<_, _>>()
            .map(Value::Dict),
        (Type::Record(fields), Value::Dict(entries)) => {
            for (field, _) in fields {
                let present = entries
                    .iter()
                    .any(|(k, _)| matches!(k, Value::Str(s) if s == field));
                if !present {
                    return Err(Error::Conversion(format!(
                        "expected {ty}, found a dict without the key \"{field}\""
                    )));
                }
            }
            entries
                .iter()
                .map(|(k, x)| {
                    let field_type = fields
                        .iter()
                        .find(|(f, _)| matches!(k, Value::Str(s) if s == f))
                        .map_or(&Type::Any, |(_, t)| t);
                    let at = format!("[{}]", key_text(k));
                    Ok((k.clone(), fit(x, field_type).map_err(|e| within(&at, e))?))
                })
                .collect::<Result<_, _>>()
                .map(Value::Dict)
        }
        (Type::Union(members), _) => members
            .iter()
            .find_map(|member| fit(value, member).ok())
            .ok_or_else(wrong),
        (Type::Fallible(_, _), Value::Error { .. }) => Ok(value.clone()),
        (Type::Fallible(inner, _), _) => fit(value, inner),
        _ => Err(wrong()),
    }
}

fn key_text(key: &Value) -> String {
    match key {
        Value::Str(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}
