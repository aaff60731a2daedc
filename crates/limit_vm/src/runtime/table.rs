//! The one table of built-ins (reference.md §11): every built-in function
//! and every method of a built-in type, with its signature. The checker
//! reads it for arity and types (`limit_compiler::check::builtins`), the VM
//! for dispatch: a function's index here is its `CallNative` operand, and
//! a method entry names the `Method` the interpreter dispatches on. Adding
//! a built-in is one entry here plus its implementation.
//!
//! A signature is text: `(name: type, name?: type, name: type...) -> type`.
//! `name?` may be left out (trailing parameters only); `type...` takes any
//! number of further arguments. Types: `int float str bool nil any num`
//! (`num` is any number), `items` (a list, tuple, range, string or dict,
//! walked item by item), `fn` (any callable), `channel`, `[T]`, `{K: V}`,
//! `(A, B)`, `T?` (a value or an error of any kind) and `T?Kind|Kind` (a
//! value or an error of those kinds). The type variables `T` (a list's
//! element, or the type of an argument), `K` and `V` (a dict's key and
//! value) are bound by the receiver of a method, else by the first argument
//! of that parameter type.

use crate::runtime::builtins as b;
use crate::runtime::methods::Method;
use crate::runtime::std_math as m;
use crate::value::NativeFn;

/// `max_args` of a function taking any number of arguments.
pub const VARIADIC: u8 = 255;

/// `(least, most)` argument counts of signature text `sig` (`most` is
/// `VARIADIC` when a parameter is `type...`).
pub const fn arity(sig: &str) -> (u8, u8) {
    let bytes = sig.as_bytes();
    let mut i = 1; // after '('
    let mut depth = 1;
    let mut required = 0u8;
    let mut total = 0u8;
    let mut variadic = false;
    // State of the current parameter.
    let mut started = false;
    let mut optional = false;
    let mut seen_colon = false;
    while i < bytes.len() && depth > 0 {
        let c = bytes[i];
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            _ => {}
        }
        let ends_param = (c == b',' && depth == 1) || depth == 0;
        if ends_param {
            if started {
                total += 1;
                if !optional && !variadic {
                    required += 1;
                }
            }
            started = false;
            optional = false;
            seen_colon = false;
        } else if depth >= 1 && c != b' ' {
            started = true;
            if depth == 1 && c == b':' {
                seen_colon = true;
            }
            if depth == 1 && c == b'?' && !seen_colon {
                optional = true;
            }
            if c == b'.' && i + 2 < bytes.len() && bytes[i + 1] == b'.' && bytes[i + 2] == b'.' {
                variadic = true;
            }
        }
        i += 1;
    }
    if variadic {
        (required, VARIADIC)
    } else {
        (required, total)
    }
}

macro_rules! natives {
    ($($name:literal, $sig:literal, $func:expr;)*) => {
        /// Every built-in function, by `CallNative` index.
        pub static BUILTINS: &[NativeFn] = &[
            $(NativeFn {
                name: $name,
                sig: $sig,
                min_args: arity($sig).0,
                max_args: arity($sig).1,
                func: $func,
            },)*
        ];
    };
}

natives! {
    "print", "(values: any...) -> nil", b::print;
    "eprint", "(values: any...) -> nil", b::eprint;
    "input", "(prompt?: any) -> str", b::input;
    "len", "(x: any) -> int", |_, a| crate::runtime::collections::length(&a[0]);
    "length", "(x: any) -> int", |_, a| crate::runtime::collections::length(&a[0]);
    "typeof", "(x: any) -> str", |_, a| Ok(crate::value::Value::string(a[0].type_name()));
    "int", "(x: any) -> int", |_, a| b::to_int(&a[0]);
    "float", "(x: any) -> float", |_, a| b::to_float(&a[0]);
    "str", "(x: any) -> str", |_, a| crate::value::display_value(&a[0]);
    "string", "(x: any) -> str", |_, a| crate::value::display_value(&a[0]);
    "bool", "(x: any) -> bool", |_, a| Ok(crate::value::Value::Bool(a[0].to_bool()));
    "parse_int", "(text: any) -> int?ConversionError", b::parse_int;
    "parse_float", "(text: any) -> float?ConversionError", b::parse_float;
    "abs", "(x: T) -> T", b::abs;
    "min", "(first: any, rest: any...) -> any", |_, a| b::extreme(a, std::cmp::Ordering::Less);
    "max", "(first: any, rest: any...) -> any", |_, a| b::extreme(a, std::cmp::Ordering::Greater);
    "sqrt", "(x: num) -> float", b::sqrt;
    "floor", "(x: num) -> int", |_, a| b::rounding(&a[0], f64::floor);
    "ceil", "(x: num) -> int", |_, a| b::rounding(&a[0], f64::ceil);
    "round", "(x: num, digits?: int) -> any", b::round;
    "pow", "(base: num, exponent: num) -> any", |_, a| crate::runtime::arith::pow(&a[0], &a[1]);
    "random", "(low?: int, high?: int) -> any", b::random;
    "time", "() -> float", |_, _| Ok(crate::value::Value::Float(b::epoch_seconds()));
    "now", "() -> float", |_, _| Ok(crate::value::Value::Float(b::epoch_seconds()));
    "clock", "() -> float", b::clock;
    "sleep", "(seconds: num) -> nil", b::sleep;
    "exit", "(code?: int) -> nil", b::exit;
    "assert", "(condition: any, message?: any) -> nil", b::assert;
    "contract", "(condition: any, message?: any) -> nil", b::contract;
    "gc", "() -> int", |vm, _| Ok(crate::value::Value::Int(vm.collect_garbage()? as i64));
    "read_file", "(path: str) -> str?IOError", b::read_file;
    "write_file", "(path: str, text: any) -> nil?IOError", b::write_file;
    "file_exists", "(path: str) -> bool", b::file_exists;
    "repr", "(x: any) -> str", |_, a| Ok(crate::value::Value::string(crate::value::repr(&a[0])));
    "channel", "(capacity?: int) -> channel", |_, a| crate::runtime::channel::new_channel(a);
    "format", "(value: any, spec: str) -> str", b::format;
    "ord", "(character: str) -> int", b::ord;
    "chr", "(code: int) -> str", b::chr;
    "sum", "(items: items) -> any", b::sum;
    "any", "(items: items) -> bool", b::any;
    "all", "(items: items) -> bool", b::all;
    "sorted", "(items: items, key?: fn) -> [any]", b::sorted;
    "enumerate", "(items: items) -> [(int, any)]", b::enumerate;
    "zip", "(left: items, right: items) -> [(any, any)]", b::zip;
    // Natives of the standard modules (§11b), for their Limit source only.
    "__std_math_sin", "(x: num) -> float", m::sin;
    "__std_math_cos", "(x: num) -> float", m::cos;
    "__std_math_tan", "(x: num) -> float", m::tan;
    "__std_math_asin", "(x: num) -> float", m::asin;
    "__std_math_acos", "(x: num) -> float", m::acos;
    "__std_math_atan", "(x: num) -> float", m::atan;
    "__std_math_atan2", "(y: num, x: num) -> float", m::atan2;
    "__std_math_sinh", "(x: num) -> float", m::sinh;
    "__std_math_cosh", "(x: num) -> float", m::cosh;
    "__std_math_tanh", "(x: num) -> float", m::tanh;
    "__std_math_asinh", "(x: num) -> float", m::asinh;
    "__std_math_acosh", "(x: num) -> float", m::acosh;
    "__std_math_atanh", "(x: num) -> float", m::atanh;
    "__std_math_exp", "(x: num) -> float", m::exp;
    "__std_math_ln", "(x: num) -> float", m::ln;
    "__std_math_log_base", "(x: num, base: num) -> float", m::log_base;
    "__std_math_log2", "(x: num) -> float", m::log2;
    "__std_math_log10", "(x: num) -> float", m::log10;
    "__std_math_cbrt", "(x: num) -> float", m::cbrt;
    "__std_math_hypot", "(x: num, y: num) -> float", m::hypot;
    "__std_math_trunc", "(x: num) -> float", m::trunc;
    "__std_math_fract", "(x: num) -> float", m::fract;
    "__std_math_is_nan", "(x: num) -> bool", m::is_nan;
    "__std_math_is_inf", "(x: num) -> bool", m::is_inf;
    "__std_math_inf", "() -> float", m::inf;
    "__std_env_args", "() -> [str]", crate::runtime::std_env::args;
    "__std_env_get", "(name: str) -> str?NotFound", crate::runtime::std_env::get;
    "__std_env_vars", "() -> {str: str}", crate::runtime::std_env::vars;
    "__std_env_cwd", "() -> str", crate::runtime::std_env::cwd;
    "__std_math_round", "(x: num, digits: int) -> float", m::round;
    "__std_math_nan", "() -> float", m::nan;
    "__std_io_read_line", "() -> str?EndOfInput|IOError", crate::runtime::std_io::read_line;
    "__std_io_read_all", "() -> str?IOError", crate::runtime::std_io::read_all;
    "__std_io_write", "(text: any) -> nil", crate::runtime::std_io::write;
    "__std_io_flush", "() -> nil", crate::runtime::std_io::flush;
    "__std_io_eprint", "(values: any...) -> nil", b::eprint;
    "__std_process_run", "(cmd: str, args: [str]) -> {str: any}?IOError", crate::runtime::std_process::run;
    "__std_process_pid", "() -> int", crate::runtime::std_process::pid;
    "__std_process_exit", "(code?: int) -> nil", b::exit;
    "__std_fs_read_text", "(path: str) -> str?IOError", crate::runtime::std_fs::read_text;
    "__std_fs_read_lines", "(path: str) -> [str]?IOError", crate::runtime::std_fs::read_lines;
    "__std_fs_write_text", "(path: str, text: str) -> nil?IOError", crate::runtime::std_fs::write_text;
    "__std_fs_append_text", "(path: str, text: str) -> nil?IOError", crate::runtime::std_fs::append_text;
    "__std_fs_exists", "(path: str) -> bool", crate::runtime::std_fs::exists;
    "__std_fs_is_file", "(path: str) -> bool", crate::runtime::std_fs::is_file;
    "__std_fs_is_dir", "(path: str) -> bool", crate::runtime::std_fs::is_dir;
    "__std_fs_list_dir", "(path: str) -> [str]?IOError", crate::runtime::std_fs::list_dir;
    "__std_fs_make_dir", "(path: str, parents: bool) -> nil?IOError", crate::runtime::std_fs::make_dir;
    "__std_fs_remove", "(path: str) -> nil?IOError", crate::runtime::std_fs::remove;
    "__std_fs_rename", "(from: str, to: str) -> nil?IOError", crate::runtime::std_fs::rename;
    "__std_fs_copy", "(from: str, to: str) -> nil?IOError", crate::runtime::std_fs::copy;
    "__std_fs_size", "(path: str) -> int?IOError", crate::runtime::std_fs::size;
    "__std_fs_modified", "(path: str) -> float?IOError", crate::runtime::std_fs::modified;
    "__std_random_seed", "(n: int) -> nil", crate::runtime::std_random::seed;
    "__std_random_int", "(low: int, high: int) -> int", crate::runtime::std_random::int;
    "__std_random_float", "() -> float", crate::runtime::std_random::float;
    "__std_random_choice", "(xs: [any]) -> any?IndexOutOfBounds", crate::runtime::std_random::choice;
    "__std_random_shuffle", "(xs: [any]) -> nil", crate::runtime::std_random::shuffle;
    "__std_random_sample", "(xs: [any], k: int) -> [any]", crate::runtime::std_random::sample;
    "__std_time_now", "() -> float", |_, _| Ok(crate::value::Value::Float(b::epoch_seconds()));
    "__std_time_monotonic", "() -> float", b::clock;
    "__std_time_sleep", "(seconds: num) -> nil", b::sleep;
    "__std_time_fields", "(epoch: num, offset: int) -> [int]", crate::runtime::std_time::fields;
    "__std_time_local_offset", "(epoch: num) -> int", crate::runtime::std_time::local_offset;
    "__std_time_from_fields", "(year: int, month: int, day: int, hour: int, minute: int, second: int, offset: int) -> float?ConversionError", crate::runtime::std_time::from_fields;
    "__std_time_parse", "(text: str, fmt: str) -> (float, int)?ParseError", crate::runtime::std_time::parse;
    "__std_time_format", "(epoch: num, offset: int, fmt: str) -> str", crate::runtime::std_time::format;
    "__std_path_join", "(a: str, b: str) -> str", crate::runtime::std_path::join;
    "__std_path_dirname", "(path: str) -> str", crate::runtime::std_path::dirname;
    "__std_path_basename", "(path: str) -> str", crate::runtime::std_path::basename;
    "__std_path_extension", "(path: str) -> str", crate::runtime::std_path::extension;
    "__std_path_stem", "(path: str) -> str", crate::runtime::std_path::stem;
    "__std_path_is_absolute", "(path: str) -> bool", crate::runtime::std_path::is_absolute;
    "__std_path_absolute", "(path: str) -> str?IOError", crate::runtime::std_path::absolute;
    "__std_path_normalize", "(path: str) -> str", crate::runtime::std_path::normalize;
    "__std_json_parse", "(text: str) -> any?ParseError", crate::runtime::std_json::parse;
    "__std_json_stringify", "(value: any, indent: int) -> str?ConversionError|ResourceLimit", crate::runtime::std_json::stringify;
    "__std_regex_check", "(pattern: str) -> nil?ParseError", crate::runtime::std_regex::check;
    "__std_regex_is_match", "(pattern: str, text: str) -> bool", crate::runtime::std_regex::is_match;
    "__std_regex_find", "(pattern: str, text: str) -> str?NoMatch", crate::runtime::std_regex::find;
    "__std_regex_find_all", "(pattern: str, text: str) -> [str]", crate::runtime::std_regex::find_all;
    "__std_regex_captures", "(pattern: str, text: str) -> [any]?NoMatch", crate::runtime::std_regex::captures;
    "__std_regex_named", "(pattern: str, text: str) -> {str: any}?NoMatch", crate::runtime::std_regex::named;
    "__std_regex_replace", "(pattern: str, text: str, replacement: str) -> str", crate::runtime::std_regex::replace;
    "__std_regex_split", "(pattern: str, text: str) -> [str]", crate::runtime::std_regex::split;
    "__std_collections_discard", "(items: {any: any}, key: any) -> bool", crate::runtime::std_collections::discard;

}

/// Index of built-in function `name` (for `CallNative`/`GetNative`).
pub fn builtin_index(name: &str) -> Option<u16> {
    BUILTINS
        .iter()
        .position(|n| n.name == name)
        .map(|i| i as u16)
}

/// Built-in function number `i`.
pub fn native(i: u16) -> Option<&'static NativeFn> {
    BUILTINS.get(i as usize)
}

/// The kinds of values that have built-in methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receiver {
    Str,
    List,
    Dict,
    Tuple,
    Range,
    Channel,
    /// Every value (`to_string`).
    Any,
}

/// One method of a built-in type: called by any of `method`'s names.
#[derive(Debug)]
pub struct MethodEntry {
    pub on: Receiver,
    pub method: Method,
    pub sig: &'static str,
}

macro_rules! method_table {
    ($($on:ident $method:ident $sig:literal;)*) => {
        /// Every method of every built-in type. A method may have two
        /// entries for one receiver when its result depends on how many
        /// arguments it is given (`get(k)` / `get(k, default)`).
        pub static METHODS: &[MethodEntry] = &[
            $(MethodEntry { on: Receiver::$on, method: Method::$method, sig: $sig },)*
        ];
    };
}

method_table! {
    Str Len "() -> int";
    Str IsEmpty "() -> bool";
    Str Upper "() -> str";
    Str Lower "() -> str";
    Str Trim "() -> str";
    Str Split "(separator?: str) -> [str]";
    Str Join "(items: any) -> str";
    Str Contains "(part: str) -> bool";
    Str StartsWith "(prefix: str) -> bool";
    Str EndsWith "(suffix: str) -> bool";
    Str Find "(part: str) -> int?NotFound";
    Str IndexOf "(part: str) -> int?NotFound";
    Str Replace "(old: str, new: str) -> str";
    Str Substring "(start: int, end?: int) -> str";
    Str Slice "(start: int, end?: int) -> str";
    Str Chars "() -> [str]";
    Str Repeat "(times: int) -> str";
    Str Lines "() -> [str]";
    Str TrimStart "() -> str";
    Str TrimEnd "() -> str";
    Str Strip "(characters?: str) -> str";
    Str PadLeft "(width: int, fill?: str) -> str";
    Str PadRight "(width: int, fill?: str) -> str";
    Str IsDigit "() -> bool";
    Str IsAlpha "() -> bool";
    Str IsSpace "() -> bool";
    Str Count "(part: str) -> int";
    Str RFind "(part: str) -> int?NotFound";
    Str Bytes "() -> [int]";

    List Len "() -> int";
    List IsEmpty "() -> bool";
    List Push "(item: T) -> nil";
    List Pop "() -> T?IndexOutOfBounds";
    List Insert "(index: int, item: T) -> nil";
    List Remove "(index: int) -> T";
    List Contains "(item: any) -> bool";
    List IndexOf "(item: any) -> int?NotFound";
    List Slice "(start: int, end?: int) -> [T]";
    List Reverse "() -> [T]";
    List Sort "(key?: fn) -> [T]";
    List Map "(f: fn) -> [any]";
    List Filter "(keep: fn) -> [T]";
    List Reduce "(f: fn, initial?: any) -> any";
    List Join "(separator?: str) -> str";
    List Clear "() -> nil";
    List Copy "() -> [T]";
    List Extend "(items: items) -> nil";
    List Count "(item: any) -> int";
    List First "() -> T?IndexOutOfBounds";
    List Last "() -> T?IndexOutOfBounds";
    List SortBy "(key: fn) -> [T]";
    List Min "() -> T";
    List Max "() -> T";
    List Sum "() -> any";

    Dict Len "() -> int";
    Dict IsEmpty "() -> bool";
    Dict Keys "() -> [K]";
    Dict Values "() -> [V]";
    Dict Items "() -> [(K, V)]";
    Dict Contains "(key: any) -> bool";
    Dict Get "(key: any) -> V?KeyNotFound";
    Dict Get "(key: any, default: any) -> any";
    Dict Remove "(key: any) -> V";
    Dict Clear "() -> nil";
    Dict Copy "() -> {K: V}";
    Dict Merge "(other: {any: any}) -> nil";
    Dict Pop "(key: any) -> V?KeyNotFound";
    Dict GetOr "(key: any, default: any) -> any";
    Dict Entries "() -> [(K, V)]";

    Tuple Len "() -> int";
    Tuple Contains "(item: any) -> bool";

    Range Len "() -> int";
    Range Contains "(item: any) -> bool";

    Channel Len "() -> int";
    Channel IsEmpty "() -> bool";
    Channel Send "(item: any) -> nil";
    Channel Recv "() -> any?ChannelClosed";
    Channel TryRecv "() -> any?ChannelEmpty|ChannelClosed";
    Channel Close "() -> nil";
    Channel IsClosed "() -> bool";

    Any ToStr "() -> str";
}

/// Whether `on` describes values of kind `receiver` (`Any` describes all).
pub fn applies(on: Receiver, receiver: Receiver) -> bool {
    on == receiver || on == Receiver::Any
}

/// The entries for method `name` on values of kind `receiver`.
pub fn method_entries(
    receiver: Receiver,
    name: &str,
) -> impl Iterator<Item = &'static MethodEntry> {
    let method = Method::from_name(name);
    METHODS
        .iter()
        .filter(move |e| e.method == method && method != Method::Unknown && applies(e.on, receiver))
}

/// Every method name callable on values of kind `receiver` (for
/// did-you-mean suggestions).
pub fn method_names(receiver: Receiver) -> impl Iterator<Item = &'static str> {
    METHODS
        .iter()
        .filter(move |e| applies(e.on, receiver))
        .flat_map(|e| e.method.names().iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arity_of_signature_texts() {
        assert_eq!(arity("() -> int"), (0, 0));
        assert_eq!(arity("(x: any) -> int"), (1, 1));
        assert_eq!(arity("(start: int, end?: int) -> str"), (1, 2));
        assert_eq!(arity("(values: any...) -> nil"), (0, VARIADIC));
        assert_eq!(
            arity("(f: fn(int, int) -> int, xs: [(int, str)]) -> {str: int}"),
            (2, 2)
        );
        assert_eq!(arity("(key: any) -> V?KeyNotFound"), (1, 1));
    }

    #[test]
    fn names_are_unique_and_found() {
        for (i, f) in BUILTINS.iter().enumerate() {
            assert_eq!(
                builtin_index(f.name),
                Some(i as u16),
                "{} listed twice",
                f.name
            );
        }
        assert!(builtin_index("nope").is_none());
        assert_eq!(method_entries(Receiver::Dict, "get").count(), 2);
        assert_eq!(method_entries(Receiver::Str, "to_upper").count(), 1);
        assert_eq!(method_entries(Receiver::Str, "psh").count(), 0);
        assert!(method_names(Receiver::List).any(|n| n == "append"));
    }
}
