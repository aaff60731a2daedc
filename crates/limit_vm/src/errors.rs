//! Runtime errors: the trap carried while unwinding, and the report of an
//! uncaught error with its Limit stack trace.

use std::fmt;
use std::rc::Rc;

use crate::value::ErrorValue;

/// A trap in flight: the error value being raised. While unwinding it is
/// caught by `Try` handlers as a `Value::Error`.
pub type Trap = Rc<ErrorValue>;

/// Make a trap of `kind` with `message`.
pub fn trap(kind: &str, message: &str) -> Trap {
    Rc::new(ErrorValue {
        kind: kind.into(),
        message: message.into(),
    })
}

/// `Err` of a new trap, for `return fail(...)` in fallible code.
pub fn fail<T>(kind: &str, message: &str) -> Result<T, Trap> {
    Err(trap(kind, message))
}

/// Error kinds raised by the VM itself.
pub mod kinds {
    /// Integer division or remainder by zero.
    pub const DIVISION_BY_ZERO: &str = "DivisionByZero";
    /// Index outside a list, tuple or string.
    pub const INDEX_OUT_OF_BOUNDS: &str = "IndexOutOfBounds";
    /// Missing dict key.
    pub const KEY_NOT_FOUND: &str = "KeyNotFound";
    /// Member access on nil.
    pub const NIL_ACCESS: &str = "NilAccess";
    /// Sized int out of range / bad shift.
    pub const INTEGER_OVERFLOW: &str = "IntegerOverflow";
    /// Bad conversion.
    pub const CONVERSION_ERROR: &str = "ConversionError";
    /// Refinement (`where`) check failed.
    pub const REFINEMENT_FAILED: &str = "RefinementFailed";
    /// `assert`/`contract` failed.
    pub const ASSERTION_FAILED: &str = "AssertionFailed";
    /// Frame limit exceeded.
    pub const STACK_OVERFLOW: &str = "StackOverflow";
    /// `match` without a matching arm.
    pub const NO_MATCH: &str = "NoMatch";
    /// Send on a closed channel.
    pub const CHANNEL_CLOSED: &str = "ChannelClosed";
    /// All tasks blocked.
    pub const DEADLOCK: &str = "Deadlock";
    /// Block timeout.
    pub const TIMEOUT: &str = "Timeout";
    /// A configured limit was hit.
    pub const RESOURCE_LIMIT: &str = "ResourceLimit";
    /// The program's standard output was closed (`limit prog.lm | head`):
    /// it ends quietly, with status 0. Not catchable.
    pub const OUTPUT_CLOSED: &str = "OutputClosed";
    /// The host interrupted the program (Ctrl-C). Not catchable.
    pub const INTERRUPTED: &str = "Interrupted";
    /// `input()` found the end of its input.
    pub const END_OF_INPUT: &str = "EndOfInput";
    /// File or console I/O failed.
    pub const IO_ERROR: &str = "IOError";
    /// Dynamic type mismatch (`1 + [2]`).
    pub const TYPE_ERROR: &str = "TypeError";
    /// Generic error.
    pub const ERROR: &str = "Error";
}

/// One line of a Limit stack trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEntry {
    /// Function name.
    pub function: String,
    /// Source file.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

/// An uncaught runtime error with its trace (innermost call first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeError {
    /// The error kind.
    pub kind: String,
    /// The message.
    pub message: String,
    /// The Limit stack trace, innermost first.
    pub trace: Vec<TraceEntry>,
}

impl RuntimeError {
    /// A runtime error without a trace.
    pub fn new(kind: &str, message: &str) -> RuntimeError {
        RuntimeError {
            kind: kind.into(),
            message: message.into(),
            trace: Vec::new(),
        }
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}]: {}", self.kind, self.message)?;
        for t in &self.trace {
            if t.line == 0 {
                // An elision marker (`... N more frames`) has no location.
                write!(f, "\n  {}", t.function)?;
            } else {
                write!(f, "\n  at {} ({}:{}:{})", t.function, t.file, t.line, t.col)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for RuntimeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_kind_message_and_trace() {
        let mut e = RuntimeError::new("DivisionByZero", "division by zero");
        e.trace.push(TraceEntry {
            function: "f".into(),
            file: "a.lm".into(),
            line: 3,
            col: 9,
        });
        e.trace.push(TraceEntry {
            function: "<script>".into(),
            file: "a.lm".into(),
            line: 7,
            col: 1,
        });
        assert_eq!(
            e.to_string(),
            "error[DivisionByZero]: division by zero\n  at f (a.lm:3:9)\n  at <script> (a.lm:7:1)"
        );
    }
}
