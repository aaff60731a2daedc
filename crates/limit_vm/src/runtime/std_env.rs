//! The natives behind `std.env` (docs/stdlib.md): the program's
//! command-line arguments, environment variables and working directory.
//! An embedder denies the whole module to untrusted scripts.

use crate::errors::{fail, kinds, Trap};
use crate::interp::Vm;
use crate::value::{DictMap, Key, Value};

/// `args()`: the words after the program's path on the command line.
pub(crate) fn args(vm: &mut Vm, _: &[Value]) -> Result<Value, Trap> {
    let words = vm
        .options
        .program_args
        .iter()
        .map(|w| Value::str(w))
        .collect();
    Ok(Value::list(words))
}

/// `get(name)`: an environment variable, or a `NotFound` error.
pub(crate) fn get(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let name = crate::value::display(&a[0]);
    Ok(match std::env::var(&name) {
        Ok(value) => Value::string(value),
        Err(_) => Value::error("NotFound", &format!("no environment variable {name}")),
    })
}

/// `vars()`: every environment variable (those that are valid UTF-8).
pub(crate) fn vars(_: &mut Vm, _: &[Value]) -> Result<Value, Trap> {
    let mut map = DictMap::default();
    for (name, value) in std::env::vars_os() {
        if let (Some(name), Some(value)) = (name.to_str(), value.to_str()) {
            map.insert(Key(Value::str(name)), Value::str(value));
        }
    }
    Ok(Value::dict(map))
}

/// `cwd()`: the current working directory.
pub(crate) fn cwd(_: &mut Vm, _: &[Value]) -> Result<Value, Trap> {
    match std::env::current_dir() {
        Ok(path) => Ok(Value::string(path.display().to_string())),
        Err(e) => fail(
            kinds::IO_ERROR,
            &format!("cannot read the working directory: {e}"),
        ),
    }
}
