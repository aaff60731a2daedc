//! The runtime library: operators, built-in functions and the methods of
//! built-in types.

pub mod arith;
pub mod builtins;
pub mod channel;
pub mod collections;
pub mod decimal;
pub mod format;
pub mod lost_writes;
pub mod methods;
pub mod parallel;
pub mod parking;
pub mod rounding;
pub mod sched;
pub mod sendable;
pub mod shared;
pub mod std_collections;
pub mod std_env;
pub mod std_fs;
pub mod std_io;
pub mod std_json;
pub mod std_math;
pub mod std_path;
pub mod std_process;
pub mod std_regex;
pub mod strings;
pub mod table;
