//! The embedder chooses which standard modules a program may import
//! (docs/stdlib.md): importing one it denies is a compile error naming
//! the module; the same program compiles when the module is allowed.

use limit_compiler::stdlib::StdAccess;
use limit_compiler::{compile_program, CompileOptions};
use limit_syntax::SourceMap;

fn errors(source: &str, std_access: StdAccess) -> Vec<String> {
    let mut sources = SourceMap::default();
    let entry = sources.add("main.lm", source.to_string());
    let options = CompileOptions {
        std_access,
        ..CompileOptions::default()
    };
    let output = compile_program(&mut sources, entry, &options);
    output
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect()
}

const PROGRAM: &str = "import std.math;\nprint(math.gcd(4, 6));\n";

#[test]
fn an_allowed_module_compiles() {
    assert_eq!(errors(PROGRAM, StdAccess::all()), Vec::<String>::new());
    assert_eq!(
        errors(PROGRAM, StdAccess::sandboxed()),
        Vec::<String>::new()
    );
}

#[test]
fn a_denied_module_is_a_compile_error_naming_it() {
    let denied = StdAccess {
        denied: vec!["math".to_string()],
    };
    let found = errors(PROGRAM, denied);
    assert_eq!(
        found,
        vec!["module `std.math` is not allowed here".to_string()]
    );
}

#[test]
fn the_sandbox_denies_the_modules_that_reach_outside() {
    let sandbox = StdAccess::sandboxed();
    for name in ["fs", "process", "env"] {
        assert!(!sandbox.allows(name), "{name}");
        assert!(StdAccess::all().allows(name), "{name}");
    }
    assert!(sandbox.allows("math"));
}

#[test]
fn the_sandbox_rejects_std_env_and_the_default_accepts_it() {
    let program = "import std.env;\nprint(env.args());\n";
    assert_eq!(
        errors(program, StdAccess::sandboxed()),
        vec!["module `std.env` is not allowed here".to_string()]
    );
    assert_eq!(errors(program, StdAccess::all()), Vec::<String>::new());
}

#[test]
fn the_sandbox_rejects_std_process_and_the_default_accepts_it() {
    let program = "import std.process;\nprint(process.pid());\n";
    assert_eq!(
        errors(program, StdAccess::sandboxed()),
        vec!["module `std.process` is not allowed here".to_string()]
    );
    assert_eq!(errors(program, StdAccess::all()), Vec::<String>::new());
}

#[test]
fn the_sandbox_rejects_std_fs_and_the_default_accepts_it() {
    let program = "import std.fs;\nprint(fs.exists(\"x\"));\n";
    assert_eq!(
        errors(program, StdAccess::sandboxed()),
        vec!["module `std.fs` is not allowed here".to_string()]
    );
    assert_eq!(errors(program, StdAccess::all()), Vec::<String>::new());
}
