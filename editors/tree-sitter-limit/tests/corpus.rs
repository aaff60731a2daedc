//! The grammar parses every Limit program in the repository (issue #22's
//! acceptance): each `.lm` file under `tests/lang/`, `examples/` and
//! `bench/programs/`, and each ```` ```limit ```` block of the README and
//! `docs/`, that the compiler's own parser (`limit_syntax`) accepts must
//! give a tree-sitter tree with no ERROR and no MISSING node.
//!
//! Rule for the files that are skipped: a program on which `limit_syntax`
//! reports an *error* is a syntax-error test (it carries `// error:`
//! expectations for the parser's diagnostics); an editor grammar has no
//! single right tree for it, so it is not checked. The test fails if such a
//! file has no `// error:` line, so a parser regression cannot silently
//! shrink the corpus.

use std::fs;
use std::path::{Path, PathBuf};

use limit_syntax::Severity;
use tree_sitter::{Node, Parser, Tree};

/// Known failures while the grammar is being completed: each entry is a
/// path relative to the repository root and the reason. Must end empty.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn limit_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            limit_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "lm") {
            found.push(path);
        }
    }
}

/// The ```` ```limit ```` blocks of README.md and docs/*.md, named
/// `PAGE block N`.
fn documentation_blocks(root: &Path) -> Vec<(String, String)> {
    let mut pages = vec![root.join("README.md")];
    if let Ok(entries) = fs::read_dir(root.join("docs")) {
        let mut docs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|ext| ext == "md"))
            .collect();
        docs.sort();
        pages.extend(docs);
    }
    let mut blocks = Vec::new();
    for page in pages {
        let Ok(text) = fs::read_to_string(&page) else {
            continue;
        };
        let name = page
            .strip_prefix(root)
            .unwrap_or(&page)
            .display()
            .to_string();
        let mut current: Option<String> = None;
        for line in text.lines() {
            match current.as_mut() {
                None if line.trim_start().starts_with("```limit") => current = Some(String::new()),
                None => {}
                Some(_) if line.trim_start().starts_with("```") => {
                    let block = current.take().unwrap_or_default();
                    blocks.push((format!("{name} block {}", blocks.len() + 1), block));
                }
                Some(block) => {
                    block.push_str(line);
                    block.push('\n');
                }
            }
        }
    }
    blocks
}

fn parser() -> Parser {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_limit::LANGUAGE.into())
        .expect("the grammar loads");
    parser
}

/// `line:column kind` of every ERROR or MISSING node, outermost first.
fn syntax_problems(tree: &Tree) -> Vec<String> {
    fn walk(node: Node, problems: &mut Vec<String>) {
        if node.is_error() || node.is_missing() {
            let at = node.start_position();
            let what = if node.is_missing() {
                format!("MISSING {}", node.kind())
            } else {
                "ERROR".to_string()
            };
            problems.push(format!("{}:{} {what}", at.row + 1, at.column + 1));
            if node.is_error() {
                return;
            }
        }
        if !node.has_error() {
            return;
        }
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            walk(child, problems);
        }
    }
    let mut problems = Vec::new();
    walk(tree.root_node(), &mut problems);
    problems
}

fn rejected_by_limit_parser(source: &str) -> bool {
    let (_, diagnostics) = limit_syntax::parse_source(source, 0);
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}

#[test]
fn every_program_parses_without_error_nodes() {
    let root = repository_root();
    let mut files = Vec::new();
    limit_files(&root.join("tests/lang"), &mut files);
    limit_files(&root.join("examples"), &mut files);
    limit_files(&root.join("bench/programs"), &mut files);
    assert!(files.len() > 100, "found only {} programs", files.len());
    let mut programs: Vec<(String, String)> = files
        .iter()
        .map(|path| {
            let relative = path
                .strip_prefix(&root)
                .unwrap_or(path)
                .display()
                .to_string();
            let source = fs::read_to_string(path).expect("readable program");
            (relative, source)
        })
        .collect();
    programs.extend(documentation_blocks(&root));

    let mut parser = parser();
    let mut failures = Vec::new();
    let mut unexpected_rejections = Vec::new();
    let mut fixed_known_failures = Vec::new();
    let (mut checked, mut skipped) = (0, 0);
    for (relative, source) in programs {
        if rejected_by_limit_parser(&source) {
            skipped += 1;
            // Documentation shows syntax errors without expectations.
            if !source.contains("// error:") && !relative.contains(".md block") {
                unexpected_rejections.push(relative);
            }
            continue;
        }
        checked += 1;
        let tree = parser.parse(&source, None).expect("a tree");
        let problems = syntax_problems(&tree);
        let known = KNOWN_FAILURES.iter().any(|(file, _)| *file == relative);
        match (problems.is_empty(), known) {
            (false, false) => failures.push(format!("{relative}: {}", problems.join(", "))),
            (true, true) => fixed_known_failures.push(relative),
            _ => {}
        }
    }
    eprintln!(
        "{checked} programs parsed, {skipped} syntax-error programs skipped, {} known failures",
        KNOWN_FAILURES.len()
    );
    assert!(
        unexpected_rejections.is_empty(),
        "the Limit parser rejects programs without `// error:` expectations:\n{}",
        unexpected_rejections.join("\n")
    );
    assert!(
        fixed_known_failures.is_empty(),
        "these now parse; remove them from KNOWN_FAILURES:\n{}",
        fixed_known_failures.join("\n")
    );
    assert!(
        failures.is_empty(),
        "{} programs have ERROR or MISSING nodes:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Editors parse half-written programs: every prefix of a program (cut at
/// many points) and the program with a stray quote, brace, `?` or comment
/// opener inserted must give a tree, in time (the external scanner looks
/// ahead and must neither loop nor read past the end).
#[test]
fn damaged_programs_still_parse() {
    let root = repository_root();
    let mut files = Vec::new();
    limit_files(&root.join("tests/lang"), &mut files);
    limit_files(&root.join("examples"), &mut files);
    let mut parser = parser();
    let inserts = ["\"", "'", "{", "}", "?", "(", "/*", "?else", ":", "\\"];
    for path in &files {
        let source = fs::read_to_string(path).expect("readable program");
        let boundaries: Vec<usize> = (0..=source.len())
            .filter(|&i| source.is_char_boundary(i))
            .collect();
        let step = (boundaries.len() / 12).max(1);
        for (n, &cut) in boundaries.iter().step_by(step).enumerate() {
            let prefix = &source[..cut];
            assert!(parser.parse(prefix, None).is_some(), "{}", path.display());
            let insert = inserts[n % inserts.len()];
            let damaged = format!("{prefix}{insert}{}", &source[cut..]);
            assert!(parser.parse(&damaged, None).is_some(), "{}", path.display());
        }
    }
}
