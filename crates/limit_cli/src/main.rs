//! The `limit` command: run, check and inspect Limit programs
//! (DESIGN.md §10). Exit statuses are listed in [`limit_cli::ExitStatus`].
#![forbid(unsafe_code)]

mod cli;
mod colour;
mod driver;
mod execution;
mod fmt_command;
mod internal_error;
mod output;
mod repl;
mod test_command;
mod token_listing;

use std::process::ExitCode;

/// mimalloc for the many small, short-lived objects; pages of their own for
/// large buffers (limit_vm/src/allocator.rs).
#[global_allocator]
static GLOBAL: limit_vm::allocator::Allocator = limit_vm::allocator::Allocator;

use clap::error::ErrorKind;
use limit_cli::ExitStatus;

fn main() -> ExitCode {
    match cli::Cli::try_parse_command_line(std::env::args_os()) {
        Ok(cli) => {
            internal_error::install(cli.command.input().map(|p| p.display().to_string()));
            // The hook has reported a panic; it ends the command as a bug.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                driver::execute(cli.command)
            }))
            .unwrap_or(ExitStatus::InternalError)
            .into()
        }
        Err(error) => usage_error(&error).into(),
    }
}

/// Prints a clap error (or the help and version it produces) and maps it to
/// an exit status: asked-for help and version succeed; anything else,
/// including help shown because arguments are missing, is a usage error.
fn usage_error(error: &clap::Error) -> ExitStatus {
    let _ = error.print();
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ExitStatus::Success,
        _ => ExitStatus::Usage,
    }
}
