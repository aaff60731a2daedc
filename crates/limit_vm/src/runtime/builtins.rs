//! The implementations of the built-in functions (reference.md §11); their
//! names and signatures are entries of `limit_bytecode::builtins`, their
//! order `runtime::natives`.

use std::io::BufRead;
use std::sync::OnceLock;
use std::time::Instant;

use num_bigint::BigInt;
use num_traits::{FromPrimitive, ToPrimitive};

use crate::errors::{fail, kinds, Trap};
use crate::interp::Vm;
use crate::runtime::arith;
use crate::value::{display, repr, to_f64, write_value, Value};

pub use crate::runtime::natives::{builtin_index, native, BUILTINS};

pub(crate) fn print(vm: &mut Vm, args: &[Value]) -> Result<Value, Trap> {
    let line = joined_line(args)?;
    vm.write_out(&line)?;
    Ok(Value::Nil)
}

/// `eprint(...)`: like `print`, to standard error (after flushing standard
/// output, so the two interleave in program order).
pub(crate) fn eprint(vm: &mut Vm, args: &[Value]) -> Result<Value, Trap> {
    let line = joined_line(args)?;
    vm.flush_output()?;
    use std::io::Write;
    if std::io::stderr().write_all(line.as_bytes()).is_err() {
        // A closed stderr ends the program quietly, as a closed stdout does.
        return fail(kinds::OUTPUT_CLOSED, "standard error was closed");
    }
    Ok(Value::Nil)
}

/// The arguments of `print`, separated by spaces, with a newline.
fn joined_line(args: &[Value]) -> Result<String, Trap> {
    let mut line = String::new();
    for (i, v) in args.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        write_value(&mut line, v, false);
    }
    // Writing a huge int or a huge value may have exceeded a limit.
    crate::limits::check_pending()?;
    line.push('\n');
    Ok(line)
}

pub(crate) fn input(vm: &mut Vm, args: &[Value]) -> Result<Value, Trap> {
    if let Some(p) = args.first() {
        vm.write_out(&display(p))?;
    }
    // What was printed before, a prompt above all, shows before reading.
    vm.flush_output()?;
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) => fail(kinds::END_OF_INPUT, "input() reached the end of its input"),
        Ok(_) => Ok(Value::string(
            line.trim_end_matches(['\n', '\r']).to_string(),
        )),
        Err(e) => fail(kinds::IO_ERROR, &e.to_string()),
    }
}

/// `x as int`: `to_int`, except that a float with a fraction does not
/// convert (§3.3b: a cast that would lose information raises
/// ConversionError; `int(x)` truncates).
pub fn to_int_exact(v: &Value) -> Result<Value, Trap> {
    if let Value::Float(f) = v {
        if f.is_finite() && f.fract() != 0.0 {
            return fail(
                kinds::CONVERSION_ERROR,
                &format!(
                    "cannot convert {} to int without losing its fraction",
                    display(v)
                ),
            );
        }
    }
    to_int(v)
}

/// `int(v)`: ConversionError on bad input.
pub fn to_int(v: &Value) -> Result<Value, Trap> {
    match v {
        Value::Int(_) | Value::BigInt(_) => Ok(v.clone()),
        // Exact: a decimal with a non-zero fraction does not become an int.
        Value::Decimal(d) => {
            let whole = d.rescale(0, true).map_err(|_| {
                crate::errors::trap(
                    kinds::CONVERSION_ERROR,
                    &format!("cannot convert {} to int without losing digits", d.text()),
                )
            })?;
            match i64::try_from(whole.units) {
                Ok(i) => Ok(Value::Int(i)),
                Err(_) => Ok(Value::from_bigint(BigInt::from(whole.units))),
            }
        }
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        Value::Float(f) => {
            if !f.is_finite() {
                return fail(
                    kinds::CONVERSION_ERROR,
                    &format!("cannot convert {} to int", display(v)),
                );
            }
            match f.trunc().to_i64() {
                Some(i) => Ok(Value::Int(i)),
                None => Ok(Value::from_bigint(
                    BigInt::from_f64(f.trunc()).unwrap_or_default(),
                )),
            }
        }
        Value::Str(s) => {
            let t = s.text.trim().replace('_', "");
            if let Ok(i) = t.parse::<i64>() {
                return Ok(Value::Int(i));
            }
            // Reading digits is quadratic in their number, like writing them.
            let bits = (t.len() as u64).saturating_mul(10) / 3;
            crate::limits::charge_units(crate::runtime::arith::decimal_text_units(bits))?;
            match t.parse::<BigInt>() {
                Ok(b) if !t.is_empty() => Ok(Value::from_bigint(b)),
                _ => fail(
                    kinds::CONVERSION_ERROR,
                    &format!("cannot convert '{}' to int", s.text),
                ),
            }
        }
        other => fail(
            kinds::CONVERSION_ERROR,
            &format!("cannot convert a {} to int", other.type_name()),
        ),
    }
}

/// `float(v)`: ConversionError on bad input.
pub fn to_float(v: &Value) -> Result<Value, Trap> {
    match v {
        Value::Bool(b) => Ok(Value::Float(*b as i64 as f64)),
        Value::Str(s) => match s.text.trim().parse::<f64>() {
            Ok(f) => Ok(Value::Float(f)),
            Err(_) => fail(
                kinds::CONVERSION_ERROR,
                &format!("cannot convert '{}' to float", s.text),
            ),
        },
        other => match to_f64(other) {
            Some(f) => Ok(Value::Float(f)),
            None => fail(
                kinds::CONVERSION_ERROR,
                &format!("cannot convert a {} to float", other.type_name()),
            ),
        },
    }
}

pub(crate) fn num(v: &Value, what: &str) -> Result<f64, Trap> {
    to_f64(v).map_or_else(
        || {
            fail(
                kinds::TYPE_ERROR,
                &format!("{what} expects a number, got {}", v.type_name()),
            )
        },
        Ok,
    )
}

pub(crate) fn abs(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    match &a[0] {
        Value::Float(f) => Ok(Value::Float(f.abs())),
        v @ (Value::Int(_) | Value::BigInt(_)) => {
            if crate::value::compare(v, &Value::Int(0)) == Some(std::cmp::Ordering::Less) {
                arith::neg(v)
            } else {
                Ok(v.clone())
            }
        }
        v => fail(
            kinds::TYPE_ERROR,
            &format!("abs expects a number, got {}", v.type_name()),
        ),
    }
}

pub(crate) fn rounding(v: &Value, f: fn(f64) -> f64) -> Result<Value, Trap> {
    match v {
        Value::Int(_) | Value::BigInt(_) => Ok(v.clone()),
        _ => to_int(&Value::Float(f(num(v, "rounding")?))),
    }
}

pub(crate) fn extreme(args: &[Value], want: std::cmp::Ordering) -> Result<Value, Trap> {
    let items: Vec<Value> = match args {
        [Value::List(l)] => l.items.borrow().clone(),
        [Value::Tuple(t)] => t.items.to_vec(),
        _ => args.to_vec(),
    };
    let mut best: Option<Value> = None;
    for x in items {
        best = Some(match best {
            None => x,
            Some(b) => match crate::value::compare(&x, &b) {
                Some(o) if o == want => x,
                Some(_) => b,
                None => return fail(kinds::TYPE_ERROR, "values cannot be compared"),
            },
        });
    }
    best.map_or_else(|| fail(kinds::ERROR, "min/max of an empty list"), Ok)
}

pub(crate) fn random(vm: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    // xorshift64*
    let mut x = vm.rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    vm.rng_state = x;
    let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
    let unit = (r >> 11) as f64 / (1u64 << 53) as f64;
    match a {
        [] => Ok(Value::Float(unit)),
        [Value::Int(n)] if *n > 0 => Ok(Value::Int((r % *n as u64) as i64)),
        [Value::Int(lo), Value::Int(hi)] if hi >= lo => {
            let span = (*hi as i128 - *lo as i128 + 1) as u128;
            Ok(Value::Int(
                (*lo as i128 + (r as u128 % span) as i128) as i64,
            ))
        }
        _ => fail(
            kinds::TYPE_ERROR,
            "random expects no arguments, random(n) or random(lo, hi)",
        ),
    }
}

pub(crate) fn epoch_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

pub(crate) fn start_instant() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

pub(crate) fn sleep(vm: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let s = num(&a[0], "sleep")?;
    crate::runtime::sched::sleep(vm, s)
}

/// `exit(code)`: flushes output and ends the process. A status is 0 to 255;
/// -255 to -1 wrap as the system does (-1 is 255); anything else is a
/// `ConversionError` (truncated to 8 bits, `1 << 70` would exit 0).
pub(crate) fn exit(vm: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let code = match a.first() {
        None => 0,
        Some(Value::Int(c)) if (-255..=255).contains(c) => c.rem_euclid(256) as i32,
        Some(v @ (Value::Int(_) | Value::BigInt(_))) => {
            return fail(
                kinds::CONVERSION_ERROR,
                &format!("exit status {} is out of range (0 to 255)", display(v)),
            )
        }
        Some(v) => {
            return fail(
                kinds::TYPE_ERROR,
                &format!("exit expects an int status, got {}", v.type_name()),
            )
        }
    };
    vm.flush();
    std::process::exit(code)
}

pub(crate) fn check(a: &[Value], kind: &str, default: &str) -> Result<Value, Trap> {
    if a[0].truthy() {
        return Ok(Value::Nil);
    }
    let msg = match a.get(1) {
        Some(m) => display(m),
        None => default.to_string(),
    };
    fail(kind, &msg)
}

pub(crate) fn read_file(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let file = match std::fs::File::open(display(&a[0])) {
        Ok(f) => f,
        Err(e) => return Ok(Value::error(kinds::IO_ERROR, &e.to_string())),
    };
    Ok(read_text_limited(file)?.unwrap_or_else(|e| Value::error(kinds::IO_ERROR, &e)))
}

/// All the text of `reader` as a string value, or the read's error
/// message (also for text that is not UTF-8). The reader is read at most
/// one byte past what the limits allow (the string length and the heap
/// left), so that an endless source (`/dev/zero`) or a huge one fails with
/// ResourceLimit instead of filling memory first.
pub(crate) fn read_text_limited(reader: impl std::io::Read) -> Result<Result<Value, String>, Trap> {
    use std::io::Read;
    let limits = crate::limits::active();
    let room = [
        limits.max_string_len,
        limits
            .max_heap_bytes
            .map(|max| max.saturating_sub(crate::limits::heap_bytes())),
    ]
    .into_iter()
    .flatten()
    .min();
    let mut bytes = Vec::new();
    let read = match room {
        Some(room) => reader.take(room as u64 + 1).read_to_end(&mut bytes),
        None => {
            let mut reader = reader;
            reader.read_to_end(&mut bytes)
        }
    };
    if let Err(e) = read {
        return Ok(Err(e.to_string()));
    }
    crate::limits::check_string(bytes.len())?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => Ok(Value::string(s)),
        Err(_) => Err("stream did not contain valid UTF-8".to_string()),
    })
}

pub(crate) fn write_file(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(match std::fs::write(display(&a[0]), display(&a[1])) {
        Ok(()) => Value::Nil,
        Err(e) => Value::error(kinds::IO_ERROR, &e.to_string()),
    })
}

/// `format(value, spec)` (§3.3a), also what `"{value:spec}"` calls.
pub(crate) fn format(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let Value::Str(spec) = &a[1] else {
        return fail(
            kinds::TYPE_ERROR,
            &format!("format's spec must be a str, got {}", a[1].type_name()),
        );
    };
    let text = crate::runtime::format::format_value(&a[0], &spec.text)?;
    crate::limits::check_string(text.len())?;
    Ok(Value::string(text))
}

pub(crate) fn parse_int(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(to_int(&a[0]).unwrap_or_else(Value::Error))
}

pub(crate) fn parse_float(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(to_float(&a[0]).unwrap_or_else(Value::Error))
}

pub(crate) fn sqrt(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Float(num(&a[0], "sqrt")?.sqrt()))
}

pub(crate) fn clock(_: &mut Vm, _: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Float(start_instant().elapsed().as_secs_f64()))
}

pub(crate) fn assert(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    check(a, kinds::ASSERTION_FAILED, "assertion failed")
}

pub(crate) fn contract(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    check(a, kinds::ASSERTION_FAILED, "contract violated")
}

/// `round(x)` to an int; `round(x, digits)` keeps the number's type.
pub(crate) fn round(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    match a {
        [x, digits] => crate::runtime::rounding::round_to_digits(x, digits),
        _ => rounding(&a[0], f64::round),
    }
}

pub(crate) fn file_exists(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Bool(std::path::Path::new(&display(&a[0])).exists()))
}

/// The items of a collection a built-in walks: a list's or tuple's items,
/// a range's numbers, a string's characters, a dict's keys.
fn items_of(vm: &mut Vm, v: &Value, what: &str) -> Result<Vec<Value>, Trap> {
    let items: Vec<Value> = match v {
        // A frame with a `to_list()` method (std.collections' Set, Deque
        // and Heap) gives its items as `iter` walks them.
        Value::Instance(inst) if inst.class.method_map.contains_key("to_list") => {
            let function = inst.class.method_map.get("to_list").copied();
            let method = Value::BoundMethod(std::rc::Rc::new(crate::value::BoundMethod {
                receiver: v.clone(),
                function,
                name: "to_list".into(),
            }));
            match vm.call(&method, &[])? {
                list @ Value::List(_) => return items_of(vm, &list, what),
                other => {
                    return fail(
                        kinds::TYPE_ERROR,
                        &format!("{what}: to_list() returned a {}", other.type_name()),
                    )
                }
            }
        }
        Value::List(l) => l.items.borrow().clone(),
        Value::Tuple(t) => t.items.to_vec(),
        Value::Range(r) => {
            let n = r.len();
            crate::limits::charge_units(2 * n.max(0) as u64)?;
            crate::limits::check_collection(n.max(0) as usize)?;
            (0..n).map(|i| Value::Int(r.nth(i))).collect()
        }
        Value::Str(s) => s
            .text
            .chars()
            .map(|c| Value::string(c.to_string()))
            .collect(),
        Value::Dict(d) => d.map.borrow().keys().map(|k| k.0.clone()).collect(),
        other => {
            return fail(
                kinds::TYPE_ERROR,
                &format!("{what} expects a list, got {}", other.type_name()),
            )
        }
    };
    crate::limits::charge_units(2 * items.len() as u64)?;
    Ok(items)
}

/// `ord(ch)`: the code point of a one-character string.
pub(crate) fn ord(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let text = display(&a[0]);
    let mut chars = text.chars();
    match (&a[0], chars.next(), chars.next()) {
        (Value::Str(_), Some(c), None) => Ok(Value::Int(c as i64)),
        _ => fail(
            kinds::TYPE_ERROR,
            &format!("ord expects one character, got {}", repr(&a[0])),
        ),
    }
}

/// `chr(n)`: the one-character string of code point `n`.
pub(crate) fn chr(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let c = match &a[0] {
        Value::Int(n) => u32::try_from(*n).ok().and_then(char::from_u32),
        _ => None,
    };
    match c {
        Some(c) => Ok(Value::string(c.to_string())),
        None => fail(
            kinds::CONVERSION_ERROR,
            &format!("{} is not a character code", display(&a[0])),
        ),
    }
}

pub(crate) fn sum(vm: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    crate::runtime::collections::sum_of(&items_of(vm, &a[0], "sum")?)
}

pub(crate) fn any(vm: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Bool(
        items_of(vm, &a[0], "any")?.iter().any(Value::to_bool),
    ))
}

pub(crate) fn all(vm: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Bool(
        items_of(vm, &a[0], "all")?.iter().all(Value::to_bool),
    ))
}

/// `sorted(xs, key?)`: a new sorted list (stable).
pub(crate) fn sorted(vm: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let items = items_of(vm, &a[0], "sorted")?;
    crate::limits::charge_units(
        4 * items.len() as u64 * (64 - (items.len() as u64).leading_zeros() as u64),
    )?;
    let keys = match a.get(1) {
        None | Some(Value::Nil) => items.clone(),
        Some(key) => {
            let mut keys = Vec::with_capacity(items.len());
            // The checker may not have proven the items fit the key's
            // parameter (a key or list held as `any`): the key checks
            // them as a call from `any` would.
            for x in &items {
                keys.push(vm.call_with(key, std::slice::from_ref(x), true)?);
            }
            keys
        }
    };
    let mut order: Vec<usize> = (0..items.len()).collect();
    let mut comparable = true;
    order.sort_by(|&i, &j| {
        crate::value::compare(&keys[i], &keys[j]).unwrap_or_else(|| {
            comparable = false;
            std::cmp::Ordering::Equal
        })
    });
    if !comparable {
        return fail(kinds::TYPE_ERROR, "sorted: items cannot be compared");
    }
    Ok(Value::list(
        order.into_iter().map(|i| items[i].clone()).collect(),
    ))
}

/// `enumerate(xs)`: the pairs `(index, item)`.
pub(crate) fn enumerate(vm: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let items = items_of(vm, &a[0], "enumerate")?;
    Ok(Value::list(
        items
            .into_iter()
            .enumerate()
            .map(|(i, x)| Value::tuple(vec![Value::Int(i as i64), x]))
            .collect(),
    ))
}

/// `zip(a, b)`: pairs of items at the same index, as long as the shorter.
pub(crate) fn zip(vm: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let (left, right) = (items_of(vm, &a[0], "zip")?, items_of(vm, &a[1], "zip")?);
    Ok(Value::list(
        left.into_iter()
            .zip(right)
            .map(|(x, y)| Value::tuple(vec![x, y]))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert!(matches!(
            to_int(&Value::str(" 12 ")).unwrap(),
            Value::Int(12)
        ));
        assert_eq!(
            &*to_int(&Value::str("abc")).unwrap_err().kind,
            "ConversionError"
        );
        assert!(matches!(
            to_int(&Value::Float(-2.7)).unwrap(),
            Value::Int(-2)
        ));
        assert_eq!(display(&to_float(&Value::str("2.5")).unwrap()), "2.5");
        assert!(builtin_index("print").is_some());
        assert!(builtin_index("nope").is_none());
    }
}
