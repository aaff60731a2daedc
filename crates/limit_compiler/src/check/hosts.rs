//! Functions the embedding host registers with a signature
//! (`Engine::register_fn` with typed Rust parameters): calls of them are
//! checked like calls of declared functions, and a session records the
//! signatures of its own top-level functions so the host can check the
//! arguments it passes to them. Host types (`Engine::register_type`):
//! reading, assigning and calling their members is checked against the
//! members the host registered.

use super::types::{FunctionType, Type};
use super::Checker;
use limit_syntax::ast::{Arg, Ident, Stmt, StmtKind};
use limit_syntax::Span;
use std::collections::HashMap;

/// A host type's members, as the checker sees them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostTypeInfo {
    /// Its fields, in the order registered.
    pub fields: Vec<HostField>,
    /// Its methods: name and signature (the receiver apart).
    pub methods: Vec<(String, FunctionType)>,
}

/// A field of a host type.
#[derive(Clone, Debug, PartialEq)]
pub struct HostField {
    pub name: String,
    pub ty: Type,
    /// Whether scripts may read it (it has a getter).
    pub readable: bool,
    /// Whether scripts may assign it (it has a setter).
    pub settable: bool,
}

impl HostTypeInfo {
    fn field(&self, name: &str) -> Option<&HostField> {
        self.fields.iter().find(|f| f.name == name)
    }

    fn method(&self, name: &str) -> Option<&FunctionType> {
        self.methods
            .iter()
            .find(|(method, _)| method == name)
            .map(|(_, signature)| signature)
    }

    fn member_names(&self) -> impl Iterator<Item = &str> {
        self.fields
            .iter()
            .map(|f| f.name.as_str())
            .chain(self.methods.iter().map(|(m, _)| m.as_str()))
    }
}

impl<'a> Checker<'a> {
    /// Reports that host type `host` has no member `name`.
    fn no_host_member(&mut self, host: &str, info: &HostTypeInfo, name: &Ident) {
        let message = crate::suggest::with_suggestion(
            format!("host type `{host}` has no field or method `{}`", name.name),
            &name.name,
            info.member_names(),
        );
        self.error(name.span, message);
    }

    /// The type of `obj.name` read on an object of host type `host`: a
    /// field's, or a method's signature.
    pub(super) fn host_member_type(&mut self, host: &str, name: &Ident) -> Type {
        let Some(info) = self.hosts.types.get(host).cloned() else {
            return Type::Any;
        };
        match (info.field(&name.name), info.method(&name.name)) {
            (Some(field), _) if field.readable => field.ty.clone(),
            (Some(_), _) => {
                self.error(
                    name.span,
                    format!(
                        "field `{}` of host type `{host}` can only be assigned",
                        name.name
                    ),
                );
                Type::Any
            }
            (None, Some(method)) => Type::Function(Box::new(method.clone())),
            (None, None) => {
                self.no_host_member(host, &info, name);
                Type::Any
            }
        }
    }

    /// The type a value assigned to `obj.field` must have, on an object of
    /// host type `host`: the field must have a setter.
    pub(super) fn host_field_assignment(&mut self, host: &str, field: &Ident) -> Type {
        let Some(info) = self.hosts.types.get(host).cloned() else {
            return Type::Any;
        };
        match info.field(&field.name) {
            Some(f) if f.settable => f.ty.clone(),
            Some(_) => {
                self.error_with_hint(
                    field.span,
                    format!("field `{}` of host type `{host}` is read-only", field.name),
                    "the host registered a getter for it but no setter",
                );
                Type::Any
            }
            None if info.method(&field.name).is_some() => {
                self.error(
                    field.span,
                    format!(
                        "`{}` is a method of host type `{host}`: it cannot be assigned",
                        field.name
                    ),
                );
                Type::Any
            }
            None => {
                self.no_host_member(host, &info, field);
                Type::Any
            }
        }
    }

    /// The call `obj.method(args)` on an object of host type `host`: the
    /// argument count must match exactly and each argument must fit.
    pub(super) fn host_method_call(
        &mut self,
        host: &str,
        method: &'a Ident,
        args: &'a [Arg],
    ) -> Type {
        let Some(info) = self.hosts.types.get(host).cloned() else {
            self.infer_arguments(args);
            return Type::Any;
        };
        let Some(signature) = info.method(&method.name) else {
            if info.field(&method.name).is_some() {
                self.error(
                    method.span,
                    format!(
                        "`{}` is a field of host type `{host}`, not a method",
                        method.name
                    ),
                );
            } else {
                self.no_host_member(host, &info, method);
            }
            self.infer_arguments(args);
            return Type::Any;
        };
        let label = format!("{host}.{}", method.name);
        self.check_host_arity(&label, signature, args, method.span);
        self.check_arguments(signature, args, &label)
    }

    /// Reports a call of a host function or method with named arguments
    /// or the wrong number of them.
    fn check_host_arity(
        &mut self,
        name: &str,
        function: &FunctionType,
        args: &[Arg],
        span: limit_syntax::Span,
    ) {
        if args.iter().any(|arg| arg.name.is_some()) {
            self.error_with_hint(
                span,
                format!("`{name}` is a host function: its arguments cannot be named"),
                "pass the arguments by position",
            );
        } else if args.len() != function.params.len() {
            let wanted = function.params.len();
            self.error_with_hint(
                span,
                format!(
                    "`{name}` takes {wanted} argument{}, but {} {} given",
                    if wanted == 1 { "" } else { "s" },
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" },
                ),
                "the host registered it with that many parameters",
            );
        }
    }

    /// The call `name(args)` of a host function registered with a
    /// signature, if `name` is one: its argument count must match exactly
    /// (host functions have no defaults) and each argument must fit its
    /// parameter's type. Returns the call's type.
    pub(super) fn host_call(
        &mut self,
        name: &str,
        args: &'a [Arg],
        span: Span,
    ) -> Option<super::Type> {
        let function = self.hosts.functions.get(name)?.clone();
        self.check_host_arity(name, &function, args, span);
        Some(self.check_arguments(&function, args, name))
    }

    /// The signatures of the module's top-level named functions (a later
    /// declaration of a name replaces an earlier one).
    pub(super) fn top_level_signatures(
        &mut self,
        stmts: &'a [Stmt],
    ) -> HashMap<String, FunctionType> {
        let mut found = HashMap::new();
        for stmt in stmts {
            if let StmtKind::Fn(decl) = &stmt.kind {
                if let Some(name) = &decl.name {
                    let signature = self.signature_of(decl);
                    found.insert(name.name.clone(), signature);
                }
            }
        }
        found
    }
}
