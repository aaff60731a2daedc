//! Unit tests of the checker: source in, diagnostics and types out.
