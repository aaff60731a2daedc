//! Concurrency: `concurrent` / `parallel` blocks, tasks, workers, `await`
//! (reference.md §9; the VM side is limit_vm/src/runtime/sched.rs).
//!
//! A block compiles to `BlockBegin(kind)` with its parameters as a dict,
//! one `Spawn`/`SpawnWorker` per task (task bodies are closures; `task (i
//! in a..b)` and a parallel block's `iter` spawn one closure per value of
//! the *inclusive* range), the block's other statements in place, and
//! `BlockEnd`, which runs the tasks and waits for all of them.
//!
//! In a `parallel` block, outer variables that task bodies assign become
//! shared cells for the duration of the block (`MakeShared` … `Unshare`);
//! inside the tasks they resolve to `Place::Shared`, and each assignment
//! statement to one runs under the cell's lock (`SharedLock` …
//! `SharedSetUnlock`). Mutating a captured collection or instance in place
//! there is a compile error (the Decision of §9).

use super::{Codegen, Place};
use limit_bytecode::opcode::Op;
use limit_syntax::ast::*;
use limit_syntax::visit::{self, Visitor};
use limit_syntax::{Diagnostic, Span};

use super::mutation::MUTATING_METHODS;

/// The fix every in-place mutation inside a parallel task is told (§9).
const PARALLEL_HINT: &str =
    "parallel tasks run on other threads with their own heaps; send results through a channel instead";

/// What task bodies assign and mutate, by the uses of names (their node
/// ids): what the resolve stage bound each to tells a task's own variable
/// from an outer one.
#[derive(Default)]
struct TaskScan {
    /// Names assigned: the use, the name, the assignment's span.
    assigned: Vec<(NodeId, String, Span)>,
    /// (span, use, variable, what) of in-place mutations of a named
    /// variable, or of a value reached from one (`outer.list.push(x)`).
    mutations: Vec<(Span, NodeId, String, &'static str)>,
    /// (span, what) of in-place mutations of the receiver of the method
    /// the block is in, or of a value reached from it (`this.seen.push`).
    receiver_mutations: Vec<(Span, &'static str)>,
    /// Calls of user functions and methods, checked against what they
    /// mutate (mutation.rs).
    calls: Vec<Expr>,
}

impl TaskScan {
    /// An in-place change of `object`: what matters is the variable (or
    /// receiver) the changed value is reached from, through fields and
    /// elements.
    fn mutation(&mut self, object: &Expr, span: Span, what: &'static str) {
        let mut root = object;
        loop {
            match &root.kind {
                ExprKind::Field(inner, _) => root = inner,
                ExprKind::Index(inner, index) => {
                    self.visit_expr(index);
                    root = inner;
                }
                _ => break,
            }
        }
        match &root.kind {
            ExprKind::Ident(name) => self.mutations.push((span, root.id, name.clone(), what)),
            ExprKind::This => self.receiver_mutations.push((span, what)),
            _ => self.visit_expr(root),
        }
    }
}

/// Nested functions are not entered: their bodies run when called, and
/// their assignments are their own (a documented limit of shared cells).
impl Visitor for TaskScan {
    fn visit_function(&mut self, _decl: &FnDecl) {}

    fn visit_stmt(&mut self, stmt: &Stmt) {
        let StmtKind::Assign { target, value, .. } = &stmt.kind else {
            visit::walk_stmt(self, stmt);
            return;
        };
        match &target.kind {
            ExprKind::Ident(name) => self.assigned.push((target.id, name.clone(), stmt.span)),
            ExprKind::Field(object, _) => self.mutation(object, stmt.span, "field assignment"),
            ExprKind::Index(object, index) => {
                self.mutation(object, stmt.span, "index assignment");
                self.visit_expr(index);
            }
            _ => self.visit_expr(target),
        }
        self.visit_expr(value);
    }

    fn visit_expr(&mut self, expr: &Expr) {
        if let ExprKind::Call { callee, args } = &expr.kind {
            self.calls.push(expr.clone());
            if let ExprKind::Field(object, method) = &callee.kind {
                if MUTATING_METHODS.contains(&method.name.as_str()) {
                    self.mutation(object, expr.span, "in-place method call");
                } else {
                    self.visit_expr(object);
                }
            } else {
                self.visit_expr(callee);
            }
            for arg in args {
                self.visit_expr(&arg.value);
            }
            return;
        }
        visit::walk_expr(self, expr);
    }
}

/// `a..b` as the inclusive `a..=b` (§2 Decision for tasks and parallel `iter`).
fn inclusive_range(range: &Expr) -> Expr {
    let mut range = range.clone();
    if let ExprKind::Range { inclusive, .. } = &mut range.kind {
        *inclusive = true;
    }
    range
}

impl Codegen<'_> {
    /// `concurrent (…) { … }` / `parallel (…) { … }`.
    pub(crate) fn concurrency_block(&mut self, block: &ConcurrencyBlock, span: Span) {
        let parallel = block.kind == ConcurrencyKind::Parallel;
        let mut ch_expr = None;
        let mut emitted = 0;
        for arg in &block.params {
            let Some(name) = &arg.name else {
                self.error(arg.value.span, "block parameters are named: `cores=2`");
                continue;
            };
            if !self.block_parameter_is_known(&name.name, arg) {
                continue;
            }
            emitted += 1;
            if name.name == "ch" {
                ch_expr = Some(&arg.value);
            }
            let k = self.str_constant(&name.name);
            self.emit(Op::Const(k), name.span);
            match &arg.value.kind {
                // `on_error=Stop`: a bare name is its text.
                ExprKind::Ident(value) if self.resolve_use(arg.value.id, value).is_none() => {
                    let k = self.str_constant(value);
                    self.emit(Op::Const(k), arg.value.span);
                }
                _ => self.expr(&arg.value),
            }
        }
        self.emit(Op::NewDict(emitted), span);
        self.emit(Op::BlockBegin(u8::from(parallel)), span);

        let shared = if parallel {
            self.parallel_checks(block)
        } else {
            Vec::new()
        };
        for (_, name, place) in &shared {
            self.load(place, span);
            self.emit(Op::MakeShared, span);
            self.store(place, name, span);
        }
        let variables = shared.iter().map(|(v, _, _)| *v).collect();
        self.shared_scopes.push((self.functions.len(), variables));

        self.begin_scope();
        for stmt in &block.body.stmts {
            match &stmt.kind {
                StmtKind::Task { binding, body } => {
                {
                    if let Some((_, range)) = binding.as_deref() {
                        self.warn_exclusive_range(range, "a task range");
                    }
                    self.task(binding.as_deref().map(|(b, r)| (b, r)), body, stmt.span)
                }
                }
                StmtKind::Worker {
                    binding,
                    source,
                    body,
                } => match source.as_deref().or(ch_expr) {
                    Some(source) => self.worker(binding, source, body, stmt.span),
                    None => self.error_with_hint(
                        stmt.span,
                        "`worker (x)` without `from` reads the block's `ch`, and this block has none",
                        "write `worker (x from channel)` or give the block `ch=…`",
                    ),
                },
                StmtKind::Iter {
                    bindings,
                    iterable,
                    body,
                } if parallel && bindings.len() == 1 => {
                    self.warn_exclusive_range(iterable, "a parallel block's `iter`");
                    self.task(Some((&bindings[0], iterable)), body, stmt.span)
                }
                _ => self.statement(stmt),
            }
        }
        self.end_scope();

        self.shared_scopes.pop();
        if shared.is_empty() {
            self.emit(Op::BlockEnd, span);
            return;
        }
        // The shared variables hold plain values again after the block,
        // also when it raises (a task's error, a timeout) and a handler
        // outside goes on using them.
        let handler = self.emit(Op::Try(0), span);
        self.emit(Op::BlockEnd, span);
        self.emit(Op::EndTry, span);
        self.unshare(&shared, span);
        let done = self.emit(Op::Jump(0), span);
        self.patch_jump(handler);
        self.unshare(&shared, span);
        self.emit(Op::Raise, span);
        self.patch_jump(done);
    }

    /// Turns each shared variable's cell back into its value.
    fn unshare(&mut self, shared: &[(NodeId, String, Place)], span: Span) {
        for (_, name, place) in shared {
            self.load(place, span);
            self.emit(Op::SharedGet, span);
            self.store(place, name, span);
        }
    }

    /// `a..b` where it includes `b` (§2 Decision) reads differently than
    /// everywhere else, so it gets a warning naming the inclusive spelling;
    /// `a..=b` is silent. `place` says where the range is.
    fn warn_exclusive_range(&mut self, range: &Expr, place: &str) {
        let ExprKind::Range {
            end,
            inclusive: false,
            ..
        } = &range.kind
        else {
            return;
        };
        let text = self.span_text(range.span);
        let end_text = self.span_text(end.span);
        let message = match text.split_once("..") {
            Some((start, rest)) if !text.contains('\n') => format!(
                "in {place}, `{text}` includes {end_text}; write `{start}..={rest}` to say so"
            ),
            _ => format!("in {place}, `a..b` includes `b`; write `a..=b` to say so"),
        };
        self.diagnostics
            .push(Diagnostic::warning(range.span, message).with_hint(
                "here `..` counts its end (as the original's tests do); elsewhere it does not",
            ));
    }

    /// The source text of `span`.
    fn span_text(&self, span: Span) -> String {
        self.sources
            .get(span.file)
            .text
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
            .to_string()
    }

    /// `task`, `task ()`, `task (i in a..b)`: a closure per task.
    fn task(&mut self, binding: Option<(&IterBinding, &Expr)>, body: &Block, span: Span) {
        let index = self.task_function(binding.map(|(b, _)| b), body, "task", false);
        match binding {
            None => {
                self.emit(Op::Closure(index), span);
                self.emit(Op::Spawn(0, false), span);
            }
            Some((_, range)) => {
                self.expr(&inclusive_range(range));
                self.emit(Op::IterStart, span);
                let start = self.code_len();
                let exit = self.emit(Op::IterNext(false, 0), span);
                self.emit(Op::Closure(index), span);
                self.emit(Op::Swap, span);
                self.emit(Op::Spawn(1, false), span);
                self.emit_loop(start, span);
                self.patch_jump(exit);
            }
        }
    }

    /// `worker (x from source) { … }`: a closure of `x` and its input.
    fn worker(&mut self, binding: &IterBinding, source: &Expr, body: &Block, span: Span) {
        let index = self.task_function(Some(binding), body, "worker", true);
        self.emit(Op::Closure(index), span);
        self.expr(source);
        self.emit(Op::Spawn(1, true), span);
    }

    /// Compiles a task body as a function of its binding; returns its index.
    fn task_function(
        &mut self,
        binding: Option<&IterBinding>,
        body: &Block,
        name: &str,
        worker_loop: bool,
    ) -> u32 {
        let params = binding
            .map(|b| {
                vec![Param {
                    name: b.name.clone(),
                    ty: b.ty.clone(),
                    default: None,
                    span: b.name.span,
                }]
            })
            .unwrap_or_default();
        let decl = FnDecl {
            id: NodeId::SYNTHETIC,
            name: None,
            params,
            ret: None,
            body: Some(body.clone()),
            modifiers: FnModifiers::default(),
            span: body.span,
        };
        let index = self.releasable_function_slot();
        self.compile_body_function(&decl, index, name, worker_loop);
        index
    }

    /// The variable the name used at `id` denotes (its declaration; for a
    /// top-level one, its first), as the key of a shared variable.
    pub(crate) fn variable_key(&self, id: NodeId) -> Option<NodeId> {
        use crate::resolve::{Binding, DefKind};
        let decl = match self.bindings.of(id)? {
            Binding::Local(decl)
            | Binding::Capture { decl, .. }
            | Binding::Global(decl)
            | Binding::TopLevel {
                decl,
                kind: DefKind::Variable,
                ..
            } => decl,
            _ => return None,
        };
        Some(self.bindings.variable_of(decl))
    }

    /// Whether the name used at `id` denotes a top-level function of the
    /// module being compiled.
    fn names_own_function(&self, id: NodeId) -> bool {
        let file = self.file;
        matches!(
            self.bindings.of(id),
            Some(crate::resolve::Binding::TopLevel {
                kind: crate::resolve::DefKind::Function,
                file: f,
                ..
            }) if f == file
        )
    }

    /// `await e`: the value of the awaited call, which has run by then.
    pub(crate) fn await_expr(&mut self, inner: &Expr, _span: Span) {
        self.expr(inner);
    }

    /// Rejects in-place mutation of captured values in a parallel block's
    /// tasks; returns the outer variables the tasks assign (each by its
    /// declaration, `variable_key`), with their names and places.
    ///
    /// It runs before the tasks are compiled, so a use the resolve stage
    /// bound to a task's own variable (declared in the task, its binding)
    /// has no place yet: only what lies outside the tasks resolves here.
    fn parallel_checks(&mut self, block: &ConcurrencyBlock) -> Vec<(NodeId, String, Place)> {
        let mut scan = TaskScan::default();
        for stmt in &block.body.stmts {
            match &stmt.kind {
                StmtKind::Task { .. } | StmtKind::Worker { .. } => scan.visit_stmt(stmt),
                StmtKind::Iter { body, .. } => scan.visit_block(body),
                _ => {}
            }
        }
        let hint = PARALLEL_HINT;
        for (span, id, name, what) in std::mem::take(&mut scan.mutations) {
            let message = if self.resolve_use(id, &name).is_some() {
                format!("cannot mutate captured `{name}` in place inside a parallel task ({what})")
            } else if self.bare_member(id, &name).is_some() {
                // A bare field or static of the frame (§7): it lives on
                // this thread's heap, like the receiver it belongs to.
                format!("cannot mutate member `{name}` of the frame in place inside a parallel task ({what})")
            } else {
                continue;
            };
            self.error_with_hint(span, message, hint);
        }
        for (span, what) in std::mem::take(&mut scan.receiver_mutations) {
            self.error_with_hint(
                span,
                format!("cannot mutate `this` in place inside a parallel task ({what})"),
                hint,
            );
        }
        let calls = std::mem::take(&mut scan.calls);
        for call in &calls {
            self.check_task_call(call);
        }
        let mut shared: Vec<(NodeId, String, Place)> = Vec::new();
        for (id, name, span) in scan.assigned {
            if self.bare_member(id, &name).is_some() {
                // A bare field or static of the frame (§7): the instance or
                // the frame's static lives on this thread's heap.
                self.error_with_hint(
                    span,
                    format!("cannot assign member `{name}` of the frame inside a parallel task"),
                    hint,
                );
                continue;
            }
            let Some(variable) = self.variable_key(id) else {
                continue;
            };
            if shared.iter().any(|(v, _, _)| *v == variable) {
                continue;
            }
            if let Some(
                place @ (Place::Local { cell: true, .. }
                | Place::Upvalue { .. }
                | Place::Global { .. }),
            ) = self.resolve_use(id, &name)
            {
                shared.push((variable, name, place));
            }
        }
        shared
    }

    /// A call in a parallel task to a function or method that mutates, in
    /// place, a captured value it is given (its receiver or an argument)
    /// or an outer variable: the write would happen on the task's copy and
    /// be lost, so it is rejected like the direct forms.
    fn check_task_call(&mut self, call: &Expr) {
        let ExprKind::Call { callee, args } = &call.kind else {
            return;
        };
        let summary = std::mem::take(&mut self.mutations);
        // A value from outside the tasks (see `parallel_checks`).
        let captured = |this: &mut Self, e: &Expr| match &e.kind {
            ExprKind::Ident(name) if this.resolve_use(e.id, name).is_some() => Some(name.clone()),
            _ => None,
        };
        let hint = PARALLEL_HINT;
        let (effects, what) = match &callee.kind {
            ExprKind::Field(object, method) => {
                let Some(ty) = self.static_type(object) else {
                    self.mutations = summary;
                    return;
                };
                if ty.is_trait {
                    self.mutations = summary;
                    return;
                }
                let Some(effects) = self.method_effects(&summary, &ty.name, &method.name) else {
                    self.mutations = summary;
                    return;
                };
                if effects.this {
                    if let Some(name) = captured(self, object) {
                        self.error_with_hint(
                            call.span,
                            format!(
                                "cannot call `{}` on captured `{name}` inside a parallel task: it mutates its receiver in place",
                                method.name
                            ),
                            hint,
                        );
                    }
                }
                (effects, format!("`{}`", method.name))
            }
            // A top-level function of this module (the summary's).
            ExprKind::Ident(name) if self.names_own_function(callee.id) => {
                let effects = match self.bindings.of(callee.id) {
                    Some(crate::resolve::Binding::TopLevel { decl, .. }) => {
                        summary.functions.get(&decl)
                    }
                    _ => None,
                };
                match effects {
                    Some(effects) => (effects.clone(), format!("`{name}`")),
                    None => {
                        self.mutations = summary;
                        return;
                    }
                }
            }
            _ => {
                self.mutations = summary;
                return;
            }
        };
        for (i, arg) in args.iter().enumerate() {
            if arg.name.is_some() || !effects.params.get(i).copied().unwrap_or(false) {
                continue;
            }
            if let Some(name) = captured(self, &arg.value) {
                self.error_with_hint(
                    arg.value.span,
                    format!(
                        "cannot pass captured `{name}` to {what} inside a parallel task: it mutates that argument in place"
                    ),
                    hint,
                );
            }
        }
        // The function's top-level variable, whatever the task declares.
        if let Some(outer) = &effects.outer {
            self.error_with_hint(
                call.span,
                format!(
                    "cannot call {what} inside a parallel task: it mutates the outer variable `{outer}`, and the task's write would be lost"
                ),
                hint,
            );
        }
        self.mutations = summary;
    }
}
