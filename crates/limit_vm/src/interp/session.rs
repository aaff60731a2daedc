//! Interactive sessions: a program that grows chunk by chunk.

use super::*;

// ------------------------------------------------------------ sessions

/// Interactive sessions (the REPL, embedders): a program that grows chunk
/// by chunk is re-loaded into the same VM, which keeps its globals, and
/// each chunk's function is run on its own.
impl Vm {
    /// Brings the loaded program up to date with `update`, what a later
    /// chunk of the same session added: its functions, constants, globals
    /// and files are appended (a cost that follows the chunk, not the
    /// session), classes and enums rebuilt, and the globals keep their
    /// values (new ones start as nil). An update that does not fit, or
    /// whose code is invalid, leaves the VM as it was.
    pub fn load(&mut self, update: ProgramUpdate) -> Result<(), RuntimeError> {
        let invalid =
            |msg: String| RuntimeError::new(kinds::ERROR, &format!("invalid program: {msg}"));
        let mut shared = self.conc.program.take().unwrap_or_default();
        let program = std::sync::Arc::make_mut(&mut shared);
        let before = ProgramExtent::of(program);
        let (classes_before, enums_before) = (program.classes.clone(), program.enums.clone());
        let released = update.released.clone();
        let renamed_files = update.renamed_files.clone();
        let refilled_constants = update.refilled_constants.clone();
        let refilled: Vec<usize> = update.refilled_slots().collect();
        let applied = update.apply_to(program).and_then(|()| {
            program.validate_slots(
                (before.functions..program.functions.len()).chain(refilled.iter().copied()),
            )
        });
        if let Err(msg) = applied {
            before.truncate(program);
            for &slot in &refilled {
                if let Some(f) = program.functions.get_mut(slot) {
                    *f = FunctionProto::released();
                }
            }
            program.classes = classes_before;
            program.enums = enums_before;
            self.conc.program = Some(shared);
            return Err(invalid(msg));
        }
        // Released slots drop their code (nothing calls them any more);
        // refilled ones get their new function.
        for &slot in &released {
            if let Some(f) = self.functions.get_mut(slot as usize) {
                *f = released_function();
            }
            if let Some(c) = self.caches.get_mut(slot as usize) {
                *c = Vec::new();
            }
        }
        for &slot in &refilled {
            self.functions[slot] = prepared_function(&mut program.functions[slot]);
            self.caches[slot] = Vec::new();
        }
        // The continuations follow the program's own functions.
        self.functions.truncate(self.first_continuation as usize);
        self.caches.truncate(self.first_continuation as usize);
        self.functions.extend(
            program.functions[before.functions..]
                .iter_mut()
                .map(prepared_function),
        );
        self.first_continuation = self.functions.len() as u32;
        push_continuations(&mut self.functions);
        self.caches.resize(self.functions.len(), Vec::new());
        // A refilled constant slot was named by no live code; a check
        // parsed from its old constant goes too.
        for (slot, constant) in &refilled_constants {
            let slot = *slot as usize;
            if let (Some(value), Some(method)) = (
                self.constants.get_mut(slot),
                self.const_methods.get_mut(slot),
            ) {
                *value = constant_value(constant);
                *method = constant_method(constant);
            }
            self.type_checks.remove(&(slot as u32));
        }
        let added = &program.constants[before.constants..];
        self.constants.extend(added.iter().map(constant_value));
        self.const_methods.extend(added.iter().map(constant_method));
        self.global_names
            .extend_from_slice(&program.globals[before.globals..]);
        self.globals
            .resize(self.global_names.len().max(self.globals.len()), Value::Nil);
        for (file, name) in renamed_files {
            if let Some(slot) = self.files.get_mut(file as usize) {
                *slot = name;
            }
        }
        self.files.extend_from_slice(&program.files[before.files..]);
        self.classes = build_classes(&program.classes, self.lineage);
        self.has_deinit = self.classes.iter().any(|c| c.deinit.is_some());
        self.enums = updated_enum_infos(&self.enums, &program.enums);
        // Parallel blocks build their threads' VMs from this program.
        self.conc.program = Some(shared);
        self.invalid = None;
        self.reset_execution();
        // Compiled code was made from the old functions and constants
        // (a refilled slot holds new code): start the JIT afresh.
        if let Some(mode) = self.jit.as_deref().map(crate::jit::Jit::mode) {
            self.jit = crate::jit::Jit::new(mode, self.functions.len());
            self.jit_calls = crate::jit::call_counters(mode, self.functions.len());
        }
        Ok(())
    }

    /// The functions this VM's values hold (closures, also inside values
    /// queued in channels): the session keeps them when it releases
    /// functions nothing can call any more. Asked while the VM is idle
    /// (no frame names a function then).
    pub fn functions_held(&self) -> Vec<u32> {
        let released = released_function();
        self.functions[..self.first_continuation as usize]
            .iter()
            .enumerate()
            .filter(|(_, f)| Arc::strong_count(f) > 1 && !Arc::ptr_eq(f, &released))
            .map(|(index, _)| index as u32)
            .collect()
    }

    /// Runs function `index` (which takes no arguments) on a fresh frame and
    /// returns its value. After a runtime error the VM stays usable: the
    /// stack, frames and handlers are reset.
    pub fn call_function(&mut self, index: usize) -> Result<Value, RuntimeError> {
        if let Some(msg) = self.invalid.take() {
            return Err(RuntimeError::new(
                kinds::ERROR,
                &format!("invalid program: {msg}"),
            ));
        }
        let Some(proto) = self.functions.get(index).cloned() else {
            return Err(RuntimeError::new(
                kinds::ERROR,
                &format!("no function #{index}"),
            ));
        };
        if proto.required > 0 {
            return Err(RuntimeError::new(
                kinds::TYPE_ERROR,
                &format!("{}() needs {} arguments", proto.name, proto.required),
            ));
        }
        self.reset_execution();
        self.start_run();
        self.stack.resize(proto.frame_size(), Value::Nil);
        self.frames.push(Frame {
            func: index as u32,
            ip: 0,
            base: 0,
            ret: 0,
            closure: None,
            ctor: false,
        });
        let result = self.execute(0);
        self.end_host_call(result)
    }

    /// The text a session echoes for `value`: as it prints inside a
    /// collection, so strings are quoted (`"abc"`, `[1, "a"]`).
    pub fn echo_text(value: &Value) -> String {
        let mut out = String::new();
        write_value(&mut out, value, true);
        out
    }

    /// Empties the stack, frames, handlers and pending trace.
    #[inline]
    pub(super) fn reset_execution(&mut self) {
        let idle = self.frames.is_empty()
            && self.handlers.is_empty()
            && self.stack.is_empty()
            && self.trace.is_none();
        // Every run ends here: the next one mostly finds nothing to clear.
        if !idle {
            self.clear_execution();
        }
    }

    #[inline(never)]
    pub(super) fn clear_execution(&mut self) {
        self.frames.clear();
        self.handlers.clear();
        self.stack.clear();
        self.trace = None;
    }
}
