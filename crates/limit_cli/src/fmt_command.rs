//! `limit fmt [PATHS] [--check]`: rewrites programs in the canonical layout
//! (`limit_syntax::format`). Folders are searched for `.lm` files; `-` reads
//! standard input and writes the result to standard output. With
//! `--check` nothing is written: the files that would change are listed and
//! the status is 1 when there is one.
//!
//! A file that does not parse is not touched: its syntax errors are shown.
//! Named on the command line, it makes the status 2; found in a folder, it
//! is skipped with a note (a tree of test programs holds deliberate syntax
//! errors), and the other files are still formatted.

use std::io::Read;
use std::path::{Path, PathBuf};

use limit_cli::ExitStatus;
use limit_syntax::format::{format_source, FormatError};
use limit_syntax::render::render_all;
use limit_syntax::SourceMap;

use crate::cli::FmtArgs;
use crate::output;

/// Carries out `limit fmt`.
pub fn run_fmt(args: &FmtArgs) -> ExitStatus {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut status = ExitStatus::Success;
    let mut worse = |s: ExitStatus| {
        if s.code() > status.code() {
            status = s;
        }
    };
    for path in &paths {
        if path.as_os_str() == "-" {
            worse(format_stdin(args.check));
            continue;
        }
        if path.is_dir() {
            let mut files = Vec::new();
            collect_programs(path, &mut files);
            for file in files {
                worse(format_file(&file, args.check, false));
            }
        } else {
            worse(format_file(path, args.check, true));
        }
    }
    status
}

/// The `.lm` files under `dir`, sorted; hidden folders and `target` are
/// not searched.
fn collect_programs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                collect_programs(&path, out);
            }
        } else if name.ends_with(".lm") {
            out.push(path);
        }
    }
}

fn format_stdin(check: bool) -> ExitStatus {
    let mut text = String::new();
    if let Err(error) = std::io::stdin().read_to_string(&mut text) {
        output::stderr(&format!("error: cannot read standard input: {error}\n"));
        return ExitStatus::NoInput;
    }
    match formatted("<stdin>", &text, true) {
        Ok(result) => {
            if check {
                if result != text {
                    output::stderr("<stdin> is not formatted\n");
                    return ExitStatus::RuntimeError;
                }
            } else {
                output::stdout(&result);
            }
            ExitStatus::Success
        }
        Err(status) => status,
    }
}

/// Formats (or checks) one file; `named` when the user named it.
fn format_file(path: &Path, check: bool, named: bool) -> ExitStatus {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            output::stderr(&format!(
                "error: cannot read `{}`: {error}\n",
                path.display()
            ));
            return ExitStatus::NoInput;
        }
    };
    let result = match formatted(&path.display().to_string(), &text, named) {
        Ok(result) => result,
        Err(status) => return status,
    };
    if result == text {
        return ExitStatus::Success;
    }
    if check {
        output::stdout(&format!("{}\n", path.display()));
        return ExitStatus::RuntimeError;
    }
    if let Err(error) = std::fs::write(path, result) {
        output::stderr(&format!(
            "error: cannot write `{}`: {error}\n",
            path.display()
        ));
        return ExitStatus::NoInput;
    }
    ExitStatus::Success
}

/// The formatted text, or the status after reporting why there is none.
fn formatted(name: &str, text: &str, named: bool) -> Result<String, ExitStatus> {
    let mut sources = SourceMap::new();
    let file = sources.add(name.to_string(), text.to_string());
    match format_source(text, file) {
        Ok(result) => Ok(result),
        Err(FormatError::Syntax(diagnostics)) if named => {
            output::stderr(&crate::colour::for_stderr(&render_all(
                &sources,
                &diagnostics,
            )));
            Err(ExitStatus::CompileError)
        }
        Err(FormatError::Syntax(diagnostics)) => {
            let at = diagnostics
                .first()
                .map(|d| {
                    let (line, column) = sources.get(file).line_col(d.span.start);
                    format!(" at {line}:{column}")
                })
                .unwrap_or_default();
            output::stderr(&format!(
                "note: skipped `{name}`: it has a syntax error{at}\n"
            ));
            Ok(text.to_string())
        }
        Err(FormatError::ChangedMeaning(why)) => {
            output::stderr(&format!(
                "internal error: formatting `{name}` would change the program ({why}); \
                 it was left as it is — please report this\n"
            ));
            Err(ExitStatus::InternalError)
        }
    }
}
