//! Every ```limit block of `docs/guide.md` is a program: it runs through the
//! real `limit` binary and is checked against its inline `// expect:` lines,
//! with the rules of the conformance suite (`limit::expectations`).
//!
//! A block whose info string names a file (```` ```limit file=geometry.lm ````)
//! is not run: it is written as that file beside the programs, so that later
//! blocks can import it. Tests are named by the block's line in the guide.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use libtest_mimic::{Arguments, Trial};
use limit::expectations::{verify, Expectations};
use limit::suite::{Runner, TIME_LIMIT};

/// One fenced block of the guide.
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    /// The `file=` of the info string, if any.
    file: Option<String>,
    text: String,
}

fn main() {
    let arguments = Arguments::from_args();
    let guide_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/guide.md");
    let guide = fs::read_to_string(&guide_path).expect("read docs/guide.md");
    let blocks = limit_blocks(&guide);
    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("guide");
    let _ = fs::remove_dir_all(&folder);
    fs::create_dir_all(&folder).expect("create the guide's scratch folder");
    let runner = Arc::new(Runner {
        executable: PathBuf::from(env!("CARGO_BIN_EXE_limit")),
        working_dir: folder.clone(),
        time_limit: TIME_LIMIT,
    });
    let mut trials = Vec::new();
    for block in blocks {
        match &block.file {
            Some(file) => {
                let path = folder.join(file);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent).expect("create a module folder");
                }
                fs::write(&path, &block.text).expect("write a module of the guide");
            }
            None => {
                let name = format!("guide.md line {}", block.line);
                let file = format!("block_{}.lm", block.line);
                fs::write(folder.join(&file), &block.text).expect("write a guide program");
                let runner = Arc::clone(&runner);
                trials.push(Trial::test(name, move || {
                    run_block(&runner, &file).map_err(Into::into)
                }));
            }
        }
    }
    assert!(trials.len() >= 10, "the guide should have runnable blocks");
    libtest_mimic::run(&arguments, trials).exit();
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
