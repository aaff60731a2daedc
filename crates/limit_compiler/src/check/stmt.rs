//! Statements, blocks and function bodies.

use super::compat::Compatibility;
use super::env::Binding;
use super::expr::Destination;
use super::returns::{never_falls_through, returns_on_all_paths};
use super::types::{ErrorSet, Type};
use super::{BlockRole, Checker, DeferredBody, ReturnTarget};
use limit_syntax::ast::{
    AssignOp, BinOp, Block, Expr, ExprKind, FnDecl, Ident, IterBinding, Member, Stmt, StmtKind,
    UnOp, VarDecl, VarTarget,
};

impl<'a> Checker<'a> {
    /// Checks a statement list in the current scope: named functions are
    /// hoisted first and their bodies checked at the end. Returns the type
    /// of the final unterminated expression when `role` makes it a value.
    pub(super) fn check_statements(&mut self, stmts: &'a [Stmt], role: BlockRole) -> Option<Type> {
        self.deferred.push(Vec::new());
        self.hoist_functions(stmts);
        let mut value = None;
        for (index, stmt) in stmts.iter().enumerate() {
            let is_last = index + 1 == stmts.len();
            value = self.check_stmt(stmt, role, is_last);
        }
        let deferred = self.deferred.pop().unwrap_or_default();
        self.check_deferred_bodies(deferred);
        value
    }

    fn check_block(&mut self, block: &'a Block) {
        self.env.push();
        self.check_statements(&block.stmts, BlockRole::Plain);
        self.env.pop();
    }

    fn hoist_functions(&mut self, stmts: &'a [Stmt]) {
        for stmt in stmts {
            if let StmtKind::Fn(decl) = &stmt.kind {
                if let Some(name) = &decl.name {
                    let signature = self.signature_of(decl);
                    let mut binding =
                        Binding::variable(Type::Function(Box::new(signature)), name.id, true);
                    binding.is_function = true;
                    self.declare_decl(name.id, binding);
                }
            }
        }
    }

    fn defer_body(&mut self, decl: &'a FnDecl, frame: Option<String>, this_type: Option<Type>) {
        if let Some(queue) = self.deferred.last_mut() {
            queue.push(DeferredBody {
                decl,
                frame,
                this_type,
            });
        }
    }

    fn check_deferred_bodies(&mut self, bodies: Vec<DeferredBody<'a>>) {
        if bodies.is_empty() {
            return;
        }
        // One un-narrowed copy of the environment serves every body of the
        // block: checking a body pushes and pops its own scopes, so it
        // leaves the environment as it found it (a copy per body made a
        // file of n functions cost n² work).
        let suspended = self.env.suspend_narrowing();
        for body in bodies {
            // A method's bare names start at its own scopes; a function
            // nested in a method keeps the method's.
            let saved_scope = self.member_scope;
            if body.frame.is_some() && self.member_scope.is_none() {
                self.member_scope = Some(body.decl.modifiers.is_static);
            }
            let saved_frame = std::mem::replace(&mut self.current_frame, body.frame);
            let saved_this = std::mem::replace(&mut self.this_type, body.this_type);
            let name = body
                .decl
                .name
                .as_ref()
                .map_or_else(|| "function".to_string(), |n| n.name.clone());
            self.check_function_body(body.decl, &name);
            self.current_frame = saved_frame;
            self.this_type = saved_this;
            self.member_scope = saved_scope;
        }
        self.env.restore_narrowing(suspended);
    }

    /// Checks parameters, body, returns and the every-path rule of one
    /// function or method.
    pub(super) fn check_function_body(&mut self, decl: &'a FnDecl, name: &str) {
        let Some(body) = &decl.body else { return };
        let signature = self.signature_of(decl);
        self.env.push();
        for (param, param_type) in decl.params.iter().zip(&signature.params) {
            if let Some(default) = &param.default {
                let destination = Destination::Argument {
                    param: param.name.name.clone(),
                    function: name.to_string(),
                };
                self.check_against(default, &param_type.ty, &destination);
            }
            self.declare_decl(
                param.name.id,
                Binding::variable(param_type.ty.clone(), param.name.id, param.ty.is_some()),
            );
        }
        let declared = decl.ret.as_ref().map(|ret| self.resolve_type(ret));
        let infers = declared
            .as_ref()
            .is_some_and(|ty| matches!(ty.unrefined(), Type::Fallible(_, ErrorSet::Any)))
            .then_some(decl.id);
        if let Some(id) = infers {
            self.found_errors.entry(id).or_default();
        }
        self.returns.push(ReturnTarget::Function {
            name: name.to_string(),
            declared: declared.clone(),
            infers,
        });
        self.check_statements(&body.stmts, BlockRole::FunctionBody);
        self.returns.pop();
        self.env.pop();
        if let Some(declared) = declared {
            if needs_value(&declared) && !returns_on_all_paths(&body.stmts, true) {
                let span = decl.name.as_ref().map_or(decl.span, |n| n.span);
                self.error_with_hint(
                    span,
                    format!("`{name}` must return `{declared}` on every path"),
                    "add a `return` at the end of the function",
                );
            }
        }
    }

    fn check_stmt(&mut self, stmt: &'a Stmt, role: BlockRole, is_last: bool) -> Option<Type> {
        match &stmt.kind {
            StmtKind::Var(decl) => self.check_var_decl(decl),
            StmtKind::Fn(decl) => {
                let (frame, this_type) = (self.current_frame.clone(), self.this_type.clone());
                self.defer_body(decl, frame, this_type);
            }
            StmtKind::Frame(frame) => {
                let name = frame.name.name.clone();
                // (A frame declared in a nested block is not the top-level
                // or imported frame of the same name.)
                let known = self
                    .declarations
                    .frames
                    .get(&name)
                    .is_some_and(|decl| std::ptr::eq(*decl, &**frame));
                for member in &frame.members {
                    match member {
                        Member::Method(method) => {
                            let this_type = known.then(|| Type::Frame(name.clone()));
                            self.defer_body(method, Some(name.clone()), this_type);
                        }
                        Member::Field(field) => {
                            let ty = match &field.ty {
                                Some(ty) => self.resolve_type(ty),
                                None => Type::Any,
                            };
                            if let Some(default) = &field.default {
                                self.check_against(
                                    default,
                                    &ty,
                                    &Destination::Field(field.name.name.clone()),
                                );
                            }
                        }
                    }
                }
            }
            StmtKind::Trait(decl) => {
                let this_type = Type::Trait(decl.name.name.clone());
                for method in &decl.methods {
                    self.defer_body(method, None, Some(this_type.clone()));
                }
            }
            StmtKind::Enum(_) | StmtKind::Import(_) => {}
            StmtKind::TypeAlias(decl) => {
                self.resolve_type(&decl.ty);
            }
            StmtKind::ModuleBlock(block) => {
                self.check_statements(&block.stmts, BlockRole::Module);
            }
            StmtKind::Expr { expr, terminated } => {
                let is_value = is_last
                    && !terminated
                    && matches!(role, BlockRole::Value | BlockRole::FunctionBody);
                if is_value {
                    return Some(self.check_final_value(expr, role));
                }
                let ty = self.infer(expr);
                if self.echoed != Some(expr.span) {
                    self.check_dropped_result(expr, &ty);
                }
            }
            StmtKind::Assign { target, op, value } => self.check_assign(target, *op, value),
            StmtKind::Block(block) => self.check_block(block),
            StmtKind::If {
                branches,
                else_branch,
            } => self.check_if(branches, else_branch.as_ref()),
            StmtKind::While { cond, body } => {
                self.check_condition(cond);
                self.check_block(body);
            }
            StmtKind::For {
                init,
                cond,
                step,
                body,
            } => {
                self.env.push();
                if let Some(init) = init {
                    self.check_stmt(init, BlockRole::Plain, false);
                }
                if let Some(cond) = cond {
                    self.check_condition(cond);
                }
                if let Some(step) = step {
                    self.check_stmt(step, BlockRole::Plain, false);
                }
                self.check_block(body);
                self.env.pop();
            }
            StmtKind::Iter {
                bindings,
                iterable,
                body,
            } => self.check_iter(bindings, iterable, body),
            StmtKind::Break | StmtKind::Continue => {}
            StmtKind::Return(value) => self.check_return(value.as_ref(), stmt.span),
            StmtKind::Concurrency(block) => {
                for param in &block.params {
                    self.infer(&param.value);
                }
                self.check_block(&block.body);
            }
            StmtKind::Task { binding, body } => {
                self.env.push();
                if let Some((binding, range)) = binding.as_deref() {
                    let values = match self.infer(range).unrefined() {
                        Type::Range => Type::Int,
                        Type::List(element) => (**element).clone(),
                        _ => Type::Any,
                    };
                    self.declare_iter_binding(binding, values);
                }
                self.check_unchecked_body(body);
                self.env.pop();
            }
            StmtKind::Worker {
                binding,
                source,
                body,
            } => {
                self.env.push();
                if let Some(source) = source {
                    self.infer(source);
                }
                self.declare_iter_binding(binding, Type::Any);
                self.check_unchecked_body(body);
                self.env.pop();
            }
            StmtKind::Attempt { body, handlers } => {
                self.check_block(body);
                for handler in handlers {
                    self.env.push();
                    if let Some(binding) = &handler.binding {
                        if let Some(kind) = &handler.kind {
                            self.error_bindings
                                .insert(binding.id, ErrorSet::single(&kind.name));
                        }
                        self.declare_variable(binding, Type::ErrorValue, true);
                    }
                    self.check_statements(&handler.body.stmts, BlockRole::Plain);
                    self.env.pop();
                }
            }
        }
        None
    }

    /// Task and worker bodies: their `return`s are not the function's.
    fn check_unchecked_body(&mut self, body: &'a Block) {
        self.returns.push(ReturnTarget::Unchecked);
        self.check_block(body);
        self.returns.pop();
    }

    /// The value of a function body or handler: checked against the
    /// declared return type of a function.
    fn check_final_value(&mut self, expr: &'a Expr, role: BlockRole) -> Type {
        if role == BlockRole::FunctionBody {
            if let Some(ReturnTarget::Function {
                name,
                declared: Some(declared),
                ..
            }) = self.returns.last().cloned()
            {
                return self.check_return_value(expr, &declared, &name);
            }
        }
        if role == BlockRole::Value {
            if let Some(Some(expected)) = self.value_expectations.last().cloned() {
                return self.check_against(expr, &expected.ty, &expected.destination);
            }
        }
        self.infer(expr)
    }

    /// A fallible call used as a statement drops its error: a compile error
    /// (reference.md §6).
    fn check_dropped_result(&mut self, expr: &'a Expr, ty: &Type) {
        let ExprKind::Call { callee, .. } = &expr.kind else {
            return;
        };
        if !matches!(ty.unrefined(), Type::Fallible(..)) {
            return;
        }
        // `write_file` results are commonly dropped; `ok`/`err` build values.
        if matches!(&callee.kind, ExprKind::Ident(name) if matches!(name.as_str(), "write_file" | "ok" | "err"))
        {
            return;
        }
        self.error_with_hint(
            expr.span,
            format!("the result of this fallible call (`{ty}`) is ignored"),
            "handle it with `?`, `?else` or `match`, or store it in a variable",
        );
    }

    /// Adds `errors` (returned or propagated) to the inferred error set of
    /// the enclosing function, when it is declared plain `T?`; an error
    /// whose kind is not known statically counts as `Error` (§6).
    pub(super) fn note_errors_of_function(&mut self, errors: &ErrorSet) {
        // A task or worker body is no part of the function around it: its
        // `?` and `return` do not leave that function (the code generator
        // reports them).
        let infers = self.returns.iter().rev().find_map(|target| match target {
            ReturnTarget::Function { infers, .. } => Some(*infers),
            ReturnTarget::Unchecked => Some(None),
            ReturnTarget::Handler => None,
        });
        let Some(Some(id)) = infers else {
            return;
        };
        let set = self.found_errors.entry(id).or_default();
        match errors {
            ErrorSet::Kinds(kinds) => set.extend(kinds.iter().cloned()),
            ErrorSet::Any => {
                set.insert("Error".to_string());
            }
        }
    }

    pub(super) fn declare_variable(&mut self, name: &Ident, ty: Type, annotated: bool) {
        let (ty, annotated) = if !annotated && self.widened.contains(&name.id) {
            (Type::Any, false)
        } else if self.redeclares_with_another_type(name, &ty) {
            // `var x = 1; … var x = "s";` at top level: functions may run
            // before or after the second declaration, so they see `any`.
            (Type::Any, false)
        } else {
            (ty, annotated)
        };
        self.declare_decl(name.id, Binding::variable(ty, name.id, annotated));
    }

    /// Whether `name` is already a variable of another type in the current
    /// scope (reference.md §2: a top-level redeclaration replaces it).
    fn redeclares_with_another_type(&self, name: &Ident, ty: &Type) -> bool {
        let Some(previous) = self.declared(name.id) else {
            return false;
        };
        let previous_type = previous.narrowed_from.as_ref().unwrap_or(&previous.ty);
        !previous.is_function && previous.declared_at != name.id && previous_type != ty
    }

    fn check_var_decl(&mut self, decl: &'a VarDecl) {
        let declared = decl.ty.as_ref().map(|ty| self.resolve_type(ty));
        let value = match (&declared, &decl.init, &decl.target) {
            (Some(declared), Some(init), VarTarget::Name(name)) => {
                self.check_against(init, declared, &Destination::Variable(name.name.clone()));
                declared.clone()
            }
            (Some(declared), Some(init), _) => {
                self.infer(init);
                declared.clone()
            }
            (Some(declared), None, _) => declared.clone(),
            (None, Some(init), _) => self.infer(init),
            (None, None, _) => Type::Any,
        };
        if let (Some(error_return), VarTarget::Name(name)) = (
            decl.init
                .as_ref()
                .and_then(|init| self.handler_errors.get(&init.id)),
            &decl.target,
        ) {
            self.variable_handler_errors.insert(name.id, *error_return);
        }
        // Destructuring takes the value apart: a `T?` must be handled first.
        if let (VarTarget::Tuple(..) | VarTarget::List(..), Some(init)) = (&decl.target, &decl.init)
        {
            if self.reject_unhandled(init, &value) {
                self.bind_var_target(&decl.target, &Type::Any, false);
                return;
            }
        }
        self.bind_var_target(&decl.target, &value, declared.is_some());
    }

    fn bind_var_target(&mut self, target: &'a VarTarget, value: &Type, annotated: bool) {
        match target {
            VarTarget::Name(name) => {
                let keeps_elements = !self.escaping.contains(&name.name)
                    && matches!(value, Type::List(_) | Type::Dict(..));
                let ty = if annotated || keeps_elements {
                    // (A contained container's stores are all checked:
                    // one of another type widens the variable.)
                    value.clone()
                } else {
                    value.generalized()
                };
                self.declare_variable(name, ty, annotated);
            }
            VarTarget::Tuple(items, span) => {
                let types = match value.unrefined() {
                    Type::Tuple(types) if types.len() == items.len() => types.clone(),
                    Type::Tuple(types) => {
                        // Certainly fails at run time (IndexOutOfBounds).
                        self.error(
                            *span,
                            format!(
                                "cannot destructure `{value}` into {} names: it has {} items",
                                items.len(),
                                types.len()
                            ),
                        );
                        vec![Type::Any; items.len()]
                    }
                    _ => vec![Type::Any; items.len()],
                };
                for (item, ty) in items.iter().zip(&types) {
                    self.bind_var_target(item, ty, false);
                }
            }
            VarTarget::List(items, _) => {
                let element = match value.unrefined() {
                    Type::List(element) => (**element).clone(),
                    _ => Type::Any,
                };
                for item in items {
                    self.bind_var_target(item, &element, false);
                }
            }
        }
    }

    fn check_assign(&mut self, target: &'a Expr, op: AssignOp, value: &'a Expr) {
        match &target.kind {
            ExprKind::Ident(name) => self.check_assign_to_name(target, name, op, value),
            ExprKind::Field(receiver, field)
                if self.is_inferred_namespace_member(receiver, field) =>
            {
                self.check_assign_to_namespace_member(receiver, field, op, value)
            }
            ExprKind::Field(receiver, field) => {
                let field_type = match self.static_path_type(receiver, field) {
                    Some(ty) => ty,
                    None => match self.infer(receiver).unrefined().clone() {
                        Type::Host(host) => self.host_field_assignment(&host, field),
                        receiver_type => self.member_type(&receiver_type, field),
                    },
                };
                self.check_assigned_value(
                    &field_type,
                    op,
                    value,
                    target,
                    Destination::Field(field.name.clone()),
                );
            }
            ExprKind::Index(container, index)
                if self.widens_on_store(container, op, index, value) => {}
            ExprKind::Index(container, index) => {
                let container_type = self.infer(container);
                let index_type = self.infer(index);
                self.check_index_type(&container_type, index, &index_type);
                let element = match container_type.unrefined() {
                    Type::List(element) => (**element).clone(),
                    Type::Dict(_, value) => (**value).clone(),
                    _ => Type::Any,
                };
                self.check_assigned_value(&element, op, value, target, Destination::Element);
            }
            _ => {
                self.infer(target);
                self.infer(value);
            }
        }
    }

    /// A store into an element of an unannotated variable that kept its
    /// element types (`var ys = [1, 2]; ys[0] = v`): a value (or dict key)
    /// of another type widens the variable instead of being an error.
    /// True when the store was handled so.
    fn widens_on_store(
        &mut self,
        container: &'a Expr,
        op: AssignOp,
        index: &'a Expr,
        value: &'a Expr,
    ) -> bool {
        let Some(binding) = self.inferred_container(container) else {
            return false;
        };
        let (key, element) = match &binding.ty {
            Type::List(element) => (Type::Int, (**element).clone()),
            Type::Dict(key, element) => ((**key).clone(), (**element).clone()),
            _ => return false,
        };
        self.infer(container);
        let index_type = self.infer(index);
        let value_type = self.infer(value);
        if compound_operator(op).is_some() && self.reject_unhandled(value, &value_type) {
            return true;
        }
        let stored = match compound_operator(op) {
            None => value_type,
            Some(operator) => self.arithmetic_result(
                operator,
                &element,
                &value_type,
                container.span.to(value.span),
            ),
        };
        if matches!(binding.ty, Type::List(_)) {
            // A list's index is an int whatever its elements are.
            let container_type = binding.ty.clone();
            self.check_index_type(&container_type, index, &index_type);
        }
        let key_fits = index_type == key
            || (key == Type::Int && index_type.is_integer())
            || matches!(binding.ty, Type::List(_));
        if stored != element || !key_fits {
            self.newly_widened.insert(binding.declared_at);
        }
        true
    }

    /// The binding of `expr` when it names an unannotated variable whose
    /// list or dict type kept its element types.
    pub(super) fn inferred_container(&self, expr: &Expr) -> Option<Binding> {
        let ExprKind::Ident(_) = &expr.kind else {
            return None;
        };
        let binding = self.lookup_use(expr.id)?;
        let keeps = !binding.annotated
            && binding.narrowed_from.is_none()
            && match &binding.ty {
                Type::List(element) => !element.is_any(),
                Type::Dict(key, element) => !key.is_any() || !element.is_any(),
                _ => false,
            };
        keeps.then(|| binding.clone())
    }

    /// `place op= value` where the place has a declared type.
    fn check_assigned_value(
        &mut self,
        place: &Type,
        op: AssignOp,
        value: &'a Expr,
        target: &'a Expr,
        destination: Destination,
    ) {
        match compound_operator(op) {
            None => {
                self.check_against(value, place, &destination);
            }
            Some(operator) => {
                let value_type = self.infer(value);
                if self.reject_unhandled(value, &value_type) {
                    return;
                }
                let span = target.span.to(value.span);
                let result = self.arithmetic_result(operator, place, &value_type, span);
                if self.compatibility(&result, place) == Compatibility::Fits
                    && self.needs_run_time_check(&result, place)
                {
                    self.table.record_compound_check(value.id, place);
                }
                self.report_incompatible(&result, place, value, &destination);
            }
        }
    }

    fn report_incompatible(
        &mut self,
        found: &Type,
        expected: &Type,
        at: &'a Expr,
        destination: &Destination,
    ) {
        match self.compatibility(found, expected) {
            Compatibility::Fits => {
                self.check_shared_container(found, expected, at.span, destination)
            }
            Compatibility::Mismatch | Compatibility::ErrorKinds => self.error(
                at.span,
                format!(
                    "mismatched types: {} expects `{expected}`, found `{found}`",
                    destination.describe()
                ),
            ),
            Compatibility::UnhandledFallible => self.report_unhandled_fallible(at, found, expected),
        }
    }

    fn check_assign_to_name(
        &mut self,
        target: &'a Expr,
        name: &str,
        op: AssignOp,
        value: &'a Expr,
    ) {
        if let Some(field_type) = self.bare_member_declared_type(target.id, name) {
            // `count = …` in a method assigns the field (§7 Decision), of
            // its declared type; a narrowing by `if (count)` ends here.
            let destination = Destination::Field(name.to_string());
            self.check_assigned_value(&field_type, op, value, target, destination);
            // The value is checked against the field here: the code
            // generator needs no check of its own (`field_assign`).
            self.table.record(target.id, &field_type);
            if self.env.member(name).is_some() {
                self.env.narrow_member(name, field_type);
            }
            return;
        }
        let Some(binding) = self.lookup_use(target.id).cloned() else {
            // An implicit declaration (reference.md §2 Decision).
            let ty = self.infer(value);
            // The target expression's id identifies the variable it declares.
            let ident = Ident {
                id: target.id,
                name: name.to_string(),
                span: target.span,
            };
            self.declare_variable(&ident, ty.generalized(), false);
            return;
        };
        if binding.is_function {
            self.infer(value);
            return;
        }
        let declared = binding.narrowed_from.clone().unwrap_or(binding.ty.clone());
        self.table.record(target.id, &declared);
        if binding.annotated {
            self.check_assigned_value(
                &declared,
                op,
                value,
                target,
                Destination::Variable(name.to_string()),
            );
            return;
        }
        let value_type = self.infer(value);
        if compound_operator(op).is_some() && self.reject_unhandled(value, &value_type) {
            return;
        }
        let result = match compound_operator(op) {
            None => value_type,
            Some(operator) => {
                let result = self.arithmetic_result(
                    operator,
                    &declared,
                    &value_type,
                    target.span.to(value.span),
                );
                if super::operators::is_reported_misuse(operator, &declared, &value_type) {
                    // Reported: widening would check the module again
                    // without the error.
                    return;
                }
                result
            }
        };
        if !declared.is_any() && !is_same_shape(&result, &declared) {
            // The variable holds values of another type from now on: it is
            // `any` everywhere (the module is checked again).
            self.newly_widened.insert(binding.declared_at);
        }
    }

    /// Whether `receiver.field` is an imported module's variable whose type
    /// was inferred.
    fn is_inferred_namespace_member(&self, receiver: &Expr, field: &Ident) -> bool {
        self.namespace_of(receiver)
            .and_then(|exports| exports.values.get(&field.name))
            .is_some_and(|value| !value.annotated && !value.is_function)
    }

    /// `module.name op= value` on a variable whose type was inferred: a
    /// value of another type widens it (in every module, see
    /// `check_program`).
    fn check_assign_to_namespace_member(
        &mut self,
        receiver: &'a Expr,
        field: &'a Ident,
        op: AssignOp,
        value: &'a Expr,
    ) {
        let Some(exported) = self
            .namespace_of(receiver)
            .and_then(|exports| exports.values.get(&field.name))
        else {
            return;
        };
        let declared = exported.binding(&self.widened).ty;
        let value_type = self.infer(value);
        if compound_operator(op).is_some() && self.reject_unhandled(value, &value_type) {
            return;
        }
        let result = match compound_operator(op) {
            None => value_type,
            Some(operator) => self.arithmetic_result(
                operator,
                &declared,
                &value_type,
                receiver.span.to(value.span),
            ),
        };
        if !declared.is_any() && !is_same_shape(&result, &declared) {
            self.newly_widened.insert(exported.declared_at);
        }
    }

    fn check_if(&mut self, branches: &'a [(Expr, Block)], else_branch: Option<&'a Block>) {
        // Earlier conditions were false in every later branch (type tests
        // narrow unions): each condition's negation is added once to a scope
        // the later branches share, so 100 000 `elif`s stay linear.
        self.env.push();
        for (cond, block) in branches {
            self.env.push();
            self.check_condition(cond);
            for name in names_tested_present(cond) {
                self.narrow_to_value(name);
            }
            self.narrow_by_type_tests(cond, true);
            self.check_statements(&block.stmts, BlockRole::Plain);
            self.env.pop();
            self.narrow_by_type_tests(cond, false);
        }
        if let Some(block) = else_branch {
            self.check_block(block);
        }
        self.env.pop();
        // `if (typeof(x) != "int") { return …; }` leaves `x` an int.
        if let ([(cond, block)], None) = (branches, else_branch) {
            if never_falls_through(&block.stmts) {
                self.narrow_by_type_tests(cond, false);
            }
        }
        // `if (!x) { return …; }` leaves `x` holding a value afterwards.
        if let ([(cond, block)], None) = (branches, else_branch) {
            if let ExprKind::Unary(UnOp::Not, operand) = &cond.kind {
                if let ExprKind::Ident(_) = &operand.kind {
                    if never_falls_through(&block.stmts) {
                        self.narrow_to_value(operand);
                    }
                }
            }
        }
    }

    /// Inside `if (x)` a `T?` variable `x` holds a `T` (reference.md §2);
    /// so does a bare field `x` inside a method (§7).
    fn narrow_to_value(&mut self, name: &Expr) {
        let (id, ExprKind::Ident(text)) = (name.id, &name.kind) else {
            return;
        };
        let Some(binding) = self.lookup_use(id) else {
            if let Some(Type::Fallible(value, _)) = self.bare_member_type(id, text) {
                self.env.narrow_member(text, *value);
            }
            return;
        };
        let Type::Fallible(value, _) = binding.ty.unrefined() else {
            return;
        };
        let mut narrowed = binding.clone();
        narrowed.narrowed_from = Some(binding.narrowed_from.clone().unwrap_or(binding.ty.clone()));
        narrowed.ty = (**value).clone();
        self.narrow_use(id, narrowed);
    }

    fn check_iter(&mut self, bindings: &'a [IterBinding], iterable: &'a Expr, body: &'a Block) {
        let iterable_type = self.infer(iterable);
        self.reject_unhandled(iterable, &iterable_type);
        let element_types: Vec<Type> = match (iterable_type.unrefined(), bindings.len()) {
            (Type::List(element), 1) => vec![(**element).clone()],
            (Type::Str, 1) => vec![Type::Str],
            (Type::Range, 1) => vec![Type::Int],
            (Type::Dict(key, value), 2) => vec![(**key).clone(), (**value).clone()],
            // One name over a dict: its `(key, value)` entries (§2).
            (Type::Dict(key, value), 1) => {
                vec![Type::Tuple(vec![(**key).clone(), (**value).clone()])]
            }
            // Two names over a list: the index and the element.
            (Type::List(element), 2) => vec![Type::Int, (**element).clone()],
            _ => vec![Type::Any; bindings.len()],
        };
        self.env.push();
        for (binding, ty) in bindings.iter().zip(element_types) {
            self.declare_iter_binding(binding, ty);
        }
        self.check_statements(&body.stmts, BlockRole::Plain);
        self.env.pop();
    }

    fn declare_iter_binding(&mut self, binding: &'a IterBinding, inferred: Type) {
        match &binding.ty {
            Some(ty) => {
                let ty = self.resolve_type(ty);
                self.check_loop_value(binding, &inferred, &ty);
                self.declare_variable(&binding.name, ty, true);
            }
            None => self.declare_variable(&binding.name, inferred.generalized(), false),
        }
    }

    /// The values a loop binds to an annotated variable (`iter (x: int in
    /// xs)`, a task over a range, a worker over a channel) enter its type:
    /// values of type `found` that cannot are a compile error; values not
    /// proven to fit are checked at run time as each is bound (recorded by
    /// the binding's name, `codegen/type_checks.rs::check_bound_value`).
    fn check_loop_value(&mut self, binding: &IterBinding, found: &Type, declared: &Type) {
        if self.compatibility(found, declared) == Compatibility::Fits {
            if self.needs_run_time_check(found, declared) {
                self.table.record_check(binding.name.id, declared);
            }
            return;
        }
        self.error(
            binding.name.span,
            format!(
                "mismatched types: loop variable `{}` expects `{declared}`, found `{found}`",
                binding.name.name
            ),
        );
    }

    fn check_return(&mut self, value: Option<&'a Expr>, span: limit_syntax::Span) {
        match (self.returns.last().cloned(), value) {
            (
                Some(ReturnTarget::Function {
                    name,
                    declared: Some(declared),
                    ..
                }),
                Some(value),
            ) => {
                self.check_return_value(value, &declared, &name);
            }
            (
                Some(ReturnTarget::Function {
                    name,
                    declared: Some(declared),
                    ..
                }),
                None,
            ) => {
                if needs_value(&declared) && !matches!(declared.unrefined(), Type::Fallible(..)) {
                    self.error_with_hint(
                        span,
                        format!("`{name}` must return `{declared}`; this `return` has no value"),
                        "write `return <value>;`",
                    );
                }
            }
            (Some(ReturnTarget::Handler), Some(value)) => {
                if is_err_call(value) {
                    if let Some(first @ None) = self.handler_error_returns.last_mut() {
                        *first = Some(span);
                    }
                }
                let expected = self.handler_values.last().and_then(|h| h.1.clone());
                let ty = match expected {
                    Some(expected)
                        if is_err_call(value)
                            && !matches!(
                                expected.ty.unrefined(),
                                Type::Fallible(..) | Type::Any
                            ) =>
                    {
                        // reference.md §6: the handler's value replaces the
                        // failed one, and it cannot leave the function.
                        self.error_with_hint(
                            span,
                            format!(
                                "this `return` gives the `?else` handler's value, which must be `{}`, not an error: a handler cannot leave the function",
                                expected.ty
                            ),
                            "to return the error from the function, write `?` after the handler: `… ?else { … }?`",
                        );
                        self.infer(value)
                    }
                    Some(expected) => {
                        self.check_against(value, &expected.ty, &expected.destination)
                    }
                    None => self.infer(value),
                };
                if let Some((values, _)) = self.handler_values.last_mut() {
                    values.push(ty);
                }
            }
            (_, Some(value)) => {
                self.infer(value);
            }
            (_, None) => {}
        }
    }

    /// A returned value must fit the declared type, and its error kinds
    /// must be in the declared error set: an error of unknown kind counts
    /// as `Error` there, as for `?` (§6). In a function declared plain
    /// `T?`, `return err(e)` of a bound error contributes `Error` to the
    /// inferred set (§6 Decision); in one that declares its set, the
    /// kinds the binding knows (`error_bindings`) must be in it.
    fn check_return_value(&mut self, value: &'a Expr, declared: &Type, name: &str) -> Type {
        let found = self.check_against(value, declared, &Destination::Return(name.to_string()));
        match found.unrefined() {
            Type::Fallible(..) if rebinds_an_error(value) => {
                self.note_errors_of_function(&ErrorSet::Any)
            }
            Type::Fallible(_, errors) => self.note_errors_of_function(errors),
            Type::ErrorValue => self.note_errors_of_function(&ErrorSet::Any),
            _ => {}
        }
        if let (Type::Fallible(_, errors), Type::Fallible(_, allowed)) =
            (found.unrefined(), declared.unrefined())
        {
            let missing = errors.kinds_not_covered_by(allowed);
            if !missing.is_empty() {
                let kinds = missing.join(", ");
                self.error_with_hint(
                    value.span,
                    format!("`{name}` cannot return error `{kinds}`: its error set is `{allowed}`"),
                    format!("add `{kinds}` to the return type of `{name}`"),
                );
            }
        }
        found
    }
}

/// The variables a condition proves to hold a value when it is true:
/// `x`, `x != nil`, and the operands of `and`.
fn names_tested_present(condition: &Expr) -> Vec<&Expr> {
    match &condition.kind {
        ExprKind::Ident(_) => vec![condition],
        ExprKind::Binary(BinOp::Ne, left, right) => match (&left.kind, &right.kind) {
            (ExprKind::Ident(_), ExprKind::Nil) => vec![&**left],
            (ExprKind::Nil, ExprKind::Ident(_)) => vec![&**right],
            _ => Vec::new(),
        },
        ExprKind::Binary(BinOp::And, left, right) => {
            let mut names = names_tested_present(left);
            names.extend(names_tested_present(right));
            names
        }
        _ => Vec::new(),
    }
}

/// Whether a declared return type obliges the function to return a value.
fn needs_value(declared: &Type) -> bool {
    match declared.unrefined() {
        Type::Any | Type::Atomic | Type::Nil => false,
        Type::Fallible(inner, _) => needs_value(inner),
        _ => true,
    }
}

fn compound_operator(op: AssignOp) -> Option<BinOp> {
    match op {
        AssignOp::Assign => None,
        AssignOp::Add => Some(BinOp::Add),
        AssignOp::Sub => Some(BinOp::Sub),
        AssignOp::Mul => Some(BinOp::Mul),
        AssignOp::Div => Some(BinOp::Div),
        AssignOp::Mod => Some(BinOp::Mod),
    }
}

/// Values of `value` may be stored in a variable inferred as `declared`
/// without changing what the variable's reads may claim: the same type, or
/// a container value into a generalized container.
fn is_same_shape(value: &Type, declared: &Type) -> bool {
    if value == declared {
        return true;
    }
    match (value.generalized(), declared) {
        (value, declared) if value == *declared => true,
        (Type::List(_), Type::List(element)) => element.is_any(),
        (Type::Dict(..), Type::Dict(key, element)) => key.is_any() && element.is_any(),
        _ => false,
    }
}

/// `err(…)`: an error value made where it is written.
/// `err(e)` of a bound error `e` (not a kind, not a message).
fn rebinds_an_error(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Call { callee, args, .. } => {
            matches!(&callee.kind, ExprKind::Ident(name) if name == "err")
                && matches!(args.first().map(|arg| &arg.value.kind),
                    Some(ExprKind::Ident(name)) if !name.starts_with(|c: char| c.is_ascii_uppercase()))
        }
        _ => false,
    }
}

fn is_err_call(expr: &Expr) -> bool {
    matches!(&expr.kind, ExprKind::Call { callee, .. }
        if matches!(&callee.kind, ExprKind::Ident(name) if name == "err"))
}
