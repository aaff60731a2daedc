//! Statements: declarations, assignment, control flow, loops, `attempt`.

use super::{Cleanup, Codegen, FunctionKind, LoopContext, Place};
use limit_bytecode::opcode::{Dispatch, Op, Ordering};
use limit_bytecode::program::Constant;
use limit_syntax::ast::*;
use limit_syntax::{Diagnostic, Span};

impl Codegen<'_> {
    /// A statement list in the current scope, with nested named functions
    /// declared first so that they can be mentioned before their definition.
    pub(crate) fn statements(&mut self, stmts: &[Stmt]) {
        self.hoist_nested_functions(stmts);
        for stmt in stmts {
            self.statement(stmt);
        }
    }

    /// Makes the named functions of a block (not the script's top level,
    /// whose functions are known ones) callable from its first statement.
    /// Captured variables declared in the block get their cells first, so
    /// that the functions can capture them before their declaration runs.
    pub(crate) fn hoist_nested_functions(&mut self, stmts: &[Stmt]) {
        if self.at_script_top() {
            return;
        }
        let functions: Vec<&FnDecl> = stmts
            .iter()
            .filter_map(|s| match &s.kind {
                StmtKind::Fn(decl) if decl.name.is_some() => Some(&**decl),
                _ => None,
            })
            .collect();
        if functions.is_empty() {
            return;
        }
        for stmt in stmts {
            if let StmtKind::Var(decl) = &stmt.kind {
                let (target, is_const) = (&decl.target, &decl.is_const);
                // Every name the declaration binds, destructured ones too.
                let mut names = Vec::new();
                target_names(target, &mut names);
                for name in names {
                    if self.needs_cell(name) {
                        let (slot, _) = self.declare_local(name, *is_const);
                        self.emit(Op::Nil, name.span);
                        self.emit(Op::SetLocal(slot), name.span);
                        self.emit(Op::MakeCell(slot), name.span);
                        self.current().predeclared.push(slot);
                    }
                }
            }
        }
        for decl in &functions {
            // Infallible: `functions` holds only declarations with a name.
            let name = decl.name.as_ref().expect("filtered on names");
            let (slot, cell) = self.declare_local(name, false);
            if cell {
                self.emit(Op::Nil, name.span);
                self.emit(Op::SetLocal(slot), name.span);
                self.emit(Op::MakeCell(slot), name.span);
            }
        }
        for decl in functions {
            // Infallible: as above.
            let name = decl.name.as_ref().expect("filtered on names");
            self.closure(decl, &name.name);
            if let Some(place) = self.resolve_declared(name) {
                self.store(&place, &name.name, name.span);
            }
        }
    }

    /// `{ … }` in its own scope.
    pub(crate) fn block(&mut self, block: &Block) {
        self.begin_scope();
        self.statements(&block.stmts);
        self.release_scope_locals(block.span);
        self.end_scope();
    }

    pub(crate) fn statement(&mut self, stmt: &Stmt) {
        let span = stmt.span;
        match &stmt.kind {
            StmtKind::Var(decl) => self.var_decl(decl, span),
            // Named functions are compiled where their block starts.
            StmtKind::Fn(_) => {}
            StmtKind::Expr { expr, .. } => self.expr_statement(expr),
            StmtKind::Assign { target, op, value } => self.assign(target, *op, value, span),
            StmtKind::Block(block) => self.block(block),
            StmtKind::If {
                branches,
                else_branch,
            } => self.if_statement(branches, else_branch.as_ref()),
            StmtKind::While { cond, body } => self.while_loop(cond, body, span),
            StmtKind::For {
                init,
                cond,
                step,
                body,
            } => self.for_loop(
                init.as_deref(),
                cond.as_deref(),
                step.as_deref(),
                body,
                span,
            ),
            StmtKind::Iter {
                bindings,
                iterable,
                body,
            } => self.iter_loop(bindings, iterable, body, span),
            StmtKind::Break => self.break_or_continue(true, span),
            StmtKind::Continue => self.break_or_continue(false, span),
            StmtKind::Return(value) => self.return_statement(value.as_ref(), span),
            StmtKind::Attempt { body, handlers } => self.attempt(body, handlers, span),
            StmtKind::TypeAlias(_) => {}
            // Top-level frames, traits and enums are declared before any
            // code is compiled (objects.rs).
            StmtKind::Frame(_) | StmtKind::Trait(_) | StmtKind::Enum(_) if self.at_script_top() => {
            }
            StmtKind::Frame(_) => self.not_supported(span, "frames declared inside blocks"),
            StmtKind::Trait(_) => self.not_supported(span, "traits declared inside blocks"),
            StmtKind::Enum(_) => self.not_supported(span, "enums declared inside blocks"),
            // Imports are bound before any code is compiled (module.rs).
            StmtKind::Import(_) => {}
            StmtKind::ModuleBlock(block) => self.statements(&block.stmts),
            StmtKind::Concurrency(block) => self.concurrency_block(block, span),
            StmtKind::Task { .. } | StmtKind::Worker { .. } => self.error_with_hint(
                span,
                "a task or worker must be directly inside a `concurrent` or `parallel` block",
                "wrap it in `concurrent { … }` or `parallel { … }`",
            ),
        }
    }

    fn expr_statement(&mut self, expr: &Expr) {
        if let ExprKind::Call { callee, args } = &expr.kind {
            if let ExprKind::Ident(name) = &callee.kind {
                if name == "print" && self.is_builtin_use(callee.id, "print") {
                    self.print_call(args, expr.span);
                    return;
                }
            }
        }
        self.current().statement_value =
            matches!(expr.kind, ExprKind::Else { .. } | ExprKind::Match(_));
        self.expr(expr);
        self.current().statement_value = false;
        self.emit(Op::Pop, expr.span);
    }

    // --------------------------------------------------------- declarations

    fn var_decl(&mut self, decl: &VarDecl, span: Span) {
        match &decl.init {
            Some(init) => {
                self.current().statement_value =
                    matches!(init.kind, ExprKind::Else { .. } | ExprKind::Match(_));
                self.expr(init);
                self.current().statement_value = false;
                if let Some(ty) = &decl.ty {
                    let coercions = self.coercions(ty);
                    self.coerce_value(&coercions, init, span);
                }
            }
            None => self.zero_value(decl.ty.as_ref(), span),
        }
        self.bind_target(&decl.target, decl.is_const, span);
        self.note_var_decl(decl);
        if let (Some(ty), VarTarget::Name(name)) = (&decl.ty, &decl.target) {
            let coercions = self.coercions(ty);
            match self.resolve_declared(name) {
                Some(Place::Local { slot, .. }) => self.note_local_coercions(slot, coercions),
                Some(Place::Global { index, .. }) if !coercions.is_empty() => {
                    self.global_coercions.insert(index, coercions);
                }
                _ => {}
            }
        }
    }

    /// Converts the value on the stack into a declared type whose values
    /// have their own representation (`dN` decimals).
    pub(crate) fn convert_to_declared(&mut self, ty: Option<&TypeExpr>, span: Span) {
        if let Some(ty) = ty {
            let coercions = self.coercions(ty);
            self.coerce(&coercions, span);
        }
    }

    /// Pushes the zero value of a declared type (reference.md §2).
    pub(super) fn zero_value(&mut self, ty: Option<&TypeExpr>, span: Span) {
        let Some(ty) = ty else {
            self.emit(Op::Nil, span);
            return;
        };
        if let Some(scale) = decimal_scale(ty) {
            self.emit(Op::Int(0), span);
            self.emit(Op::ToDecimal(scale, true), span);
            return;
        }
        match &ty.kind {
            TypeKind::Named(path) if path.len() == 1 => match path[0].name.as_str() {
                "int" | "uint" | "i8" | "i16" | "i32" | "i64" | "i128" | "u8" | "u16" | "u32"
                | "u64" | "u128" | "atomic" => {
                    self.emit(Op::Int(0), span);
                }
                "float" | "f32" | "f64" => {
                    let k = self.constant(Constant::Float(0.0));
                    self.emit(Op::Const(k), span);
                }
                "str" | "string" => {
                    let k = self.str_constant("");
                    self.emit(Op::Const(k), span);
                }
                "bool" => {
                    self.emit(Op::Bool(false), span);
                }
                _ => {
                    self.emit(Op::Nil, span);
                }
            },
            TypeKind::List(_) => {
                self.emit(Op::NewList(0), span);
            }
            TypeKind::Dict(..) => {
                self.emit(Op::NewDict(0), span);
            }
            TypeKind::Refined { base, .. } => self.zero_value(Some(base), span),
            _ => {
                self.emit(Op::Nil, span);
            }
        }
    }

    /// Pops the value on the stack into a new variable (or destructures it).
    pub(crate) fn bind_target(&mut self, target: &VarTarget, is_const: bool, span: Span) {
        match target {
            VarTarget::Name(name) => self.bind_new_variable(name, is_const),
            VarTarget::Tuple(items, tspan) | VarTarget::List(items, tspan) => {
                let source = self.hidden_slot();
                self.emit(Op::SetLocal(source), *tspan);
                self.emit(Op::GetLocal(source), *tspan);
                self.emit(Op::Len, *tspan);
                self.emit(Op::Int(items.len() as i32), *tspan);
                let ok = self.emit(Op::JumpIfNotEqual(true, 0), *tspan);
                let message = self.str_constant(&format!(
                    "cannot destructure: expected {} values",
                    items.len()
                ));
                self.emit(Op::Const(message), *tspan);
                let kind = self.str_constant("IndexOutOfBounds");
                self.emit(Op::Trap(kind), *tspan);
                self.patch_jump(ok);
                for (i, item) in items.iter().enumerate() {
                    self.emit(Op::GetLocal(source), span);
                    self.emit(Op::Int(i as i32), span);
                    self.emit(Op::GetIndex, span);
                    self.bind_target(item, is_const, span);
                }
            }
        }
    }

    /// Pops the top of the stack into a freshly declared variable `name`.
    pub(crate) fn bind_new_variable(&mut self, name: &Ident, is_const: bool) {
        if self.at_script_top() {
            let global = if name.id.is_synthetic() {
                self.globals.get(&name.name)
            } else {
                self.global_decls.get(&self.bindings.variable_of(name.id))
            };
            if let Some(&(index, _)) = global {
                if self.atomic_globals.contains(&index) {
                    self.emit(Op::MakeShared, name.span);
                }
                self.emit(Op::SetGlobal(index), name.span);
                return;
            }
            // Redeclaring at top level replaces the earlier variable.
            let state = self.current();
            let existing = state
                .local_names
                .get(&name.name)
                .and_then(|indices| indices.last().copied())
                .filter(|&index| state.locals.get(index).is_some_and(|l| l.depth == 0));
            if let Some(index) = existing {
                // The variable is now this declaration.
                let local = &mut state.locals[index];
                local.is_const = is_const;
                let slot = local.slot;
                if let Some(old) = local.decl.take() {
                    state.local_decls.remove(&old);
                }
                if !name.id.is_synthetic() {
                    local.decl = Some(name.id);
                    state.local_decls.insert(name.id, index);
                }
                self.emit(Op::SetLocal(slot), name.span);
                return;
            }
        }
        if let Some(slot) = self.take_predeclared(name) {
            self.emit(Op::SetCell(slot), name.span);
            return;
        }
        let (slot, cell) = self.declare_local(name, is_const);
        self.emit(Op::SetLocal(slot), name.span);
        if cell {
            self.emit(Op::MakeCell(slot), name.span);
        }
    }

    /// The slot of a variable of this scope whose cell was made early by
    /// [`Self::hoist_nested_functions`], if `name` is one.
    fn take_predeclared(&mut self, name: &Ident) -> Option<u16> {
        let state = self.current();
        let depth = state.scope_depth;
        // By its declaration (a name the resolve stage did not see, by text).
        let local = match state.local_decls.get(&name.id) {
            Some(&index) => state.locals.get(index),
            None if name.id.is_synthetic() => state.innermost(&name.name),
            None => None,
        };
        let slot = local.filter(|l| l.depth == depth).map(|l| l.slot)?;
        let position = state.predeclared.iter().position(|&s| s == slot)?;
        state.predeclared.swap_remove(position);
        Some(slot)
    }

    // ----------------------------------------------------------- assignment

    fn assign(&mut self, target: &Expr, op: AssignOp, value: &Expr, span: Span) {
        let mut binary = match op {
            AssignOp::Assign => None,
            AssignOp::Add => Some(Op::Add),
            AssignOp::Sub => Some(Op::Sub),
            AssignOp::Mul => Some(Op::Mul),
            AssignOp::Div => Some(Op::Div),
            AssignOp::Mod => Some(Op::Mod),
        };
        // `d += s` on a standard frame with arithmetic (a DateTime) calls
        // its method where the operator would be: `[d, s] -> [d.add(s)]`.
        let operator = match op {
            AssignOp::Add => Some(BinOp::Add),
            AssignOp::Sub => Some(BinOp::Sub),
            _ => None,
        };
        if let Some((method, false)) =
            operator.and_then(|operator| self.std_assign_operator(operator, target, value))
        {
            let name = self.str_constant(method);
            binary = Some(Op::Invoke(name, 1, Dispatch::Cached));
        }
        match &target.kind {
            ExprKind::Ident(name) => {
                if self.bare_member_assign(target.id, name, target.span, binary, value, span) {
                    return;
                }
                let place = match self.resolve_use(target.id, name) {
                    Some(place) => place,
                    None if binary.is_none() => {
                        self.implicit_declaration(target.id, name, target.span, value);
                        return;
                    }
                    None => {
                        self.unknown_name(name, target.span);
                        return;
                    }
                };
                self.assign_place(&place, target, binary, value, span);
            }
            ExprKind::Field(object, field) => {
                if let Some(place) = self.module_member(object, field) {
                    // `module.name op= value`: the module's own variable.
                    if let Some(place) = place {
                        self.assign_place(&place, target, binary, value, span);
                    }
                    return;
                }
                let checked = self.types.type_of(object.id).is_some();
                if self.field_assign(object, field, binary, value, span, checked) {
                    return;
                }
                let coercions = self.field_coercions(object, &field.name);
                let frame_known = self.receiver_frame_known(object);
                self.expr(object);
                let name = self.str_constant(&field.name);
                if let Some(op) = binary {
                    self.emit(Op::Dup, span);
                    self.emit(Op::GetFieldByName(name), field.span);
                    self.expr(value);
                    self.compound_operator(op, target, value, span);
                } else {
                    self.expr(value);
                }
                self.coerce_store(&coercions, binary, value, span);
                if !frame_known {
                    self.coerce_dynamic_field(&field.name, span);
                }
                self.emit(Op::SetFieldByName(name), field.span);
            }
            ExprKind::Index(object, index) => {
                let coercions = self.entry_coercions(object, index);
                if binary.is_none() {
                    if let Some((list, position)) = self.plain_local_pair(object, index) {
                        if !may_assign_locals(value)
                            && coercions.is_empty()
                            && self.add_to_entry(
                                (list, position),
                                (object, index),
                                value,
                                target.span,
                            )
                        {
                            return;
                        }
                        if !may_assign_locals(value) {
                            // The value first, then a store through two
                            // locals: no pushes of the container and index.
                            self.expr(value);
                            self.coerce_value(&coercions, value, span);
                            self.emit(Op::SetIndexLocals(list, position), target.span);
                            return;
                        }
                    }
                }
                self.expr(object);
                self.expr(index);
                if let Some(op) = binary {
                    // `[c, i] -> [c, i, c, i]`.
                    self.emit(Op::Over, span);
                    self.emit(Op::Over, span);
                    self.emit(Op::GetIndex, target.span);
                    self.expr(value);
                    self.compound_operator(op, target, value, span);
                } else {
                    self.expr(value);
                }
                self.coerce_store(&coercions, binary, value, span);
                self.emit(Op::SetIndex, target.span);
            }
            _ => self.error_with_hint(
                target.span,
                "cannot assign to this expression",
                "assign to a variable, a field (`obj.f`) or an element (`xs[i]`)",
            ),
        }
    }

    /// `target op= value` where the variable `target` names (`x`, or
    /// `module.x`) lives at `place`.
    fn assign_place(
        &mut self,
        place: &Place,
        target: &Expr,
        binary: Option<Op>,
        value: &Expr,
        span: Span,
    ) {
        let (name, bare) = match &target.kind {
            ExprKind::Ident(name) => (name.as_str(), true),
            ExprKind::Field(_, field) => (field.name.as_str(), false),
            _ => return,
        };
        let at = target.span;
        // `x = x + k` is `x += k`.
        let (binary, value) = match (binary, &value.kind) {
            (None, ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), left, right))
                if bare
                    && matches!(&left.kind, ExprKind::Ident(n) if n == name)
                    && small_int_literal(right).is_some()
                    && self.std_operator(*op, left, right).is_none()
                    && !self.wants_dynamic_arithmetic(*op, left, right) =>
            {
                (
                    Some(if *op == BinOp::Add { Op::Add } else { Op::Sub }),
                    &**right,
                )
            }
            _ => (binary, value),
        };
        if let Place::Shared(cell) = place {
            // One assignment statement to a shared variable is atomic.
            self.load(cell, at);
            self.emit(Op::SharedLock, span);
        }
        if let Some(op) = binary {
            // `d += s` on a value of unknown type that may be a DateTime.
            let dynamic = match op {
                Op::Add => Some(BinOp::Add),
                Op::Sub => Some(BinOp::Sub),
                _ => None,
            }
            .filter(|&operator| self.wants_dynamic_arithmetic(operator, target, value));
            if let (
                Place::Local {
                    slot,
                    cell: false,
                    is_const: false,
                },
                Some(n),
            ) = (
                place,
                small_int_literal(value)
                    .filter(|_| !self.has_coercions(place) && dynamic.is_none()),
            ) {
                let delta = if op == Op::Sub {
                    n.checked_neg()
                } else {
                    Some(n)
                };
                if let (Op::Add | Op::Sub, Some(delta)) = (op, delta) {
                    self.emit(Op::IncLocal(*slot, delta), span);
                    return;
                }
            }
            self.load(place, at);
            self.expr(value);
            match dynamic {
                Some(operator) => self.dynamic_arithmetic(operator, span),
                None => {
                    self.emit(op, span);
                }
            }
            self.check_compound_result(value, span);
        } else {
            self.expr(value);
        }
        if let Some(coercions) = self.place_coercions(place) {
            match binary {
                None => self.coerce_value(&coercions, value, span),
                Some(_) => self.coerce(&coercions, span),
            }
        }
        self.store(place, name, at);
    }

    /// What a value assigned to `place` needs, if it has an annotation
    /// that requires conversion or checks.
    fn place_coercions(&self, place: &Place) -> Option<Vec<super::checks::Coercion>> {
        match place {
            Place::Local { slot, .. } => self.current_ref().local_coercions.get(slot).cloned(),
            Place::Upvalue { index, .. } => {
                self.current_ref().upvalue_coercions.get(index).cloned()
            }
            Place::Global { index, .. } => self.global_coercions.get(index).cloned(),
            // A parallel task's outer variable, through its shared cell.
            Place::Shared(inner) => self.place_coercions(inner),
            _ => None,
        }
    }

    fn has_coercions(&self, place: &Place) -> bool {
        self.place_coercions(place).is_some()
    }

    /// The slots of two names that are plain (uncaptured) locals.
    pub(super) fn plain_local_pair(&mut self, a: &Expr, b: &Expr) -> Option<(u16, u16)> {
        let (ExprKind::Ident(a_name), ExprKind::Ident(b_name)) = (&a.kind, &b.kind) else {
            return None;
        };
        match (
            self.resolve_use(a.id, a_name)?,
            self.resolve_use(b.id, b_name)?,
        ) {
            (
                Place::Local {
                    slot: x,
                    cell: false,
                    ..
                },
                Place::Local {
                    slot: y,
                    cell: false,
                    ..
                },
            ) => Some((x, y)),
            _ => None,
        }
    }

    /// `x = value` where nothing named `x` is in scope declares it
    /// (reference.md §2 Decision), with a warning.
    fn implicit_declaration(&mut self, id: NodeId, name: &str, span: Span, value: &Expr) {
        self.diagnostics.push(
            Diagnostic::warning(
                span,
                format!("implicit declaration of '{name}'; write 'var {name}'"),
            )
            .with_hint("assigning to an undeclared name declares it in the current block"),
        );
        self.expr(value);
        // The assigned name declares the variable (`resolve::DeclId`).
        let ident = Ident {
            id,
            name: name.to_string(),
            span,
        };
        self.bind_new_variable(&ident, false);
    }

    // --------------------------------------------------------- control flow

    fn if_statement(&mut self, branches: &[(Expr, Block)], else_branch: Option<&Block>) {
        let mut end_jumps = Vec::new();
        for (i, (cond, body)) in branches.iter().enumerate() {
            let next = self.condition_jumps(cond);
            self.block(body);
            let is_last = else_branch.is_none() && i + 1 == branches.len();
            if !is_last {
                end_jumps.push(self.emit(Op::Jump(0), body.span));
            }
            self.patch_jumps(next);
        }
        if let Some(body) = else_branch {
            self.block(body);
        }
        for jump in end_jumps {
            self.patch_jump(jump);
        }
    }

    /// Evaluates `cond` and emits the jumps taken when it is false; returns
    /// them for patching. `and`/`or` become jumps instead of values, and
    /// comparisons fuse with their jump.
    pub(crate) fn condition_jumps(&mut self, cond: &Expr) -> Vec<usize> {
        match &cond.kind {
            ExprKind::Binary(BinOp::And, left, right) => {
                let mut jumps = self.condition_jumps(left);
                jumps.extend(self.condition_jumps(right));
                jumps
            }
            ExprKind::Binary(BinOp::Or, left, right) => {
                let left_false = self.condition_jumps(left);
                let taken = self.emit(Op::Jump(0), cond.span);
                for jump in left_false {
                    self.patch_jump(jump);
                }
                let right_false = self.condition_jumps(right);
                self.patch_jump(taken);
                right_false
            }
            _ => vec![self.condition_jump(cond)],
        }
    }

    /// Patches every jump in `jumps` to land here.
    pub(crate) fn patch_jumps(&mut self, jumps: Vec<usize>) {
        for jump in jumps {
            self.patch_jump(jump);
        }
    }

    /// Evaluates `cond` and emits a jump taken when it is false; returns the
    /// jump to patch. Comparisons fuse with the jump.
    pub(crate) fn condition_jump(&mut self, cond: &Expr) -> usize {
        if let ExprKind::Binary(op, left, right) = &cond.kind {
            let fused = match op {
                BinOp::Lt => Some(Op::JumpIfNot(Ordering::Lt, 0)),
                BinOp::Le => Some(Op::JumpIfNot(Ordering::Le, 0)),
                BinOp::Gt => Some(Op::JumpIfNot(Ordering::Gt, 0)),
                BinOp::Ge => Some(Op::JumpIfNot(Ordering::Ge, 0)),
                BinOp::Eq => Some(Op::JumpIfNotEqual(false, 0)),
                BinOp::Ne => Some(Op::JumpIfNotEqual(true, 0)),
                _ => None,
            };
            if let Some(jump) = fused {
                self.expr(left);
                self.expr(right);
                return self.emit(jump, cond.span);
            }
        }
        if let ExprKind::Unary(UnOp::Not, inner) = &cond.kind {
            self.expr(inner);
            return self.emit(Op::JumpIf(true, 0), cond.span);
        }
        self.expr(cond);
        self.emit(Op::JumpIf(false, 0), cond.span)
    }

    /// Begins a loop whose body is `body`. Call `mark_height` where each
    /// iteration's body starts.
    fn push_loop(&mut self, body: &Block) {
        let height_slot =
            super::loop_exits::leaves_from_inner_handler(body).then(|| self.hidden_slot());
        let state = self.current();
        let cleanup_depth = state.cleanups.len();
        let local_depth = state.locals.len();
        state.loops.push(LoopContext {
            cleanup_depth,
            local_depth,
            height_slot,
            break_jumps: Vec::new(),
            continue_jumps: Vec::new(),
            is_worker: false,
        });
    }

    /// Where an iteration's body starts (nothing pending on the stack but
    /// the loop's own iterator): the height a `break` or `continue` out of
    /// an inner `?else` handler cuts back to, when the loop needs one.
    fn mark_height(&mut self, span: Span) {
        if let Some(slot) = self.current_ref().loops.last().and_then(|l| l.height_slot) {
            self.emit(Op::MarkHeight(slot), span);
        }
    }

    /// Begins the implicit loop of a worker's body (§9: "a loop task over
    /// the values received"): the function runs once per value, and
    /// `continue` goes to its end, taking the next value.
    pub(crate) fn push_worker_loop(&mut self, body: &Block) {
        self.push_loop(body);
        if let Some(context) = self.current().loops.last_mut() {
            context.is_worker = true;
        }
        self.mark_height(body.span);
    }

    /// Ends a loop: `continue`s go to `continue_target`, `break`s here.
    pub(crate) fn pop_loop(&mut self, continue_target: usize) {
        // Infallible: every loop pushes its context before its body and
        // calls this once after it.
        let context = self.current().loops.pop().expect("loop context");
        for jump in context.continue_jumps {
            self.patch_jump_to(jump, continue_target);
        }
        for jump in context.break_jumps {
            self.patch_jump(jump);
        }
    }

    fn while_loop(&mut self, cond: &Expr, body: &Block, span: Span) {
        let start = self.code_len();
        let exit = self.condition_jumps(cond);
        self.push_loop(body);
        self.mark_height(body.span);
        self.block(body);
        self.emit_loop(start, span);
        self.patch_jumps(exit);
        self.pop_loop(start);
    }

    fn for_loop(
        &mut self,
        init: Option<&Stmt>,
        cond: Option<&Expr>,
        step: Option<&Stmt>,
        body: &Block,
        span: Span,
    ) {
        self.begin_scope();
        let first_local = self.current_ref().locals.len();
        if let Some(init) = init {
            self.statement(init);
        }
        let loop_cells: Vec<u16> = self.current_ref().locals[first_local..]
            .iter()
            .filter(|l| l.cell)
            .map(|l| l.slot)
            .collect();
        let start = self.code_len();
        let exit = cond.map(|c| self.condition_jumps(c)).unwrap_or_default();
        self.push_loop(body);
        self.mark_height(body.span);
        self.block(body);
        let continue_target = self.code_len();
        // The next iteration gets a fresh cell holding the current value
        // (before the step runs), so closures made in different iterations
        // see different variables.
        for &slot in &loop_cells {
            self.emit(Op::GetCell(slot), span);
            self.emit(Op::SetLocal(slot), span);
            self.emit(Op::MakeCell(slot), span);
        }
        if let Some(step) = step {
            self.statement(step);
        }
        self.emit_loop(start, span);
        self.patch_jumps(exit);
        self.pop_loop(continue_target);
        self.end_scope();
    }

    fn iter_loop(&mut self, bindings: &[IterBinding], iterable: &Expr, body: &Block, span: Span) {
        if bindings.len() == 2 {
            self.warn_pair_iteration(iterable);
        }
        if let (
            [binding],
            ExprKind::Range {
                start,
                end,
                step: None,
                inclusive,
            },
        ) = (bindings, &iterable.kind)
        {
            self.counting_loop(binding, start, end, *inclusive, body, span);
            return;
        }
        self.begin_scope();
        self.expr(iterable);
        self.emit(Op::IterStart, iterable.span);
        self.current().cleanups.push(Cleanup::Iterator);
        let head = self.code_len();
        let next = if bindings.len() == 2 {
            self.emit(Op::IterNext(true, 0), span)
        } else {
            self.emit(Op::IterNext(false, 0), span)
        };
        self.push_loop(body);
        self.begin_scope();
        for binding in bindings.iter().rev() {
            self.enter_binding_type(binding);
            self.bind_new_variable(&binding.name, false);
        }
        self.mark_height(body.span);
        self.statements(&body.stmts);
        self.release_scope_locals(body.span);
        self.end_scope();
        self.emit_loop(head, span);
        // `break` lands here and drops the iterator; exhaustion skips it.
        // Infallible: this `iter` pushed its context before the body.
        let context = self.current().loops.pop().expect("loop context");
        for jump in context.continue_jumps {
            self.patch_jump_to(jump, head);
        }
        let has_breaks = !context.break_jumps.is_empty();
        if has_breaks {
            for jump in context.break_jumps {
                self.patch_jump(jump);
            }
            self.emit(Op::Pop, span);
        }
        self.patch_jump(next);
        self.current().cleanups.pop();
        self.end_scope();
    }

    /// `[v] -> [v']`: the value a loop binds to `binding` entering its
    /// annotated type, as at any typed store: checked where the checker
    /// could not prove it fits, then converted (`x: float` over ints).
    fn enter_binding_type(&mut self, binding: &IterBinding) {
        let Some(ty) = &binding.ty else {
            return;
        };
        self.check_bound_value(&binding.name);
        let coercions = self.coercions(ty);
        self.coerce(&coercions, binding.name.span);
    }

    /// Two names over a list receive the index and the element, so over
    /// the pairs `enumerate`/`zip` make, the second name is the whole pair:
    /// a trap for readers of Python's `for i, x in enumerate(xs)`.
    fn warn_pair_iteration(&mut self, iterable: &Expr) {
        let ExprKind::Call { callee, .. } = &iterable.kind else {
            return;
        };
        let ExprKind::Ident(name) = &callee.kind else {
            return;
        };
        let hint = match name.as_str() {
            "enumerate" => "write `iter (i, x in xs)`: two names over a list already give the index and the element",
            "zip" => "iterate the pairs and take them apart: `iter (p in zip(a, b)) { var (x, y) = p; … }`",
            _ => return,
        };
        if !self.is_builtin_use(callee.id, name) {
            return;
        }
        self.diagnostics.push(
            Diagnostic::warning(
                iterable.span,
                format!(
                    "two loop names over `{name}(…)` receive each pair's index and the pair itself, \
                     not the pair's two parts"
                ),
            )
            .with_hint(hint),
        );
    }

    /// `iter (i in a..b)` without an iterator object: a hidden counter and
    /// limit, and a fresh `i` per iteration.
    fn counting_loop(
        &mut self,
        binding: &IterBinding,
        start: &Expr,
        end: &Expr,
        inclusive: bool,
        body: &Block,
        span: Span,
    ) {
        self.begin_scope();
        let counter = self.hidden_slot();
        let limit = self.hidden_slot();
        self.expr(start);
        self.emit(Op::SetLocal(counter), start.span);
        self.expr(end);
        self.emit(Op::SetLocal(limit), end.span);
        let head = self.code_len();
        self.emit(Op::GetLocal2(counter, limit), span);
        let exit = if inclusive {
            self.emit(Op::JumpIfNot(Ordering::Le, 0), span)
        } else {
            self.emit(Op::JumpIfNot(Ordering::Lt, 0), span)
        };
        self.push_loop(body);
        self.begin_scope();
        self.emit(Op::GetLocal(counter), binding.name.span);
        self.enter_binding_type(binding);
        self.bind_new_variable(&binding.name, false);
        self.mark_height(body.span);
        self.statements(&body.stmts);
        self.release_scope_locals(body.span);
        self.end_scope();
        let continue_target = self.code_len();
        self.emit(Op::IncLocal(counter, 1), span);
        self.emit_loop(head, span);
        self.patch_jump(exit);
        self.pop_loop(continue_target);
        self.end_scope();
    }

    fn break_or_continue(&mut self, is_break: bool, span: Span) {
        let word = if is_break { "break" } else { "continue" };
        let Some(context) = self.current_ref().loops.last().cloned() else {
            self.error(span, format!("{word} outside a loop"));
            return;
        };
        if is_break && context.is_worker {
            self.error_with_hint(
                span,
                "`break` in a worker's body is not supported yet",
                "a worker takes every value of its channel: skip one with `continue`, or close the channel to end the worker",
            );
            return;
        }
        let cleanups: Vec<Cleanup> = self.current_ref().cleanups[context.cleanup_depth..].to_vec();
        let dirty = cleanups.iter().any(|c| {
            matches!(
                c,
                Cleanup::HandlerValue { stack_clean: false }
                    | Cleanup::ArmValue { stack_clean: false }
            )
        });
        if dirty {
            // Operands of the enclosing expression (and iterators of inner
            // loops) are on the stack: cut back to the iteration's height.
            let Some(slot) = context.height_slot else {
                self.error(
                    span,
                    format!("internal: `{word}` out of a `?else` handler found no loop height"),
                );
                return;
            };
            self.emit(Op::CutToHeight(slot), span);
        }
        self.release_locals_from(context.local_depth, span);
        for cleanup in cleanups.iter().rev() {
            match cleanup {
                Cleanup::Iterator if dirty => {}
                Cleanup::Iterator => {
                    self.emit(Op::Pop, span);
                }
                Cleanup::Handler => {
                    self.emit(Op::EndTry, span);
                }
                // A statement-level handler or arm left nothing on the
                // stack; a binding is a local released above.
                Cleanup::HandlerValue { .. } | Cleanup::ArmValue { .. } => {}
            }
        }
        let jump = self.emit(Op::Jump(0), span);
        // Infallible: the start of this function returned (with a
        // diagnostic) when no loop encloses the `break`/`continue`.
        let context = self.current().loops.last_mut().expect("checked above");
        if is_break {
            context.break_jumps.push(jump);
        } else {
            context.continue_jumps.push(jump);
        }
    }

    fn return_statement(&mut self, value: Option<&Expr>, span: Span) {
        if !self.current_ref().value_exits.is_empty() {
            // Inside a `?else` handler: the value becomes the handler's result.
            let cleanups = self.current_ref().cleanups.clone();
            let inside: Vec<&Cleanup> = cleanups
                .iter()
                .rev()
                .take_while(|c| !matches!(c, Cleanup::HandlerValue { .. }))
                .collect();
            let dirty = inside
                .iter()
                .any(|c| matches!(c, Cleanup::ArmValue { stack_clean: false }));
            if dirty {
                // Operands of an expression inside the handler are pending:
                // cut back to where the handler's body started.
                let Some(slot) = self.current_ref().handler_heights.last().copied().flatten()
                else {
                    self.error(
                        span,
                        "internal: `return` out of a `?else` handler found no height",
                    );
                    return;
                };
                self.emit(Op::CutToHeight(slot), span);
            }
            match value {
                Some(v) => self.expr(v),
                None => {
                    self.emit(Op::Nil, span);
                }
            }
            for cleanup in inside {
                match cleanup {
                    Cleanup::HandlerValue { .. } | Cleanup::ArmValue { .. } => {}
                    Cleanup::Iterator if dirty => {}
                    Cleanup::Iterator => {
                        self.emit(Op::Swap, span);
                        self.emit(Op::Pop, span);
                    }
                    Cleanup::Handler => {
                        self.emit(Op::EndTry, span);
                    }
                }
            }
            let jump = self.emit(Op::Jump(0), span);
            // Infallible: `return_statement` takes this branch only when
            // `value_exits` is not empty (tested at its top).
            self.current()
                .value_exits
                .last_mut()
                .expect("checked non-empty")
                .push(jump);
            return;
        }
        if self.current_ref().kind == FunctionKind::Script {
            self.error_with_hint(
                span,
                "`return` outside a function",
                "top-level code cannot return; use `exit(code)` to stop the program",
            );
            return;
        }
        match value {
            Some(v) => {
                self.expr(v);
                let coercions = self.current_ref().return_coercions.clone();
                self.coerce_value(&coercions, v, span);
                self.emit(Op::Return, span);
            }
            None => {
                self.emit(Op::ReturnNil, span);
            }
        }
    }

    // -------------------------------------------------------------- attempt

    /// `attempt { … } handle Kind(e) { … } handle (e) { … }`
    fn attempt(&mut self, body: &Block, handlers: &[Handler], span: Span) {
        let try_at = self.emit(Op::Try(0), span);
        self.current().cleanups.push(Cleanup::Handler);
        // The body's locals live in slots from `first_slot` up to the
        // highest the body reaches; they are measured so the handler can
        // release them.
        let first_slot = self.current_ref().next_slot;
        let outer_max = std::mem::replace(&mut self.current().max_slots, first_slot);
        self.block(body);
        let body_max = self.current_ref().max_slots;
        self.current().max_slots = outer_max.max(body_max);
        self.current().cleanups.pop();
        self.emit(Op::EndTry, span);
        let done = self.emit(Op::Jump(0), span);
        self.patch_jump(try_at);

        // A trap left the body without running its blocks' ends: its
        // locals are released (their `deinit`s run) before a handler runs,
        // as those of the functions the trap unwound through already were
        // (reference §7: a local is released at the end of its block).
        if self.objects.any_deinit {
            for slot in (first_slot..body_max).rev() {
                self.emit(Op::DropLocal(slot), span);
            }
        }
        // The raised error is on the stack.
        self.begin_scope();
        let error = self.hidden_slot();
        self.emit(Op::SetLocal(error), span);
        let mut end_jumps = vec![done];
        for handler in handlers {
            let skip = handler.kind.as_ref().map(|kind| {
                let k = self.str_constant(&kind.name);
                self.emit(Op::GetLocal(error), kind.span);
                self.emit(Op::ErrorKindIs(k), kind.span);
                self.emit(Op::JumpIf(false, 0), kind.span)
            });
            self.begin_scope();
            if let Some(binding) = &handler.binding {
                self.emit(Op::GetLocal(error), binding.span);
                self.bind_new_variable(binding, false);
            }
            self.statements(&handler.body.stmts);
            self.end_scope();
            end_jumps.push(self.emit(Op::Jump(0), handler.span));
            if let Some(skip) = skip {
                self.patch_jump(skip);
            }
        }
        // No clause matched: raise it again for an outer handler.
        self.emit(Op::GetLocal(error), span);
        self.emit(Op::Raise, span);
        self.end_scope();
        for jump in end_jumps {
            self.patch_jump(jump);
        }
    }
}

/// Whether evaluating `expr` could assign a plain local of the current
/// function: only statements inside `match` arms and `?else` handlers can
/// (closures reach locals through cells, which are never plain).
fn may_assign_locals(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Match(_) | ExprKind::Else { .. } => true,
        ExprKind::Unary(_, e)
        | ExprKind::Field(e, _)
        | ExprKind::TupleField(e, _)
        | ExprKind::Propagate(e)
        | ExprKind::Cast(e, _)
        | ExprKind::Await(e) => may_assign_locals(e),
        ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
            may_assign_locals(a) || may_assign_locals(b)
        }
        ExprKind::Ternary(a, b, c) => {
            may_assign_locals(a) || may_assign_locals(b) || may_assign_locals(c)
        }
        ExprKind::List(items) | ExprKind::Tuple(items) => items.iter().any(may_assign_locals),
        ExprKind::Dict { entries, .. } => entries
            .iter()
            .any(|(k, v)| may_assign_locals(k) || may_assign_locals(v)),
        ExprKind::Call { callee, args } => {
            may_assign_locals(callee) || args.iter().any(|a| may_assign_locals(&a.value))
        }
        ExprKind::Range {
            start, end, step, ..
        } => {
            may_assign_locals(start)
                || may_assign_locals(end)
                || step.as_deref().is_some_and(may_assign_locals)
        }
        ExprKind::Interp(parts) => parts
            .iter()
            .any(|p| matches!(p, InterpPart::Expr(e) | InterpPart::Formatted(e, _) if may_assign_locals(e))),
        _ => false,
    }
}

/// The scale of a decimal type `d0`…`d18`.
pub(crate) fn decimal_scale(ty: &TypeExpr) -> Option<u8> {
    match &ty.kind {
        TypeKind::Named(path) if path.len() == 1 => {
            let digits = path[0].name.strip_prefix('d')?;
            let scale: u8 = digits.parse().ok()?;
            (scale <= 18 && !digits.starts_with('+')).then_some(scale)
        }
        _ => None,
    }
}

/// The value of an integer literal that fits an `i32`, if `expr` is one.
pub(crate) fn small_int_literal(expr: &Expr) -> Option<i32> {
    use num_traits::ToPrimitive;
    match &expr.kind {
        ExprKind::Int(n) => n.to_i32(),
        ExprKind::Unary(UnOp::Neg, inner) => small_int_literal(inner).and_then(i32::checked_neg),
        _ => None,
    }
}

/// The names a declaration target binds, in order.
fn target_names<'a>(target: &'a VarTarget, names: &mut Vec<&'a Ident>) {
    match target {
        VarTarget::Name(name) => names.push(name),
        VarTarget::Tuple(items, _) | VarTarget::List(items, _) => {
            for item in items {
                target_names(item, names);
            }
        }
    }
}
