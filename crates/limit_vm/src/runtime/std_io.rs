//! The natives behind `std.io` (docs/stdlib.md): standard input and
//! output beside `print` and `input()`. Writes go through the VM's output
//! buffer (so `print` and `io.write` interleave in program order); reads
//! share the process's one buffered stdin with `input()` and flush the
//! output first (a prompt shows before the program waits); standard error
//! is unbuffered and flushes standard output before it writes.

use std::io::BufRead;

use crate::errors::{kinds, Trap};
use crate::interp::Vm;
use crate::value::{display, Value};

/// `read_line()`: the next line without its line end, or an `EndOfInput`
/// error value at the end of the input.
pub(crate) fn read_line(vm: &mut Vm, _: &[Value]) -> Result<Value, Trap> {
    vm.flush_output()?;
    let mut line = String::new();
    Ok(match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) => Value::error(kinds::END_OF_INPUT, "the end of standard input"),
        Ok(_) => {
            crate::limits::check_string(line.len())?;
            Value::string(line.trim_end_matches(['\n', '\r']).to_string())
        }
        Err(e) => Value::error(kinds::IO_ERROR, &format!("standard input: {e}")),
    })
}

/// `read_all()`: the rest of standard input (bounded by the string and
/// heap limits: a huge input is a `ResourceLimit` trap).
pub(crate) fn read_all(vm: &mut Vm, _: &[Value]) -> Result<Value, Trap> {
    vm.flush_output()?;
    let text = crate::runtime::builtins::read_text_limited(std::io::stdin().lock())?;
    Ok(text.unwrap_or_else(|e| Value::error(kinds::IO_ERROR, &format!("standard input: {e}"))))
}

/// `write(text)`: the text as it prints, without a line end.
pub(crate) fn write(vm: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    vm.write_out(&display(&a[0]))?;
    Ok(Value::Nil)
}

/// `flush()`: buffered output written now.
pub(crate) fn flush(vm: &mut Vm, _: &[Value]) -> Result<Value, Trap> {
    vm.flush_output()?;
    Ok(Value::Nil)
}
