//! The one table of built-ins (reference.md §11): every built-in function
//! and every method of a built-in type, with its signature. The checker
//! reads it for arity and types (`limit_compiler::check::builtins`), the VM
//! for dispatch: a function's index here is its `CallNative` operand (the
//! VM's `runtime::natives` lists the implementations in the same order, and
//! checks at compile time that the names agree), and a method entry names
//! the `Method` the interpreter dispatches on. Adding a built-in is one
//! entry here, one in the VM's table, and its implementation.
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
//! of that parameter type. Results that depend on the arguments' types
//! (`get(k, default)`, `get_or`, `map`, `reduce`, `sum`) are the checker's
//! (`limit_compiler::check::method_results`); their text here says `any`.

use crate::methods::Method;

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

/// The parameter names of signature text `sig`, in order (`key` for
/// `key?: fn`): named arguments of a built-in call are placed by them.
pub fn param_names(sig: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut depth = 0;
    let mut start = 1;
    for (i, c) in sig.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
        let ends = (c == ',' && depth == 1) || (c == ')' && depth == 0);
        if ends {
            let param = sig[start..i].trim();
            let name = param.split(':').next().unwrap_or("").trim();
            let name = name.trim_end_matches('?');
            if !name.is_empty() {
                names.push(name);
            }
            start = i + 1;
        }
        if depth == 0 && c == ')' {
            break;
        }
    }
    names
}

/// A built-in function as the compiler sees it: its name and signature.
#[derive(Debug)]
pub struct Builtin {
    /// Its name.
    pub name: &'static str,
    /// Its signature text.
    pub sig: &'static str,
    /// Minimum argument count.
    pub min_args: u8,
    /// Maximum argument count ([`VARIADIC`]: any number).
    pub max_args: u8,
}

macro_rules! builtin_signatures {
    ($($name:literal, $sig:literal;)*) => {
        /// Every built-in function, by `CallNative` index.
        pub const BUILTINS: &[Builtin] = &[
            $(Builtin {
                name: $name,
                sig: $sig,
                min_args: arity($sig).0,
                max_args: arity($sig).1,
            },)*
        ];
    };
}

builtin_signatures! {
    "print", "(values: any...) -> nil";
    "eprint", "(values: any...) -> nil";
    "input", "(prompt?: any) -> str";
    "len", "(x: any) -> int";
    "length", "(x: any) -> int";
    "typeof", "(x: any) -> str";
    "int", "(x: any) -> int";
    "float", "(x: any) -> float";
    "str", "(x: any) -> str";
    "string", "(x: any) -> str";
    "bool", "(x: any) -> bool";
    "parse_int", "(text: any) -> int?ConversionError";
    "parse_float", "(text: any) -> float?ConversionError";
    "abs", "(x: T) -> T";
    "min", "(first: any, rest: any...) -> any";
    "max", "(first: any, rest: any...) -> any";
    "sqrt", "(x: num) -> float";
    "floor", "(x: num) -> int";
    "ceil", "(x: num) -> int";
    "round", "(x: num, digits?: int) -> any";
    "pow", "(base: num, exponent: num) -> any";
    "random", "(low?: int, high?: int) -> any";
    "time", "() -> float";
    "now", "() -> float";
    "clock", "() -> float";
    "sleep", "(seconds: num) -> nil";
    "exit", "(code?: int) -> nil";
    "assert", "(condition: any, message?: any) -> nil";
    "contract", "(condition: any, message?: any) -> nil";
    "gc", "() -> int";
    "read_file", "(path: str) -> str?IOError";
    "write_file", "(path: str, text: any) -> nil?IOError";
    "file_exists", "(path: str) -> bool";
    "repr", "(x: any) -> str";
    "channel", "(capacity?: int) -> channel";
    "format", "(value: any, spec: str) -> str";
    "ord", "(character: str) -> int";
    "chr", "(code: int) -> str";
    "sum", "(items: items) -> any";
    "any", "(items: items) -> bool";
    "all", "(items: items) -> bool";
    "sorted", "(items: items, key?: fn) -> [any]";
    "enumerate", "(items: items) -> [(int, any)]";
    "zip", "(left: items, right: items) -> [(any, any)]";
    // Natives of the standard modules (§11b), for their Limit source only.
    "__std_math_sin", "(x: num) -> float";
    "__std_math_cos", "(x: num) -> float";
    "__std_math_tan", "(x: num) -> float";
    "__std_math_asin", "(x: num) -> float";
    "__std_math_acos", "(x: num) -> float";
    "__std_math_atan", "(x: num) -> float";
    "__std_math_atan2", "(y: num, x: num) -> float";
    "__std_math_sinh", "(x: num) -> float";
    "__std_math_cosh", "(x: num) -> float";
    "__std_math_tanh", "(x: num) -> float";
    "__std_math_asinh", "(x: num) -> float";
    "__std_math_acosh", "(x: num) -> float";
    "__std_math_atanh", "(x: num) -> float";
    "__std_math_exp", "(x: num) -> float";
    "__std_math_ln", "(x: num) -> float";
    "__std_math_log_base", "(x: num, base: num) -> float";
    "__std_math_log2", "(x: num) -> float";
    "__std_math_log10", "(x: num) -> float";
    "__std_math_cbrt", "(x: num) -> float";
    "__std_math_hypot", "(x: num, y: num) -> float";
    "__std_math_trunc", "(x: num) -> float";
    "__std_math_fract", "(x: num) -> float";
    "__std_math_is_nan", "(x: num) -> bool";
    "__std_math_is_inf", "(x: num) -> bool";
    "__std_math_inf", "() -> float";
    "__std_env_args", "() -> [str]";
    "__std_env_get", "(name: str) -> str?NotFound";
    "__std_env_vars", "() -> {str: str}";
    "__std_env_cwd", "() -> str";
    "__std_math_round", "(x: num, digits: int) -> float";
    "__std_math_nan", "() -> float";
    "__std_io_read_line", "() -> str?EndOfInput|IOError";
    "__std_io_read_all", "() -> str?IOError";
    "__std_io_write", "(text: any) -> nil";
    "__std_io_flush", "() -> nil";
    "__std_io_eprint", "(values: any...) -> nil";
    "__std_process_run", "(cmd: str, args: [str]) -> {str: any}?IOError";
    "__std_process_pid", "() -> int";
    "__std_process_exit", "(code?: int) -> nil";
    "__std_fs_read_text", "(path: str) -> str?IOError";
    "__std_fs_read_lines", "(path: str) -> [str]?IOError";
    "__std_fs_write_text", "(path: str, text: str) -> nil?IOError";
    "__std_fs_append_text", "(path: str, text: str) -> nil?IOError";
    "__std_fs_exists", "(path: str) -> bool";
    "__std_fs_is_file", "(path: str) -> bool";
    "__std_fs_is_dir", "(path: str) -> bool";
    "__std_fs_list_dir", "(path: str) -> [str]?IOError";
    "__std_fs_make_dir", "(path: str, parents: bool) -> nil?IOError";
    "__std_fs_remove", "(path: str) -> nil?IOError";
    "__std_fs_rename", "(from: str, to: str) -> nil?IOError";
    "__std_fs_copy", "(from: str, to: str) -> nil?IOError";
    "__std_fs_size", "(path: str) -> int?IOError";
    "__std_fs_modified", "(path: str) -> float?IOError";
    "__std_random_seed", "(n: int) -> nil";
    "__std_random_int", "(low: int, high: int) -> int";
    "__std_random_float", "() -> float";
    "__std_random_choice", "(xs: [any]) -> any?IndexOutOfBounds";
    "__std_random_shuffle", "(xs: [any]) -> nil";
    "__std_random_sample", "(xs: [any], k: int) -> [any]";
    "__std_time_now", "() -> float";
    "__std_time_monotonic", "() -> float";
    "__std_time_sleep", "(seconds: num) -> nil";
    "__std_time_fields", "(epoch: num, offset: int) -> [int]";
    "__std_time_local_offset", "(epoch: num) -> int";
    "__std_time_from_fields", "(year: int, month: int, day: int, hour: int, minute: int, second: int, offset: int) -> float?ConversionError";
    "__std_time_parse", "(text: str, fmt: str) -> (float, int)?ParseError";
    "__std_time_format", "(epoch: num, offset: int, fmt: str) -> str";
    "__std_path_join", "(a: str, b: str) -> str";
    "__std_path_dirname", "(path: str) -> str";
    "__std_path_basename", "(path: str) -> str";
    "__std_path_extension", "(path: str) -> str";
    "__std_path_stem", "(path: str) -> str";
    "__std_path_is_absolute", "(path: str) -> bool";
    "__std_path_absolute", "(path: str) -> str?IOError";
    "__std_path_normalize", "(path: str) -> str";
    "__std_json_parse", "(text: str) -> any?ParseError";
    "__std_json_stringify", "(value: any, indent: int) -> str?ConversionError|ResourceLimit";
    "__std_regex_check", "(pattern: str) -> nil?ParseError";
    "__std_regex_is_match", "(pattern: str, text: str) -> bool";
    "__std_regex_find", "(pattern: str, text: str) -> str?NoMatch";
    "__std_regex_find_all", "(pattern: str, text: str) -> [str]";
    "__std_regex_captures", "(pattern: str, text: str) -> [any]?NoMatch";
    "__std_regex_named", "(pattern: str, text: str) -> {str: any}?NoMatch";
    "__std_regex_replace", "(pattern: str, text: str, replacement: str) -> str";
    "__std_regex_split", "(pattern: str, text: str) -> [str]";
    "__std_collections_discard", "(items: {any: any}, key: any) -> bool";
    "__std_math_sqrt", "(x: num) -> float";
    "__std_math_floor", "(x: num) -> int";
    "__std_math_ceil", "(x: num) -> int";
    "__std_math_pow", "(base: num, exponent: num) -> any";

}

/// Index of built-in function `name` (for `CallNative`/`GetNative`).
pub fn builtin_index(name: &str) -> Option<u16> {
    BUILTINS
        .iter()
        .position(|n| n.name == name)
        .map(|i| i as u16)
}

/// Built-in function number `i`.
pub fn native(i: u16) -> Option<&'static Builtin> {
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
    Dict Get "(key: K) -> V?KeyNotFound";
    Dict Get "(key: K, default: any) -> any";
    Dict Remove "(key: K) -> V";
    Dict Clear "() -> nil";
    Dict Copy "() -> {K: V}";
    Dict Merge "(other: {K: V}) -> nil";
    Dict Pop "(key: K) -> V?KeyNotFound";
    Dict GetOr "(key: K, default: any) -> any";
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

    #[test]
    fn names_come_in_order_without_markers() {
        assert_eq!(
            param_names("(items: items, key?: fn) -> [any]"),
            ["items", "key"]
        );
        assert_eq!(
            param_names("(d: {str: (int, int)}, n: int) -> nil"),
            ["d", "n"]
        );
        assert_eq!(param_names("() -> float"), Vec::<&str>::new());
        assert_eq!(param_names("(values: any...) -> nil"), ["values"]);
    }
}
