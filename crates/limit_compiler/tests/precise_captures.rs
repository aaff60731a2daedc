//! The code generator makes a cell (or a global) only for a variable some
//! nested function really uses: the resolve stage binds each use to its
//! declaration, so a nested function declaring the same name again does
//! not make the outer variable a cell, nor a function's parameter a
//! top-level variable of that name a global.

use limit_compiler::{compile_program, CompileOptions};
use limit_syntax::SourceMap;

/// The instructions of function `name` (as their debug text) and the
/// program's globals, compiled with `options`.
fn compiled(source: &str, name: &str, options: &CompileOptions) -> (Vec<String>, Vec<String>) {
    let mut sources = SourceMap::new();
    let entry = sources.add("captures.lm", source.to_string());
    let output = compile_program(&mut sources, entry, options);
    let program = output
        .program
        .unwrap_or_else(|| panic!("{:?}", output.diagnostics));
    let function = program
        .functions
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no function {name}"));
    let code = function.code.iter().map(|op| format!("{op:?}")).collect();
    (code, program.globals.clone())
}

fn makes_cells(code: &[String]) -> bool {
    code.iter().any(|op| op.starts_with("MakeCell"))
}

fn unoptimised() -> CompileOptions {
    CompileOptions {
        optimize: false,
        ..CompileOptions::default()
    }
}

#[test]
fn a_name_a_closure_declares_again_is_not_captured() {
    let source = "fn f(): int {\n var a = 1\n var h = fn(): int { var a = 2; return a; }\n \
                  a = 3\n return a + h()\n}\nprint(f())\n";
    for options in [CompileOptions::default(), unoptimised()] {
        let (code, _) = compiled(source, "f", &options);
        assert!(!makes_cells(&code), "{code:?}");
    }
}

#[test]
fn an_assigned_capture_keeps_its_cell() {
    let source = "fn f(): int {\n var a = 1\n var h = fn(): int { return a; }\n a = 3\n \
                  return h()\n}\nprint(f())\n";
    let (code, _) = compiled(source, "f", &CompileOptions::default());
    assert!(makes_cells(&code), "{code:?}");
}

#[test]
fn a_top_level_variable_only_named_by_parameters_stays_a_local() {
    let source = "var n = 1\nfn g(n: int): int { return n + 1; }\nprint(g(n))\n";
    let (_, globals) = compiled(source, "<script>", &CompileOptions::default());
    assert!(globals.is_empty(), "{globals:?}");
    let source = "var n = 1\nfn g(): int { return n + 1; }\nprint(g())\n";
    let (_, globals) = compiled(source, "<script>", &CompileOptions::default());
    assert_eq!(globals, ["main.n"]);
}
