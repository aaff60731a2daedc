//! Every ```limit block of `docs/guide.md`, `docs/reference.md` and `docs/stdlib.md` is a
//! program: it runs through the real `limit` binary and is checked against
//! its inline `// expect:` lines, with the rules of the conformance suite
//! (`limit_cli::expectations`).
//!
//! A block whose info string names a file (```` ```limit file=geometry.lm ````)
//! is not run: it is written as that file beside the programs, so that later
//! blocks of the same document can import it. Tests are named by the
//! document and the block's line in it.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use libtest_mimic::{Arguments, Trial};
use limit_cli::expectations::{verify, Expectations};
use limit_cli::suite::{Runner, TIME_LIMIT};

/// One fenced block of the guide.
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    /// The `file=` of the info string, if any.
    file: Option<String>,
    text: String,
}

/// The documents whose blocks are programs, and how many runnable blocks
/// each must have at least (so that a broken fence cannot empty one).
const DOCUMENTS: &[(&str, usize)] = &[("guide.md", 10), ("reference.md", 20), ("stdlib.md", 3)];

fn main() {
    let arguments = Arguments::from_args();
    let mut trials = Vec::new();
    for (document, minimum) in DOCUMENTS {
        let found = document_trials(document, &mut trials);
        assert!(found >= *minimum, "{document} should have runnable blocks");
    }
    libtest_mimic::run(&arguments, trials).exit();
}

/// Writes the blocks of `docs/{document}` to a scratch folder of its own
/// and adds a trial per runnable block; returns how many it added.
fn document_trials(document: &str, trials: &mut Vec<Trial>) -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs")
        .join(document);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read docs/{document}: {e}"));
    let blocks = limit_blocks(&text);
    let stem = document.trim_end_matches(".md");
    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(stem);
    let _ = fs::remove_dir_all(&folder);
    fs::create_dir_all(&folder).expect("create a document's scratch folder");
    let runner = Arc::new(Runner {
        executable: PathBuf::from(env!("CARGO_BIN_EXE_limit")),
        working_dir: folder.clone(),
        time_limit: TIME_LIMIT,
    });
    let mut added = 0;
    for block in blocks {
        match &block.file {
            Some(file) => {
                let path = folder.join(file);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent).expect("create a module folder");
                }
                fs::write(&path, &block.text).expect("write a module of the document");
            }
            None => {
                let name = format!("{document} line {}", block.line);
                let file = format!("block_{}.lm", block.line);
                fs::write(folder.join(&file), &block.text).expect("write a document's program");
                let runner = Arc::clone(&runner);
                trials.push(Trial::test(name, move || {
                    run_block(&runner, &file).map_err(Into::into)
                }));
                added += 1;
            }
        }
    }
    added
}

fn run_block(runner: &Runner, file: &str) -> Result<(), String> {
    let source = fs::read_to_string(runner.working_dir.join(file)).map_err(|e| e.to_string())?;
    let expectations = Expectations::parse(&source);
    let outcome = runner.run("run", &[], Path::new(file))?;
    verify(&expectations, None, &outcome)
}

/// The ```limit blocks of `markdown`, in order.
fn limit_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match current.take() {
            Some(block) if trimmed.starts_with("```") => blocks.push(block),
            Some(mut block) => {
                block.text.push_str(line);
                block.text.push('\n');
                current = Some(block);
            }
            None => {
                let Some(info) = trimmed.strip_prefix("```limit") else {
                    continue;
                };
                let file = info
                    .split_whitespace()
                    .find_map(|word| word.strip_prefix("file="))
                    .map(str::to_string);
                current = Some(Block {
                    line: index + 1,
                    file,
                    text: String::new(),
                });
            }
        }
    }
    blocks
}
