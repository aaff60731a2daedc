//! Carries out one command: load the file, run the pipeline stages the
//! command needs, print what it asks for, and say how it ended.
//!
//! Output discipline: results go to stdout; diagnostics, runtime errors,
//! traces and statistics go to stderr. Stdout is flushed before anything is
//! written to stderr after a run, so the two interleave in program order.
//! Write errors on stdout (a closed pipe: `limit tokens f.lm | head`) end the
//! command quietly instead of panicking.

use std::path::Path;

use limit_cli::ExitStatus;
use limit_compiler::{compile_program, CompileOptions};
use limit_syntax::render::render_all;
use limit_syntax::{printer, Diagnostic, FileId, SourceMap, Span};
use limit_vm::program::Program;

use crate::cli::{Command, CompileArgs, FileArg, OptimizationArgs, RunArgs};
use crate::token_listing::list_tokens;

/// Carries out `command`.
pub fn execute(command: Command) -> ExitStatus {
    match command {
        Command::Run(args) => run(&args),
        Command::Check(FileArg { file }) => check(&file),
        Command::Tokens(FileArg { file }) => tokens(&file),
        Command::Ast(FileArg { file }) => ast(&file),
        Command::Disasm(CompileArgs { file, compile }) => disasm(&file, &compile),
        Command::Repl(args) => crate::repl::run_repl(&args),
        Command::Test(args) => crate::test_command::run_tests(&args),
        Command::Fmt(args) => crate::fmt_command::run_fmt(&args),
        Command::Lsp => match limit_lsp::run_stdio() {
            Ok(()) => ExitStatus::Success,
            Err(error) => {
                crate::output::stderr(&format!("error: the language server stopped: {error}\n"));
                ExitStatus::InternalError
            }
        },
    }
}

/// The loaded entry file, or how the command ends when it cannot be loaded.
fn load(path: &Path) -> Result<(SourceMap, FileId), ExitStatus> {
    let bytes = std::fs::read(path).map_err(|error| {
        crate::output::stderr(&format!(
            "error: cannot read `{}`: {error}\n",
            path.display()
        ));
        ExitStatus::NoInput
    })?;
    let name = path.display().to_string();
    let mut sources = SourceMap::new();
    match String::from_utf8(bytes) {
        Ok(text) => {
            let file = sources.add(name, text);
            Ok((sources, file))
        }
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let file = sources.add(name, text);
            let diagnostic = Diagnostic::error(
                Span::new(file, offset, offset + 1),
                "source file is not valid UTF-8",
            );
            report(&sources, &[diagnostic]);
            Err(ExitStatus::CompileError)
        }
    }
}

/// Prints `diagnostics` to stderr; true when one of them is an error.
fn report(sources: &SourceMap, diagnostics: &[Diagnostic]) -> bool {
    if !diagnostics.is_empty() {
        crate::output::stderr(&crate::colour::for_stderr(&render_all(
            sources,
            diagnostics,
        )));
    }
    diagnostics.iter().any(Diagnostic::is_error)
}

/// Writes `text` to stdout; a failed write (closed pipe) is not an error of
/// the program, so it is ignored.
fn print_stdout(text: &str) {
    crate::output::stdout(text);
}

/// Compiles the program at `path`, printing diagnostics; the program when
/// there were no errors.
fn compile(path: &Path, optimization: &OptimizationArgs) -> Result<Program, ExitStatus> {
    let (mut sources, entry) = load(path)?;
    let options = CompileOptions {
        optimize: optimization.optimize(),
        ..CompileOptions::default()
    };
    let output = compile_program(&mut sources, entry, &options);
    if report(&sources, &output.diagnostics) {
        return Err(ExitStatus::CompileError);
    }
    output.program.ok_or_else(|| {
        // A compiler that reports no error must produce a program; say so
        // rather than run nothing.
        crate::output::stderr(
            "error: the compiler produced no program and no error (a bug in limit)\n",
        );
        ExitStatus::CompileError
    })
}

fn check(path: &Path) -> ExitStatus {
    match compile(path, &OptimizationArgs { level: 1 }) {
        Ok(_) => ExitStatus::Success,
        Err(status) => status,
    }
}

fn run(args: &RunArgs) -> ExitStatus {
    crate::internal_error::trigger_for_tests();
    let program = match compile(&args.file, &args.compile) {
        Ok(program) => program,
        Err(status) => return status,
    };
    crate::execution::execute_program(program, args)
}

fn disasm(path: &Path, optimization: &OptimizationArgs) -> ExitStatus {
    match compile(path, optimization) {
        Ok(program) => {
            print_stdout(&crate::execution::disassemble(&program));
            ExitStatus::Success
        }
        Err(status) => status,
    }
}

fn tokens(path: &Path) -> ExitStatus {
    let (sources, file) = match load(path) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let (tokens, diagnostics) = limit_syntax::lex(&sources.get(file).text, file);
    print_stdout(&list_tokens(&tokens, sources.get(file)));
    finish(&sources, &diagnostics)
}

fn ast(path: &Path) -> ExitStatus {
    let (sources, file) = match load(path) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let (module, diagnostics) = limit_syntax::parse_source(&sources.get(file).text, file);
    print_stdout(&printer::print_module(&module, Some(sources.get(file))));
    finish(&sources, &diagnostics)
}

/// Reports `diagnostics` after a listing; errors make the status 2.
fn finish(sources: &SourceMap, diagnostics: &[Diagnostic]) -> ExitStatus {
    if report(sources, diagnostics) {
        ExitStatus::CompileError
    } else {
        ExitStatus::Success
    }
}
