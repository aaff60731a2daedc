//! `match` (reference.md §8): the types of pattern bindings, the arms'
//! values, and exhaustiveness for enums and `bool` (§3.4 Decision).

use super::frames::MemberLookup;
use super::types::{ErrorSet, IntWidth, Type};
use super::{BlockRole, Checker, Expectation};
use limit_syntax::ast::{
    ArmBody, BinOp, Expr, ExprKind, FieldPattern, MatchExpr, NodeId, Pattern, PatternKind, UnOp,
};
use limit_syntax::Diagnostic;

impl<'a> Checker<'a> {
    /// Checks a `match`; with an `expected` type, every arm's value is
    /// checked against it. Returns the join of the arms' values.
    pub(super) fn check_match(
        &mut self,
        match_expr: &'a MatchExpr,
        expected: Option<&Expectation>,
    ) -> Type {
        let scrutinee = self.infer(&match_expr.scrutinee);
        let mut result: Option<Type> = None;
        // The error kinds an `err e` arm may still see: those of the
        // scrutinee, less the kinds earlier unguarded `Kind(…)` arms take.
        let mut unmatched_kinds = match scrutinee.unrefined() {
            Type::Fallible(_, kinds) => Some(kinds.clone()),
            _ => None,
        };
        for arm in &match_expr.arms {
            self.env.push();
            self.bind_pattern(&arm.pattern, &scrutinee);
            if let Some(kinds) = &mut unmatched_kinds {
                if let PatternKind::Err(inner) = &arm.pattern.kind {
                    if let PatternKind::Name(name) = &inner.kind {
                        self.error_bindings.insert(name.id, kinds.clone());
                    }
                }
                if arm.guard.is_none() {
                    remove_matched_kinds(&arm.pattern, kinds);
                }
            }
            self.narrow_union_scrutinee(&match_expr.scrutinee, &arm.pattern, &scrutinee);
            if let Some(guard) = &arm.guard {
                self.check_condition(guard);
            }
            let value = match &arm.body {
                ArmBody::Expr(expr) => Some(match expected {
                    Some(expected) => self.check_against(expr, &expected.ty, &expected.destination),
                    None => self.infer(expr),
                }),
                ArmBody::Block(block) => {
                    self.value_expectations.push(expected.cloned());
                    let value = self.check_statements(&block.stmts, BlockRole::Value);
                    self.value_expectations.pop();
                    match value {
                        Some(value) => Some(value),
                        None if super::returns::returns_on_all_paths(&block.stmts, false) => None,
                        None => Some(Type::Any),
                    }
                }
            };
            self.env.pop();
            if let Some(value) = value {
                result = Some(match result {
                    Some(previous) => previous.join(&value),
                    None => value,
                });
            }
        }
        self.check_exhaustive(match_expr, &scrutinee);
        result.unwrap_or(Type::Any)
    }

    /// In an arm whose pattern is a type pattern (`int => …`, `int | float
    /// => …`), a union variable matched on holds the members that pattern
    /// names (reference.md §3.4).
    fn narrow_union_scrutinee(&mut self, scrutinee: &'a Expr, pattern: &Pattern, ty: &Type) {
        let ExprKind::Ident(_) = &scrutinee.kind else {
            return;
        };
        let Type::Union(members) = ty.unrefined() else {
            return;
        };
        let mut tested = Vec::new();
        if !type_pattern_names(pattern, &mut tested) {
            return;
        }
        let kept: Vec<Type> = members
            .iter()
            .filter(|member| {
                tested
                    .iter()
                    .any(|name| type_pattern_matches(name, member.unrefined()))
            })
            .cloned()
            .collect();
        self.narrow_union_to(scrutinee.id, kept);
    }

    /// Narrows the union variable the name used at `id` denotes, until the
    /// current scope closes, to holding only the `kept` members.
    fn narrow_union_to(&mut self, id: NodeId, kept: Vec<Type>) {
        let narrowed = match kept.as_slice() {
            [] => return,
            [single] => single.clone(),
            _ => Type::Union(kept),
        };
        let Some(binding) = self.lookup_use(id) else {
            return;
        };
        let mut binding = binding.clone();
        binding.narrowed_from = Some(binding.narrowed_from.clone().unwrap_or(binding.ty.clone()));
        binding.ty = narrowed;
        self.narrow_use(id, binding);
    }

    /// Narrows union variables by the type tests `typeof(x) == "int"` (and
    /// `!=`, `!`, `and`, `or`) of `condition`, known to be `holds`.
    pub(super) fn narrow_by_type_tests(&mut self, condition: &Expr, holds: bool) {
        match &condition.kind {
            ExprKind::Unary(UnOp::Not, inner) => self.narrow_by_type_tests(inner, !holds),
            ExprKind::Binary(BinOp::And, left, right) if holds => {
                self.narrow_by_type_tests(left, true);
                self.narrow_by_type_tests(right, true);
            }
            ExprKind::Binary(BinOp::Or, left, right) if !holds => {
                self.narrow_by_type_tests(left, false);
                self.narrow_by_type_tests(right, false);
            }
            // `if (x)`, `x != nil`: a union variable is not `nil` here.
            ExprKind::Ident(_) if holds => self.narrow_out_nil(condition.id),
            ExprKind::Binary(op @ (BinOp::Eq | BinOp::Ne), left, right) => {
                if let Some(name) = is_nil_test(left, right) {
                    if holds == (*op == BinOp::Ne) {
                        self.narrow_out_nil(name.id);
                    }
                    return;
                }
                let Some((name, type_name)) = self
                    .type_test(left, right)
                    .or_else(|| self.type_test(right, left))
                else {
                    return;
                };
                let is_type = holds == (*op == BinOp::Eq);
                let Some(binding) = self.lookup_use(name.id) else {
                    return;
                };
                let Type::Union(members) = binding.ty.unrefined() else {
                    return;
                };
                let members = members.clone();
                if !is_type && !members.iter().all(|m| has_known_type_name(m.unrefined())) {
                    return;
                }
                let kept: Vec<Type> = members
                    .into_iter()
                    .filter(|m| {
                        let m = m.unrefined();
                        let named = type_pattern_matches(type_name, m);
                        if is_type {
                            named || self.may_have_type_name(m, type_name)
                        } else {
                            !named
                        }
                    })
                    .collect();
                self.narrow_union_to(name.id, kept);
            }
            _ => {}
        }
    }

    /// Whether `typeof` of a value of union member `member` may be
    /// `type_name` although the member is not named so: an instance of a
    /// subframe, a frame implementing a trait, or a type `typeof` names in
    /// ways the checker does not model.
    fn may_have_type_name(&self, member: &Type, type_name: &str) -> bool {
        // Every frame declared `type_name` may be the one `typeof` names,
        // in whichever module (`lib.P` and this module's `P` are both `P`).
        // (None known: given the benefit of the doubt.)
        let named: Vec<&String> = (self.declarations.frames.keys())
            .filter(|key| super::types::declared_name(key) == type_name)
            .collect();
        match member {
            Type::Frame(frame) => {
                named.is_empty() || named.iter().any(|key| self.frame_may_be(key, frame))
            }
            Type::Trait(trait_name) => {
                named.is_empty()
                    || (named.iter()).any(|key| self.frame_may_implement(key, trait_name))
            }
            other => !has_known_type_name(other),
        }
    }

    /// Drops `nil` from the members of union variable `name`.
    fn narrow_out_nil(&mut self, id: NodeId) {
        let Some(binding) = self.lookup_use(id) else {
            return;
        };
        let Type::Union(members) = binding.ty.unrefined() else {
            return;
        };
        if !members.contains(&Type::Nil) {
            return;
        }
        let kept = members
            .iter()
            .filter(|m| **m != Type::Nil)
            .cloned()
            .collect();
        self.narrow_union_to(id, kept);
    }

    /// `typeof(name)` compared with the string `text`.
    fn type_test<'e>(&self, call: &'e Expr, text: &'e Expr) -> Option<(&'e Expr, &'e str)> {
        let (ExprKind::Call { callee, args }, ExprKind::Str(type_name)) = (&call.kind, &text.kind)
        else {
            return None;
        };
        let ExprKind::Ident(function) = &callee.kind else {
            return None;
        };
        if function != "typeof" || self.lookup_use(callee.id).is_some() {
            return None;
        }
        match args.as_slice() {
            [arg] if arg.name.is_none() => match &arg.value.kind {
                ExprKind::Ident(_) => Some((&arg.value, type_name.as_str())),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether a bare name in a pattern tests a type rather than binding.
    fn is_type_pattern(&self, name: &str) -> bool {
        matches!(
            name,
            "int"
                | "float"
                | "str"
                | "string"
                | "bool"
                | "nil"
                | "list"
                | "dict"
                | "tuple"
                | "range"
                | "function"
                | "any"
                | "channel"
        ) || IntWidth::from_name(name).is_some()
            || self.declarations.names_type(name)
    }

    /// Whether a bare name in a pattern is a variable binding: the
    /// resolve stage decided, declaring it exactly when it binds
    /// (`pattern_binds`), so the checker and the code generator agree
    /// (LANGUAGE §8; the scrutinee's type does not change what a name
    /// denotes). A name it did not walk (one the compiler made) binds
    /// when it names no type and no variant this module may write alone.
    pub(super) fn is_binding_name(&self, name: &limit_syntax::ast::Ident) -> bool {
        if !name.id.is_synthetic() {
            return self.bindings.knows(name.id);
        }
        !self.is_type_pattern(&name.name)
            && !self.declarations.variant_owners.contains_key(&name.name)
    }

    /// A bare name binding a value of an enum that has a variant of that
    /// name (not nameable alone here): most likely meant as the variant.
    fn warn_variant_binding(&mut self, name: &limit_syntax::ast::Ident, scrutinee: &Type) {
        let Type::Enum(enum_name) = scrutinee.unrefined() else {
            return;
        };
        if !self.enum_has_variant(enum_name, &name.name) {
            return;
        }
        let enum_name = enum_name.clone();
        // A variable or function of the name hides a variant this module
        // could otherwise name alone.
        let why = if self.declarations.variant_owners.contains_key(&name.name) {
            format!("a variable or function `{}` hides the variant", name.name)
        } else {
            "it is not a variant this module names alone".to_string()
        };
        self.diagnostics.push(
            Diagnostic::warning(
                name.span,
                format!("`{}` binds any `{enum_name}` here: {why}", name.name),
            )
            .with_hint(format!(
                "to match the variant, qualify it: `{enum_name}.{0}`, or `module.{enum_name}.{0}` for an imported enum",
                name.name
            )),
        );
    }

    /// `null =>` (or `None`, `NULL`) written for `nil =>` would bind any
    /// value and make the arm a catch-all: §12a gives such spellings from
    /// other languages an error with the Limit one as the hint.
    fn reject_foreign_nil(&mut self, name: &limit_syntax::ast::Ident) {
        if matches!(name.name.as_str(), "null" | "None" | "NULL") {
            self.error_with_hint(
                name.span,
                format!("`{}` in a pattern binds any value here", name.name),
                "Limit spells the absent value `nil`: write `nil`",
            );
        }
    }

    pub(super) fn enum_has_variant(&self, enum_name: &str, variant: &str) -> bool {
        self.declarations
            .enums
            .get(enum_name)
            .is_some_and(|decl| decl.variants.iter().any(|v| v.name.name == variant))
    }

    fn bind_pattern(&mut self, pattern: &'a Pattern, scrutinee: &Type) {
        match &pattern.kind {
            PatternKind::Wildcard | PatternKind::Literal(_) | PatternKind::Range { .. } => {}
            PatternKind::Name(name) => {
                if self.is_binding_name(name) {
                    self.reject_foreign_nil(name);
                    self.warn_variant_binding(name, scrutinee);
                    self.declare_variable(name, scrutinee.clone(), false);
                }
            }
            PatternKind::Variant { path, args } => {
                let payload = self.variant_payload(path, scrutinee);
                for (index, arg) in args.iter().flatten().enumerate() {
                    let ty = payload.get(index).cloned().unwrap_or(Type::Any);
                    self.bind_pattern(arg, &ty);
                }
            }
            PatternKind::Ok(inner) => {
                let value = match scrutinee.unrefined() {
                    Type::Fallible(value, _) => (**value).clone(),
                    _ => Type::Any,
                };
                self.bind_pattern(inner, &value);
            }
            PatternKind::Err(inner) => {
                if let (PatternKind::Name(name), Type::Fallible(_, kinds)) =
                    (&inner.kind, scrutinee.unrefined())
                {
                    self.error_bindings.insert(name.id, kinds.clone());
                }
                self.bind_pattern(inner, &Type::ErrorValue);
            }
            PatternKind::Or(alternatives) => {
                for alternative in alternatives {
                    self.bind_pattern(alternative, scrutinee);
                }
            }
            PatternKind::List { items, rest } => {
                let element = match scrutinee.unrefined() {
                    Type::List(element) => (**element).clone(),
                    _ => Type::Any,
                };
                for item in items {
                    self.bind_pattern(item, &element);
                }
                if let Some(Some(rest)) = rest {
                    let rest_type = match scrutinee.unrefined() {
                        Type::List(_) => scrutinee.generalized(),
                        _ => Type::Any,
                    };
                    self.declare_variable(rest, rest_type, false);
                }
            }
            PatternKind::Tuple(items) => {
                let types = match scrutinee.unrefined() {
                    Type::Tuple(types) if types.len() == items.len() => types.clone(),
                    _ => vec![Type::Any; items.len()],
                };
                for (item, ty) in items.iter().zip(&types) {
                    self.bind_pattern(item, ty);
                }
            }
            PatternKind::Record { fields, rest } => {
                for field in fields {
                    let ty = match scrutinee.unrefined() {
                        Type::Record(known) => known
                            .iter()
                            .find(|(name, _)| *name == field.name.name)
                            .map_or(Type::Any, |(_, ty)| ty.clone()),
                        _ => Type::Any,
                    };
                    self.bind_field_pattern(field, &ty);
                }
                if let Some(Some(rest)) = rest {
                    self.declare_variable(rest, Type::dict(Type::Any, Type::Any), false);
                }
            }
            PatternKind::Frame { path, fields } => {
                // `lib.P { x }` beside a local `P`: lib's fields.
                let frame = path
                    .last()
                    .map(|name| self.type_key_of(name))
                    .unwrap_or_default();
                for field in fields {
                    let ty = match self.lookup_member(&frame, &field.name.name) {
                        MemberLookup::Field { field: decl, .. } => match &decl.ty {
                            Some(ty) => self.resolve_type(ty),
                            None => Type::Any,
                        },
                        _ => Type::Any,
                    };
                    self.bind_field_pattern(field, &ty);
                }
            }
        }
    }

    fn bind_field_pattern(&mut self, field: &'a FieldPattern, ty: &Type) {
        match &field.pattern {
            Some(pattern) => self.bind_pattern(pattern, ty),
            None => self.declare_variable(&field.name, ty.clone(), false),
        }
    }

    /// The payload types of the variant a pattern names, when the
    /// scrutinee is a known enum.
    fn variant_payload(
        &mut self,
        path: &[limit_syntax::ast::Ident],
        scrutinee: &Type,
    ) -> Vec<Type> {
        let Type::Enum(enum_name) = scrutinee.unrefined() else {
            return Vec::new();
        };
        let Some(variant_name) = path.last() else {
            return Vec::new();
        };
        let declarations = self.declarations;
        let Some(decl) = declarations.enums.get(enum_name) else {
            return Vec::new();
        };
        match decl
            .variants
            .iter()
            .find(|v| v.name.name == variant_name.name)
        {
            Some(variant) => variant
                .payload
                .iter()
                .map(|ty| self.resolve_type(ty))
                .collect(),
            None => Vec::new(),
        }
    }
}

/// The type names a pattern made only of type patterns (`int`, `int |
/// str`) tests; false when it is anything else.
fn type_pattern_names<'p>(pattern: &'p Pattern, names: &mut Vec<&'p str>) -> bool {
    match &pattern.kind {
        PatternKind::Name(name) => {
            names.push(name.name.as_str());
            true
        }
        PatternKind::Or(alternatives) => alternatives
            .iter()
            .all(|alternative| type_pattern_names(alternative, names)),
        // `Circle { r }` matches only instances of that frame.
        PatternKind::Frame { path, .. } => match path.last() {
            Some(frame) => {
                names.push(frame.name.as_str());
                true
            }
            None => false,
        },
        _ => false,
    }
}

/// The variable compared with `nil` in `x == nil` / `nil != x`.
fn is_nil_test<'e>(left: &'e Expr, right: &'e Expr) -> Option<&'e Expr> {
    match (&left.kind, &right.kind) {
        (ExprKind::Ident(_), ExprKind::Nil) => Some(left),
        (ExprKind::Nil, ExprKind::Ident(_)) => Some(right),
        _ => None,
    }
}

/// Whether the type pattern `name` matches values of union member `member`.
fn type_pattern_matches(name: &str, member: &Type) -> bool {
    match (name, member) {
        ("int", Type::Int | Type::SizedInt(_)) => true,
        ("str" | "string", Type::Str) => true,
        ("list", Type::List(_)) => true,
        ("dict", Type::Dict(..) | Type::Record(_)) => true,
        ("tuple", Type::Tuple(_)) => true,
        ("function", Type::Function(_)) => true,
        // (`typeof` gives the declared name: `P` for `lib.P`.)
        (name, Type::Frame(frame) | Type::Enum(frame) | Type::Trait(frame)) => {
            name == super::types::declared_name(frame)
        }
        (name, Type::Float | Type::Bool | Type::Nil | Type::Range | Type::Channel) => {
            name == member.to_string()
        }
        _ => false,
    }
}

/// Whether `typeof` of a value of `member` is a name the checker knows.
fn has_known_type_name(member: &Type) -> bool {
    matches!(
        member,
        Type::Int
            | Type::SizedInt(_)
            | Type::Float
            | Type::Str
            | Type::Bool
            | Type::Nil
            | Type::List(_)
            | Type::Dict(..)
            | Type::Record(_)
            | Type::Tuple(_)
            | Type::Range
            | Type::Function(_)
            | Type::Enum(_)
    )
}

/// Takes out of `kinds` the error kinds `pattern` matches on a `T?` value
/// (`Kind`, `Kind(msg)`, alternatives of them).
fn remove_matched_kinds(pattern: &Pattern, kinds: &mut ErrorSet) {
    match &pattern.kind {
        PatternKind::Variant { path, .. } => {
            if let ([kind], ErrorSet::Kinds(set)) = (path.as_slice(), &mut *kinds) {
                set.remove(&kind.name);
            }
        }
        PatternKind::Name(name) => {
            if let ErrorSet::Kinds(set) = kinds {
                set.remove(&name.name);
            }
        }
        PatternKind::Or(alternatives) => {
            for alternative in alternatives {
                remove_matched_kinds(alternative, kinds);
            }
        }
        _ => {}
    }
}
