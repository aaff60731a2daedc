//! Arguments a script passes to Rust, and the results Rust gives back:
//! the conversions that host functions (`host_fn.rs`) and host types'
//! methods and setters (`host_type.rs`) share, and the errors they raise.
//!
//! A value converts the quick way when it is a scalar (`direct.rs`), to
//! an [`FnHandle`](crate::FnHandle) when it is a function and the Rust
//! parameter takes one (`callback.rs`), and otherwise through a
//! [`Value`](crate::Value). A value that does not convert is a
//! `TypeError` naming the argument.

use limit_vm::errors::{kinds, trap, Trap};
use limit_vm::interp::Vm;
use limit_vm::value::Value as VmValue;

use crate::callback::{self, HostContext};
use crate::conversions::FromValue;
use crate::direct;
use crate::engine::{error_trap, from_vm, to_vm, Error};
use crate::host_fn::HostResult;

/// `arg` as an `A`, or the `TypeError` naming it as `what` ("argument 2
/// of `add`"). With `callbacks`, a function value becomes a handle the
/// Rust code can call back while it runs.
pub(crate) fn convert<A: FromValue + 'static>(
    arg: &VmValue,
    callbacks: Option<(&mut Vm, &HostContext)>,
    what: &dyn Fn() -> String,
) -> Result<A, Trap> {
    if let Some(value) = direct::from_vm::<A>(arg) {
        return Ok(value);
    }
    if let Some((vm, context)) = callbacks {
        if let Some(handle) = callback::handle_argument::<A>(vm, context, arg) {
            return Ok(handle);
        }
    }
    from_vm(arg, 0)
        .and_then(A::from_value)
        .map_err(|error| mismatch_trap(&what(), error))
}

/// The `TypeError` of an argument that did not convert: a mismatch
/// inside a collection names its path (`argument 1 of `f`, at [2]: …`).
fn mismatch_trap(what: &str, error: Error) -> Trap {
    let message = match error {
        Error::Conversion(m) => match m.strip_prefix("at ") {
            Some(path) => format!("{what}, at {path}"),
            None => format!("{what}: {m}"),
        },
        other => format!("{what}: {other}"),
    };
    trap(kinds::TYPE_ERROR, &message)
}

/// The `TypeError` of `name` called with `given` arguments instead of
/// `wanted`.
pub(crate) fn arity_trap(name: &str, wanted: usize, given: usize) -> Trap {
    trap(
        kinds::TYPE_ERROR,
        &format!(
            "`{name}` takes {wanted} argument{}, but {given} {} given",
            if wanted == 1 { "" } else { "s" },
            if given == 1 { "was" } else { "were" },
        ),
    )
}

/// A host function's or method's result as a VM value: a scalar straight,
/// anything else through a [`Value`](crate::Value); an `Err` of a
/// `Result` result becomes the error value scripts handle (`HostResult`).
pub(crate) fn result_to_vm<R: HostResult + 'static>(result: R) -> Result<VmValue, Trap> {
    match direct::to_vm(result) {
        Ok(value) => Ok(value),
        Err(result) => {
            let result = result.into_result().map_err(|e| error_trap(&e))?;
            to_vm(&result, 0).map_err(|e| error_trap(&e))
        }
    }
}
