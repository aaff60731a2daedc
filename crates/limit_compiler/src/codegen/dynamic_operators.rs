//! `+` and `-` whose operand may be an instance of a standard frame with
//! arithmetic (a `DateTime`) that the checker could not prove (an `any`
//! value). Where it proved one, the code generator calls the method the
//! operator stands for (`stdlib::operator_method`, `frame.rs`); here the
//! same choice is made at run time, so a `DateTime` held in an `any`
//! adds and subtracts as a typed one does (reference: docs/stdlib.md,
//! std.time): `d + s` and `s + d` are `d.add(s)`, `d - s` is `d.sub(s)`,
//! `b - a` between two of them `b.since(a)`; any other mix is the plain
//! operator (a `TypeError` for an instance).
//!
//! Only a program with such a frame (one that imports `std.time`) pays,
//! and only for an operator with an operand of unknown type: one
//! `IsInstance` test per operand and frame before the plain instruction.

use super::objects::key_module;
use super::Codegen;
use limit_bytecode::opcode::{Dispatch, Op};
use limit_syntax::ast::{BinOp, Expr, TypeExpr, TypeKind};
use limit_syntax::Span;

/// A standard frame with arithmetic: its class, module and name.
#[derive(Clone, Debug)]
pub(crate) struct OperatorFrame {
    class: u32,
    module: String,
    frame: String,
}

impl Codegen<'_> {
    /// The standard frames with arithmetic declared so far (recomputed
    /// when frames were declared since the last look).
    fn operator_frames(&mut self) -> Vec<OperatorFrame> {
        let declared = self.objects.frames.len();
        if let Some((seen, frames)) = &self.objects.operator_frames {
            if *seen == declared {
                return frames.clone();
            }
        }
        let mut frames: Vec<OperatorFrame> = self
            .objects
            .frames
            .values()
            .filter_map(|info| {
                let scope = self.module_scopes.get(key_module(&info.key)?)?;
                let file = self.sources.files().get(scope.file as usize)?;
                let module = crate::stdlib::module_of_file(&file.name)?;
                crate::stdlib::has_operators(module, &info.name).then(|| OperatorFrame {
                    class: info.class,
                    module: module.to_string(),
                    frame: info.name.clone(),
                })
            })
            .collect();
        frames.sort_by_key(|f| f.class);
        self.objects.operator_frames = Some((declared, frames.clone()));
        frames
    }

    /// Whether the checker left the type of `expr` unknown.
    pub(crate) fn type_unknown(&self, expr: &Expr) -> bool {
        self.types.type_of(expr.id).is_none_or(|ty| ty.is_any())
    }

    /// Whether `left op right` must choose a standard frame's method at
    /// run time ([`Codegen::dynamic_arithmetic`]): `+` or `-` with an
    /// operand of unknown type, in a program with such a frame.
    pub(crate) fn wants_dynamic_arithmetic(
        &mut self,
        op: BinOp,
        left: &Expr,
        right: &Expr,
    ) -> bool {
        matches!(op, BinOp::Add | BinOp::Sub)
            && (self.type_unknown(left) || self.type_unknown(right))
            && !self.operator_frames().is_empty()
    }

    /// `[a, b] -> [a op b]` for `left op right` (`+` or `-`, both operands
    /// on the stack), choosing a standard frame's method at run time.
    pub(crate) fn dynamic_arithmetic(&mut self, op: BinOp, span: Span) {
        let plain = if op == BinOp::Sub { Op::Sub } else { Op::Add };
        let frames = self.operator_frames();
        let mut done = Vec::new();
        for frame in &frames {
            let method =
                |same: bool| crate::stdlib::operator_method(&frame.module, &frame.frame, op, same);
            // The left operand an instance: its method, chosen by whether
            // the right one is an instance too.
            self.emit(Op::Over, span);
            self.emit(Op::IsInstance(frame.class), span);
            let not_left = self.emit(Op::JumpIf(false, 0), span);
            self.emit(Op::Dup, span);
            self.emit(Op::IsInstance(frame.class), span);
            let not_same = self.emit(Op::JumpIf(false, 0), span);
            self.call_operator_method(method(true), plain, span);
            done.push(self.emit(Op::Jump(0), span));
            self.patch_jump(not_same);
            self.call_operator_method(method(false), plain, span);
            done.push(self.emit(Op::Jump(0), span));
            self.patch_jump(not_left);
            // Only the right operand an instance: `s + d` is `d + s`.
            if op == BinOp::Add {
                if let Some(name) = method(false) {
                    self.emit(Op::Dup, span);
                    self.emit(Op::IsInstance(frame.class), span);
                    let not_right = self.emit(Op::JumpIf(false, 0), span);
                    self.emit(Op::Swap, span);
                    let name = self.str_constant(name);
                    self.emit(Op::Invoke(name, 1, Dispatch::Cached), span);
                    done.push(self.emit(Op::Jump(0), span));
                    self.patch_jump(not_right);
                }
            }
        }
        self.emit(plain, span);
        for jump in done {
            self.patch_jump(jump);
        }
    }

    /// `[a, b] -> [a op b]` for a compound assignment `target op= value`
    /// (`op` the instruction): `+=`/`-=` with an operand of unknown type
    /// choose a standard frame's method at run time, as `+`/`-` do.
    pub(crate) fn compound_operator(&mut self, op: Op, target: &Expr, value: &Expr, span: Span) {
        let arithmetic = match op {
            Op::Add => Some(BinOp::Add),
            Op::Sub => Some(BinOp::Sub),
            _ => None,
        };
        match arithmetic {
            Some(operator) if self.wants_dynamic_arithmetic(operator, target, value) => {
                self.dynamic_arithmetic(operator, span)
            }
            _ => {
                self.emit(op, span);
            }
        }
    }

    /// `[a, b] -> [a op b]` for `object.field op= value` on a field of a
    /// known frame: one declared `any` or without a type may hold a
    /// `DateTime`, so `+=`/`-=` there choose the method at run time.
    pub(crate) fn compound_field_operator(
        &mut self,
        op: Op,
        declared: Option<&TypeExpr>,
        span: Span,
    ) {
        let untyped = declared.is_none_or(|ty| {
            matches!(&ty.kind, TypeKind::Named(path) if path.len() == 1 && path[0].name == "any")
        });
        let arithmetic = match op {
            Op::Add => Some(BinOp::Add),
            Op::Sub => Some(BinOp::Sub),
            _ => None,
        };
        match arithmetic {
            Some(operator) if untyped && !self.operator_frames().is_empty() => {
                self.dynamic_arithmetic(operator, span)
            }
            _ => {
                self.emit(op, span);
            }
        }
    }

    /// `[a, b] -> [a.method(b)]`, or the plain operator where the frame
    /// has no method for this mix (a `TypeError` at run time).
    fn call_operator_method(&mut self, method: Option<&'static str>, plain: Op, span: Span) {
        match method {
            Some(name) => {
                let name = self.str_constant(name);
                self.emit(Op::Invoke(name, 1, Dispatch::Cached), span);
            }
            None => {
                self.emit(plain, span);
            }
        }
    }
}
