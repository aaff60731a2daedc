//! What the compiler and the VM agree on: the instruction set (`opcode`),
//! the `Program` they exchange and its validation (`program`), the
//! disassembler (`disasm`), and the vocabulary instructions name by index
//! — the built-in functions and methods with their signatures
//! (`builtins`, `methods`), format specs (`format_spec`) and how a
//! standard collection prints (`printed_form`).
//!
//! ```text
//! limit_compiler ──► Program ──► limit_vm
//!          └── both depend on limit_bytecode ──┘
//! ```
#![forbid(unsafe_code)]

pub mod builtins;
pub mod disasm;
pub mod format_spec;
pub mod methods;
pub mod opcode;
pub mod printed_form;
pub mod program;
pub mod reference;
pub mod table;
pub mod type_check;
pub mod update;

pub use builtins::builtin_index;
pub use disasm::{disassemble, disassemble_function};
pub use opcode::{CastKind, Op, INSTRUCTIONS};
pub use program::{CaptureSource, ClassDef, Constant, EnumDef, FunctionProto, Pos, Program};
pub use table::{Instruction, OperandKind};
pub use update::{ProgramExtent, ProgramUpdate};
