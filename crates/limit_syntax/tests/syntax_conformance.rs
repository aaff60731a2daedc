//! The conformance programs of `tests/lang/syntax`: every program parses
//! without a diagnostic, and every program in `errors/` yields diagnostics
//! exactly on the lines of its `// error: <fragment>` comments, each message
//! containing its fragment.

use limit_syntax::{parse_source, SourceFile};
use std::path::{Path, PathBuf};

fn syntax_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/lang/syntax")
}

/// `.lm` files under `dir`, recursively, skipping folders named `skip`.
fn lm_files(dir: &Path, skip: Option<&str>) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if skip != path.file_name().and_then(|n| n.to_str()) {
                found.extend(lm_files(&path, skip));
            }
        } else if path.extension().is_some_and(|e| e == "lm") {
            found.push(path);
        }
    }
    found.sort();
    found
}

fn diagnostics_of(path: &Path) -> Vec<(u32, String)> {
    let text = std::fs::read_to_string(path).expect("readable test program");
    let file = SourceFile::new(path.display().to_string(), text.clone());
    let (_, diagnostics) = parse_source(&text, 0);
    diagnostics
        .iter()
        .map(|d| (file.line_col(d.span.start).0, d.message.clone()))
        .collect()
}

#[test]
fn every_syntax_program_parses_cleanly() {
    let files = lm_files(&syntax_dir(), Some("errors"));
    assert!(files.len() >= 15, "conformance programs missing: {files:?}");
    let mut failures = Vec::new();
    for path in files {
        for (line, message) in diagnostics_of(&path) {
            failures.push(format!("{}:{line}: {message}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "unexpected diagnostics:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_error_program_reports_on_its_marked_lines() {
    let files = lm_files(&syntax_dir().join("errors"), None);
    assert!(files.len() >= 5, "error programs missing: {files:?}");
    let mut failures = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable test program");
        let expected: Vec<(u32, String)> = text
            .lines()
            .enumerate()
            .filter_map(|(index, line)| {
                let fragment = line.split("// error:").nth(1)?;
                Some((index as u32 + 1, fragment.trim().to_string()))
            })
            .collect();
        let actual = diagnostics_of(&path);
        let expected_lines: Vec<u32> = expected.iter().map(|(line, _)| *line).collect();
        let actual_lines: Vec<u32> = actual.iter().map(|(line, _)| *line).collect();
        if expected_lines != actual_lines {
            failures.push(format!(
                "{}: expected diagnostics on lines {expected_lines:?}, got {actual:?}",
                path.display()
            ));
            continue;
        }
        for ((line, fragment), (_, message)) in expected.iter().zip(&actual) {
            if !message.contains(fragment.as_str()) {
                failures.push(format!(
                    "{}:{line}: message {message:?} does not contain {fragment:?}",
                    path.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
