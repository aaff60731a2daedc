//! A bare field name assigned inside a method (§7) is checked against the
//! field's type by the checker, like `this.name = …`: a value it proves
//! gets no check, one it cannot (an `any`) gets exactly one (`CheckType`,
//! or `CheckKind` where the type is one kind of value).

use limit_bytecode::opcode::Op;
use limit_compiler::{compile_program, CompileOptions};
use limit_syntax::SourceMap;

/// The number of run-time type checks in method `name` of `source`.
fn checks_in(source: &str, name: &str) -> usize {
    let mut sources = SourceMap::new();
    let entry = sources.add("bare.lm", source.to_string());
    let output = compile_program(&mut sources, entry, &CompileOptions::default());
    let program = output.program.expect("the program compiles");
    let function = program
        .functions
        .iter()
        .find(|f| f.name == name)
        .expect("the method exists");
    function
        .code
        .iter()
        .filter(|op| matches!(op, Op::CheckType(_) | Op::CheckKind(_)))
        .count()
}

const METER: &str = "frame Meter {\n\
    pub var count: int = 0;\n\
    pub fn bump(by: int) { count = count + by; }\n\
    pub fn via_this(by: int) { this.count = this.count + by; }\n\
    pub fn take(v: any) { count = v; }\n\
    pub fn add(v: any) { count += v; }\n\
}\n\
var m = Meter();\nm.bump(1);\nm.via_this(1);\nm.take(1);\nm.add(1);\nprint(m.count);\n";

#[test]
fn proven_values_stored_into_bare_fields_are_not_checked_again() {
    assert_eq!(checks_in(METER, "Meter.bump"), 0);
    assert_eq!(checks_in(METER, "Meter.via_this"), 0);
}

#[test]
fn values_of_type_any_stored_into_bare_fields_are_checked_once() {
    assert_eq!(checks_in(METER, "Meter.take"), 1);
    assert_eq!(checks_in(METER, "Meter.add"), 1);
}
