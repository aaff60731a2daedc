//! `docs/bytecode.md`, generated from the instruction table (`opcode.rs`):
//! the test `tests/bytecode_doc.rs` fails when the file is stale.

use std::fmt::Write as _;

use crate::opcode::{Op, INSTRUCTIONS};
use crate::table::{Instruction, OperandKind};

/// The command that rewrites `docs/bytecode.md`.
pub const REGENERATE: &str =
    "UPDATE_BYTECODE_DOC=1 cargo test -p limit_bytecode --test bytecode_doc";

/// The text of `docs/bytecode.md`.
pub fn markdown() -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# The Limit instruction set\n");
    let _ = writeln!(
        out,
        "Generated from the instruction table in `crates/limit_bytecode/src/opcode.rs`; \
         do not edit by hand. After changing the table, run `{REGENERATE}`.\n"
    );
    let _ = writeln!(
        out,
        "{} instructions. Each takes at most 8 bytes with its operands. \
         A stack effect `pops → pushes` counts values (top of the stack on the right \
         in the descriptions); `_` is decided when the instruction runs. \
         Besides the errors listed, an instruction that allocates can raise \
         `ResourceLimit`, and calls and back edges are checkpoints that can raise \
         `Interrupted` or `Timeout`.\n",
        Op::COUNT
    );
    let _ = writeln!(out, "## Operand kinds\n");
    let _ = writeln!(out, "| kind | what it is |");
    let _ = writeln!(out, "|---|---|");
    for kind in OperandKind::ALL {
        let _ = writeln!(out, "| `{kind:?}` | {} |", kind.description());
    }
    let mut group = "";
    for instruction in INSTRUCTIONS {
        if instruction.group != group {
            group = instruction.group;
            let _ = writeln!(out, "\n## {}{}", group[..1].to_uppercase(), &group[1..]);
        }
        describe(&mut out, instruction);
    }
    out
}

fn describe(out: &mut String, instruction: &Instruction) {
    let operands: Vec<String> = instruction
        .operands
        .iter()
        .map(|o| format!("{}: {:?} {}", o.name, o.kind, o.ty))
        .collect();
    let signature = if operands.is_empty() {
        instruction.name.to_string()
    } else {
        format!("{}({})", instruction.name, operands.join(", "))
    };
    let _ = writeln!(out, "\n### `{signature}`\n");
    let mut facts = vec![format!(
        "stack: {} → {}",
        instruction.pops.trim_matches(|c| c == '(' || c == ')'),
        instruction.pushes.trim_matches(|c| c == '(' || c == ')')
    )];
    if !instruction.raises.is_empty() {
        facts.push(format!("raises: {}", instruction.raises.join(", ")));
    }
    if instruction.terminator {
        facts.push("never falls through".into());
    }
    if instruction.reserved {
        facts.push("reserved for the VM".into());
    }
    let _ = writeln!(out, "{}\n", facts.join(" · "));
    let text: Vec<&str> = instruction.doc.lines().map(str::trim).collect();
    let _ = writeln!(out, "{}", text.join("\n"));
}
