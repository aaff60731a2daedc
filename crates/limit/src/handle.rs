//! Calling a Limit function from Rust through a handle resolved once
//! ([`Engine::get_fn`](crate::Engine::get_fn)): the name lookup, the
//! signature lookup and the making of a function value happen when the
//! handle is made, not on every call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use limit_compiler::check::{FunctionType, Type};
use limit_vm::value::Value as VmValue;

use crate::conversions::{FromValue, IntoValue};
use crate::direct;

/// A top-level Limit function of one [`Engine`](crate::Engine), for calling
/// it again and again with [`Engine::call_fn`](crate::Engine::call_fn).
///
/// A handle holds no Limit value, only where the function is: it can be
/// cloned, kept, and sent to another thread with its engine. It keeps
/// calling the function it was resolved to. Calling it on another engine
/// is an [`Error::NotFound`](crate::Error::NotFound).
///
/// ```
/// let mut engine = limit::Engine::new();
/// engine.run_str("fn area(w: int, h: int): int { return w * h; }")?;
/// let area = engine.get_fn("area")?;
/// assert_eq!(area.name(), "area");
/// assert_eq!(engine.call_fn(&area, &[3.into(), 4.into()])?, limit::Value::Int(12));
/// # Ok::<(), limit::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct FnHandle {
    /// The engine that resolved it ([`EngineId`]).
    pub(crate) engine: u64,
    pub(crate) target: Target,
    pub(crate) name: Arc<str>,
    /// The declared parameter types the arguments are checked against.
    pub(crate) signature: Option<Arc<FunctionType>>,
    /// The same, as far as a call's arguments are checked without a
    /// conversion ([`ParamKind::fits`]).
    pub(crate) kinds: Arc<[ParamKind]>,
    /// For a function a script passed to a host function: its pin in the
    /// VM, let go when the last clone of the handle is dropped.
    pub(crate) _pin: Option<Arc<crate::callback::Pin>>,
}

impl FnHandle {
    /// The name the function was resolved by.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Where a handle's function is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// Top-level function `index` of the program (indices stay valid as
    /// later chunks extend the program).
    Function(usize),
    /// The function value in global slot `index` (a function-valued
    /// variable or a host function), read at each call.
    Global(usize),
    /// A function value a script passed to a host function, pinned in
    /// the VM under this id (`callback.rs`).
    Pinned(u64),
}

/// Numbers told apart the engines of a process (so a handle is only
/// used with the engine that made it).
pub(crate) fn next_engine_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl FnHandle {
    /// Call the function with `args`, a tuple of Rust values (up to eight,
    /// each [`IntoValue`]), and convert its result to `R`: as
    /// [`Engine::call_fn`](crate::Engine::call_fn), but the common scalar
    /// types (`i64`, `f64`, `bool`, `String`) go straight to and from the
    /// VM, with no [`Value`](crate::Value) made in between.
    ///
    /// ```
    /// let mut engine = limit::Engine::new();
    /// engine.run_str("fn area(w: int, h: float): float { return w * h; }")?;
    /// let area = engine.get_fn("area")?;
    /// let a: f64 = area.call(&mut engine, (3, 1.5))?;
    /// assert_eq!(a, 4.5);
    /// // An int for a float parameter becomes a float, as in a script.
    /// assert_eq!(area.call::<f64>(&mut engine, (2, 2))?, 4.0);
    /// let e = area.call::<f64>(&mut engine, ("3", 1.5)).unwrap_err();
    /// assert!(e.to_string().contains("argument 1 (`w`) of `area`"), "{e}");
    /// assert!(area.call::<String>(&mut engine, (1, 1.0)).is_err()); // a float is not a str
    /// # Ok::<(), limit::Error>(())
    /// ```
    pub fn call<R>(
        &self,
        engine: &mut crate::Engine,
        args: impl IntoArgs,
    ) -> Result<R, crate::Error>
    where
        R: FromValue + Send + 'static,
    {
        engine.call_typed(self, args)
    }

    /// Call the function from inside a host function of its engine,
    /// while the script that called the host function waits: the call
    /// runs on the engine's own frame stack (re-entrant; the engine is
    /// not "busy"). What a host function taking an `FnHandle` parameter
    /// does with the closure a script passes it.
    ///
    /// An error the function raises is returned here, so the host
    /// function can stop early; it then continues through the script as
    /// if the script had raised it, whatever the host function returns.
    /// Outside a host call of its engine the handle cannot call back
    /// (an [`Error::NotFound`](crate::Error::NotFound); use
    /// [`FnHandle::call`] with the engine).
    ///
    /// ```
    /// use limit::{Engine, FnHandle, Value};
    /// let mut engine = Engine::new();
    /// engine.register_fn("apply_twice", |f: FnHandle, x: i64| -> Result<i64, limit::Error> {
    ///     let once: i64 = f.call_back((x,))?;
    ///     f.call_back((once,))
    /// });
    /// let v = engine.run_str("var step = 3; apply_twice(fn(n: int): int { return n + step; }, 10)? else { -1 }")?;
    /// assert_eq!(v, Value::Int(16));
    /// # Ok::<(), limit::Error>(())
    /// ```
    pub fn call_back<R>(&self, args: impl IntoArgs) -> Result<R, crate::Error>
    where
        R: FromValue + 'static,
    {
        limit_vm::reentry::with_lent(self.engine, |vm| crate::callback::call_back(vm, self, args))
            .unwrap_or_else(|| {
                Err(crate::Error::NotFound(format!(
                    "{} (a handle calls back only from inside a host function of its engine)",
                    self.name
                )))
            })
    }
}

impl FromValue for FnHandle {
    /// Only a host function's parameter receives a function (as a VM
    /// value, `callback.rs`); a [`Value`](crate::Value) holds none.
    fn from_value(value: crate::Value) -> Result<FnHandle, crate::Error> {
        Err(crate::conversions::mismatch("function", &value))
    }

    fn script_type() -> crate::ScriptType {
        crate::ScriptType::Function(Box::new(FunctionType {
            params: Vec::new(),
            ret: Type::Any,
            flexible_arity: true,
        }))
    }
}

/// Check the arguments in `args` (VM values) of a call of `name` against
/// `signature` (its parameters' `kinds` for the quick way): as they are
/// when they fit, else converted the long way, with its error messages.
pub(crate) fn check_vm_arguments(
    name: &str,
    signature: Option<&FunctionType>,
    kinds: &[ParamKind],
    args: &mut Vec<VmValue>,
) -> Result<(), crate::Error> {
    let Some(signature) = signature else {
        return Ok(());
    };
    let direct =
        args.len() == kinds.len() && args.iter_mut().zip(kinds).all(|(arg, kind)| kind.fits(arg));
    if !direct {
        let values = args
            .iter()
            .map(|arg| crate::engine::from_vm(arg, 0))
            .collect::<Result<Vec<_>, _>>()?;
        args.clear();
        let checked = crate::argument_checks::check_arguments(name, signature, &values)?;
        for arg in checked.iter() {
            args.push(crate::engine::to_vm(arg, 0)?);
        }
    }
    Ok(())
}

/// The arguments of [`FnHandle::call`]: a tuple of up to eight values
/// that convert to Limit ([`IntoValue`]; `()` for none).
pub trait IntoArgs: Send {
    /// Convert the arguments into `out`, as VM values. Must run inside
    /// the engine (a string is made in its heap).
    #[doc(hidden)]
    fn into_vm(self, out: &mut Vec<VmValue>) -> Result<(), crate::Error>;
}

/// One argument as a VM value: straight for the scalar types.
fn argument<T: IntoValue + 'static>(value: T) -> Result<VmValue, crate::Error> {
    match direct::to_vm(value) {
        Ok(v) => Ok(v),
        Err(value) => crate::engine::to_vm(&value.into_value()?, 0),
    }
}

macro_rules! tuple_args {
    ($(($($t:ident $i:tt),*))*) => {$(
        impl<$($t: IntoValue + Send + 'static),*> IntoArgs for ($($t,)*) {
            #[allow(unused_variables)]
            fn into_vm(self, out: &mut Vec<VmValue>) -> Result<(), crate::Error> {
                $(out.push(argument(self.$i)?);)*
                Ok(())
            }
        }
    )*};
}

tuple_args! {
    ()
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
}

/// A parameter's type as far as an argument is checked without a
/// conversion, worked out once per handle: the scalar types, `any`, and
/// the rest (checked the long way, `argument_checks`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParamKind {
    Any,
    Int,
    Float,
    Bool,
    Str,
    Nil,
    Other,
}

impl ParamKind {
    fn of(ty: &Type) -> ParamKind {
        match ty {
            Type::Any => ParamKind::Any,
            // (A sized int's range is checked by the function itself,
            // as its parameter's typed store.)
            Type::Int | Type::SizedInt(_) => ParamKind::Int,
            Type::Float => ParamKind::Float,
            Type::Bool => ParamKind::Bool,
            Type::Str => ParamKind::Str,
            Type::Nil => ParamKind::Nil,
            _ => ParamKind::Other,
        }
    }

    /// The kinds of `signature`'s parameters (none without one).
    pub(crate) fn of_signature(signature: Option<&FunctionType>) -> Arc<[ParamKind]> {
        signature
            .map(|s| s.params.iter().map(|p| ParamKind::of(&p.ty)).collect())
            .unwrap_or_else(|| Arc::from([]))
    }

    /// Whether `value` is of this kind as it is; an `int` for a `float`
    /// parameter becomes a float here. `false`: check it the long way.
    #[inline]
    pub(crate) fn fits(self, value: &mut VmValue) -> bool {
        match (self, &*value) {
            (ParamKind::Any, _)
            | (ParamKind::Int, VmValue::Int(_))
            | (ParamKind::Float, VmValue::Float(_))
            | (ParamKind::Bool, VmValue::Bool(_))
            | (ParamKind::Str, VmValue::Str(_))
            | (ParamKind::Nil, VmValue::Nil) => true,
            (ParamKind::Float, VmValue::Int(i)) => {
                *value = VmValue::Float(*i as f64);
                true
            }
            _ => false,
        }
    }
}
