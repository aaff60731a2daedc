//! Capabilities (issue 25): a program naming a built-in, or importing a
//! standard module, that needs a capability it is not granted does not
//! compile — the error names the capability at the use — and compiles
//! once the capability is granted. Modules are gated by name
//! (`Capability::of_module`), so one added later is covered by naming it.

use limit_compiler::capabilities::{Capabilities, Capability};
use limit_compiler::{compile_program, CompileOptions};
use limit_syntax::SourceMap;

/// Each error as `line:col: message`.
fn errors(source: &str, capabilities: Capabilities) -> Vec<String> {
    let mut sources = SourceMap::default();
    let entry = sources.add("main.lm", source.to_string());
    let options = CompileOptions {
        capabilities,
        ..CompileOptions::default()
    };
    let output = compile_program(&mut sources, entry, &options);
    output
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let (line, col) = sources.get(entry).line_col(d.span.start);
            format!("{line}:{col}: {}", d.message)
        })
        .collect()
}

#[test]
fn every_gated_module_needs_its_capability() {
    for (module, capability) in [
        ("env", Capability::Environment),
        ("io", Capability::Stdin),
        ("fs", Capability::FileSystem),
        ("process", Capability::Process),
    ] {
        let source = format!("var x = 1;\nimport std.{module};\n");
        let denied = errors(&source, Capabilities::none());
        assert_eq!(denied.len(), 1, "{denied:?}");
        assert!(
            denied[0].starts_with(&format!(
                "2:1: module `std.{module}` needs the capability `{capability}`"
            )),
            "{denied:?}"
        );
        let granted = Capabilities::none().with(capability, true);
        assert_eq!(errors(&source, granted), Vec::<String>::new());
    }
    // A module needing nothing is always there.
    for module in [
        "path",
        "random",
        "time",
        "math",
        "json",
        "regex",
        "collections",
    ] {
        let source = format!("import std.{module};\n");
        assert_eq!(errors(&source, Capabilities::none()), Vec::<String>::new());
    }
    assert_eq!(
        errors(
            "import std.math;\nprint(math.gcd(4, 6));",
            Capabilities::none()
        ),
        Vec::<String>::new()
    );
}

#[test]
fn built_ins_are_gated_wherever_they_are_named() {
    let source = "fn later(): nil {\n    var f = read_file;\n    input();\n}\nlater();\n";
    let denied = errors(source, Capabilities::none());
    assert_eq!(denied.len(), 2, "{denied:?}");
    assert!(
        denied[0].starts_with("2:13: `read_file` needs the capability `fs`"),
        "{denied:?}"
    );
    assert!(
        denied[1].starts_with("3:5: `input` needs the capability `stdin`"),
        "{denied:?}"
    );
    let granted = Capabilities {
        fs: true,
        stdin: true,
        ..Capabilities::none()
    };
    assert_eq!(errors(source, granted), Vec::<String>::new());
    // The `limit` command's default grants everything.
    assert_eq!(CompileOptions::default().capabilities, Capabilities::all());
}

#[test]
fn programs_using_the_modules_that_reach_outside_need_their_capabilities() {
    // (What the removed `StdAccess` gate tested: one mechanism, the
    // capabilities, decides which standard modules a program may import.)
    for (program, capability) in [
        (
            "import std.env;\nprint(env.args());\n",
            Capability::Environment,
        ),
        (
            "import std.process;\nprint(process.pid());\n",
            Capability::Process,
        ),
        (
            "import std.fs;\nprint(fs.exists(\"x\"));\n",
            Capability::FileSystem,
        ),
    ] {
        let denied = errors(program, Capabilities::none());
        assert_eq!(denied.len(), 1, "{denied:?}");
        assert!(
            denied[0].starts_with("1:1: module `std.")
                && denied[0].contains(&format!("needs the capability `{capability}`")),
            "{denied:?}"
        );
        // Every other capability granted is not enough.
        let all_but = Capabilities::all().with(capability, false);
        assert_eq!(errors(program, all_but).len(), 1, "{program}");
        assert_eq!(
            errors(program, CompileOptions::default().capabilities),
            Vec::<String>::new()
        );
    }
}

#[test]
fn std_time_is_free_but_its_sleep_needs_the_sleep_capability() {
    // The clock and DateTime need nothing.
    let pure = "import std.time;\nimport std.time show DateTime;\nprint(time.now() > 0, time.monotonic() >= 0);\nprint(DateTime.utc().year > 2000);\n";
    assert_eq!(errors(pure, Capabilities::none()), Vec::<String>::new());
    // Naming `sleep` — called through the namespace, taken as a value,
    // bound by `show` or by `hide`, inside a function — is refused.
    let source =
        "import std.time;\nimport std.time as t show sleep;\nimport std.time as u hide now;\n\
                  time.sleep(1);\nvar f = t.sleep;\nsleep(0.5);\nfn later() { u.sleep(2); }\n";
    let denied = errors(source, Capabilities::none());
    let expected = [
        "4:1: `time.sleep` needs the capability `sleep`",
        "5:9: `time.sleep` needs the capability `sleep`",
        "6:1: `time.sleep` needs the capability `sleep`",
        "7:14: `time.sleep` needs the capability `sleep`",
    ];
    assert_eq!(denied.len(), expected.len(), "{denied:?}");
    for (found, want) in denied.iter().zip(expected) {
        assert!(found.starts_with(want), "{found} / {want}");
    }
    let granted = Capabilities::none().with(Capability::Sleep, true);
    assert_eq!(errors(source, granted), Vec::<String>::new());
    // A script's own `sleep` is its own.
    let own = "fn sleep(n: int): int { return n; }\nprint(sleep(3));\n";
    assert_eq!(errors(own, Capabilities::none()), Vec::<String>::new());
}
