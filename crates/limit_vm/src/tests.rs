//! Hand-assembled programs exercising the interpreter end to end.

use crate::opcode::Op::{self, *};
use crate::program::{CaptureSource, ClassDef, Constant, FunctionProto, Pos, Program};
use crate::{RuntimeError, Vm, VmOptions};

/// A tiny assembler for tests.
#[derive(Default)]
struct Asm {
    program: Program,
}

impl Asm {
    fn new() -> Asm {
        let mut a = Asm::default();
        a.program.files.push("test.lm".into());
        a
    }

    fn constant(&mut self, c: Constant) -> u32 {
        if let Some(i) = self.program.constants.iter().position(|x| *x == c) {
            return i as u32;
        }
        self.program.constants.push(c);
        (self.program.constants.len() - 1) as u32
    }

    fn s(&mut self, text: &str) -> u32 {
        self.constant(Constant::Str(text.into()))
    }

    /// Reserve a function index (for recursion), filled by `define`.
    fn declare(&mut self, name: &str) -> u32 {
        self.program.functions.push(FunctionProto {
            name: name.into(),
            ..Default::default()
        });
        (self.program.functions.len() - 1) as u32
    }

    fn define(
        &mut self,
        index: u32,
        arity: u16,
        locals: u16,
        captures: Vec<CaptureSource>,
        code: Vec<Op>,
    ) {
        let f = &mut self.program.functions[index as usize];
        f.arity = arity;
        f.required = arity;
        f.num_locals = locals;
        f.lines = (0..code.len())
            .map(|i| Pos {
                line: i as u32 + 1,
                col: 1,
            })
            .collect();
        f.code = code;
        f.captures = captures;
    }

    fn main(mut self, locals: u16, code: Vec<Op>) -> Program {
        let m = self.declare("<script>");
        self.define(m, 0, locals, vec![], code);
        self.program.main = m as usize;
        self.program
    }
}

fn run_with(program: Program, max_frames: usize) -> (String, Result<(), RuntimeError>) {
    let options = VmOptions {
        capture_output: true,
        limits: crate::Limits {
            max_call_depth: max_frames,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut vm = Vm::new(program, options);
    let r = vm.run();
    (vm.take_output(), r)
}

fn run(program: Program) -> (String, Result<(), RuntimeError>) {
    run_with(program, 10_000)
}

fn run_ok(program: Program) -> String {
    let (out, r) = run(program);
    if let Err(e) = r {
        panic!("unexpected runtime error: {e}\noutput so far:\n{out}");
    }
    out
}

#[test]
fn recursive_fib_with_direct_calls() {
    let mut a = Asm::new();
    let fib = a.declare("fib");
    // fn fib(n) { if (n < 2) return n; return fib(n-1) + fib(n-2); }
    a.define(
        fib,
        1,
        0,
        vec![],
        vec![
            GetLocal(0),
            Int(2),
            JumpIfNot(crate::opcode::Ordering::Lt, 2),
            GetLocal(0),
            Return,
            GetLocal(0),
            AddImm(-1),
            CallDirect(fib, 1),
            GetLocal(0),
            AddImm(-2),
            CallDirect(fib, 1),
            Add,
            Return,
        ],
    );
    // fib(20) makes 21 891 calls; under Miri fib(15), 1 973.
    let (n, fib_n) = if cfg!(miri) {
        (15, "610")
    } else {
        (20, "6765")
    };
    let p = a.main(0, vec![Int(n), CallDirect(fib, 1), Print(1), ReturnNil]);
    assert_eq!(run_ok(p), format!("{fib_n}\n"));
}

#[test]
fn counting_loop_with_superinstructions() {
    let mut a = Asm::new();
    let limit = a.constant(Constant::Int(1000));
    // var i = 0; var s = 0; while (i < 1000) { s = s + i % 7; i += 1; } print(s);
    let p = a.main(
        2,
        vec![
            Int(0),
            SetLocal(0),
            Int(0),
            SetLocal(1),
            JumpIfLocalNotLtConst(0, limit as u16, 7), // 4
            GetLocal(1),
            GetLocal(0),
            ModImm(7),
            Add,
            SetLocal(1),
            IncLocal(0, 1),
            Loop(8), // back to 4
            GetLocal(1),
            Print(1),
            ReturnNil,
        ],
    );
    let expected: i64 = (0..1000).map(|i| i % 7).sum();
    assert_eq!(run_ok(p), format!("{expected}\n"));
}

#[test]
fn closures_share_captured_cells() {
    let mut a = Asm::new();
    let inc = a.declare("inc");
    let counter = a.declare("counter");
    // fn counter() { var n = 0; return fn() { n += 1; return n; }; }
    a.define(
        inc,
        0,
        0,
        vec![CaptureSource::Upvalue(0)],
        vec![
            GetUpvalue(0),
            AddImm(1),
            SetUpvalue(0),
            GetUpvalue(0),
            Return,
        ],
    );
    a.define(
        counter,
        0,
        1,
        vec![],
        vec![Int(0), SetLocal(0), MakeCell(0), Closure(inc), Return],
    );
    // The inner function captures the local cell of `counter`.
    a.program.functions[inc as usize].captures = vec![CaptureSource::Local(0)];
    let p = a.main(
        2,
        vec![
            CallDirect(counter, 0),
            SetLocal(0),
            CallDirect(counter, 0),
            SetLocal(1),
            GetLocal(0),
            Call(0, false),
            Pop,
            GetLocal(0),
            Call(0, false),
            GetLocal(1),
            Call(0, false),
            Print(2),
            GetLocal(0),
            Print(1),
            ReturnNil,
        ],
    );
    assert_eq!(run_ok(p), "2 1\n<fn inc>\n");
}

#[test]
fn nested_closure_captures_through_upvalue() {
    let mut a = Asm::new();
    let inner = a.declare("inner");
    let outer = a.declare("outer");
    // fn make_adder(k) { return fn(x) { return x + k; }; } via an intermediate level
    a.define(
        inner,
        1,
        0,
        vec![CaptureSource::Upvalue(0)],
        vec![GetLocal(0), GetUpvalue(0), Add, Return],
    );
    a.define(
        outer,
        0,
        0,
        vec![CaptureSource::Local(0)],
        vec![Closure(inner), Return],
    );
    let p = a.main(
        1,
        vec![
            Int(40),
            SetLocal(0),
            MakeCell(0),
            Closure(outer),
            Call(0, false),
            Int(2),
            Call(1, false),
            Print(1),
            ReturnNil,
        ],
    );
    assert_eq!(run_ok(p), "42\n");
}

#[test]
fn try_unwinds_across_frames_and_binds_the_error() {
    let mut a = Asm::new();
    let kind = a.s("DivisionByZero");
    let kind_field = a.s("kind");
    let message = a.s("message");
    let f = a.declare("divide");
    a.define(f, 2, 0, vec![], vec![GetLocal(0), GetLocal(1), Div, Return]);
    let p = a.main(
        1,
        vec![
            Try(5),            // 0 -> handler at 6
            Int(1),            // 1
            Int(0),            // 2
            CallDirect(f, 2),  // 3
            Print(1),          // 4 (not reached)
            EndTry,            // 5
            SetLocal(0),       // 6: handler, error on the stack
            GetLocal(0),       // 7
            ErrorKindIs(kind), // 8
            GetLocal(0),       // 9
            GetFieldByName(kind_field),
            GetLocal(0),
            GetFieldByName(message),
            GetLocal(0),
            Print(4),
            ReturnNil,
        ],
    );
    assert_eq!(
        run_ok(p),
        "true DivisionByZero division by zero DivisionByZero: division by zero\n"
    );
}

#[test]
fn uncaught_error_reports_kind_message_and_trace() {
    let mut a = Asm::new();
    let f = a.declare("f");
    a.define(f, 0, 0, vec![], vec![Int(1), Int(0), Mod, Return]);
    let p = a.main(0, vec![Jump(0), CallDirect(f, 0), Pop, ReturnNil]);
    let (_, r) = run(p);
    let e = r.unwrap_err();
    assert_eq!(e.kind, "DivisionByZero");
    assert_eq!(
        e.to_string(),
        "error[DivisionByZero]: modulo by zero\n  at f (test.lm:3:1)\n  at <script> (test.lm:2:1)"
    );
}

#[test]
fn runaway_recursion_is_a_stack_overflow() {
    let mut a = Asm::new();
    let f = a.declare("down");
    a.define(
        f,
        1,
        0,
        vec![],
        vec![GetLocal(0), AddImm(1), CallDirect(f, 1), Return],
    );
    let p = a.main(0, vec![Int(0), CallDirect(f, 1), Print(1), ReturnNil]);
    // Under Miri a lower limit, still far past the abbreviated trace.
    let (_, r) = run_with(p, if cfg!(miri) { 300 } else { 10_000 });
    let e = r.unwrap_err();
    assert_eq!(e.kind, "StackOverflow");
    assert!(e.trace.len() < 40, "trace is abbreviated");
    assert_eq!(e.trace[0].function, "down");
}

#[test]
fn deep_recursion_within_a_large_frame_limit_never_crashes_the_host() {
    // Script calls take no Rust stack, so a million frames show it; under
    // Miri (a thousand times slower) a smaller depth takes the same paths.
    const DEPTH: i32 = if cfg!(miri) { 300 } else { 1_000_000 };
    let mut a = Asm::new();
    let f = a.declare("down");
    // fn down(n) { if (n < 1) return 0; return down(n - 1) + 1; }
    a.define(
        f,
        1,
        0,
        vec![],
        vec![
            GetLocal(0),
            Int(1),
            JumpIfNot(crate::opcode::Ordering::Lt, 2),
            Int(0),
            Return,
            GetLocal(0),
            AddImm(-1),
            CallDirect(f, 1),
            AddImm(1),
            Return,
        ],
    );
    let p = a.main(0, vec![Int(DEPTH), CallDirect(f, 1), Print(1), ReturnNil]);
    let (_, r) = run_with(p, 2 * DEPTH as usize);
    assert!(r.is_ok());
    let p2 = {
        let mut a = Asm::new();
        let f = a.declare("down");
        a.define(
            f,
            1,
            0,
            vec![],
            vec![
                GetLocal(0),
                Int(1),
                JumpIfNot(crate::opcode::Ordering::Lt, 2),
                Int(0),
                Return,
                GetLocal(0),
                AddImm(-1),
                CallDirect(f, 1),
                AddImm(1),
                Return,
            ],
        );
        a.main(0, vec![Int(DEPTH), CallDirect(f, 1), Print(1), ReturnNil])
    };
    // The same depth past a frame limit (10 000, as `run`'s) is an error.
    let limit = DEPTH as usize / 100;
    assert_eq!(run_with(p2, limit).1.unwrap_err().kind, "StackOverflow");
}

#[test]
fn deep_nested_list_builds_prints_and_drops() {
    // Printing, comparing and dropping are iterative, so depth costs no
    // Rust stack; under Miri (a thousand times slower) a smaller depth
    // still takes every path.
    const DEPTH: i64 = if cfg!(miri) { 100 } else { 100_000 };
    let mut a = Asm::new();
    let n = a.constant(Constant::Int(DEPTH));
    let len = a.s("len");
    // var x = []; var i = 0; while (i < DEPTH) { x = [x]; i += 1; } print(str(x).len());
    let p = a.main(
        2,
        vec![
            NewList(0),
            SetLocal(0),
            Int(0),
            SetLocal(1),
            JumpIfLocalNotLtConst(1, n as u16, 5), // 4
            GetLocal(0),
            NewList(1),
            SetLocal(0),
            IncLocal(1, 1),
            Loop(6),
            GetLocal(0),
            Cast(crate::opcode::CastKind::Str),
            Invoke(len, 0, crate::opcode::Dispatch::Dynamic),
            GetLocal(0),
            GetLocal(0),
            Equal(false),
            Print(2),
            ReturnNil,
        ],
    );
    // DEPTH pairs of brackets around the innermost `[]`.
    assert_eq!(run_ok(p), format!("{} true\n", 2 * DEPTH + 2));
}

#[test]
fn collections_methods_iteration_and_interpolation() {
    let mut a = Asm::new();
    let push = a.s("push");
    let map = a.s("map");
    let k = a.s("k");
    let dash = a.s("-");
    let sq = a.declare("square");
    a.define(
        sq,
        1,
        0,
        vec![],
        vec![GetLocal(0), GetLocal(0), Mul, Return],
    );
    let p = a.main(
        3,
        vec![
            NewList(0),
            SetLocal(0),
            GetLocal(0),
            Int(3),
            Invoke(push, 1, crate::opcode::Dispatch::Dynamic),
            Pop,
            GetLocal(0),
            Int(4),
            Invoke(push, 1, crate::opcode::Dispatch::Dynamic),
            Pop,
            GetLocal(0),
            Closure(sq),
            Invoke(map, 1, crate::opcode::Dispatch::Dynamic),
            Print(1), // [9, 16]
            // iter (x in 0..3) print(x)
            Int(0),
            Int(3),
            NewRange(0),
            IterStart,
            IterNext(false, 2),
            Print(1),
            Loop(3),
            // dict {"k": 1}; iter (key, v in d) print("{key}-{v}")
            Const(k),
            Int(1),
            NewDict(1),
            IterStart,
            IterNext(true, 8),
            SetLocal(2),
            SetLocal(1),
            GetLocal(1),
            Const(dash),
            GetLocal(2),
            BuildString(3),
            Print(1),
            Loop(9),
            GetLocal(0),
            Int(-1),
            GetIndex,
            Print(1),
            GetLocal(0),
            Int(5),
            GetIndex,
            Print(1),
            ReturnNil,
        ],
    );
    let (out, r) = run(p);
    assert_eq!(out, "[9, 16]\n0\n1\n2\nk-1\n4\n");
    assert_eq!(r.unwrap_err().kind, "IndexOutOfBounds");
}

#[test]
fn classes_construct_dispatch_and_print() {
    let mut a = Asm::new();
    let area = a.s("area");
    let init = a.declare("init");
    let area_fn = a.declare("area");
    // frame Rect { w, h; init(w, h) { this.w = w; this.h = h; } area() { return this.w * this.h; } }
    a.define(
        init,
        3,
        0,
        vec![],
        vec![
            GetLocal(0),
            GetLocal(1),
            SetField(0),
            GetLocal(0),
            GetLocal(2),
            SetField(1),
            ReturnNil,
        ],
    );
    a.define(
        area_fn,
        1,
        0,
        vec![],
        vec![GetLocalField(0, 0), GetLocalField(0, 1), Mul, Return],
    );
    a.program.classes.push(ClassDef {
        name: "Rect".into(),
        field_names: vec!["w".into(), "h".into()],
        methods: vec![("init".into(), init), ("area".into(), area_fn)],
        ..Default::default()
    });
    let p = a.main(
        1,
        vec![
            Class(0),
            Int(2),
            Int(3),
            Call(2, false),
            SetLocal(0),
            GetLocal(0),
            Invoke(area, 0, crate::opcode::Dispatch::Cached),
            GetLocal(0),
            Invoke(area, 0, crate::opcode::Dispatch::Cached),
            Add,
            GetLocal(0),
            Print(2),
            ReturnNil,
        ],
    );
    assert_eq!(run_ok(p), "12 Rect { w: 2, h: 3 }\n");
}

#[test]
fn errors_as_values_propagate() {
    let mut a = Asm::new();
    let kind = a.s("NotFound");
    let msg = a.s("missing");
    let f = a.declare("find");
    let g = a.declare("wrapper");
    a.define(f, 0, 0, vec![], vec![Const(msg), MakeErr(kind), Return]);
    a.define(
        g,
        0,
        0,
        vec![],
        vec![CallDirect(f, 0), Propagate, AddImm(1), Return],
    );
    let p = a.main(0, vec![CallDirect(g, 0), Dup, IsError, Print(2), ReturnNil]);
    assert_eq!(run_ok(p), "NotFound: missing true\n");
}

#[test]
fn big_integers_and_float_printing() {
    let mut a = Asm::new();
    let max = a.constant(Constant::Int(i64::MAX));
    let f = a.constant(Constant::Float(std::hint::black_box(314159.0) / 100000.0));
    let p = a.main(
        0,
        vec![
            Const(max),
            Int(1),
            Add,
            Const(f),
            Int(2),
            Mul,
            Int(2),
            Mul,
            Int(7),
            Int(2),
            Div,
            Int(-7),
            Int(2),
            Mod,
            Print(4),
            ReturnNil,
        ],
    );
    assert_eq!(run_ok(p), "9223372036854775808 12.56636 3 -1\n");
}

#[test]
fn invalid_programs_are_rejected_not_crashed() {
    let a = Asm::new();
    let p = a.main(0, vec![Jump(100)]);
    let (_, r) = run(p);
    assert!(r.unwrap_err().message.contains("invalid program"));
}

#[test]
fn resume_native_is_reserved_for_the_vm() {
    // `ResumeNative` reads a continuation frame's state from its slots: a
    // program that holds it is invalid, and cannot call the VM's own
    // continuation functions (they lie past the program's functions).
    let a = Asm::new();
    let p = a.main(0, vec![ResumeNative, ReturnNil]);
    let message = run(p).1.unwrap_err().message;
    assert!(message.contains("reserved for the VM"), "{message}");
    let a = Asm::new();
    let p = a.main(0, vec![CallDirect(1, 0), ReturnNil]);
    let message = run(p).1.unwrap_err().message;
    assert!(message.contains("function index out of range"), "{message}");
}

#[test]
fn captures_and_back_edges_out_of_range_are_rejected() {
    // A closure copying local 5 of a frame with one slot.
    let mut a = Asm::new();
    let f = a.declare("f");
    a.define(f, 0, 0, vec![CaptureSource::LocalValue(5)], vec![ReturnNil]);
    let p = a.main(1, vec![Closure(f), Pop, ReturnNil]);
    let message = run(p).1.unwrap_err().message;
    assert!(message.contains("capture out of range"), "{message}");
    // A back edge jumping before the function's first instruction (its
    // fallback goes one further back).
    let a = Asm::new();
    let p = a.main(
        1,
        vec![Int(0), SetLocal(0), LoopIfLtConst(0, 0, 3), ReturnNil],
    );
    let message = run(p).1.unwrap_err().message;
    assert!(message.contains("out of range"), "{message}");
}

#[test]
fn assigning_a_copied_capture_is_an_error_not_a_crash() {
    // The compiler copies only variables nothing assigns; a program that
    // assigns one anyway gets a runtime error.
    let mut a = Asm::new();
    let f = a.declare("f");
    a.define(
        f,
        0,
        0,
        vec![CaptureSource::LocalValue(0)],
        vec![Int(2), SetUpvalue(0), GetUpvalue(0), Return],
    );
    let p = a.main(
        1,
        vec![
            Int(1),
            SetLocal(0),
            Closure(f),
            Call(0, false),
            Print(1),
            ReturnNil,
        ],
    );
    let e = run(p).1.unwrap_err();
    assert!(
        e.message
            .contains("assignment to a variable captured by value"),
        "{e}"
    );
}

#[test]
fn fast_paths_match_the_generic_behaviour() {
    let mut a = Asm::new();
    let push = a.s("push");
    let len = a.s("len");
    let p = a.main(
        1,
        vec![
            NewList(0),
            SetLocal(0),
            GetLocal(0),
            Int(7),
            Invoke(push, 1, crate::opcode::Dispatch::Dynamic),
            Pop,
            GetLocal(0),
            Int(0),
            Int(9),
            SetIndex,
            GetLocal(0),
            Int(0),
            GetIndex,
            GetLocal(0),
            Invoke(len, 0, crate::opcode::Dispatch::Dynamic),
            // An optional holding 0 tests true: only nil/false/errors are false.
            Int(0),
            JumpIf(false, 1),
            Bool(true),
            Print(3),
            GetLocal(0),
            Int(1),
            Int(1),
            SetIndex,
            ReturnNil,
        ],
    );
    let (out, r) = run(p);
    assert_eq!(out, "9 1 true\n");
    assert_eq!(r.unwrap_err().kind, "IndexOutOfBounds");
}

#[test]
fn a_task_vm_shares_the_prototypes_of_the_vm_that_opened_the_block() {
    let mut a = Asm::new();
    let double = a.declare("double");
    a.define(
        double,
        1,
        0,
        vec![],
        vec![GetLocal(0), GetLocal(0), Add, Return],
    );
    let program = a.main(0, vec![ReturnNil]);
    let vm = Vm::new(program, VmOptions::default());
    // The program the VM keeps for its tasks holds no code: the code is in
    // the prototypes, once.
    let kept = vm.conc.program.clone().expect("a program");
    assert!(kept.functions.iter().all(|f| f.code.is_empty()));
    assert_eq!(
        vm.functions[double as usize].code.len(),
        5,
        "with its guard"
    );
    let task = Vm::for_task(
        kept,
        &vm.functions,
        vm.first_continuation,
        VmOptions::default(),
    );
    assert_eq!(task.functions.len(), vm.functions.len());
    assert!(task
        .functions
        .iter()
        .zip(&vm.functions)
        .all(|(t, v)| std::sync::Arc::ptr_eq(t, v)));
}

/// Two classes of one field each, `Plain` marked acyclic and `Node` not;
/// `Node` has a `deinit` printing "bye" when `with_deinit`.
fn two_classes(a: &mut Asm, with_deinit: bool) {
    let mut node = ClassDef {
        name: "Node".into(),
        field_names: vec!["x".into()],
        ..Default::default()
    };
    if with_deinit {
        let deinit = a.declare("Node.deinit");
        let bye = a.s("bye");
        a.define(deinit, 1, 0, vec![], vec![Const(bye), Print(1), ReturnNil]);
        node.methods.push(("deinit".into(), deinit));
    }
    a.program.classes.push(ClassDef {
        name: "Plain".into(),
        field_names: vec!["x".into()],
        acyclic: true,
        ..Default::default()
    });
    a.program.classes.push(node);
}

fn keeping(program: Program) -> Vm {
    let options = VmOptions {
        capture_output: true,
        keep_values_at_exit: true,
        ..Default::default()
    };
    Vm::new(program, options)
}

#[test]
fn only_instances_of_classes_that_may_be_cyclic_are_registered() {
    let mut a = Asm::new();
    two_classes(&mut a, false);
    let p = a.main(
        2,
        vec![
            NewInstance(0, 0),
            SetLocal(0),
            NewInstance(1, 0),
            SetLocal(1),
            ReturnNil,
        ],
    );
    let mut vm = keeping(p);
    let before = crate::gc::registered();
    vm.run().expect("runs");
    // Both instances are kept, alive; only `Node`'s is registered.
    assert_eq!(vm.kept_at_exit.len(), 2);
    assert_eq!(crate::gc::registered(), before + 1);
    assert!(vm.teardown_is_unobservable());
    drop(vm);
    assert_eq!(crate::gc::registered(), before);
}

#[test]
fn values_are_kept_at_exit_only_when_asked_and_no_deinit_can_run() {
    let code = || vec![NewInstance(1, 0), SetLocal(0), ReturnNil];
    let mut a = Asm::new();
    two_classes(&mut a, false);
    let mut vm = Vm::new(
        a.main(1, code()),
        VmOptions {
            capture_output: true,
            ..Default::default()
        },
    );
    vm.run().expect("runs");
    assert!(vm.kept_at_exit.is_empty());

    let mut a = Asm::new();
    two_classes(&mut a, true);
    let mut vm = keeping(a.main(1, code()));
    vm.run().expect("runs");
    // Released at the end of the run, so that its `deinit` ran.
    assert!(vm.kept_at_exit.is_empty());
    assert!(!vm.teardown_is_unobservable());
    assert_eq!(vm.take_output(), "bye\n");
}

#[test]
fn new_instance_takes_its_first_fields_from_the_stack() {
    let mut a = Asm::new();
    a.program.classes.push(ClassDef {
        name: "Pair".into(),
        field_names: vec!["a".into(), "b".into()],
        acyclic: true,
        ..Default::default()
    });
    let p = a.main(
        1,
        vec![
            Int(1),
            Int(2),
            NewInstance(0, 2),
            SetLocal(0),
            GetLocal(0),
            GetField(0),
            GetLocal(0),
            GetField(1),
            Print(2),
            // One value given: the other field is nil.
            Int(3),
            NewInstance(0, 1),
            SetLocal(0),
            GetLocal(0),
            GetField(0),
            GetLocal(0),
            GetField(1),
            Print(2),
            ReturnNil,
        ],
    );
    assert_eq!(run_ok(p), "1 2\n3 nil\n");
}

#[test]
fn new_instance_with_more_values_than_fields_is_a_type_error() {
    let mut a = Asm::new();
    a.program.classes.push(ClassDef {
        name: "One".into(),
        field_names: vec!["a".into()],
        ..Default::default()
    });
    let p = a.main(0, vec![Int(1), Int(2), NewInstance(0, 2), Pop, ReturnNil]);
    let (_, r) = run(p);
    let e = r.expect_err("too many values");
    assert_eq!(e.kind, "TypeError");
}

/// `program`'s output and result run by the dispatch loop's fast paths,
/// and with `stats` on (every instruction by `Vm::step`).
fn run_both_ways(program: Program) -> [(String, Result<(), RuntimeError>); 2] {
    [false, true].map(|stats| {
        let options = VmOptions {
            capture_output: true,
            stats,
            ..Default::default()
        };
        let mut vm = Vm::new(program.clone(), options);
        let r = vm.run();
        (vm.take_output(), r)
    })
}

#[test]
fn add_to_entry_updates_a_present_key_and_inserts_a_missing_one() {
    let mut a = Asm::new();
    let (key_a, key_b) = (a.s("a"), a.s("b"));
    let max = a.constant(Constant::Int(i64::MAX));
    // var d = {"a": 1}; var k = "a";
    // d[k] = d.get_or(k, 0) + 5; k = "b"; d[k] = d.get_or(k, 10) + 5;
    // d[k] = d.get_or(k, 0) + max (past 64 bits); print(d)
    let p = a.main(
        2,
        vec![
            Const(key_a),
            Int(1),
            NewDict(1),
            SetLocal(0),
            Const(key_a),
            SetLocal(1),
            Int(0),
            Int(5),
            AddToEntryLocals(0, 1),
            Const(key_b),
            SetLocal(1),
            Int(10),
            Int(5),
            AddToEntryLocals(0, 1),
            GetLocal(0),
            Print(1),
            Int(0),
            Const(max),
            AddToEntryLocals(0, 1),
            GetLocal(0),
            Print(1),
            ReturnNil,
        ],
    );
    for (out, r) in run_both_ways(p) {
        r.expect("runs");
        assert_eq!(
            out,
            "{\"a\": 6, \"b\": 15}\n{\"a\": 6, \"b\": 9223372036854775822}\n"
        );
    }
}

#[test]
fn add_to_entry_raises_what_the_store_or_the_method_call_raises() {
    // A list key is looked up (not found) and then refused by the store.
    let a = Asm::new();
    let p = a.main(
        2,
        vec![
            NewDict(0),
            SetLocal(0),
            NewList(0),
            SetLocal(1),
            Int(0),
            Int(1),
            AddToEntryLocals(0, 1),
            ReturnNil,
        ],
    );
    for (_, r) in run_both_ways(p) {
        let e = r.expect_err("a list is no key");
        assert_eq!(e.kind, "TypeError");
        assert!(e.message.contains("cannot be a dict key"), "{}", e.message);
    }
    // A receiver that is not a dict has no `get_or`.
    let mut a = Asm::new();
    let key = a.s("k");
    let p = a.main(
        2,
        vec![
            Int(3),
            SetLocal(0),
            Const(key),
            SetLocal(1),
            Int(0),
            Int(1),
            AddToEntryLocals(0, 1),
            ReturnNil,
        ],
    );
    for (_, r) in run_both_ways(p) {
        let e = r.expect_err("an int has no get_or");
        assert_eq!(e.kind, "TypeError");
        assert!(e.message.contains("get_or"), "{}", e.message);
    }
}
