//! Calls of built-in functions and of the methods of built-in types, typed
//! from the VM's one table of built-ins (`limit_bytecode::builtins`): the
//! argument count, each argument whose parameter has a concrete type, and
//! the result. Unknown methods of values whose type is certain are errors
//! with a did-you-mean suggestion.

use super::expr::Destination;
use super::frames::MemberLookup;
use super::method_results::Arguments;
use super::types::{ErrorSet, FunctionType, ParamType, Type};
use super::Checker;
use limit_bytecode::builtins::{self as table, Receiver, VARIADIC};
use limit_syntax::ast::Arg;
use limit_syntax::Span;

/// What the type variables of a signature stand for.
#[derive(Clone, Debug)]
pub(super) struct Bindings {
    /// A list's element, or the type of the argument of a `T` parameter.
    pub t: Type,
    /// A dict's key.
    pub k: Type,
    /// A dict's value.
    pub v: Type,
}

impl Default for Bindings {
    fn default() -> Self {
        Bindings {
            t: Type::Any,
            k: Type::Any,
            v: Type::Any,
        }
    }
}

/// One parameter of a signature.
#[derive(Clone, Debug)]
pub(super) struct Param {
    pub name: String,
    pub ty: Type,
    /// Its type is exactly the type variable `T`.
    pub is_t: bool,
    pub variadic: bool,
}

/// A signature text of the table, read with some bindings.
#[derive(Clone, Debug)]
pub(super) struct Signature {
    pub params: Vec<Param>,
    pub ret: Type,
}

/// Reads signature text `sig` (the grammar is in `limit_bytecode::builtins`). The
/// table's own test reads every entry, so a malformed text fails there.
pub(super) fn parse_signature(sig: &str, bindings: &Bindings) -> Signature {
    let mut reader = Reader {
        text: sig.as_bytes(),
        at: 0,
        bindings,
    };
    let mut params = Vec::new();
    reader.expect(b'(');
    while !reader.eat(b')') {
        let name = reader.word();
        reader.eat(b'?');
        reader.expect(b':');
        let start = reader.at;
        let ty = reader.ty();
        let is_t = sig[start..reader.at].trim() == "T";
        let variadic = reader.eat_str("...");
        params.push(Param {
            name,
            ty,
            is_t,
            variadic,
        });
        reader.eat(b',');
        if reader.done() {
            break;
        }
    }
    reader.eat_str("->");
    let ret = reader.ty();
    Signature { params, ret }
}

struct Reader<'t> {
    text: &'t [u8],
    at: usize,
    bindings: &'t Bindings,
}

impl Reader<'_> {
    fn skip_spaces(&mut self) {
        while self.text.get(self.at) == Some(&b' ') {
            self.at += 1;
        }
    }

    fn done(&mut self) -> bool {
        self.skip_spaces();
        self.at >= self.text.len()
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_spaces();
        if self.text.get(self.at) == Some(&c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, s: &str) -> bool {
        self.skip_spaces();
        if self.text[self.at.min(self.text.len())..].starts_with(s.as_bytes()) {
            self.at += s.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) {
        // A malformed signature reads as far as it can; the table's test
        // catches it.
        self.eat(c);
    }

    fn word(&mut self) -> String {
        self.skip_spaces();
        let start = self.at;
        while self
            .text
            .get(self.at)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            self.at += 1;
        }
        String::from_utf8_lossy(&self.text[start..self.at]).into_owned()
    }

    fn ty(&mut self) -> Type {
        let base = self.primary();
        if !self.eat(b'?') {
            return base;
        }
        let mut kinds = Vec::new();
        loop {
            let kind = self.word();
            if kind.is_empty() {
                break;
            }
            kinds.push(kind);
            if !self.eat(b'|') {
                break;
            }
        }
        let errors = if kinds.is_empty() {
            ErrorSet::Any
        } else {
            ErrorSet::Kinds(kinds.into_iter().collect())
        };
        Type::fallible(base, errors)
    }

    fn primary(&mut self) -> Type {
        if self.eat(b'[') {
            let element = self.ty();
            self.expect(b']');
            return Type::list(element);
        }
        if self.eat(b'{') {
            let key = self.ty();
            self.expect(b':');
            let value = self.ty();
            self.expect(b'}');
            return Type::dict(key, value);
        }
        if self.eat(b'(') {
            let mut items = vec![self.ty()];
            while self.eat(b',') {
                items.push(self.ty());
            }
            self.expect(b')');
            return Type::Tuple(items);
        }
        match self.word().as_str() {
            "int" => Type::Int,
            "float" => Type::Float,
            "str" => Type::Str,
            "bool" => Type::Bool,
            "nil" => Type::Nil,
            "channel" => Type::Channel,
            "T" => self.bindings.t.clone(),
            "K" => self.bindings.k.clone(),
            "V" => self.bindings.v.clone(),
            // `any`, `num` (int, float or decimal), `items` (any
            // collection) and `fn` (any callable) are not checked here.
            _ => Type::Any,
        }
    }
}

/// The kind of built-in receiver a static type is, when it is certain.
fn receiver_of(ty: &Type) -> Option<(Receiver, Bindings)> {
    let mut bindings = Bindings::default();
    let receiver = match ty {
        Type::Str => Receiver::Str,
        Type::List(element) => {
            bindings.t = (**element).clone();
            Receiver::List
        }
        Type::Dict(key, value) => {
            bindings.k = (**key).clone();
            bindings.v = (**value).clone();
            Receiver::Dict
        }
        Type::Tuple(_) => Receiver::Tuple,
        Type::Range => Receiver::Range,
        Type::Channel => Receiver::Channel,
        _ => return None,
    };
    Some((receiver, bindings))
}

/// The result of method `name` on a value of type `receiver` when the table
/// gives it one result whatever the arguments, else `any`.
pub(super) fn method_result(receiver: &Type, name: &str) -> Type {
    let Some((kind, bindings)) = receiver_of(receiver) else {
        return Type::Any;
    };
    let mut results =
        table::method_entries(kind, name).map(|e| parse_signature(e.sig, &bindings).ret);
    match (results.next(), results.next()) {
        (Some(only), None) => only,
        _ => Type::Any,
    }
}

/// The closest of `candidates` to `name`, if it is close enough to suggest.
pub(super) fn closest<'n>(
    name: &str,
    candidates: impl Iterator<Item = &'n str>,
) -> Option<&'n str> {
    candidates
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        "argument"
    } else {
        "arguments"
    }
}

/// "1 argument", "1 or 2 arguments", "at least 1 argument".
fn expected_count(least: u8, most: u8) -> String {
    let (least, most) = (least as usize, most as usize);
    if most == VARIADIC as usize {
        format!("at least {least} {}", plural(least))
    } else if least == most {
        format!("{least} {}", plural(least))
    } else {
        format!("{least} to {most} arguments")
    }
}

/// Built-ins that compute with their arguments' values (numbers, items),
/// whose parameters the table types loosely (`any`, `num`, `T`): a `T?`
/// argument must be handled first (§6), as for an operator.
const USE_ARGUMENT_VALUES: [&str; 17] = [
    "abs",
    "min",
    "max",
    "sqrt",
    "floor",
    "ceil",
    "round",
    "pow",
    "sleep",
    "len",
    "length",
    "sum",
    "any",
    "all",
    "sorted",
    "enumerate",
    "zip",
];

impl<'a> Checker<'a> {
    /// A call of built-in function `name` (not shadowed), typed from the
    /// table; `None` when `name` is not a built-in.
    pub(super) fn table_call(&mut self, name: &str, args: &'a [Arg], span: Span) -> Option<Type> {
        let index = table::builtin_index(name)?;
        let native = table::native(index)?;
        if args.len() < native.min_args as usize
            || (native.max_args != VARIADIC && args.len() > native.max_args as usize)
        {
            self.error_with_hint(
                span,
                format!(
                    "`{name}` takes {}, got {}",
                    expected_count(native.min_args, native.max_args),
                    args.len()
                ),
                format!("`{name}{}`", native.sig),
            );
        }
        let (arg_types, ret) = self.apply_signature(native.sig, Bindings::default(), args, name);
        if USE_ARGUMENT_VALUES.contains(&name) {
            for (arg, ty) in args.iter().zip(&arg_types) {
                self.reject_unhandled(&arg.value, ty);
            }
        }
        if name == "format" {
            self.check_format_call(args, &arg_types);
        }
        self.check_collection_arguments(name, args, &arg_types);
        if name == "sorted" {
            // `sorted(xs, key)` calls `key` with each item (checked here
            // only: a built-in function's call has no `InvokeAny` form).
            let arguments = Arguments {
                args,
                types: &arg_types,
                names: table::param_names(native.sig),
            };
            if let (Some((_, items)), Some((key, ty))) =
                (arguments.of("items"), arguments.of("key"))
            {
                let item = item_type(items);
                self.check_called_back(name, key, ty, &[item]);
            }
        }
        Some(special_result(name, &arg_types).unwrap_or(ret))
    }

    /// `len(x)` needs a value with a length and `sum`, `sorted`, `zip`…
    /// one whose items they can walk (reference §11): a string, list,
    /// tuple, dict or range, or an instance of a frame with a `len()` /
    /// `to_list()` method (std.collections' Set, Deque and Heap). An
    /// argument whose static type is none of these would fail at run time.
    fn check_collection_arguments(&mut self, name: &str, args: &[Arg], types: &[Type]) {
        let method = match name {
            "len" | "length" => "len",
            "sum" | "any" | "all" | "sorted" | "enumerate" | "zip" => "to_list",
            _ => return,
        };
        let walked = if name == "zip" { 2 } else { 1 };
        for (arg, ty) in args.iter().zip(types).take(walked) {
            if arg.name.is_some() || self.is_collection(ty, method) {
                continue;
            }
            let needs = if method == "len" {
                "a value with a length"
            } else {
                "a collection"
            };
            self.error_with_hint(
                arg.value.span,
                format!("`{name}` needs {needs}, found `{ty}`"),
                format!(
                    "a string, list, tuple, dict or range, or an instance with a `{method}()` method"
                ),
            );
        }
    }

    /// Whether a value of static type `ty` has a length and items (true
    /// when the type is not certain).
    fn is_collection(&mut self, ty: &Type, method: &str) -> bool {
        match ty.unrefined() {
            Type::Nil
            | Type::Int
            | Type::SizedInt(_)
            | Type::Float
            | Type::Decimal(_)
            | Type::Bool
            | Type::Function(_)
            | Type::Class(_)
            | Type::Enum(_)
            | Type::ErrorValue
            | Type::Atomic => false,
            Type::Frame(frame) => !matches!(
                self.lookup_member(frame, method),
                MemberLookup::Missing | MemberLookup::Field { .. }
            ),
            Type::Union(members) => {
                let members = members.clone();
                members
                    .iter()
                    .any(|member| self.is_collection(member, method))
            }
            _ => true,
        }
    }

    /// The type of built-in function `name` taken as a value (`var say =
    /// print;`, or a module's `const var eprint = __std_io_eprint;`): a
    /// function of its table signature; optional and variadic parameters
    /// make its arity flexible. `None` when `name` is no built-in.
    pub(super) fn builtin_value_type(&self, name: &str) -> Option<Type> {
        let native = table::native(table::builtin_index(name)?)?;
        let signature = parse_signature(native.sig, &Bindings::default());
        let params = signature
            .params
            .into_iter()
            .filter(|param| !param.variadic)
            .map(|param| ParamType {
                name: Some(param.name),
                ty: param.ty,
            })
            .collect();
        Some(Type::Function(Box::new(FunctionType {
            params,
            ret: signature.ret,
            flexible_arity: native.min_args != native.max_args,
        })))
    }

    /// A call of method `name` on a value of built-in type `receiver`;
    /// `None` when the receiver's kind is not certain.
    pub(super) fn table_method(
        &mut self,
        receiver: &Type,
        name: &str,
        name_span: Span,
        args: &'a [Arg],
    ) -> Option<Type> {
        let (kind, bindings) = receiver_of(receiver)?;
        let entries: Vec<&'static table::MethodEntry> = table::method_entries(kind, name).collect();
        if entries.is_empty() {
            let message = match closest(name, table::method_names(kind)) {
                Some(near) => format!("no method `{name}` on `{receiver}`: did you mean `{near}`?"),
                None => format!("no method `{name}` on `{receiver}`"),
            };
            self.error_with_hint(
                name_span,
                message,
                format!("the methods of `{receiver}` are listed in reference.md §11"),
            );
            self.infer_arguments(args);
            return Some(Type::Any);
        }
        let fits = |entry: &&&table::MethodEntry| {
            let (least, most) = table::arity(entry.sig);
            args.len() >= least as usize && (most == VARIADIC || args.len() <= most as usize)
        };
        let Some(entry) = entries.iter().find(fits) else {
            let least = entries
                .iter()
                .map(|e| table::arity(e.sig).0)
                .min()
                .unwrap_or(0);
            let most = entries
                .iter()
                .map(|e| table::arity(e.sig).1)
                .max()
                .unwrap_or(0);
            let shown: Vec<String> = entries
                .iter()
                .map(|e| format!("`{name}{}`", e.sig))
                .collect();
            self.error_with_hint(
                name_span,
                format!(
                    "`{name}` takes {}, got {}",
                    expected_count(least, most),
                    args.len()
                ),
                shown.join(" or "),
            );
            self.infer_arguments(args);
            return Some(Type::Any);
        };
        let (arg_types, ret) = self.apply_signature(entry.sig, bindings.clone(), args, name);
        let arguments = Arguments {
            args,
            types: &arg_types,
            names: table::param_names(entry.sig),
        };
        self.check_callback(entry.method, &bindings, &arguments);
        Some(
            self.result_from_arguments(entry.method, &bindings, &arguments)
                .unwrap_or(ret),
        )
    }

    /// Checks `args` against signature `sig`: arguments of parameters with
    /// a concrete type are checked against it, the others inferred (an
    /// argument of a `T` parameter binds `T` when nothing did). Gives the
    /// argument types and the result type.
    fn apply_signature(
        &mut self,
        sig: &str,
        mut bindings: Bindings,
        args: &'a [Arg],
        function: &str,
    ) -> (Vec<Type>, Type) {
        let signature = parse_signature(sig, &bindings);
        let t_bound = !bindings.t.is_any();
        let mut arg_types = Vec::with_capacity(args.len());
        for (position, arg) in args.iter().enumerate() {
            // A named argument takes the parameter of its name.
            let index = arg
                .name
                .as_ref()
                .and_then(|name| signature.params.iter().position(|p| p.name == name.name))
                .unwrap_or(position);
            let param = signature
                .params
                .get(index)
                .or_else(|| signature.params.last().filter(|p| p.variadic));
            let ty = match param {
                Some(param) if param.is_t && !t_bound => {
                    let ty = self.infer(&arg.value);
                    if index == 0 || signature.params.get(index).is_some() {
                        bindings.t = ty.clone();
                    }
                    ty
                }
                Some(param) if !param.is_t && !param.ty.is_any() => {
                    let destination = Destination::Argument {
                        param: param.name.clone(),
                        function: function.to_string(),
                    };
                    self.check_against(&arg.value, &param.ty, &destination)
                }
                Some(param) if param.is_t => {
                    let destination = Destination::Element;
                    self.check_against(&arg.value, &param.ty, &destination)
                }
                _ => self.infer(&arg.value),
            };
            arg_types.push(ty);
        }
        let ret = parse_signature(sig, &bindings).ret;
        (arg_types, ret)
    }
}

/// Results the table's text cannot say: they depend on the arguments.
/// The type of each item of a collection walked item by item.
fn item_type(items: &Type) -> Type {
    match items.unrefined() {
        Type::List(element) => (**element).clone(),
        Type::Str => Type::Str,
        Type::Range => Type::Int,
        _ => Type::Any,
    }
}

fn special_result(name: &str, args: &[Type]) -> Option<Type> {
    match name {
        "min" | "max" => {
            let items: Vec<Type> = match args {
                [Type::List(element)] => vec![(**element).clone()],
                [_] => return Some(Type::Any),
                _ => args.to_vec(),
            };
            Some(if items.iter().all(|t| *t == Type::Int) {
                Type::Int
            } else if items.iter().all(|t| *t == Type::Float) {
                Type::Float
            } else {
                Type::Any
            })
        }
        "random" => Some(if args.is_empty() {
            Type::Float
        } else {
            Type::Int
        }),
        // `round(x, digits)` keeps the number's type (§11).
        "round" => Some(match args {
            [Type::Float, _] => Type::Float,
            [Type::Int | Type::Float] => Type::Int,
            [Type::Int, _] => Type::Int,
            _ => Type::Any,
        }),
        "sum" => match args {
            [Type::List(element)] if matches!(**element, Type::Int | Type::Float) => {
                Some((**element).clone())
            }
            _ => None,
        },
        // Pairs of each item with its index, or with the other's item (§11).
        "enumerate" => match args {
            [items] => Some(Type::list(Type::Tuple(vec![Type::Int, item_type(items)]))),
            _ => None,
        },
        "zip" => match args {
            [left, right] => Some(Type::list(Type::Tuple(vec![
                item_type(left),
                item_type(right),
            ]))),
            _ => None,
        },
        "sorted" => match args {
            [Type::List(element), ..] => Some(Type::list((**element).clone())),
            _ => None,
        },
        "abs" => Some(match args {
            [Type::Int] => Type::Int,
            [Type::Float] => Type::Float,
            _ => Type::Any,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use limit_bytecode::builtins::{BUILTINS, METHODS};

    /// Every signature of the table reads completely and has the arity the
    /// VM enforces.
    #[test]
    fn every_table_signature_reads() {
        let sigs = BUILTINS
            .iter()
            .map(|n| n.sig)
            .chain(METHODS.iter().map(|m| m.sig));
        for sig in sigs {
            let signature = parse_signature(sig, &Bindings::default());
            let (least, most) = table::arity(sig);
            let variadic = signature.params.iter().any(|p| p.variadic);
            assert_eq!(variadic, most == VARIADIC, "{sig}");
            if !variadic {
                assert_eq!(signature.params.len(), most as usize, "{sig}");
            }
            assert!(least as usize <= signature.params.len(), "{sig}");
        }
    }

    #[test]
    fn signatures_read_types() {
        let bindings = Bindings {
            t: Type::Int,
            k: Type::Str,
            v: Type::Float,
        };
        let s = parse_signature(
            "(key: K, default?: V) -> {K: [(V, T)]}?KeyNotFound|IOError",
            &bindings,
        );
        assert_eq!(s.params.len(), 2);
        assert_eq!(s.params[0].ty, Type::Str);
        assert_eq!(
            s.ret,
            Type::fallible(
                Type::dict(
                    Type::Str,
                    Type::list(Type::Tuple(vec![Type::Float, Type::Int]))
                ),
                ErrorSet::Kinds(
                    ["IOError".to_string(), "KeyNotFound".to_string()]
                        .into_iter()
                        .collect()
                )
            )
        );
        assert_eq!(
            closest("psh", ["push", "pop", "len"].into_iter()),
            Some("push")
        );
        assert_eq!(closest("zzz", ["push"].into_iter()), None);
    }
}
