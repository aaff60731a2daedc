//! Capabilities: what a program may reach outside its own computation
//! (ending the host process, files, standard input, the environment,
//! other processes, sleeping). An embedder grants each one or not; the
//! `limit` command grants them all.
//!
//! The check is made at compile time, by name: a built-in function that
//! needs a capability ([`Capability::of_builtin`]) may not be named — called
//! or taken as a value — and a standard module that needs one
//! ([`Capability::of_module`]) may not be imported, unless it is granted.
//! A program that compiles therefore cannot use a capability it lacks: the
//! standard modules' own natives are callable from those modules only.

use std::fmt;

/// One thing a program may be allowed to do beyond computing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Capability {
    /// `exit()`: end the host process.
    Exit,
    /// `read_file`, `write_file`, `file_exists`, `std.fs`.
    FileSystem,
    /// `input()` and `std.io` (which reads standard input).
    Stdin,
    /// `std.env`: environment variables, arguments, working directory.
    Environment,
    /// `std.process`: start other programs.
    Process,
    /// `sleep()` and `std.time`'s `sleep`: hold the thread (still bounded
    /// by a wall-clock limit when the host sets one).
    Sleep,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 6] = [
        Capability::Exit,
        Capability::FileSystem,
        Capability::Stdin,
        Capability::Environment,
        Capability::Process,
        Capability::Sleep,
    ];

    /// The short name diagnostics use (`exit`, `fs`, `stdin`, `env`,
    /// `process`, `sleep`), also the field of [`Capabilities`].
    ///
    /// ```
    /// use limit_compiler::capabilities::Capability;
    /// assert_eq!(Capability::FileSystem.name(), "fs");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Capability::Exit => "exit",
            Capability::FileSystem => "fs",
            Capability::Stdin => "stdin",
            Capability::Environment => "env",
            Capability::Process => "process",
            Capability::Sleep => "sleep",
        }
    }

    /// What the capability gives access to, for diagnostics.
    pub fn describe(self) -> &'static str {
        match self {
            Capability::Exit => "ending the host process",
            Capability::FileSystem => "the file system",
            Capability::Stdin => "standard input",
            Capability::Environment => "the environment",
            Capability::Process => "starting processes",
            Capability::Sleep => "sleeping",
        }
    }

    /// The capability built-in function `name` needs, if any.
    ///
    /// ```
    /// use limit_compiler::capabilities::Capability;
    /// assert_eq!(Capability::of_builtin("write_file"), Some(Capability::FileSystem));
    /// assert_eq!(Capability::of_builtin("print"), None);
    /// ```
    pub fn of_builtin(name: &str) -> Option<Capability> {
        Some(match name {
            "exit" => Capability::Exit,
            "read_file" | "write_file" | "file_exists" => Capability::FileSystem,
            "input" => Capability::Stdin,
            "sleep" => Capability::Sleep,
            _ => return None,
        })
    }

    /// The capability standard module `std.<name>` needs, if any. A
    /// module added later names its capability here.
    ///
    /// ```
    /// use limit_compiler::capabilities::Capability;
    /// assert_eq!(Capability::of_module("process"), Some(Capability::Process));
    /// assert_eq!(Capability::of_module("math"), None);
    /// ```
    pub fn of_module(name: &str) -> Option<Capability> {
        Some(match name {
            "fs" => Capability::FileSystem,
            "io" => Capability::Stdin,
            "env" => Capability::Environment,
            "process" => Capability::Process,
            _ => return None,
        })
    }

    /// The capability function `member` of standard module `std.<module>`
    /// needs, in a module that needs none as a whole: `std.time`'s clock
    /// and `DateTime` are pure, its `sleep` holds the thread. Naming the
    /// function (calling it or taking it as a value) is checked where the
    /// built-ins are.
    ///
    /// ```
    /// use limit_compiler::capabilities::Capability;
    /// assert_eq!(Capability::of_module_member("time", "sleep"), Some(Capability::Sleep));
    /// assert_eq!(Capability::of_module("time"), None);
    /// ```
    pub fn of_module_member(module: &str, member: &str) -> Option<Capability> {
        match (module, member) {
            ("time", "sleep") => Some(Capability::Sleep),
            _ => None,
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The capabilities granted to a program. `Default` grants none (a
/// sandbox); [`Capabilities::all`] grants every one (the `limit` command).
///
/// ```
/// use limit_compiler::capabilities::{Capabilities, Capability};
/// let caps = Capabilities { fs: true, ..Capabilities::none() };
/// assert!(caps.allows(Capability::FileSystem));
/// assert!(!caps.allows(Capability::Exit));
/// assert!(Capabilities::all().allows(Capability::Exit));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// `exit()` ends the host process.
    pub exit: bool,
    /// Files: `read_file`, `write_file`, `file_exists`, `std.fs`.
    pub fs: bool,
    /// Standard input: `input()`, `std.io`.
    pub stdin: bool,
    /// The environment: `std.env`.
    pub env: bool,
    /// Other processes: `std.process`.
    pub process: bool,
    /// `sleep()`.
    pub sleep: bool,
}

impl Capabilities {
    /// No capability: pure computation and `print`.
    pub const fn none() -> Capabilities {
        Capabilities {
            exit: false,
            fs: false,
            stdin: false,
            env: false,
            process: false,
            sleep: false,
        }
    }

    /// Every capability.
    pub const fn all() -> Capabilities {
        Capabilities {
            exit: true,
            fs: true,
            stdin: true,
            env: true,
            process: true,
            sleep: true,
        }
    }

    /// Whether `capability` is granted.
    pub fn allows(&self, capability: Capability) -> bool {
        *self.field(capability)
    }

    /// These capabilities with `capability` granted (`on`) or not.
    ///
    /// ```
    /// use limit_compiler::capabilities::{Capabilities, Capability};
    /// let caps = Capabilities::none().with(Capability::Sleep, true);
    /// assert!(caps.sleep);
    /// ```
    pub fn with(mut self, capability: Capability, on: bool) -> Capabilities {
        *self.field_mut(capability) = on;
        self
    }

    fn field(&self, capability: Capability) -> &bool {
        match capability {
            Capability::Exit => &self.exit,
            Capability::FileSystem => &self.fs,
            Capability::Stdin => &self.stdin,
            Capability::Environment => &self.env,
            Capability::Process => &self.process,
            Capability::Sleep => &self.sleep,
        }
    }

    fn field_mut(&mut self, capability: Capability) -> &mut bool {
        match capability {
            Capability::Exit => &mut self.exit,
            Capability::FileSystem => &mut self.fs,
            Capability::Stdin => &mut self.stdin,
            Capability::Environment => &mut self.env,
            Capability::Process => &mut self.process,
            Capability::Sleep => &mut self.sleep,
        }
    }
}

/// The diagnostic message for using `what` (a built-in or a module) without
/// `capability`.
pub fn denied_message(what: &str, capability: Capability) -> String {
    format!(
        "{what} needs the capability `{capability}` ({}), which this program is not granted",
        capability.describe()
    )
}

/// The hint under [`denied_message`].
pub const DENIED_HINT: &str =
    "the program embedding Limit chooses the capabilities of its scripts (limit::Capabilities)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_capability_has_its_own_field() {
        for c in Capability::ALL {
            let only = Capabilities::none().with(c, true);
            for other in Capability::ALL {
                assert_eq!(only.allows(other), other == c, "{c} / {other}");
            }
        }
    }

    #[test]
    fn every_gated_builtin_is_in_the_table() {
        for name in [
            "exit",
            "read_file",
            "write_file",
            "file_exists",
            "input",
            "sleep",
        ] {
            assert!(Capability::of_builtin(name).is_some());
            assert!(
                limit_bytecode::builtins::builtin_index(name).is_some(),
                "{name}"
            );
        }
    }
}
