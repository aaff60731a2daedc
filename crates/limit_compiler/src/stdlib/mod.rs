//! The standard modules (`import std.math`, docs/stdlib.md): Limit source
//! compiled into the binary, resolved before the file system. Their code
//! calls natives of the VM's built-in table whose names start with
//! `__std_`; only files of these modules may name them.

/// Every standard module, by the name after `std.`.
pub const NAMES: [&str; 11] = [
    "math",
    "env",
    "path",
    "io",
    "process",
    "json",
    "regex",
    "collections",
    "fs",
    "random",
    "time",
];

/// The source of standard module `std.<name>`.
pub fn source(name: &str) -> Option<&'static str> {
    match name {
        "math" => Some(include_str!("math.lm")),
        "env" => Some(include_str!("env.lm")),
        "path" => Some(include_str!("path.lm")),
        "io" => Some(include_str!("io.lm")),
        "fs" => Some(include_str!("fs.lm")),
        "random" => Some(include_str!("random.lm")),
        "time" => Some(include_str!("time.lm")),
        "process" => Some(include_str!("process.lm")),
        "json" => Some(include_str!("json.lm")),
        "regex" => Some(include_str!("regex.lm")),
        "collections" => Some(include_str!("collections.lm")),
        _ => None,
    }
}

/// The arithmetic a standard module's frame offers (§11b: `DateTime`
/// `+`/`-` durations): for `x op y`, where `x` is an instance of frame
/// `frame` of `std.<module>` and `y` is another instance of it (`same`)
/// or not, the method called on `x` with `y`. `y + x` with only `x` such
/// an instance is `x + y`. The checker (result types, misuses) and the
/// code generator (the call) both read this one table; it applies where
/// the checker knows the operand's frame.
///
/// ```
/// use limit_syntax::ast::BinOp;
/// use limit_compiler::stdlib::operator_method;
/// assert_eq!(operator_method("time", "DateTime", BinOp::Sub, true), Some("since"));
/// assert_eq!(operator_method("time", "DateTime", BinOp::Add, true), None);
/// ```
pub fn operator_method(
    module: &str,
    frame: &str,
    op: limit_syntax::ast::BinOp,
    same: bool,
) -> Option<&'static str> {
    use limit_syntax::ast::BinOp;
    match (module, frame, op, same) {
        ("time", "DateTime", BinOp::Add, false) => Some("add"),
        ("time", "DateTime", BinOp::Sub, false) => Some("sub"),
        ("time", "DateTime", BinOp::Sub, true) => Some("since"),
        _ => None,
    }
}

/// Whether frame `frame` of `std.<module>` has arithmetic
/// ([`operator_method`]).
pub fn has_operators(module: &str, frame: &str) -> bool {
    use limit_syntax::ast::BinOp;
    [(BinOp::Add, false), (BinOp::Sub, false), (BinOp::Sub, true)]
        .into_iter()
        .any(|(op, same)| operator_method(module, frame, op, same).is_some())
}

/// The standard module (its name after `std.`) whose file is named
/// `file_name`, if it is one.
pub fn module_of_file(file_name: &str) -> Option<&str> {
    file_name.strip_prefix("<std>/")?.strip_suffix(".lm")
}

/// The prefix of natives that only standard modules may call.
pub const NATIVE_PREFIX: &str = "__std_";

/// The name files of standard modules have in the source map.
pub fn is_std_file(file_name: &str) -> bool {
    file_name.starts_with("<std>/")
}
