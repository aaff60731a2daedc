//! Calls: known functions (argument types), frame construction, enum
//! variants, built-in functions and methods (reference.md §5, §11), and
//! calls of values that are not functions.

use super::expr::Destination;
use super::frames::MemberLookup;
use super::names::ObjectUse;
use super::types::{ErrorSet, FunctionType, ParamType, Type};
use super::Checker;
use crate::resolve::DefKind;
use limit_syntax::ast::{Arg, Expr, ExprKind, FnDecl, FrameDecl, Ident, Member, TypeExpr};
use limit_syntax::Span;

impl<'a> Checker<'a> {
    pub(super) fn check_call(&mut self, callee: &'a Expr, args: &'a [Arg], span: Span) -> Type {
        match &callee.kind {
            ExprKind::Ident(name) => self.check_named_call(callee, name, args, span),
            ExprKind::Field(receiver, method) => self.check_method_call(receiver, method, args),
            _ => {
                let callee_type = self.infer(callee);
                self.call_value(callee, &callee_type, args, "function value")
            }
        }
    }

    fn check_named_call(
        &mut self,
        callee: &'a Expr,
        name: &'a str,
        args: &'a [Arg],
        span: Span,
    ) -> Type {
        if self.lookup_use(callee.id).is_some() {
            let callee_type = self.infer(callee);
            return self.call_value(callee, &callee_type, args, name);
        }
        match self.object_use(callee.id, name) {
            Some(ObjectUse::Frame(frame)) => {
                return self.construct_frame(&frame, callee.span, args)
            }
            Some(ObjectUse::Variant(owner)) => {
                let variant = Ident::synthetic(name.to_string(), callee.span);
                return self.check_variant_arguments(&owner, &variant, args);
            }
            _ => {}
        }
        if let Some(result) = self.host_call(name, args, span) {
            return result;
        }
        self.builtin_call(name, args, span)
    }

    /// `Frame(args)` / `module.Frame(args)` of a declared frame.
    fn construct_frame(&mut self, name: &str, span: Span, args: &'a [Arg]) -> Type {
        let is_abstract = self
            .declarations
            .frames
            .get(name)
            .is_some_and(|frame| frame.modifiers.is_abstract);
        if is_abstract {
            self.error_with_hint(
                span,
                format!("cannot instantiate abstract frame `{name}`"),
                "instantiate a frame that extends it",
            );
        }
        self.check_constructor_arguments(name, args);
        Type::Frame(name.to_string())
    }

    /// `Frame(args)`: the arguments of its `init`, else its fields (parent
    /// fields first, as the code generator lays them out).
    fn check_constructor_arguments(&mut self, frame: &str, args: &'a [Arg]) {
        let constructor = match self.lookup_member(frame, "init") {
            MemberLookup::Method { method, .. } => Some(self.signature_of(method)),
            MemberLookup::Missing => {
                let lineage: Vec<&'a FrameDecl> = self.frame_lineage(frame);
                let mut params = Vec::new();
                for decl in lineage.iter().rev() {
                    for member in &decl.members {
                        if let Member::Field(field) = member {
                            if field.is_static {
                                continue;
                            }
                            let ty = match &field.ty {
                                Some(ty) => self.resolve_type(ty),
                                None => Type::Any,
                            };
                            params.push(ParamType {
                                name: Some(field.name.name.clone()),
                                ty,
                            });
                        }
                    }
                }
                Some(FunctionType {
                    params,
                    ret: Type::Frame(frame.to_string()),
                    flexible_arity: false,
                })
            }
            _ => None,
        };
        match constructor {
            Some(function) => {
                self.check_arguments(&function, args, frame);
            }
            None => {
                self.infer_arguments(args);
            }
        }
    }

    /// `Variant(args)` / `Enum.Variant(args)`: each payload value against
    /// the variant's declared payload type. The value is of the enum.
    pub(super) fn check_variant_arguments(
        &mut self,
        enum_name: &str,
        variant: &Ident,
        args: &'a [Arg],
    ) -> Type {
        let declarations = self.declarations;
        let payload: Vec<&'a TypeExpr> = declarations
            .enums
            .get(enum_name)
            .and_then(|decl| decl.variants.iter().find(|v| v.name.name == variant.name))
            .map(|v| v.payload.iter().collect())
            .unwrap_or_default();
        for (index, arg) in args.iter().enumerate() {
            match payload.get(index) {
                Some(annotation) if arg.name.is_none() => {
                    let expected = self.resolve_type(annotation);
                    let destination = Destination::Payload {
                        index: index + 1,
                        variant: format!("{enum_name}.{}", variant.name),
                    };
                    self.check_against(&arg.value, &expected, &destination);
                }
                _ => {
                    self.infer(&arg.value);
                }
            }
        }
        Type::Enum(enum_name.to_string())
    }

    fn check_method_call(
        &mut self,
        receiver: &'a Expr,
        method: &'a Ident,
        args: &'a [Arg],
    ) -> Type {
        if matches!(receiver.kind, ExprKind::Ident(_)) {
            if let Some((DefKind::Frame, frame)) = self.namespace_type(method) {
                return self.construct_frame(&frame, method.span, args);
            }
        }
        if let Some(static_type) = self.static_path_type(receiver, method) {
            // A module's function or a frame's static method.
            if let Type::Function(function) = &static_type {
                return self.check_arguments(function, args, &method.name);
            }
            if let Type::Enum(enum_name) = &static_type {
                return self.check_variant_arguments(enum_name, method, args);
            }
            self.infer_arguments(args);
            return static_type;
        }
        if matches!(receiver.kind, ExprKind::Super) {
            // `super.m(…)` runs that very body, without dispatch (§7): its
            // arguments and result are typed by its own signature.
            return match self.check_super_target(method) {
                Some(target) => {
                    let function = self.signature_of(target);
                    self.check_arguments(&function, args, &method.name)
                }
                None => {
                    self.infer_arguments(args);
                    Type::Any
                }
            };
        }
        if let Some(binding) = self.inferred_container(receiver) {
            let storing = super::escapes::STORING_METHODS.contains(&method.name.as_str());
            if let (true, Type::List(element), Some(last)) = (storing, &binding.ty, args.last()) {
                // A store into a list that kept its element type: another
                // type widens the variable (`escapes.rs`).
                let element = (**element).clone();
                if self.infer(&last.value) != element {
                    self.infer_arguments(&args[..args.len() - 1]);
                    self.infer(receiver);
                    self.newly_widened.insert(binding.declared_at);
                    return Type::Any;
                }
            }
        }
        let receiver_type = self.infer(receiver);
        let receiver_type = self.handled_receiver(receiver, receiver_type);
        match receiver_type.unrefined() {
            Type::Trait(trait_name) => {
                let trait_name = trait_name.clone();
                if matches!(
                    self.lookup_trait_method(&trait_name, &method.name),
                    MemberLookup::Missing
                ) {
                    // A hidden method of a frame implementing the trait is
                    // reported as such, with its declaration (§12a).
                    if !self.check_method_through_trait(&trait_name, method) {
                        self.error_with_hint(
                        method.span,
                        crate::suggest::with_suggestion(
                            format!("trait `{trait_name}` has no method `{}`", method.name),
                            &method.name,
                            self.trait_method_names(&trait_name).iter().map(String::as_str),
                        ),
                        "a value of a trait type offers only the trait's methods; declare it in the trait or narrow the value with `match`",
                    );
                    }
                    self.infer_arguments(args);
                    return Type::Any;
                }
                self.call_member(&receiver_type, method, args)
            }
            Type::Frame(_) | Type::Record(_) => self.call_member(&receiver_type, method, args),
            Type::Host(host) => {
                let host = host.clone();
                self.host_method_call(&host, method, args)
            }
            Type::Union(members) => {
                let members = members.clone();
                self.union_method_call(&receiver_type, &members, method, args)
            }
            Type::Function(_) if !matches!(method.name.as_str(), "to_string" | "str") => {
                self.error_with_hint(
                    method.span,
                    format!("no method `{}` on `{receiver_type}`", method.name),
                    "a function has no methods besides `to_string()`; call it as `f(…)`",
                );
                self.infer_arguments(args);
                Type::Any
            }
            // (`nil` receivers are left to the run-time `NilAccess`.)
            other if !matches!(other, Type::Nil) && lacks_builtin_method(other, &method.name) => {
                self.error_with_hint(
                    method.span,
                    format!("no method `{}` on `{receiver_type}`", method.name),
                    "numbers and bools have only `to_string()`; use a built-in function (`str(x)`, `abs(x)`)",
                );
                self.infer_arguments(args);
                Type::Any
            }
            other => {
                let other = other.clone();
                match self.table_method(&other, &method.name, method.span, args) {
                    Some(result) => result,
                    None => {
                        self.infer_arguments(args);
                        Type::Any
                    }
                }
            }
        }
    }

    /// `super.name(…)` calls the nearest ancestor's `name`, which must have
    /// a body: an abstract method has none to call. Returns that method,
    /// `None` when no ancestor frame declares it with a body.
    fn check_super_target(&mut self, method: &Ident) -> Option<&'a FnDecl> {
        let frame = self.current_frame.clone()?;
        let lineage = self.frame_lineage(&frame);
        let target =
            lineage
                .get(1..)
                .unwrap_or_default()
                .iter()
                .find_map(|&ancestor: &&'a FrameDecl| {
                    ancestor.members.iter().find_map(|member| match member {
                        Member::Method(m)
                            if m.name.as_ref().is_some_and(|n| n.name == method.name) =>
                        {
                            Some((ancestor, m))
                        }
                        _ => None,
                    })
                });
        if let Some((ancestor, target)) = target {
            if target.body.is_none() {
                let declared = target.name.as_ref().map_or(target.span, |n| n.span);
                self.diagnostics.push(
                    limit_syntax::Diagnostic::error(
                        method.span,
                        format!(
                            "`super.{}` calls abstract method `{}.{}`, which has no body",
                            method.name, ancestor.name.name, method.name
                        ),
                    )
                    .with_hint("only a parent method with a body can be called through `super`")
                    .with_note(
                        declared,
                        format!(
                            "`{}.{}` is declared abstract here",
                            ancestor.name.name, method.name
                        ),
                    ),
                );
                return None;
            }
            return Some(target);
        }
        None
    }

    /// `receiver.method(args)` on a frame, trait or record value: a method
    /// is checked against its signature; a field holding a value that is
    /// certainly not a function cannot be called.
    fn call_member(&mut self, receiver_type: &Type, method: &'a Ident, args: &'a [Arg]) -> Type {
        let member = self.member_type(receiver_type, method);
        if let Type::Function(function) = &member {
            return self.check_arguments(function, args, &method.name);
        }
        if matches!(receiver_type.unrefined(), Type::Frame(_)) && is_certainly_not_callable(&member)
        {
            self.error_with_hint(
                method.span,
                format!(
                    "cannot call field `{}` of `{receiver_type}`: it holds `{member}`, not a function",
                    method.name
                ),
                "only methods and fields holding functions can be called",
            );
        }
        self.infer_arguments(args);
        Type::Any
    }

    /// A call of a value of type `callee_type`.
    fn call_value(
        &mut self,
        callee: &'a Expr,
        callee_type: &Type,
        args: &'a [Arg],
        name: &str,
    ) -> Type {
        // Calling an unhandled `T?` uses it as the function it may hold.
        if self.reject_unhandled(callee, callee_type) {
            self.infer_arguments(args);
            return Type::Any;
        }
        match callee_type.unrefined() {
            Type::Function(function) => {
                let function = function.clone();
                // Too few may be fine (defaults and optional parameters
                // are not part of a function type); too many never is.
                let (given, takes) = (args.len(), function.params.len());
                // (Past 255 the code generator reports the call.)
                if !function.flexible_arity && given > takes && given <= 255 {
                    self.error_with_hint(
                        args[takes].value.span,
                        format!(
                            "too many arguments: `{name}` takes {takes} but {given} were given"
                        ),
                        format!("its type is `{callee_type}`"),
                    );
                }
                self.check_arguments(&function, args, name)
            }
            Type::Class(frame) => {
                let frame = frame.clone();
                self.construct_frame(&frame, callee.span, args)
            }
            other if is_certainly_not_callable(other) => {
                self.error_with_hint(
                    callee.span,
                    format!("cannot call a value of type `{callee_type}`: it is not a function"),
                    "only functions and closures can be called",
                );
                self.infer_arguments(args);
                Type::Any
            }
            _ => {
                self.infer_arguments(args);
                Type::Any
            }
        }
    }

    /// Checks each argument against its parameter's type; the call's result
    /// is the function's return type. Counts and unknown names are the code
    /// generator's to report.
    pub(super) fn check_arguments(
        &mut self,
        function: &FunctionType,
        args: &'a [Arg],
        name: &str,
    ) -> Type {
        let mut position = 0;
        for arg in args {
            let param = match &arg.name {
                Some(arg_name) => function
                    .params
                    .iter()
                    .find(|p| p.name.as_deref() == Some(arg_name.name.as_str())),
                None => {
                    position += 1;
                    function.params.get(position - 1)
                }
            };
            match param {
                Some(param) => {
                    let destination = Destination::Argument {
                        param: param.name.clone().unwrap_or_else(|| position.to_string()),
                        function: name.to_string(),
                    };
                    self.check_against(&arg.value, &param.ty, &destination);
                    if matches!(param.ty.unrefined(), Type::List(_) | Type::Dict(..)) {
                        self.table.record_parameter(arg.value.id, &param.ty);
                    }
                }
                None => {
                    self.infer(&arg.value);
                }
            }
        }
        function.ret.clone()
    }

    pub(super) fn infer_arguments(&mut self, args: &'a [Arg]) -> Vec<Type> {
        args.iter().map(|arg| self.infer(&arg.value)).collect()
    }

    /// A call of a name that is not a variable, frame or variant: `ok`,
    /// `err`, or a built-in of the table, else `any`.
    fn builtin_call(&mut self, name: &str, args: &'a [Arg], span: Span) -> Type {
        if name == "err" {
            let errors = match args.first() {
                Some(arg) => self.error_kinds_of(&arg.value),
                None => ErrorSet::Any,
            };
            self.infer_arguments(args);
            return Type::fallible(Type::Any, errors);
        }
        if name == "ok" {
            let arg_types = self.infer_arguments(args);
            return match arg_types.as_slice() {
                [value] => Type::fallible(value.clone(), ErrorSet::Kinds(Default::default())),
                _ => Type::Any,
            };
        }
        if let Some(result) = self.table_call(name, args, span) {
            return result;
        }
        self.infer_arguments(args);
        Type::Any
    }

    /// `value.method(args)` where `value` is of union type `union`: the
    /// method must exist on every member (reference.md §3.4: anything else
    /// needs a `match` or a type test first). The arguments are checked
    /// when every member declares the same signature; the result is the
    /// members' common result type.
    fn union_method_call(
        &mut self,
        union: &Type,
        members: &[Type],
        method: &'a Ident,
        args: &'a [Arg],
    ) -> Type {
        if let Some(lacking) = members
            .iter()
            .find(|member| self.certainly_lacks_member(member.unrefined(), &method.name))
        {
            self.error_with_hint(
                method.span,
                format!(
                    "no method `{}` on every member of `{union}`: `{lacking}` has none",
                    method.name
                ),
                "narrow the value first with `match` and type patterns (`int => …, str => …`)",
            );
            self.infer_arguments(args);
            return Type::Any;
        }
        let mut signatures: Vec<FunctionType> = Vec::new();
        let mut results: Vec<Type> = Vec::new();
        for member in members {
            match member.unrefined() {
                Type::Frame(_) | Type::Trait(_) | Type::Record(_) => {
                    match self.member_type(member, method) {
                        Type::Function(function) => signatures.push(*function),
                        _ => results.push(Type::Any),
                    }
                }
                other => results.push(builtin_method_result(other, &method.name)),
            }
        }
        let shared = signatures.split_first().and_then(|(first, rest)| {
            let same = rest.iter().all(|other| same_signature(first, other));
            (same && results.is_empty()).then(|| first.clone())
        });
        if let Some(signature) = shared {
            return self.check_arguments(&signature, args, &method.name);
        }
        self.infer_arguments(args);
        signatures
            .into_iter()
            .map(|signature| signature.ret)
            .chain(results)
            .reduce(|joined, ty| joined.join(&ty))
            .unwrap_or(Type::Any)
    }

    /// Whether values of `ty` certainly have no member `name`: numbers,
    /// bools and `nil` (reference.md §11), and frames whose whole hierarchy
    /// is known.
    pub(super) fn certainly_lacks_member(&self, ty: &Type, name: &str) -> bool {
        match ty {
            Type::Frame(frame) => matches!(self.lookup_member(frame, name), MemberLookup::Missing),
            other => lacks_builtin_method(other, name),
        }
    }
}

/// The result of built-in method `method` on a value of type `receiver`
/// when the table gives one certain result for it, else `any`.
fn builtin_method_result(receiver: &Type, method: &str) -> Type {
    super::builtins::method_result(receiver, method)
}

/// Whether values of `ty` are certainly not functions.
fn is_certainly_not_callable(ty: &Type) -> bool {
    matches!(
        ty.unrefined(),
        Type::Int
            | Type::SizedInt(_)
            | Type::Float
            | Type::Decimal(_)
            | Type::Bool
            | Type::Str
            | Type::Nil
            | Type::Range
            | Type::List(_)
            | Type::Dict(..)
            | Type::Tuple(_)
            | Type::Record(_)
            | Type::Channel
    )
}

/// Whether two signatures take and give the same types (parameter names
/// aside).
fn same_signature(a: &FunctionType, b: &FunctionType) -> bool {
    a.ret == b.ret
        && a.params.len() == b.params.len()
        && a.params.iter().zip(&b.params).all(|(x, y)| x.ty == y.ty)
}

/// Whether values of `ty` certainly have no method `name`: numbers and
/// bools have only `to_string`/`str`, `nil` none (reference.md §11).
fn lacks_builtin_method(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Int | Type::SizedInt(_) | Type::Float | Type::Decimal(_) | Type::Bool => {
            !matches!(name, "to_string" | "str")
        }
        Type::Nil => true,
        _ => false,
    }
}
