//! Functions: parameters, defaults, captured parameters, bodies and closures.

use super::{finish_proto, required_params, Codegen, FunctionKind, FunctionState};
use limit_bytecode::opcode::Op;
use limit_bytecode::program::NO_CHECK;
use limit_syntax::ast::*;
use limit_syntax::Span;

impl Codegen<'_> {
    /// Compiles `decl` as function number `index` of the program.
    pub(crate) fn compile_function_into(&mut self, decl: &FnDecl, index: u32, name: &str) {
        self.compile_body_function(decl, index, name, false);
    }

    /// Compiles `decl` into function slot `index`; with `worker_loop`, its
    /// body is a worker's, run once per value received (§9), where
    /// `continue` ends this value's run.
    pub(crate) fn compile_body_function(
        &mut self,
        decl: &FnDecl,
        index: u32,
        name: &str,
        worker_loop: bool,
    ) {
        let mut state = FunctionState::new(FunctionKind::Function, name.to_string(), self.file);
        state.fallible = matches!(
            decl.ret.as_ref().map(|t| &t.kind),
            Some(TypeKind::Fallible { .. })
        );
        state.proto.arity = decl.params.len() as u16;
        state.proto.required = required_params(decl) as u16;
        state.proto.param_names = decl.params.iter().map(|p| p.name.name.clone()).collect();
        self.functions.push(state);
        let return_coercions = decl
            .ret
            .as_ref()
            .map(|t| self.coercions(t))
            .unwrap_or_default();
        self.current().return_coercions = return_coercions;
        self.begin_scope();

        for param in &decl.params {
            self.declare_local(&param.name, false);
        }
        self.note_param_types(&decl.params, 0);
        self.param_prologue(&decl.params, 0);

        match &decl.body {
            Some(body) if worker_loop => {
                self.push_worker_loop(body);
                self.statements(&body.stmts);
                let end = self.code_len();
                self.pop_loop(end);
                let at = Span::new(
                    body.span.file,
                    body.span.end as usize,
                    body.span.end as usize,
                );
                self.emit(Op::ReturnNil, at);
            }
            Some(body) => self.function_body(body),
            None => {
                let span = decl.span;
                let message = self.str_constant(&format!(
                    "`{name}` has no body (an abstract or trait method)"
                ));
                self.emit(Op::Const(message), span);
                let kind = self.str_constant("Error");
                self.emit(Op::Trap(kind), span);
            }
        }

        self.end_scope();
        // Infallible: pushed at the top of this function; nested
        // functions pop their own states before returning here.
        let state = self.functions.pop().expect("function state");
        self.program.functions[index as usize] = finish_proto(state);
    }

    /// A body's statements; a final expression without `;` is the result.
    pub(super) fn function_body(&mut self, body: &Block) {
        let end = Span::new(
            body.span.file,
            body.span.end as usize,
            body.span.end as usize,
        );
        if let Some((last, rest)) = body.stmts.split_last() {
            if let StmtKind::Expr {
                expr,
                terminated: false,
            } = &last.kind
            {
                self.hoist_nested_functions(&body.stmts);
                for stmt in rest {
                    self.statement(stmt);
                }
                self.expr(expr);
                let coercions = self.current_ref().return_coercions.clone();
                self.coerce_value(&coercions, expr, end);
                self.emit(Op::Return, end);
                return;
            }
        }
        self.statements(&body.stmts);
        self.emit(Op::ReturnNil, end);
    }

    /// Compiles a nested function or literal and pushes the closure.
    pub(crate) fn closure(&mut self, decl: &FnDecl, name: &str) {
        let index = self.releasable_function_slot();
        self.compile_function_into(decl, index, name);
        self.emit(Op::Closure(index), decl.span);
    }

    /// The start of a function's or method's code, for its parameters
    /// (from slot `first_slot`): defaults for omitted arguments, the
    /// conversions and checks of their declared types (the same as any
    /// typed store, `checks.rs`), and cells for captured ones.
    pub(crate) fn param_prologue(&mut self, params: &[Param], first_slot: u16) {
        self.note_param_checks(params, first_slot);
        for (index, param) in params.iter().enumerate() {
            let slot = index as u16 + first_slot;
            if let Some(default) = &param.default {
                // Missing arguments arrive as nil (see program.rs).
                self.emit(Op::GetLocal(slot), param.span);
                self.emit(Op::Nil, param.span);
                let skip = self.emit(Op::JumpIfNotEqual(false, 0), param.span);
                self.expr(default);
                self.emit(Op::SetLocal(slot), param.span);
                self.patch_jump(skip);
            }
            if self.types.check_of(param.name.id).is_some() {
                // A task's or worker's binding (its body is a function of
                // it) receiving values not proven to fit.
                self.emit(Op::GetLocal(slot), param.span);
                self.check_bound_value(&param.name);
                self.emit(Op::Pop, param.span);
            }
            let coercions = param
                .ty
                .as_ref()
                .map(|t| self.coercions(t))
                .unwrap_or_default();
            // A list or dict argument's elements are checked by the caller,
            // which knows whether the checker proved them (`element_checks.rs`):
            // checking them here would cost every call a walk of the list.
            let on_entry: Vec<_> = coercions
                .iter()
                .filter(|c| !c.is_element_check())
                .cloned()
                .collect();
            if !on_entry.is_empty() {
                // An omitted optional argument (nil) enters no type.
                self.emit(Op::GetLocal(slot), param.span);
                self.emit(Op::Nil, param.span);
                let skip = self.emit(Op::JumpIfNotEqual(true, 0), param.span);
                self.emit(Op::GetLocal(slot), param.span);
                self.coerce(&on_entry, param.span);
                self.emit(Op::SetLocal(slot), param.span);
                self.patch_jump(skip);
                self.note_local_coercions(slot, coercions);
            }
            if let Some((host, optional)) = param.ty.as_ref().and_then(|t| self.host_type_of(t)) {
                // The checker proves what a typed caller passes; a value
                // through `any`, or from the host, is checked here.
                let optional = optional || param.default.is_some();
                let name = self.str_constant(&host);
                self.emit(Op::GetLocal(slot), param.span);
                self.emit(Op::CheckHost(name, optional), param.span);
            }
            if self.needs_cell(&param.name) {
                self.emit(Op::MakeCell(slot), param.span);
            }
        }
    }

    /// The run-time check of each parameter's declared type, for calls
    /// whose caller proved nothing (`CallAny`, `InvokeAny`:
    /// `FunctionProto::param_checks`). A host-typed parameter checks
    /// itself in the prologue (`CheckHost`).
    fn note_param_checks(&mut self, params: &[Param], first_slot: u16) {
        let mut checks = vec![NO_CHECK; first_slot as usize + params.len()];
        let mut any = false;
        for (index, param) in params.iter().enumerate() {
            let Some(ty) = &param.ty else {
                continue;
            };
            if self.host_type_of(ty).is_some() {
                continue;
            }
            if let Some(check) = self.annotation_check(ty) {
                checks[first_slot as usize + index] = check;
                any = true;
            }
        }
        self.current().proto.param_checks = if any { checks } else { Vec::new() };
    }

    /// The host type annotation `ty` names (`Player`, `Player?`, or an
    /// alias of one), and whether it is optional (`?`): a name the host
    /// registered that no frame, trait, enum or alias of the module
    /// takes, outside the standard modules (as the checker reads it).
    fn host_type_of(&self, ty: &TypeExpr) -> Option<(String, bool)> {
        if self.host_types.is_empty() || self.in_std_module() {
            return None;
        }
        let mut ty = ty;
        let mut optional = false;
        for _ in 0..16 {
            match &ty.kind {
                TypeKind::Fallible { inner, .. } => {
                    optional = true;
                    ty = inner;
                }
                TypeKind::Named(path) if path.len() == 1 => {
                    let name = path[0].name.as_str();
                    if let Some(target) = self.alias_of(path[0].id) {
                        ty = target;
                        continue;
                    }
                    let declared = self.any_object_of(path[0].id).is_some();
                    return (self.host_types.contains(name) && !declared)
                        .then(|| (name.to_string(), optional));
                }
                _ => return None,
            }
        }
        None
    }
}
