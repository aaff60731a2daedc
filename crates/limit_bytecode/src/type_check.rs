//! The run-time form of a declared type, for `Op::CheckType` (reference.md
//! §3: `any` is "anything; checked at run time"). Where a value whose
//! static type is not known to fit (`any`, `[any]`, …) enters a place
//! with a declared type, the compiler emits a check naming a string
//! constant that holds the type's printed name and its encoding, and the
//! VM parses it once per constant ([`TypeCheck::parse_constant`]).
//!
//! A check looks at representation, never converts: conversions (an int
//! entering `float`, a number entering `dN`) and range and refinement
//! checks stay the compiler's `coerce` path, which runs after it. So
//! `float` accepts ints, a `dN` accepts any number, and a sized int type
//! checks `int` here.
//!
//! The encoding is prefix text, one form per variant:
//! `any int float dec str bool nil range chan fn error`, `fn(T,T,…)` (a
//! callable taking those arguments), `[T]`, `{K:V}`,
//! `(T,T,…)`, `r{name:T,…}` (a record), `?(T)` (optional / fallible: nil
//! and error values pass), `U(T|T|…)` (a union), `F<class>;` (an instance
//! of the frame or a subframe), `C<class>;` (the frame as a value),
//! `E<enum>;` (a value of the enum), `T<key>;` (an instance of a frame
//! implementing the trait whose key is given) and `H<name>;` (an object of
//! the host type).

use std::fmt::Write;

/// What a value must be to enter a declared type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeCheck {
    /// Anything (`any`, or a part of a type nothing checks).
    Any,
    /// An int of any size (also what a sized int type checks here).
    Int,
    /// A float, or an int (converted where it enters).
    Float,
    /// A number (a decimal, or an int or float converted where it enters).
    Decimal,
    Str,
    Bool,
    Nil,
    Range,
    Channel,
    /// Anything callable: its parameters are checked when it is called.
    Function,
    /// A callable taking these arguments (`fn(int, str): R`): a function
    /// of the program must take that many, and the parameters it declares
    /// must accept them (a built-in: the count); checked as it enters.
    Callable(Vec<TypeCheck>),
    /// An error value.
    ErrorValue,
    List(Box<TypeCheck>),
    Dict(Box<TypeCheck>, Box<TypeCheck>),
    Tuple(Vec<TypeCheck>),
    /// A dict with these string keys, or an instance with these fields.
    Record(Vec<(String, TypeCheck)>),
    /// `T?`: nil and error values pass too.
    Optional(Box<TypeCheck>),
    Union(Vec<TypeCheck>),
    /// An instance of class `class` or of a subclass.
    Frame(u32),
    /// Class `class` itself as a value.
    Class(u32),
    /// A value of enum `enum_id`.
    Enum(u16),
    /// An instance of a frame implementing the trait with this key.
    Trait(String),
    /// An object of the host type of this name.
    Host(String),
}

/// The kinds `Op::CheckKind` tells apart: checks that look at nothing
/// but a value's representation, the commonest (`int`, `[any]`), cheap
/// enough for the interpreter's hot path.
pub mod kind {
    /// An int.
    pub const INT: u8 = 0;
    /// A float or an int.
    pub const FLOAT: u8 = 1;
    pub const STR: u8 = 2;
    pub const BOOL: u8 = 3;
    /// A list (or nil, as the checker lets nil into lists).
    pub const LIST: u8 = 4;
    /// A dict (or nil).
    pub const DICT: u8 = 5;
    /// The type each kind is named by in errors.
    pub const NAMES: [&str; 6] = ["int", "float", "str", "bool", "[any]", "{any: any}"];
}

/// What separates the printed name from the encoding in a constant.
const SEPARATOR: char = '\n';

impl TypeCheck {
    /// The constant text for this check of a type printed as `name`.
    pub fn to_constant(&self, name: &str) -> String {
        let mut out = String::with_capacity(name.len() + 16);
        out.push_str(name);
        out.push(SEPARATOR);
        self.encode(&mut out);
        out
    }

    /// The printed name and the check a constant made by
    /// [`TypeCheck::to_constant`] holds.
    pub fn parse_constant(text: &str) -> Option<(&str, TypeCheck)> {
        let (name, encoded) = text.split_once(SEPARATOR)?;
        let mut parser = Parser { rest: encoded };
        let check = parser.check(0)?;
        parser.rest.is_empty().then_some((name, check))
    }

    /// The `Op::CheckKind` code doing the same as this check of a type
    /// printed as `name`, when it looks only at the value's kind and
    /// names the type as the kind does.
    pub fn kind_code(&self, name: &str) -> Option<u8> {
        let code = match self {
            TypeCheck::Int => kind::INT,
            TypeCheck::Float => kind::FLOAT,
            TypeCheck::Str => kind::STR,
            TypeCheck::Bool => kind::BOOL,
            TypeCheck::List(element) if element.is_any() => kind::LIST,
            TypeCheck::Dict(key, value) if key.is_any() && value.is_any() => kind::DICT,
            _ => return None,
        };
        (kind::NAMES[code as usize] == name).then_some(code)
    }

    /// Whether the check lets every value pass.
    pub fn is_any(&self) -> bool {
        matches!(self, TypeCheck::Any)
    }

    fn encode(&self, out: &mut String) {
        match self {
            TypeCheck::Any => out.push_str("any"),
            TypeCheck::Int => out.push_str("int"),
            TypeCheck::Float => out.push_str("float"),
            TypeCheck::Decimal => out.push_str("dec"),
            TypeCheck::Str => out.push_str("str"),
            TypeCheck::Bool => out.push_str("bool"),
            TypeCheck::Nil => out.push_str("nil"),
            TypeCheck::Range => out.push_str("range"),
            TypeCheck::Channel => out.push_str("chan"),
            TypeCheck::Function => out.push_str("fn"),
            TypeCheck::Callable(params) => {
                out.push_str("fn(");
                for (i, param) in params.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    param.encode(out);
                }
                out.push(')');
            }
            TypeCheck::ErrorValue => out.push_str("error"),
            TypeCheck::List(element) => {
                out.push('[');
                element.encode(out);
                out.push(']');
            }
            TypeCheck::Dict(key, value) => {
                out.push('{');
                key.encode(out);
                out.push(':');
                value.encode(out);
                out.push('}');
            }
            TypeCheck::Tuple(items) => {
                out.push('(');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.encode(out);
                }
                out.push(')');
            }
            TypeCheck::Record(fields) => {
                out.push_str("r{");
                for (i, (name, ty)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(name);
                    out.push(':');
                    ty.encode(out);
                }
                out.push('}');
            }
            TypeCheck::Optional(inner) => {
                out.push_str("?(");
                inner.encode(out);
                out.push(')');
            }
            TypeCheck::Union(members) => {
                out.push_str("U(");
                for (i, member) in members.iter().enumerate() {
                    if i > 0 {
                        out.push('|');
                    }
                    member.encode(out);
                }
                out.push(')');
            }
            TypeCheck::Frame(class) => {
                let _ = write!(out, "F{class};");
            }
            TypeCheck::Class(class) => {
                let _ = write!(out, "C{class};");
            }
            TypeCheck::Enum(id) => {
                let _ = write!(out, "E{id};");
            }
            TypeCheck::Trait(key) => {
                let _ = write!(out, "T{key};");
            }
            TypeCheck::Host(name) => {
                let _ = write!(out, "H{name};");
            }
        }
    }
}

/// Types nest at most this deep in an encoding (the compiler's types are
/// far shallower; this bounds the parser's recursion on any text).
const MAX_DEPTH: usize = 64;

struct Parser<'t> {
    rest: &'t str,
}

impl Parser<'_> {
    fn eat(&mut self, prefix: &str) -> bool {
        match self.rest.strip_prefix(prefix) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    /// The text up to the next `;`, which is consumed.
    fn name(&mut self) -> Option<String> {
        let (name, rest) = self.rest.split_once(';')?;
        self.rest = rest;
        Some(name.to_string())
    }

    /// The text up to the next `:`, which is consumed (a record field).
    fn field(&mut self) -> Option<String> {
        let (name, rest) = self.rest.split_once(':')?;
        self.rest = rest;
        Some(name.to_string())
    }

    /// Checks separated by `separator` up to `close` (both consumed).
    fn list(&mut self, separator: &str, close: &str, depth: usize) -> Option<Vec<TypeCheck>> {
        let mut items = Vec::new();
        if self.eat(close) {
            return Some(items);
        }
        loop {
            items.push(self.check(depth + 1)?);
            if self.eat(close) {
                return Some(items);
            }
            if !self.eat(separator) {
                return None;
            }
        }
    }

    fn check(&mut self, depth: usize) -> Option<TypeCheck> {
        if depth > MAX_DEPTH {
            return None;
        }
        if self.eat("fn(") {
            return self.list(",", ")", depth).map(TypeCheck::Callable);
        }
        const WORDS: [(&str, TypeCheck); 11] = [
            ("any", TypeCheck::Any),
            ("int", TypeCheck::Int),
            ("float", TypeCheck::Float),
            ("dec", TypeCheck::Decimal),
            ("str", TypeCheck::Str),
            ("bool", TypeCheck::Bool),
            ("nil", TypeCheck::Nil),
            ("range", TypeCheck::Range),
            ("chan", TypeCheck::Channel),
            ("fn", TypeCheck::Function),
            ("error", TypeCheck::ErrorValue),
        ];
        for (word, check) in WORDS {
            if self.eat(word) {
                return Some(check);
            }
        }
        if self.eat("[") {
            let element = self.check(depth + 1)?;
            return self.eat("]").then(|| TypeCheck::List(Box::new(element)));
        }
        if self.eat("{") {
            let key = self.check(depth + 1)?;
            if !self.eat(":") {
                return None;
            }
            let value = self.check(depth + 1)?;
            return self
                .eat("}")
                .then(|| TypeCheck::Dict(Box::new(key), Box::new(value)));
        }
        if self.eat("(") {
            return self.list(",", ")", depth).map(TypeCheck::Tuple);
        }
        if self.eat("r{") {
            let mut fields = Vec::new();
            if self.eat("}") {
                return Some(TypeCheck::Record(fields));
            }
            loop {
                let name = self.field()?;
                fields.push((name, self.check(depth + 1)?));
                if self.eat("}") {
                    return Some(TypeCheck::Record(fields));
                }
                if !self.eat(",") {
                    return None;
                }
            }
        }
        if self.eat("?(") {
            let inner = self.check(depth + 1)?;
            return self.eat(")").then(|| TypeCheck::Optional(Box::new(inner)));
        }
        if self.eat("U(") {
            return self.list("|", ")", depth).map(TypeCheck::Union);
        }
        if self.eat("F") {
            return self.name()?.parse().ok().map(TypeCheck::Frame);
        }
        if self.eat("C") {
            return self.name()?.parse().ok().map(TypeCheck::Class);
        }
        if self.eat("E") {
            return self.name()?.parse().ok().map(TypeCheck::Enum);
        }
        if self.eat("T") {
            return self.name().map(TypeCheck::Trait);
        }
        if self.eat("H") {
            return self.name().map(TypeCheck::Host);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::TypeCheck::{self, *};

    fn round_trip(check: TypeCheck) {
        let text = check.to_constant("shown");
        assert_eq!(
            TypeCheck::parse_constant(&text),
            Some(("shown", check)),
            "{text:?}"
        );
    }

    #[test]
    fn every_form_reads_back() {
        for check in [
            Any, Int, Float, Decimal, Str, Bool, Nil, Range, Channel, Function,
        ] {
            round_trip(check);
        }
        round_trip(List(Box::new(Dict(Box::new(Str), Box::new(Int)))));
        round_trip(Tuple(vec![]));
        round_trip(Tuple(vec![Int, Optional(Box::new(Str)), Frame(12)]));
        round_trip(Record(vec![]));
        round_trip(Record(vec![
            ("x".to_string(), Float),
            ("tag".to_string(), Enum(3)),
        ]));
        round_trip(Union(vec![
            Int,
            Str,
            Class(0),
            Trait("2:Shape".to_string()),
        ]));
        round_trip(Host("Player".to_string()));
        round_trip(Callable(vec![]));
        round_trip(List(Box::new(Callable(vec![Int, Callable(vec![Str])]))));
        round_trip(Tuple(vec![Function, Callable(vec![Float])]));
        round_trip(ErrorValue);
    }

    #[test]
    fn kind_checks_are_the_checks_named_as_their_kind() {
        assert_eq!(Int.kind_code("int"), Some(super::kind::INT));
        // A sized int is checked as an int but named `u8`: a full check.
        assert_eq!(Int.kind_code("u8"), None);
        assert_eq!(
            List(Box::new(Any)).kind_code("[any]"),
            Some(super::kind::LIST)
        );
        assert_eq!(List(Box::new(Int)).kind_code("[int]"), None);
        assert_eq!(
            Dict(Box::new(Any), Box::new(Any)).kind_code("{any: any}"),
            Some(super::kind::DICT)
        );
        for (code, name) in super::kind::NAMES.iter().enumerate() {
            let check = match code as u8 {
                super::kind::INT => Int,
                super::kind::FLOAT => Float,
                super::kind::STR => Str,
                super::kind::BOOL => Bool,
                super::kind::LIST => List(Box::new(Any)),
                _ => Dict(Box::new(Any), Box::new(Any)),
            };
            assert_eq!(check.kind_code(name), Some(code as u8));
        }
    }

    #[test]
    fn malformed_text_is_rejected() {
        for text in [
            "",
            "name",
            "n\n",
            "n\n[int",
            "n\nintx",
            "n\nF12",
            "n\nFx;",
            "n\nU(int|",
        ] {
            assert_eq!(TypeCheck::parse_constant(text), None, "{text:?}");
        }
        let deep = format!("n\n{}int{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(TypeCheck::parse_constant(&deep), None);
    }
}
