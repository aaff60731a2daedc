//! `limit repl`: an interactive session (DESIGN.md §10).
//!
//! Each complete input is compiled as the next chunk of one
//! [`limit_compiler::Session`] and run on one VM that keeps its globals, so
//! declarations stay between inputs. The value of a final expression
//! statement is echoed (not `nil`, so not a `print` call); compile and
//! runtime errors are shown and the session goes on. Lines starting with
//! `:` are commands (`:help`). Line editing and history come from
//! rustyline; the history is kept in the user's data folder when there is
//! one.

mod commands;
mod input;

use std::io::{self, Write};
use std::path::PathBuf;

use limit_cli::ExitStatus;
use limit_compiler::{CompileOptions, Session};
use limit_syntax::render::render_all;
use limit_vm::update::ProgramUpdate;
use limit_vm::{JitMode, Value, Vm, VmOptions};
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};

use crate::cli::ReplArgs;
pub use input::needs_more_input;

const PROMPT: &str = "limit> ";
const CONTINUATION_PROMPT: &str = "   ... ";

/// What the session printed for one input: program output and echoed
/// values on `stdout`, diagnostics and runtime errors on `stderr`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reply {
    pub stdout: String,
    pub stderr: String,
    /// The input asked to end the session.
    pub quit: bool,
}

/// The state of an interactive session, independent of the terminal.
pub struct Repl {
    session: Session,
    vm: Option<Vm>,
    /// Program output is kept in the reply instead of going to stdout.
    capture_output: bool,
    /// The native-code tier's mode for the session's VM.
    jit: JitMode,
}

impl Repl {
    /// A new session. With `capture_output`, what programs print is
    /// returned in [`Reply::stdout`] (for tests) instead of being written
    /// to stdout as it happens.
    pub fn new(optimize: bool, capture_output: bool) -> Repl {
        Repl {
            session: Session::new(CompileOptions {
                optimize,
                ..CompileOptions::default()
            }),
            vm: None,
            capture_output,
            jit: JitMode::Off,
        }
    }

    /// The same session with the native-code tier in `mode` (off unless
    /// asked for: `limit repl` asks for `--jit`'s mode, auto by default).
    pub fn with_jit(mut self, mode: JitMode) -> Repl {
        self.jit = mode;
        self
    }

    /// Handles one complete input: a command or source text.
    pub fn submit(&mut self, text: &str) -> Reply {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Reply::default();
        }
        if let Some(command) = trimmed.strip_prefix(':') {
            return self.command(command);
        }
        self.evaluate(text)
    }

    /// Compiles `text` as the next chunk and runs it.
    fn evaluate(&mut self, text: &str) -> Reply {
        let mut reply = Reply::default();
        let chunk = match self.session.compile("<repl>", text, true) {
            Ok(chunk) => chunk,
            Err(diagnostics) => {
                reply.stderr = render_all(self.session.sources(), &diagnostics);
                return reply;
            }
        };
        if !chunk.warnings.is_empty() {
            reply.stderr = render_all(self.session.sources(), &chunk.warnings);
        }
        let result = self.load(chunk.update).and_then(|vm| {
            let result = vm.call_function(chunk.function);
            vm.flush();
            result
        });
        if let Some(vm) = self.vm.as_mut().filter(|_| self.capture_output) {
            reply.stdout.push_str(&vm.take_output());
        }
        // Functions nothing can call any more are released (issue 18).
        if self.session.release_due() {
            if let Some(vm) = &self.vm {
                self.session.release_functions(&vm.functions_held());
            }
        }
        match result {
            Ok(Value::Nil) => {}
            Ok(value) => {
                reply.stdout.push_str(&Vm::echo_text(&value));
                reply.stdout.push('\n');
            }
            Err(error) => {
                reply.stderr.push_str(&format!("{error}\n"));
            }
        }
        reply
    }

    /// Installs `program` in the session's VM (made on first use).
    fn load(&mut self, update: ProgramUpdate) -> Result<&mut Vm, limit_vm::RuntimeError> {
        match &mut self.vm {
            Some(vm) => {
                vm.load(update)?;
            }
            None => {
                let program = update.into_program().map_err(|msg| {
                    limit_vm::RuntimeError::new(
                        limit_vm::errors::kinds::ERROR,
                        &format!("invalid program: {msg}"),
                    )
                })?;
                let options = VmOptions {
                    capture_output: self.capture_output,
                    jit: self.jit,
                    ..VmOptions::default()
                };
                self.vm = Some(Vm::new(program, options));
            }
        }
        Ok(self.vm.as_mut().expect("the VM was just made"))
    }
}

/// Runs the interactive session on the terminal until `:quit` or end of
/// input (Ctrl-D). Ctrl-C abandons the input being typed, or stops the
/// input that is running (an `Interrupted` error, as any other error
/// leaves every definition in place).
pub fn run_repl(args: &ReplArgs) -> ExitStatus {
    // While a line is edited the terminal is in raw mode and rustyline
    // reads Ctrl-C as a key; while input runs it is a signal, which asks
    // the VM to stop at its next checkpoint. Failing to install the
    // handler leaves the default: Ctrl-C ends the session.
    let _ = ctrlc::set_handler(limit_vm::interrupt::request);
    let config = Config::builder().auto_add_history(false).build();
    let mut editor: Editor<(), DefaultHistory> = match Editor::with_config(config) {
        Ok(editor) => editor,
        Err(error) => {
            eprintln!("error: cannot start the line editor: {error}");
            return ExitStatus::NoInput;
        }
    };
    let history = history_file();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    println!(
        "Limit {} — type :help for help, :quit to leave",
        env!("CARGO_PKG_VERSION")
    );
    let mut repl = Repl::new(args.compile.optimize(), false).with_jit(args.jit);
    let mut pending = String::new();
    loop {
        let prompt = if pending.is_empty() {
            PROMPT
        } else {
            CONTINUATION_PROMPT
        };
        match editor.readline(prompt) {
            Ok(line) => {
                let blank_line_ends_input = !pending.is_empty() && line.trim().is_empty();
                if !pending.is_empty() {
                    pending.push('\n');
                }
                pending.push_str(&line);
                let is_command = pending.trim_start().starts_with(':');
                if !is_command && !blank_line_ends_input && needs_more_input(&pending) {
                    continue;
                }
                let text = std::mem::take(&mut pending);
                if !text.trim().is_empty() {
                    let _ = editor.add_history_entry(text.as_str());
                }
                // A Ctrl-C pressed after the last input stopped belongs
                // to no input: it must not stop this one.
                limit_vm::interrupt::clear();
                let reply = repl.submit(&text);
                show(&reply);
                if reply.quit {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => {
                pending.clear();
            }
            Err(ReadlineError::Eof) => break,
            Err(error) => {
                eprintln!("error: {error}");
                break;
            }
        }
    }
    if let Some(path) = &history {
        if let Some(folder) = path.parent() {
            let _ = std::fs::create_dir_all(folder);
        }
        let _ = editor.save_history(path);
    }
    ExitStatus::Success
}

/// Prints a reply: stdout first, then stderr.
fn show(reply: &Reply) {
    let mut stdout = io::stdout().lock();
    let _ = stdout.write_all(reply.stdout.as_bytes());
    let _ = stdout.flush();
    if !reply.stderr.is_empty() {
        eprint!("{}", crate::colour::for_stderr(&reply.stderr));
    }
}

/// Where the history is kept: `limit/history` in the user's data folder.
fn history_file() -> Option<PathBuf> {
    Some(dirs::data_dir()?.join("limit").join("history"))
}

#[cfg(test)]
mod tests;
