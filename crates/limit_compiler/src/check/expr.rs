//! Expressions: inference (`infer`) and checking against an expected type
//! (`check_against`), which pushes the expectation into literals so that a
//! wrong element is reported at the element.

use super::compat::Compatibility;
use super::constant::{constant_value, evaluate_condition, Constant};
use super::frames::MemberLookup;
use super::names::ObjectUse;
use super::types::{ErrorSet, Type};
use super::{BlockRole, Checker, Expectation, ReturnTarget};
use crate::resolve::DefKind;
use limit_bytecode::builtins::{method_names, Receiver};
use limit_syntax::ast::{Block, Expr, ExprKind, FnDecl, Ident, InterpPart, NodeId};
use limit_syntax::{Diagnostic, Span};

/// Where a value is going, for messages.
#[derive(Clone, Debug)]
pub(super) enum Destination {
    Variable(String),
    Argument {
        param: String,
        function: String,
    },
    Return(String),
    Element,
    DictKey,
    Field(String),
    /// Payload value `index` (from 1) of an enum variant.
    Payload {
        index: usize,
        variant: String,
    },
}

impl Destination {
    pub(super) fn describe(&self) -> String {
        match self {
            Destination::Variable(name) => format!("variable `{name}`"),
            Destination::Argument { param, function } => {
                format!("argument `{param}` of `{function}`")
            }
            Destination::Return(function) => format!("the return value of `{function}`"),
            Destination::Element => "this element".to_string(),
            Destination::DictKey => "this key".to_string(),
            Destination::Field(name) => format!("field `{name}`"),
            Destination::Payload { index, variant } => {
                format!("payload {index} of `{variant}`")
            }
        }
    }
}

impl<'a> Checker<'a> {
    /// The static type of `expr` (recorded in the type table).
    pub(super) fn infer(&mut self, expr: &'a Expr) -> Type {
        let ty = self.infer_kind(expr);
        self.table.record(expr.id, &ty);
        ty
    }

    fn infer_kind(&mut self, expr: &'a Expr) -> Type {
        match &expr.kind {
            ExprKind::Int(_) => Type::Int,
            ExprKind::Float(_) | ExprKind::Duration(_) => Type::Float,
            ExprKind::Str(_) => Type::Str,
            ExprKind::Interp(parts) => {
                for part in parts {
                    match part {
                        InterpPart::Text(_) => {}
                        InterpPart::Expr(inner) => {
                            self.infer(inner);
                        }
                        InterpPart::Formatted(inner, spec) => {
                            let ty = self.infer(inner);
                            self.check_format_spec(&ty, &spec.text, spec.span);
                        }
                    }
                }
                Type::Str
            }
            ExprKind::Bool(_) => Type::Bool,
            ExprKind::Nil => Type::Nil,
            ExprKind::Ident(name) => self.name_type(expr.id, name),
            ExprKind::This => self.this_type.clone().unwrap_or(Type::Any),
            ExprKind::Super => Type::Any,
            ExprKind::List(items) => {
                let element = self.join_all(items);
                Type::list(element)
            }
            ExprKind::Dict { entries, record } => self.infer_dict(entries, *record),
            ExprKind::Tuple(items) => {
                Type::Tuple(items.iter().map(|item| self.infer(item)).collect())
            }
            ExprKind::Unary(op, operand) => self.infer_unary(*op, operand, expr.span),
            ExprKind::Binary(op, left, right) => self.infer_binary(*op, left, right, expr.span),
            ExprKind::Ternary(cond, then, otherwise) => {
                self.check_ternary(cond, then, otherwise, None)
            }
            ExprKind::Range {
                start, end, step, ..
            } => {
                for bound in [Some(start), Some(end), step.as_ref()]
                    .into_iter()
                    .flatten()
                {
                    let ty = self.infer(bound);
                    self.reject_unhandled(bound, &ty);
                }
                Type::Range
            }
            ExprKind::Call { callee, args } => self.check_call(callee, args, expr.span),
            ExprKind::Index(container, index) => self.infer_index(container, index),
            ExprKind::Field(receiver, name) => self.infer_field(receiver, name),
            ExprKind::TupleField(receiver, position) => {
                let receiver_type = self.infer(receiver);
                if self.reject_unhandled(receiver, &receiver_type) {
                    return Type::Any;
                }
                self.tuple_item(&receiver_type, *position as i128, expr.span)
            }
            ExprKind::Propagate(inner) => self.infer_propagate(inner, expr.span),
            ExprKind::Else {
                expr: inner,
                binding,
                handler,
            } => self.infer_else(expr.id, inner, binding.as_deref(), handler, None),
            ExprKind::Match(match_expr) => self.check_match(match_expr, None),
            ExprKind::Lambda(decl) => self.check_lambda(decl),
            ExprKind::Cast(inner, target) => {
                self.infer(inner);
                self.resolve_type(target)
            }
            // `await f(…)` waits for the call's result (§9): its type is
            // the function's result, error kinds included (§6).
            ExprKind::Await(inner) => {
                let ty = self.infer(inner);
                if matches!(inner.kind, ExprKind::Call { .. }) {
                    ty
                } else {
                    Type::Any
                }
            }
        }
    }

    /// The type of a name used as a value.
    fn name_type(&mut self, id: NodeId, name: &str) -> Type {
        if let Some(field_type) = self.bare_member_type(id, name) {
            return field_type;
        }
        if let Some(binding) = self.lookup_use(id) {
            return binding.ty.clone();
        }
        match self.object_use(id, name) {
            Some(ObjectUse::Variant(owner)) => Type::Enum(owner),
            Some(ObjectUse::Frame(frame)) => Type::Class(frame),
            _ if self.is_declared_type_or_module(name) => Type::Any,
            _ => self.builtin_value_type(name).unwrap_or(Type::Any),
        }
    }

    /// Whether `name` is a frame, trait, enum, alias or imported module
    /// rather than a value.
    fn is_declared_type_or_module(&self, name: &str) -> bool {
        self.declarations.names_type(name) || self.imports.contains_key(name)
    }

    fn join_all(&mut self, items: &'a [Expr]) -> Type {
        let mut joined: Option<Type> = None;
        for item in items {
            let ty = self.infer(item);
            joined = Some(match joined {
                Some(previous) => previous.join(&ty),
                None => ty,
            });
        }
        joined.unwrap_or(Type::Any)
    }

    fn infer_dict(&mut self, entries: &'a [(Expr, Expr)], record: bool) -> Type {
        if record {
            let fields = entries
                .iter()
                .map(|(key, value)| {
                    let name = match &key.kind {
                        ExprKind::Str(name) => name.clone(),
                        _ => String::new(),
                    };
                    (name, self.infer(value))
                })
                .collect();
            return Type::Record(fields);
        }
        let mut key_type: Option<Type> = None;
        let mut value_type: Option<Type> = None;
        for (key, value) in entries {
            let key = self.infer(key);
            let value = self.infer(value);
            key_type = Some(key_type.map_or(key.clone(), |k| k.join(&key)));
            value_type = Some(value_type.map_or(value.clone(), |v| v.join(&value)));
        }
        Type::dict(
            key_type.unwrap_or(Type::Any),
            value_type.unwrap_or(Type::Any),
        )
    }

    fn infer_index(&mut self, container: &'a Expr, index: &'a Expr) -> Type {
        let container_type = self.infer(container);
        let index_type = self.infer(index);
        if self.reject_unhandled(container, &container_type)
            | self.reject_unhandled(index, &index_type)
        {
            return Type::Any;
        }
        self.check_index_type(&container_type, index, &index_type);
        match container_type.unrefined() {
            // Slicing (§11): `xs[a..b]` is a new list, `s[a..b]` a string.
            Type::List(_) if index_type == Type::Range => container_type.unrefined().clone(),
            Type::List(element) => (**element).clone(),
            Type::Dict(_, value) => (**value).clone(),
            Type::Str => Type::Str,
            Type::Range => Type::Int,
            Type::Tuple(_) => match constant_value(index) {
                Some(Constant::Int(position)) => match i128::try_from(position) {
                    Ok(position) => self.tuple_item(&container_type, position, index.span),
                    Err(_) => Type::Any,
                },
                _ => Type::Any,
            },
            Type::Record(fields) => match &index.kind {
                ExprKind::Str(key) => fields
                    .iter()
                    .find(|(name, _)| name == key)
                    .map_or(Type::Any, |(_, ty)| ty.clone()),
                _ => Type::Any,
            },
            _ => Type::Any,
        }
    }

    /// Item `position` of a value of tuple type `tuple` (`t.1`, `t[1]`, a
    /// negative index counting from the end): a position the tuple does
    /// not have is certainly `IndexOutOfBounds`, so a compile error.
    fn tuple_item(&mut self, tuple: &Type, position: i128, span: Span) -> Type {
        let Type::Tuple(items) = tuple.unrefined() else {
            return Type::Any;
        };
        let len = items.len() as i128;
        let at = if position < 0 {
            position + len
        } else {
            position
        };
        match usize::try_from(at).ok().and_then(|at| items.get(at)) {
            Some(item) => item.clone(),
            // The code generator reports a field number past its operand.
            None if position >= 65_536 => Type::Any,
            None => {
                self.error(
                    span,
                    format!(
                        "`{tuple}` has {len} item{}, so no item {position}",
                        if len == 1 { "" } else { "s" }
                    ),
                );
                Type::Any
            }
        }
    }

    /// A list or string is indexed by an `int` (or sliced by a range) and
    /// a dict by its key type (§3.3): another index type can only fail at
    /// run time, or look up a key that can never be there.
    pub(super) fn check_index_type(&mut self, container: &Type, index: &Expr, index_type: &Type) {
        let (expected, what) = match container.unrefined() {
            Type::List(_) | Type::Str if *index_type.unrefined() == Type::Range => return,
            Type::List(_) => (Type::Int, "a list index"),
            Type::Str => (Type::Int, "a string index"),
            Type::Dict(key, _) => ((**key).clone(), "this key"),
            _ => return,
        };
        if self.compatibility(index_type, &expected) == Compatibility::Mismatch {
            self.error(
                index.span,
                format!("mismatched types: {what} expects `{expected}`, found `{index_type}`"),
            );
        }
    }

    /// `receiver.name` used as a value (not called).
    fn infer_field(&mut self, receiver: &'a Expr, name: &'a Ident) -> Type {
        if let Some(static_type) = self.static_path_type(receiver, name) {
            return static_type;
        }
        let receiver_type = self.infer(receiver);
        let receiver_type = self.handled_receiver(receiver, receiver_type);
        if let Some(part) = entry_part(&receiver_type, &name.name) {
            return part;
        }
        if let Some((kind, methods)) = fieldless_builtin(&receiver_type) {
            self.report_builtin_field(receiver, kind, methods, name);
            return Type::Any;
        }
        self.member_type(&receiver_type, name)
    }

    /// `xs.len` on a list, string, tuple, range or channel: these have
    /// methods but no fields (§12a), so the access can only fail at run
    /// time. When a method of that name exists the hint calls it.
    fn report_builtin_field(
        &mut self,
        receiver: &Expr,
        kind: &str,
        methods: Receiver,
        name: &Ident,
    ) {
        let message = format!("a {kind} has no field `{}`", name.name);
        if is_builtin_method(methods, &name.name) {
            let mut text = self.source_text(receiver.span);
            if text.is_empty() || text.contains('\n') {
                text = "value".to_string();
            }
            let hint = format!("`{0}` is a method: write `{text}.{0}()`", name.name);
            self.error_with_hint(name.span, message, hint);
        } else {
            self.error(name.span, message);
        }
    }

    /// `Enum.Variant` and `Frame.static_member`, when the receiver is a
    /// type name rather than a variable. `None` when it is a value.
    pub(super) fn static_path_type(&mut self, receiver: &'a Expr, name: &Ident) -> Option<Type> {
        if let ExprKind::Field(namespace, type_name) = &receiver.kind {
            if !matches!(namespace.kind, ExprKind::Ident(_)) {
                return None;
            }
            if self.is_module_block(receiver) {
                // `outer.inner.name`: a member of a nested `module` block.
                return self.namespace_member(receiver, name);
            }
            let (kind, declared) = self.namespace_type(type_name)?;
            return match kind {
                // `ns.Enum.Variant`: a variant of an imported module's
                // enum, whose payload is checked as a local one's.
                DefKind::Enum => {
                    let decl = self.declarations.enums.get(&declared)?;
                    if decl.variants.iter().any(|v| v.name.name == name.name) {
                        return Some(Type::Enum(declared));
                    }
                    Some(Type::Any)
                }
                // `ns.Frame.static_member`: a frame of an imported module.
                _ => Some(self.static_member_type(&declared, name)),
            };
        }
        let ExprKind::Ident(type_name) = &receiver.kind else {
            return None;
        };
        // A variable, or a bare field of `this` inside a method (§7): a
        // value, typed as such.
        if self.lookup_use(receiver.id).is_some() || self.is_bare_member(receiver.id) {
            return None;
        }
        let declarations = self.declarations;
        match self.object_use(receiver.id, type_name) {
            Some(ObjectUse::Enum(enum_name)) => {
                let has_variant = declarations
                    .enums
                    .get(&enum_name)
                    .is_some_and(|decl| decl.variants.iter().any(|v| v.name.name == name.name));
                return Some(if has_variant {
                    Type::Enum(enum_name)
                } else {
                    Type::Any
                });
            }
            Some(ObjectUse::Frame(frame)) => return Some(self.static_member_type(&frame, name)),
            _ => {}
        }
        if let Some(ty) = self.namespace_member(receiver, name) {
            return Some(ty);
        }
        // Other names are not modelled.
        Some(Type::Any)
    }

    /// `ns.name` where `ns` is an imported module: the member's declared
    /// type (`any` when unknown; missing members are the code generator's
    /// to report). `None` when `namespace` is not an imported module.
    pub(super) fn namespace_member(&self, namespace: &Expr, name: &Ident) -> Option<Type> {
        if self.is_module_block(namespace) {
            // A `module` block's function, as checked so far; its
            // variables stay `any` (stores through the block's name are
            // not followed).
            return Some(self.block_function(name).unwrap_or(Type::Any));
        }
        let exports = self.namespace_of(namespace)?;
        Some(match exports.values.get(&name.name) {
            Some(value) => value.binding(&self.widened).ty,
            None => Type::Any,
        })
    }

    /// The exports of the module imported as `namespace` (written in a
    /// type or a pattern, where no variable is meant).
    pub(super) fn namespace_exports(&self, namespace: &str) -> Option<&'a super::Exports> {
        let imports = self.imports;
        match imports.get(namespace)? {
            super::ImportedName::Namespace(exports) => Some(exports),
            super::ImportedName::Member(_) => None,
        }
    }

    /// `Frame.name`: the declared type of a static field, or the signature
    /// of a static method (`any` otherwise; unknown static members are the
    /// code generator's to report).
    pub(super) fn static_member_type(&mut self, frame: &str, name: &Ident) -> Type {
        let declarations = self.declarations;
        let Some(decl) = declarations.frames.get(frame) else {
            return Type::Any;
        };
        for member in &decl.members {
            match member {
                limit_syntax::ast::Member::Field(field)
                    if field.is_static && field.name.name == name.name =>
                {
                    return match &field.ty {
                        Some(ty) => self.resolve_type(ty),
                        None => Type::Any,
                    };
                }
                limit_syntax::ast::Member::Method(method)
                    if method.modifiers.is_static
                        && method.name.as_ref().is_some_and(|n| n.name == name.name) =>
                {
                    return Type::Function(Box::new(self.signature_of(method)));
                }
                _ => {}
            }
        }
        Type::Any
    }

    /// The type of member `name` on a value of type `receiver`; reports
    /// unknown and hidden members of frames declared in the file.
    pub(super) fn member_type(&mut self, receiver: &Type, name: &Ident) -> Type {
        match receiver.unrefined() {
            Type::Frame(frame) => self.frame_member_type(frame, name),
            Type::Host(host) => {
                let host = host.clone();
                self.host_member_type(&host, name)
            }
            Type::Trait(trait_name) => match self.lookup_trait_method(trait_name, &name.name) {
                MemberLookup::Method { method, .. } => {
                    Type::Function(Box::new(self.signature_of(method)))
                }
                _ => {
                    let trait_name = trait_name.clone();
                    self.check_method_through_trait(&trait_name, name);
                    Type::Any
                }
            },
            Type::Record(fields) => fields
                .iter()
                .find(|(field, _)| *field == name.name)
                .map_or(Type::Any, |(_, ty)| ty.clone()),
            Type::ErrorValue if name.name == "kind" || name.name == "message" => Type::Str,
            Type::Union(members) => {
                let members = members.clone();
                self.union_member_type(receiver, &members, name)
            }
            _ => Type::Any,
        }
    }

    /// Member `name` of a value of union type `union`: reported when a
    /// frame member certainly lacks it; its type when every member agrees.
    /// (`nil` members are left to the run-time `NilAccess`.)
    fn union_member_type(&mut self, union: &Type, members: &[Type], name: &Ident) -> Type {
        let lacking = members.iter().find(|member| {
            matches!(member.unrefined(), Type::Frame(frame)
                if matches!(self.lookup_member(frame, &name.name), MemberLookup::Missing))
        });
        if let Some(lacking) = lacking {
            self.error_with_hint(
                name.span,
                format!(
                    "no field or method `{}` on every member of `{union}`: `{lacking}` has none",
                    name.name
                ),
                "narrow the value first with `match` and type patterns (`Circle => …`)",
            );
            return Type::Any;
        }
        members
            .iter()
            .map(|member| self.member_type(member, name))
            .reduce(|joined, ty| joined.join(&ty))
            .unwrap_or(Type::Any)
    }

    fn frame_member_type(&mut self, frame: &str, name: &Ident) -> Type {
        match self.lookup_member(frame, &name.name) {
            MemberLookup::Field { owner, field } => {
                if field.is_static {
                    // An instance has no statics (LANGUAGE §7 reaches one
                    // as `Frame.name`, or bare inside its frame); the code
                    // generator reports the same text.
                    self.error_with_hint(
                        name.span,
                        format!("frame `{frame}` has no field or method `{}`", name.name),
                        format!(
                            "`{0}` is static in `{1}`: write `{1}.{0}`, or `{0}` alone inside `{1}`",
                            name.name, owner.name.name
                        ),
                    );
                } else {
                    self.check_member_visibility(
                        &owner.name.name,
                        Some(owner),
                        &name.name,
                        field.visibility,
                        owner.modifiers.is_data,
                        name.span,
                        field.name.span,
                    );
                }
                match &field.ty {
                    Some(ty) => self.resolve_type(ty),
                    None => Type::Any,
                }
            }
            MemberLookup::Method {
                owner,
                owner_frame,
                method,
                visibility,
            } => {
                let declared = method.name.as_ref().map_or(method.span, |n| n.span);
                self.check_member_visibility(
                    &owner,
                    owner_frame,
                    &name.name,
                    visibility,
                    false,
                    name.span,
                    declared,
                );
                Type::Function(Box::new(self.signature_of(method)))
            }
            MemberLookup::Missing => {
                let candidates = self.frame_member_names(frame);
                let message = crate::suggest::with_suggestion(
                    format!("frame `{frame}` has no field or method `{}`", name.name),
                    &name.name,
                    candidates.iter().map(String::as_str),
                );
                self.error(name.span, message);
                Type::Any
            }
            MemberLookup::Unknown => Type::Any,
        }
    }

    fn infer_propagate(&mut self, inner: &'a Expr, span: Span) -> Type {
        let ty = self.infer(inner);
        let Type::Fallible(value, errors) = ty.unrefined() else {
            return ty;
        };
        self.note_errors_of_function(errors);
        // (In a task or worker body `?` leaves no function: the code
        // generator reports it.)
        let function = self.returns.iter().rev().find_map(|target| match target {
            ReturnTarget::Function { name, declared, .. } => {
                Some(Some((name.clone(), declared.clone())))
            }
            ReturnTarget::Unchecked => Some(None),
            ReturnTarget::Handler => None,
        });
        if let Some(Some((name, Some(Type::Fallible(_, allowed))))) = function {
            let missing = errors.kinds_not_covered_by(&allowed);
            if !missing.is_empty() {
                let kinds = missing.join(", ");
                self.error_with_hint(
                    span,
                    format!("`?` propagates `{kinds}`, which the error set of `{name}` (`{allowed}`) does not contain"),
                    format!("add `{kinds}` to the return type of `{name}`, or handle the error with `?else`"),
                );
            }
        }
        (**value).clone()
    }

    /// `cond ? then : otherwise`; with an `expected` type, both branches
    /// are checked against it. Returns the join of the branches.
    fn check_ternary(
        &mut self,
        cond: &'a Expr,
        then: &'a Expr,
        otherwise: &'a Expr,
        expected: Option<&Expectation>,
    ) -> Type {
        self.check_condition(cond);
        let branch = |checker: &mut Self, expr: &'a Expr, holds: bool| {
            checker.env.push();
            checker.narrow_by_type_tests(cond, holds);
            let ty = match expected {
                Some(expected) => checker.check_against(expr, &expected.ty, &expected.destination),
                None => checker.infer(expr),
            };
            checker.env.pop();
            ty
        };
        let then = branch(self, then, true);
        let otherwise = branch(self, otherwise, false);
        then.join(&otherwise)
    }

    /// `inner ?else handler`; with an `expected` type, the success value,
    /// the handler's value and its `return`s are checked against it.
    fn infer_else(
        &mut self,
        id: NodeId,
        inner: &'a Expr,
        binding: Option<&'a Ident>,
        handler: &'a Block,
        expected: Option<&Expectation>,
    ) -> Type {
        let value = match self.infer(inner) {
            Type::Fallible(value, _) => *value,
            other => other,
        };
        if let Some(expected) = expected {
            if self.compatibility(&value, &expected.ty) == Compatibility::Mismatch {
                self.error(
                    inner.span,
                    format!(
                        "mismatched types: {} expects `{}`, found `{value}`",
                        expected.destination.describe(),
                        expected.ty
                    ),
                );
            }
        }
        self.env.push();
        if let Some(binding) = binding {
            self.declare_variable(binding, Type::ErrorValue, true);
        }
        self.returns.push(ReturnTarget::Handler);
        self.handler_values.push((Vec::new(), expected.cloned()));
        self.handler_error_returns.push(None);
        self.value_expectations.push(expected.cloned());
        let final_value = self.check_statements(&handler.stmts, BlockRole::Value);
        self.value_expectations.pop();
        let returned = self.handler_values.pop().unwrap_or_default().0;
        if let Some(Some(error_return)) = self.handler_error_returns.pop() {
            self.handler_errors.insert(id, error_return);
        }
        self.returns.pop();
        self.env.pop();
        let always_returns = super::returns::returns_on_all_paths(&handler.stmts, false);
        let mut result = value.clone();
        // `return err(E)` in a handler gives an error as the handler's
        // value (reference.md §6: it cannot leave the function), so the whole
        // expression is `T?E`: storable in a variable and returnable, but
        // not usable as a plain `T` until it is handled.
        let mut errors: Option<ErrorSet> = None;
        // So does a final `err(…)` expression (the handler's value).
        let (final_value, final_error) = match final_value {
            Some(Type::Fallible(inner, kinds)) if inner.is_any() => {
                (None, Some(Type::Fallible(inner, kinds)))
            }
            other => (other, None),
        };
        let ends_in_error = final_error.is_some();
        for ty in returned.into_iter().chain(final_error) {
            match ty {
                Type::Fallible(inner, kinds) if inner.is_any() => {
                    errors = Some(match errors {
                        Some(known) => known.union(&kinds),
                        None => kinds,
                    });
                }
                ty => result = result.join(&ty),
            }
        }
        if let Some(errors) = errors {
            result = match result {
                Type::Fallible(..) => result,
                plain => Type::fallible(plain, errors),
            };
        }
        match final_value {
            Some(ty) => result.join(&ty),
            None if ends_in_error => result,
            // A handler ending in `break`/`continue` produces no value.
            None if always_returns || super::returns::never_falls_through(&handler.stmts) => result,
            None => Type::Any,
        }
    }

    fn check_lambda(&mut self, decl: &'a FnDecl) -> Type {
        let signature = self.signature_of(decl);
        self.check_function_body(decl, "function literal");
        Type::Function(Box::new(signature))
    }

    /// Checks that `expr` may go to a place of type `expected`, reporting a
    /// mismatch at the most precise span. Returns the value's own type.
    pub(super) fn check_against(
        &mut self,
        expr: &'a Expr,
        expected: &Type,
        destination: &Destination,
    ) -> Type {
        if expected.is_any() {
            return self.infer(expr);
        }
        match (&expr.kind, expected.unrefined()) {
            (ExprKind::List(items), Type::List(element)) => {
                for item in items {
                    self.check_against(item, element, &Destination::Element);
                }
                self.table.record(expr.id, expected);
                return expected.clone();
            }
            (
                ExprKind::Dict {
                    entries,
                    record: false,
                },
                Type::Dict(key, value),
            ) => {
                for (entry_key, entry_value) in entries {
                    self.check_against(entry_key, key, &Destination::DictKey);
                    self.check_against(entry_value, value, &Destination::Element);
                }
                self.table.record(expr.id, expected);
                return expected.clone();
            }
            // A record literal with exactly the fields of the expected
            // record type: each value is checked against its field's type
            // (and converted, codegen/checks.rs); any other shape falls
            // through to the compatibility check, which names the
            // missing or extra fields.
            (
                ExprKind::Dict {
                    entries,
                    record: true,
                },
                Type::Record(fields),
            ) if entries.len() == fields.len()
                && entries.iter().all(|(key, _)| {
                    matches!(&key.kind, ExprKind::Str(name) if fields.iter().any(|(field, _)| field == name))
                }) =>
            {
                for (entry_key, entry_value) in entries {
                    if let ExprKind::Str(name) = &entry_key.kind {
                        if let Some((_, field_type)) = fields.iter().find(|(field, _)| field == name) {
                            self.check_against(entry_value, field_type, &Destination::Element);
                        }
                    }
                }
                self.table.record(expr.id, expected);
                return expected.clone();
            }
            (ExprKind::Tuple(items), Type::Tuple(expected_items))
                if items.len() == expected_items.len() =>
            {
                for (item, expected_item) in items.iter().zip(expected_items) {
                    self.check_against(item, expected_item, &Destination::Element);
                }
                self.table.record(expr.id, expected);
                return expected.clone();
            }
            _ => {}
        }
        let expectation = Expectation {
            ty: expected.clone(),
            destination: destination.clone(),
        };
        let branched = match &expr.kind {
            ExprKind::Ternary(cond, then, otherwise) => {
                Some(self.check_ternary(cond, then, otherwise, Some(&expectation)))
            }
            ExprKind::Match(match_expr) => Some(self.check_match(match_expr, Some(&expectation))),
            ExprKind::Else {
                expr: inner,
                binding,
                handler,
            } => Some(self.infer_else(
                expr.id,
                inner,
                binding.as_deref(),
                handler,
                Some(&expectation),
            )),
            _ => None,
        };
        if let Some(found) = branched {
            // Each branch was checked where it is written.
            self.table.record(expr.id, &found);
            return found;
        }
        let found = self.infer(expr);
        let answer = match (self.compatibility(&found, expected), destination) {
            // `check_return_value` names the kinds a `return` may not return.
            (Compatibility::ErrorKinds, Destination::Return(_)) => Compatibility::Fits,
            (answer, _) => answer,
        };
        match answer {
            Compatibility::Fits => {
                // A host-typed parameter checks its argument itself, as the
                // function starts (`Op::CheckHost`, a `TypeError`).
                let host_parameter =
                    matches!(destination, Destination::Argument { .. }) && is_host_type(expected);
                if !host_parameter && self.needs_run_time_check(&found, expected) {
                    self.table.record_check(expr.id, expected);
                }
                self.check_shared_container(&found, expected, expr.span, destination);
                self.check_constant(expr, expected)
            }
            Compatibility::Mismatch => {
                let message = format!(
                    "mismatched types: {} expects `{expected}`, found `{found}`",
                    destination.describe()
                );
                if self.some_union_member_fits(&found, expected) {
                    self.error_with_hint(
                        expr.span,
                        message,
                        "narrow the value first with `match` or a type test (`typeof(v) == \"int\"`)",
                    );
                } else {
                    self.error(expr.span, message);
                }
            }
            Compatibility::UnhandledFallible => {
                self.report_unhandled_fallible(expr, &found, expected)
            }
            Compatibility::ErrorKinds => {
                // A `?` on the place is checked against its declared set.
                let kinds = match (found.unrefined(), expected.unrefined()) {
                    (Type::Fallible(_, kinds), Type::Fallible(_, allowed)) => {
                        kinds.not_covered_by(allowed).join("`, `")
                    }
                    _ => String::new(),
                };
                self.error_with_hint(
                    expr.span,
                    format!(
                        "mismatched types: {} expects `{expected}`, found `{found}`",
                        destination.describe()
                    ),
                    format!("the value may hold error `{kinds}`, which that error set does not have: add it to the declared set, or handle the error first (`?else`)"),
                );
            }
        }
        found
    }

    /// Whether `found` is a union some member of which fits `expected`
    /// (the value needs narrowing rather than another type).
    fn some_union_member_fits(&self, found: &Type, expected: &Type) -> bool {
        let Type::Union(members) = found.unrefined() else {
            return false;
        };
        members
            .iter()
            .any(|member| self.compatibility(member, expected) == Compatibility::Fits)
    }

    /// The type of `receiver` as a receiver of a member access or method
    /// call: a `T?` must be handled first (§5: using a `T?` value as `T`
    /// is a compile error), so it is reported and checked on as `T`.
    pub(super) fn handled_receiver(&mut self, receiver: &Expr, ty: Type) -> Type {
        match ty {
            Type::Fallible(value, errors) => {
                let found = Type::Fallible(value.clone(), errors);
                if let ExprKind::Field(_, field) = &receiver.kind {
                    // An optional field: the usual fix is a narrowed local
                    // (§2 narrows a name tested by `if`, not a field).
                    let message = format!("`{found}` used as `{value}` without handling its error");
                    let hint = format!(
                        "test it through a local first: `var {0} = {1}; if ({0}) {{ … }}` (a field is not narrowed), or use `?else`",
                        field.name,
                        self.source_text(receiver.span),
                    );
                    self.error_with_hint(receiver.span, message, hint);
                } else {
                    self.report_unhandled_fallible(receiver, &found, &value);
                }
                *value
            }
            other => other,
        }
    }

    /// Reports `operand`, of type `ty`, used as a plain value (an index, a
    /// container, a range bound, an operand, what `iter` walks) when it is
    /// a `T?` whose error is not handled (§6). Returns whether it was.
    pub(super) fn reject_unhandled(&mut self, operand: &Expr, ty: &Type) -> bool {
        let Type::Fallible(inner, _) = ty.unrefined() else {
            return false;
        };
        let inner = (**inner).clone();
        self.report_unhandled_fallible(operand, ty, &inner);
        true
    }

    pub(super) fn report_unhandled_fallible(&mut self, at: &Expr, found: &Type, expected: &Type) {
        let message = format!("`{found}` used as `{expected}` without handling its error");
        let handler_error = match &at.kind {
            ExprKind::Ident(_) => self
                .lookup_use(at.id)
                .and_then(|binding| self.variable_handler_errors.get(&binding.declared_at)),
            _ => self.handler_errors.get(&at.id),
        };
        let diagnostic = match handler_error {
            // reference.md §6: a handler's `return` gives the handler's
            // value; it cannot leave the enclosing function.
            Some(error_return) => Diagnostic::error(at.span, message)
                .with_note(
                    *error_return,
                    "this `return err(…)` gives the `?else` handler's value; a handler cannot leave the function",
                )
                .with_hint("to return that error from the function, write `?` after the handler: `… ?else { … }?`"),
            None => match self.not_narrowed_because(at.id) {
                Some(assignment) => {
                    let name = self.source_text(at.span);
                    Diagnostic::error(at.span, message)
                        .with_note(
                            assignment,
                            format!("`{name}` is assigned inside this function, which may run before the use, so `if ({name})` does not narrow it"),
                        )
                        .with_hint(format!(
                            "test a local copy instead: `var value = {name}; if (value) {{ … }}`"
                        ))
                }
                None => Diagnostic::error(at.span, message)
                    .with_hint("handle the error with `?`, `?else` or `match`"),
            },
        };
        self.diagnostics.push(diagnostic);
    }

    /// The compile-time range and refinement checks for a constant value.
    fn check_constant(&mut self, expr: &'a Expr, expected: &Type) {
        let Some(value) = constant_value(expr) else {
            return;
        };
        let mut target = expected;
        loop {
            match target {
                Type::Refined(base, refinement) => {
                    let condition = self.refinement_condition(refinement.condition);
                    if let Some(condition) = condition {
                        if evaluate_condition(condition, &value) == Some(false) {
                            let text = self.source_text(condition.span);
                            self.error_with_hint(
                                expr.span,
                                format!(
                                    "constant {value} violates the refinement of `{}`",
                                    refinement.name
                                ),
                                format!("`{}` requires `{text}`", refinement.name),
                            );
                            return;
                        }
                    }
                    target = base;
                }
                Type::SizedInt(width) => {
                    if let Constant::Int(number) = &value {
                        if !width.contains(number) {
                            self.error_with_hint(
                                expr.span,
                                format!("constant {number} does not fit `{}`", width.name()),
                                "out of range for this integer type",
                            );
                        }
                    }
                    return;
                }
                Type::Decimal(scale) => {
                    let text = self.source_text(expr.span);
                    if fraction_digits(&text).is_some_and(|digits| digits > *scale as usize) {
                        self.error_with_hint(
                            expr.span,
                            format!(
                                "constant {text} does not fit `d{scale}` without losing digits"
                            ),
                            format!("a `d{scale}` keeps {scale} digits after the point"),
                        );
                    }
                    return;
                }
                Type::Fallible(inner, _) => target = inner,
                _ => return,
            }
        }
    }

    /// The error kinds an `err(…)` argument names.
    pub(super) fn error_kinds_of(&self, argument: &Expr) -> ErrorSet {
        let name = match &argument.kind {
            // A bound error keeps its kind (§6): those its binding knows.
            ExprKind::Ident(name) if !name.starts_with(|c: char| c.is_ascii_uppercase()) => {
                return match self.bindings.of(argument.id) {
                    Some(
                        crate::resolve::Binding::Local(decl)
                        | crate::resolve::Binding::Capture { decl, .. },
                    ) => self
                        .error_bindings
                        .get(&decl)
                        .cloned()
                        .unwrap_or(ErrorSet::Any),
                    _ => ErrorSet::Any,
                };
            }
            // A message alone is the generic kind (`err("text")`, §6).
            ExprKind::Str(_) | ExprKind::Interp(_) => return ErrorSet::single("Error"),
            ExprKind::Ident(name) => name,
            ExprKind::Call { callee, .. } => match &callee.kind {
                ExprKind::Ident(name) => name,
                _ => return ErrorSet::Any,
            },
            _ => return ErrorSet::Any,
        };
        if name.starts_with(|c: char| c.is_ascii_uppercase()) {
            ErrorSet::single(name)
        } else {
            ErrorSet::Any
        }
    }
}

/// The name of a built-in type whose values have methods but no fields
/// (any `value.name` on it fails at run time), with its receiver kind in
/// the built-in method table. (Dicts are left out: `d.key` reads an entry.)
fn fieldless_builtin(ty: &Type) -> Option<(&'static str, Receiver)> {
    Some(match ty.unrefined() {
        Type::Str => ("str", Receiver::Str),
        Type::List(_) => ("list", Receiver::List),
        Type::Tuple(_) => ("tuple", Receiver::Tuple),
        Type::Range => ("range", Receiver::Range),
        Type::Channel => ("channel", Receiver::Channel),
        _ => return None,
    })
}

/// `entry.key` / `entry.value` of a dict entry (§2: iterating a dict, and
/// `entries()`, give `(key, value)` pairs that read as fields too): the
/// type of that half of a pair.
fn entry_part(ty: &Type, name: &str) -> Option<Type> {
    let Type::Tuple(items) = ty.unrefined() else {
        return None;
    };
    match (items.as_slice(), name) {
        ([key, _], "key") => Some(key.clone()),
        ([_, value], "value") => Some(value.clone()),
        _ => None,
    }
}

/// Whether values of kind `receiver` have a method `name` (reference.md §11).
fn is_builtin_method(receiver: Receiver, name: &str) -> bool {
    method_names(receiver).any(|method| method == name)
}

/// The significant digits after the point of a decimal literal's text
/// (`-1.2340` has 3); `None` when the text is not a plain decimal literal
/// (an exponent, an expression).
fn fraction_digits(text: &str) -> Option<usize> {
    let text = text.trim().trim_start_matches('-').trim();
    let (whole, fraction) = text.split_once('.')?;
    let plain = |part: &str| part.chars().all(|c| c.is_ascii_digit() || c == '_');
    if whole.is_empty() || !plain(whole) || !plain(fraction) {
        return None;
    }
    Some(fraction.replace('_', "").trim_end_matches('0').len())
}

/// A host type (`Player`, `Player?`).
fn is_host_type(ty: &Type) -> bool {
    match ty.unrefined() {
        Type::Host(_) => true,
        Type::Fallible(inner, _) => is_host_type(inner),
        _ => false,
    }
}
