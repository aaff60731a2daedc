//! Loops test their condition at the back edge.
//!
//! `while (i < n) { …; i = i + 1; }` compiles to a head that tests and
//! leaves, a body, and an `IncLocalLoop` that steps `i` and jumps back to
//! the head: two dispatches per iteration for the step and the test. When
//! the head is a compare-and-branch on locals that leaves to just after
//! the back edge, the back edge becomes one instruction that (steps and)
//! tests, and either jumps to the body or falls out of the loop:
//! `IncLoopLtConst` and `IncLoopLocals` replace an `IncLocalLoop` stepping
//! the tested variable by one, `LoopIfLtConst` and `LoopIfLocals` a plain
//! `Loop`. The head stays for the first test and for jumps that land on it
//! (`continue`); instructions keep their places, so no jump moves.

use limit_bytecode::opcode::Op;
use limit_bytecode::program::FunctionProto;

/// Rewrites the back edges of the loops of `function` that test locals.
pub fn test_at_back_edges(function: &mut FunctionProto) {
    for at in 0..function.code.len() {
        if let Some(op) = back_edge_test(&function.code, at) {
            function.code[at] = op;
        }
    }
}

/// The instruction replacing `code[at]` when it is the back edge of a loop
/// whose head it can test: a `Loop`, or an `IncLocalLoop` stepping the
/// tested variable by one.
fn back_edge_test(code: &[Op], at: usize) -> Option<Op> {
    let step = match code[at] {
        Op::IncLocalLoop(slot, 1, _) => Some(slot),
        Op::Loop(_) => None,
        _ => return None,
    };
    let head = code[at].jump_target(at)?;
    let head = usize::try_from(head).ok().filter(|&h| h < at)?;
    // The head must leave to just after the back edge.
    if code[head].jump_target(head)? != at as isize + 1 {
        return None;
    }
    // Back to the instruction after the head.
    let back = u32::try_from(at - head).ok()?;
    match (code[head], step) {
        (Op::JumpIfLocalNotLtConst(s, k, _), Some(slot)) if s == slot => {
            Some(Op::IncLoopLtConst(slot, k, back))
        }
        (Op::JumpIfNotLocals(order, s, limit, _), Some(slot)) if s == slot && limit != slot => {
            Some(Op::IncLoopLocals(order, slot, limit, back))
        }
        (Op::JumpIfLocalNotLtConst(s, k, _), None) => Some(Op::LoopIfLtConst(s, k, back)),
        (Op::JumpIfNotLocals(order, a, b, _), None) => Some(Op::LoopIfLocals(order, a, b, back)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use limit_bytecode::opcode::Ordering;

    fn rewritten(code: Vec<Op>) -> Vec<Op> {
        let mut function = FunctionProto {
            code,
            num_locals: 4,
            ..FunctionProto::default()
        };
        test_at_back_edges(&mut function);
        function.code
    }

    #[test]
    fn a_counting_loop_tests_at_its_back_edge() {
        // 0: head (exit -> 3), 1: body, 2: step and back to 0.
        let code = rewritten(vec![
            Op::JumpIfLocalNotLtConst(0, 0, 2),
            Op::IncLocal(1, 1),
            Op::IncLocalLoop(0, 1, 3),
            Op::ReturnNil,
        ]);
        assert_eq!(code[2], Op::IncLoopLtConst(0, 0, 2));
        assert_eq!(code[2].jump_target(2), Some(1));
        let code = rewritten(vec![
            Op::JumpIfNotLocals(Ordering::Le, 0, 1, 2),
            Op::IncLocal(2, 1),
            Op::IncLocalLoop(0, 1, 3),
            Op::ReturnNil,
        ]);
        assert_eq!(code[2], Op::IncLoopLocals(Ordering::Le, 0, 1, 2));
    }

    #[test]
    fn a_plain_loop_tests_at_its_back_edge() {
        let code = rewritten(vec![
            Op::JumpIfNotLocals(Ordering::Le, 0, 1, 2),
            Op::AddAssignLocal(0, 2),
            Op::Loop(3),
            Op::ReturnNil,
        ]);
        assert_eq!(code[2], Op::LoopIfLocals(Ordering::Le, 0, 1, 2));
        let code = rewritten(vec![
            Op::JumpIfLocalNotLtConst(0, 0, 2),
            Op::AddAssignLocal(0, 1),
            Op::Loop(3),
            Op::ReturnNil,
        ]);
        assert_eq!(code[2], Op::LoopIfLtConst(0, 0, 2));
        assert_eq!(code[2].jump_target(2), Some(1));
    }

    #[test]
    fn other_loops_are_left_alone() {
        let unchanged = |code: Vec<Op>| assert_eq!(rewritten(code.clone()), code);
        // Steps another variable than the head tests.
        unchanged(vec![
            Op::JumpIfLocalNotLtConst(0, 0, 2),
            Op::IncLocal(1, 1),
            Op::IncLocalLoop(1, 1, 3),
            Op::ReturnNil,
        ]);
        // Steps by two.
        unchanged(vec![
            Op::JumpIfLocalNotLtConst(0, 0, 2),
            Op::IncLocal(1, 1),
            Op::IncLocalLoop(0, 2, 3),
            Op::ReturnNil,
        ]);
        // The head leaves elsewhere than just after the back edge.
        unchanged(vec![
            Op::JumpIfLocalNotLtConst(0, 0, 3),
            Op::IncLocal(1, 1),
            Op::IncLocalLoop(0, 1, 3),
            Op::ReturnNil,
            Op::ReturnNil,
        ]);
        // The head is not a compare-and-branch.
        unchanged(vec![
            Op::JumpIfLocal(true, 0, 2),
            Op::IncLocal(1, 1),
            Op::IncLocalLoop(0, 1, 3),
            Op::ReturnNil,
        ]);
    }
}
