//! The functions built-in list methods call back (reference §11:
//! `xs.map(f)`, `filter(keep)`, `reduce(f, initial?)`, `sort(key)`,
//! `sort_by(key)`): each call passes the list's elements (and, for
//! `reduce`, the accumulator) to the function's parameters, which are
//! typed places. An element certainly not of a parameter's type is a
//! compile error; where the checker cannot prove the elements fit (a
//! list of `any`, a function held as `any`), the call is marked
//! (`TypeTable::checks_callback`) and the code generator makes it an
//! `InvokeAny`, whose driven method checks each call's arguments against
//! the function's declared parameters, as a `CallAny` does. Proven calls
//! are left alone, so typed code pays nothing.

use super::builtins::Bindings;
use super::compat::Compatibility;
use super::method_results::Arguments;
use super::types::Type;
use super::Checker;
use limit_bytecode::methods::Method;
use limit_syntax::ast::Arg;

impl<'a> Checker<'a> {
    /// Checks what built-in method `method` passes to the function it
    /// calls back, if it calls one.
    pub(super) fn check_callback(
        &mut self,
        method: Method,
        bindings: &Bindings,
        arguments: &Arguments<'_, 'a>,
    ) {
        let element = bindings.t.clone();
        let (function, passed) = match method {
            Method::Map => ("f", vec![element]),
            Method::Filter => ("keep", vec![element]),
            Method::Sort | Method::SortBy => ("key", vec![element]),
            Method::Reduce => {
                let start = arguments
                    .of("initial")
                    .map_or(element.clone(), |(_, initial)| initial.clone());
                ("f", vec![start, element])
            }
            _ => return,
        };
        let Some((arg, ty)) = arguments.of(function) else {
            return;
        };
        if self.check_called_back(method.names()[0], arg, ty, &passed) {
            self.table.record_callback_check(arg.value.id);
        }
    }

    /// Checks that the values `passed` fit the parameters of function
    /// `arg` (of static type `ty`) that built-in `name` calls back; true
    /// when they are not proven to (the call must check them at run time).
    pub(super) fn check_called_back(
        &mut self,
        name: &str,
        arg: &Arg,
        ty: &Type,
        passed: &[Type],
    ) -> bool {
        match ty.unrefined() {
            Type::Function(f) => {
                let mut unproven = false;
                for (index, (param, passed)) in f.params.iter().zip(passed).enumerate() {
                    match self.compatibility(passed, &param.ty) {
                        Compatibility::Fits => {
                            unproven |= self.needs_run_time_check(passed, &param.ty);
                        }
                        _ => {
                            let param_name = param
                                .name
                                .as_ref()
                                .map_or_else(|| format!("{}", index + 1), |n| format!("`{n}`"));
                            self.error_with_hint(
                                arg.value.span,
                                format!(
                                    "mismatched types: `{name}` passes `{passed}` to parameter {param_name} of this function, which expects `{}`",
                                    param.ty
                                ),
                                format!("`{name}` calls the function with each element"),
                            );
                        }
                    }
                }
                unproven
            }
            other => other.is_any(),
        }
    }
}
