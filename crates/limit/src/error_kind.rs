//! Runtime error kinds as an enum: the built-in kinds by name, a script's
//! own kinds (`err(NotFound)`) as [`ErrorKind::User`].

use std::fmt;

use limit_vm::errors::kinds;

macro_rules! error_kinds {
    ($($(#[$doc:meta])* $variant:ident = $name:path,)*) => {
        /// The kind of a runtime error (see docs/reference.md §6).
        ///
        /// ```
        /// use limit::{Engine, ErrorKind};
        /// let mut engine = Engine::new();
        /// let e = engine.run_str("[1][3]").unwrap_err();
        /// assert_eq!(e.error_kind(), Some(ErrorKind::IndexOutOfBounds));
        /// let e = engine.run_str("assert(1 > 2)").unwrap_err();
        /// assert_eq!(e.error_kind(), Some(ErrorKind::AssertionFailed));
        /// assert_eq!(ErrorKind::from_name("NotFound"), ErrorKind::User("NotFound".into()));
        /// assert_eq!(ErrorKind::DivisionByZero.name(), "DivisionByZero");
        /// ```
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $($(#[$doc])* $variant,)*
            /// A kind the script (or a host function) named itself.
            User(String),
        }

        impl ErrorKind {
            /// The kind called `name`.
            pub fn from_name(name: &str) -> ErrorKind {
                match name {
                    $($name => ErrorKind::$variant,)*
                    other => ErrorKind::User(other.to_string()),
                }
            }

            /// The kind's name, as scripts write it.
            pub fn name(&self) -> &str {
                match self {
                    $(ErrorKind::$variant => $name,)*
                    ErrorKind::User(name) => name,
                }
            }
        }
    };
}

error_kinds! {
    /// Integer division or remainder by zero.
    DivisionByZero = kinds::DIVISION_BY_ZERO,
    /// An index outside a list, tuple or string.
    IndexOutOfBounds = kinds::INDEX_OUT_OF_BOUNDS,
    /// A missing dict key.
    KeyNotFound = kinds::KEY_NOT_FOUND,
    /// A member of nil.
    NilAccess = kinds::NIL_ACCESS,
    /// A sized int out of range, a bad shift.
    IntegerOverflow = kinds::INTEGER_OVERFLOW,
    /// A conversion that failed.
    ConversionError = kinds::CONVERSION_ERROR,
    /// A `where` condition that failed.
    RefinementFailed = kinds::REFINEMENT_FAILED,
    /// An `assert` or contract that failed.
    AssertionFailed = kinds::ASSERTION_FAILED,
    /// Calls nested too deeply.
    StackOverflow = kinds::STACK_OVERFLOW,
    /// A `match` without a matching arm.
    NoMatch = kinds::NO_MATCH,
    /// A send on a closed channel.
    ChannelClosed = kinds::CHANNEL_CLOSED,
    /// Every task blocked.
    Deadlock = kinds::DEADLOCK,
    /// A block's timeout.
    Timeout = kinds::TIMEOUT,
    /// A configured limit (steps, heap, lengths, wall clock); not catchable.
    ResourceLimit = kinds::RESOURCE_LIMIT,
    /// The program's output was closed; not catchable.
    OutputClosed = kinds::OUTPUT_CLOSED,
    /// The host interrupted the script; not catchable.
    Interrupted = kinds::INTERRUPTED,
    /// `input()` found the end of its input.
    EndOfInput = kinds::END_OF_INPUT,
    /// File or console I/O failed.
    IoError = kinds::IO_ERROR,
    /// A dynamic type mismatch (`1 + [2]`, a wrong host argument).
    TypeError = kinds::TYPE_ERROR,
    /// The generic kind.
    Error = kinds::ERROR,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
