//! The benchmark suite in `bench/programs` (README.md, Benchmarks): every
//! program exists in Limit, Lua and Python, and the Limit one compiles
//! cleanly. Running them is `bench/run`'s job (too slow for a debug build);
//! it checks that the three print the same output.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn every_benchmark_has_three_versions_and_the_limit_one_compiles() {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench/programs");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .expect("bench/programs exists")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".lm").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(
        names.len() >= 10,
        "the suite has ten kinds of work: {names:?}"
    );
    for name in &names {
        for ext in ["lua", "py"] {
            let twin = folder.join(format!("{name}.{ext}"));
            assert!(twin.exists(), "{} is missing", twin.display());
        }
        let out = Command::new(env!("CARGO_BIN_EXE_limit"))
            .arg("check")
            .arg(folder.join(format!("{name}.lm")))
            .output()
            .expect("run limit check");
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{name}.lm: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
