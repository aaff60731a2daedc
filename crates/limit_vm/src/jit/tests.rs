//! The lowering's tricky parts, on hand-assembled bytecode: each program
//! runs interpreted and with every function and loop compiled
//! (`JitMode::Always`), and the two must print the same.

use super::JitMode;
use crate::opcode::Op::{self, *};
use crate::opcode::Ordering;
use crate::program::{Constant, FunctionProto, Pos, Program};
use crate::{Vm, VmOptions};

/// A function: arity, extra locals, code.
fn function(name: &str, arity: u16, locals: u16, code: Vec<Op>) -> FunctionProto {
    FunctionProto {
        name: name.into(),
        arity,
        required: arity,
        num_locals: locals,
        lines: (0..code.len())
            .map(|i| Pos {
                line: i as u32 + 1,
                col: 1,
            })
            .collect(),
        code,
        ..Default::default()
    }
}

/// A program of `functions` (main last) and `constants`.
fn program(functions: Vec<FunctionProto>, constants: Vec<Constant>) -> Program {
    let main = functions.len() - 1;
    Program {
        functions,
        constants,
        main,
        files: vec!["test.lm".into()],
        ..Default::default()
    }
}

/// Output (and error text) of `p` under `mode`, with the JIT's counters.
fn run(p: Program, mode: JitMode) -> (String, Option<String>, u64) {
    let options = VmOptions {
        capture_output: true,
        jit: mode,
        ..Default::default()
    };
    let mut vm = Vm::new(p, options);
    let r = vm.run();
    let compiled = vm.jit_stats().map_or(0, |s| s.compiled);
    (vm.take_output(), r.err().map(|e| e.to_string()), compiled)
}

/// Runs `p` both ways; returns the output, checking that something was
/// compiled.
fn same(p: Program) -> String {
    let (out, err, _) = run(p.clone(), JitMode::Off);
    let (jit_out, jit_err, compiled) = run(p, JitMode::Always);
    assert_eq!((&jit_out, &jit_err), (&out, &err));
    assert!(compiled > 0, "nothing compiled");
    assert_eq!(err, None, "{out}");
    out
}

#[test]
fn operands_below_a_call_survive_it_and_a_callee_overflow_deoptimises_its_callers() {
    // fn grow(n) { return n < 1 ? 1 : 3 * grow(n - 1) }: 3 stays on the
    // operand stack across each call; 3^45 overflows in a callee.
    let grow = function(
        "grow",
        1,
        0,
        vec![
            JumpIfLocalNotLtConst(0, 0, 2),
            Int(1),
            Return,
            Int(3),
            AddImmLocal(0, -1),
            CallDirect(0, 1),
            Mul,
            Return,
        ],
    );
    let main = function(
        "<script>",
        0,
        0,
        vec![
            Int(10),
            CallDirect(0, 1),
            Int(45),
            CallDirect(0, 1),
            Print(2),
            ReturnNil,
        ],
    );
    let out = same(program(vec![grow, main], vec![Constant::Int(1)]));
    assert_eq!(out, "59049 2954312706550833698643\n");
}

#[test]
fn a_local_added_to_itself_and_a_loop_bounded_by_its_own_counter() {
    // a = 1; repeat 62 times a += a (overflows at the 63rd doubling only
    // past 2^62 → stays an int); then IncLoopLocals with s == b.
    let main = function(
        "<script>",
        0,
        3,
        vec![
            Int(1),
            SetLocal(0),
            Int(0),
            SetLocal(1),
            AddAssignLocal(0, 0),                 // 4
            IncLoopLtConst(1, 0, 2),              // 5: back to 4
            Int(0),                               // 6
            SetLocal(2),                          // 7
            IncLoopLocals(Ordering::Lt, 2, 2, 1), // 8: r < r is false
            GetLocal2(0, 2),
            Print(2),
            ReturnNil,
        ],
    );
    let out = same(program(vec![main], vec![Constant::Int(62)]));
    assert_eq!(out, "4611686018427387904 1\n");
}

#[test]
fn kept_conditions_and_stack_shuffles() {
    // (x > 2 and x < 10) or x == 1, then Swap and Over around it.
    let pick = function(
        "pick",
        1,
        0,
        vec![
            GetLocal(0),
            Int(2),
            Compare(Ordering::Gt),
            JumpIfKeep(false, 3), // 3: to 7, keeping false
            GetLocal(0),
            Int(10),
            Compare(Ordering::Lt),
            JumpIfKeep(true, 3), // 7: to 11, keeping true
            GetLocal(0),
            Int(1),
            Equal(false),
            Int(10), // 11: [c, 10]
            Swap,    // [10, c]
            Over,    // [10, c, 10]
            Over,    // [10, c, 10, c]
            Over,    // [10, c, 10, c, 10]
            Pop,
            Pop,
            Pop,  // [10, c]
            Swap, // [c, 10]
            Pop,
            Return,
        ],
    );
    let main = function(
        "<script>",
        0,
        0,
        vec![
            Int(5),
            CallDirect(0, 1),
            Int(1),
            CallDirect(0, 1),
            Int(20),
            CallDirect(0, 1),
            Print(3),
            ReturnNil,
        ],
    );
    let out = same(program(vec![pick, main], vec![]));
    assert_eq!(out, "true true false\n");
}

#[test]
fn mixed_arithmetic_division_and_remainder_signs() {
    // 7 / -2, -7 % 2, 1.5 * 2, 3 / 2.0, and i64::MIN / -1, which compiled
    // code leaves to the interpreter (it promotes to a big int).
    let one = |name: &str, code: Vec<Op>| function(name, 0, 0, code);
    let functions = vec![
        one("f1", vec![Int(7), Int(-2), Div, Return]),
        one("f2", vec![Int(-7), Int(2), Mod, Return]),
        one("f3", vec![Const(0), Int(2), Mul, Return]),
        one("f4", vec![Int(3), Const(1), Div, Return]),
        one("f5", vec![Const(2), Int(-1), Div, Return]),
        function(
            "<script>",
            0,
            0,
            vec![
                CallDirect(0, 0),
                CallDirect(1, 0),
                CallDirect(2, 0),
                CallDirect(3, 0),
                CallDirect(4, 0),
                Print(5),
                ReturnNil,
            ],
        ),
    ];
    let constants = vec![
        Constant::Float(1.5),
        Constant::Float(2.0),
        Constant::Int(i64::MIN),
    ];
    let out = same(program(functions, constants));
    assert_eq!(out, "-3 -1 3 1.5 9223372036854775808\n");
}

#[test]
fn float_comparisons_with_nan_are_false() {
    // fn f(x) { var n = 0; loop 3 times { if (x < x) n += 1 } return n }
    // called with NaN (0.0 / 0.0).
    let f = function(
        "f",
        1,
        2,
        vec![
            Int(0),
            SetLocal(1),
            Int(0),
            SetLocal(2),
            GetLocal2(0, 0), // 4
            JumpIfNot(Ordering::Lt, 1),
            IncLocal(1, 1),
            IncLoopLtConst(2, 0, 4), // back to 4
            GetLocal(1),
            Return,
        ],
    );
    let main = function(
        "<script>",
        0,
        0,
        vec![
            Const(1),
            Const(1),
            Div,
            CallDirect(0, 1),
            Print(1),
            ReturnNil,
        ],
    );
    let out = same(program(
        vec![f, main],
        vec![Constant::Int(3), Constant::Float(0.0)],
    ));
    assert_eq!(out, "0\n");
}

#[test]
fn the_heap_layout_probe_finds_what_compiled_code_reads() {
    use super::layout::HeapLayout;
    use crate::value::Value;
    let layout = HeapLayout::probe().expect("a layout on this platform");
    let mut items = Vec::with_capacity(9);
    items.extend([Value::Int(1), Value::Bool(true), Value::Float(0.5)]);
    let list = Value::list(items);
    assert!(layout.fits(&list));
    assert!(layout.fits(&Value::list(Vec::new())));
    assert!(layout.fits(&Value::Int(3)));
    if let Value::List(l) = &list {
        // Borrowed mutably: compiled code would not read it, nor may the
        // check.
        let _w = l.items.borrow_mut();
        assert!(!layout.fits(&list));
    }
}

#[test]
fn list_elements_read_written_and_pushed_inline_and_past_the_end() {
    // xs = [5, 6, 7]; i = 0; t = 0
    // loop: xs[i] = xs[i] * 2 (via t); t = t + xs[i]; xs.push(i); i < 3
    // then xs[9] (past the end: IndexOutOfBounds from the interpreter).
    let main = function(
        "<script>",
        0,
        3,
        vec![
            Int(5),
            Int(6),
            Int(7),
            NewList(3),
            SetLocal(0),
            Int(0),
            SetLocal(1),
            Int(0),
            SetLocal(2),
            IndexLocals(0, 1), // 9
            AddImm(0),
            GetLocal(0),
            Swap,
            Dup,
            Add,
            GetLocal(1),
            Swap,
            SetIndex, // xs[i] = 2 * xs[i]
            GetLocal(2),
            IndexLocals(0, 1),
            Add,
            SetLocal(2), // t += xs[i]
            GetLocal(0),
            GetLocal(1),
            Invoke(1, 1, crate::opcode::Dispatch::Dynamic),
            Pop,                      // xs.push(i)
            IncLoopLtConst(1, 0, 18), // 26: back to 9
            GetLocal2(2, 0),
            Print(2),
            Int(9),
            SetLocal(1),
            IndexLocals(0, 1),
            Print(1),
            ReturnNil,
        ],
    );
    let p = program(
        vec![main],
        vec![Constant::Int(3), Constant::Str("push".into())],
    );
    let (out, err, _) = run(p.clone(), JitMode::Off);
    let (jit_out, jit_err, compiled) = run(p, JitMode::Always);
    assert_eq!((&jit_out, &jit_err), (&out, &err));
    assert!(compiled > 0, "nothing compiled");
    assert_eq!(out, "36 [10, 12, 14, 0, 1, 2]\n");
    assert!(err.is_some_and(|e| e.contains("IndexOutOfBounds")));
}
