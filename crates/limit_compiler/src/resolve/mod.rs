//! The resolve stage: what the names of a module refer to, found once per
//! module before code is generated.
//!
//! `bindings.rs` walks each module once and binds every use of a name to
//! what it denotes (a local declaration, a capture, a global, a member of
//! `this`, a top-level definition, an import, a built-in), and records
//! which locals nested functions capture; `top_level.rs` gathers what lies
//! beyond a module's locals. `visibility.rs` holds the visibility rules the
//! checker and the code generator both apply.

mod bindings;
#[cfg(test)]
mod tests;
mod top_level;
pub mod visibility;

pub use bindings::{Binding, Bindings, Decl, DeclId, DefKind, Owner};
pub(crate) use top_level::target_idents;
pub use top_level::{
    resolve_module, resolve_module_with_hosts, resolve_program, resolve_program_with_hosts,
    FrameShape, ModuleEnv, ModuleFacts, TopLevel,
};
