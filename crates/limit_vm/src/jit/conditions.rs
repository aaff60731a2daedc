//! Branches on comparisons without materialising a bool: a comparison's
//! flag is widened to the `I64` that holds a bool (`Lower::flag`) and
//! negated by an exclusive or (`Backend::not`), and a branch on such a
//! value cost a `setcc`, a widening, an `xor` and a `test` before the
//! jump (`mandel`'s inner loop: `k < 50 and !escaped`, `x > 4.0`).
//! Remembering which value is the widened flag of which comparison, and
//! which is the negation of which, lets a branch test the comparison's
//! own flag, swapping its targets for each negation, so Cranelift fuses
//! the comparison with the jump. A guard on either of two conditions
//! (`bor`) is likewise two fused branches to the same place.

use std::collections::HashMap;

use cranelift_codegen::ir;

/// What the lowering of one function knows of its bools.
#[derive(Default)]
pub(super) struct Conditions {
    /// A bool's negation → the bool.
    negations: HashMap<ir::Value, ir::Value>,
    /// A comparison's widened flag → the flag.
    flags: HashMap<ir::Value, ir::Value>,
    /// A flag that is either of two others (a guard's "busy or out of
    /// range") → the two.
    anys: HashMap<ir::Value, (ir::Value, ir::Value)>,
}

impl Conditions {
    /// `not` is the negation of bool `of`.
    pub(super) fn note_negation(&mut self, not: ir::Value, of: ir::Value) {
        self.negations.insert(not, of);
    }

    /// `wide` is comparison flag `flag` widened.
    pub(super) fn note_flag(&mut self, wide: ir::Value, flag: ir::Value) {
        self.flags.insert(wide, flag);
    }

    /// `any` is true when `a` or `b` is.
    pub(super) fn note_any(&mut self, any: ir::Value, a: ir::Value, b: ir::Value) {
        self.anys.insert(any, (a, b));
    }

    /// The two conditions `cond` is either of, if it is.
    pub(super) fn any_of(&self, cond: ir::Value) -> Option<(ir::Value, ir::Value)> {
        self.anys.get(&cond).copied()
    }

    /// What a branch on bool `cond` can test instead, and whether that
    /// is true exactly when `cond` is false. Both are defined where
    /// `cond` is (values, not variables), so they dominate its uses.
    pub(super) fn branch_operand(&self, cond: ir::Value) -> (ir::Value, bool) {
        let mut v = cond;
        let mut negated = false;
        while let Some(&of) = self.negations.get(&v) {
            v = of;
            negated = !negated;
        }
        (self.flags.get(&v).copied().unwrap_or(v), negated)
    }
}
