//! The implementations of the built-in functions, in the order of their
//! signatures (`limit_bytecode::builtins::BUILTINS`): a function's index
//! here is its `CallNative` operand. The names are checked against the
//! signature table at compile time, so the two lists cannot drift apart.

use limit_bytecode::builtins::{Builtin, BUILTINS as SIGNATURES};

use crate::runtime::builtins as b;
use crate::runtime::std_math as m;
use crate::value::{NativeFn, NativeFnPtr};

pub use limit_bytecode::builtins::{
    arity, builtin_index, method_entries, method_names, MethodEntry, Receiver, METHODS, VARIADIC,
};

/// One implementation: the name it implements, and the function.
struct Native {
    name: &'static str,
    func: NativeFnPtr,
}

macro_rules! natives {
    ($($name:literal => $func:expr;)*) => {
        const IMPLEMENTATIONS: &[Native] = &[
            $(Native { name: $name, func: $func },)*
        ];
    };
}

natives! {
    "print" => b::print;
    "eprint" => b::eprint;
    "input" => b::input;
    "len" => |_, a| crate::runtime::collections::length(&a[0]);
    "length" => |_, a| crate::runtime::collections::length(&a[0]);
    "typeof" => |_, a| Ok(crate::value::Value::string(a[0].type_name()));
    "int" => |_, a| b::to_int(&a[0]);
    "float" => |_, a| b::to_float(&a[0]);
    "str" => |_, a| crate::value::display_value(&a[0]);
    "string" => |_, a| crate::value::display_value(&a[0]);
    "bool" => |_, a| Ok(crate::value::Value::Bool(a[0].to_bool()));
    "parse_int" => b::parse_int;
    "parse_float" => b::parse_float;
    "abs" => b::abs;
    "min" => |_, a| b::extreme(a, std::cmp::Ordering::Less);
    "max" => |_, a| b::extreme(a, std::cmp::Ordering::Greater);
    "sqrt" => b::sqrt;
    "floor" => |_, a| b::rounding(&a[0], f64::floor);
    "ceil" => |_, a| b::rounding(&a[0], f64::ceil);
    "round" => b::round;
    "pow" => |_, a| crate::runtime::arith::pow(&a[0], &a[1]);
    "random" => b::random;
    "time" => |_, _| Ok(crate::value::Value::Float(b::epoch_seconds()));
    "now" => |_, _| Ok(crate::value::Value::Float(b::epoch_seconds()));
    "clock" => b::clock;
    "sleep" => b::sleep;
    "exit" => b::exit;
    "assert" => b::assert;
    "contract" => b::contract;
    "gc" => |vm, _| Ok(crate::value::Value::Int(vm.collect_garbage()? as i64));
    "read_file" => b::read_file;
    "write_file" => b::write_file;
    "file_exists" => b::file_exists;
    "repr" => |_, a| Ok(crate::value::Value::string(crate::value::repr(&a[0])));
    "channel" => |_, a| crate::runtime::channel::new_channel(a);
    "format" => b::format;
    "ord" => b::ord;
    "chr" => b::chr;
    "sum" => b::sum;
    "any" => b::any;
    "all" => b::all;
    "sorted" => b::sorted;
    "enumerate" => b::enumerate;
    "zip" => b::zip;
    // Natives of the standard modules (§11b), for their Limit source only.
    "__std_math_sin" => m::sin;
    "__std_math_cos" => m::cos;
    "__std_math_tan" => m::tan;
    "__std_math_asin" => m::asin;
    "__std_math_acos" => m::acos;
    "__std_math_atan" => m::atan;
    "__std_math_atan2" => m::atan2;
    "__std_math_sinh" => m::sinh;
    "__std_math_cosh" => m::cosh;
    "__std_math_tanh" => m::tanh;
    "__std_math_asinh" => m::asinh;
    "__std_math_acosh" => m::acosh;
    "__std_math_atanh" => m::atanh;
    "__std_math_exp" => m::exp;
    "__std_math_ln" => m::ln;
    "__std_math_log_base" => m::log_base;
    "__std_math_log2" => m::log2;
    "__std_math_log10" => m::log10;
    "__std_math_cbrt" => m::cbrt;
    "__std_math_hypot" => m::hypot;
    "__std_math_trunc" => m::trunc;
    "__std_math_fract" => m::fract;
    "__std_math_is_nan" => m::is_nan;
    "__std_math_is_inf" => m::is_inf;
    "__std_math_inf" => m::inf;
    "__std_env_args" => crate::runtime::std_env::args;
    "__std_env_get" => crate::runtime::std_env::get;
    "__std_env_vars" => crate::runtime::std_env::vars;
    "__std_env_cwd" => crate::runtime::std_env::cwd;
    "__std_math_round" => m::round;
    "__std_math_nan" => m::nan;
    "__std_io_read_line" => crate::runtime::std_io::read_line;
    "__std_io_read_all" => crate::runtime::std_io::read_all;
    "__std_io_write" => crate::runtime::std_io::write;
    "__std_io_flush" => crate::runtime::std_io::flush;
    "__std_io_eprint" => b::eprint;
    "__std_process_run" => crate::runtime::std_process::run;
    "__std_process_pid" => crate::runtime::std_process::pid;
    "__std_process_exit" => b::exit;
    "__std_fs_read_text" => crate::runtime::std_fs::read_text;
    "__std_fs_read_lines" => crate::runtime::std_fs::read_lines;
    "__std_fs_write_text" => crate::runtime::std_fs::write_text;
    "__std_fs_append_text" => crate::runtime::std_fs::append_text;
    "__std_fs_exists" => crate::runtime::std_fs::exists;
    "__std_fs_is_file" => crate::runtime::std_fs::is_file;
    "__std_fs_is_dir" => crate::runtime::std_fs::is_dir;
    "__std_fs_list_dir" => crate::runtime::std_fs::list_dir;
    "__std_fs_make_dir" => crate::runtime::std_fs::make_dir;
    "__std_fs_remove" => crate::runtime::std_fs::remove;
    "__std_fs_rename" => crate::runtime::std_fs::rename;
    "__std_fs_copy" => crate::runtime::std_fs::copy;
    "__std_fs_size" => crate::runtime::std_fs::size;
    "__std_fs_modified" => crate::runtime::std_fs::modified;
    "__std_random_seed" => crate::runtime::std_random::seed;
    "__std_random_int" => crate::runtime::std_random::int;
    "__std_random_float" => crate::runtime::std_random::float;
    "__std_random_choice" => crate::runtime::std_random::choice;
    "__std_random_shuffle" => crate::runtime::std_random::shuffle;
    "__std_random_sample" => crate::runtime::std_random::sample;
    "__std_time_now" => |_, _| Ok(crate::value::Value::Float(b::epoch_seconds()));
    "__std_time_monotonic" => b::clock;
    "__std_time_sleep" => b::sleep;
    "__std_time_fields" => crate::runtime::std_time::fields;
    "__std_time_local_offset" => crate::runtime::std_time::local_offset;
    "__std_time_from_fields" => crate::runtime::std_time::from_fields;
    "__std_time_parse" => crate::runtime::std_time::parse;
    "__std_time_format" => crate::runtime::std_time::format;
    "__std_path_join" => crate::runtime::std_path::join;
    "__std_path_dirname" => crate::runtime::std_path::dirname;
    "__std_path_basename" => crate::runtime::std_path::basename;
    "__std_path_extension" => crate::runtime::std_path::extension;
    "__std_path_stem" => crate::runtime::std_path::stem;
    "__std_path_is_absolute" => crate::runtime::std_path::is_absolute;
    "__std_path_absolute" => crate::runtime::std_path::absolute;
    "__std_path_normalize" => crate::runtime::std_path::normalize;
    "__std_json_parse" => crate::runtime::std_json::parse;
    "__std_json_stringify" => crate::runtime::std_json::stringify;
    "__std_regex_check" => crate::runtime::std_regex::check;
    "__std_regex_is_match" => crate::runtime::std_regex::is_match;
    "__std_regex_find" => crate::runtime::std_regex::find;
    "__std_regex_find_all" => crate::runtime::std_regex::find_all;
    "__std_regex_captures" => crate::runtime::std_regex::captures;
    "__std_regex_named" => crate::runtime::std_regex::named;
    "__std_regex_replace" => crate::runtime::std_regex::replace;
    "__std_regex_split" => crate::runtime::std_regex::split;
    "__std_collections_discard" => crate::runtime::std_collections::discard;
    "__std_math_sqrt" => b::sqrt;
    "__std_math_floor" => |_, a| b::rounding(&a[0], f64::floor);
    "__std_math_ceil" => |_, a| b::rounding(&a[0], f64::ceil);
    "__std_math_pow" => |_, a| crate::runtime::arith::pow(&a[0], &a[1]);

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

/// Whether `IMPLEMENTATIONS` lists exactly the functions of `SIGNATURES`,
/// in the same order.
const fn implementations_match_signatures() -> bool {
    if IMPLEMENTATIONS.len() != SIGNATURES.len() {
        return false;
    }
    let mut i = 0;
    while i < IMPLEMENTATIONS.len() {
        if !same_text(IMPLEMENTATIONS[i].name, SIGNATURES[i].name) {
            return false;
        }
        i += 1;
    }
    true
}

const _: () = assert!(
    implementations_match_signatures(),
    "runtime/natives.rs must list one implementation per entry of limit_bytecode::builtins::BUILTINS, in the same order"
);

const fn native_fn(signature: &'static Builtin, func: NativeFnPtr) -> NativeFn {
    NativeFn {
        name: signature.name,
        sig: signature.sig,
        min_args: signature.min_args,
        max_args: signature.max_args,
        func,
    }
}

const fn all_natives<const N: usize>() -> [NativeFn; N] {
    let mut out = [native_fn(&SIGNATURES[0], IMPLEMENTATIONS[0].func); N];
    let mut i = 1;
    while i < N {
        out[i] = native_fn(&SIGNATURES[i], IMPLEMENTATIONS[i].func);
        i += 1;
    }
    out
}

/// Every built-in function, by `CallNative` index: signature and
/// implementation.
pub static BUILTINS: [NativeFn; SIGNATURES.len()] = all_natives();

/// Built-in function number `i`.
pub fn native(i: u16) -> Option<&'static NativeFn> {
    BUILTINS.get(i as usize)
}
