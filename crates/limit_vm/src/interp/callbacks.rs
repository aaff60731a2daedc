//! Built-in methods that call back into Limit (`list.map(f)`, `filter`,
//! `reduce`, `sort(key)`) run as resumable state machines on the VM's own
//! frame stack, never by re-entering the dispatch loop from Rust.
//!
//! Starting such a method pushes a *continuation frame*: a frame of one of
//! the VM's own functions (`CONTINUATIONS`), whose code is a single
//! `ResumeNative`, and whose slots hold the method's whole state. Each time
//! that instruction runs it consumes the result of the previous callback,
//! then pushes the call of the next one as an ordinary frame (its return
//! comes back to the same instruction) or returns the method's result like
//! `Return`. This is Lua's `lua_callk` idea: the Rust stack does not grow
//! per Limit call, so recursion through a callback reaches the ordinary
//! depth limit (`StackOverflow`, with a trace), and a fiber that blocks
//! inside a callback is saved and resumed with the rest of its frames.
//!
//! The `deinit`s of released instances run the same way: a *deinit
//! driver* frame (no slots) calls each queued `deinit` in turn, so a
//! `deinit` that releases more instances nests frames, not Rust calls.

use std::cmp::Ordering;

use super::Vm;
use crate::errors::{fail, kinds, Trap};
use crate::opcode::Op;
use crate::program::FunctionProto;
use crate::runtime::methods::Method;
use crate::value::{compare, List, Value};

/// A built-in method driven by a continuation frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Driven {
    Map,
    Filter,
    Reduce,
    Sort,
    /// Runs the queued `deinit`s.
    Deinit,
}

/// What `ResumeNative` did.
pub(super) enum Resumed {
    /// It pushed the frame of the next call.
    Called,
    /// The method returned this value (its frame is gone).
    Returned(Value),
    /// The deinit driver found no more work (its frame is gone; it has no
    /// value).
    Done,
}

/// The continuation functions, in `Driven` order, by the name traces show.
const CONTINUATIONS: [(Driven, &str); 5] = [
    (Driven::Map, "map"),
    (Driven::Filter, "filter"),
    (Driven::Reduce, "reduce"),
    (Driven::Sort, "sort"),
    (Driven::Deinit, "deinit"),
];

/// Slots of a continuation frame, from its base (the receiver's slot).
const RECEIVER: usize = 0;
const CALLBACK: usize = 1;
/// The items as the method started (a list no Limit code sees).
const ITEMS: usize = 2;
/// The index of the item whose callback result is awaited next.
const INDEX: usize = 3;
/// What the method builds: the output list (`map`, `filter`), the
/// accumulator (`reduce`), the keys (`sort`).
const ACC: usize = 4;
/// `true` when each call's arguments are checked against the callback's
/// declared parameters: the method was reached by `InvokeAny`, where the
/// checker proved nothing of the elements or the function
/// (`check/callbacks.rs`); typed calls leave it `false` and pay nothing.
const CHECKED: usize = 5;
/// Stack height above the base while no callback runs.
const SLOTS: usize = 6;

/// The functions appended to every loaded program for continuation frames.
pub(super) fn continuation_protos() -> impl Iterator<Item = FunctionProto> {
    CONTINUATIONS.iter().map(|(_, name)| FunctionProto {
        name: (*name).to_string(),
        code: vec![Op::ResumeNative],
        ..FunctionProto::default()
    })
}

/// Whether built-in method `m` with these arguments on `receiver` calls
/// back into Limit, and so runs as a continuation frame.
pub(super) fn driven(m: Method, receiver: &Value, args: &[Value]) -> Option<Driven> {
    if !matches!(receiver, Value::List(_)) {
        return None;
    }
    match m {
        Method::Map => Some(Driven::Map),
        Method::Filter => Some(Driven::Filter),
        Method::Reduce => Some(Driven::Reduce),
        Method::Sort | Method::SortBy if !matches!(args.first(), None | Some(Value::Nil)) => {
            Some(Driven::Sort)
        }
        _ => None,
    }
}

impl Vm {
    /// The driven method of continuation function `func`, if it is one.
    pub(super) fn continuation_kind(&self, func: u32) -> Option<Driven> {
        let i = func.checked_sub(self.first_continuation)? as usize;
        CONTINUATIONS.get(i).map(|(kind, _)| *kind)
    }

    /// Start `kind` on the list at `stack[recv]` with `args` (taken off
    /// the stack): push its continuation frame, whose `ResumeNative` then
    /// makes the first call.
    pub(super) fn start_driven(
        &mut self,
        kind: Driven,
        recv: usize,
        args: Vec<Value>,
    ) -> Result<(), Trap> {
        let Value::List(list) = &self.stack[recv] else {
            return fail(kinds::ERROR, "a driven method needs a list");
        };
        let method = match kind {
            Driven::Map => Method::Map,
            Driven::Filter => Method::Filter,
            Driven::Reduce => Method::Reduce,
            Driven::Sort | Driven::Deinit => Method::Sort,
        };
        crate::runtime::collections::charge_pass(method, list)?;
        let items = list.items.borrow().clone();
        let mut args = args.into_iter();
        let callback = args.next().unwrap_or_default();
        let (index, acc) = match kind {
            Driven::Map | Driven::Filter | Driven::Sort => {
                let capacity = if kind == Driven::Filter {
                    0
                } else {
                    items.len()
                };
                (0, Value::list(Vec::with_capacity(capacity)))
            }
            Driven::Deinit => return fail(kinds::ERROR, "deinit is not a list method"),
            Driven::Reduce => match args.next() {
                Some(init) => (0, init),
                None => match items.first() {
                    Some(first) => (1, first.clone()),
                    None => {
                        return fail(
                            kinds::ERROR,
                            "reduce of an empty list without an initial value",
                        )
                    }
                },
            },
        };
        self.stack.truncate(recv + 1);
        self.stack.push(callback);
        self.stack.push(Value::list(items));
        self.stack.push(Value::Int(index));
        self.stack.push(acc);
        self.stack.push(Value::Bool(false));
        let func = self.first_continuation + kind as u32;
        self.push_frame(func, None, recv, recv, 0, false)
    }

    /// Run `ResumeNative` in the running continuation frame: consume the
    /// result on top (if a callback returned one), then push the next
    /// callback's frame (`None`), or pop the continuation frame and give
    /// the method's result (`Some`) for the caller to receive like a
    /// returned value. Callbacks that are not Limit functions (`str`,
    /// a built-in) return at once and the loop goes on here.
    pub(super) fn resume_driven(&mut self) -> Result<Resumed, Trap> {
        let Some(frame) = self.frames.last() else {
            return fail(kinds::ERROR, "no continuation frame");
        };
        let (func, base) = (frame.func, frame.base);
        let Some(kind) = self.continuation_kind(func) else {
            return fail(kinds::ERROR, "ResumeNative outside a continuation frame");
        };
        if kind == Driven::Deinit {
            return self.resume_deinits(base);
        }
        let idle = base + SLOTS;
        loop {
            match self.stack.len() {
                n if n == idle + 1 => {
                    let result = self.stack.pop().unwrap_or_default();
                    self.consume(kind, base, result)?;
                }
                n if n > idle => {
                    // A built-in callback blocked the fiber and left its
                    // call behind: it is made again now.
                    self.stack.truncate(idle);
                }
                n if n < idle => return fail(kinds::ERROR, "continuation frame lost its state"),
                _ => {}
            }
            let index = slot_int(&self.stack[base + INDEX]);
            let next = match &self.stack[base + ITEMS] {
                Value::List(items) => items.items.borrow().get(index).cloned(),
                _ => None,
            };
            let Some(item) = next else {
                return self.finish(kind, base).map(Resumed::Returned);
            };
            let callback = self.stack[base + CALLBACK].clone();
            self.stack.push(callback);
            if kind == Driven::Reduce {
                let acc = self.stack[base + ACC].clone();
                self.stack.push(acc);
            }
            self.stack.push(item);
            let argc = if kind == Driven::Reduce { 2 } else { 1 };
            // The callback's return resumes this frame at its only
            // instruction.
            if let Some(f) = self.frames.last_mut() {
                f.ip = 0;
            }
            let entered = self.call_value_at(idle, argc).and_then(|pushed| {
                if pushed && matches!(self.stack[base + CHECKED], Value::Bool(true)) {
                    self.check_entered_arguments(idle + 1 + argc)?;
                }
                Ok(pushed)
            });
            match entered {
                Ok(true) => return Ok(Resumed::Called),
                Ok(false) => {}
                Err(t) => {
                    if let Some(f) = self.frames.last_mut() {
                        f.ip = 1;
                    }
                    self.stack.truncate(idle);
                    return Err(t);
                }
            }
        }
    }

    /// When `func` at `base` is a continuation frame (of a built-in
    /// method reached by `InvokeAny`): makes it check the arguments of
    /// every call it makes, and says so.
    pub(crate) fn check_driven_calls(&mut self, func: u32, base: usize) -> bool {
        if self.continuation_kind(func).is_none() {
            return false;
        }
        if let Some(slot) = self.stack.get_mut(base + CHECKED) {
            *slot = Value::Bool(true);
        }
        true
    }

    /// Push a deinit driver frame when instances wait for their `deinit`
    /// and the running frame is not a driver already (which takes them
    /// when it resumes: a chain of instances released one by one by their
    /// predecessors' `deinit`s then runs in one driver, not a tower of
    /// them). Returns whether it pushed one.
    pub(super) fn start_deinits(&mut self) -> Result<bool, Trap> {
        let driver = self.first_continuation + Driven::Deinit as u32;
        if !crate::value::has_pending_deinit()
            || self.frames.last().is_some_and(|f| f.func == driver)
        {
            return Ok(false);
        }
        let base = self.stack.len();
        self.push_deinit_frame(driver, base, 0)?;
        Ok(true)
    }

    /// `ResumeNative` in a deinit driver at `base`: drop what the last
    /// `deinit` returned, then call the next queued one, oldest first.
    fn resume_deinits(&mut self, base: usize) -> Result<Resumed, Trap> {
        loop {
            while self.stack.len() > base {
                if let Some(v) = self.stack.pop() {
                    v.discard();
                }
            }
            let Some(obj) = crate::value::next_pending_deinit() else {
                self.frames.pop();
                return Ok(Resumed::Done);
            };
            // The queue is per thread: an instance of another VM's program
            // (an earlier engine run, a finished session) is released
            // without its `deinit`, which belongs to that program.
            let deinit = match &obj {
                Value::Instance(inst) if inst.class.lineage == self.lineage => inst.class.deinit,
                _ => None,
            };
            let Some(deinit) = deinit else {
                drop(obj);
                continue;
            };
            if let Some(f) = self.frames.last_mut() {
                f.ip = 0;
            }
            self.stack.push(obj);
            if let Err(t) = self.push_deinit_frame(deinit, base, 1) {
                if let Some(f) = self.frames.last_mut() {
                    f.ip = 1;
                }
                self.stack.truncate(base);
                return Err(t);
            }
            return Ok(Resumed::Called);
        }
    }

    /// Take the callback `result` for the item at the frame's index.
    fn consume(&mut self, kind: Driven, base: usize, result: Value) -> Result<(), Trap> {
        let index = slot_int(&self.stack[base + INDEX]);
        match kind {
            Driven::Map | Driven::Sort => push_to(&self.stack[base + ACC], result)?,
            Driven::Filter => {
                if result.truthy() {
                    let item = match &self.stack[base + ITEMS] {
                        Value::List(items) => items.items.borrow().get(index).cloned(),
                        _ => None,
                    };
                    push_to(&self.stack[base + ACC], item.unwrap_or_default())?;
                }
                result.discard();
            }
            Driven::Reduce => self.stack[base + ACC] = result,
            Driven::Deinit => result.discard(),
        }
        self.stack[base + INDEX] = Value::Int(index as i64 + 1);
        Ok(())
    }

    /// Every callback returned: compute the result and pop the frame.
    fn finish(&mut self, kind: Driven, base: usize) -> Result<Value, Trap> {
        let result = match kind {
            Driven::Map | Driven::Filter | Driven::Reduce | Driven::Deinit => {
                std::mem::take(&mut self.stack[base + ACC])
            }
            Driven::Sort => {
                let (Value::List(list), Value::List(items), Value::List(keys)) = (
                    &self.stack[base + RECEIVER],
                    &self.stack[base + ITEMS],
                    &self.stack[base + ACC],
                ) else {
                    return fail(kinds::ERROR, "continuation frame lost its state");
                };
                sort_by_keys(list, &items.items.borrow(), &keys.items.borrow())?;
                self.stack[base + RECEIVER].clone()
            }
        };
        // Infallible: `ResumeNative` runs in this continuation frame.
        let frame = self.frames.pop().expect("the continuation frame runs");
        while self.stack.len() > frame.ret {
            if let Some(v) = self.stack.pop() {
                v.discard();
            }
        }
        Ok(result)
    }
}

/// Sort `list` by `keys`, computed for `items` (the list's items when the
/// sort started). The list keeps its items until every key is known and
/// comparable; a key function that changed the list (a push, a store, a
/// removal) is an error that leaves the list as the key left it, since
/// items it added have no key.
fn sort_by_keys(list: &List, items: &[Value], keys: &[Value]) -> Result<(), Trap> {
    let unchanged = {
        let now = list.items.borrow();
        now.len() == items.len() && now.iter().zip(items).all(|(a, b)| a.identical(b))
    };
    if !unchanged {
        return fail(kinds::ERROR, "list changed by the sort key during sort");
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    let mut bad = false;
    order.sort_by(|&a, &b| {
        compare(&keys[a], &keys[b]).unwrap_or_else(|| {
            bad = true;
            Ordering::Equal
        })
    });
    if bad {
        return fail(kinds::TYPE_ERROR, "sort keys cannot be compared");
    }
    let sorted: Vec<Value> = order.iter().map(|&i| items[i].clone()).collect();
    *list.items.borrow_mut() = sorted;
    Ok(())
}

/// Append `v` to the list in `slot` (the state of a continuation frame).
fn push_to(slot: &Value, v: Value) -> Result<(), Trap> {
    match slot {
        Value::List(l) => l.push(v),
        _ => fail(kinds::ERROR, "continuation frame lost its state"),
    }
}

/// The index held in a continuation frame's slot.
fn slot_int(v: &Value) -> usize {
    match v {
        Value::Int(i) => *i as usize,
        _ => usize::MAX,
    }
}
