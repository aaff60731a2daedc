//! The natives behind `std.process` (docs/stdlib.md): running another
//! program and ending this one. An embedder denies the whole module to
//! untrusted scripts.

use std::process::{Command, Stdio};

use crate::errors::{fail, kinds, Trap};
use crate::interp::Vm;
use crate::value::{display, DictMap, Key, Value};

/// `run(cmd, args)`: runs `cmd` with `args` (no shell: each word is one
/// argument), with no standard input, and waits for it. The result is a
/// record `{status, stdout, stderr}`; `status` is the exit code, or minus
/// the signal that ended the program. A program that cannot be started is
/// an `IOError` value naming it. Output counts against the string limit.
pub(crate) fn run(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let cmd = display(&a[0]);
    let args: Vec<String> = match &a[1] {
        Value::List(l) => l.items.borrow().iter().map(display).collect(),
        other => {
            return fail(
                kinds::TYPE_ERROR,
                &format!(
                    "process.run expects a list of arguments, got {}",
                    other.type_name()
                ),
            )
        }
    };
    let output = match Command::new(&cmd).args(&args).stdin(Stdio::null()).output() {
        Ok(output) => output,
        Err(e) => return Ok(Value::error(kinds::IO_ERROR, &format!("{cmd}: {e}"))),
    };
    crate::limits::check_string(output.stdout.len().max(output.stderr.len()))?;
    let status = output
        .status
        .code()
        .map_or_else(|| -signal(&output.status), i64::from);
    let mut record = DictMap::default();
    let text = |bytes: Vec<u8>| Value::string(String::from_utf8_lossy(&bytes).into_owned());
    record.insert(Key(Value::str("status")), Value::Int(status));
    record.insert(Key(Value::str("stdout")), text(output.stdout));
    record.insert(Key(Value::str("stderr")), text(output.stderr));
    Ok(Value::dict(record))
}

#[cfg(unix)]
fn signal(status: &std::process::ExitStatus) -> i64 {
    use std::os::unix::process::ExitStatusExt;
    status.signal().map_or(1, i64::from)
}

#[cfg(not(unix))]
fn signal(_: &std::process::ExitStatus) -> i64 {
    1
}

/// `pid()`: this process's id.
pub(crate) fn pid(_: &mut Vm, _: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Int(i64::from(std::process::id())))
}
