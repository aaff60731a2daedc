//! The code cites the repository's own documentation (docs/reference.md,
//! docs/stdlib.md), never a file outside the repository: a reader of a
//! clone must be able to follow every citation.

use std::path::{Path, PathBuf};

fn sources_under(folder: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "target") {
                sources_under(&path, found);
            }
        } else if path
            .extension()
            .is_some_and(|ext| ext == "rs" || ext == "lm" || ext == "toml")
        {
            found.push(path);
        }
    }
}

#[test]
fn no_source_file_cites_the_outside_language_contract() {
    let crates = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    sources_under(&crates, &mut files);
    assert!(files.len() > 50, "found only {} source files", files.len());
    // Spelled in two pieces so that this file does not cite it either.
    let outside = format!("{}.md", "LANGUAGE");
    let citing: Vec<String> = files
        .iter()
        .filter(|path| std::fs::read_to_string(path).is_ok_and(|text| text.contains(&outside)))
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        citing.is_empty(),
        "cite docs/reference.md or docs/stdlib.md instead: {citing:#?}"
    );
}
