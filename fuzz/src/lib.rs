//! Fuzzing support for the Limit pipeline: the pipelines each target
//! drives ([`pipeline`]) and a grammar-based generator of random, mostly
//! well-typed Limit programs ([`generator`]).

pub mod generator;
pub mod inputs;
pub mod pipeline;
