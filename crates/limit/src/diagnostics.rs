//! Compile diagnostics as data, for hosts that show them their own way
//! (an editor's squiggles, a web form next to the rule a user typed).
//!
//! A chunk that does not compile is an [`Error::Compile`](crate::Error::Compile)
//! holding a [`CompileError`]: every diagnostic (warnings included) with
//! file, line, column, message, hint and notes, and the text `limit` would
//! print. The warnings of a chunk that compiled are
//! [`Engine::warnings`](crate::Engine::warnings).
//!
//! ```
//! use limit::{Engine, Error, Severity};
//! let mut engine = Engine::new();
//! let Err(Error::Compile(error)) = engine.run_named("rules.lm", "var x = 1;\nvar s: str = x;") else {
//!     panic!("expected a compile error");
//! };
//! let first = &error.diagnostics()[0];
//! assert_eq!((first.file.as_str(), first.line, first.column), ("rules.lm", 2, 14));
//! assert_eq!(first.severity, Severity::Error);
//! assert!(first.message.contains("str"), "{}", first.message);
//! assert!(error.to_string().starts_with("rules.lm:2:14: error"));
//! ```

use std::fmt;

use limit_syntax::diagnostic::Severity as SyntaxSeverity;
use limit_syntax::{SourceMap, Span};

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The chunk does not compile.
    Error,
    /// The chunk compiles; something looks wrong (an unused variable, …).
    Warning,
}

/// One compile-time problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The chunk's name (`<chunk 3>`, or what [`Engine::run_named`](crate::Engine::run_named) was given).
    pub file: String,
    /// 1-based line of the start.
    pub line: u32,
    /// 1-based column (in characters) of the start.
    pub column: u32,
    /// 1-based line of the end.
    pub end_line: u32,
    /// 1-based column of the end (exclusive).
    pub end_column: u32,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when the compiler knows.
    pub hint: Option<String>,
    /// Other places that explain the problem (where a member was
    /// declared, …).
    pub notes: Vec<Note>,
}

/// A place that explains a [`Diagnostic`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The file of the place.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is there.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: severity: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {severity}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// A chunk that did not compile: its diagnostics (errors and warnings, in
/// source order) and their rendered text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    diagnostics: Vec<Diagnostic>,
    rendered: String,
}

impl CompileError {
    /// Every diagnostic of the chunk, warnings included.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }

    /// The diagnostics as `limit` prints them (with source excerpts).
    pub fn rendered(&self) -> &str {
        &self.rendered
    }
}

impl fmt::Display for CompileError {
    /// The rendered text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.rendered.trim_end())
    }
}

/// The position (file name, line, column) of byte `offset` of `span`'s file.
fn position(sources: &SourceMap, span: Span, offset: u32) -> (String, u32, u32) {
    let file = sources.get(span.file);
    let (line, column) = file.line_col(offset);
    (file.name.clone(), line, column)
}

/// The host's view of the compiler's diagnostics.
pub(crate) fn convert(sources: &SourceMap, found: &[limit_syntax::Diagnostic]) -> Vec<Diagnostic> {
    found
        .iter()
        .map(|d| {
            let (file, line, column) = position(sources, d.span, d.span.start);
            let (_, end_line, end_column) = position(sources, d.span, d.span.end);
            Diagnostic {
                severity: match d.severity {
                    SyntaxSeverity::Error => Severity::Error,
                    SyntaxSeverity::Warning => Severity::Warning,
                },
                file,
                line,
                column,
                end_line,
                end_column,
                message: d.message.clone(),
                hint: d.hint.clone(),
                notes: d
                    .notes
                    .iter()
                    .map(|(span, message)| {
                        let (file, line, column) = position(sources, *span, span.start);
                        Note {
                            file,
                            line,
                            column,
                            message: message.clone(),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The compile error of `found` (rendered the way `limit` prints it).
pub(crate) fn compile_error(
    sources: &SourceMap,
    found: &[limit_syntax::Diagnostic],
) -> CompileError {
    CompileError {
        diagnostics: convert(sources, found),
        rendered: limit_syntax::render::render_all(sources, found),
    }
}
