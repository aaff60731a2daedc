//! Results of function values that enter a `fn(A…): R` place from `any`.
//!
//! The entry check (`TypeCheck::Callable`) proves what it can as the
//! value enters: that the function takes that many arguments and that
//! the parameters it declares may hold them. What it returns is known
//! only when it is called, yet every call through the place is typed
//! `R` by the checker (`var n: int = f(3)` proves nothing more). So the
//! value that enters is a *guard* around the function: a hidden closure
//! that calls it with the same arguments and then checks and converts
//! the result for `R`, as a value from `any` entering any typed place
//! is (reference.md §3). A result that does not fit raises
//! `ConversionError` at the call, where the trace points.
//!
//! Only values the checker could not prove pay this (its run-time
//! checks, `type_checks.rs`); a function typed `fn(…): R` statically is
//! called directly. A guard is a new function value: it prints as
//! `<fn <checked result>>` and is not `==` to the function it wraps.

use super::{finish_proto, Codegen, FunctionKind, FunctionState};
use crate::check::FunctionType;
use limit_bytecode::opcode::Op;
use limit_bytecode::program::CaptureSource;
use limit_syntax::Span;

impl Codegen<'_> {
    /// `[f] -> [g]`, after `f`'s entry check into `ty`: `g` calls `f` and
    /// checks its result for `ty`'s result type; nothing when that type
    /// checks and converts nothing (`any`).
    pub(crate) fn guard_result(&mut self, ty: &FunctionType, span: Span) {
        if self.type_check_of(&ty.ret).is_any() && self.coercions_of_type(&ty.ret).is_empty() {
            return;
        }
        let maker = self.compile_result_guard(ty, span);
        self.emit(Op::CallDirect(maker, 1), span);
    }

    /// `fn <result guard>(function)`: the closure `<checked result>`
    /// around `function` (see the module's comment). Returns its index.
    fn compile_result_guard(&mut self, ty: &FunctionType, span: Span) -> u32 {
        let mut maker = FunctionState::new(
            FunctionKind::Function,
            "<result guard>".to_string(),
            self.file,
        );
        maker.proto.arity = 1;
        maker.proto.required = 1;
        maker.proto.param_names = vec!["function".to_string()];
        maker.proto.hidden = true;
        self.functions.push(maker);
        self.begin_scope();
        let function = self.add_local(" function", false, true);
        let checked = self.compile_checked_call(ty, function, span);
        self.emit(Op::Closure(checked), span);
        self.emit(Op::Return, span);
        self.end_scope();
        // Infallible: pushed above for this guard.
        let state = self.functions.pop().expect("result guard state");
        let index = self.program.functions.len() as u32;
        self.program.functions.push(finish_proto(state));
        index
    }

    /// `fn <checked result>(a0, …)`: calls the function its maker holds
    /// in local `function` with its arguments; the result checked and
    /// converted for `ty.ret`. Returns its index.
    fn compile_checked_call(&mut self, ty: &FunctionType, function: u16, span: Span) -> u32 {
        let arity = ty.params.len();
        let mut state = FunctionState::new(
            FunctionKind::Function,
            "<checked result>".to_string(),
            self.file,
        );
        state.proto.arity = arity as u16;
        state.proto.required = arity as u16;
        state.proto.param_names = (0..arity).map(|i| format!("a{i}")).collect();
        state.proto.captures = vec![CaptureSource::LocalValue(function)];
        state.proto.capture_names = vec!["function".to_string()];
        state.proto.hidden = true;
        self.functions.push(state);
        self.begin_scope();
        let slots: Vec<u16> = (0..arity)
            .map(|i| self.add_local(&format!(" a{i}"), false, true))
            .collect();
        self.emit(Op::GetUpvalue(0), span);
        for slot in slots {
            self.emit(Op::GetLocal(slot), span);
        }
        // A function type's parameters are at most what a call may pass
        // (the checker limits them as it limits any call's arguments).
        self.emit(Op::Call(arity.min(u8::MAX as usize) as u8, false), span);
        self.emit_type_check(&ty.ret, span);
        let coercions = self.coercions_of_type(&ty.ret);
        self.coerce(&coercions, span);
        self.emit(Op::Return, span);
        self.end_scope();
        // Infallible: pushed above for this function.
        let state = self.functions.pop().expect("checked call state");
        let index = self.program.functions.len() as u32;
        self.program.functions.push(finish_proto(state));
        index
    }
}
