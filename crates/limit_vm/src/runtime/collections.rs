//! Lists, dicts, tuples and ranges: indexing, members, iteration and methods.

use std::cmp::Ordering;
use std::rc::Rc;

use crate::errors::{fail, kinds, Trap};
use crate::runtime::methods::{arg, int_arg, no_method, Method};
use crate::runtime::strings;
use crate::value::{compare, equals, Dict, DictMap, IterState, Key, Range, Value};

/// The IndexOutOfBounds trap for index `i` of a sequence of length `n`.
pub fn index_error(i: i64, n: usize) -> Result<Value, Trap> {
    fail(
        kinds::INDEX_OUT_OF_BOUNDS,
        &format!("index {i} out of range for length {n}"),
    )
}

/// `IndexOutOfBounds` naming the argument itself when it is a big int
/// (`int_arg` saturates it), `None` otherwise.
fn big_index_error(index: &Value, n: usize) -> Option<Result<Value, Trap>> {
    match index {
        Value::BigInt(big) => Some(fail(
            kinds::INDEX_OUT_OF_BOUNDS,
            &format!("index {} out of range for length {n}", **big),
        )),
        _ => None,
    }
}

/// Resolve a possibly negative index against length `n`.
fn resolve(i: i64, n: usize) -> Option<usize> {
    let j = if i < 0 { i + n as i64 } else { i };
    if j >= 0 && (j as usize) < n {
        Some(j as usize)
    } else {
        None
    }
}

/// The items `a..b` that slice `range` selects from `n` (§11: negative
/// ends count from the end, then both clamp to `0..=n` as in Python).
fn slice_bounds(range: &Range, n: usize) -> Result<(usize, usize), Trap> {
    if range.step != 1 {
        return fail(
            kinds::TYPE_ERROR,
            "a slice takes a range with step 1 (`a..b` or `a..=b`)",
        );
    }
    let n = n as i64;
    let from_end = |i: i64| if i < 0 { i.saturating_add(n) } else { i };
    let end = from_end(range.end).saturating_add(range.inclusive as i64);
    let a = from_end(range.start).clamp(0, n) as usize;
    let b = end.clamp(0, n) as usize;
    Ok(if a < b { (a, b) } else { (a, a) })
}

/// `c[idx]`.
pub fn get_index(c: &Value, idx: &Value) -> Result<Value, Trap> {
    match (c, idx) {
        (Value::List(l), Value::Int(i)) => {
            let items = l.items.borrow();
            match resolve(*i, items.len()) {
                Some(j) => Ok(items[j].clone()),
                None => index_error(*i, items.len()),
            }
        }
        (Value::Tuple(t), Value::Int(i)) => match resolve(*i, t.items.len()) {
            Some(j) => Ok(t.items[j].clone()),
            None => index_error(*i, t.items.len()),
        },
        (Value::Str(s), Value::Int(i)) => strings::char_at(s, *i),
        (Value::Range(r), Value::Int(i)) => {
            let n = r.len();
            match resolve(*i, n as usize) {
                Some(j) => Ok(Value::Int(r.nth(j as i64))),
                None => index_error(*i, n as usize),
            }
        }
        (Value::Dict(d), k) => match d.map.borrow().get(&Key(k.clone())) {
            Some(v) => Ok(v.clone()),
            None => fail(
                kinds::KEY_NOT_FOUND,
                &format!("key {} not found", crate::value::repr(k)),
            ),
        },
        (Value::List(l), Value::Range(r)) => {
            let items = l.items.borrow();
            let (a, b) = slice_bounds(r, items.len())?;
            crate::limits::charge_units((b - a) as u64)?;
            Ok(Value::list(items[a..b].to_vec()))
        }
        (Value::Tuple(t), Value::Range(r)) => {
            let (a, b) = slice_bounds(r, t.items.len())?;
            Ok(Value::tuple(t.items[a..b].to_vec()))
        }
        (Value::Str(s), Value::Range(r)) => {
            let (a, b) = slice_bounds(r, s.char_len())?;
            crate::limits::charge_units((b - a) as u64 / 4)?;
            Ok(Value::string(strings::char_slice(s, a, b).to_string()))
        }
        (Value::Nil, _) => fail(kinds::NIL_ACCESS, "cannot index nil"),
        // An int too big for a machine word is an int all the same: it is
        // out of range of any sequence, not of the wrong type.
        (Value::List(l), Value::BigInt(n)) => big_index(n, l.items.borrow().len()),
        (Value::Tuple(t), Value::BigInt(n)) => big_index(n, t.items.len()),
        (Value::Str(s), Value::BigInt(n)) => big_index(n, s.char_len()),
        (Value::Range(r), Value::BigInt(n)) => big_index(n, r.len().max(0) as usize),
        (Value::List(_) | Value::Tuple(_) | Value::Str(_), other) => fail(
            kinds::TYPE_ERROR,
            &format!("index must be an int, not {}", other.type_name()),
        ),
        (other, _) => fail(
            kinds::TYPE_ERROR,
            &format!("{} cannot be indexed", other.type_name_with_article()),
        ),
    }
}

/// `c[idx] = v`.
pub fn set_index(c: &Value, idx: Value, v: Value) -> Result<(), Trap> {
    match (c, &idx) {
        (Value::List(l), Value::Int(i)) => {
            let mut items = l.items.borrow_mut();
            let n = items.len();
            match resolve(*i, n) {
                Some(j) => {
                    items[j] = v;
                    Ok(())
                }
                None => index_error(*i, n).map(|_| ()),
            }
        }
        (Value::List(l), Value::BigInt(n)) => big_index(n, l.items.borrow().len()).map(|_| ()),
        (Value::Dict(d), _) => {
            let key = Key::new(idx)?;
            d.insert(key, v)
        }
        (Value::Nil, _) => fail(kinds::NIL_ACCESS, "cannot index nil"),
        (other, _) => fail(
            kinds::TYPE_ERROR,
            &format!(
                "{} does not support item assignment",
                other.type_name_with_article()
            ),
        ),
    }
}

/// `len(c)`.
pub fn length(c: &Value) -> Result<Value, Trap> {
    Ok(Value::Int(match c {
        Value::Str(s) => s.char_len() as i64,
        Value::List(l) => l.items.borrow().len() as i64,
        Value::Tuple(t) => t.items.len() as i64,
        Value::Dict(d) => d.map.borrow().len() as i64,
        Value::Range(r) => r.len(),
        Value::Nil => return fail(kinds::NIL_ACCESS, "len of nil"),
        other => {
            return fail(
                kinds::TYPE_ERROR,
                &format!("{} has no length", other.type_name_with_article()),
            )
        }
    }))
}

/// Build a range value.
pub fn make_range(
    start: &Value,
    end: &Value,
    step: &Value,
    inclusive: bool,
) -> Result<Value, Trap> {
    match (start, end, step) {
        (Value::Int(s), Value::Int(e), Value::Int(st)) => {
            if *st == 0 {
                return fail(kinds::ERROR, "range step cannot be zero");
            }
            Ok(Value::Range(Rc::new(Range {
                start: *s,
                end: *e,
                step: *st,
                inclusive,
            })))
        }
        // A range's bounds are machine words: a bigger int is out of
        // that range, not of the wrong type.
        _ if [start, end, step]
            .iter()
            .any(|v| matches!(v, Value::BigInt(_))) =>
        {
            let big = [start, end, step]
                .into_iter()
                .find(|v| matches!(v, Value::BigInt(_)))
                .map_or_else(String::new, |v| v.to_string());
            fail(
                kinds::INTEGER_OVERFLOW,
                &format!("range bound {big} does not fit in a 64-bit int"),
            )
        }
        _ => fail(
            kinds::TYPE_ERROR,
            &format!(
                "range bounds must be ints, got {} and {}",
                start.type_name(),
                end.type_name()
            ),
        ),
    }
}

/// `obj.name` on built-in values.
pub fn get_member(obj: &Value, name: &str) -> Result<Value, Trap> {
    match obj {
        Value::HostObject(object) => object.get(name),
        Value::Error(e) => match name {
            "kind" => Ok(Value::str(&e.kind)),
            "message" => Ok(Value::str(&e.message)),
            _ => fail(kinds::TYPE_ERROR, &format!("an error has no field {name}")),
        },
        Value::Tuple(t) if t.items.len() == 2 && (name == "key" || name == "value") => {
            Ok(t.items[if name == "key" { 0 } else { 1 }].clone())
        }
        Value::Tuple(t) => match name.parse::<usize>() {
            Ok(i) if i < t.items.len() => Ok(t.items[i].clone()),
            _ => fail(kinds::TYPE_ERROR, &format!("a tuple has no field {name}")),
        },
        Value::Dict(d) => match d.map.borrow().get(&Key(Value::str(name))) {
            Some(v) => Ok(v.clone()),
            None => fail(kinds::KEY_NOT_FOUND, &format!("key \"{name}\" not found")),
        },
        Value::Instance(i) => fail(
            kinds::TYPE_ERROR,
            &format!("{} has no field {name}", i.class.name),
        ),
        Value::Nil => fail(
            kinds::NIL_ACCESS,
            &format!("cannot read field {name} of nil"),
        ),
        Value::Range(r) => match name {
            "start" => Ok(Value::Int(r.start)),
            "end" => Ok(Value::Int(r.end)),
            "step" => Ok(Value::Int(r.step)),
            _ => fail(kinds::TYPE_ERROR, &format!("a range has no field {name}")),
        },
        other => fail(
            kinds::TYPE_ERROR,
            &format!("{} has no field {name}", other.type_name_with_article()),
        ),
    }
}

/// `obj.name = v` on untyped values.
pub fn set_member(obj: &Value, name: &str, v: Value) -> Result<(), Trap> {
    match obj {
        Value::Instance(inst) => match inst.class.field_slot(name) {
            Some(slot) => {
                inst.set(slot, v);
                Ok(())
            }
            None => fail(
                kinds::TYPE_ERROR,
                &format!("{} has no field {name}", inst.class.name),
            ),
        },
        Value::Dict(d) => {
            d.map.borrow_mut().insert(Key(Value::str(name)), v);
            Ok(())
        }
        Value::HostObject(object) => object.set(name, v),
        Value::Nil => fail(
            kinds::NIL_ACCESS,
            &format!("cannot set field {name} of nil"),
        ),
        other => fail(
            kinds::TYPE_ERROR,
            &format!("{} has no field {name}", other.type_name_with_article()),
        ),
    }
}

/// `IterStart`.
pub fn iter_start(v: Value) -> Result<Value, Trap> {
    let state = match v {
        Value::Range(r) => IterState::Range {
            next: r.start,
            step: r.step,
            left: r.len(),
            index: 0,
        },
        Value::List(l) => IterState::List(l, 0),
        Value::Tuple(t) => IterState::Tuple(t, 0),
        Value::Str(s) => IterState::Str(s, 0, 0),
        Value::Dict(d) => IterState::Dict(
            d.map
                .borrow()
                .iter()
                .map(|(k, v)| (k.0.clone(), v.clone()))
                .collect(),
            0,
        ),
        Value::Iterator(_) => return Ok(v),
        Value::Channel(ch) => IterState::Channel(ch),
        Value::Nil => return fail(kinds::NIL_ACCESS, "cannot iterate nil"),
        other => {
            return fail(
                kinds::TYPE_ERROR,
                &format!("cannot iterate a {}", other.type_name()),
            )
        }
    };
    Ok(Value::Iterator(Rc::new(std::cell::RefCell::new(state))))
}

/// `IterNext`: the next (index or key, item) pair; for one-variable
/// iteration of a dict the item is a (key, value) entry.
pub fn iter_next(state: &mut IterState, two: bool) -> Option<(Value, Value)> {
    match state {
        IterState::Range {
            next,
            step,
            left,
            index,
        } => {
            if *left <= 0 {
                return None;
            }
            let v = *next;
            *next = next.wrapping_add(*step);
            *left -= 1;
            *index += 1;
            Some((Value::Int(*index - 1), Value::Int(v)))
        }
        IterState::List(l, i) => {
            let v = l.items.borrow().get(*i).cloned()?;
            *i += 1;
            Some((Value::Int(*i as i64 - 1), v))
        }
        IterState::Tuple(t, i) => {
            let v = t.items.get(*i).cloned()?;
            *i += 1;
            Some((Value::Int(*i as i64 - 1), v))
        }
        IterState::Str(s, byte, index) => {
            let c = s.text[*byte..].chars().next()?;
            *byte += c.len_utf8();
            *index += 1;
            Some((Value::Int(*index as i64 - 1), Value::string(c.to_string())))
        }
        IterState::Dict(entries, i) => {
            let (k, v) = entries.get(*i).cloned()?;
            *i += 1;
            if two {
                Some((k, v))
            } else {
                Some((Value::Nil, Value::tuple(vec![k, v])))
            }
        }
        // Channels block: the interpreter calls `channel::iter_next` instead.
        IterState::Channel(_) => None,
    }
}

/// Charge method `m`'s pass over the whole list `l` to the step limit (a
/// loop of `[head, ...tail]` matches, which slice, ran for seconds within
/// 20 000 steps: found by the `run` fuzz target).
pub fn charge_pass(m: Method, l: &crate::value::List) -> Result<(), Trap> {
    let n = l.items.borrow().len() as u64;
    let units = match m {
        Method::Contains | Method::IndexOf | Method::Join | Method::ToStr => 4 * n,
        Method::Slice | Method::Copy | Method::Map | Method::Filter | Method::Reduce => 2 * n,
        Method::Insert | Method::Remove | Method::Reverse => n,
        Method::Count | Method::Min | Method::Max | Method::Sum => 4 * n,
        Method::Sort => 4 * n * (64 - n.leading_zeros() as u64),
        _ => 0,
    };
    if units > 0 {
        crate::limits::charge_units(units)?;
    }
    Ok(())
}

/// Call method `m` on list `recv`. The methods that call back into Limit
/// (`map`, `filter`, `reduce`, `sort` with a key) do not come here: they
/// run as continuation frames (interp/callbacks.rs).
pub fn list_method(m: Method, name: &str, recv: &Value, args: &[Value]) -> Result<Value, Trap> {
    let Value::List(l) = recv else {
        return no_method(recv, name);
    };
    charge_pass(m, l)?;
    Ok(match m {
        Method::Len => Value::Int(l.items.borrow().len() as i64),
        Method::IsEmpty => Value::Bool(l.items.borrow().is_empty()),
        Method::Push => {
            l.push(arg(args, 0).clone())?;
            Value::Nil
        }
        Method::Pop => match l.items.borrow_mut().pop() {
            Some(v) => v,
            None => Value::error(kinds::INDEX_OUT_OF_BOUNDS, "pop from an empty list"),
        },
        Method::Insert => {
            let mut items = l.items.borrow_mut();
            let n = items.len() as i64;
            if let Some(error) = big_index_error(arg(args, 0), items.len()) {
                return error;
            }
            let i = int_arg(args, 0, "insert")?;
            let j = if i < 0 { i + n } else { i };
            if j < 0 || j > n {
                return index_error(i, n as usize);
            }
            crate::value::reserve_slots(&mut items, 1)?;
            items.insert(j as usize, arg(args, 1).clone());
            drop(items);
            l.recharge();
            Value::Nil
        }
        Method::Remove => {
            let mut items = l.items.borrow_mut();
            if let Some(error) = big_index_error(arg(args, 0), items.len()) {
                return error;
            }
            let i = int_arg(args, 0, "remove")?;
            match resolve(i, items.len()) {
                Some(j) => items.remove(j),
                None => return index_error(i, items.len()),
            }
        }
        Method::Contains => Value::Bool(l.items.borrow().iter().any(|x| equals(x, arg(args, 0)))),
        Method::IndexOf => match l
            .items
            .borrow()
            .iter()
            .position(|x| equals(x, arg(args, 0)))
        {
            Some(i) => Value::Int(i as i64),
            None => Value::error("NotFound", "value not in list"),
        },
        Method::Slice => {
            let items = l.items.borrow();
            let n = items.len() as i64;
            let clamp = |i: i64| (if i < 0 { i + n } else { i }).clamp(0, n) as usize;
            let a = clamp(int_arg(args, 0, "slice")?);
            let b = match arg(args, 1) {
                Value::Nil => n as usize,
                _ => clamp(int_arg(args, 1, "slice")?),
            };
            Value::list(if a < b {
                items[a..b].to_vec()
            } else {
                Vec::new()
            })
        }
        Method::Reverse => {
            l.items.borrow_mut().reverse();
            recv.clone()
        }
        Method::Sort => {
            sort_list(l)?;
            recv.clone()
        }
        Method::Join => {
            let sep = match arg(args, 0) {
                Value::Nil => "",
                Value::Str(s) => &s.text,
                other => {
                    return fail(
                        kinds::TYPE_ERROR,
                        &format!("join expects a str, got {}", other.type_name()),
                    )
                }
            };
            let s = strings::join(&l.items.borrow(), sep);
            crate::limits::check_string(s.len())?;
            Value::string(s)
        }
        Method::Clear => {
            l.items.borrow_mut().clear();
            Value::Nil
        }
        Method::ToStr => crate::value::display_value(recv)?,
        Method::Copy => Value::list(l.items.borrow().clone()),
        Method::Extend => {
            let more: Vec<Value> = match arg(args, 0) {
                Value::List(other) => other.items.borrow().clone(),
                Value::Tuple(t) => t.items.to_vec(),
                other => {
                    return fail(
                        kinds::TYPE_ERROR,
                        &format!("extend expects a list, got {}", other.type_name()),
                    )
                }
            };
            crate::limits::charge_units(more.len() as u64)?;
            for item in more {
                l.push(item)?;
            }
            Value::Nil
        }
        Method::Count => Value::Int(
            l.items
                .borrow()
                .iter()
                .filter(|x| equals(x, arg(args, 0)))
                .count() as i64,
        ),
        Method::First | Method::Last => {
            let items = l.items.borrow();
            let item = if m == Method::First {
                items.first()
            } else {
                items.last()
            };
            match item {
                Some(v) => v.clone(),
                None => Value::error(
                    kinds::INDEX_OUT_OF_BOUNDS,
                    &format!("{name}() of an empty list"),
                ),
            }
        }
        Method::Min | Method::Max => {
            let want = if m == Method::Min {
                Ordering::Less
            } else {
                Ordering::Greater
            };
            let items = l.items.borrow().clone();
            extreme_of(items, want, name)?
        }
        Method::Sum => sum_of(&l.items.borrow())?,
        _ => return no_method(recv, name),
    })
}

/// Sort in place by the items' own order (a sort with a key runs as a
/// continuation frame). Items that cannot be compared are an error that
/// leaves the list as it was.
fn sort_list(l: &crate::value::List) -> Result<(), Trap> {
    let mut items = l.items.borrow_mut();
    let mut order: Vec<usize> = (0..items.len()).collect();
    let mut bad = false;
    order.sort_by(|&a, &b| {
        compare(&items[a], &items[b]).unwrap_or_else(|| {
            bad = true;
            Ordering::Equal
        })
    });
    if bad {
        return fail(kinds::TYPE_ERROR, "list items cannot be compared");
    }
    let mut slots: Vec<Option<Value>> = items.drain(..).map(Some).collect();
    items.extend(order.iter().map(|&i| slots[i].take().unwrap_or_default()));
    Ok(())
}

/// The least (`Less`) or greatest (`Greater`) of `items`; an error for none.
pub fn extreme_of(items: Vec<Value>, want: Ordering, what: &str) -> Result<Value, Trap> {
    let mut best: Option<Value> = None;
    for x in items {
        best = Some(match best {
            None => x,
            Some(b) => match compare(&x, &b) {
                Some(o) if o == want => x,
                Some(_) => b,
                None => return fail(kinds::TYPE_ERROR, "values cannot be compared"),
            },
        });
    }
    best.map_or_else(
        || fail(kinds::ERROR, &format!("{what} of an empty list")),
        Ok,
    )
}

/// The sum of `items` with `+` (0 for none), so ints stay exact.
pub fn sum_of(items: &[Value]) -> Result<Value, Trap> {
    let mut total = Value::Int(0);
    for x in items {
        if !matches!(
            x,
            Value::Int(_) | Value::BigInt(_) | Value::Float(_) | Value::Decimal(_)
        ) {
            return fail(
                kinds::TYPE_ERROR,
                &format!("sum expects numbers, got a {}", x.type_name()),
            );
        }
        total = crate::runtime::arith::add(&total, x)?;
    }
    Ok(total)
}

/// Call method `m` on dict `d`.
pub fn dict_method(m: Method, name: &str, d: &Rc<Dict>, args: &[Value]) -> Result<Value, Trap> {
    // Passes over the whole dict are charged to the step limit.
    let n = d.map.borrow().len() as u64;
    match m {
        Method::Keys | Method::Values | Method::Items | Method::Copy => {
            crate::limits::charge_units(4 * n)?
        }
        Method::Remove | Method::Pop => crate::limits::charge_units(n)?,
        Method::Entries => crate::limits::charge_units(4 * n)?,
        _ => {}
    }
    Ok(match m {
        Method::Len => Value::Int(d.map.borrow().len() as i64),
        Method::IsEmpty => Value::Bool(d.map.borrow().is_empty()),
        Method::Keys => Value::list(d.map.borrow().keys().map(|k| k.0.clone()).collect()),
        Method::Values => Value::list(d.map.borrow().values().cloned().collect()),
        Method::Items => Value::list(
            d.map
                .borrow()
                .iter()
                .map(|(k, v)| Value::tuple(vec![k.0.clone(), v.clone()]))
                .collect(),
        ),
        Method::Contains => Value::Bool(d.map.borrow().contains_key(&Key(arg(args, 0).clone()))),
        Method::Get => match d.map.borrow().get(&Key(arg(args, 0).clone())) {
            Some(v) => v.clone(),
            None if args.len() >= 2 => args[1].clone(),
            None => Value::error(
                kinds::KEY_NOT_FOUND,
                &format!("key {} not found", crate::value::repr(arg(args, 0))),
            ),
        },
        Method::Remove => match d.map.borrow_mut().shift_remove(&Key(arg(args, 0).clone())) {
            Some(v) => v,
            None => {
                return fail(
                    kinds::KEY_NOT_FOUND,
                    &format!("key {} not found", crate::value::repr(arg(args, 0))),
                )
            }
        },
        Method::Clear => {
            d.map.borrow_mut().clear();
            Value::Nil
        }
        Method::Copy => Value::dict(d.map.borrow().clone()),
        Method::Entries => Value::list(
            d.map
                .borrow()
                .iter()
                .map(|(k, v)| Value::tuple(vec![k.0.clone(), v.clone()]))
                .collect(),
        ),
        Method::GetOr => match d.map.borrow().get(&Key(arg(args, 0).clone())) {
            Some(v) => v.clone(),
            None => arg(args, 1).clone(),
        },
        Method::Pop => match d.map.borrow_mut().shift_remove(&Key(arg(args, 0).clone())) {
            Some(v) => v,
            None => Value::error(
                kinds::KEY_NOT_FOUND,
                &format!("key {} not found", crate::value::repr(arg(args, 0))),
            ),
        },
        Method::Merge => {
            let Value::Dict(other) = arg(args, 0) else {
                return fail(
                    kinds::TYPE_ERROR,
                    &format!("merge expects a dict, got {}", arg(args, 0).type_name()),
                );
            };
            let entries: Vec<(Key, Value)> = other
                .map
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            crate::limits::charge_units(entries.len() as u64)?;
            for (k, v) in entries {
                d.insert(k, v)?;
            }
            Value::Nil
        }
        _ => return no_method(&Value::dict(DictMap::default()), name),
    })
}

/// An index too big for a machine word: out of range of any sequence (it
/// is an int all the same, so not a `TypeError`).
fn big_index(index: &num_bigint::BigInt, len: usize) -> Result<Value, Trap> {
    fail(
        kinds::INDEX_OUT_OF_BOUNDS,
        &format!("index {index} out of range for length {len}"),
    )
}
