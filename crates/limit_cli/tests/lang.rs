//! The conformance suite: every program under `tests/lang/` (and every
//! example under `examples/`) runs through the real `limit` binary and is
//! checked against its inline expectations (`// expect:`, `// error:`,
//! `// runtime error:`, `// warning:`; see `limit_cli::expectations`, and
//! `limit_cli::suite` for how tests are found — the `limit test` command uses
//! the same rules).
//!
//! Programs run with the workspace root as working directory (modules may be
//! imported relative to it, reference.md §10), no stdin, and a time limit.
//! Every program runs three ways: optimised (the default), with `-O0`, so
//! each optimisation pass (and every superinstruction it emits) is checked
//! against unoptimised behaviour, and with `--jit=always`, so the
//! native-code tier (crates/limit_vm/src/jit) is checked against the
//! interpreter on every program.
//! Filter and list as with any test binary: `cargo test --test lang -- modules/`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use libtest_mimic::{Arguments, Trial};
use limit_cli::suite::{discover, Runner, SuiteTest, TIME_LIMIT};

/// The folders of test programs, with the prefix of their test names
/// (tests/lang's names are bare, as `strings/basic.lm`).
const ROOTS: [(&str, &str); 2] = [("tests/lang", ""), ("examples", "examples/")];

fn main() {
    let arguments = Arguments::from_args();
    let root = workspace_root();
    let runner = Arc::new(Runner {
        executable: PathBuf::from(env!("CARGO_BIN_EXE_limit")),
        working_dir: root.clone(),
        time_limit: TIME_LIMIT,
    });
    let mut trials = Vec::new();
    for (folder, prefix) in ROOTS {
        for test in discover(&root.join(folder)) {
            let test = Arc::new(test);
            let name = format!("{prefix}{}", test.name);
            trials.push(trial(name.clone(), &runner, &test, &[]));
            trials.push(trial(format!("{name} [-O0]"), &runner, &test, &["-O0"]));
            trials.push(trial(
                format!("{name} [--jit=always]"),
                &runner,
                &test,
                &["--jit=always"],
            ));
        }
    }
    libtest_mimic::run(&arguments, trials).exit();
}

fn trial(
    name: String,
    runner: &Arc<Runner>,
    test: &Arc<SuiteTest>,
    flags: &'static [&'static str],
) -> Trial {
    let runner = Arc::clone(runner);
    let test = Arc::clone(test);
    Trial::test(name, move || {
        runner.check_with(&test, flags).map_err(Into::into)
    })
}

fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map_or_else(|| manifest.join("../.."), Path::to_path_buf)
}
