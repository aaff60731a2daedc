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

/// The prefix of natives that only standard modules may call.
pub const NATIVE_PREFIX: &str = "__std_";

/// The name files of standard modules have in the source map.
pub fn is_std_file(file_name: &str) -> bool {
    file_name.starts_with("<std>/")
}
