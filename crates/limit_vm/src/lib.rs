//! The Limit virtual machine: values, instruction set, interpreter and runtime.
//!
//! ```text
//! Program (limit_bytecode, from limit_compiler) ─► Vm::new(program, options) ─► vm.run()
//! ```
//!
//! `unsafe` is confined to the interpreter core (`interp.rs`, `interp/`),
//! the allocator under values (`allocator.rs`) and the isolate that lets an
//! engine's heap move between threads (`isolate.rs`), and the native-code
//! tier (`jit/`), which runs machine code on the interpreter's frames;
//! every block states
//! its invariant in a `// SAFETY:` comment, which clippy checks
//! (`undocumented_unsafe_blocks`).
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod allocator;
pub mod errors;
pub mod gc;
pub mod host_object;
pub mod interp;
pub mod interrupt;
pub mod isolate;
pub mod jit;
pub mod limits;
pub mod printed_form;
pub mod reentry;
pub mod runtime;
pub mod value;

// The instruction set and program format live in `limit_bytecode`; they
// stay reachable under their old paths.
pub use limit_bytecode::{disasm, opcode, program, update};

#[cfg(test)]
mod tests;

pub use disasm::{disassemble, disassemble_function};
pub use errors::{RuntimeError, TraceEntry};
pub use interp::{Stats, Vm, VmOptions};
pub use jit::{JitMode, JitStats};
pub use limits::Limits;
pub use opcode::{CastKind, Op};
pub use program::{CaptureSource, ClassDef, Constant, EnumDef, FunctionProto, Pos, Program};
pub use runtime::builtins::builtin_index;
pub use value::Value;
