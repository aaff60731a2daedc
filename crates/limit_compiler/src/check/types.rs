//! The static types the checker reasons about (reference.md §3).
//!
//! `Any` is the gradual escape hatch: it is compatible with everything and is
//! used whenever the checker is not certain of a type. Every other variant is
//! a claim the checker is sure of, so the code generator may rely on it.

use std::collections::BTreeSet;
use std::fmt;

/// A range-checked integer type (`i8` … `u128`, `uint`): the VM's own
/// definition, so that checker and runtime agree on every bound.
pub use limit_bytecode::opcode::IntWidth;

/// The error kinds a fallible type may carry (`T?` = any, `T?E1, E2` = those).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ErrorSet {
    Any,
    Kinds(BTreeSet<String>),
}

impl ErrorSet {
    /// The kinds of both sets (any kind when either is not a known set).
    pub fn union(&self, other: &ErrorSet) -> ErrorSet {
        match (self, other) {
            (ErrorSet::Kinds(a), ErrorSet::Kinds(b)) => {
                ErrorSet::Kinds(a.union(b).cloned().collect())
            }
            _ => ErrorSet::Any,
        }
    }

    /// The set holding one kind.
    pub fn single(kind: &str) -> ErrorSet {
        ErrorSet::Kinds(std::iter::once(kind.to_string()).collect())
    }

    /// The kinds of `self` that `allowed` does not cover, where a set not
    /// known statically (a call of a value of function type `fn(…): T?`,
    /// a variable declared plain `T?`) counts as the generic kind `Error`,
    /// which only a plain `T?` (or a set naming `Error`) covers (§6).
    pub fn kinds_not_covered_by(&self, allowed: &ErrorSet) -> Vec<String> {
        match (self, allowed) {
            (ErrorSet::Any, ErrorSet::Kinds(allowed)) if !allowed.contains("Error") => {
                vec!["Error".to_string()]
            }
            _ => self.not_covered_by(allowed),
        }
    }

    /// The kinds of `self` that `allowed` does not cover (none when `self`
    /// is not a known set: the checker then gives the benefit of the doubt).
    pub fn not_covered_by(&self, allowed: &ErrorSet) -> Vec<String> {
        match (self, allowed) {
            (ErrorSet::Kinds(kinds), ErrorSet::Kinds(allowed)) => kinds
                .iter()
                .filter(|kind| !allowed.contains(*kind))
                .cloned()
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A refinement (`T where cond`): `condition` is the condition's node id
/// (the same in every module that sees the type); `name` is what
/// diagnostics call it (the alias, or the written type).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RefinementId {
    pub condition: limit_syntax::ast::NodeId,
    pub name: String,
}

/// One parameter of a function type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ParamType {
    /// Known for declared functions (named arguments); `None` in `fn(int)` types.
    pub name: Option<String>,
    pub ty: Type,
}

/// `fn(A, B): R`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FunctionType {
    pub params: Vec<ParamType>,
    pub ret: Type,
    /// A built-in taken as a value (`var say = print`): it takes optional
    /// or any number of further arguments, so its parameter count does not
    /// have to match a function type's.
    pub flexible_arity: bool,
}

/// A static type. (`Eq` and `Hash`: the type table keeps each distinct
/// type once.)
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// Unknown or dynamic: compatible with everything.
    Any,
    Int,
    SizedInt(IntWidth),
    Float,
    /// `dN`: fixed-scale decimal with N digits after the point.
    Decimal(u8),
    Bool,
    Str,
    Nil,
    Range,
    List(Box<Type>),
    Dict(Box<Type>, Box<Type>),
    Tuple(Vec<Type>),
    Function(Box<FunctionType>),
    Union(Vec<Type>),
    /// `T?` / `T?E1, E2`: a value or an error.
    Fallible(Box<Type>, ErrorSet),
    /// `T where cond`.
    Refined(Box<Type>, RefinementId),
    /// `{x: float, y: float}`: a record (a dict with these string keys).
    Record(Vec<(String, Type)>),
    /// An instance of a frame declared in the checked file.
    Frame(String),
    /// The frame itself used as a value (`var make = Point;`): calling it
    /// constructs an instance.
    Class(String),
    /// A value of an enum declared in the checked file.
    Enum(String),
    /// A value of a frame implementing a trait declared in the checked file.
    Trait(String),
    Channel,
    /// An `atomic` variable: reads as an int, updated atomically.
    Atomic,
    /// An error value (`err(e)` bindings, `?else e`): fields `kind`, `message`.
    ErrorValue,
    /// An object of a type the embedding host registered
    /// (`Engine::register_type`), by its Limit name.
    Host(String),
}

/// The name a frame, trait or enum is declared with, given the name the
/// checker knows it by (`P` for `lib.P`, a program-wide name:
/// `Declarations::qualified`).
pub fn declared_name(key: &str) -> &str {
    key.rsplit_once('.').map_or(key, |(_, name)| name)
}

impl Type {
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    pub fn dict(key: Type, value: Type) -> Type {
        Type::Dict(Box::new(key), Box::new(value))
    }

    pub fn fallible(value: Type, errors: ErrorSet) -> Type {
        Type::Fallible(Box::new(value), errors)
    }

    /// Whether the checker knows nothing about this type.
    pub fn is_any(&self) -> bool {
        matches!(self, Type::Any | Type::Atomic)
    }

    /// The type with refinements stripped (a refined value is usable as its base).
    pub fn unrefined(&self) -> &Type {
        match self {
            Type::Refined(base, _) => base.unrefined(),
            other => other,
        }
    }

    /// The type with its own error set (not those of types inside it)
    /// opened to any kind: for a check of the value's type where the
    /// error kinds get a message of their own (a `return`, an override's
    /// result).
    pub fn with_any_error_set(&self) -> Type {
        match self {
            Type::Fallible(value, _) => Type::Fallible(value.clone(), ErrorSet::Any),
            other => other.clone(),
        }
    }

    /// `int`, a sized int, `float` or a decimal.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self.unrefined(),
            Type::Int | Type::SizedInt(_) | Type::Float | Type::Decimal(_)
        )
    }

    /// `int` or a sized int.
    pub fn is_integer(&self) -> bool {
        matches!(self.unrefined(), Type::Int | Type::SizedInt(_))
    }

    /// A type whose values are certainly not `bool` nor optional nor
    /// anything a program might reasonably test for presence (frames, nil,
    /// unions stay allowed): used for conditions and `and`/`or`/`!`.
    pub fn is_certainly_not_bool(&self) -> bool {
        matches!(
            self.unrefined(),
            Type::Int
                | Type::SizedInt(_)
                | Type::Float
                | Type::Decimal(_)
                | Type::Str
                | Type::Range
                | Type::List(_)
                | Type::Dict(..)
                | Type::Tuple(_)
                | Type::Record(_)
                | Type::Function(_)
        )
    }

    /// The most precise type covering both: equal types stay, anything else
    /// becomes `Any` (an `int | float` join would make a list of ints claim to
    /// hold floats, which the code generator must never believe).
    ///
    /// Two `T?` types join with the union of their error sets (a value
    /// that may come from either may hold either's errors, §6), and two
    /// function types with the same parameters with their results joined,
    /// so that a `?` on the joined value still sees every kind.
    pub fn join(&self, other: &Type) -> Type {
        if self == other {
            return self.clone();
        }
        match (self, other) {
            (Type::Fallible(value, kinds), Type::Fallible(other_value, other_kinds)) => {
                Type::Fallible(Box::new(value.join(other_value)), kinds.union(other_kinds))
            }
            (Type::Function(function), Type::Function(other_function))
                if function.params == other_function.params
                    && function.flexible_arity == other_function.flexible_arity =>
            {
                let mut joined = (**function).clone();
                joined.ret = function.ret.join(&other_function.ret);
                Type::Function(Box::new(joined))
            }
            _ => Type::Any,
        }
    }

    /// The type an unannotated variable gets from its initialiser: mutable
    /// containers forget their element types, because later `push`/index
    /// assignments may store anything in them.
    pub fn generalized(&self) -> Type {
        match self {
            Type::List(_) => Type::list(Type::Any),
            Type::Dict(..) | Type::Record(_) => Type::dict(Type::Any, Type::Any),
            Type::Refined(base, _) => base.generalized(),
            Type::SizedInt(_) => Type::Int,
            other => other.clone(),
        }
    }
}

impl fmt::Display for ErrorSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorSet::Any => Ok(()),
            ErrorSet::Kinds(kinds) => {
                let names: Vec<&str> = kinds.iter().map(String::as_str).collect();
                write!(f, "{}", names.join(", "))
            }
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => write!(f, "any"),
            Type::Class(name) => write!(f, "frame {name}"),
            Type::Int => write!(f, "int"),
            Type::SizedInt(width) => write!(f, "{}", width.name()),
            Type::Float => write!(f, "float"),
            Type::Decimal(scale) => write!(f, "d{scale}"),
            Type::Bool => write!(f, "bool"),
            Type::Str => write!(f, "str"),
            Type::Nil => write!(f, "nil"),
            Type::Range => write!(f, "range"),
            Type::List(element) => write!(f, "[{element}]"),
            Type::Dict(key, value) => write!(f, "{{{key}: {value}}}"),
            Type::Tuple(items) => {
                write!(f, "(")?;
                write_separated(f, items.iter())?;
                write!(f, ")")
            }
            Type::Function(function) => {
                write!(f, "fn(")?;
                write_separated(f, function.params.iter().map(|p| &p.ty))?;
                if function.flexible_arity {
                    write!(f, "{}…", if function.params.is_empty() { "" } else { ", " })?;
                }
                write!(f, "): {}", function.ret)
            }
            Type::Union(members) => {
                let names: Vec<String> = members.iter().map(Type::to_string).collect();
                write!(f, "{}", names.join(" | "))
            }
            // `(fn(): int)?`, not `fn(): int?` (a function returning `int?`).
            Type::Fallible(value, errors) if matches!(**value, Type::Function(_)) => {
                write!(f, "({value})?{errors}")
            }
            Type::Fallible(value, errors) => write!(f, "{value}?{errors}"),
            Type::Refined(_, refinement) => write!(f, "{}", refinement.name),
            Type::Record(fields) => {
                let names: Vec<String> = fields
                    .iter()
                    .map(|(name, ty)| format!("{name}: {ty}"))
                    .collect();
                write!(f, "{{{}}}", names.join(", "))
            }
            Type::Frame(name) | Type::Enum(name) | Type::Trait(name) | Type::Host(name) => {
                write!(f, "{name}")
            }
            Type::Channel => write!(f, "channel"),
            Type::Atomic => write!(f, "atomic"),
            Type::ErrorValue => write!(f, "error"),
        }
    }
}

fn write_separated<'t>(
    f: &mut fmt::Formatter<'_>,
    items: impl Iterator<Item = &'t Type>,
) -> fmt::Result {
    for (index, item) in items.enumerate() {
        if index > 0 {
            write!(f, ", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_source_annotations() {
        let ty = Type::fallible(Type::list(Type::Int), ErrorSet::single("NotFound"));
        assert_eq!(ty.to_string(), "[int]?NotFound");
        assert_eq!(
            Type::dict(Type::Str, Type::Float).to_string(),
            "{str: float}"
        );
        assert_eq!(Type::fallible(Type::Int, ErrorSet::Any).to_string(), "int?");
    }

    #[test]
    fn sized_ranges() {
        use num_bigint::BigInt;
        assert!(IntWidth::U8.contains(&BigInt::from(255)));
        assert!(!IntWidth::U8.contains(&BigInt::from(256)));
        assert!(IntWidth::I8.contains(&BigInt::from(-128)));
        assert!(!IntWidth::I8.contains(&BigInt::from(128)));
        assert!(!IntWidth::Uint.contains(&BigInt::from(-1)));
    }

    #[test]
    fn join_keeps_only_equal_types() {
        assert_eq!(Type::Int.join(&Type::Int), Type::Int);
        assert_eq!(Type::Int.join(&Type::Float), Type::Any);
    }

    #[test]
    fn join_unites_error_sets() {
        let a = Type::fallible(Type::Int, ErrorSet::single("A"));
        let b = Type::fallible(Type::Int, ErrorSet::single("B"));
        let both = Type::fallible(
            Type::Int,
            ErrorSet::single("A").union(&ErrorSet::single("B")),
        );
        assert_eq!(a.join(&b), both);
        let unknown = Type::fallible(Type::Str, ErrorSet::Any);
        assert_eq!(a.join(&unknown), Type::fallible(Type::Any, ErrorSet::Any));
    }
}
