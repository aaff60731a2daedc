//! Hostile program shapes the compiler must survive: very long operator and
//! postfix chains are either compiled or reported as "expression too deeply
//! nested" at the place (never a stack overflow in any stage), and
//! compile time stays linear in the program's size.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn run(name: &str, source: &str) -> (Output, Duration) {
    let dir = std::env::temp_dir().join(format!("limit_compile_limits_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.lm"));
    std::fs::write(&file, source).unwrap();
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_limit"))
        .arg("run")
        .arg(&file)
        .output()
        .unwrap();
    (out, started.elapsed())
}

fn assert_too_deep(name: &str, source: &str) {
    let (out, _) = run(name, source);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
    assert!(
        stderr.contains("error: expression too deeply nested"),
        "{name}: {stderr}"
    );
    assert!(!stderr.contains("overflow"), "{name}: {stderr}");
}

#[test]
fn long_chains_are_reported_not_crashing() {
    let n = 10_000;
    let terms = vec!["1"; 100_000].join(" + ");
    assert_too_deep("sum", &format!("print({terms})\n"));
    let cases = [
        (
            "fields",
            format!("var o = nil\nprint(o{})\n", ".f".repeat(n)),
        ),
        (
            "tuple",
            format!("var t = (1, 2)\nprint(t{})\n", ".0".repeat(n)),
        ),
        ("methods", format!("print(\"a\"{})\n", ".upper()".repeat(n))),
        ("casts", format!("print(1{})\n", " as int".repeat(n))),
        (
            "handlers",
            format!(
                "fn g(): int? {{ return 1 }}\nprint(g(){})\n",
                " ?else {{ 0 }}".repeat(n)
            ),
        ),
        (
            "calls",
            format!("fn f() {{ return f }}\nprint(f{})\n", "()".repeat(n)),
        ),
        ("indexes", format!("print([0]{})\n", "[0]".repeat(n))),
        (
            "mixed",
            format!("print(-(1{}))\n", " * 1 - 1 + 1".repeat(n)),
        ),
    ];
    for (name, source) in cases {
        assert_too_deep(name, &source);
    }
}

#[test]
fn chains_within_the_bound_compile_and_run() {
    let terms = vec!["1"; 200].join(" + ");
    let source = format!(
        "print({terms})\nprint(\"a\"{})\nvar t = ((((1, 2), 3), 4), 5)\nprint(t.0.0.0.1)\n",
        ".upper().lower()".repeat(50)
    );
    let (out, _) = run("within", &source);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200\na\n2\n");
}
