//! The instruction set: the specification of the Limit machine.
//!
//! The machine is a stack machine. Every instruction below documents its
//! operands, its stack effect written as `[before] -> [after]` (top of the
//! stack on the right) and the runtime errors it can raise.
//!
//! Conventions used throughout:
//! * `slot` is a local slot: the value lives at `stack[base + slot]` of the
//!   current frame (see `program.rs` for the calling convention).
//! * `k` is an index into `Program::constants`.
//! * `g` is an index into `Program::globals`.
//! * Jump offsets are relative to the instruction *after* the jump:
//!   `target = index_of_jump + 1 + offset`. `Loop(n)` jumps backwards:
//!   `target = index_of_loop + 1 - n`.
//! * "Generic" arithmetic works on any operand types (int, big int, float,
//!   strings for `+`, …) and raises `TypeError` for unsupported mixes.
//!   "Specialised" forms (`AddInt`, `AddFloat`, …) take a fast path when the
//!   operands have the promised type and otherwise fall back to the generic
//!   behaviour, so emitting them is always safe.
//! * Int arithmetic never wraps: on i64 overflow the result is promoted to a
//!   big integer, and big results that fit are demoted back.

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
}

/// The ordering a fused compare-and-branch tests, as the operand of
/// [`Op::JumpIfNotConst`].
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

/// One instruction with its inline operands (at most 8 bytes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    // ----------------------------------------------------------------- stack
    /// No operation. `[] -> []`.
    Nop,
    /// Discard the top value. `[a] -> []`.
    Pop,
    /// Discard the top `n` values. `[a1..an] -> []`.
    PopN(u16),
    /// Record the operand stack's height (above the frame's base) in local
    /// `slot`, as an int: a loop body's start, for `CutToHeight`. `[] -> []`.
    MarkHeight(u16),
    /// Drop every value above the height `MarkHeight` recorded in local
    /// `slot`: `break`/`continue` out of a `?else` handler inside a larger
    /// expression leaves that expression's operands behind. `[..] -> []`.
    CutToHeight(u16),
    /// Duplicate the top value. `[a] -> [a, a]`.
    Dup,
    /// Duplicate the top two values. `[a, b] -> [a, b, a, b]`.
    Dup2,
    /// Exchange the top two values. `[a, b] -> [b, a]`.
    Swap,
    /// Copy the second value to the top. `[a, b] -> [a, b, a]`.
    Over,

    // ------------------------------------------------------------- constants
    /// Push constant `k`. `[] -> [constants[k]]`.
    Const(u32),
    /// Push a small integer. `[] -> [n]`.
    Int(i32),
    /// Push nil. `[] -> [nil]`.
    Nil,
    /// Push true. `[] -> [true]`.
    True,
    /// Push false. `[] -> [false]`.
    False,

    // ---------------------------------------------------------------- locals
    /// Push a local. `[] -> [locals[slot]]`.
    GetLocal(u16),
    /// Pop into a local (statement form). `[v] -> []`, `locals[slot] = v`.
    SetLocal(u16),
    /// Store into a local and keep the value (expression form). `[v] -> [v]`.
    TeeLocal(u16),
    /// Push two locals. `[] -> [locals[a], locals[b]]`.
    GetLocal2(u16, u16),

    // --------------------------------------------------- captured-variable cells
    /// Wrap the current value of a local in a fresh cell, in place:
    /// `locals[slot] = Cell(locals[slot])`. `[] -> []`. Emitted where a
    /// captured variable is declared (and at the start of each loop iteration
    /// for a captured loop variable, giving each iteration a fresh cell).
    MakeCell(u16),
    /// Read through the cell held in a local. `[] -> [*locals[slot]]`.
    GetCell(u16),
    /// Write through the cell held in a local. `[v] -> []`, `*locals[slot] = v`.
    SetCell(u16),
    /// Read captured variable `i` of the running closure. `[] -> [*captures[i]]`.
    GetUpvalue(u16),
    /// Write captured variable `i` of the running closure. `[v] -> []`.
    SetUpvalue(u16),

    // --------------------------------------------------------------- globals
    /// Push global `g` (nil until defined). `[] -> [globals[g]]`.
    GetGlobal(u32),
    /// Pop into global `g`. `[v] -> []`.
    SetGlobal(u32),
    /// Define global `g` (same effect as `SetGlobal`; marks a declaration). `[v] -> []`.
    DefineGlobal(u32),

    // ---------------------------------------------------- generic arithmetic
    /// `[a, b] -> [a + b]`. Numbers add (int overflow promotes to big int);
    /// str + str concatenates; str + number / number + str concatenates the
    /// number's text; list + list concatenates. Errors: TypeError.
    Add,
    /// `[a, b] -> [a - b]`. Errors: TypeError.
    Sub,
    /// `[a, b] -> [a * b]`. Also str * int repeats. Errors: TypeError.
    Mul,
    /// `[a, b] -> [a / b]`. Int / int truncates toward zero; float division by
    /// zero gives inf/nan. Errors: DivisionByZero (int), TypeError.
    Div,
    /// `[a, b] -> [a % b]`, sign of the dividend. Errors: DivisionByZero (int), TypeError.
    Mod,
    /// `[a, b] -> [a ** b]`. int ** non-negative int is int (big when large);
    /// otherwise float. Errors: TypeError, ResourceLimit (absurd exponents).
    Pow,
    /// `[a] -> [-a]`. Errors: TypeError.
    Neg,
    /// Logical not of a bool (truthiness for other values). `[a] -> [!a]`.
    Not,
    /// `[a, b] -> [a & b]` on ints. Errors: TypeError.
    BitAnd,
    /// `[a, b] -> [a | b]` on ints. Errors: TypeError.
    BitOr,
    /// `[a, b] -> [a ^ b]` on ints. Errors: TypeError.
    BitXor,
    /// `[a, b] -> [a << b]` on ints (promotes to big int). Errors: TypeError,
    /// IntegerOverflow (negative or huge shift count).
    Shl,
    /// `[a, b] -> [a >> b]` on ints (arithmetic). Errors: TypeError, IntegerOverflow (negative count).
    Shr,
    /// `[a] -> [~a]` on ints. Errors: TypeError.
    BitNot,
    /// Structural equality (`1 == 1.0` is true). `[a, b] -> [a == b]`.
    Eq,
    /// `[a, b] -> [a != b]`.
    Ne,
    /// `[a, b] -> [a < b]` for numbers, strings, lists/tuples (lexicographic). Errors: TypeError.
    Lt,
    /// `[a, b] -> [a <= b]`. Errors: TypeError.
    Le,
    /// `[a, b] -> [a > b]`. Errors: TypeError.
    Gt,
    /// `[a, b] -> [a >= b]`. Errors: TypeError.
    Ge,

    // ------------------------------------------------ specialised arithmetic
    /// `Add` with an int fast path. `[a, b] -> [a + b]`.
    AddInt,
    /// `Sub` with an int fast path. `[a, b] -> [a - b]`.
    SubInt,
    /// `Mul` with an int fast path. `[a, b] -> [a * b]`.
    MulInt,
    /// `Div` with an int fast path. `[a, b] -> [a / b]`. Errors: DivisionByZero.
    DivInt,
    /// `Mod` with an int fast path. `[a, b] -> [a % b]`. Errors: DivisionByZero.
    ModInt,
    /// `Lt` with an int fast path. `[a, b] -> [a < b]`.
    LtInt,
    /// `Le` with an int fast path. `[a, b] -> [a <= b]`.
    LeInt,
    /// `Gt` with an int fast path. `[a, b] -> [a > b]`.
    GtInt,
    /// `Ge` with an int fast path. `[a, b] -> [a >= b]`.
    GeInt,
    /// `Eq` with an int fast path. `[a, b] -> [a == b]`.
    EqInt,
    /// `Add` with a float fast path (an int operand is converted). `[a, b] -> [a + b]`.
    AddFloat,
    /// `Sub` with a float fast path. `[a, b] -> [a - b]`.
    SubFloat,
    /// `Mul` with a float fast path. `[a, b] -> [a * b]`.
    MulFloat,
    /// `Div` with a float fast path (never raises for floats). `[a, b] -> [a / b]`.
    DivFloat,
    /// `Lt` with a float fast path. `[a, b] -> [a < b]`.
    LtFloat,
    /// `Le` with a float fast path. `[a, b] -> [a <= b]`.
    LeFloat,
    /// `Gt` with a float fast path. `[a, b] -> [a > b]`.
    GtFloat,
    /// `Ge` with a float fast path. `[a, b] -> [a >= b]`.
    GeFloat,
    /// Add an immediate. `[a] -> [a + n]`. Errors: TypeError.
    AddImm(i32),
    /// Remainder by an immediate. `[a] -> [a % n]`. Errors: DivisionByZero, TypeError.
    ModImm(i32),
    /// Compare with an immediate. `[a] -> [a < n]`. Errors: TypeError.
    LtImm(i32),

    // ------------------------------------------------------ superinstructions
    /// `GetLocal a; GetLocal b; Add`. `[] -> [locals[a] + locals[b]]`. Errors: as `Add`.
    AddLocals(u16, u16),
    /// Increment a local in place: `locals[slot] = locals[slot] + n`. `[] -> []`.
    /// Errors: TypeError.
    IncLocal(u16, i32),
    /// `GetLocal slot; GetField(field)`. `[] -> [locals[slot].fields[field]]`.
    /// Errors: NilAccess, TypeError.
    GetLocalField(u16, u16),
    /// `Lt; JumpIfFalse(offset)`. `[a, b] -> []`, jumps when `!(a < b)`. Errors: TypeError.
    JumpIfNotLt(i32),
    /// `Le; JumpIfFalse(offset)`. `[a, b] -> []`, jumps when `!(a <= b)`.
    JumpIfNotLe(i32),
    /// `Gt; JumpIfFalse(offset)`. `[a, b] -> []`, jumps when `!(a > b)`.
    JumpIfNotGt(i32),
    /// `Ge; JumpIfFalse(offset)`. `[a, b] -> []`, jumps when `!(a >= b)`.
    JumpIfNotGe(i32),
    /// `Eq; JumpIfFalse(offset)`. `[a, b] -> []`, jumps when `a != b`.
    JumpIfNotEq(i32),
    /// `Ne; JumpIfFalse(offset)`. `[a, b] -> []`, jumps when `a == b`.
    JumpIfNotNe(i32),
    /// `GetLocal slot; Const k; Lt; JumpIfFalse(offset)` — the loop test
    /// `while (i < LIMIT)`. `[] -> []`. Errors: TypeError.
    JumpIfLocalNotLtConst(u8, u16, i32),

    // ------------------------------------- register-style superinstructions
    // Operands read straight from local slots, so the hot arithmetic of a
    // loop body needs neither pushes of locals nor separate jumps. Each
    // falls back to the generic operator for other operand types.
    /// `GetLocal a; GetLocal b; Sub`. `[] -> [locals[a] - locals[b]]`. Errors: as `Sub`.
    SubLocals(u16, u16),
    /// `GetLocal a; GetLocal b; Mul`. `[] -> [locals[a] * locals[b]]`. Errors: as `Mul`.
    MulLocals(u16, u16),
    /// `GetLocal a; GetLocal b; Mod`. `[] -> [locals[a] % locals[b]]`. Errors: as `Mod`.
    ModLocals(u16, u16),
    /// `GetLocal a; GetLocal b; Mul; GetLocal c; GetLocal d; Mul; Add`:
    /// `[] -> [locals[a] * locals[b] + locals[c] * locals[d]]` (dot
    /// products, squared lengths, complex arithmetic). Emitted only where
    /// the checker typed all four as ints or all as floats, so nothing can
    /// fail (int overflow becomes a big integer, as with `Mul` and `Add`).
    AddProducts(u8, u8, u8, u8),
    /// As `AddProducts`, subtracting: `[] -> [locals[a] * locals[b] -
    /// locals[c] * locals[d]]`.
    SubProducts(u8, u8, u8, u8),
    /// `GetLocal s; Add`. `[x] -> [x + locals[s]]`. Errors: as `Add`.
    AddLocal(u16),
    /// `GetLocal s; Sub`. `[x] -> [x - locals[s]]`. Errors: as `Sub`.
    SubLocal(u16),
    /// `GetLocal s; Mul`. `[x] -> [x * locals[s]]`. Errors: as `Mul`.
    MulLocal(u16),
    /// `GetLocal a; GetLocal b; Add; SetLocal a` (`a = a + b`), in place.
    /// `[] -> []`. Errors: as `Add`.
    AddAssignLocal(u16, u16),
    /// `GetLocal from; SetLocal to`. `[] -> []`, `locals[to] = locals[from]`.
    MoveLocal(u16, u16),
    /// `GetLocal s; JumpIfFalse(offset)`. `[] -> []`.
    JumpIfLocalFalse(u16, i32),
    /// `GetLocal s; JumpIfTrue(offset)`. `[] -> []`.
    JumpIfLocalTrue(u16, i32),
    /// `GetLocal s; JumpIfNotLt(offset)`: `[x] -> []`, jumps when `!(x < locals[s])`. Errors: TypeError.
    JumpIfNotLtLocal(u16, i32),
    /// `GetLocal s; JumpIfNotLe(offset)`: `[x] -> []`, jumps when `!(x <= locals[s])`. Errors: TypeError.
    JumpIfNotLeLocal(u16, i32),
    /// `GetLocal s; JumpIfNotGt(offset)`: `[x] -> []`, jumps when `!(x > locals[s])`. Errors: TypeError.
    JumpIfNotGtLocal(u16, i32),
    /// `GetLocal s; JumpIfNotGe(offset)`: `[x] -> []`, jumps when `!(x >= locals[s])`. Errors: TypeError.
    JumpIfNotGeLocal(u16, i32),
    /// `Int(n); JumpIfNotEq(offset)`: `[x] -> []`, jumps when `x != n`.
    JumpIfNotEqImm(i16, i32),
    /// `GetLocal a; GetLocal b; GetIndex`. `[] -> [locals[a][locals[b]]]`.
    /// Errors: as `GetIndex`.
    IndexLocals(u16, u16),
    /// `locals[a][locals[b]] = v` (the value is computed first; emitted only
    /// when that cannot change either local). `[v] -> []`. Errors: as `SetIndex`.
    SetIndexLocals(u16, u16),
    /// `GetLocal s; Add; SetLocal d`. `[x] -> []`, `locals[d] = x + locals[s]`.
    /// Errors: as `Add`.
    AddLocalStore(u16, u16),
    /// `Const k; GetLocal s; Mul` (k a number). `[] -> [k * locals[s]]`.
    /// Errors: as `Mul`.
    MulConstLocal(u16, u16),
    /// `Const k; JumpIfNot<order>(offset)` (k a number). `[x] -> []`, jumps
    /// when `!(x order k)`. Errors: TypeError.
    JumpIfNotConst(Ordering, u16, i32),
    /// `GetLocal a; GetLocal b; JumpIfNot<order>(offset)`: the test of
    /// `while (a <= b)`. `[] -> []`, jumps when `!(locals[a] order locals[b])`.
    /// Errors: TypeError.
    JumpIfNotLocals(Ordering, u8, u8, i32),
    /// `GetLocal s; AddImm(n)`. `[] -> [locals[s] + n]`. Errors: as `Add`.
    AddImmLocal(u16, i32),
    /// `Add; SetLocal d`. `[a, b] -> []`, `locals[d] = a + b`. Errors: as `Add`.
    AddStore(u16),
    /// `IncLocal(s, n); Loop(back)`: the step and back edge of a counting
    /// loop. `[] -> []`. Errors: as `IncLocal`.
    IncLocalLoop(u8, i16, u32),
    /// The back edge of a counting loop whose head is
    /// `JumpIfLocalNotLtConst(s, k, …)`, testing the condition itself
    /// instead of jumping to the head to test it: `locals[s] += 1`, then
    /// jump back by `back` (to the instruction after the head) when
    /// `locals[s] < constants[k]`, else fall through out of the loop. For
    /// operands other than ints it increments as `IncLocal` and jumps to the
    /// head (one further back), whose test reports any error. `[] -> []`.
    IncLoopLtConst(u8, u16, u32),
    /// As `IncLoopLtConst` for a head `JumpIfNotLocals(order, s, b, …)`:
    /// `locals[s] += 1`, then jump back by `back` when
    /// `locals[s] order locals[b]`. `[] -> []`.
    IncLoopLocals(Ordering, u8, u8, u32),
    /// The back edge (`Loop`) of a loop whose head is
    /// `JumpIfNotLocals(order, a, b, …)`, testing the condition itself:
    /// jump back by `back` (to the instruction after the head) when
    /// `locals[a] order locals[b]` for two ints or two floats, else fall
    /// through out of the loop; for other operands jump to the head, whose
    /// test reports any error. `[] -> []`.
    LoopIfLocals(Ordering, u8, u8, u32),
    /// As `LoopIfLocals` for a head `JumpIfLocalNotLtConst(s, k, …)`: jump
    /// back when `locals[s] < constants[k]` (two ints). `[] -> []`.
    LoopIfLtConst(u8, u16, u32),

    // ---------------------------------------------------------- control flow
    /// Unconditional jump. `[] -> []`.
    Jump(i32),
    /// Pop; jump when falsy (nil, false). `[c] -> []`.
    JumpIfFalse(i32),
    /// Pop; jump when truthy. `[c] -> []`.
    JumpIfTrue(i32),
    /// For `and`: jump (keeping the value) when falsy, otherwise pop.
    /// `[c] -> [c]` (jumping) or `[c] -> []` (falling through).
    JumpIfFalseKeep(i32),
    /// For `or`: jump (keeping the value) when truthy, otherwise pop.
    JumpIfTrueKeep(i32),
    /// Jump backwards by `n` (loops). `[] -> []`.
    Loop(u32),

    // ----------------------------------------------------------------- calls
    /// Call a function value. `[callee, a1..an] -> [result]`. The callee may
    /// be a closure, a native function, a bound method, a class (constructs
    /// an instance and runs `init`) or an enum-variant constructor.
    /// Missing trailing arguments (down to `required`) are filled with nil.
    /// Errors: TypeError (not callable / wrong argument count), StackOverflow.
    Call(u8),
    /// Call function `fn_index` directly (it must capture nothing).
    /// `[a1..an] -> [result]`. Errors: TypeError (argument count), StackOverflow.
    CallDirect(u32, u8),
    /// Call built-in function `native` (see `runtime::builtins::BUILTINS`).
    /// `[a1..an] -> [result]`. Errors: whatever the built-in raises.
    CallNative(u16, u8),
    /// Push built-in function `native` as a value. `[] -> [native]`.
    GetNative(u16),
    /// Return from the current function. `[.. result] -> ` caller `[.. result]`
    /// (the callee slot and arguments are replaced by the result).
    Return,
    /// Return nil from the current function.
    ReturnNil,
    /// Take the next step of the built-in method whose continuation frame
    /// is running (`list.map(f)`, …: interp/callbacks.rs): call the
    /// callback on the next item, or return the method's result. Only the
    /// VM's own continuation functions hold it; `Program::validate`
    /// rejects it elsewhere.
    ResumeNative,
    /// Build a closure of function `proto`, capturing per `proto.captures`:
    /// `CaptureSource::Local(slot)` takes the cell in the current frame's
    /// `locals[slot]` (emit `MakeCell(slot)` first), `LocalValue(slot)`
    /// copies the value there, `CaptureSource::Upvalue(i)` takes the running
    /// closure's capture `i`. `[] -> [closure]`.
    Closure(u32),
    /// Call method `constants[name]` on a value. `[receiver, a1..an] -> [result]`.
    /// Built-in types (str, list, dict, range, tuple, error) dispatch on the
    /// interned method name; instances look the method up in their class
    /// (per-call-site inline cache; `this` is slot 0 of the method). A dict
    /// whose key `name` holds a function calls that function.
    /// Errors: TypeError (no such method), whatever the method raises.
    Invoke(u32, u8),

    // ----------------------------------------------------------- collections
    /// `[a1..an] -> [[a1, .., an]]`.
    NewList(u32),
    /// `[k1, v1, .., kn, vn] -> [{k1: v1, ..}]`. Errors: TypeError (unhashable key).
    NewDict(u32),
    /// `[a1..an] -> [(a1, .., an)]`.
    NewTuple(u32),
    /// Build a range. Flag bit 0: inclusive (`..=`); bit 1: a step is present.
    /// `[start, end] -> [range]` or `[start, end, step] -> [range]`.
    /// Errors: TypeError (non-int bounds), ValueError-like `Error` for step 0.
    NewRange(u8),
    /// `[c, i] -> [c[i]]` for lists, tuples, strings (by character), dicts,
    /// ranges. Errors: IndexOutOfBounds, KeyNotFound, TypeError, NilAccess.
    GetIndex,
    /// `[c, i, v] -> []`, `c[i] = v` for lists and dicts.
    /// Errors: IndexOutOfBounds, TypeError, NilAccess.
    SetIndex,
    /// `[t] -> [t.i]` for tuples (and lists). Errors: IndexOutOfBounds, TypeError.
    GetTupleField(u16),
    /// Length of a string (characters), list, tuple, dict or range. `[c] -> [len]`.
    Len,

    // ----------------------------------------------------------------- strings
    /// `[v] -> [str(v)]`.
    ToStr,
    /// Concatenate the printed forms of the top `n` values into one string
    /// (interpolation). `[a1..an] -> [str]`.
    BuildString(u32),

    // --------------------------------------------------------------- iteration
    /// Make an iterator. `[iterable] -> [iterator]` for ranges, lists,
    /// tuples, strings (characters), dicts (entries). Errors: TypeError.
    IterStart,
    /// Advance: `[it] -> [it, item]`, or when exhausted pop the iterator and
    /// jump by `exit`: `[it] -> []`. Dict items are entries with `.key`/`.value`.
    IterNext(i32),
    /// Two-variable form (`iter (k, v in …)`): `[it] -> [it, k, v]`, or pop and
    /// jump when exhausted. Dicts give key, value; lists/tuples/strings give
    /// index, item; ranges give index, item.
    IterNext2(i32),

    // ---------------------------------------------------------------- objects
    /// Push class `class` as a value (calling it constructs an instance:
    /// `init` runs with the new instance as `this`; without `init` the
    /// arguments fill the fields in order). `[] -> [class]`.
    Class(u32),
    /// Push a new instance of class `class` with every field nil.
    /// `[] -> [instance]`.
    NewInstance(u32),
    /// `[obj] -> [obj.fields[slot]]`. Errors: NilAccess, TypeError.
    GetField(u16),
    /// `[obj, v] -> []`, `obj.fields[slot] = v`. Errors: NilAccess, TypeError.
    SetField(u16),
    /// Untyped member read by name `constants[name]`: instance fields, dict
    /// string keys, error `kind`/`message`, dict entries `key`/`value`,
    /// enum/class members. `[obj] -> [value]`. Errors: NilAccess, KeyNotFound, TypeError.
    GetFieldByName(u32),
    /// Untyped member write by name. `[obj, v] -> []`. Errors: NilAccess, TypeError.
    SetFieldByName(u32),
    /// Call method `constants[name]` on an instance through its class's
    /// method table with a per-call-site inline cache (class id → method).
    /// `[receiver, a1..an] -> [result]`; falls back to `Invoke` on non-instances.
    InvokeMethod(u32, u8),
    /// Call method in vtable `slot` of the receiver's class.
    /// `[receiver, a1..an] -> [result]`. Errors: TypeError, NilAccess.
    InvokeSlot(u16, u8),
    /// Test whether a value is an instance of class `class` or of one of
    /// its subclasses. `[v] -> [bool]`.
    IsInstance(u32),
    /// Release a local at the end of its block: `locals[slot] = nil`, then
    /// run the `deinit` of every instance whose last reference went away
    /// (outer objects first). `[] -> []`. Errors: whatever a `deinit` raises.
    DropLocal(u16),
    /// Build an enum value of `Program::enums[enum_id]`, variant `variant`,
    /// popping `n` payload values. `[p1..pn] -> [value]`.
    NewEnum(u16, u16, u8),
    /// Test an enum value's variant. `[v] -> [v is enums[enum_id].variant]`.
    IsVariant(u16, u16),
    /// Payload item `i` of an enum value. `[v] -> [v.payload[i]]`. Errors: TypeError, IndexOutOfBounds.
    GetPayload(u16),

    // ------------------------------------------------------------------ errors
    /// Install a handler: a trap raised before the matching `EndTry` unwinds
    /// (across frames) to `handler = next_ip + offset`, truncating the value
    /// stack to its height at `Try` and pushing the error value. `[] -> []`.
    Try(i32),
    /// Remove the innermost handler of this frame. `[] -> []`.
    EndTry,
    /// Raise the top value as a trap (non-error values are wrapped as kind
    /// `Error` with their text as message). `[e] -> (unwinds)`.
    Raise,
    /// Raise a new error of kind `constants[kind]` with the popped message.
    /// `[msg] -> (unwinds)`. Used for NoMatch, RefinementFailed, ….
    Trap(u32),
    /// Test an error's kind. `[e] -> [e.kind == constants[kind]]` (false for non-errors).
    ErrorKindIs(u32),
    /// `[v] -> [v is an error value]`.
    IsError,
    /// Postfix `?`: if the top is an error value, return it from the current
    /// function; otherwise leave it. `[v] -> [v]`.
    Propagate,
    /// `ok(v)`: a success value is the plain value. `[v] -> [v]`.
    MakeOk,
    /// `err(Kind(msg))`: `[msg] -> [error{kind: constants[kind], message: str(msg)}]`
    /// (a nil message gives an empty message). A generic `Error` of a value
    /// that is already an error is that error itself (`return err(e)`).
    MakeErr(u32),

    // ------------------------------------------------------------------- misc
    /// Print the top `n` values separated by spaces, then a newline. `[a1..an] -> []`.
    Print(u8),
    /// `[cond, msg] -> []`. Errors: AssertionFailed when `cond` is falsy.
    Assert,
    /// `[v] -> [typeof(v)]`.
    TypeOf,
    /// Convert. `[v] -> [T(v)]`. Errors: ConversionError.
    Cast(CastKind),
    /// Convert to a decimal with `scale` digits after the point (`as dN`, or
    /// a value entering a `dN` variable). With `exact`, dropping non-zero
    /// digits raises; otherwise they are truncated toward zero.
    /// Error values (flowing through a `dN?E`) pass unchanged.
    /// `[v] -> [dN(v)]`. Errors: ConversionError, IntegerOverflow.
    ToDecimal(u8, bool),
    /// Check that an int value fits a sized int type (reference.md §3.1):
    /// `kind` is an [`IntWidth`] code, with [`IntWidth::CAST`] added for
    /// an `as` cast. Non-int values pass unchanged (errors flowing through
    /// `T?` included). `[v] -> [v]`. Errors: IntegerOverflow (a value
    /// stored in a sized variable), ConversionError (a cast, §3.3b).
    CheckIntRange(u8),

    // ------------------------------------------------------------ concurrency
    // (runtime/sched.rs, runtime/parallel.rs, runtime/shared.rs)
    /// Open a block (`kind`: 0 = `concurrent`, 1 = `parallel`) with the
    /// parameters in a dict of name → value. `[params] -> []`.
    BlockBegin(u8),
    /// Add a task to the innermost open block: a closure called with `argc`
    /// (0 or 1) arguments. `[closure, args..] -> []`.
    Spawn(u8),
    /// Add a worker: a closure of one parameter called for each value
    /// received from `source`. `[closure, source] -> []`. Errors: TypeError.
    SpawnWorker,
    /// Run the innermost block and wait for all its tasks. `[] -> []`.
    /// Errors: the first task error (`on_error="stop"`), Deadlock, Timeout.
    BlockEnd,
    /// `await v`: the value of an awaited call. `[v] -> [v]`.
    Await,
    /// Turn a variable's value into a shared cell for a parallel block.
    /// `[v] -> [shared(v)]`. Errors: TypeError (value cannot cross threads).
    MakeShared,
    /// After a parallel block: a shared cell's content (other values
    /// unchanged). `[shared] -> [v]`.
    Unshare,
    /// Read a shared cell (other values unchanged). `[cell] -> [v]`.
    SharedGet,
    /// Take a shared cell's statement lock (waits for other tasks). `[cell] -> []`.
    SharedLock,
    /// Store into a shared cell and release its statement lock.
    /// `[v, cell] -> []`. Errors: TypeError (value cannot cross threads).
    SharedSetUnlock,
}

impl Op {
    /// The absolute jump target of this instruction at index `ip`, if it jumps.
    pub fn jump_target(self, ip: usize) -> Option<isize> {
        let next = ip as isize + 1;
        match self {
            Op::Jump(o)
            | Op::JumpIfFalse(o)
            | Op::JumpIfTrue(o)
            | Op::JumpIfFalseKeep(o)
            | Op::JumpIfTrueKeep(o)
            | Op::JumpIfNotLt(o)
            | Op::JumpIfNotLe(o)
            | Op::JumpIfNotGt(o)
            | Op::JumpIfNotGe(o)
            | Op::JumpIfNotEq(o)
            | Op::JumpIfNotNe(o)
            | Op::JumpIfLocalNotLtConst(_, _, o)
            | Op::JumpIfLocalFalse(_, o)
            | Op::JumpIfLocalTrue(_, o)
            | Op::JumpIfNotLtLocal(_, o)
            | Op::JumpIfNotLeLocal(_, o)
            | Op::JumpIfNotGtLocal(_, o)
            | Op::JumpIfNotGeLocal(_, o)
            | Op::JumpIfNotEqImm(_, o)
            | Op::IterNext(o)
            | Op::IterNext2(o)
            | Op::JumpIfNotConst(_, _, o)
            | Op::JumpIfNotLocals(_, _, _, o)
            | Op::Try(o) => Some(next + o as isize),
            Op::Loop(n)
            | Op::IncLocalLoop(_, _, n)
            | Op::IncLoopLtConst(_, _, n)
            | Op::IncLoopLocals(_, _, _, n)
            | Op::LoopIfLocals(_, _, _, n)
            | Op::LoopIfLtConst(_, _, n) => Some(next - n as isize),
            _ => None,
        }
    }

    /// This jump (at index `at`) made to land on `destination`: the inverse
    /// of [`Op::jump_target`]. Other instructions are returned unchanged.
    pub fn with_target(self, at: usize, destination: usize) -> Op {
        let offset = destination as i32 - (at as i32 + 1);
        match self {
            Op::Jump(_) => Op::Jump(offset),
            Op::JumpIfFalse(_) => Op::JumpIfFalse(offset),
            Op::JumpIfTrue(_) => Op::JumpIfTrue(offset),
            Op::JumpIfFalseKeep(_) => Op::JumpIfFalseKeep(offset),
            Op::JumpIfTrueKeep(_) => Op::JumpIfTrueKeep(offset),
            Op::JumpIfNotLt(_) => Op::JumpIfNotLt(offset),
            Op::JumpIfNotLe(_) => Op::JumpIfNotLe(offset),
            Op::JumpIfNotGt(_) => Op::JumpIfNotGt(offset),
            Op::JumpIfNotGe(_) => Op::JumpIfNotGe(offset),
            Op::JumpIfNotEq(_) => Op::JumpIfNotEq(offset),
            Op::JumpIfNotNe(_) => Op::JumpIfNotNe(offset),
            Op::JumpIfLocalNotLtConst(s, k, _) => Op::JumpIfLocalNotLtConst(s, k, offset),
            Op::JumpIfLocalFalse(s, _) => Op::JumpIfLocalFalse(s, offset),
            Op::JumpIfLocalTrue(s, _) => Op::JumpIfLocalTrue(s, offset),
            Op::JumpIfNotLtLocal(s, _) => Op::JumpIfNotLtLocal(s, offset),
            Op::JumpIfNotLeLocal(s, _) => Op::JumpIfNotLeLocal(s, offset),
            Op::JumpIfNotGtLocal(s, _) => Op::JumpIfNotGtLocal(s, offset),
            Op::JumpIfNotGeLocal(s, _) => Op::JumpIfNotGeLocal(s, offset),
            Op::JumpIfNotEqImm(n, _) => Op::JumpIfNotEqImm(n, offset),
            Op::IterNext(_) => Op::IterNext(offset),
            Op::IterNext2(_) => Op::IterNext2(offset),
            Op::Try(_) => Op::Try(offset),
            Op::JumpIfNotConst(order, k, _) => Op::JumpIfNotConst(order, k, offset),
            Op::JumpIfNotLocals(order, a, b, _) => Op::JumpIfNotLocals(order, a, b, offset),
            Op::Loop(_) => Op::Loop(offset.unsigned_abs()),
            Op::IncLocalLoop(s, n, _) => Op::IncLocalLoop(s, n, offset.unsigned_abs()),
            Op::IncLoopLtConst(s, k, _) => Op::IncLoopLtConst(s, k, offset.unsigned_abs()),
            Op::IncLoopLocals(order, s, b, _) => {
                Op::IncLoopLocals(order, s, b, offset.unsigned_abs())
            }
            Op::LoopIfLocals(order, a, b, _) => {
                Op::LoopIfLocals(order, a, b, offset.unsigned_abs())
            }
            Op::LoopIfLtConst(s, k, _) => Op::LoopIfLtConst(s, k, offset.unsigned_abs()),
            other => other,
        }
    }

    /// Whether execution never falls through to the next instruction.
    pub fn is_terminator(self) -> bool {
        matches!(
            self,
            Op::Return
                | Op::ReturnNil
                | Op::Jump(_)
                | Op::Loop(_)
                | Op::IncLocalLoop(..)
                | Op::Raise
                | Op::Trap(_)
        )
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
            Op::JumpIfNotLtLocal(3, 0),
            Op::Try(0),
            Op::IterNext2(0),
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
    fn jump_targets_are_relative_to_next() {
        assert_eq!(Op::Jump(2).jump_target(3), Some(6));
        assert_eq!(Op::Loop(4).jump_target(3), Some(0));
        assert_eq!(Op::Pop.jump_target(3), None);
    }
}
