//! The natives behind `std.path` (docs/stdlib.md): paths as text, with
//! `/` as the separator (POSIX rules, as Python's `posixpath`), so that a
//! program computes the same paths on every platform. Only `absolute`
//! looks at the system (the working directory); none touches a file.

use crate::errors::Trap;
use crate::interp::Vm;
use crate::value::{display, Value};

/// `join(a, b)`: `b` after `a` with one `/` between; an absolute `b`
/// replaces `a` (as Python's `os.path.join`).
pub fn join_text(a: &str, b: &str) -> String {
    if b.starts_with('/') || a.is_empty() {
        return b.to_string();
    }
    if a.ends_with('/') {
        format!("{a}{b}")
    } else {
        format!("{a}/{b}")
    }
}

/// The text before the last `/`, without trailing separators (but `/`
/// stays `/`); `""` when there is no `/`.
pub fn dirname_text(p: &str) -> String {
    match p.rfind('/') {
        None => String::new(),
        Some(i) => {
            let head = p[..=i].trim_end_matches('/');
            if head.is_empty() {
                p[..=i].to_string()
            } else {
                head.to_string()
            }
        }
    }
}

/// The text after the last `/` (`""` for a path ending in `/`).
pub fn basename_text(p: &str) -> &str {
    p.rfind('/').map_or(p, |i| &p[i + 1..])
}

/// The basename split at its last `.`: `(stem, extension)`. A name whose
/// only `.` is its first character (`.bashrc`) has no extension.
fn split_extension(p: &str) -> (&str, &str) {
    let name = basename_text(p);
    match name.rfind('.') {
        Some(i) if i > 0 && !name[..i].chars().all(|c| c == '.') => (&name[..i], &name[i + 1..]),
        _ => (name, ""),
    }
}

/// `normalize(p)`: `.` parts and repeated separators removed, `a/..`
/// folded (a leading `..` of a relative path stays; `/..` is `/`); an
/// empty result is `.`. Symbolic links are not consulted.
pub fn normalize_text(p: &str) -> String {
    let absolute = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            _ => parts.push(part),
        }
    }
    let body = parts.join("/");
    match (absolute, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

fn text(a: &[Value], i: usize) -> String {
    a.get(i).map(display).unwrap_or_default()
}

pub(crate) fn join(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::string(join_text(&text(a, 0), &text(a, 1))))
}

pub(crate) fn dirname(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::string(dirname_text(&text(a, 0))))
}

pub(crate) fn basename(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::str(basename_text(&text(a, 0))))
}

pub(crate) fn extension(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::str(split_extension(&text(a, 0)).1))
}

pub(crate) fn stem(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::str(split_extension(&text(a, 0)).0))
}

pub(crate) fn is_absolute(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Bool(text(a, 0).starts_with('/')))
}

pub(crate) fn normalize(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::string(normalize_text(&text(a, 0))))
}

/// `absolute(p)`: `p` joined to the working directory and normalized; an
/// unreadable working directory is an `IOError` value.
pub(crate) fn absolute(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let p = text(a, 0);
    if p.starts_with('/') {
        return Ok(Value::string(normalize_text(&p)));
    }
    Ok(match std::env::current_dir() {
        Ok(cwd) => {
            let cwd = cwd.to_string_lossy().replace('\\', "/");
            Value::string(normalize_text(&join_text(&cwd, &p)))
        }
        Err(e) => Value::error(
            crate::errors::kinds::IO_ERROR,
            &format!("{e}: the working directory"),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_rules() {
        assert_eq!(join_text("a", "b"), "a/b");
        assert_eq!(join_text("a/", "b"), "a/b");
        assert_eq!(join_text("a", "/b"), "/b");
        assert_eq!(join_text("", "b"), "b");
        assert_eq!(dirname_text("a/b/c"), "a/b");
        assert_eq!(dirname_text("/c"), "/");
        assert_eq!(dirname_text("c"), "");
        assert_eq!(dirname_text("a//b"), "a");
        assert_eq!(basename_text("a/b/"), "");
        assert_eq!(split_extension("x/archive.tar.gz"), ("archive.tar", "gz"));
        assert_eq!(split_extension(".bashrc"), (".bashrc", ""));
        assert_eq!(split_extension("..x"), ("..x", ""));
        assert_eq!(split_extension("a."), ("a", ""));
        assert_eq!(normalize_text("a/./b/../c//"), "a/c");
        assert_eq!(normalize_text("../../x/.."), "../..");
        assert_eq!(normalize_text("/../x"), "/x");
        assert_eq!(normalize_text(""), ".");
        assert_eq!(normalize_text("a/.."), ".");
    }
}
