//! Calls and returns: frames, calls of every kind of callee (Limit
//! functions, built-ins, host functions, bound methods, classes), method
//! invocation and closures.

use super::*;

impl Vm {
    /// `InvokeMethod` on an instance whose class the call site's inline
    /// cache (`entries`, at instruction `site` of function `func`) does
    /// not hold: look the method up by name and cache it. Returns true
    /// when a frame was pushed.
    #[cold]
    pub(super) fn invoke_missed(
        &mut self,
        func: u32,
        site: usize,
        entries: CacheEntries,
        recv: usize,
        name: u32,
        argc: u8,
    ) -> Result<bool, Trap> {
        let Value::Instance(inst) = &self.stack[recv] else {
            return self.invoke(name, recv, argc as usize);
        };
        let id = inst.class.id + 1;
        let name_str = self.constants[name as usize].clone();
        match inst.class.method_map.get(name_str.as_str().unwrap_or("")) {
            Some(&m) => {
                if self.options.trace || self.options.stats {
                    self.stats.cache_misses += 1;
                }
                self.remember_in(func, site, entries, id, m);
                self.push_frame(m, None, recv, recv, argc as usize + 1, false)?;
                Ok(true)
            }
            None => self.invoke(name, recv, argc as usize),
        }
    }

    /// `InvokeSlot`: the method in slot `slot` of the receiver's class,
    /// called with the `argc` arguments above the receiver.
    pub(super) fn invoke_slot(&mut self, slot: u16, argc: u8) -> Result<(), Trap> {
        let recv = self.stack.len() - argc as usize - 1;
        let m = match &self.stack[recv] {
            Value::Instance(inst) => inst.class.methods.get(slot as usize).map(|m| m.1),
            other => return field_type_error(other),
        };
        match m {
            Some(m) => self.push_frame(m, None, recv, recv, argc as usize + 1, false),
            None => fail(kinds::TYPE_ERROR, "method slot out of range"),
        }
    }

    /// `CallNative`: built-in `n` on the `argc` arguments on top, which
    /// its result replaces.
    pub(super) fn call_native(&mut self, n: u16, argc: u8) -> Result<(), Trap> {
        let Some(native) = builtins::native(n) else {
            return fail(kinds::ERROR, &format!("unknown built-in #{n}"));
        };
        check_native_args(native, argc as usize)?;
        let at = self.stack.len() - argc as usize;
        let args: Vec<Value> = self.stack.drain(at..).collect();
        let r = (native.func)(self, &args);
        if r.as_ref().is_err_and(sched::is_suspend) {
            self.stack.extend(args); // retried when resumed
        }
        self.stack.push(r?);
        Ok(())
    }

    /// Push a frame for function `func` whose `argc` arguments start at `base`.
    #[inline(always)]
    pub(super) fn push_frame(
        &mut self,
        func: u32,
        closure: Option<Rc<Closure>>,
        base: usize,
        ret: usize,
        argc: usize,
        ctor: bool,
    ) -> Result<(), Trap> {
        let Some(proto) = self.functions.get(func as usize) else {
            return fail(kinds::ERROR, &format!("call of unknown function #{func}"));
        };
        let arity = proto.arity as usize;
        if argc != arity {
            if argc < proto.required as usize || argc > arity {
                return fail(
                    kinds::TYPE_ERROR,
                    &format!(
                        "{}() takes {} arguments but {} were given",
                        proto.name, arity, argc
                    ),
                );
            }
            for _ in argc..arity {
                self.stack.push(Value::Nil);
            }
        }
        if self.frames.len() >= self.options.limits.max_call_depth + self.depth_headroom {
            return fail(
                kinds::STACK_OVERFLOW,
                &format!(
                    "maximum call depth of {} frames exceeded",
                    self.options.limits.max_call_depth
                ),
            );
        }
        let locals = proto.num_locals as usize;
        self.countdown -= 1;
        if self.countdown == 0 {
            self.checkpoint()?;
        }
        if locals > 0 {
            self.stack.resize(self.stack.len() + locals, Value::Nil);
        }
        self.frames.push(Frame {
            func,
            ip: 0,
            base,
            ret,
            closure,
            ctor,
        });
        Ok(())
    }

    /// Push the frame of a `deinit` or of its driver (`argc` arguments at
    /// `base`). It may go past the call-depth limit by `DEINIT_HEADROOM`
    /// frames: an instance released at the limit still gets its `deinit`
    /// (which runs exactly once, docs/reference.md §7), and a failure to start it
    /// would otherwise lose it or raise into code that never called it.
    /// Calls the `deinit` itself makes count against the limit as usual.
    pub(super) fn push_deinit_frame(
        &mut self,
        func: u32,
        base: usize,
        argc: usize,
    ) -> Result<(), Trap> {
        self.depth_headroom = DEINIT_HEADROOM;
        let pushed = self.push_frame(func, None, base, base, argc, false);
        self.depth_headroom = 0;
        pushed
    }

    /// The function and base of the frame on top, if any.
    pub(crate) fn top_frame_start(&self) -> Option<(u32, usize)> {
        self.frames.last().map(|f| (f.func, f.base))
    }

    /// Removes the frame a call just pushed, before its first instruction
    /// (its arguments were refused): the error is then the caller's.
    pub(crate) fn pop_entered_frame(&mut self) {
        self.frames.pop();
    }

    /// Set up a call of the value at `stack[callee]` with `argc` arguments
    /// above it. Returns true when a Limit frame was pushed; otherwise the
    /// result already replaced the callee and arguments.
    pub(super) fn call_value_at(&mut self, callee: usize, argc: usize) -> Result<bool, Trap> {
        if let Value::Host(_) = &self.stack[callee] {
            return self.call_host_at(callee);
        }
        let f = self.stack[callee].clone();
        match f {
            Value::Function(c) => {
                let index = c.index;
                self.push_frame(index, Some(c), callee + 1, callee, argc, false)?;
                Ok(true)
            }
            Value::Host(_) => self.call_host_at(callee),
            Value::Native(n) => {
                check_native_args(n, argc)?;
                let args: Vec<Value> = self.stack.drain(callee + 1..).collect();
                let r = match (n.func)(self, &args) {
                    Ok(r) => r,
                    Err(t) => {
                        if sched::is_suspend(&t) {
                            self.stack.extend(args); // retried when resumed
                        }
                        return Err(t);
                    }
                };
                self.stack.truncate(callee);
                self.stack.push(r);
                Ok(false)
            }
            Value::BoundMethod(b) => {
                self.stack[callee] = b.receiver.clone();
                match b.function {
                    Some(func) => {
                        self.push_frame(func, None, callee, callee, argc + 1, false)?;
                        Ok(true)
                    }
                    None => {
                        let m = Method::from_name(&b.name);
                        self.invoke_builtin(m, &b.name, callee)
                    }
                }
            }
            Value::Class(class) => self.construct(&class, callee, argc),
            Value::Nil => fail(kinds::NIL_ACCESS, "cannot call nil"),
            other => fail(
                kinds::TYPE_ERROR,
                &format!("{} is not callable", other.type_name_with_article()),
            ),
        }
    }

    /// Run host code `body` on the arguments at `stack[from..]`, moved off
    /// the stack first (host code gets the VM, which it may run again)
    /// into a buffer kept across calls; the stack ends at `from`.
    pub(super) fn with_host_args<R>(
        &mut self,
        from: usize,
        body: impl FnOnce(&mut Vm, &[Value]) -> R,
    ) -> R {
        let mut args = std::mem::take(&mut self.host_args);
        let from = from.min(self.stack.len());
        let count = self.stack.len() - from;
        args.reserve(count);
        // SAFETY: `count` values start at `stack[from]` (`from + count` is
        // the stack's length) and `args` has room for `count` more after
        // its length (reserved above); the two vectors never overlap. The
        // values are moved bit for bit, and the stack's length drops to
        // `from` before anything can drop them: each is owned by `args`
        // alone and dropped once. (A drain made the same move element by
        // element: about 60 instructions of a two-argument host call.)
        unsafe {
            let source = self.stack.as_ptr().add(from);
            let target = args.as_mut_ptr().add(args.len());
            std::ptr::copy_nonoverlapping(source, target, count);
            self.stack.set_len(from);
            args.set_len(args.len() + count);
        }
        let result = body(self, &args);
        args.clear();
        self.host_args = args;
        result
    }

    /// Call the host function at `stack[callee]` with the arguments above
    /// it; its result replaces them.
    pub(super) fn call_host_at(&mut self, callee: usize) -> Result<bool, Trap> {
        // The function's slot gets the result: take it rather than count
        // one more reference.
        let Value::Host(h) = std::mem::take(&mut self.stack[callee]) else {
            return fail(kinds::ERROR, "a host call of a value that is not one");
        };
        let r = self.with_host_args(callee + 1, |vm, args| (h.func)(vm, args))?;
        self.stack.truncate(callee);
        self.stack.push(r);
        Ok(false)
    }

    /// Construct an instance of `class` from the call at `callee`.
    pub(super) fn construct(
        &mut self,
        class: &Rc<Class>,
        callee: usize,
        argc: usize,
    ) -> Result<bool, Trap> {
        if class.is_abstract {
            // A direct `A()` is a compile error; a frame held in a
            // variable is only known here.
            return fail(
                kinds::TYPE_ERROR,
                &format!(
                    "cannot instantiate abstract frame `{}`; instantiate a frame that extends it",
                    class.name
                ),
            );
        }
        // The compiled constructor gives the fields not passed their
        // defaults (or zero values), then runs `init` if there is one, as
        // `Frame(…)` written out does (one constructor for a frame with
        // `init`, one per positional count for the others).
        let maker = match class.init {
            Some(_) => class.value_makers.first(),
            None => class.value_makers.get(argc),
        };
        if let Some(&maker) = maker {
            self.push_frame(maker, None, callee + 1, callee, argc, false)?;
            return Ok(true);
        }
        // Every field nil until set below or by `init`.
        let inst = Value::instance(class.clone(), []);
        self.stats.allocations += 1;
        if gc::due() || self.options.limits.max_heap_bytes.is_some() {
            self.after_allocation()?;
        }
        match class.init {
            Some(init) => {
                self.stack[callee] = inst;
                self.push_frame(init, None, callee, callee, argc + 1, true)?;
                Ok(true)
            }
            None => {
                if argc > class.field_names.len() {
                    return fail(
                        kinds::TYPE_ERROR,
                        &format!(
                            "{} has {} fields but {} values were given",
                            class.name,
                            class.field_names.len(),
                            argc
                        ),
                    );
                }
                let args: Vec<Value> = self.stack.drain(callee + 1..).collect();
                if let Value::Instance(i) = &inst {
                    for (slot, v) in args.into_iter().enumerate() {
                        i.set(slot, v);
                    }
                }
                self.stack[callee] = inst;
                Ok(false)
            }
        }
    }

    /// Call a value from native code (re-enters the dispatch loop).
    pub fn call(&mut self, f: &Value, args: &[Value]) -> Result<Value, Trap> {
        self.call_with(f, args, false)
    }

    /// [`Vm::call`]; with `check_arguments`, a Limit function reached
    /// checks the arguments against its parameters' declared types first,
    /// as from a `CallAny` (the host proved nothing about them).
    pub fn call_with(
        &mut self,
        f: &Value,
        args: &[Value],
        check_arguments: bool,
    ) -> Result<Value, Trap> {
        let height = self.stack.len();
        let depth = self.frames.len();
        self.stack.push(f.clone());
        self.stack.extend(args.iter().cloned());
        let top = self.stack.len();
        let entered = self.call_value_at(height, args.len()).and_then(|pushed| {
            if pushed && check_arguments {
                self.check_entered_arguments(top)?;
            }
            Ok(pushed)
        });
        let result = match entered {
            Ok(true) => self.execute(depth),
            Ok(false) => Ok(self.stack.pop().unwrap_or_default()),
            Err(t) => Err(t),
        };
        if result.is_err() {
            self.frames.truncate(depth);
            if depth == 0 {
                // A host's call failed mid-statement (see `run`).
                sched::release_held(self);
            }
        }
        self.stack.truncate(height);
        result
    }

    /// Call a built-in method on the receiver at `recv` with its arguments
    /// above it. Returns true when it pushed a continuation frame (a method
    /// that calls back into Limit: interp/callbacks.rs); otherwise the
    /// result replaced the receiver and arguments.
    pub(super) fn invoke_builtin(
        &mut self,
        m: Method,
        name: &str,
        recv: usize,
    ) -> Result<bool, Trap> {
        let argc = self.stack.len() - recv - 1;
        methods::check_arity(m, name, &self.stack[recv], argc)?;
        let args: Vec<Value> = self.stack.drain(recv + 1..).collect();
        if let Some(kind) = callbacks::driven(m, &self.stack[recv], &args) {
            self.start_driven(kind, recv, args)?;
            return Ok(true);
        }
        let receiver = self.stack.pop().unwrap_or_default();
        let r = match methods::invoke(self, m, name, &receiver, &args) {
            Ok(r) => r,
            Err(t) => {
                if sched::is_suspend(&t) {
                    // Retried when the fiber is resumed.
                    self.stack.push(receiver);
                    self.stack.extend(args);
                }
                return Err(t);
            }
        };
        self.stack.push(r);
        Ok(false)
    }

    /// `Invoke`/`InvokeMethod` on the receiver at `recv`: returns true when
    /// a frame was pushed.
    pub(super) fn invoke(&mut self, name_k: u32, recv: usize, argc: usize) -> Result<bool, Trap> {
        match &self.stack[recv] {
            Value::Instance(inst) => {
                let name = self.constants[name_k as usize].clone();
                let name = name.as_str().unwrap_or("");
                if let Some(&func) = inst.class.method_map.get(name) {
                    self.push_frame(func, None, recv, recv, argc + 1, false)?;
                    return Ok(true);
                }
                // A field holding a function.
                if let Some(slot) = inst.class.field_slot(name) {
                    let f = inst.get(slot).unwrap_or_default();
                    self.stack[recv] = f;
                    return self.call_value_at(recv, argc);
                }
                fail(
                    kinds::TYPE_ERROR,
                    &format!("{} has no method {}", inst.class.name, name),
                )
            }
            // A built-in method of dicts wins over an entry of that name (as
            // the checker and the dispatch loop's fast paths see it); an
            // entry holding a function under another name is called.
            Value::Dict(_)
                if crate::runtime::methods::is_dict_method(self.const_methods[name_k as usize]) =>
            {
                let m = self.const_methods[name_k as usize];
                let name = self.constants[name_k as usize].clone();
                self.invoke_builtin(m, name.as_str().unwrap_or(""), recv)
            }
            Value::Dict(d) => {
                let key = Key(self.constants[name_k as usize].clone());
                let f = d.map.borrow().get(&key).cloned();
                match f {
                    Some(f)
                        if matches!(
                            f,
                            Value::Function(_) | Value::Native(_) | Value::BoundMethod(_)
                        ) =>
                    {
                        self.stack[recv] = f;
                        self.call_value_at(recv, argc)
                    }
                    _ => {
                        let m = self.const_methods[name_k as usize];
                        let name = self.constants[name_k as usize].clone();
                        self.invoke_builtin(m, name.as_str().unwrap_or(""), recv)
                    }
                }
            }
            Value::HostObject(object) => {
                let object = object.clone();
                let name = self.constants[name_k as usize].clone();
                // The method gets the VM (to call back a function it is
                // passed), as a host function does.
                let result = self.with_host_args(recv + 1, |vm, args| {
                    object.invoke(vm, name.as_str().unwrap_or(""), args)
                })?;
                self.stack.truncate(recv);
                self.stack.push(result);
                Ok(false)
            }
            Value::Class(_) | Value::Nil if false => Ok(false),
            _ => {
                let m = self.const_methods[name_k as usize];
                let name = self.constants[name_k as usize].clone();
                self.invoke_builtin(m, name.as_str().unwrap_or(""), recv)
            }
        }
    }

    /// Remember `value` for class id + 1 `id` in the inline cache of
    /// instruction `site` of function `func`.
    #[cold]
    pub(super) fn remember(&mut self, func: u32, site: usize, id: u32, value: u32) {
        let entries = self
            .caches
            .get(func as usize)
            .and_then(|c| c.get(site))
            .copied()
            .unwrap_or([(0, 0); CACHE_WAYS]);
        self.remember_in(func, site, entries, id, value);
    }

    /// `remember`, given the cache's `entries`: the newest first; the
    /// oldest of a full cache goes.
    fn remember_in(&mut self, func: u32, site: usize, entries: CacheEntries, id: u32, value: u32) {
        let mut newer = [(id, value); CACHE_WAYS];
        newer[1..].copy_from_slice(&entries[..CACHE_WAYS - 1]);
        self.fill_cache(func, site, newer);
    }

    /// Records `entries` in the inline cache of instruction `site` of
    /// function `func`, making the function's caches at its first miss.
    #[cold]
    pub(super) fn fill_cache(&mut self, func: u32, site: usize, entries: CacheEntries) {
        let len = self
            .functions
            .get(func as usize)
            .map_or(0, |f| f.code.len());
        if let Some(caches) = self.caches.get_mut(func as usize) {
            if caches.len() < len {
                caches.resize(len, [(0, 0); CACHE_WAYS]);
            }
            if let Some(slot) = caches.get_mut(site) {
                *slot = entries;
            }
        }
    }

    /// Build the closure for function `f` from the frame at `base`.
    pub(super) fn make_closure(&mut self, f: u32, base: usize) -> Result<Value, Trap> {
        let proto = self.functions[f as usize].clone();
        let mut captures = crate::value::Captures::with_capacity(proto.captures.len());
        for cap in &proto.captures {
            let captured = match *cap {
                CaptureSource::Local(slot) => {
                    let v = &mut self.stack[base + slot as usize];
                    match v {
                        Value::Cell(c) => Value::Cell(c.clone()),
                        other => {
                            // Not yet a cell: convert in place so both sides share it.
                            let c = Value::new_cell(std::mem::take(other));
                            *other = Value::Cell(c.clone());
                            Value::Cell(c)
                        }
                    }
                }
                CaptureSource::LocalValue(slot) => self.stack[base + slot as usize].clone(),
                CaptureSource::Upvalue(i) => {
                    match &self.frames.last().and_then(|fr| fr.closure.clone()) {
                        Some(c) => match c.captures.get(i as usize) {
                            Some(captured) => captured.clone(),
                            None => return fail(kinds::ERROR, "capture index out of range"),
                        },
                        None => return fail(kinds::ERROR, "upvalue capture outside a closure"),
                    }
                }
            };
            captures.push(captured);
        }
        Ok(Value::closure(Closure::new(f, proto, captures)))
    }
}

pub(super) fn check_native_args(n: &crate::value::NativeFn, argc: usize) -> Result<(), Trap> {
    if argc < n.min_args as usize || (n.max_args != 255 && argc > n.max_args as usize) {
        return fail(
            kinds::TYPE_ERROR,
            &format!("{}() does not take {} arguments", n.name, argc),
        );
    }
    Ok(())
}

impl Vm {
    /// What the inline cache of the instruction at `site` in the running
    /// function holds for class `class`, if anything: an `Invoke`'s
    /// method (a miss is `Vm::step`'s, which fills the cache), a
    /// `GetFieldByName`'s field slot (filled by the dispatch loop).
    #[inline(always)]
    pub(super) fn cached_entry(&self, class: u32, site: usize) -> Option<u32> {
        let id = class + 1;
        let func = self.frames.last().map_or(0, |f| f.func as usize);
        cache_lookup(self.caches.get(func)?.get(site)?, id)
    }
}

/// Classes an `InvokeMethod` site's inline cache remembers: a call site
/// that sees three or four classes in turn (a list of shapes behind a
/// trait) hits instead of looking the method up by name every time.
pub(super) const CACHE_WAYS: usize = 4;

/// One call site's inline cache: (class id + 1, method) pairs, newest
/// first; 0 marks an empty entry.
pub(super) type CacheEntries = [(u32, u32); CACHE_WAYS];

/// The method `entries` holds for class id + 1 `id`.
#[inline(always)]
pub(super) fn cache_lookup(entries: &CacheEntries, id: u32) -> Option<u32> {
    entries.iter().find(|e| e.0 == id).map(|e| e.1)
}

/// Make room for more frames (out of line: `Vec::reserve` called at every
/// push was a call per Limit call in builds without LTO).
#[cold]
#[inline(never)]
fn grow_frames(frames: &mut Vec<Frame>) {
    frames.reserve(1);
}

/// Push a frame of function `func` with its slot 0 at `base`, its result
/// going to `ret`, written field by field into the vector's spare room: a
/// `Frame` built on the stack and copied in was reloaded in 8- and 16-byte
/// pieces over its 4- and 1-byte fields, which stalls.
#[inline(always)]
pub(super) fn push_frame_fields(
    frames: &mut Vec<Frame>,
    func: u32,
    base: usize,
    ret: usize,
    closure: Option<Rc<Closure>>,
) {
    let len = frames.len();
    if len == frames.capacity() {
        grow_frames(frames);
    }
    // SAFETY: there is room for one more frame after `len` (`grow_frames`
    // made it when there was none); every field is written before the
    // length covers it.
    unsafe {
        let frame = frames.as_mut_ptr().add(len);
        std::ptr::addr_of_mut!((*frame).func).write(func);
        std::ptr::addr_of_mut!((*frame).ip).write(0);
        std::ptr::addr_of_mut!((*frame).base).write(base);
        std::ptr::addr_of_mut!((*frame).ret).write(ret);
        std::ptr::addr_of_mut!((*frame).closure).write(closure);
        std::ptr::addr_of_mut!((*frame).ctor).write(false);
        frames.set_len(len + 1);
    }
}
