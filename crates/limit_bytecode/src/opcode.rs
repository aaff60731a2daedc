//! The instruction set: the specification of the Limit machine.
//!
//! The machine is a stack machine. Every instruction is declared once, in
//! the table below: its operands with the kind of each (what an index
//! points into, or how a number is read: `table::OperandKind`), its stack
//! effect as counts and, in its documentation, as `[before] -> [after]`
//! (top of the stack on the right), and the runtime errors it can raise.
//! `docs/bytecode.md` is generated from the table.
//!
//! Conventions used throughout:
//! * `slot` is a local slot: the value lives at `stack[base + slot]` of the
//!   current frame (see `program.rs` for the calling convention).
//! * `k` is an index into `Program::constants`.
//! * `g` is an index into `Program::globals`.
//! * Jump offsets are relative to the instruction *after* the jump:
//!   `target = index_of_jump + 1 + offset`. `Loop(n)` jumps backwards:
//!   `target = index_of_loop + 1 - n`.
//! * Arithmetic works on any operand types (int, big int, float, strings
//!   for `+`, …) and raises `TypeError` for unsupported mixes; the VM
//!   takes a fast path for two ints or two floats. There are no typed
//!   variants: a fast path guarded by the operands' tags costs as little.
//! * Families that differ only in an operator take it as an operand
//!   (`Compare(order)`, `JumpIf(when, …)`, `ArithLocals(op, …)`), as Lua's
//!   `OP_LT`/`OP_LE` pair takes `k`.
//! * Int arithmetic never wraps: on i64 overflow the result is promoted to a
//!   big integer, and big results that fit are demoted back.

use crate::table::OperandKind;

/// Which conversion `Cast` performs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum CastKind {
    /// `int(x)`: truncates floats, parses strings (ConversionError on bad text).
    Int,
    /// `float(x)`.
    Float,
    /// `str(x)`: the printed form.
    Str,
    /// `bool(x)`: nil, false, 0, 0.0, "" and empty collections are false.
    Bool,
    /// A value entering a `float`-typed place (a variable, parameter,
    /// return, field or element; reference.md §3.2): an int becomes a
    /// float; anything else (a float, an error flowing through `float?`)
    /// passes unchanged.
    IntToFloat,
    /// `x as int` (and the sized ints): as `Int`, but a float with a
    /// fraction raises ConversionError rather than being truncated (a cast
    /// does not lose information, reference.md §3.3b).
    IntExact,
}

/// The ordering a comparison tests, as the operand of [`Op::Compare`] and
/// the fused compare-and-branch instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Ordering {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Ordering {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Ordering::Lt => "<",
            Ordering::Le => "<=",
            Ordering::Gt => ">",
            Ordering::Ge => ">=",
        }
    }

    /// Whether `a order b` holds.
    #[inline(always)]
    pub fn test<T: PartialOrd>(self, a: &T, b: &T) -> bool {
        match self {
            Ordering::Lt => a < b,
            Ordering::Le => a <= b,
            Ordering::Gt => a > b,
            Ordering::Ge => a >= b,
        }
    }
}

/// A binary operator, as the operand of [`Op::Binary`] and of the
/// superinstructions that apply one (`ArithLocals`, `ArithLocal`,
/// `Products`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
}

impl BinaryOp {
    /// Every operator, in operand-code order.
    pub const ALL: [BinaryOp; 11] = [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Mod,
        BinaryOp::Pow,
        BinaryOp::BitAnd,
        BinaryOp::BitOr,
        BinaryOp::BitXor,
        BinaryOp::Shl,
        BinaryOp::Shr,
    ];

    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        ["+", "-", "*", "/", "%", "**", "&", "|", "^", "<<", ">>"][self as usize]
    }
}

/// How [`Op::Invoke`] finds the method it calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Dispatch {
    /// By name, on a receiver of any kind.
    Dynamic,
    /// Through the receiver's class with a per-call-site inline cache.
    Cached,
    /// As `Cached`, on a receiver of unknown static type (`any`): the
    /// method found checks its arguments against its parameters' types.
    Any,
}

/// The sized int types, as the operand of [`Op::CheckIntRange`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum IntWidth {
    I8,
    I16,
    I32,
    I64,
    I128,
    U8,
    U16,
    U32,
    U64,
    U128,
    /// `uint`: any non-negative int.
    Uint,
}

impl IntWidth {
    /// Every width, in operand-code order.
    pub const ALL: [IntWidth; 11] = [
        IntWidth::I8,
        IntWidth::I16,
        IntWidth::I32,
        IntWidth::I64,
        IntWidth::I128,
        IntWidth::U8,
        IntWidth::U16,
        IntWidth::U32,
        IntWidth::U64,
        IntWidth::U128,
        IntWidth::Uint,
    ];

    /// The width a type name denotes (`u8`, `i32`, `uint`, …).
    pub fn from_name(name: &str) -> Option<IntWidth> {
        let names = [
            "i8", "i16", "i32", "i64", "i128", "u8", "u16", "u32", "u64", "u128", "uint",
        ];
        names
            .iter()
            .position(|n| *n == name)
            .map(|i| IntWidth::ALL[i])
    }

    /// The type's name.
    pub fn name(self) -> &'static str {
        [
            "i8", "i16", "i32", "i64", "i128", "u8", "u16", "u32", "u64", "u128", "uint",
        ][self as usize]
    }

    /// The operand code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Added to a width's code when the check is an `as` cast, whose
    /// failure is a `ConversionError` rather than an `IntegerOverflow`.
    pub const CAST: u8 = 0x80;

    /// The width of an operand code (with or without [`IntWidth::CAST`]).
    pub fn from_code(code: u8) -> Option<IntWidth> {
        IntWidth::ALL
            .get((code & !IntWidth::CAST) as usize)
            .copied()
    }

    /// Whether `value` fits this width.
    pub fn contains(self, value: &num_bigint::BigInt) -> bool {
        use num_traits::Signed;
        let (bits, signed) = self.bounds();
        let one = num_bigint::BigInt::from(1);
        match (bits, signed) {
            (None, _) => !value.is_negative(),
            (Some(bits), true) => {
                let limit: num_bigint::BigInt = &one << (bits - 1);
                *value >= -limit.clone() && *value < limit
            }
            (Some(bits), false) => !value.is_negative() && *value < (&one << bits),
        }
    }

    /// `(bits, signed)`; `uint` is unbounded above.
    pub fn bounds(self) -> (Option<u32>, bool) {
        match self {
            IntWidth::I8 => (Some(8), true),
            IntWidth::I16 => (Some(16), true),
            IntWidth::I32 => (Some(32), true),
            IntWidth::I64 => (Some(64), true),
            IntWidth::I128 => (Some(128), true),
            IntWidth::U8 => (Some(8), false),
            IntWidth::U16 => (Some(16), false),
            IntWidth::U32 => (Some(32), false),
            IntWidth::U64 => (Some(64), false),
            IntWidth::U128 => (Some(128), false),
            IntWidth::Uint => (None, false),
        }
    }
}

// ------------------------------------------------------------------------
// The instruction table: every instruction, declared once. From it come
// `Op`, `INSTRUCTIONS` (the disassembler, `Program::validate`, the
// optimiser's operand visitor) and docs/bytecode.md (`reference.rs`).
// Operand kinds are `table::OperandKind`; `[pops => pushes]` is the stack
// effect (`_`: decided when it runs); `raises(…)` the error kinds.
crate::table::instructions! {
    group "stack" {
        /// Discard the top value. `[a] -> []`.
        Pop [1 => 0] raises();
        /// Record the operand stack's height (above the frame's base) in local
        /// `slot`, as an int: a loop body's start, for `CutToHeight`. `[] -> []`.
        MarkHeight(slot: Local u16) [0 => 0] raises();
        /// Drop every value above the height `MarkHeight` recorded in local
        /// `slot`: `break`/`continue` out of a `?else` handler inside a larger
        /// expression leaves that expression's operands behind. `[..] -> []`.
        CutToHeight(slot: Local u16) [_ => 0] raises();
        /// Duplicate the top value. `[a] -> [a, a]`.
        Dup [1 => 2] raises();
        /// Exchange the top two values. `[a, b] -> [b, a]`.
        Swap [2 => 2] raises();
        /// Copy the second value to the top. `[a, b] -> [a, b, a]`.
        Over [2 => 3] raises();
    }
    group "constants" {
        /// Push constant `k`. `[] -> [constants[k]]`.
        Const(k: Constant u32) [0 => 1] raises();
        /// Push a small integer. `[] -> [n]`.
        Int(n: Immediate i32) [0 => 1] raises();
        /// Push nil. `[] -> [nil]`.
        Nil [0 => 1] raises();
        /// Push a bool. `[] -> [value]`.
        Bool(value: Flags bool) [0 => 1] raises();
    }
    group "locals" {
        /// Push a local. `[] -> [locals[slot]]`.
        GetLocal(slot: Local u16) [0 => 1] raises();
        /// Pop into a local (statement form). `[v] -> []`, `locals[slot] = v`.
        SetLocal(slot: Local u16) [1 => 0] raises();
        /// Push two locals. `[] -> [locals[a], locals[b]]`.
        GetLocal2(a: Local u16, b: Local u16) [0 => 2] raises();
    }
    group "captured-variable cells" {
        /// Wrap the current value of a local in a fresh cell, in place:
        /// `locals[slot] = Cell(locals[slot])`. `[] -> []`. Emitted where a
        /// captured variable is declared (and at the start of each loop iteration
        /// for a captured loop variable, giving each iteration a fresh cell).
        MakeCell(slot: Local u16) [0 => 0] raises();
        /// Read through the cell held in a local. `[] -> [*locals[slot]]`.
        GetCell(slot: Local u16) [0 => 1] raises();
        /// Write through the cell held in a local. `[v] -> []`, `*locals[slot] = v`.
        SetCell(slot: Local u16) [1 => 0] raises();
        /// Read captured variable `i` of the running closure. `[] -> [*captures[i]]`.
        GetUpvalue(i: Upvalue u16) [0 => 1] raises();
        /// Write captured variable `i` of the running closure. `[v] -> []`.
        SetUpvalue(i: Upvalue u16) [1 => 0] raises();
    }
    group "globals" {
        /// Push global `g` (nil until defined). `[] -> [globals[g]]`.
        GetGlobal(g: Global u32) [0 => 1] raises();
        /// Pop into global `g`. `[v] -> []`.
        SetGlobal(g: Global u32) [1 => 0] raises();
    }
    group "generic arithmetic" {
        /// `[a, b] -> [a + b]`. Numbers add (int overflow promotes to big int);
        /// str + str concatenates; str + number / number + str concatenates the
        /// number's text; list + list concatenates. Errors: TypeError.
        Add [2 => 1] raises(TypeError);
        /// `[a, b] -> [a - b]`. Errors: TypeError.
        Sub [2 => 1] raises(TypeError);
        /// `[a, b] -> [a * b]`. Also str * int repeats. Errors: TypeError.
        Mul [2 => 1] raises(TypeError);
        /// `[a, b] -> [a / b]`. Int / int truncates toward zero; float division by
        /// zero gives inf/nan. Errors: DivisionByZero (int), TypeError.
        Div [2 => 1] raises(DivisionByZero, TypeError);
        /// `[a, b] -> [a % b]`, sign of the dividend. Errors: DivisionByZero (int), TypeError.
        Mod [2 => 1] raises(DivisionByZero, TypeError);
        /// `[a, b] -> [a op b]` for the operators without an instruction of
        /// their own: `**` (int ** non-negative int is int, big when large;
        /// otherwise float; ResourceLimit for absurd exponents), the bitwise
        /// `&`, `|`, `^` on ints, and the shifts `<<` (promotes to big int) and
        /// `>>` (arithmetic), whose negative or huge counts raise
        /// IntegerOverflow. Any other operator works as its own instruction
        /// does. Errors: TypeError, DivisionByZero, ResourceLimit, IntegerOverflow.
        Binary(op: Operator BinaryOp) [2 => 1] raises(TypeError, DivisionByZero, ResourceLimit, IntegerOverflow);
        /// `[a] -> [-a]`. Errors: TypeError.
        Neg [1 => 1] raises(TypeError);
        /// Logical not of a bool (truthiness for other values). `[a] -> [!a]`.
        Not [1 => 1] raises();
        /// `[a] -> [~a]` on ints. Errors: TypeError.
        BitNot [1 => 1] raises(TypeError);
        /// Structural equality (`1 == 1.0` is true), negated for `!=`.
        /// `[a, b] -> [(a == b) != negated]`.
        Equal(negated: Flags bool) [2 => 1] raises();
        /// `[a, b] -> [a order b]` for numbers, strings, lists/tuples
        /// (lexicographic). Errors: TypeError.
        Compare(order: Order Ordering) [2 => 1] raises(TypeError);
    }
    group "arithmetic with an immediate" {
        /// Add an immediate. `[a] -> [a + n]`. Errors: TypeError.
        AddImm(n: Immediate i32) [1 => 1] raises(TypeError);
        /// Remainder by an immediate. `[a] -> [a % n]`. Errors: DivisionByZero, TypeError.
        ModImm(n: Immediate i32) [1 => 1] raises(DivisionByZero, TypeError);
    }
    group "superinstructions" {
        /// `GetLocal a; GetLocal b; Binary(op)` for `+`, `-`, `*`, `%`.
        /// `[] -> [locals[a] op locals[b]]`. Errors: as the operator's.
        ArithLocals(op: Operator BinaryOp, a: Local u16, b: Local u16) [0 => 1] raises(TypeError, DivisionByZero);
        /// Increment a local in place: `locals[slot] = locals[slot] + n`. `[] -> []`.
        /// Errors: TypeError.
        IncLocal(slot: Local u16, n: Immediate i32) [0 => 0] raises(TypeError);
        /// `GetLocal slot; GetField(field)`. `[] -> [locals[slot].fields[field]]`.
        /// Errors: NilAccess, TypeError.
        GetLocalField(slot: Local u16, field: Field u16) [0 => 1] raises(NilAccess, TypeError);
        /// `Compare(order); JumpIf(false, offset)`. `[a, b] -> []`, jumps when
        /// `!(a order b)`. Errors: TypeError.
        JumpIfNot(order: Order Ordering, offset: Jump i32) [2 => 0] raises(TypeError);
        /// `Equal(negated); JumpIf(false, offset)`. `[a, b] -> []`, jumps when
        /// `(a == b) == negated`.
        JumpIfNotEqual(negated: Flags bool, offset: Jump i32) [2 => 0] raises();
        /// `GetLocal slot; Const k; Lt; JumpIfFalse(offset)` — the loop test
        /// `while (i < LIMIT)`. `[] -> []`. Errors: TypeError.
        JumpIfLocalNotLtConst(slot: Local u8, k: Constant u16, offset: Jump i32) [0 => 0] raises(TypeError);
    }
    group "register-style superinstructions" {
        // Operands read straight from local slots, so the hot arithmetic of a
        // loop body needs neither pushes of locals nor separate jumps. Each
        // falls back to the generic operator for other operand types.
        /// `GetLocal a; GetLocal b; Mul; GetLocal c; GetLocal d; Mul; Add` (or
        /// `Sub` for `op` `-`): `[] -> [locals[a] * locals[b] op locals[c] *
        /// locals[d]]` (dot products, squared lengths, complex arithmetic).
        /// Emitted only where the checker typed all four as numbers, so nothing
        /// can fail (int overflow becomes a big integer, as with `Mul` and `Add`).
        Products(op: Operator BinaryOp, a: Local u8, b: Local u8, c: Local u8, d: Local u8) [0 => 1] raises();
        /// `GetLocal s; Binary(op)` for `+`, `-`, `*`. `[x] -> [x op locals[s]]`.
        /// Errors: as the operator's.
        ArithLocal(op: Operator BinaryOp, slot: Local u16) [1 => 1] raises(TypeError, DivisionByZero);
        /// `GetLocal a; GetLocal b; Add; SetLocal a` (`a = a + b`), in place.
        /// `[] -> []`. Errors: as `Add`.
        AddAssignLocal(a: Local u16, b: Local u16) [0 => 0] raises(TypeError);
        /// `GetLocal from; SetLocal to`. `[] -> []`, `locals[to] = locals[from]`.
        MoveLocal(from: Local u16, to: Local u16) [0 => 0] raises();
        /// `GetLocal s; JumpIf(when, offset)`. `[] -> []`.
        JumpIfLocal(when: Flags bool, slot: Local u16, offset: Jump i32) [0 => 0] raises();
        /// `GetLocal s; JumpIfNot(order, offset)`: `[x] -> []`, jumps when
        /// `!(x order locals[s])`. Errors: TypeError.
        JumpIfNotLocal(order: Order Ordering, slot: Local u16, offset: Jump i32) [1 => 0] raises(TypeError);
        /// `Int(n); JumpIfNotEqual(false, offset)`: `[x] -> []`, jumps when `x != n`.
        JumpIfNotEqImm(n: Immediate i16, offset: Jump i32) [1 => 0] raises();
        /// `GetLocal a; GetLocal b; GetIndex`. `[] -> [locals[a][locals[b]]]`.
        /// Errors: as `GetIndex`.
        IndexLocals(a: Local u16, b: Local u16) [0 => 1] raises(IndexOutOfBounds, KeyNotFound, NilAccess, TypeError);
        /// `locals[a][locals[b]] = v` (the value is computed first; emitted only
        /// when that cannot change either local). `[v] -> []`. Errors: as `SetIndex`.
        SetIndexLocals(a: Local u16, b: Local u16) [1 => 0] raises(IndexOutOfBounds, NilAccess, TypeError);
        /// `d[k] = d.get_or(k, default) + x` for two locals `d = locals[a]`
        /// and `k = locals[b]`: the entry is found once, and updated in
        /// place when present. `[default, x] -> []`. Emitted only where
        /// the checker typed `d` as a dict of ints, `k` as a str or int
        /// and `default` and `x` as ints (so nothing but the store can
        /// fail), with `x` a literal or a variable (read before the
        /// lookup, which nothing observes). Errors: as `SetIndex`.
        AddToEntryLocals(a: Local u16, b: Local u16) [2 => 0] raises(TypeError);
        /// `Const k; GetLocal s; Mul` (k a number). `[] -> [k * locals[s]]`.
        /// Errors: as `Mul`.
        MulConstLocal(k: Constant u16, slot: Local u16) [0 => 1] raises(TypeError);
        /// `Const k; JumpIfNot<order>(offset)` (k a number). `[x] -> []`, jumps
        /// when `!(x order k)`. Errors: TypeError.
        JumpIfNotConst(order: Order Ordering, k: Constant u16, offset: Jump i32) [1 => 0] raises(TypeError);
        /// `GetLocal a; GetLocal b; JumpIfNot<order>(offset)`: the test of
        /// `while (a <= b)`. `[] -> []`, jumps when `!(locals[a] order locals[b])`.
        /// Errors: TypeError.
        JumpIfNotLocals(order: Order Ordering, a: Local u8, b: Local u8, offset: Jump i32) [0 => 0] raises(TypeError);
        /// `GetLocal s; AddImm(n)`. `[] -> [locals[s] + n]`. Errors: as `Add`.
        AddImmLocal(slot: Local u16, n: Immediate i32) [0 => 1] raises(TypeError);
        /// `GetLocal s; ModImm(n)`: `[] -> [locals[s] % n]` (`n % 2 == 0`,
        /// `i % width`). Errors: as `Mod`.
        ModImmLocal(slot: Local u16, n: Immediate i32) [0 => 1] raises(DivisionByZero, TypeError);
        /// `Add; SetLocal d`. `[a, b] -> []`, `locals[d] = a + b`. Errors: as `Add`.
        AddStore(to: Local u16) [2 => 0] raises(TypeError);
        /// `IncLocal(s, n); Loop(back)`: the step and back edge of a counting
        /// loop. `[] -> []`. Errors: as `IncLocal`.
        IncLocalLoop(slot: Local u8, n: Immediate i16, back: Back u32) [0 => 0] raises(TypeError) terminator;
        /// The back edge of a counting loop whose head is
        /// `JumpIfLocalNotLtConst(s, k, …)`, testing the condition itself
        /// instead of jumping to the head to test it: `locals[s] += 1`, then
        /// jump back by `back` (to the instruction after the head) when
        /// `locals[s] < constants[k]`, else fall through out of the loop. For
        /// operands other than ints it increments as `IncLocal` and jumps to the
        /// head (one further back), whose test reports any error. `[] -> []`.
        IncLoopLtConst(slot: Local u8, k: Constant u16, back: BackAfterHead u32) [0 => 0] raises(TypeError);
        /// As `IncLoopLtConst` for a head `JumpIfNotLocals(order, s, b, …)`:
        /// `locals[s] += 1`, then jump back by `back` when
        /// `locals[s] order locals[b]`. `[] -> []`.
        IncLoopLocals(order: Order Ordering, slot: Local u8, b: Local u8, back: BackAfterHead u32) [0 => 0] raises(TypeError);
        /// The back edge (`Loop`) of a loop whose head is
        /// `JumpIfNotLocals(order, a, b, …)`, testing the condition itself:
        /// jump back by `back` (to the instruction after the head) when
        /// `locals[a] order locals[b]` for two ints or two floats, else fall
        /// through out of the loop; for other operands jump to the head, whose
        /// test reports any error. `[] -> []`.
        LoopIfLocals(order: Order Ordering, a: Local u8, b: Local u8, back: BackAfterHead u32) [0 => 0] raises();
        /// As `LoopIfLocals` for a head `JumpIfLocalNotLtConst(s, k, …)`: jump
        /// back when `locals[s] < constants[k]` (two ints). `[] -> []`.
        LoopIfLtConst(slot: Local u8, k: Constant u16, back: BackAfterHead u32) [0 => 0] raises();
    }
    group "control flow" {
        /// Unconditional jump. `[] -> []`.
        Jump(offset: Jump i32) [0 => 0] raises() terminator;
        /// Pop; jump when the value's truthiness is `when` (nil and false are
        /// falsy). `[c] -> []`.
        JumpIf(when: Flags bool, offset: Jump i32) [1 => 0] raises();
        /// For `and` (`when` false) and `or` (`when` true): jump keeping the
        /// value when its truthiness is `when`, otherwise pop it.
        /// `[c] -> [c]` (jumping) or `[c] -> []` (falling through).
        JumpIfKeep(when: Flags bool, offset: Jump i32) [1 => _] raises();
        /// Jump backwards by `n` (loops). `[] -> []`.
        Loop(back: Back u32) [0 => 0] raises() terminator;
    }
    group "calls" {
        /// Call a function value. `[callee, a1..an] -> [result]`. The callee may
        /// be a closure, a native function, a bound method, a class (constructs
        /// an instance and runs `init`) or an enum-variant constructor.
        /// Missing trailing arguments (down to `required`) are filled with nil.
        /// With `checked` (a callee whose static type is not a known function:
        /// `any`), the caller proved nothing about the arguments, so a Limit
        /// function it reaches checks them against its parameters' declared
        /// types (`FunctionProto::param_checks`) before it runs.
        /// Errors: TypeError (not callable / wrong argument count),
        /// StackOverflow, ConversionError (`checked`).
        Call(argc: Count u8, checked: Flags bool) [(argc + 1) => 1] raises(TypeError, StackOverflow, Callee, ConversionError);
        /// Call function `fn_index` directly (it must capture nothing).
        /// `[a1..an] -> [result]`. Errors: TypeError (argument count), StackOverflow.
        CallDirect(function: Function u32, argc: Count u8) [argc => 1] raises(TypeError, StackOverflow, Callee);
        /// Call built-in function `native` (see `runtime::builtins::BUILTINS`).
        /// `[a1..an] -> [result]`. Errors: whatever the built-in raises.
        CallNative(native: Native u16, argc: Count u8) [argc => 1] raises(TypeError, Callee);
        /// Push built-in function `native` as a value. `[] -> [native]`.
        GetNative(native: Native u16) [0 => 1] raises();
        /// Return from the current function. `[.. result] -> ` caller `[.. result]`
        /// (the callee slot and arguments are replaced by the result).
        Return [_ => _] raises() terminator;
        /// Return nil from the current function.
        ReturnNil [_ => _] raises() terminator;
        /// Take the next step of the built-in method whose continuation frame
        /// is running (`list.map(f)`, …: interp/callbacks.rs): call the
        /// callback on the next item, or return the method's result. Only the
        /// VM's own continuation functions hold it; `Program::validate`
        /// rejects it elsewhere.
        ResumeNative [_ => _] raises(Callee) reserved;
        /// Build a closure of function `proto`, capturing per `proto.captures`:
        /// `CaptureSource::Local(slot)` takes the cell in the current frame's
        /// `locals[slot]` (emit `MakeCell(slot)` first), `LocalValue(slot)`
        /// copies the value there, `CaptureSource::Upvalue(i)` takes the running
        /// closure's capture `i`. `[] -> [closure]`.
        Closure(function: Function u32) [0 => 1] raises();
        /// Call method `constants[name]` on a value. `[receiver, a1..an] ->
        /// [result]`. Built-in types (str, list, dict, range, tuple, error)
        /// dispatch on the interned method name; instances look the method up
        /// in their class (`this` is slot 0 of the method). A dict whose key
        /// `name` holds a function calls that function, unless `name` is a
        /// built-in dict method (the method wins). `via` says how
        /// ([`Dispatch`]): `Dynamic` looks an instance's method up by name;
        /// `Cached` through its class's method table with a per-call-site inline
        /// cache (class id → method); `Any`, on a receiver of unknown static type,
        /// as `Cached`, and the method found checks its arguments as a checked
        /// `Call`'s callee does. Errors: TypeError (no such method), whatever
        /// the method raises, ConversionError (`Any`).
        Invoke(name: Constant u32, argc: Count u8, via: Flags Dispatch) [(argc + 1) => 1] raises(TypeError, StackOverflow, Callee, ConversionError);
    }
    group "collections" {
        /// `[a1..an] -> [[a1, .., an]]`.
        NewList(n: Count u32) [n => 1] raises();
        /// `[k1, v1, .., kn, vn] -> [{k1: v1, ..}]`. Errors: TypeError (unhashable key).
        NewDict(n: Count u32) [(2 * n) => 1] raises(TypeError);
        /// `[a1..an] -> [(a1, .., an)]`.
        NewTuple(n: Count u32) [n => 1] raises();
        /// Build a range. Flag bit 0: inclusive (`..=`); bit 1: a step is present.
        /// `[start, end] -> [range]` or `[start, end, step] -> [range]`.
        /// Errors: TypeError (non-int bounds), ValueError-like `Error` for step 0.
        NewRange(flags: Flags u8) [_ => 1] raises(TypeError, Error);
        /// `[c, i] -> [c[i]]` for lists, tuples, strings (by character), dicts,
        /// ranges. Errors: IndexOutOfBounds, KeyNotFound, TypeError, NilAccess.
        GetIndex [2 => 1] raises(IndexOutOfBounds, KeyNotFound, NilAccess, TypeError);
        /// `[c, i, v] -> []`, `c[i] = v` for lists and dicts.
        /// Errors: IndexOutOfBounds, TypeError, NilAccess.
        SetIndex [3 => 0] raises(IndexOutOfBounds, NilAccess, TypeError);
        /// `[t] -> [t.i]` for tuples (and lists). Errors: IndexOutOfBounds, TypeError.
        GetTupleField(i: Position u16) [1 => 1] raises(IndexOutOfBounds, TypeError);
        /// Length of a string (characters), list, tuple, dict or range. `[c] -> [len]`.
        Len [1 => 1] raises(TypeError);
    }
    group "strings" {
        /// Concatenate the printed forms of the top `n` values into one string
        /// (interpolation). `[a1..an] -> [str]`.
        BuildString(n: Count u32) [n => 1] raises();
    }
    group "iteration" {
        /// Make an iterator. `[iterable] -> [iterator]` for ranges, lists,
        /// tuples, strings (characters), dicts (entries). Errors: TypeError.
        IterStart [1 => 1] raises(TypeError, Callee);
        /// Advance: `[it] -> [it, item]`, or when exhausted pop the iterator and
        /// jump by `exit`: `[it] -> []`. Dict items are entries with
        /// `.key`/`.value`. With `pair` (`iter (k, v in …)`): `[it] -> [it, k,
        /// v]`, where dicts give key, value and lists, tuples, strings and ranges
        /// give index, item.
        IterNext(pair: Flags bool, exit: Jump i32) [1 => _] raises();
    }
    group "objects" {
        /// Push class `class` as a value (calling it constructs an instance:
        /// `init` runs with the new instance as `this`; without `init` the
        /// arguments fill the fields in order). `[] -> [class]`.
        Class(class: Class u32) [0 => 1] raises();
        /// Push a new instance of class `class` whose first `n` fields take
        /// the `n` values on top of the stack (the first field deepest) and
        /// the others nil. `[v1..vn] -> [instance]`. Errors: TypeError (more
        /// values than the class has fields).
        NewInstance(class: Class u32, n: Count u16) [n => 1] raises(TypeError);
        /// `[obj] -> [obj.fields[slot]]`. Errors: NilAccess, TypeError.
        GetField(field: Field u16) [1 => 1] raises(NilAccess, TypeError);
        /// `[obj, v] -> []`, `obj.fields[slot] = v`. Errors: NilAccess, TypeError.
        SetField(field: Field u16) [2 => 0] raises(NilAccess, TypeError);
        /// Untyped member read by name `constants[name]`: instance fields, dict
        /// string keys, error `kind`/`message`, dict entries `key`/`value`,
        /// enum/class members. `[obj] -> [value]`. Errors: NilAccess, KeyNotFound, TypeError.
        GetFieldByName(name: Constant u32) [1 => 1] raises(NilAccess, KeyNotFound, TypeError);
        /// Untyped member write by name. `[obj, v] -> []`. Errors: NilAccess, TypeError.
        SetFieldByName(name: Constant u32) [2 => 0] raises(NilAccess, TypeError);
        /// Call method in vtable `slot` of the receiver's class.
        /// `[receiver, a1..an] -> [result]`. Errors: TypeError, NilAccess.
        InvokeSlot(method: MethodSlot u16, argc: Count u8) [(argc + 1) => 1] raises(NilAccess, TypeError, StackOverflow, Callee);
        /// Test whether a value is an instance of class `class` or of one of
        /// its subclasses. `[v] -> [bool]`.
        IsInstance(class: Class u32) [1 => 1] raises();
        /// Release a local at the end of its block: `locals[slot] = nil`, then
        /// run the `deinit` of every instance whose last reference went away
        /// (outer objects first). `[] -> []`. Errors: whatever a `deinit` raises.
        DropLocal(slot: Local u16) [0 => 0] raises(Callee);
        /// Build an enum value of `Program::enums[enum_id]`, variant `variant`,
        /// popping `n` payload values. `[p1..pn] -> [value]`.
        NewEnum(enum_id: Enum u16, variant: Variant u16, n: Count u8) [n => 1] raises();
        /// Test an enum value's variant. `[v] -> [v is enums[enum_id].variant]`.
        IsVariant(enum_id: Enum u16, variant: Variant u16) [1 => 1] raises();
        /// Payload item `i` of an enum value. `[v] -> [v.payload[i]]`. Errors: TypeError, IndexOutOfBounds.
        GetPayload(i: Position u16) [1 => 1] raises(IndexOutOfBounds, TypeError);
    }
    group "errors" {
        /// Install a handler: a trap raised before the matching `EndTry` unwinds
        /// (across frames) to `handler = next_ip + offset`, truncating the value
        /// stack to its height at `Try` and pushing the error value. `[] -> []`.
        Try(handler: Jump i32) [0 => 0] raises();
        /// Remove the innermost handler of this frame. `[] -> []`.
        EndTry [0 => 0] raises();
        /// Raise the top value as a trap (non-error values are wrapped as kind
        /// `Error` with their text as message). `[e] -> (unwinds)`.
        Raise [1 => _] raises(Operand) terminator;
        /// Raise a new error of kind `constants[kind]` with the popped message.
        /// `[msg] -> (unwinds)`. Used for NoMatch, RefinementFailed, ….
        Trap(kind: Constant u32) [1 => _] raises(Constant) terminator;
        /// Test an error's kind. `[e] -> [e.kind == constants[kind]]` (false for non-errors).
        ErrorKindIs(kind: Constant u32) [1 => 1] raises();
        /// `[v] -> [v is an error value]`.
        IsError [1 => 1] raises();
        /// Postfix `?`: if the top is an error value, return it from the current
        /// function; otherwise leave it. `[v] -> [v]`.
        Propagate [1 => _] raises();
        /// `err(Kind(msg))`: `[msg] -> [error{kind: constants[kind], message: str(msg)}]`
        /// (a nil message gives an empty message). A generic `Error` of a value
        /// that is already an error is that error itself (`return err(e)`).
        MakeErr(kind: Constant u32) [1 => 1] raises();
    }
    group "misc" {
        /// Print the top `n` values separated by spaces, then a newline. `[a1..an] -> []`.
        Print(n: Count u8) [n => 0] raises(OutputClosed);
        /// `[cond, msg] -> []`. Errors: AssertionFailed when `cond` is falsy.
        Assert [2 => 0] raises(AssertionFailed);
        /// Convert. `[v] -> [T(v)]`. Errors: ConversionError.
        Cast(kind: Cast CastKind) [1 => 1] raises(ConversionError);
        /// Convert to a decimal with `scale` digits after the point (`as dN`, or
        /// a value entering a `dN` variable). With `exact`, dropping non-zero
        /// digits raises; otherwise they are truncated toward zero.
        /// Error values (flowing through a `dN?E`) pass unchanged.
        /// `[v] -> [dN(v)]`. Errors: ConversionError, IntegerOverflow.
        ToDecimal(scale: Immediate u8, exact: Flags bool) [1 => 1] raises(ConversionError, IntegerOverflow);
        /// Check that an int value fits a sized int type (reference.md §3.1):
        /// `kind` is an [`IntWidth`] code, with [`IntWidth::CAST`] added for
        /// an `as` cast. Non-int values pass unchanged (errors flowing through
        /// `T?` included). `[v] -> [v]`. Errors: IntegerOverflow (a value
        /// stored in a sized variable), ConversionError (a cast, §3.3b).
        CheckIntRange(width: Width u8) [1 => 1] raises(IntegerOverflow, ConversionError);
        /// Check a value entering a parameter typed with the host type
        /// `constants[type_name]` (`Engine::register_type`): an object of
        /// that host type passes, and so does an error value (through a
        /// `T?`); nil passes when `optional` (an omitted argument).
        /// `[v] -> []`. Errors: TypeError.
        CheckHost(type_name: Constant u32, optional: Flags bool) [1 => 0] raises(TypeError);
        /// Check a value whose static type was not known to fit as it enters
        /// a place with a declared type (reference.md §3: `any` is checked at
        /// run time). `constants[check]` is the type's printed name and its
        /// encoding (`limit_bytecode::type_check`). Nothing is converted.
        /// `[v] -> [v]`. Errors: ConversionError ("expected int, got str").
        CheckType(check: Constant u32) [1 => 1] raises(ConversionError);
        /// `CheckType` of a type that only a value's kind decides
        /// (`type_check::kind`: `int`, `float`, `str`, `bool`, `[any]`,
        /// `{any: any}`), which the hot path runs. `[v] -> [v]`.
        /// Errors: ConversionError.
        CheckKind(kind: Immediate u8) [1 => 1] raises(ConversionError);
        /// Test a value against the type check `constants[check]` (the form
        /// `CheckType` reads), for a pattern naming an alias or a trait
        /// (reference.md §8). A scalar tests its own kind (an int is not a
        /// `float` here, as for the type pattern `float`).
        /// `[v] -> [bool]`.
        IsType(check: Constant u32) [1 => 1] raises();
        /// `GetIndex` then `CheckKind(kind)` (an element of `[any]` entering
        /// a typed place: `count(tree[0])`), fused by the optimiser.
        /// `[c, i] -> [c[i]]`. Errors: those of both.
        GetIndexKind(kind: Immediate u8) [2 => 1] raises(IndexOutOfBounds, KeyNotFound, NilAccess, TypeError, ConversionError);
    }
    group "concurrency" {
        // (runtime/sched.rs, runtime/parallel.rs, runtime/shared.rs)
        /// Open a block (`kind`: 0 = `concurrent`, 1 = `parallel`) with the
        /// parameters in a dict of name → value. `[params] -> []`.
        BlockBegin(kind: Flags u8) [1 => 0] raises(TypeError);
        /// Add a task to the innermost open block: a closure called with `argc`
        /// (0 or 1) arguments, `[closure, args..] -> []`; or, with `worker`, a
        /// worker: a closure of one parameter called for each value received
        /// from a source, `[closure, source] -> []` (`argc` 1). Errors:
        /// TypeError (a worker's source).
        Spawn(argc: Count u8, worker: Flags bool) [(argc + 1) => 0] raises(TypeError);
        /// Run the innermost block and wait for all its tasks. `[] -> []`.
        /// Errors: the first task error (`on_error="stop"`), Deadlock, Timeout.
        BlockEnd [0 => 0] raises(Callee, Deadlock, Timeout);
        /// Turn a variable's value into a shared cell for a parallel block.
        /// `[v] -> [shared(v)]`. Errors: TypeError (value cannot cross threads).
        MakeShared [1 => 1] raises(TypeError);
        /// Read a shared cell (other values unchanged). `[cell] -> [v]`.
        SharedGet [1 => 1] raises();
        /// Take a shared cell's statement lock (waits for other tasks). `[cell] -> []`.
        SharedLock [1 => 0] raises();
        /// Store into a shared cell and release its statement lock.
        /// `[v, cell] -> []`. Errors: TypeError (value cannot cross threads).
        SharedSetUnlock [2 => 0] raises(TypeError);
    }
}

// The instruction set stays small: each instruction is an arm of the
// dispatch loop and of `Vm::step`, and families that differ only in an
// operator take it as an operand. Checked when the crate compiles.
const _: () = assert!(Op::COUNT <= 121, "more than 121 instructions");

impl Op {
    /// The absolute jump target of this instruction at index `ip`, if it
    /// jumps (read from its `Jump`, `Back` or `BackAfterHead` operand).
    pub fn jump_target(self, ip: usize) -> Option<isize> {
        let next = ip as isize + 1;
        let mut target = None;
        self.for_each_operand(|kind, value| match kind {
            OperandKind::Jump => target = Some(next + value as isize),
            OperandKind::Back | OperandKind::BackAfterHead => target = Some(next - value as isize),
            _ => {}
        });
        target
    }

    /// This jump (at index `at`) made to land on `destination`: the inverse
    /// of [`Op::jump_target`]. Other instructions are returned unchanged.
    pub fn with_target(self, at: usize, destination: usize) -> Op {
        let next = at as i64 + 1;
        let destination = destination as i64;
        self.map_operands(|kind, value| match kind {
            OperandKind::Jump => destination - next,
            OperandKind::Back | OperandKind::BackAfterHead => next - destination,
            _ => value,
        })
    }

    /// Whether execution never falls through to the next instruction.
    pub fn is_terminator(self) -> bool {
        self.info().terminator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_is_at_most_8_bytes() {
        assert!(
            std::mem::size_of::<Op>() <= 8,
            "Op is {} bytes",
            std::mem::size_of::<Op>()
        );
    }

    #[test]
    fn with_target_inverts_jump_target() {
        for op in [
            Op::Jump(0),
            Op::JumpIfNotLocal(Ordering::Lt, 3, 0),
            Op::Try(0),
            Op::IterNext(true, 0),
        ] {
            for (at, target) in [(5, 9), (5, 6), (9, 2)] {
                assert_eq!(
                    op.with_target(at, target).jump_target(at),
                    Some(target as isize)
                );
            }
        }
        assert_eq!(Op::Loop(0).with_target(7, 2).jump_target(7), Some(2));
        assert_eq!(Op::Pop.with_target(1, 4), Op::Pop);
    }

    #[test]
    fn the_table_lists_every_instruction_in_op_order() {
        assert_eq!(INSTRUCTIONS.len(), Op::COUNT);
        assert_eq!(Op::Pop.index(), 0);
        assert_eq!(Op::SharedSetUnlock.index(), Op::COUNT - 1);
        for op in [
            Op::Pop,
            Op::GetLocal(3),
            Op::JumpIfNotLocals(Ordering::Le, 1, 2, 5),
        ] {
            assert!(format!("{op:?}").starts_with(op.name()));
        }
        let mut kinds = Vec::new();
        Op::JumpIfNotLocals(Ordering::Ge, 1, 2, 5).for_each_operand(|kind, value| {
            kinds.push((kind, value));
        });
        assert_eq!(
            kinds,
            [
                (OperandKind::Order, Ordering::Ge as i64),
                (OperandKind::Local, 1),
                (OperandKind::Local, 2),
                (OperandKind::Jump, 5)
            ]
        );
        assert_eq!(Op::Call(2, false).stack_effect(), (Some(3), Some(1)));
        assert_eq!(Op::Return.stack_effect(), (None, None));
        assert!(Op::Return.is_terminator() && !Op::JumpIf(false, 1).is_terminator());
    }

    #[test]
    fn every_back_edge_kind_inverts() {
        for op in [
            Op::IncLocalLoop(0, 1, 0),
            Op::IncLoopLtConst(0, 0, 0),
            Op::LoopIfLocals(Ordering::Lt, 0, 1, 0),
        ] {
            assert_eq!(op.with_target(9, 3).jump_target(9), Some(3));
        }
        assert_eq!(
            Op::JumpIfNotConst(Ordering::Gt, 7, 0).with_target(2, 8),
            Op::JumpIfNotConst(Ordering::Gt, 7, 5)
        );
    }

    #[test]
    fn jump_targets_are_relative_to_next() {
        assert_eq!(Op::Jump(2).jump_target(3), Some(6));
        assert_eq!(Op::Loop(4).jump_target(3), Some(0));
        assert_eq!(Op::Pop.jump_target(3), None);
    }
}
