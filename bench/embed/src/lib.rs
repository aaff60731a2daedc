//! See `benches/embed.rs`: this crate only holds the benchmark.
