//! The natives behind `std.fs` (docs/stdlib.md): files and directories.
//! Every failure is an `IOError` value whose message is the path, then the
//! system's message (`data.txt: No such file or directory (os error 2)`);
//! none traps, except reading more than the limits allow (`ResourceLimit`,
//! as `read_file`). An embedder denies the whole module to untrusted
//! scripts.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::errors::{kinds, Trap};
use crate::interp::Vm;
use crate::value::{display, Value};

fn text(a: &[Value], i: usize) -> String {
    a.get(i).map(display).unwrap_or_default()
}

/// The `IOError` value of a failed operation on `path`.
fn io_error(path: &str, e: &std::io::Error) -> Value {
    Value::error(kinds::IO_ERROR, &format!("{path}: {e}"))
}

/// `nil`, or the `IOError` of `result`.
fn done(path: &str, result: std::io::Result<()>) -> Value {
    match result {
        Ok(()) => Value::Nil,
        Err(e) => io_error(path, &e),
    }
}

/// The whole text of the file at `path`, bounded by the limits.
fn read_whole(path: &str) -> Result<Result<Value, Value>, Trap> {
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return Ok(Err(io_error(path, &e))),
    };
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Ok(Err(Value::error(
            kinds::IO_ERROR,
            &format!("{path}: Is a directory"),
        )));
    }
    Ok(crate::runtime::builtins::read_text_limited(file)?
        .map_err(|e| Value::error(kinds::IO_ERROR, &format!("{path}: {e}"))))
}

pub(crate) fn read_text(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let path = text(a, 0);
    Ok(read_whole(&path)?.unwrap_or_else(|e| e))
}

/// `read_lines(path)`: the file's lines without their ends (`\n` or
/// `\r\n`), as `str.lines()`.
pub(crate) fn read_lines(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let path = text(a, 0);
    Ok(match read_whole(&path)? {
        Ok(Value::Str(s)) => {
            let lines: Vec<Value> = s.text.lines().map(Value::str).collect();
            crate::limits::check_collection(lines.len())?;
            Value::list(lines)
        }
        Ok(other) => other,
        Err(e) => e,
    })
}

pub(crate) fn write_text(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let path = text(a, 0);
    Ok(done(&path, fs::write(&path, text(a, 1))))
}

pub(crate) fn append_text(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let path = text(a, 0);
    let result = fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .and_then(|mut f| f.write_all(text(a, 1).as_bytes()));
    Ok(done(&path, result))
}

pub(crate) fn exists(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Bool(Path::new(&text(a, 0)).exists()))
}

pub(crate) fn is_file(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Bool(Path::new(&text(a, 0)).is_file()))
}

pub(crate) fn is_dir(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Bool(Path::new(&text(a, 0)).is_dir()))
}

/// `list_dir(path)`: the names (not paths) of the directory's entries,
/// sorted by their text; names that are not UTF-8 are shown lossily.
pub(crate) fn list_dir(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let path = text(a, 0);
    let entries = match fs::read_dir(&path) {
        Ok(entries) => entries,
        Err(e) => return Ok(io_error(&path, &e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => names.push(entry.file_name().to_string_lossy().into_owned()),
            Err(e) => return Ok(io_error(&path, &e)),
        }
        crate::limits::check_collection(names.len())?;
    }
    names.sort();
    Ok(Value::list(names.into_iter().map(Value::string).collect()))
}

/// `make_dir(path, parents)`: with `parents`, missing parents are made too
/// and an existing directory is no error (`mkdir -p`).
pub(crate) fn make_dir(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let path = text(a, 0);
    let parents = a.get(1).is_some_and(Value::to_bool);
    let result = if parents {
        fs::create_dir_all(&path)
    } else {
        fs::create_dir(&path)
    };
    Ok(done(&path, result))
}

/// `remove(path)`: a file, or an empty directory (a directory with
/// entries is an error: nothing is removed recursively).
pub(crate) fn remove(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let path = text(a, 0);
    let result = match fs::symlink_metadata(&path) {
        Ok(m) if m.is_dir() => fs::remove_dir(&path),
        _ => fs::remove_file(&path),
    };
    Ok(done(&path, result))
}

pub(crate) fn rename(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let (from, to) = (text(a, 0), text(a, 1));
    Ok(done(&from, fs::rename(&from, &to)))
}

/// `copy(from, to)`: the file's bytes (and permissions) into `to`.
pub(crate) fn copy(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let (from, to) = (text(a, 0), text(a, 1));
    Ok(done(&from, fs::copy(&from, &to).map(|_| ())))
}

/// `size(path)`: the file's length in bytes.
pub(crate) fn size(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let path = text(a, 0);
    Ok(match fs::metadata(&path) {
        Ok(m) => Value::Int(i64::try_from(m.len()).unwrap_or(i64::MAX)),
        Err(e) => io_error(&path, &e),
    })
}

/// `modified(path)`: the last modification time, in seconds since the
/// epoch (a float, as `time.now()`).
pub(crate) fn modified(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let path = text(a, 0);
    let time = fs::metadata(&path).and_then(|m| m.modified());
    Ok(match time {
        Ok(t) => {
            let seconds = match t.duration_since(std::time::UNIX_EPOCH) {
                Ok(d) => d.as_secs_f64(),
                Err(before) => -before.duration().as_secs_f64(),
            };
            Value::Float(seconds)
        }
        Err(e) => io_error(&path, &e),
    })
}
