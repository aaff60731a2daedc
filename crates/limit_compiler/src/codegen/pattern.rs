//! `match`: each arm's pattern compiles to tests that jump to the next arm
//! on failure and bindings into fresh locals (reference.md §8).

use super::expr::is_error_kind;
use super::{Cleanup, Codegen};
use limit_bytecode::opcode::{Dispatch, Op, Ordering};
use limit_syntax::ast::*;
use limit_syntax::Span;

/// Names that are type patterns when they stand alone in a pattern.
const TYPE_NAMES: &[(&str, &str)] = &[
    ("int", "int"),
    ("float", "float"),
    ("str", "str"),
    ("string", "str"),
    ("bool", "bool"),
    ("list", "list"),
    ("dict", "dict"),
    ("tuple", "tuple"),
    ("range", "range"),
    ("function", "function"),
];

/// Whether `name` standing alone in a pattern tests the value's type.
pub(crate) fn is_type_pattern_name(name: &str) -> bool {
    TYPE_NAMES.iter().any(|(n, _)| *n == name)
}

impl Codegen<'_> {
    /// `match (x) { arms }` as an expression: leaves the chosen arm's value.
    pub(crate) fn match_expr(&mut self, m: &MatchExpr) {
        let stack_clean = std::mem::take(&mut self.current().statement_value);
        self.begin_scope();
        self.expr(&m.scrutinee);
        let subject = self.hidden_slot();
        self.emit(Op::SetLocal(subject), m.scrutinee.span);
        let mut end_jumps = Vec::new();
        // The subject and every arm's bindings are released after the
        // match (§7), so an instance it held is not kept alive by a slot.
        let mut held = vec![subject];
        for arm in &m.arms {
            self.begin_scope();
            let mut fails = Vec::new();
            self.pattern_test(&arm.pattern, subject, &mut fails);
            if let Some(guard) = &arm.guard {
                fails.extend(self.condition_jumps(guard));
            }
            match &arm.body {
                ArmBody::Expr(e) => self.expr(e),
                ArmBody::Block(block) => {
                    self.begin_scope();
                    self.current()
                        .cleanups
                        .push(Cleanup::ArmValue { stack_clean });
                    self.value_block(&block.stmts, block.span);
                    self.current().cleanups.pop();
                    self.end_scope();
                }
            }
            end_jumps.push(self.emit(Op::Jump(0), arm.span));
            for jump in fails {
                self.patch_jump(jump);
            }
            let depth = self.current_ref().scope_depth;
            for local in self.current_ref().locals.iter().rev() {
                if local.depth < depth {
                    break;
                }
                if !held.contains(&local.slot) {
                    held.push(local.slot);
                }
            }
            self.end_scope();
        }
        let message = self.str_constant("no match arm matched the value");
        self.emit(Op::Const(message), m.span);
        let kind = self.str_constant("NoMatch");
        self.emit(Op::Trap(kind), m.span);
        for jump in end_jumps {
            self.patch_jump(jump);
        }
        if self.objects.any_deinit {
            for slot in held {
                self.emit(Op::DropLocal(slot), m.span);
            }
        }
        self.end_scope();
    }

    /// Emits the tests of `pattern` against the value in local `subject`;
    /// every failing test jumps to a target pushed on `fails`. Bindings are
    /// declared in the current scope.
    pub(super) fn pattern_test(&mut self, pattern: &Pattern, subject: u16, fails: &mut Vec<usize>) {
        let span = pattern.span;
        match &pattern.kind {
            PatternKind::Wildcard => {}
            PatternKind::Literal(value) => {
                self.emit(Op::GetLocal(subject), span);
                self.expr(value);
                fails.push(self.emit(Op::JumpIfNotEqual(false, 0), span));
            }
            PatternKind::Range {
                start,
                end,
                inclusive,
            } => {
                self.type_test(subject, "int", span, fails);
                self.emit(Op::GetLocal(subject), span);
                self.expr(start);
                fails.push(self.emit(Op::JumpIfNot(Ordering::Ge, 0), span));
                self.emit(Op::GetLocal(subject), span);
                self.expr(end);
                let jump = if *inclusive {
                    Op::JumpIfNot(Ordering::Le, 0)
                } else {
                    Op::JumpIfNot(Ordering::Lt, 0)
                };
                fails.push(self.emit(jump, span));
            }
            PatternKind::Name(name) => self.name_pattern(name, subject, fails),
            PatternKind::Variant { path, args } => {
                self.variant_pattern(path, args.as_deref(), subject, span, fails)
            }
            PatternKind::Ok(inner) => {
                self.emit(Op::GetLocal(subject), span);
                self.emit(Op::IsError, span);
                fails.push(self.emit(Op::JumpIf(true, 0), span));
                self.pattern_test(inner, subject, fails);
            }
            PatternKind::Err(inner) => {
                self.emit(Op::GetLocal(subject), span);
                self.emit(Op::IsError, span);
                fails.push(self.emit(Op::JumpIf(false, 0), span));
                self.pattern_test(inner, subject, fails);
            }
            PatternKind::Or(alternatives) => {
                let mut matched = Vec::new();
                for (i, alternative) in alternatives.iter().enumerate() {
                    if i + 1 == alternatives.len() {
                        self.pattern_test(alternative, subject, fails);
                    } else {
                        let mut next = Vec::new();
                        self.pattern_test(alternative, subject, &mut next);
                        matched.push(self.emit(Op::Jump(0), span));
                        for jump in next {
                            self.patch_jump(jump);
                        }
                    }
                }
                for jump in matched {
                    self.patch_jump(jump);
                }
            }
            PatternKind::List { items, rest } => {
                self.sequence_pattern("list", items, rest.as_ref(), subject, span, fails);
            }
            PatternKind::Tuple(items) => {
                self.sequence_pattern("tuple", items, None, subject, span, fails);
            }
            PatternKind::Record { fields, rest } => {
                self.record_pattern(fields, rest.as_ref(), subject, span, fails)
            }
            PatternKind::Frame { path, fields } => {
                self.frame_pattern(path, fields, subject, span, fails)
            }
        }
    }

    /// Fails unless `typeof(subject) == type_name`.
    fn type_test(&mut self, subject: u16, type_name: &str, span: Span, fails: &mut Vec<usize>) {
        self.emit(Op::GetLocal(subject), span);
        self.emit_type_name(span);
        let k = self.str_constant(type_name);
        self.emit(Op::Const(k), span);
        fails.push(self.emit(Op::JumpIfNotEqual(false, 0), span));
    }

    /// A bare name: a type pattern, an error kind, or a binding.
    fn name_pattern(&mut self, name: &Ident, subject: u16, fails: &mut Vec<usize>) {
        let span = name.span;
        // The resolve stage decided whether the name binds: it declared
        // it. (A name it did not walk is decided here, by the same rule.)
        let binds = self.bindings.knows(name.id);
        if !binds && self.object_name_pattern(name, subject, fails) {
            return;
        }
        if let Some((_, type_name)) = TYPE_NAMES.iter().find(|(n, _)| *n == name.name && !binds) {
            self.type_test(subject, type_name, span, fails);
            return;
        }
        if !binds && is_error_kind(&name.name) {
            self.emit(Op::GetLocal(subject), span);
            let k = self.str_constant(&name.name);
            self.emit(Op::ErrorKindIs(k), span);
            fails.push(self.emit(Op::JumpIf(false, 0), span));
            return;
        }
        self.emit(Op::GetLocal(subject), span);
        self.bind_new_variable(name, false);
    }

    /// `Kind(msg)` for error kinds; enum variants need enums.
    fn variant_pattern(
        &mut self,
        path: &[Ident],
        args: Option<&[Pattern]>,
        subject: u16,
        span: Span,
        fails: &mut Vec<usize>,
    ) {
        if self.enum_variant_pattern(path, args, subject, span, fails) {
            return;
        }
        let [kind] = path else {
            self.not_supported(span, "enum variant patterns");
            return;
        };
        let user_kind = kind.name.chars().next().is_some_and(char::is_uppercase);
        if !(is_error_kind(&kind.name) || user_kind) {
            self.error(
                kind.span,
                format!("unknown variant or error kind `{}`", kind.name),
            );
            return;
        }
        self.emit(Op::GetLocal(subject), span);
        let k = self.str_constant(&kind.name);
        self.emit(Op::ErrorKindIs(k), span);
        fails.push(self.emit(Op::JumpIf(false, 0), span));
        match args {
            None | Some([]) => {}
            Some([message]) => {
                let field = self.hidden_slot();
                self.emit(Op::GetLocal(subject), span);
                let m = self.str_constant("message");
                self.emit(Op::GetFieldByName(m), span);
                self.emit(Op::SetLocal(field), span);
                self.pattern_test(message, field, fails);
            }
            Some([_, extra, ..]) => self.error(extra.span, "an error pattern binds one message"),
        }
    }

    /// `[a, b]`, `[head, ...tail]`, `(x, y)`.
    fn sequence_pattern(
        &mut self,
        type_name: &str,
        items: &[Pattern],
        rest: Option<&Option<Ident>>,
        subject: u16,
        span: Span,
        fails: &mut Vec<usize>,
    ) {
        self.type_test(subject, type_name, span, fails);
        self.emit(Op::GetLocal(subject), span);
        self.emit(Op::Len, span);
        self.emit(Op::Int(items.len() as i32), span);
        let length_test = if rest.is_some() {
            Op::JumpIfNot(Ordering::Ge, 0)
        } else {
            Op::JumpIfNotEqual(false, 0)
        };
        fails.push(self.emit(length_test, span));
        for (i, item) in items.iter().enumerate() {
            let element = self.hidden_slot();
            self.emit(Op::GetLocal(subject), item.span);
            self.emit(Op::Int(i as i32), item.span);
            self.emit(Op::GetIndex, item.span);
            self.emit(Op::SetLocal(element), item.span);
            self.pattern_test(item, element, fails);
        }
        if let Some(Some(name)) = rest {
            self.emit(Op::GetLocal(subject), name.span);
            self.emit(Op::Int(items.len() as i32), name.span);
            self.emit(Op::GetLocal(subject), name.span);
            self.emit(Op::Len, name.span);
            let slice = self.str_constant("slice");
            self.emit(Op::Invoke(slice, 2, Dispatch::Dynamic), name.span);
            self.bind_new_variable(name, false);
        }
    }

    /// `{name, age}` (exactly these keys) or `{name: n, ...rest}`.
    fn record_pattern(
        &mut self,
        fields: &[FieldPattern],
        rest: Option<&Option<Ident>>,
        subject: u16,
        span: Span,
        fails: &mut Vec<usize>,
    ) {
        self.type_test(subject, "dict", span, fails);
        if rest.is_none() {
            self.emit(Op::GetLocal(subject), span);
            self.emit(Op::Len, span);
            self.emit(Op::Int(fields.len() as i32), span);
            fails.push(self.emit(Op::JumpIfNotEqual(false, 0), span));
        }
        let contains = self.str_constant("contains");
        for field in fields {
            let key = self.str_constant(&field.name.name);
            self.emit(Op::GetLocal(subject), field.name.span);
            self.emit(Op::Const(key), field.name.span);
            self.emit(Op::Invoke(contains, 1, Dispatch::Dynamic), field.name.span);
            fails.push(self.emit(Op::JumpIf(false, 0), field.name.span));
            self.emit(Op::GetLocal(subject), field.name.span);
            self.emit(Op::Const(key), field.name.span);
            self.emit(Op::GetIndex, field.name.span);
            match &field.pattern {
                None => self.bind_new_variable(&field.name, false),
                Some(pattern) => {
                    let value = self.hidden_slot();
                    self.emit(Op::SetLocal(value), field.name.span);
                    self.pattern_test(pattern, value, fails);
                }
            }
        }
        if let Some(Some(name)) = rest {
            // The rest is a copy of the dict without the named keys.
            self.emit(Op::GetLocal(subject), name.span);
            let copy = self.str_constant("copy");
            self.emit(Op::Invoke(copy, 0, Dispatch::Dynamic), name.span);
            let remove = self.str_constant("remove");
            let holder = self.hidden_slot();
            self.emit(Op::SetLocal(holder), name.span);
            for field in fields {
                let key = self.str_constant(&field.name.name);
                self.emit(Op::GetLocal(holder), name.span);
                self.emit(Op::Const(key), name.span);
                self.emit(Op::Invoke(remove, 1, Dispatch::Dynamic), name.span);
                self.emit(Op::Pop, name.span);
            }
            self.emit(Op::GetLocal(holder), name.span);
            self.bind_new_variable(name, false);
        }
    }
}
