//! Instruction combining: replaces hot instruction sequences by one
//! superinstruction (`GetLocal a; GetLocal b; Add` → `AddLocals(a, b)`), and
//! threads jumps that land on unconditional jumps.
//!
//! A sequence is combined only when no jump lands inside it (on any of its
//! instructions but the first), so control flow is unchanged. Removing
//! instructions shifts code, so every jump is re-targeted afterwards through
//! a map from old to new instruction indices.

use limit_bytecode::opcode::{BinaryOp, Op, Ordering};
use limit_bytecode::program::{Constant, Program};

/// Combines instruction sequences in function `index` of `program`.
pub fn combine(program: &mut Program, index: usize) {
    let code = program.functions[index].code.clone();
    let lines = program.functions[index].lines.clone();
    let targets = jump_targets(&code);

    let mut out: Vec<Op> = Vec::with_capacity(code.len());
    let mut out_lines = Vec::with_capacity(code.len());
    // For each emitted jump: the absolute old index it must reach.
    let mut out_targets: Vec<Option<usize>> = Vec::with_capacity(code.len());
    let mut new_index = vec![0usize; code.len() + 1];

    let mut ip = 0;
    while ip < code.len() {
        let (op, length) = match_sequence(&code, ip, &targets, &mut program.constants);
        new_index[ip..ip + length].fill(out.len());
        let last = ip + length - 1;
        out_targets.push(op.jump_target(last).map(|t| t as usize));
        out.push(op);
        if let Some(pos) = lines.get(ip + reporting(&code[ip..ip + length], ip)) {
            out_lines.push(*pos);
        }
        ip += length;
    }
    new_index[code.len()] = out.len();

    for (at, target) in out_targets.iter().enumerate() {
        if let Some(old_target) = target {
            let mut destination = new_index[(*old_target).min(code.len())];
            destination = thread(&out, &out_targets, &new_index, destination);
            out[at] = out[at].with_target(at, destination);
        }
    }

    let function = &mut program.functions[index];
    function.code = out;
    if out_lines.len() == function.code.len() {
        function.lines = out_lines;
    }
}

/// Which of the instructions `sequence` (starting at `ip`) gives the
/// instruction combined from them its source position: the one whose
/// error it reports, so that a runtime error points where it does at
/// `-O0`. That is a back edge, where the step limit is checked, else the
/// first that can raise (the operator of `GetLocal a; GetLocal b; Mod`,
/// not the first operand: a parenthesised `(a % b)` moved one column).
fn reporting(sequence: &[Op], ip: usize) -> usize {
    let back_edge = sequence.iter().enumerate().position(|(i, op)| {
        op.jump_target(ip + i)
            .is_some_and(|target| target <= (ip + i) as isize)
    });
    back_edge
        .or_else(|| sequence.iter().position(|op| !op.info().raises.is_empty()))
        .unwrap_or(0)
}

/// Follows a chain of unconditional forward `Jump`s starting at `at` (a new
/// index), so a jump to a jump goes straight to the final destination.
fn thread(out: &[Op], out_targets: &[Option<usize>], new_index: &[usize], mut at: usize) -> usize {
    for _ in 0..8 {
        match (out.get(at), out_targets.get(at)) {
            (Some(Op::Jump(_)), Some(Some(old))) => {
                let next = new_index[(*old).min(new_index.len() - 1)];
                if next == at {
                    break;
                }
                at = next;
            }
            _ => break,
        }
    }
    at
}

/// Marks every instruction index some jump lands on.
fn jump_targets(code: &[Op]) -> Vec<bool> {
    let mut targets = vec![false; code.len() + 1];
    for (ip, op) in code.iter().enumerate() {
        if let Some(t) = op.jump_target(ip) {
            if t >= 0 && (t as usize) <= code.len() {
                targets[t as usize] = true;
            }
        }
    }
    targets
}

/// The instruction to emit at `ip` and how many old instructions it covers.
fn match_sequence(
    code: &[Op],
    ip: usize,
    targets: &[bool],
    constants: &mut Vec<Constant>,
) -> (Op, usize) {
    // Only combine when nothing jumps into the middle of the sequence.
    let free =
        |length: usize| ip + length <= code.len() && (ip + 1..ip + length).all(|i| !targets[i]);
    let at = |i: usize| code.get(ip + i).copied();

    if free(4) {
        if let (
            Some(Op::GetLocal(a)),
            Some(Op::GetLocal(b)),
            Some(Op::Add),
            Some(Op::SetLocal(c)),
        ) = (at(0), at(1), at(2), at(3))
        {
            if a == c {
                return (Op::AddAssignLocal(a, b), 4);
            }
        }
        if let (
            Some(Op::GetLocal(s)),
            Some(Op::AddImm(n)),
            Some(Op::SetLocal(t)),
            Some(Op::Loop(back)),
        ) = (at(0), at(1), at(2), at(3))
        {
            if let Some(op) = inc_local_loop(s, t, n, back) {
                return (op, 4);
            }
        }
    }
    // An element read and its run-time check (`type_checks.rs`): one
    // dispatch instead of two.
    if free(2) {
        if let (Some(Op::GetIndex), Some(Op::CheckKind(kind))) = (at(0), at(1)) {
            return (Op::GetIndexKind(kind), 2);
        }
    }
    if free(3) {
        match (at(0), at(1), at(2)) {
            (Some(Op::GetLocal(a)), Some(Op::GetLocal(b)), Some(Op::Add)) => {
                return (Op::ArithLocals(BinaryOp::Add, a, b), 3)
            }
            (Some(Op::GetLocal(a)), Some(Op::GetLocal(b)), Some(Op::Sub)) => {
                return (Op::ArithLocals(BinaryOp::Sub, a, b), 3)
            }
            (Some(Op::GetLocal(a)), Some(Op::GetLocal(b)), Some(Op::Mul)) => {
                return (Op::ArithLocals(BinaryOp::Mul, a, b), 3)
            }
            (Some(Op::GetLocal(a)), Some(Op::GetLocal(b)), Some(Op::Mod)) => {
                return (Op::ArithLocals(BinaryOp::Mod, a, b), 3)
            }
            (Some(Op::GetLocal(a)), Some(Op::GetLocal(b)), Some(Op::GetIndex)) => {
                return (Op::IndexLocals(a, b), 3);
            }
            (Some(Op::GetLocal(s)), Some(Op::AddImm(n)), Some(Op::SetLocal(t))) if s == t => {
                return (Op::IncLocal(s, n), 3);
            }
            (Some(Op::GetLocal(a)), Some(Op::GetLocal(b)), Some(jump))
                if a <= u8::MAX as u16 && b <= u8::MAX as u16 && ordering_jump(jump).is_some() =>
            {
                if let Some((order, o)) = ordering_jump(jump) {
                    return (Op::JumpIfNotLocals(order, a as u8, b as u8, o), 3);
                }
            }
            // Leave the first read alone so that the second fuses with what
            // follows (`GetLocal b; JumpIfNotLe` → `JumpIfNotLeLocal(b)`).
            (
                Some(Op::GetLocal(a)),
                Some(Op::GetLocal(_)),
                Some(
                    Op::JumpIfNot(..)
                    | Op::JumpIf(false, _)
                    | Op::JumpIf(true, _)
                    | Op::SetLocal(_),
                ),
            ) => return (Op::GetLocal(a), 1),
            (Some(Op::GetLocal(s)), Some(constant), Some(Op::JumpIfNot(Ordering::Lt, o)))
                if s <= u8::MAX as u16 =>
            {
                if let Some(k) = int_constant(constant, constants) {
                    return (Op::JumpIfLocalNotLtConst(s as u8, k, o), 3);
                }
            }
            (Some(constant), Some(Op::GetLocal(s)), Some(Op::Mul))
                if pushes_number(constant, constants) =>
            {
                if let Some(k) = number_constant(constant, constants) {
                    return (Op::MulConstLocal(k, s), 3);
                }
            }
            _ => {}
        }
    }
    if free(2) {
        match (at(0), at(1)) {
            (Some(Op::GetLocal(s)), Some(Op::AddImm(n))) => return (Op::AddImmLocal(s, n), 2),
            (Some(Op::GetLocal(s)), Some(Op::ModImm(n))) => return (Op::ModImmLocal(s, n), 2),
            (Some(Op::Add), Some(Op::SetLocal(d))) => return (Op::AddStore(d), 2),
            (Some(Op::IncLocal(s, n)), Some(Op::Loop(back))) => {
                if let Some(op) = inc_local_loop(s, s, n, back) {
                    return (op, 2);
                }
            }
            (Some(constant), Some(jump))
                if pushes_number(constant, constants) && ordering_jump(jump).is_some() =>
            {
                if let (Some(k), Some((order, o))) =
                    (number_constant(constant, constants), ordering_jump(jump))
                {
                    return (Op::JumpIfNotConst(order, k, o), 2);
                }
            }
            (Some(Op::GetLocal(s)), Some(Op::Add)) => return (Op::ArithLocal(BinaryOp::Add, s), 2),
            (Some(Op::GetLocal(s)), Some(Op::Sub)) => return (Op::ArithLocal(BinaryOp::Sub, s), 2),
            (Some(Op::GetLocal(s)), Some(Op::Mul)) => return (Op::ArithLocal(BinaryOp::Mul, s), 2),
            (Some(Op::GetLocal(from)), Some(Op::SetLocal(to))) => {
                return (Op::MoveLocal(from, to), 2)
            }
            (Some(Op::GetLocal(s)), Some(Op::JumpIf(false, o))) => {
                return (Op::JumpIfLocal(false, s, o), 2)
            }
            (Some(Op::GetLocal(s)), Some(Op::JumpIf(true, o))) => {
                return (Op::JumpIfLocal(true, s, o), 2)
            }
            (Some(Op::GetLocal(s)), Some(Op::JumpIfNot(order, o))) => {
                return (Op::JumpIfNotLocal(order, s, o), 2)
            }
            (Some(Op::Int(n)), Some(Op::JumpIfNotEqual(false, o))) if i16::try_from(n).is_ok() => {
                return (Op::JumpIfNotEqImm(n as i16, o), 2);
            }
            (Some(Op::GetLocal(a)), Some(Op::GetLocal(b))) => return (Op::GetLocal2(a, b), 2),
            _ => {}
        }
    }
    (code[ip], 1)
}

/// `IncLocalLoop` for `locals[s] += n` (read from `s`, stored to `t`)
/// followed by `Loop(back)`, when the operands fit its fields.
fn inc_local_loop(s: u16, t: u16, n: i32, back: u32) -> Option<Op> {
    let slot = u8::try_from(s).ok().filter(|_| s == t)?;
    Some(Op::IncLocalLoop(slot, i16::try_from(n).ok()?, back))
}

/// The ordering and offset of a compare-and-branch on the top two values.
fn ordering_jump(op: Op) -> Option<(Ordering, i32)> {
    match op {
        Op::JumpIfNot(order, o) => Some((order, o)),
        _ => None,
    }
}

/// Whether `op` pushes an int or float constant (so that
/// [`number_constant`] gives its index, unless the pool is full).
fn pushes_number(op: Op, constants: &[Constant]) -> bool {
    match op {
        Op::Int(_) => true,
        Op::Const(k) => matches!(
            constants.get(k as usize),
            Some(Constant::Int(_) | Constant::Float(_))
        ),
        _ => false,
    }
}

/// The constant index of an instruction pushing an int or float.
fn number_constant(op: Op, constants: &mut Vec<Constant>) -> Option<u16> {
    match op {
        Op::Const(k) if matches!(constants.get(k as usize), Some(Constant::Float(_))) => {
            u16::try_from(k).ok()
        }
        other => int_constant(other, constants),
    }
}

/// The constant index of an int-pushing instruction, adding the constant
/// when needed; `None` for other instructions or indices beyond `u16`.
fn int_constant(op: Op, constants: &mut Vec<Constant>) -> Option<u16> {
    let index = match op {
        Op::Const(k) => match constants.get(k as usize) {
            Some(Constant::Int(_)) => k as usize,
            _ => return None,
        },
        Op::Int(n) => {
            let value = Constant::Int(n as i64);
            match constants.iter().position(|c| *c == value) {
                Some(k) => k,
                None => {
                    constants.push(value);
                    constants.len() - 1
                }
            }
        }
        _ => return None,
    };
    u16::try_from(index).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use limit_bytecode::program::{FunctionProto, Pos};

    fn program_with(code: Vec<Op>) -> Program {
        Program {
            functions: vec![FunctionProto {
                code,
                num_locals: 4,
                ..FunctionProto::default()
            }],
            ..Program::default()
        }
    }

    /// The code of a one-function program after combining.
    fn combined(code: Vec<Op>) -> Vec<Op> {
        let mut program = program_with(code);
        combine(&mut program, 0);
        program.functions.swap_remove(0).code
    }

    /// The positions of a one-function program's instructions after
    /// combining, each given as the column of the instruction at `-O0`.
    fn columns_after_combining(code: Vec<Op>) -> Vec<u32> {
        let mut program = program_with(code);
        let n = program.functions[0].code.len();
        program.functions[0].lines = (0..n as u32)
            .map(|i| Pos {
                line: 1,
                col: 10 + i,
            })
            .collect();
        combine(&mut program, 0);
        program.functions[0].lines.iter().map(|p| p.col).collect()
    }

    #[test]
    fn a_combined_instruction_reports_where_the_instruction_that_fails_was() {
        // The operator, not its first operand.
        assert_eq!(
            columns_after_combining(vec![
                Op::GetLocal(0),
                Op::GetLocal(1),
                Op::Mod,
                Op::ReturnNil
            ]),
            vec![12, 13]
        );
        // The element read (out of range), not its kind check.
        assert_eq!(
            columns_after_combining(vec![Op::GetIndex, Op::CheckKind(1), Op::ReturnNil]),
            vec![10, 12]
        );
        // A loop's back edge, where the step limit is checked, not its step.
        assert_eq!(
            columns_after_combining(vec![
                Op::GetLocal(0),
                Op::AddImm(1),
                Op::SetLocal(0),
                Op::Loop(4),
                Op::ReturnNil
            ]),
            vec![13, 14]
        );
    }

    #[test]
    fn combines_local_addition() {
        let mut program = program_with(vec![
            Op::GetLocal(0),
            Op::GetLocal(1),
            Op::Add,
            Op::ReturnNil,
        ]);
        combine(&mut program, 0);
        assert_eq!(
            program.functions[0].code,
            vec![Op::ArithLocals(BinaryOp::Add, 0, 1), Op::ReturnNil]
        );
    }

    #[test]
    fn leaves_sums_of_products_to_the_code_generator() {
        // Untyped operators could fail, each at its own position: only the
        // code generator, which knows the types, fuses `Products`.
        assert_eq!(
            combined(vec![
                Op::GetLocal(0),
                Op::GetLocal(1),
                Op::Mul,
                Op::GetLocal(2),
                Op::GetLocal(3),
                Op::Mul,
                Op::Add,
                Op::Return,
            ]),
            vec![
                Op::ArithLocals(BinaryOp::Mul, 0, 1),
                Op::ArithLocals(BinaryOp::Mul, 2, 3),
                Op::Add,
                Op::Return
            ]
        );
    }

    #[test]
    fn keeps_sequences_that_a_jump_enters() {
        // The Loop lands on the second GetLocal: no combining there.
        let code = vec![
            Op::GetLocal(0),
            Op::GetLocal(1),
            Op::Pop,
            Op::Loop(3),
            Op::ReturnNil,
        ];
        let mut program = program_with(code.clone());
        combine(&mut program, 0);
        assert_eq!(program.functions[0].code, code);
    }

    #[test]
    fn retargets_jumps_over_removed_instructions() {
        // 0: Jump -> 4 (ReturnNil) over a combinable pair.
        let code = vec![
            Op::Jump(3),
            Op::GetLocal(0),
            Op::GetLocal(1),
            Op::Pop,
            Op::ReturnNil,
        ];
        let f = combined(code);
        assert_eq!(f[0], Op::Jump(2));
        assert_eq!(f[3], Op::ReturnNil);
    }

    #[test]
    fn fuses_an_element_read_with_its_kind_check() {
        let mut program = Program::default();
        program.functions.push(FunctionProto {
            code: vec![
                Op::GetLocal(0),
                Op::Int(0),
                Op::GetIndex,
                Op::CheckKind(4),
                Op::Return,
            ],
            ..FunctionProto::default()
        });
        combine(&mut program, 0);
        assert_eq!(
            program.functions[0].code,
            vec![Op::GetLocal(0), Op::Int(0), Op::GetIndexKind(4), Op::Return]
        );
    }

    #[test]
    fn fuses_loop_test_with_constant() {
        let code = vec![
            Op::GetLocal(2),
            Op::Int(100),
            Op::JumpIfNot(Ordering::Lt, 1),
            Op::Loop(4),
            Op::ReturnNil,
        ];
        let f = combined(code);
        assert!(matches!(f[0], Op::JumpIfLocalNotLtConst(2, _, 1)));
        assert_eq!(f[1], Op::Loop(2));
    }

    #[test]
    fn threads_jump_chains() {
        let code = vec![Op::Jump(1), Op::Swap, Op::Jump(0), Op::ReturnNil];
        let mut program = program_with(code);
        combine(&mut program, 0);
        assert_eq!(program.functions[0].code[0], Op::Jump(2));
    }

    #[test]
    fn fuses_loop_step_with_back_edge() {
        // 0: test; 1-3: i = i + 1; 4: back to 0.
        let code = vec![
            Op::JumpIfLocal(false, 1, 4),
            Op::GetLocal(0),
            Op::AddImm(1),
            Op::SetLocal(0),
            Op::Loop(5),
            Op::ReturnNil,
        ];
        let f = combined(code);
        assert_eq!(f[1], Op::IncLocalLoop(0, 1, 2));
        assert_eq!(f[1].jump_target(1), Some(0));
        assert_eq!(f[0].jump_target(0), Some(2));
    }

    #[test]
    fn keeps_a_step_too_wide_for_the_fused_loop() {
        let code = vec![Op::IncLocal(300, 1), Op::Loop(2), Op::ReturnNil];
        let mut program = program_with(code);
        combine(&mut program, 0);
        assert_eq!(program.functions[0].code[1], Op::Loop(2));
    }

    #[test]
    fn fuses_constant_comparisons_and_products() {
        let code = vec![
            Op::Int(2),
            Op::GetLocal(3),
            Op::Mul,
            Op::Int(4),
            Op::JumpIfNot(Ordering::Gt, 1),
            Op::Swap,
            Op::GetLocal(1),
            Op::Add,
            Op::SetLocal(2),
            Op::ReturnNil,
        ];
        let f = combined(code);
        assert!(matches!(f[0], Op::MulConstLocal(_, 3)));
        assert!(matches!(f[1], Op::JumpIfNotConst(Ordering::Gt, _, 1)));
        assert_eq!(f[1].jump_target(1), Some(3));
        assert_eq!(f[3], Op::ArithLocal(BinaryOp::Add, 1));
        assert_eq!(f[4], Op::SetLocal(2));
    }

    #[test]
    fn fuses_comparison_of_two_locals_with_its_branch() {
        let code = vec![
            Op::GetLocal(5),
            Op::GetLocal(0),
            Op::JumpIfNot(Ordering::Le, 1),
            Op::Swap,
            Op::ReturnNil,
        ];
        let f = combined(code);
        assert_eq!(f[0], Op::JumpIfNotLocals(Ordering::Le, 5, 0, 1));
        assert_eq!(f[0].jump_target(0), Some(2));
    }

    #[test]
    fn fuses_a_local_read_with_its_remainder_by_an_immediate() {
        let code = vec![
            Op::GetLocal(4),
            Op::ModImm(2),
            Op::JumpIfNotEqImm(0, 1),
            Op::Swap,
            Op::ReturnNil,
        ];
        let f = combined(code);
        assert_eq!(f[0], Op::ModImmLocal(4, 2));
        assert_eq!(f[1].jump_target(1), Some(3));
    }

    #[test]
    fn fuses_immediate_additions_and_stored_sums() {
        let code = vec![
            Op::GetLocal(0),
            Op::AddImm(-1),
            Op::GetLocal(1),
            Op::Neg,
            Op::Add,
            Op::SetLocal(2),
            Op::ReturnNil,
        ];
        let f = combined(code);
        assert_eq!(f[0], Op::AddImmLocal(0, -1));
        assert_eq!(f[2], Op::Neg);
        assert_eq!(f[3], Op::AddStore(2));
    }
}
