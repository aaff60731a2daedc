//! Calling a Limit function from Rust through a handle resolved once
//! ([`Engine::get_fn`](crate::Engine::get_fn)): the name lookup, the
//! signature lookup and the making of a function value happen when the
//! handle is made, not on every call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use limit_compiler::check::FunctionType;

/// A top-level Limit function of one [`Engine`](crate::Engine), for calling
/// it again and again with [`Engine::call_fn`](crate::Engine::call_fn).
///
/// A handle holds no Limit value, only where the function is: it can be
/// cloned, kept, and sent to another thread with its engine. It keeps
/// calling the function it was resolved to. Calling it on another engine
/// is an [`Error::NotFound`](crate::Error::NotFound).
///
/// ```
/// let mut engine = limit::Engine::new();
/// engine.run_str("fn area(w: int, h: int): int { return w * h; }")?;
/// let area = engine.get_fn("area")?;
/// assert_eq!(area.name(), "area");
/// assert_eq!(engine.call_fn(&area, &[3.into(), 4.into()])?, limit::Value::Int(12));
/// # Ok::<(), limit::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct FnHandle {
    /// The engine that resolved it ([`EngineId`]).
    pub(crate) engine: u64,
    pub(crate) target: Target,
    pub(crate) name: Arc<str>,
    /// The declared parameter types the arguments are checked against.
    pub(crate) signature: Option<Arc<FunctionType>>,
}

impl FnHandle {
    /// The name the function was resolved by.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Where a handle's function is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// Top-level function `index` of the program (indices stay valid as
    /// later chunks extend the program).
    Function(usize),
    /// The function value in global slot `index` (a function-valued
    /// variable or a host function), read at each call.
    Global(usize),
}

/// Numbers told apart the engines of a process (so a handle is only
/// used with the engine that made it).
pub(crate) fn next_engine_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
