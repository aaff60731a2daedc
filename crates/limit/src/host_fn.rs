//! Rust functions callable from Limit: what
//! [`Engine::register_fn`](crate::Engine::register_fn) accepts.
//!
//! A *typed* host function is any Rust closure or function of up to eight
//! parameters whose types implement [`FromValue`] and whose result
//! implements [`HostResult`] (a type implementing [`IntoValue`], or a
//! `Result` of one). Its signature enters the checker, so a script
//! calling it with the wrong number or types of arguments, or using its
//! result as the wrong type, does not compile; at run time (a call
//! through an `any` value) a wrong argument is a `TypeError` naming it.
//!
//! A *raw* host function takes `&[Value]` and returns
//! `Result<Value, Error>`: it accepts any arguments (for variadic hosts)
//! and the checker treats it as `any`; its `Err` is a trap.

use std::sync::Arc;

use limit_compiler::check::{ErrorSet, FunctionType, ParamType};
use limit_vm::errors::{kinds, Trap};
use limit_vm::interp::Vm;
use limit_vm::value::Value as VmValue;

use crate::callback::{self, HostContext};
use crate::conversions::{FromValue, IntoValue, ScriptType};
use crate::engine::{error_trap, from_vm, to_vm, Error, Value};
use crate::host_arguments::{self, arity_trap};

/// What a host function does with the VM's arguments (the VM calling it
/// given, for the arguments that are functions: `callback.rs`). `Send`,
/// as the engine that holds it is.
pub(crate) type HostBody = dyn Fn(&mut Vm, &[VmValue]) -> Result<VmValue, Trap> + Send;

/// A Rust function [`Engine::register_fn`](crate::Engine::register_fn)
/// can register. Implemented for closures and functions of up to eight
/// [`FromValue`] parameters returning a [`HostResult`], and for raw
/// `Fn(&[Value]) -> Result<Value, Error>` functions. `Marker` tells the
/// implementations apart; callers never name it. The function must be
/// `Send`, as the engine holding it is (it may move to another thread).
pub trait HostFunction<Marker>: 'static {
    /// The signature the checker checks calls against (`None`: the raw
    /// form, which takes anything).
    fn signature() -> Option<FunctionType>;

    /// The function, on VM values; `name` is what errors call it.
    #[doc(hidden)]
    #[allow(private_interfaces)]
    fn into_body(self, name: Arc<str>, context: HostContext) -> Box<HostBody>;
}

/// The result of a typed host function: a value (any [`IntoValue`]), or a
/// `Result` whose `Err` becomes a Limit error value — the function's
/// Limit type is then `T?`, so a script must handle it with `?`,
/// `?else` or `match` (docs/reference.md §6).
///
/// ```
/// use limit::Engine;
/// let mut engine = Engine::new();
/// engine.register_fn("parse_port", |text: String| -> Result<i64, String> {
///     text.parse::<u16>().map(i64::from).map_err(|e| e.to_string())
/// });
/// assert_eq!(engine.run_str(r#"parse_port("8080")? else { 0 }"#)?, limit::Value::Int(8080));
/// assert_eq!(engine.run_str(r#"parse_port("http")? else { -1 }"#)?, limit::Value::Int(-1));
/// // Ignoring the error does not compile.
/// assert!(engine.run_str(r#"var p: int = parse_port("1");"#).is_err());
/// # Ok::<(), limit::Error>(())
/// ```
pub trait HostResult {
    /// The Limit value: `Err` is an error value `{kind, message}`.
    fn into_result(self) -> Result<Value, Error>;

    /// The Limit type of the result.
    fn script_type() -> ScriptType;
}

impl<T: IntoValue> HostResult for T {
    fn into_result(self) -> Result<Value, Error> {
        self.into_value()
    }
    fn script_type() -> ScriptType {
        <T as IntoValue>::script_type()
    }
}

impl<T: IntoValue, E: ScriptError> HostResult for Result<T, E> {
    fn into_result(self) -> Result<Value, Error> {
        match self {
            Ok(value) => value.into_value(),
            Err(error) => {
                let (kind, message) = error.kind_and_message();
                Ok(Value::Error { kind, message })
            }
        }
    }
    fn script_type() -> ScriptType {
        ScriptType::fallible(<T as IntoValue>::script_type(), ErrorSet::Any)
    }
}

/// An error a typed host function returns: it becomes the Limit error
/// value of this kind and message. A `String` or `&str` is an `Error`
/// with that message; an [`Error`] keeps its runtime kind.
///
/// ```
/// use limit::{Engine, Error};
/// let mut engine = Engine::new();
/// engine.register_fn("lookup", |id: i64| -> Result<String, Error> {
///     if id == 1 { Ok("ada".into()) } else { Err(Error::runtime("NotFound", "no such player")) }
/// });
/// let v = engine.run_str(r#"lookup(2) ?else e { "{e.kind}: {e.message}" }"#)?;
/// assert_eq!(v, limit::Value::from("NotFound: no such player"));
/// # Ok::<(), limit::Error>(())
/// ```
pub trait ScriptError {
    /// The error's kind (a capitalised name) and message.
    fn kind_and_message(self) -> (String, String);
}

impl ScriptError for Error {
    fn kind_and_message(self) -> (String, String) {
        match self {
            Error::Runtime(e) => (e.kind.to_string(), e.message.to_string()),
            Error::Conversion(m) => (kinds::CONVERSION_ERROR.to_string(), m),
            other => (kinds::ERROR.to_string(), other.to_string()),
        }
    }
}

impl ScriptError for String {
    fn kind_and_message(self) -> (String, String) {
        (kinds::ERROR.to_string(), self)
    }
}

impl ScriptError for &str {
    fn kind_and_message(self) -> (String, String) {
        (kinds::ERROR.to_string(), self.to_string())
    }
}

/// The raw form's marker.
#[doc(hidden)]
pub struct RawArguments;

impl<F> HostFunction<RawArguments> for F
where
    F: Fn(&[Value]) -> Result<Value, Error> + Send + 'static,
{
    fn signature() -> Option<FunctionType> {
        None
    }

    #[allow(private_interfaces)]
    fn into_body(self, _name: Arc<str>, context: HostContext) -> Box<HostBody> {
        Box::new(move |vm, args| {
            let args = args
                .iter()
                .map(|a| from_vm(a, 0))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| error_trap(&e))?;
            let result = callback::run_host(vm, context.engine, || self(&args))?;
            let result = result.map_err(|e| error_trap(&e))?;
            to_vm(&result, 0).map_err(|e| error_trap(&e))
        })
    }
}

macro_rules! typed_host_functions {
    ($(($len:literal: $($a:ident $position:literal),*))*) => {$(
        impl<F, R, $($a),*> HostFunction<(R, $($a,)*)> for F
        where
            F: Fn($($a),*) -> R + Send + 'static,
            R: HostResult + 'static,
            $($a: FromValue + 'static,)*
        {
            fn signature() -> Option<FunctionType> {
                Some(FunctionType {
                    params: vec![$(ParamType { name: None, ty: <$a as FromValue>::script_type() }),*],
                    ret: R::script_type(),
                    flexible_arity: false,
                })
            }

            #[allow(non_snake_case, unused_mut, unused_variables, private_interfaces)]
            fn into_body(self, name: Arc<str>, context: HostContext) -> Box<HostBody> {
                Box::new(move |vm, args| {
                    if args.len() != $len {
                        return Err(arity_trap(&name, $len, args.len()));
                    }
                    let mut args = args.iter();
                    $(
                        let $a: $a = match args.next() {
                            Some(arg) => host_arguments::convert(
                                arg,
                                Some((&mut *vm, &context)),
                                &|| format!("argument {} of `{name}`", $position),
                            )?,
                            None => return Err(arity_trap(&name, $len, $position - 1)),
                        };
                    )*
                    let result = callback::run_host(vm, context.engine, || self($($a),*))?;
                    host_arguments::result_to_vm(result)
                })
            }
        }
    )*};
}

typed_host_functions! {
    (0:)
    (1: A1 1)
    (2: A1 1, A2 2)
    (3: A1 1, A2 2, A3 3)
    (4: A1 1, A2 2, A3 3, A4 4)
    (5: A1 1, A2 2, A3 3, A4 4, A5 5)
    (6: A1 1, A2 2, A3 3, A4 4, A5 5, A6 6)
    (7: A1 1, A2 2, A3 3, A4 4, A5 5, A6 6, A7 7)
    (8: A1 1, A2 2, A3 3, A4 4, A5 5, A6 6, A7 7, A8 8)
}
