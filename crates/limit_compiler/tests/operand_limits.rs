//! Programs beyond what instruction operands can encode are refused with a
//! diagnostic, never miscompiled by a wrapped-around operand.

use limit_compiler::{compile_program, CompileOptions};
use limit_syntax::SourceMap;

fn errors_of(source: String) -> Vec<String> {
    let mut sources = SourceMap::new();
    let entry = sources.add("big.lm", source);
    let output = compile_program(&mut sources, entry, &CompileOptions::default());
    assert!(output.program.is_none(), "the program must be refused");
    output
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn more_than_65535_locals_in_one_function_is_an_error() {
    let mut source = String::from("fn huge() {\n");
    for i in 0..70_000 {
        source.push_str(&format!("    var v{i} = {i}\n"));
    }
    source.push_str("}\nhuge()\n");
    let errors = errors_of(source);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("too many local variables"), "{errors:?}");
}

#[test]
fn thousands_of_functions_compile_in_linear_time() {
    // Checking each function body used to copy the whole environment, and
    // finding a local scanned every local: 20 000 functions took minutes.
    let mut source = String::new();
    for i in 0..20_000 {
        source.push_str(&format!("fn f{i}(x: int): int {{ return x + {i}; }}\n"));
    }
    source.push_str("print(f19999(1))\n");
    let started = std::time::Instant::now();
    let mut sources = SourceMap::new();
    let entry = sources.add("many.lm", source);
    let output = compile_program(&mut sources, entry, &CompileOptions::default());
    assert!(output.program.is_some(), "{:?}", output.diagnostics);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}
