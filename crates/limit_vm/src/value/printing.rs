//! Printing values: `display`, `repr` and the text of
//! nested and cyclic containers, written without recursion.

use super::*;

/// The printed form of a value (strings raw at top level).
pub fn display(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, false);
    out
}

/// `v`'s text as a string value, checked against the string length and
/// heap limits (`str(v)`, `v.to_str()`).
pub fn display_value(v: &Value) -> Result<Value, Trap> {
    let s = display(v);
    limits::check_string(s.len())?;
    Ok(Value::string(s))
}

/// A value as an error message names it: its type and, shortened, its
/// printed form (`int 3`, `str "x"`, `nil`, a `Player` object).
pub fn describe(v: &Value) -> String {
    match v {
        Value::Nil => "nil".to_string(),
        Value::HostObject(o) => format!("a `{}` object", o.class.name),
        _ => {
            let shown = repr(v);
            let mut short: String = shown.chars().take(40).collect();
            if short.len() < shown.len() {
                short.push('…');
            }
            format!("{} {short}", v.type_name())
        }
    }
}

/// The printed form with strings quoted (as inside collections) and
/// integral floats keeping `.0`, also inside collections (reference.md
/// §3.2: what `repr` gives reads back as the same value).
pub fn repr(v: &Value) -> String {
    let mut out = String::new();
    let mut charged = 0;
    write_text(&mut out, v, true, true, &mut charged);
    let written = out.len().saturating_sub(charged);
    if written >= CHARGED_TEXT {
        limits::charge_units_later(written as u64 / 4);
    }
    out
}

/// A pending piece of output in the iterative printer.
pub(super) enum Piece {
    Value(Value),
    Text(&'static str),
    Owned(String),
    /// The end of the container with this address: it is no longer being
    /// written (see `write_text`).
    Leave(usize),
}

/// The address of a container that can be part of a cycle (the mutable
/// ones: a cycle of values always passes through one of them).
pub(super) fn cycle_id(v: &Value) -> Option<usize> {
    match v {
        Value::List(l) => Some(Rc::as_ptr(l) as *const () as usize),
        Value::Dict(d) => Some(Rc::as_ptr(d) as *const () as usize),
        Value::Instance(i) => Some(i.as_ptr() as usize),
        Value::Cell(c) => Some(Rc::as_ptr(c) as *const () as usize),
        _ => None,
    }
}

/// The containers being written, from the top value down to the current
/// piece: a container met again among them closes a cycle. Most values
/// nest shallowly, so the first levels are a small stack searched in
/// place; deeper ones go to a set.
#[derive(Default)]
pub(super) struct OpenPath {
    pub(super) shallow: Vec<usize>,
    pub(super) deep: rustc_hash::FxHashSet<usize>,
}

impl OpenPath {
    const SHALLOW: usize = 32;

    /// Enter container `id`; false when it is already open (a cycle).
    pub(super) fn enter(&mut self, id: usize) -> bool {
        if self.shallow.contains(&id) || (!self.deep.is_empty() && self.deep.contains(&id)) {
            return false;
        }
        if self.shallow.len() < Self::SHALLOW {
            self.shallow.push(id);
        } else {
            self.deep.insert(id);
        }
        true
    }

    /// Leave container `id`, the last one entered and not left.
    pub(super) fn leave(&mut self, id: usize) {
        if self.deep.is_empty() || !self.deep.remove(&id) {
            self.shallow.pop();
        }
    }
}

/// What a container is written as where it contains itself (as Python
/// writes `[1, [...]]`).
pub(super) fn cycle_text(v: &Value) -> String {
    match v {
        Value::List(_) => "[...]".to_string(),
        Value::Dict(_) => "{...}".to_string(),
        Value::Instance(i) => format!("{} {{...}}", i.class.name),
        _ => "...".to_string(),
    }
}

/// Append the printed form of `v`. `quoted` quotes strings at the top level.
pub fn write_value(out: &mut String, v: &Value, quoted: bool) {
    // Writing text is work in proportion to its length, charged to the
    // step limit: a loop printing a long string filled gigabytes of
    // captured output within 20 000 steps (found by the `run` fuzz target).
    // Long text is charged as it grows (`charged` is where the charged
    // part ends), so that writing stops once the budget is spent.
    let mut charged = out.len();
    write_text(out, v, quoted, false, &mut charged);
    let written = out.len().saturating_sub(charged);
    if written >= CHARGED_TEXT {
        limits::charge_units_later(written as u64 / 4);
    }
}

/// Text written at once from which writing is charged to the step limit.
pub(super) const CHARGED_TEXT: usize = 1024;

/// Text written between two charges while a container is written.
pub(super) const CHARGE_EVERY: usize = 1 << 16;

/// `keep_point`: integral floats keep `.0` (`repr`).
pub(super) fn write_text(
    out: &mut String,
    v: &Value,
    quoted: bool,
    keep_point: bool,
    charged: &mut usize,
) {
    // Once a limit is pending (exceeded where it could not fail: the run
    // stops at its next check), long text is not written any more.
    if let Value::Str(s) = v {
        if s.text.len() >= CHARGED_TEXT && limits::limit_pending() {
            return;
        }
    }
    if write_scalar(out, v, quoted, keep_point) {
        return;
    }
    // Iterative printing: a stack of pieces, pushed in reverse order. A
    // container's text can be far larger than the container (a list of
    // many references to one long string): writing stops past the string
    // length limit (the run then stops with a ResourceLimit error).
    // A container met again inside itself (a cycle) is written as
    // `[...]`: `open` holds the containers being written, the path from
    // the top value down to the current piece.
    let mut work: Vec<Piece> = vec![Piece::Value(v.clone())];
    let mut open = OpenPath::default();
    while let Some(piece) = work.pop() {
        if !limits::text_fits(out.len()) {
            return;
        }
        if out.len() - *charged >= CHARGE_EVERY {
            limits::charge_units_later((out.len() - *charged) as u64 / 4);
            *charged = out.len();
            if limits::limit_pending() {
                return;
            }
        }
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Owned(t) => out.push_str(&t),
            Piece::Leave(id) => open.leave(id),
            Piece::Value(v) => {
                if write_scalar(out, &v, true, keep_point) {
                    continue;
                }
                if let Some(id) = cycle_id(&v) {
                    if !open.enter(id) {
                        out.push_str(&cycle_text(&v));
                        continue;
                    }
                    work.push(Piece::Leave(id));
                }
                push_container(&mut work, &v);
            }
        }
    }
}

pub(super) fn push_seq(
    work: &mut Vec<Piece>,
    open: &'static str,
    items: &[Value],
    close: &'static str,
) {
    work.push(Piece::Text(close));
    for (i, item) in items.iter().enumerate().rev() {
        work.push(Piece::Value(item.clone()));
        if i > 0 {
            work.push(Piece::Text(", "));
        }
    }
    work.push(Piece::Text(open));
}

pub(super) fn push_container(work: &mut Vec<Piece>, v: &Value) {
    match v {
        Value::List(l) => push_seq(work, "[", &l.items.borrow(), "]"),
        Value::Tuple(t) => {
            let close = if t.items.len() == 1 { ",)" } else { ")" };
            push_seq(work, "(", &t.items, close)
        }
        Value::Dict(d) => {
            let map = d.map.borrow();
            work.push(Piece::Text("}"));
            for (i, (k, val)) in map.iter().enumerate().rev() {
                work.push(Piece::Value(val.clone()));
                work.push(Piece::Text(": "));
                work.push(Piece::Value(k.0.clone()));
                if i > 0 {
                    work.push(Piece::Text(", "));
                }
            }
            work.push(Piece::Text("{"));
        }
        Value::Instance(inst) => {
            if let Some((open, items, close)) = crate::printed_form::collection_items(inst) {
                push_seq(work, open, &items, close);
                return;
            }
            let fields = inst.values();
            work.push(Piece::Text(if fields.is_empty() { " {}" } else { " }" }));
            for (i, val) in fields.into_iter().enumerate().rev() {
                work.push(Piece::Value(val));
                let name = inst
                    .class
                    .field_names
                    .get(i)
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                let sep = if i > 0 { ", " } else { " { " };
                work.push(Piece::Owned(format!("{sep}{name}: ")));
            }
            work.push(Piece::Owned(inst.class.name.to_string()));
        }
        Value::Enum(e) => {
            let head = format!(
                "{}.{}",
                e.info.name,
                e.info
                    .variants
                    .get(e.tag as usize)
                    .map(|s| &**s)
                    .unwrap_or("?")
            );
            if e.payload.is_empty() {
                work.push(Piece::Owned(head));
            } else {
                push_seq(work, "(", &e.payload, ")");
                work.push(Piece::Owned(head));
            }
        }
        Value::Cell(c) => work.push(Piece::Value(c.borrow().clone())),
        _ => work.push(Piece::Text("?")),
    }
}

/// Write a non-container; returns false for containers.
pub(super) fn write_scalar(out: &mut String, v: &Value, quoted: bool, keep_point: bool) -> bool {
    match v {
        Value::Nil => out.push_str("nil"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Value::Float(f) => write_float_text(out, *f, keep_point),
        Value::BigInt(b) => {
            // Quadratic work, charged to the step limit; a number too large
            // to write within a whole run's steps is not written (the run
            // then stops with a ResourceLimit error at its next check).
            if limits::charge_units_later(crate::runtime::arith::decimal_text_units(b.bits())) {
                let _ = write!(out, "{b}");
            } else {
                let _ = write!(out, "<int of {} bits>", b.bits());
            }
        }
        Value::Decimal(d) => out.push_str(&d.text()),
        Value::Str(s) => {
            if quoted {
                write_quoted(out, &s.text);
            } else {
                out.push_str(&s.text);
            }
        }
        Value::Range(r) => {
            let _ = write!(
                out,
                "{}{}{}",
                r.start,
                if r.inclusive { "..=" } else { ".." },
                r.end
            );
            if r.step != 1 {
                let _ = write!(out, "..{}", r.step);
            }
        }
        Value::Function(f) => match f.captures.first() {
            // A compiler-made guard around a function that entered a
            // typed place from `any` (its result is checked): it prints
            // as the function it wraps.
            Some(wrapped) if f.proto.hidden && f.captures.len() == 1 => {
                write_value(out, wrapped, quoted)
            }
            _ => {
                let _ = write!(out, "<fn {}>", f.proto.name);
            }
        },
        Value::Native(n) => {
            let _ = write!(out, "<fn {}>", n.name);
        }
        Value::BoundMethod(b) => {
            let _ = write!(out, "<fn {}>", b.name);
        }
        Value::Error(e) => {
            out.push_str(&e.kind);
            if !e.message.is_empty() {
                out.push_str(": ");
                out.push_str(&e.message);
            }
        }
        Value::Class(c) => {
            let _ = write!(out, "<frame {}>", c.name);
        }
        Value::Iterator(_) => out.push_str("<iterator>"),
        Value::Channel(_) => out.push_str("<channel>"),
        Value::Shared(_) => out.push_str("<shared>"),
        Value::Host(h) => {
            let _ = write!(out, "<fn {}>", h.name);
        }
        Value::HostObject(o) => o.write_to(out),
        Value::Enum(e) if e.payload.is_empty() => {
            let name = e
                .info
                .variants
                .get(e.tag as usize)
                .map(|s| &**s)
                .unwrap_or("?");
            let _ = write!(out, "{}.{}", e.info.name, name);
        }
        Value::List(_)
        | Value::Dict(_)
        | Value::Tuple(_)
        | Value::Instance(_)
        | Value::Enum(_)
        | Value::Cell(_) => return false,
    }
    true
}

pub(super) fn write_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether a big integer value is zero (helper for arithmetic).
pub fn big_is_zero(b: &BigInt) -> bool {
    b.is_zero()
}
