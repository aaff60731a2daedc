//! The machinery behind the instruction table: `opcode.rs` declares every
//! instruction once — its operands and what each names, its stack effect,
//! the errors it can raise — and the `instructions!` macro below turns
//! that one declaration into the `Op` enum, the table `INSTRUCTIONS` (read
//! by the disassembler, `Program::validate`, the optimiser and
//! `docs/bytecode.md`), and `Op`'s operand visitor (`for_each_operand`,
//! `map_operands`), from which jump targets and their retargeting follow.
//!
//! The shape follows Lua's `lopcodes.h`/`luaP_opmodes` (one line per
//! instruction, operand modes beside it) and Boa's `generate_opcodes!`
//! (one macro invocation generating the enum and its per-instruction
//! data); here the operand kinds go further, naming what an index points
//! into, so checks that an operand is in range are written once per kind.

use crate::opcode::{BinaryOp, CastKind, Dispatch, Ordering};

/// What an operand is: what it indexes, or how it is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperandKind {
    /// A local slot of the running frame (`stack[base + slot]`).
    Local,
    /// An index into `Program::constants`.
    Constant,
    /// An index into `Program::globals`.
    Global,
    /// An index into the running closure's captures.
    Upvalue,
    /// An index into `Program::functions`.
    Function,
    /// An index into the built-in functions (`builtins::BUILTINS`).
    Native,
    /// An index into `Program::classes`.
    Class,
    /// An index into `Program::enums`.
    Enum,
    /// A variant of the enum named by the preceding `Enum` operand.
    Variant,
    /// A field slot of an instance (checked when the instruction runs: the
    /// instance's class is known only then).
    Field,
    /// A method slot of the receiver's class (checked when it runs).
    MethodSlot,
    /// A position inside a value (a tuple item, an enum payload item),
    /// checked when it runs.
    Position,
    /// A jump: the target is `index + 1 + offset`.
    Jump,
    /// A backward jump: the target is `index + 1 - distance`.
    Back,
    /// A backward jump to the instruction after a loop's head, which the
    /// instruction falls back to for operands it cannot test: the head
    /// (`target - 1`) must exist too.
    BackAfterHead,
    /// A number used as it is.
    Immediate,
    /// How many stack values (arguments, items) the instruction takes.
    Count,
    /// The ordering a comparison tests ([`Ordering`]).
    Order,
    /// The conversion a cast performs ([`CastKind`]).
    Cast,
    /// The binary operator applied ([`BinaryOp`]).
    Operator,
    /// A sized int type's code (`IntWidth`), with `IntWidth::CAST` for `as`.
    Width,
    /// Flag bits or a small selector, described by the instruction.
    Flags,
}

impl OperandKind {
    /// Every kind, in declaration order.
    pub const ALL: [OperandKind; 22] = [
        OperandKind::Local,
        OperandKind::Constant,
        OperandKind::Global,
        OperandKind::Upvalue,
        OperandKind::Function,
        OperandKind::Native,
        OperandKind::Class,
        OperandKind::Enum,
        OperandKind::Variant,
        OperandKind::Field,
        OperandKind::MethodSlot,
        OperandKind::Position,
        OperandKind::Jump,
        OperandKind::Back,
        OperandKind::BackAfterHead,
        OperandKind::Immediate,
        OperandKind::Count,
        OperandKind::Order,
        OperandKind::Cast,
        OperandKind::Operator,
        OperandKind::Width,
        OperandKind::Flags,
    ];

    /// One line saying what an operand of this kind is (for the docs).
    pub fn description(self) -> &'static str {
        match self {
            OperandKind::Local => "a local slot of the running frame (`stack[base + slot]`); checked at load",
            OperandKind::Constant => "an index into the constants; checked at load",
            OperandKind::Global => "an index into the globals; checked at load",
            OperandKind::Upvalue => "an index into the running closure's captures; checked at load",
            OperandKind::Function => "an index into the functions; checked at load",
            OperandKind::Native => "an index into the built-in functions; checked at load",
            OperandKind::Class => "an index into the classes; checked at load",
            OperandKind::Enum => "an index into the enums; checked at load",
            OperandKind::Variant => "a variant of the enum the preceding operand names; checked at load",
            OperandKind::Field => "a field slot of the instance (its class is known only when it runs)",
            OperandKind::MethodSlot => "a method slot of the receiver's class",
            OperandKind::Position => "a position inside a value (tuple item, enum payload item)",
            OperandKind::Jump => "a jump offset: the target is `index + 1 + offset`; checked at load",
            OperandKind::Back => "a backward distance: the target is `index + 1 - distance`; checked at load",
            OperandKind::BackAfterHead => "a backward distance to the instruction after a loop's head (`target - 1` is the head, which the instruction falls back to); checked at load",
            OperandKind::Immediate => "a number used as it is",
            OperandKind::Count => "how many stack values the instruction takes",
            OperandKind::Order => "the ordering tested: `Lt`, `Le`, `Gt`, `Ge`",
            OperandKind::Cast => "the conversion: `Int`, `Float`, `Str`, `Bool`, `IntToFloat`, `IntExact`",
            OperandKind::Operator => "the binary operator: `Add`, `Sub`, `Mul`, `Div`, `Mod`, `Pow`, `BitAnd`, `BitOr`, `BitXor`, `Shl`, `Shr`",
            OperandKind::Width => "a sized int type's code, plus `IntWidth::CAST` for an `as` cast",
            OperandKind::Flags => "flag bits or a selector, as the instruction describes",
        }
    }

    /// Whether the operand is a jump, forwards or backwards.
    pub fn is_jump(self) -> bool {
        matches!(
            self,
            OperandKind::Jump | OperandKind::Back | OperandKind::BackAfterHead
        )
    }
}

/// An operand's value seen as a number, which is how the visitor passes
/// every operand whatever its Rust type.
pub trait OperandValue: Copy {
    /// The value as a number.
    fn to_i64(self) -> i64;
    /// The operand of value `value` (as an `as` cast; an enum operand of an
    /// unknown code becomes its first variant).
    fn from_i64(value: i64) -> Self;
}

macro_rules! numeric_operands {
    ($($ty:ty),*) => {
        $(impl OperandValue for $ty {
            #[inline(always)]
            fn to_i64(self) -> i64 {
                self as i64
            }
            #[inline(always)]
            fn from_i64(value: i64) -> Self {
                value as $ty
            }
        })*
    };
}

numeric_operands!(u8, u16, u32, i16, i32);

impl OperandValue for bool {
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn from_i64(value: i64) -> Self {
        value != 0
    }
}

impl OperandValue for Ordering {
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn from_i64(value: i64) -> Self {
        [Ordering::Lt, Ordering::Le, Ordering::Gt, Ordering::Ge]
            .get(value as usize)
            .copied()
            .unwrap_or(Ordering::Lt)
    }
}

impl OperandValue for BinaryOp {
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn from_i64(value: i64) -> Self {
        BinaryOp::ALL
            .get(value as usize)
            .copied()
            .unwrap_or(BinaryOp::Add)
    }
}

impl OperandValue for Dispatch {
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn from_i64(value: i64) -> Self {
        [Dispatch::Dynamic, Dispatch::Cached, Dispatch::Any]
            .get(value as usize)
            .copied()
            .unwrap_or(Dispatch::Dynamic)
    }
}

impl OperandValue for CastKind {
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn from_i64(value: i64) -> Self {
        [
            CastKind::Int,
            CastKind::Float,
            CastKind::Str,
            CastKind::Bool,
            CastKind::IntToFloat,
            CastKind::IntExact,
        ]
        .get(value as usize)
        .copied()
        .unwrap_or(CastKind::Int)
    }
}

/// One operand as declared: its name, kind and Rust type.
#[derive(Debug)]
pub struct Operand {
    pub name: &'static str,
    pub kind: OperandKind,
    pub ty: &'static str,
}

/// One instruction as declared in `opcode.rs`.
#[derive(Debug)]
pub struct Instruction {
    /// Its name (the `Op` variant).
    pub name: &'static str,
    /// The section of the table it is declared in.
    pub group: &'static str,
    /// Its documentation.
    pub doc: &'static str,
    /// Its operands, in order.
    pub operands: &'static [Operand],
    /// How many values it pops, as declared (`_`: decided when it runs).
    pub pops: &'static str,
    /// How many values it pushes, as declared (`_`: decided when it runs).
    pub pushes: &'static str,
    /// The error kinds it can raise. `Callee`: whatever the function,
    /// method, built-in or `deinit` it runs raises; `Operand`: the error
    /// value it pops; `Constant`: the kind its constant names.
    pub raises: &'static [&'static str],
    /// Execution never falls through to the next instruction.
    pub terminator: bool,
    /// Only the VM's own code holds it; `Program::validate` rejects it.
    pub reserved: bool,
}

/// Whether `flags` contains `flag` (usable in a constant).
pub const fn has_flag(flags: &[&str], flag: &str) -> bool {
    let mut i = 0;
    while i < flags.len() {
        if same_text(flags[i], flag) {
            return true;
        }
        i += 1;
    }
    false
}

const fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A declared stack effect: a count, or `_` when decided at run time.
macro_rules! effect {
    (_) => {
        None
    };
    ($count:expr) => {
        Some($count)
    };
}
pub(crate) use effect;

/// Generates `Op`, `INSTRUCTIONS` and `Op`'s table-driven methods from the
/// table in `opcode.rs`. Each entry:
///
/// ```text
/// /// documentation
/// Name(operand: Kind type, …) [pops => pushes] raises(ErrorKind, …) flags;
/// ```
///
/// where `pops`/`pushes` are numbers, expressions over the operands, or
/// `_`, and the flags are `terminator` and `reserved`.
macro_rules! instructions {
    ($(group $group:literal {
        $(
            $(#[doc = $doc:literal])*
            $name:ident $(( $($field:ident : $kind:ident $ty:ty),+ ))?
            [$pops:tt => $pushes:tt] raises($($error:ident),*) $($flag:ident)*;
        )*
    })*) => {
        /// One instruction with its inline operands (at most 8 bytes),
        /// declared in the table of `opcode.rs`.
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub enum Op {
            $($(
                $(#[doc = $doc])*
                $name $(($($ty),+))?,
            )*)*
        }

        /// Every instruction as declared, in `Op` order.
        pub static INSTRUCTIONS: &[$crate::table::Instruction] = &[
            $($(
                $crate::table::Instruction {
                    name: stringify!($name),
                    group: $group,
                    doc: concat!($($doc, "\n"),*),
                    operands: &[$($($crate::table::Operand {
                        name: stringify!($field),
                        kind: $crate::table::OperandKind::$kind,
                        ty: stringify!($ty),
                    }),+)?],
                    pops: stringify!($pops),
                    pushes: stringify!($pushes),
                    raises: &[$(stringify!($error)),*],
                    terminator: $crate::table::has_flag(&[$(stringify!($flag)),*], "terminator"),
                    reserved: $crate::table::has_flag(&[$(stringify!($flag)),*], "reserved"),
                },
            )*)*
        ];

        /// The instructions' names as a fieldless enum, whose discriminants
        /// are their places in `INSTRUCTIONS`.
        #[allow(dead_code)]
        enum Place {
            $($($name,)*)*
        }

        impl Op {
            /// How many instructions there are.
            pub const COUNT: usize = [$($(stringify!($name),)*)*].len();

            /// This instruction's place in [`INSTRUCTIONS`].
            pub fn index(self) -> usize {
                match self {
                    $($(Op::$name { .. } => Place::$name as usize,)*)*
                }
            }

            /// This instruction's declaration.
            pub fn info(self) -> &'static $crate::table::Instruction {
                &INSTRUCTIONS[self.index()]
            }

            /// The instruction's name.
            pub fn name(self) -> &'static str {
                self.info().name
            }

            /// Calls `visit` with the kind and value of each operand, in order.
            #[inline]
            pub fn for_each_operand(self, mut visit: impl FnMut($crate::table::OperandKind, i64)) {
                use $crate::table::{OperandKind, OperandValue};
                match self {
                    $($(
                        Op::$name $(($($field),+))? => {
                            $($(visit(OperandKind::$kind, OperandValue::to_i64($field));)+)?
                        }
                    )*)*
                }
                let _ = &mut visit;
            }

            /// This instruction with each operand replaced by
            /// `change(kind, value)` (which returns `value` for operands it
            /// leaves alone).
            pub fn map_operands(self, mut change: impl FnMut($crate::table::OperandKind, i64) -> i64) -> Op {
                use $crate::table::{OperandKind, OperandValue};
                let op = match self {
                    $($(
                        Op::$name $(($($field),+))? => Op::$name $(($(
                            <$ty as OperandValue>::from_i64(
                                change(OperandKind::$kind, OperandValue::to_i64($field)),
                            )
                        ),+))?,
                    )*)*
                };
                let _ = &mut change;
                op
            }

            /// How many values the instruction pops and pushes (`None`:
            /// decided when it runs).
            #[allow(unused_variables, clippy::identity_op)]
            pub fn stack_effect(self) -> (Option<usize>, Option<usize>) {
                use $crate::table::OperandValue;
                match self {
                    $($(
                        Op::$name $(($($field),+))? => {
                            $($(let $field = OperandValue::to_i64($field) as usize;)+)?
                            ($crate::table::effect!($pops), $crate::table::effect!($pushes))
                        }
                    )*)*
                }
            }
        }
    };
}
pub(crate) use instructions;
