//! The runtime library: operators, built-in functions and the methods of
//! built-in types.

pub mod arith;
pub mod builtins;
pub mod collections;
pub mod methods;
pub mod strings;
