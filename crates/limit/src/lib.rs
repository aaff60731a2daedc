//! Limit: the command-line tool's reusable parts, and the embedding API.
//!
//! * [`render`] turns compile diagnostics into text (the one place that does);
//! * [`expectations`] reads the inline `// expect:` comments of test programs
//!   and checks a run against them (the conformance harness uses it);
//! * [`suite`] finds test programs in a folder and runs one through a
//!   `limit` executable with a time limit (the harness and `limit test`);
//! * [`exit_status`] names the exit statuses of the `limit` command;
//! * [`engine`] is the embedding API: [`Engine`] runs Limit code from Rust
//!   under [`Limits`], calls Limit functions and registers Rust ones.
#![forbid(unsafe_code)]

pub mod engine;
pub mod exit_status;
pub mod expectations;
pub mod render;
pub mod suite;

pub use engine::{Engine, Error, Limits, Value};
pub use exit_status::ExitStatus;
