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
    /// Parses the command line; `limit FILE …` is read as `limit run FILE …`.
    pub fn try_parse_command_line(
        args: impl IntoIterator<Item = OsString>,
    ) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(with_default_command(args.into_iter().collect()))
    }
}

/// Inserts `run` after the program name unless the first argument is a
/// command or asks for help or the version.
fn with_default_command(mut args: Vec<OsString>) -> Vec<OsString> {
    let Some(first) = args.get(1).and_then(|a| a.to_str()) else {
        return args;
    };
    let command = Cli::command();
    let is_command = command
        .get_subcommands()
        .any(|sub| sub.get_name() == first || sub.get_all_aliases().any(|a| a == first))
        || first == "help";
    let asks_for_information = matches!(first, "-h" | "--help" | "-V" | "--version");
    if !is_command && !asks_for_information {
        args.insert(1, OsString::from("run"));
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
    /// Run every test program under a folder (default `tests/lang`) and
    /// check it against its inline `// expect:` comments; exit status 1
    /// when one fails.
    Test(TestArgs),
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
            Command::Test(args) => Some(&args.dir),
            Command::Repl(_) => None,
        }
    }
}

/// Options of the interactive session.
#[derive(Debug, Args)]
pub struct ReplArgs {
    #[command(flatten)]
    pub compile: OptimizationArgs,
}

/// Which test programs to run and how.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// The folder of test programs (each `.lm` file is a test; a folder
    /// with `main.lm` is one multi-file test).
    #[arg(value_name = "DIR", default_value = "tests/lang")]
    pub dir: PathBuf,

    /// How many programs run at once (default: the number of cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Seconds a program may run before it is killed and fails.
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

    /// Arguments passed to the program (after `--` when they start with `-`).
    #[arg(value_name = "ARGS")]
    pub args: Vec<String>,

    /// Print each instruction as it executes (to stderr).
    #[arg(long)]
    pub trace: bool,

    /// Print execution counters when the program ends (to stderr).
    #[arg(long)]
    pub stats: bool,

    /// Run every instruction in the generic dispatch loop, optimised code
    /// included (the conformance suite checks the interpreter's hot path
    /// against it).
    #[arg(long)]
    pub no_hot_path: bool,

    /// The most nested calls before a StackOverflow runtime error.
    #[arg(long, value_name = "N")]
    pub max_frames: Option<usize>,

    /// Approximate heap limit in bytes (suffixes K, M, G: `64M`); beyond
    /// it a ResourceLimit runtime error.
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub max_memory: Option<usize>,

    /// Steps (loop iterations and calls) before a ResourceLimit runtime error.
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,

    #[command(flatten)]
    pub compile: OptimizationArgs,
}

/// A byte count with an optional binary suffix: `1000`, `64K`, `64M`,
/// `2G` (also `64MB`, `64MiB`; case-insensitive).
pub fn parse_bytes(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (number, suffix) = lower.split_at(digits_end);
    let number: usize = number
        .parse()
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
    /// Optimisation level: `-O0` turns the optimiser off (and, when
    /// running, the interpreter's hot path), `-O1` (the default) turns
    /// them on.
    #[arg(short = 'O', value_name = "LEVEL", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(0..=1))]
    pub level: u8,
}

impl OptimizationArgs {
    /// Whether the optimisation passes run.
    pub fn optimize(&self) -> bool {
        self.level > 0
    }
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
        assert_eq!(run.args, vec!["a", "--b"]);
        assert!(run.compile.optimize());
    }

    #[test]
    fn run_options_are_read() {
        let parsed = parse(&[
            "run",
            "--trace",
            "-O0",
            "--max-frames",
            "50",
            "x.lm",
            "--stats",
        ]);
        let Ok(Command::Run(run)) = parsed else {
            panic!("expected a run command");
        };
        assert!(run.trace && run.stats && !run.compile.optimize());
        assert_eq!(run.max_frames, Some(50));
        assert!(run.args.is_empty() && !run.no_hot_path);
        let Ok(Command::Run(run)) = parse(&["run", "--no-hot-path", "x.lm"]) else {
            panic!("expected a run command");
        };
        assert!(run.no_hot_path && run.compile.optimize());
    }

    #[test]
    fn limits_are_read_with_byte_suffixes() {
        let parsed = parse(&["run", "--max-memory", "64M", "--max-steps", "1000", "x.lm"]);
        let Ok(Command::Run(run)) = parsed else {
            panic!("expected a run command");
        };
        assert_eq!(run.max_memory, Some(64 << 20));
        assert_eq!(run.max_steps, Some(1000));
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
        assert_eq!(test.dir, PathBuf::from("tests/lang"));
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
        assert!(parse(&["run", "x.lm", "--no-such-option"]).is_err());
    }
}
