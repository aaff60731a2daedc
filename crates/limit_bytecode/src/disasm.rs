//! The disassembler: every function's bytecode with source lines, using the
//! instruction names of `opcode.rs` (the `Debug` form of `Op`).

use std::fmt::Write as _;

use crate::opcode::Op;
use crate::program::{Constant, Program};

/// The text of one instruction: its `opcode.rs` name and operands.
pub fn format_op(op: Op) -> String {
    format!("{op:?}")
}

fn constant_text(c: &Constant) -> String {
    match c {
        Constant::Nil => "nil".into(),
        Constant::Bool(b) => b.to_string(),
        Constant::Int(i) => i.to_string(),
        Constant::BigInt(b) => b.to_string(),
        Constant::Float(f) => format!("{f:?}"),
        Constant::Str(s) => format!("{s:?}"),
    }
}

/// Disassemble a whole program.
pub fn disassemble(program: &Program) -> String {
    (0..program.functions.len())
        .map(|index| disassemble_function(program, index))
        .collect()
}

/// Disassemble function `index` of `program` (empty when there is none),
/// followed by a blank line.
pub fn disassemble_function(program: &Program, index: usize) -> String {
    let mut out = String::new();
    if let Some(f) = program.functions.get(index) {
        let main = if index == program.main { " (main)" } else { "" };
        let _ = writeln!(
            out,
            "fn #{index} {}{main}: arity {} (required {}), locals {}, captures {:?}",
            f.name, f.arity, f.required, f.num_locals, f.captures
        );
        let mut last_line = u32::MAX;
        for (ip, op) in f.code.iter().enumerate() {
            let pos = f.pos(ip);
            let line = if pos.line != last_line {
                last_line = pos.line;
                format!("{:>4}", pos.line)
            } else {
                "   |".to_string()
            };
            let _ = write!(out, "  {ip:04} {line}  {}", format_op(*op));
            let k = match op {
                Op::Const(k)
                | Op::Invoke(k, _)
                | Op::InvokeMethod(k, _)
                | Op::GetFieldByName(k)
                | Op::SetFieldByName(k) => Some(*k),
                Op::Trap(k) | Op::ErrorKindIs(k) | Op::MakeErr(k) => Some(*k),
                Op::JumpIfLocalNotLtConst(_, k, _)
                | Op::IncLoopLtConst(_, k, _)
                | Op::LoopIfLtConst(_, k, _)
                | Op::MulConstLocal(k, _)
                | Op::JumpIfNotConst(_, k, _) => Some(*k as u32),
                _ => None,
            };
            if let Some(c) = k.and_then(|k| program.constants.get(k as usize)) {
                let _ = write!(out, "    ; {}", constant_text(c));
            }
            if let Some(t) = op.jump_target(ip) {
                let _ = write!(out, "    ; -> {t:04}");
            }
            match op {
                Op::GetGlobal(g) | Op::SetGlobal(g) | Op::DefineGlobal(g) => {
                    if let Some(name) = program.globals.get(*g as usize) {
                        let _ = write!(out, "    ; {name}");
                    }
                }
                Op::CallDirect(fi, _) | Op::Closure(fi) => {
                    if let Some(g) = program.functions.get(*fi as usize) {
                        let _ = write!(out, "    ; {}", g.name);
                    }
                }
                Op::CallNative(n, _) | Op::GetNative(n) => {
                    if let Some(native) = crate::builtins::native(*n) {
                        let _ = write!(out, "    ; {}", native.name);
                    }
                }
                _ => {}
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out
}
