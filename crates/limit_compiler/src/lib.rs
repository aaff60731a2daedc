//! The Limit compiler: from source files to a bytecode [`Program`].
//!
//! Pipeline (DESIGN.md §1): parse → resolve names → check types → generate
//! bytecode → optimise. Every stage reports problems as [`Diagnostic`]s; none
//! prints or exits.
#![forbid(unsafe_code)]

pub mod capabilities;
pub mod check;
pub mod codegen;
pub mod modules;
mod node_map;
pub mod optimize;
mod release;
pub mod resolve;
pub mod session;
mod session_history;
pub mod stdlib;
mod suggest;

pub use session::{Chunk, Session};

use limit_bytecode::program::Program;
use limit_syntax::{Diagnostic, FileId, SourceMap};

/// Settings of one compilation.
#[derive(Clone, Debug)]
pub struct CompileOptions {
    /// Run the optimisation passes (`-O0` turns them off).
    pub optimize: bool,
    /// What the program may reach outside itself (files, stdin, exit, …):
    /// built-ins and standard modules needing a capability it lacks are
    /// compile errors (a standard module is gated by
    /// `Capability::of_module`). The `limit` command grants all; an
    /// embedded engine none unless its host says so.
    pub capabilities: capabilities::Capabilities,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            optimize: true,
            capabilities: capabilities::Capabilities::all(),
        }
    }
}

/// What a compilation produced: a program when there were no errors, and
/// every diagnostic (errors and warnings) in source order.
#[derive(Debug)]
pub struct CompileOutput {
    pub program: Option<Program>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Compiles the program whose entry file is `entry` (already in `sources`).
/// Imported modules are loaded into `sources` as they are found.
pub fn compile_program(
    sources: &mut SourceMap,
    entry: FileId,
    options: &CompileOptions,
) -> CompileOutput {
    let (graph, mut diagnostics) = modules::load_program(sources, entry, options.capabilities);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return CompileOutput {
            program: None,
            diagnostics,
        };
    }
    // The checker and the code generator report different problems, so
    // both run even when one finds errors: a file's errors come in one run.
    // Each module is checked knowing the signatures its imports export.
    // What every name of every module refers to, found once for both.
    let bindings = resolve::resolve_program(&graph, sources);
    let mut types = check::TypeTable::default();
    for checked in check::check_resolved_program(&graph, sources, &bindings) {
        diagnostics.extend(checked.diagnostics);
        types.extend(checked.types);
    }
    let (mut program, more) = codegen::generate(&graph, sources, options, types, bindings);
    diagnostics.extend(more);
    if diagnostics.iter().any(Diagnostic::is_error) {
        program = None;
    }
    if options.optimize {
        if let Some(program) = program.as_mut() {
            optimize::optimize(program);
        }
    }
    order_diagnostics(&mut diagnostics);
    CompileOutput {
        program,
        diagnostics,
    }
}

/// Sorts diagnostics by position and drops repeats: the code generator
/// re-reports a few problems the checker may already have reported (a
/// member it cannot resolve), so that none depends on the checker having
/// seen it. A later error at the same place whose message the earlier one
/// starts with (the checker's may add a did-you-mean) is the same report.
pub(crate) fn order_diagnostics(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by_key(|d| (d.span.file, d.span.start));
    let mut kept: rustc_hash::FxHashMap<limit_syntax::Span, Vec<String>> = Default::default();
    diagnostics.retain(|d| {
        if !d.is_error() {
            return true;
        }
        let same_place = kept.entry(d.span).or_default();
        if same_place
            .iter()
            .any(|m| m.starts_with(&d.message) || d.message.starts_with(m.as_str()))
        {
            return false;
        }
        same_place.push(d.message.clone());
        true
    });
}
