//! The command line (DESIGN.md §10), declared with clap's derive API. The doc
//! comments here are the `--help` text.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};

/// Run and inspect Limit programs.
///
/// `limit FILE [ARGS…]` runs a program (the same as `limit run FILE`).
///
/// Exit status: 0 success, 1 runtime error, 2 compile error, 64 usage error,
/// 66 input file cannot be read, 70 internal error (a bug in limit), 130
/// interrupted.
#[derive(Debug, Parser)]
#[command(
    name = "limit",
    version,
    override_usage = "limit FILE [ARGS]...\n       limit <COMMAND>",
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the command line; `limit FILE …` is read as `limit run FILE …`,
    /// and every word after a program's FILE is the program's own.
    pub fn try_parse_command_line(
        args: impl IntoIterator<Item = OsString>,
    ) -> Result<Cli, clap::Error> {
        let args = with_default_command(args.into_iter().collect())?;
        Cli::try_parse_from(with_program_words_kept(args))
    }
}

/// Inserts `run` after the program name unless the first argument is a
/// command or asks for help or the version. A word that is no command and
/// no file but close to a command's name (`limit chek x.lm`) is a usage
/// error suggesting the command.
fn with_default_command(mut args: Vec<OsString>) -> Result<Vec<OsString>, clap::Error> {
    let Some(first) = args.get(1).and_then(|a| a.to_str()) else {
        return Ok(args);
    };
    let command = Cli::command();
    let names: Vec<&str> = command
        .get_subcommands()
        .flat_map(|sub| std::iter::once(sub.get_name()).chain(sub.get_all_aliases()))
        .chain(["help"])
        .collect();
    let is_command = names.contains(&first);
    let asks_for_information = matches!(first, "-h" | "--help" | "-V" | "--version");
    if is_command || asks_for_information {
        return Ok(args);
    }
    if !looks_like_a_path(first) {
        if let Some(suggestion) = closest_command(first, &names) {
            return Err(Cli::command().error(
                clap::error::ErrorKind::InvalidSubcommand,
                format!(
                    "unknown command `{first}`\n\n  tip: did you mean `{suggestion}`? \
                     (a program file runs as `limit FILE`)"
                ),
            ));
        }
    }
    args.insert(1, OsString::from("run"));
    Ok(args)
}

/// Whether `word` names a program rather than a mistyped command: an
/// existing file, or a word with a path separator or an extension.
fn looks_like_a_path(word: &str) -> bool {
    word.contains(['/', '\\', '.']) || std::path::Path::new(word).exists()
}

/// The command `word` is most likely a misspelling of.
fn closest_command<'n>(word: &str, names: &[&'n str]) -> Option<&'n str> {
    names
        .iter()
        .map(|name| (strsim::damerau_levenshtein(word, name), *name))
        .filter(|(distance, name)| *distance <= 2 && *distance < name.len())
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Adds `--` after the FILE of `run` (when words follow it), so that the
/// words after it reach the program even when they look like options of
/// `limit` (`limit prog.lm --trace` passes `--trace` to the program).
fn with_program_words_kept(mut args: Vec<OsString>) -> Vec<OsString> {
    if args.get(1).and_then(|a| a.to_str()) != Some("run") {
        return args;
    }
    let command = Cli::command();
    let Some(run) = command.find_subcommand("run") else {
        return args;
    };
    let takes_value = |word: &str| {
        run.get_arguments().any(|arg| {
            let named = word
                .strip_prefix("--")
                .is_some_and(|long| arg.get_long() == Some(long))
                || (word.len() == 2
                    && word.starts_with('-')
                    && arg.get_short().is_some_and(|s| word.ends_with(s)));
            named && arg.get_action().takes_values()
        })
    };
    let mut index = 2;
    while let Some(word) = args.get(index).and_then(|w| w.to_str()) {
        if word == "--" {
            // Already separated: the next word is FILE, the rest the program's.
            return args;
        }
        if !word.starts_with('-') || word == "-" {
            // `limit run prog.lm -- --x 7`: the user's own `--` already
            // separates the program's words.
            let separated = args.get(index + 1).and_then(|w| w.to_str()) == Some("--");
            if index + 1 < args.len() && !separated {
                args.insert(index + 1, OsString::from("--"));
            }
            return args;
        }
        index += if takes_value(word) { 2 } else { 1 };
    }
    args
}

/// The commands of `limit`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile and run a program.
    Run(RunArgs),
    /// Parse and type-check a program without running it; prints nothing
    /// when it is correct.
    Check(FileArg),
    /// Print the token stream, one token per line with its line:col.
    Tokens(FileArg),
    /// Print the syntax tree as an indented S-expression.
    Ast(FileArg),
    /// Compile a program and print the bytecode of every function.
    Disasm(CompileArgs),
    /// Start an interactive session: enter declarations and expressions,
    /// see their values (`:help` lists the commands).
    Repl(ReplArgs),
    /// Run every test program under a folder (default `tests/lang`), or
    /// one program, and check it against its inline `// expect:`
    /// comments; exit status 1 when one fails.
    Test(TestArgs),
    /// Rewrite programs in the canonical layout (files, folders searched
    /// for `.lm` files, or `-` for standard input to standard output);
    /// `--check` lists the files that would change, with exit status 1.
    Fmt(FmtArgs),
    /// Serve an editor with the Language Server Protocol on standard input
    /// and output (diagnostics, hover types, outline, workspace symbols,
    /// completion, definitions, references, rename, formatting).
    Lsp,
}

impl Command {
    /// The file (or folder) the command works on, if any.
    pub fn input(&self) -> Option<&std::path::Path> {
        match self {
            Command::Run(args) => Some(&args.file),
            Command::Check(FileArg { file })
            | Command::Tokens(FileArg { file })
            | Command::Ast(FileArg { file })
            | Command::Disasm(CompileArgs { file, .. }) => Some(file),
            Command::Test(args) => args.paths.first().map(PathBuf::as_path),
            Command::Repl(_) | Command::Fmt(_) | Command::Lsp => None,
        }
    }
}

/// Options of the interactive session.
#[derive(Debug, Args)]
pub struct ReplArgs {
    /// Compile hot code to machine code, as `limit run --jit` does (a
    /// definition entered again starts the compiled code afresh).
    #[arg(long, value_name = "MODE", default_value = "auto", value_parser = parse_jit)]
    pub jit: limit_vm::JitMode,

    #[command(flatten)]
    pub compile: OptimizationArgs,
}

/// Which test programs to run and how.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Folders of test programs (each `.lm` file is a test; a folder with
    /// `main.lm` is one multi-file test), or test programs, any number.
    #[arg(value_name = "DIR|FILE", default_value = "tests/lang")]
    pub paths: Vec<PathBuf>,

    /// How many programs run at once (default: the number of cores).
    #[arg(short = 'j', long, value_name = "N", value_parser = parse_count::<usize>)]
    pub jobs: Option<usize>,

    /// Seconds of CPU time a program may use (and ten times that of
    /// wall-clock time) before it is killed and fails.
    #[arg(long, value_name = "SECONDS", default_value_t = 20.0)]
    pub timeout: f64,

    /// Print only the failures and the summary, not a line per program.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub compile: OptimizationArgs,
}

/// The program to run and how to run it.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The program's entry file (`.lm`).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Arguments passed to the program: every word after FILE belongs to
    /// the program (`limit prog.lm a --flag`), read by `std.env.args()`.
    #[arg(value_name = "ARGS", allow_hyphen_values = true)]
    pub args: Vec<String>,

    /// Print each instruction as it executes (to stderr).
    #[arg(long)]
    pub trace: bool,

    /// Print execution counters when the program ends (to stderr).
    #[arg(long)]
    pub stats: bool,

    /// The most nested calls before a StackOverflow runtime error.
    #[arg(long, value_name = "N", value_parser = parse_count::<usize>)]
    pub max_frames: Option<usize>,

    /// Approximate heap limit in bytes (suffixes K, M, G: `64M`); beyond
    /// it a ResourceLimit runtime error.
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub max_memory: Option<usize>,

    /// Steps (loop iterations and calls) before a ResourceLimit runtime
    /// error (`_` may separate digits: `1_000_000`).
    #[arg(long, value_name = "N", value_parser = parse_count::<u64>)]
    pub max_steps: Option<u64>,

    /// Compile hot code to machine code: `auto` compiles functions called
    /// often and loops that run long, `always` every function and loop it
    /// can at their first use (for testing), `off` interprets everything.
    #[arg(long, value_name = "MODE", default_value = "auto", value_parser = parse_jit)]
    pub jit: limit_vm::JitMode,

    #[command(flatten)]
    pub compile: OptimizationArgs,
}

/// A `--jit` mode: `off`, `auto` or `always`.
pub fn parse_jit(text: &str) -> Result<limit_vm::JitMode, String> {
    limit_vm::JitMode::from_name(text.trim())
        .ok_or_else(|| format!("`{text}` is not a JIT mode (off, auto or always)"))
}

/// A count, with `_` allowed between digits as in Limit's own literals
/// (`1_000_000`).
pub fn parse_count<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    let t = text.trim();
    let well_placed = !t.starts_with('_') && !t.ends_with('_') && !t.contains("__");
    let digits: String = t.chars().filter(|&c| c != '_').collect();
    match digits.parse() {
        Ok(n) if well_placed && !digits.is_empty() => Ok(n),
        _ => Err(format!(
            "`{t}` is not a count (digits, optionally grouped with `_`: 1_000_000)"
        )),
    }
}

/// A byte count with an optional binary suffix: `1000`, `64K`, `64M`,
/// `2G` (also `64MB`, `64MiB`; case-insensitive; `_` between digits).
pub fn parse_bytes(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !c.is_ascii_digit() && c != '_')
        .unwrap_or(lower.len());
    let (number, suffix) = lower.split_at(digits_end);
    let number: usize = parse_count(number)
        .map_err(|_| format!("`{t}` is not a byte count (like 1000, 64K, 64M or 2G)"))?;
    let scale: usize = match suffix.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("`{t}` has an unknown suffix (use K, M or G)")),
    };
    number
        .checked_mul(scale)
        .ok_or_else(|| format!("`{t}` is too large"))
}

/// A source file to compile, with optimisation settings.
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// The program's entry file (`.lm`).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    #[command(flatten)]
    pub compile: OptimizationArgs,
}

/// How much the compiler optimises.
#[derive(Debug, Args)]
pub struct OptimizationArgs {
    /// Optimisation level: `-O0` turns the optimiser off, `-O1` (the
    /// default) turns it on; `-O2` and `-O3`, which other compilers' users type, are
    /// the same as `-O1`.
    #[arg(short = 'O', value_name = "LEVEL", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(0..=3))]
    pub level: u8,
}

impl OptimizationArgs {
    /// Whether the optimisation passes run.
    pub fn optimize(&self) -> bool {
        self.level > 0
    }
}

/// What `limit fmt` formats.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Files and folders to format (default: the current folder); `-`
    /// formats standard input to standard output.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Change nothing: list the files whose layout differs and exit with
    /// status 1 when there is one.
    #[arg(long)]
    pub check: bool,
}

/// A single source file.
#[derive(Debug, Args)]
pub struct FileArg {
    /// The source file (`.lm`).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        let argv = std::iter::once("limit")
            .chain(args.iter().copied())
            .map(OsString::from);
        Cli::try_parse_command_line(argv).map(|cli| cli.command)
    }

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bare_file_means_run_with_program_arguments() {
        let Ok(Command::Run(run)) = parse(&["hello.lm", "a", "--", "--b"]) else {
            panic!("expected a run command");
        };
        assert_eq!(run.file, PathBuf::from("hello.lm"));
        // Every word after the file is the program's, `--` included (as
        // Python passes it).
        assert_eq!(run.args, vec!["a", "--", "--b"]);
        assert!(run.compile.optimize());
    }

    #[test]
    fn options_after_the_file_belong_to_the_program() {
        let Ok(Command::Run(run)) = parse(&["prog.lm", "a", "--flag", "-O0", "--trace"]) else {
            panic!("expected a run command");
        };
        assert_eq!(run.args, vec!["a", "--flag", "-O0", "--trace"]);
        assert!(!run.trace && run.compile.optimize());
        let Ok(Command::Run(run)) = parse(&["run", "--trace", "prog.lm", "--max-steps", "x"])
        else {
            panic!("expected a run command");
        };
        assert!(run.trace && run.max_steps.is_none());
        assert_eq!(run.args, vec!["--max-steps", "x"]);
    }

    #[test]
    fn run_options_are_read() {
        let parsed = parse(&[
            "run",
            "--trace",
            "-O0",
            "--max-frames",
            "50",
            "--stats",
            "x.lm",
        ]);
        let Ok(Command::Run(run)) = parsed else {
            panic!("expected a run command");
        };
        assert!(run.trace && run.stats && !run.compile.optimize());
        assert_eq!(run.max_frames, Some(50));
        assert!(run.args.is_empty());
    }

    #[test]
    fn limits_are_read_with_byte_suffixes() {
        let parsed = parse(&["run", "--max-memory", "64M", "--max-steps", "1000", "x.lm"]);
        let Ok(Command::Run(run)) = parsed else {
            panic!("expected a run command");
        };
        assert_eq!(run.max_memory, Some(64 << 20));
        assert_eq!(run.max_steps, Some(1000));
        let parsed = parse(&[
            "run",
            "--max-steps",
            "1_000_000",
            "--max-frames",
            "2_000",
            "x.lm",
        ]);
        let Ok(Command::Run(run)) = parsed else {
            panic!("expected a run command");
        };
        assert_eq!(
            (run.max_steps, run.max_frames),
            (Some(1_000_000), Some(2_000))
        );
        assert_eq!(parse_bytes("64_000K"), Ok(64_000 << 10));
        for bad in ["_1", "1_", "1__0", "", "1_x", "-5"] {
            assert!(parse_count::<u64>(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_bytes("1000"), Ok(1000));
        assert_eq!(parse_bytes("2k"), Ok(2048));
        assert_eq!(parse_bytes("1G"), Ok(1 << 30));
        assert_eq!(parse_bytes("3MiB"), Ok(3 << 20));
        assert!(parse_bytes("12X").is_err());
        assert!(parse_bytes("M").is_err());
        assert!(parse(&["run", "--max-memory", "lots", "x.lm"]).is_err());
    }

    #[test]
    fn commands_take_a_file() {
        assert!(matches!(parse(&["check", "x.lm"]), Ok(Command::Check(_))));
        assert!(matches!(parse(&["tokens", "x.lm"]), Ok(Command::Tokens(_))));
        assert!(matches!(parse(&["ast", "x.lm"]), Ok(Command::Ast(_))));
        assert!(matches!(
            parse(&["disasm", "-O0", "x.lm"]),
            Ok(Command::Disasm(_))
        ));
        assert!(matches!(parse(&["repl"]), Ok(Command::Repl(_))));
        let Ok(Command::Test(test)) = parse(&["test"]) else {
            panic!("expected a test command");
        };
        assert_eq!(test.paths, [PathBuf::from("tests/lang")]);
        let Ok(Command::Test(test)) = parse(&["test", "a.lm", "b"]) else {
            panic!("expected a test command");
        };
        assert_eq!(test.paths, [PathBuf::from("a.lm"), PathBuf::from("b")]);
        assert!(matches!(
            parse(&["test", "-j", "2", "-q", "examples"]),
            Ok(Command::Test(TestArgs {
                jobs: Some(2),
                quiet: true,
                ..
            }))
        ));
        assert!(parse(&["check"]).is_err());
        assert!(parse(&[]).is_err());
        assert!(matches!(parse(&["--trace", "x.lm"]), Ok(Command::Run(_))));
        assert!(parse(&["run", "-O7", "x.lm"]).is_err());
        for level in ["-O2", "-O3"] {
            let Ok(Command::Run(run)) = parse(&["run", level, "x.lm"]) else {
                panic!("{level} is accepted");
            };
            assert!(run.compile.optimize());
        }
        // A mistyped command is a usage error naming the command meant; a
        // path still runs.
        let error = parse(&["chek", "x.lm"]).expect_err("chek is no command");
        assert!(
            error.to_string().contains("did you mean `check`?"),
            "{error}"
        );
        assert!(matches!(parse(&["chek.lm"]), Ok(Command::Run(_))));
        assert!(matches!(parse(&["dir/chek"]), Ok(Command::Run(_))));
        assert!(matches!(parse(&["zzzzzzzz"]), Ok(Command::Run(_))));
        assert!(parse(&["run", "--no-such-option", "x.lm"]).is_err());
    }
}
