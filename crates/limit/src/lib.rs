//! Limit, embedded in a Rust program.
//!
//! An [`Engine`] compiles and runs Limit code under [`Limits`], calls Limit
//! functions and registers Rust ones. This crate is the embedding API only:
//! it depends on the compiler and the VM, not on the `limit` command (the
//! crate `limit_cli`). See `docs/embedding.md` for a guided tour.
//!
//! ```
//! let mut engine = limit::Engine::new();
//! assert_eq!(engine.run_str("6 * 7")?, limit::Value::Int(42));
//! # Ok::<(), limit::Error>(())
//! ```
#![forbid(unsafe_code)]

mod argument_checks;
mod callback;
pub mod conversions;
pub mod diagnostics;
mod direct;
pub mod engine;
pub mod error_kind;
mod handle;
mod host_arguments;
pub mod host_fn;
pub mod host_type;
#[cfg(feature = "serde")]
pub mod serde_values;

pub use conversions::{FromValue, IntoValue, ScriptType};
pub use diagnostics::{CompileError, Diagnostic, Note, Severity};
pub use engine::{Capabilities, Capability, Engine, Error, InterruptHandle, Limits, Value};
pub use error_kind::ErrorKind;
pub use handle::{FnHandle, IntoArgs};
pub use host_fn::{HostFunction, HostResult, ScriptError};
pub use host_type::{Host, MethodFunction, Object, TypeBuilder, TypeHandle};
pub use limit_vm::errors::{RuntimeError, TraceEntry};
#[cfg(feature = "serde")]
pub use serde_values::{from_value, to_value};

/// The chapter `docs/embedding.md`: its Rust blocks run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/embedding.md")]
pub struct EmbeddingChapter;
