//! `d[k] = d.get_or(k, default) + x`, the counting idiom, as one
//! `AddToEntryLocals`: the entry is looked up once instead of twice (by
//! `get_or`, then by the store), and the two locals are not pushed.
//!
//! The instruction has one source position, the store's, so it is emitted
//! only where nothing before the store can fail, as the checker's types
//! prove: `d` a dict of ints, `k` a str or int (a key `get_or` finds
//! without error), `default` and `x` ints (their sum overflows into a big
//! int, never an error), and the entry needing no conversion. `x` is
//! computed before the lookup instead of after it, so it must be a literal
//! or a variable, whose reading nothing can observe; `default` is
//! computed where it was, before the lookup.

use super::Codegen;
use crate::check::Type;
use limit_bytecode::opcode::Op;
use limit_syntax::ast::{BinOp, Expr, ExprKind};
use limit_syntax::span::Span;

impl Codegen<'_> {
    /// Emits `locals[d][locals[k]] = value` as `default; x;
    /// AddToEntryLocals(d, k)` when `value` is `d.get_or(k, default) + x`
    /// (or `d.get(k, default) + x`) on these two locals and the types
    /// allow it (see the module comment); false, emitting nothing,
    /// otherwise. `container` and `key` are the target's expressions,
    /// whose coercions the caller found to be none.
    pub(super) fn add_to_entry(
        &mut self,
        (d, k): (u16, u16),
        (container, key): (&Expr, &Expr),
        value: &Expr,
        span: Span,
    ) -> bool {
        if !self.specialise_by_type {
            return false;
        }
        let ExprKind::Binary(BinOp::Add, lookup, x) = &value.kind else {
            return false;
        };
        let ExprKind::Call { callee, args } = &lookup.kind else {
            return false;
        };
        let ExprKind::Field(receiver, method) = &callee.kind else {
            return false;
        };
        let [found, default] = args.as_slice() else {
            return false;
        };
        if !matches!(method.name.as_str(), "get_or" | "get")
            || found.name.is_some()
            || default.name.is_some()
            || !matches!(x.kind, ExprKind::Int(_) | ExprKind::Ident(_))
        {
            return false;
        }
        let int_values = matches!(
            self.types.type_of(container.id).map(Type::unrefined),
            Some(Type::Dict(_, v)) if matches!(**v, Type::Int)
        );
        let plain_key = matches!(
            self.types.type_of(key.id).map(Type::unrefined),
            Some(Type::Str | Type::Int)
        );
        let integer = |e: &Expr| self.types.type_of(e.id).is_some_and(Type::is_integer);
        if !(int_values && plain_key && integer(&default.value) && integer(x)) {
            return false;
        }
        // The call's receiver and key are the very locals stored through.
        if self.plain_local_pair(receiver, &found.value) != Some((d, k)) {
            return false;
        }
        self.expr(&default.value);
        self.expr(x);
        self.emit(Op::AddToEntryLocals(d, k), span);
        true
    }
}
