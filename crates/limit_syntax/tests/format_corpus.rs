//! `limit fmt` over every program of the repository (`tests/lang`,
//! `examples`, `bench/programs`): formatting never changes a program (the
//! formatter itself checks tokens and tree; this test also checks that
//! every comment survives) and formatting twice changes nothing.

use limit_syntax::format::{format_source, FormatError};
use std::path::{Path, PathBuf};

fn lm_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            lm_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "lm") {
            out.push(path);
        }
    }
}

/// The comments of `source`, in order (from the token gaps).
fn comments(source: &str) -> Vec<String> {
    let (tokens, _) = limit_syntax::lex(source, 0);
    let mut out = Vec::new();
    let mut start = 0usize;
    for token in &tokens {
        let end = token.span.start as usize;
        let gap = source.get(start..end).unwrap_or("");
        let mut rest = gap;
        while let Some(at) = rest.find("//").into_iter().chain(rest.find("/*")).min() {
            let tail = &rest[at..];
            let len = if tail.starts_with("//") {
                tail.find('\n').unwrap_or(tail.len())
            } else {
                tail.find("*/").map_or(tail.len(), |n| n + 2)
            };
            out.push(tail[..len].trim_end().to_string());
            rest = &tail[len..];
        }
        start = token.span.end as usize;
    }
    out
}

#[test]
fn every_program_formats_without_change_of_meaning_and_idempotently() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["tests/lang", "examples", "bench/programs"] {
        lm_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 500, "found only {} programs", files.len());
    let mut formatted = 0;
    let mut failures = Vec::new();
    for path in &files {
        let Ok(source) = std::fs::read_to_string(path) else {
            continue;
        };
        match format_source(&source, 0) {
            // Programs that test syntax errors cannot be formatted.
            Err(FormatError::Syntax(_)) => {}
            Err(FormatError::ChangedMeaning(why)) => {
                failures.push(format!("{}: {why}", path.display()));
            }
            Ok(once) => {
                formatted += 1;
                // The repository's programs are kept in the layout (`limit
                // fmt --check` passes on them).
                if once != source {
                    failures.push(format!(
                        "{}: not formatted (run `limit fmt` on it)",
                        path.display()
                    ));
                }
                if comments(&once) != comments(&source) {
                    failures.push(format!("{}: comments changed", path.display()));
                }
                match format_source(&once, 0) {
                    Ok(twice) if twice == once => {}
                    Ok(_) => failures.push(format!("{}: not idempotent", path.display())),
                    Err(e) => failures.push(format!("{}: second pass {e:?}", path.display())),
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(formatted > 500, "formatted only {formatted}");
}

/// The ```limit blocks of a Markdown text.
fn limit_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match current.as_mut() {
            None if line.trim_start().starts_with("```limit") => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_start().starts_with("```") => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    blocks
}

#[test]
fn the_docs_code_blocks_are_formatted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut pages = vec![root.join("README.md")];
    if let Ok(entries) = std::fs::read_dir(root.join("docs")) {
        pages.extend(
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "md")),
        );
    }
    let mut checked = 0;
    let mut failures = Vec::new();
    for page in &pages {
        let Ok(text) = std::fs::read_to_string(page) else {
            continue;
        };
        for (n, block) in limit_blocks(&text).iter().enumerate() {
            // Blocks showing syntax errors cannot be formatted.
            if let Ok(formatted) = format_source(block, 0) {
                checked += 1;
                if formatted != *block {
                    failures.push(format!("{} block {}", page.display(), n + 1));
                }
            }
        }
    }
    assert!(checked > 40, "checked only {checked} blocks");
    assert!(
        failures.is_empty(),
        "not in `limit fmt`'s layout:\n{}",
        failures.join("\n")
    );
}
