//! The natives behind `std.json` (docs/stdlib.md), built on `serde_json`:
//! objects become insertion-ordered dicts (`preserve_order`), integers of
//! any size stay exact (`arbitrary_precision`). Both directions refuse
//! nesting deeper than `MAX_DEPTH` before recursing further, so a hostile
//! document or a value that contains itself is an error value, never a
//! native stack overflow.

use std::str::FromStr;

use num_bigint::BigInt;
use serde::Serialize;
use serde_json::{Map, Number};

use crate::errors::{kinds, Trap};
use crate::interp::Vm;
use crate::value::{display, DictMap, Key, Value};

/// The deepest nesting either direction accepts. `serde_json`'s parser
/// stops at the same depth with "recursion limit exceeded".
pub const MAX_DEPTH: usize = 128;

/// The error kind of malformed JSON text.
const PARSE_ERROR: &str = "ParseError";

/// `parse(text)`: the value of JSON `text`, or a `ParseError` whose message
/// names the line and column.
pub(crate) fn parse(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let Some(text) = a[0].as_str() else {
        return crate::errors::fail(
            kinds::TYPE_ERROR,
            &format!("json.parse expects a str, got {}", a[0].type_name()),
        );
    };
    let doc: serde_json::Value = match serde_json::from_str(text) {
        Ok(doc) => doc,
        Err(e) => return Ok(Value::error(PARSE_ERROR, &e.to_string())),
    };
    Ok(from_json(&doc).unwrap_or_else(|message| Value::error(PARSE_ERROR, &message)))
}

/// The Limit value of a parsed document (at most `MAX_DEPTH` deep, which
/// the parser guarantees).
fn from_json(doc: &serde_json::Value) -> Result<Value, String> {
    Ok(match doc {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => number(n)?,
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(items) => {
            Value::list(items.iter().map(from_json).collect::<Result<_, _>>()?)
        }
        serde_json::Value::Object(fields) => {
            let mut map = DictMap::with_capacity_and_hasher(fields.len(), Default::default());
            for (k, v) in fields {
                map.insert(Key(Value::str(k)), from_json(v)?);
            }
            Value::dict(map)
        }
    })
}

/// A JSON number: an int when written without fraction or exponent (a big
/// int past 64 bits), else a float; a float too large for 64 bits is an
/// error rather than `inf`.
fn number(n: &Number) -> Result<Value, String> {
    if let Some(i) = n.as_i64() {
        return Ok(Value::Int(i));
    }
    let text = n.to_string();
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(big) = BigInt::from_str(&text) {
            return Ok(Value::from_bigint(big));
        }
    }
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(Value::Float(f)),
        _ => Err(format!("number {text} is out of range for a float")),
    }
}

/// Why a value cannot be written as JSON: `(kind, message)`.
type Refusal = (&'static str, String);

/// `stringify(value, indent)`: JSON text of `value`, compact when `indent`
/// is 0 (or less), else pretty-printed with `indent` spaces per level.
pub(crate) fn stringify(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let indent = match a.get(1) {
        Some(Value::Int(n)) => (*n).clamp(0, 64) as usize,
        _ => 0,
    };
    let doc = match to_json(&a[0], 0) {
        Ok(doc) => doc,
        Err((kind, message)) => return Ok(Value::error(kind, &message)),
    };
    let text = if indent == 0 {
        serde_json::to_string(&doc)
    } else {
        let spaces = " ".repeat(indent);
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(spaces.as_bytes());
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
        doc.serialize(&mut serializer)
            .map(|_| String::from_utf8_lossy(&out).into_owned())
    };
    match text {
        Ok(text) => Ok(Value::string(text)),
        Err(e) => Ok(Value::error(kinds::CONVERSION_ERROR, &e.to_string())),
    }
}

/// The JSON form of `v` at nesting `depth`.
fn to_json(v: &Value, depth: usize) -> Result<serde_json::Value, Refusal> {
    if depth > MAX_DEPTH {
        return Err((
            kinds::RESOURCE_LIMIT,
            format!("JSON nesting deeper than {MAX_DEPTH} (or a value that contains itself)"),
        ));
    }
    let cannot = |what: String| {
        (
            kinds::CONVERSION_ERROR,
            format!("JSON cannot represent {what}"),
        )
    };
    Ok(match v {
        Value::Nil => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::Number((*i).into()),
        Value::Float(f) => match Number::from_f64(*f) {
            Some(n) => serde_json::Value::Number(n),
            None => return Err(cannot(format!("the float {}", display(v)))),
        },
        Value::BigInt(_) | Value::Decimal(_) => match Number::from_str(&display(v)) {
            Ok(n) => serde_json::Value::Number(n),
            Err(_) => return Err(cannot(format!("the number {}", display(v)))),
        },
        Value::Str(s) => serde_json::Value::String(s.text.to_string()),
        Value::List(l) => array(&l.items.borrow(), depth)?,
        Value::Tuple(t) => array(&t.items, depth)?,
        Value::Dict(d) => {
            let mut fields = Map::new();
            for (k, item) in d.map.borrow().iter() {
                let Some(name) = k.0.as_str() else {
                    return Err(cannot(format!(
                        "a dict key of type {} (object keys are strings)",
                        k.0.type_name()
                    )));
                };
                fields.insert(name.to_string(), to_json(item, depth + 1)?);
            }
            serde_json::Value::Object(fields)
        }
        Value::Instance(inst) => {
            let mut fields = Map::new();
            let values = inst.values();
            for (slot, name) in inst.class.field_names.iter().enumerate() {
                if inst.class.public_fields.get(slot) == Some(&true) {
                    let item = values.get(slot).unwrap_or(&Value::Nil);
                    fields.insert(name.to_string(), to_json(item, depth + 1)?);
                }
            }
            serde_json::Value::Object(fields)
        }
        other => return Err(cannot(other.type_name_with_article())),
    })
}

fn array(items: &[Value], depth: usize) -> Result<serde_json::Value, Refusal> {
    Ok(serde_json::Value::Array(
        items
            .iter()
            .map(|item| to_json(item, depth + 1))
            .collect::<Result<_, _>>()?,
    ))
}
