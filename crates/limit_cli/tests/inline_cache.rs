//! Trait dispatch goes through a per-call-site inline cache (DESIGN.md §6)
//! of four classes:
//! `limit run --stats` on a loop calling a trait method over a list mixing
//! two frames must report at least 95% cache hits. (The interpreter's
//! cache: these run with `--jit=off`, as compiled code makes such calls
//! directly, jit/dispatch.rs.)

use std::path::Path;
use std::process::Command;

/// The value of the `--stats` line `label: N`.
fn counter(stderr: &str, label: &str) -> u64 {
    stderr
        .lines()
        .find_map(|line| {
            line.strip_prefix(label)?
                .strip_prefix(": ")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no `{label}` line in:\n{stderr}"))
}

#[test]
fn trait_calls_over_mixed_frames_hit_the_inline_cache() {
    let program = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/lang/frames/trait_dispatch_cache.lm");
    let output = Command::new(env!("CARGO_BIN_EXE_limit"))
        .args(["run", "--jit=off", "--stats"])
        .arg(&program)
        .output()
        .expect("run limit");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "limit failed:\n{stderr}");
    assert_eq!(stdout.trim(), "5988");
    let hits = counter(&stderr, "inline cache hits");
    let misses = counter(&stderr, "inline cache misses");
    assert!(
        hits + misses >= 1000,
        "expected at least 1000 cached calls, got {hits} hits and {misses} misses"
    );
    let ratio = hits as f64 / (hits + misses) as f64;
    assert!(
        ratio >= 0.95,
        "inline cache hit ratio {ratio:.3} ({hits} hits, {misses} misses) is below 0.95"
    );
}

/// A call site that sees four frames in turn misses once per frame: its
/// cache keeps four classes (`interp/calls.rs`'s `CACHE_WAYS`).
#[test]
fn a_call_site_over_four_frames_misses_once_per_frame() {
    let program = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/lang/frames/trait_dispatch_four_kinds.lm");
    let output = Command::new(env!("CARGO_BIN_EXE_limit"))
        .args(["run", "--jit=off", "--stats"])
        .arg(&program)
        .output()
        .expect("run limit");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "limit failed:\n{stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "6250");
    assert_eq!(counter(&stderr, "inline cache misses"), 4, "{stderr}");
    assert_eq!(counter(&stderr, "inline cache hits"), 996, "{stderr}");
}
