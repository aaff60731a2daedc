//! Channels: thread-safe FIFO queues of sendable values, usable from the
//! main program, fibers (`concurrent`) and threads (`parallel`).
//!
//! Blocking depends on where the caller runs (`Vm::conc`):
//! * in a fiber, a receive on an empty channel (or a send on a full one)
//!   suspends the fiber (`sched::suspend`) and the instruction is retried
//!   when the scheduler resumes it;
//! * in a parallel task, the thread waits on the channel's condition
//!   variable, giving up by the draining rule (reference.md §9);
//! * at top level nothing else could send, so an empty channel ends an
//!   `iter` and a `recv` on it is a `Deadlock`.

use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::errors::{fail, kinds, Trap};
use crate::interp::Vm;
use crate::runtime::methods::{self, Method};
use crate::runtime::parking;
use crate::runtime::sched::{self, Resume, Wait};
use crate::runtime::sendable::{materialize, to_send, SendValue};
use crate::value::{IterState, Value};

/// A channel: a queue, its capacity and whether it was closed.
pub struct Channel {
    state: Mutex<State>,
    changed: Condvar,
}

struct State {
    /// The values and their heap bytes (counted by the heap meter while
    /// they wait: `limits::charge_channel`).
    items: VecDeque<Queued>,
    closed: bool,
    /// 0 = unbounded.
    cap: usize,
}

/// A value waiting in a channel, with the bytes it was counted as and the
/// meter of the program that sent it.
struct Queued {
    value: SendValue,
    bytes: usize,
    meter: Option<crate::limits::ChannelMeter>,
}

impl Queued {
    fn new(value: SendValue) -> Queued {
        let bytes = SLOT_BYTES + value.heap_bytes();
        let meter = crate::limits::charge_channel(bytes);
        Queued {
            value,
            bytes,
            meter,
        }
    }

    fn take(self) -> SendValue {
        if let Some(m) = &self.meter {
            m.release(self.bytes);
        }
        self.value
    }
}

/// Bytes a queued value takes besides its contents: its slot, twice (the
/// queue grows by doubling).
const SLOT_BYTES: usize = 2 * std::mem::size_of::<Queued>();

/// Result of a non-blocking receive.
pub enum Pop {
    /// A value was taken.
    Item(SendValue),
    /// Nothing there yet.
    Empty,
    /// Closed and drained.
    Closed,
}

/// Result of a non-blocking send that did not succeed.
pub enum PushError {
    /// Bounded and full: the value is handed back.
    Full(SendValue),
    /// Closed.
    Closed,
}

impl Channel {
    /// A channel with capacity `cap` (0 = unbounded).
    pub fn new(cap: usize) -> Channel {
        Channel {
            state: Mutex::new(State {
                items: VecDeque::new(),
                closed: false,
                cap,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Append `v` unless the channel is full or closed.
    pub fn try_push(&self, v: SendValue) -> Result<(), PushError> {
        let mut s = self.lock();
        if s.closed {
            return Err(PushError::Closed);
        }
        if s.cap > 0 && s.items.len() >= s.cap {
            return Err(PushError::Full(v));
        }
        s.items.push_back(Queued::new(v));
        drop(s);
        self.changed.notify_all();
        Ok(())
    }

    /// Append `v` ignoring the capacity (delivery from a parallel block's
    /// reorder buffer); dropped when the channel was closed meanwhile.
    pub fn force_push(&self, v: SendValue) {
        let mut s = self.lock();
        if !s.closed {
            s.items.push_back(Queued::new(v));
        }
        drop(s);
        self.changed.notify_all();
    }

    /// Take the oldest value, if any.
    pub fn try_pop(&self) -> Pop {
        let mut s = self.lock();
        match s.items.pop_front() {
            Some(q) => {
                drop(s);
                self.changed.notify_all();
                Pop::Item(q.take())
            }
            None if s.closed => Pop::Closed,
            None => Pop::Empty,
        }
    }

    /// Close: later sends fail, receivers drain what is left.
    pub fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }

    /// Whether `close` was called.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Number of queued values.
    pub fn len(&self) -> usize {
        self.lock().items.len()
    }

    /// Whether no value is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a send would not block.
    pub fn has_room(&self) -> bool {
        let s = self.lock();
        s.closed || s.cap == 0 || s.items.len() < s.cap
    }

    /// Whether a receive would not block.
    pub fn is_ready(&self) -> bool {
        let s = self.lock();
        s.closed || !s.items.is_empty()
    }

    /// Wait (at most `limit`) for the channel to change.
    pub fn wait_change(&self, limit: Duration) {
        let s = self.lock();
        let _ = self.changed.wait_timeout(s, limit);
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        let mut s = self.lock();
        for q in std::mem::take(&mut s.items) {
            q.take();
        }
    }
}

/// `channel()` / `channel(cap)`.
pub fn new_channel(args: &[Value]) -> Result<Value, Trap> {
    let cap = match args.first() {
        None | Some(Value::Nil) => 0,
        Some(Value::Int(n)) if *n > 0 => *n as usize,
        Some(Value::Int(_)) => 0,
        Some(other) => {
            return fail(
                kinds::TYPE_ERROR,
                &format!(
                    "channel() expects an int capacity, got {}",
                    other.type_name()
                ),
            )
        }
    };
    Ok(Value::Channel(Arc::new(Channel::new(cap))))
}

/// The methods of a channel value.
pub fn method(
    vm: &mut Vm,
    m: Method,
    name: &str,
    ch: &Arc<Channel>,
    args: &[Value],
) -> Result<Value, Trap> {
    match m {
        Method::Send => send(vm, ch, methods::arg(args, 0)),
        Method::Recv => recv(vm, ch),
        Method::TryRecv => Ok(match ch.try_pop() {
            Pop::Item(v) => incoming(vm, v),
            Pop::Empty => Value::error("ChannelEmpty", "the channel is empty"),
            Pop::Closed => closed_error(),
        }),
        Method::Close => {
            ch.close();
            Ok(Value::Nil)
        }
        Method::Len => Ok(Value::Int(ch.len() as i64)),
        Method::IsClosed => Ok(Value::Bool(ch.is_closed())),
        Method::IsEmpty => Ok(Value::Bool(ch.is_empty())),
        _ => methods::no_method(&Value::Channel(ch.clone()), name),
    }
}

/// The channel item for a value `vm` sends (parking.rs): the original
/// stays parked with a VM of the main thread; a parallel task's value moves.
fn outgoing(vm: &mut Vm, v: &Value) -> Result<SendValue, Trap> {
    let copy = to_send(v)?;
    if !has_identity(&copy) {
        return Ok(copy);
    }
    if vm.conc.task.is_some() {
        parking::give_up_deinit(v);
        return Ok(copy);
    }
    vm.conc.parking.release_dropped();
    let ticket = vm.conc.parking.park(vm.lineage(), v.clone());
    Ok(SendValue::Parked(ticket, Box::new(copy)))
}

/// The value a channel item gives `vm`: the parked original when `vm` sent
/// it, else a copy.
pub(crate) fn incoming(vm: &mut Vm, item: SendValue) -> Value {
    if let SendValue::Parked(ticket, _) = &item {
        let owner = vm.lineage();
        if let Some(v) = vm.conc.parking.take(owner, ticket) {
            return v;
        }
    }
    materialize(vm, &item)
}

/// Whether two copies of the value would be told apart (mutable or with a
/// `deinit`), so that the channel must hold the original.
fn has_identity(v: &SendValue) -> bool {
    matches!(
        v,
        SendValue::List(_)
            | SendValue::Dict(_)
            | SendValue::Tuple(_)
            | SendValue::Instance(..)
            | SendValue::Enum(..)
            | SendValue::Function(..)
            | SendValue::BoundMethod(..)
    )
}

fn closed_error() -> Value {
    Value::error(kinds::CHANNEL_CLOSED, "the channel is closed and drained")
}

fn send(vm: &mut Vm, ch: &Arc<Channel>, v: &Value) -> Result<Value, Trap> {
    if ch.is_closed() {
        return fail(kinds::CHANNEL_CLOSED, "send on a closed channel");
    }
    let mut item = outgoing(vm, v)?;
    // What waits in channels counts against the memory limit.
    crate::limits::check_heap(SLOT_BYTES + item.heap_bytes())?;
    if let Some(outbox) = vm.conc.outbox.as_mut() {
        // A parallel task: delivered in task order when it ends.
        outbox.push((ch.clone(), item));
        return Ok(Value::Nil);
    }
    let _ = sched::take_resume(vm);
    loop {
        match ch.try_push(item) {
            Ok(()) => return Ok(Value::Nil),
            Err(PushError::Closed) => {
                return fail(kinds::CHANNEL_CLOSED, "send on a closed channel")
            }
            Err(PushError::Full(back)) => item = back,
        }
        if vm.conc.in_fiber {
            return Err(sched::suspend(vm, Wait::Send(ch.clone())));
        }
        match vm.conc.task.clone() {
            Some(task) => task.wait_on(ch, true)?,
            None => {
                return fail(
                    kinds::DEADLOCK,
                    "send on a full channel that no running task receives from",
                )
            }
        };
    }
}

fn recv(vm: &mut Vm, ch: &Arc<Channel>) -> Result<Value, Trap> {
    let _ = sched::take_resume(vm);
    loop {
        match ch.try_pop() {
            Pop::Item(v) => return Ok(incoming(vm, v)),
            Pop::Closed => return Ok(closed_error()),
            Pop::Empty => {}
        }
        if vm.conc.in_fiber {
            return Err(sched::suspend(vm, Wait::Recv(ch.clone())));
        }
        match vm.conc.task.clone() {
            Some(task) => {
                if !task.wait_on(ch, false)? {
                    return fail(
                        kinds::DEADLOCK,
                        "recv() on an empty channel that no running task sends to",
                    );
                }
            }
            None => {
                return fail(
                    kinds::DEADLOCK,
                    "recv() on an empty channel that no running task sends to",
                )
            }
        }
    }
}

/// `IterNext` over a channel: the next value, or `None` when the
/// iteration ends (closed and empty, or empty and no other running task
/// could still send).
pub fn iter_next(vm: &mut Vm, ch: &Arc<Channel>) -> Result<Option<Value>, Trap> {
    let ending = sched::take_resume(vm) == Resume::IterEnd;
    loop {
        match ch.try_pop() {
            Pop::Item(v) => return Ok(Some(incoming(vm, v))),
            Pop::Closed => return Ok(None),
            Pop::Empty => {}
        }
        if ending {
            return Ok(None);
        }
        if vm.conc.in_fiber {
            return Err(sched::suspend(vm, Wait::Iter(ch.clone())));
        }
        match vm.conc.task.clone() {
            Some(task) => {
                if !task.wait_on(ch, false)? {
                    return Ok(None);
                }
            }
            None => return Ok(None),
        }
    }
}

/// The channel an iterator runs over, if it is a channel iterator.
pub fn iterated_channel(it: &Rc<std::cell::RefCell<IterState>>) -> Option<Arc<Channel>> {
    match &*it.borrow() {
        IterState::Channel(ch) => Some(ch.clone()),
        _ => None,
    }
}
