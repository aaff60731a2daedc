//! A compilation session: source chunks compiled one after another into one
//! growing [`Program`], each seeing what earlier chunks declared. The REPL
//! and the embedding API run each chunk's function on a VM that keeps its
//! globals between chunks.

use crate::codegen::session::{compile_chunk, Saved};
use crate::{check, optimize, CompileOptions};
use limit_syntax::{Diagnostic, SourceMap};
use limit_vm::program::Program;

/// Incremental compiler state.
#[derive(Default)]
pub struct Session {
    sources: SourceMap,
    saved: Saved,
    options: CompileOptions,
}

/// A successfully compiled chunk.
#[derive(Debug)]
pub struct Chunk {
    /// The whole program so far (earlier chunks' functions keep their indices).
    pub program: Program,
    /// The function that runs this chunk's top-level code.
    pub function: usize,
    /// Warnings.
    pub warnings: Vec<Diagnostic>,
}

impl Session {
    /// A session compiling with `options`.
    pub fn new(options: CompileOptions) -> Session {
        Session {
            options,
            ..Session::default()
        }
    }

    /// The sources of every chunk so far (for rendering diagnostics).
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Declares `name` as a global whose value the host supplies (the
    /// embedding API's host functions): later chunks can use and call it,
    /// but not assign it. Returns the global's index in the program; it
    /// exists in the program of the next compiled chunk.
    pub fn declare_host_global(&mut self, name: &str) -> usize {
        self.saved.declare_host_global(name) as usize
    }

    /// The function index of top-level function `name` declared by an
    /// earlier chunk.
    pub fn function_index(&self, name: &str) -> Option<usize> {
        self.saved.function_index(name).map(|i| i as usize)
    }

    /// The global index of top-level variable `name` declared by an
    /// earlier chunk (or by `declare_host_global`).
    pub fn global_index(&self, name: &str) -> Option<usize> {
        self.saved.global_index(name).map(|i| i as usize)
    }

    /// Compiles `text` (named `name` in diagnostics). With `echo`, a final
    /// expression statement's value becomes the chunk function's result.
    /// On error nothing of the chunk is kept.
    pub fn compile(
        &mut self,
        name: &str,
        text: &str,
        echo: bool,
    ) -> Result<Chunk, Vec<Diagnostic>> {
        let file = self.sources.add(name, text);
        let (ast, mut diagnostics) = limit_syntax::parse_source(text, file);
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(diagnostics);
        }
        diagnostics.extend(check::check_module(&ast, &self.sources).diagnostics);
        let (compiled, more) = compile_chunk(&self.saved, &ast, &self.sources, echo);
        diagnostics.extend(more);
        diagnostics.sort_by_key(|d| (d.span.file, d.span.start));
        match compiled {
            Some((saved, function)) if !diagnostics.iter().any(Diagnostic::is_error) => {
                self.saved = saved;
                let mut program = self.saved.program().clone();
                if self.options.optimize {
                    optimize::optimize(&mut program);
                }
                program.main = function as usize;
                Ok(Chunk {
                    program,
                    function: function as usize,
                    warnings: diagnostics,
                })
            }
            _ => Err(diagnostics),
        }
    }
}
