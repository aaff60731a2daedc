//! The disassembler: every function's bytecode with source lines, using the
//! instruction names of `opcode.rs` (the `Debug` form of `Op`), and what
//! each operand names (a constant's value, a global's, function's, built-in's
//! or class's name, a jump's target) by its kind in the instruction table.

use std::fmt::Write as _;

use crate::opcode::Op;
use crate::program::{Constant, Program};
use crate::table::OperandKind;

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
            // What the operands name, by their kinds in the instruction table.
            op.for_each_operand(|kind, value| {
                let index = value as usize;
                let name = match kind {
                    OperandKind::Constant => program.constants.get(index).map(constant_text),
                    OperandKind::Global => program.globals.get(index).cloned(),
                    OperandKind::Function => program.functions.get(index).map(|g| g.name.clone()),
                    OperandKind::Native => {
                        crate::builtins::native(value as u16).map(|n| n.name.to_string())
                    }
                    OperandKind::Class => program.classes.get(index).map(|c| c.name.clone()),
                    _ => None,
                };
                if let Some(name) = name {
                    let _ = write!(out, "    ; {name}");
                }
            });
            if let Some(t) = op.jump_target(ip) {
                let _ = write!(out, "    ; -> {t:04}");
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out
}
