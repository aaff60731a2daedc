//! `a * b + c * d` over locals the checker typed as numbers becomes one
//! `Products` instruction: the code generator fuses it, because only it
//! knows that none of the three operators can fail (a fused instruction
//! has one source position for all three).

use limit_bytecode::opcode::{BinaryOp, Op};
use limit_compiler::{compile_program, CompileOptions};
use limit_syntax::SourceMap;

/// The code of function `name` in `source`, compiled with `optimize`.
fn code_of(source: &str, name: &str, optimize: bool) -> Vec<Op> {
    let mut sources = SourceMap::new();
    let entry = sources.add("fusion.lm", source.to_string());
    let options = CompileOptions {
        optimize,
        ..CompileOptions::default()
    };
    let output = compile_program(&mut sources, entry, &options);
    let program = output.program.expect("the program compiles");
    program
        .functions
        .iter()
        .find(|f| f.name == name)
        .expect("the function exists")
        .code
        .clone()
}

fn has_products(code: &[Op]) -> Option<BinaryOp> {
    code.iter().find_map(|op| match op {
        Op::Products(op, ..) => Some(*op),
        _ => None,
    })
}

#[test]
fn typed_sums_and_differences_of_products_fuse() {
    let floats =
        "fn dot(a: float, b: float, c: float, d: float): float { return a * b + c * d; }\n\
                  print(dot(1.0, 2.0, 3.0, 4.0))\n";
    assert_eq!(
        has_products(&code_of(floats, "dot", true)),
        Some(BinaryOp::Add)
    );
    let ints = "fn cross(a: int, b: int, c: int, d: int): int { return a * b - c * d; }\n\
                print(cross(1, 2, 3, 4))\n";
    assert_eq!(
        has_products(&code_of(ints, "cross", true)),
        Some(BinaryOp::Sub)
    );
}

#[test]
fn untyped_operands_and_o0_do_not_fuse() {
    let untyped = "fn dot(a: any, b: any, c: any, d: any): any { return a * b + c * d; }\n\
                   print(dot(1, 2, 3, 4))\n";
    assert_eq!(has_products(&code_of(untyped, "dot", true)), None);
    let floats =
        "fn dot(a: float, b: float, c: float, d: float): float { return a * b + c * d; }\n\
                  print(dot(1.0, 2.0, 3.0, 4.0))\n";
    assert_eq!(has_products(&code_of(floats, "dot", false)), None);
}
