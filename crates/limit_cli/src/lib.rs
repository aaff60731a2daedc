//! The `limit` command's reusable parts (the embedding API is the crate
//! `limit`):
//!
//! * [`expectations`] reads the inline `// expect:` comments of test programs
//!   and checks a run against them (the conformance harness uses it);
//! * [`suite`] finds test programs in a folder and runs one through a
//!   `limit` executable with a time limit (the harness and `limit test`);
//! * [`exit_status`] names the exit statuses of the `limit` command.
#![forbid(unsafe_code)]

pub mod exit_status;
pub mod expectations;
pub mod suite;

pub use exit_status::ExitStatus;
