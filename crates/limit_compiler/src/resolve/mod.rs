//! The resolve stage: what the names of a module refer to, found once per
//! module before code is generated.
//!
//! Today it answers which names the functions of a module capture and
//! whether a captured variable is ever assigned (`captures.rs`); the code
//! generator reads that when it declares locals (cells, copies, globals).
//! And it holds the visibility rules both the checker and the code
//! generator apply (`visibility.rs`).

mod bindings;
mod captures;
#[cfg(test)]
mod tests;
mod top_level;
pub mod visibility;

pub use bindings::{Binding, Bindings, Decl, DeclId, DefKind, Owner};
pub use captures::{Captures, FunctionCaptures, Name, NameSet};
pub use top_level::{FrameShape, ModuleEnv, ModuleFacts, TopLevel};
