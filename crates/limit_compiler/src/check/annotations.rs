//! Turning written type annotations (`TypeExpr`) into [`Type`]s.

use super::types::{ErrorSet, FunctionType, IntWidth, ParamType, RefinementId, Type};
use super::Checker;
use crate::resolve::Binding as Resolved;
use limit_syntax::ast::{FnDecl, NodeId, TypeExpr, TypeKind};

/// Aliases may name aliases; deeper chains (or cycles) resolve to `any`.
const MAX_ALIAS_DEPTH: usize = 32;

impl<'a> Checker<'a> {
    /// The type an annotation denotes; unknown names are `any`.
    pub(super) fn resolve_type(&mut self, annotation: &'a TypeExpr) -> Type {
        self.resolve_type_at_depth(annotation, 0)
    }

    fn resolve_type_at_depth(&mut self, annotation: &'a TypeExpr, depth: usize) -> Type {
        if depth > MAX_ALIAS_DEPTH {
            return Type::Any;
        }
        match &annotation.kind {
            TypeKind::Named(path) => {
                // An annotation inside another module's declaration names
                // that module's types (the resolve stage bound its names
                // where it is written).
                let foreign = annotation.span.file != self.file
                    && !self.own_files.contains(&annotation.span.file);
                if let [name] = path.as_slice() {
                    if let Some(builtin) = builtin_type(&name.name) {
                        return builtin;
                    }
                }
                let Some(name) = path.last() else {
                    return Type::Any;
                };
                match self.bindings.of(name.id) {
                    Some(Resolved::TopLevel { decl, .. }) => {
                        self.declared_type(&name.name, decl, depth)
                    }
                    _ => match path.as_slice() {
                        [name] if !foreign && self.hosts.types.contains_key(&name.name) => {
                            Type::Host(name.name.clone())
                        }
                        [name]
                            if !foreign
                                && self.knows_every_type
                                && name.name != "any"
                                && !self.declarations.withheld.contains(&name.name) =>
                        {
                            self.report_unknown_type(name);
                            Type::Any
                        }
                        _ => Type::Any,
                    },
                }
            }
            TypeKind::List(element) => Type::list(self.resolve_type_at_depth(element, depth)),
            TypeKind::Dict(key, value) => Type::dict(
                self.resolve_type_at_depth(key, depth),
                self.resolve_type_at_depth(value, depth),
            ),
            TypeKind::Tuple(items) => Type::Tuple(
                items
                    .iter()
                    .map(|item| self.resolve_type_at_depth(item, depth))
                    .collect(),
            ),
            TypeKind::Function { params, ret } => {
                let params = params
                    .iter()
                    .map(|param| ParamType {
                        name: None,
                        ty: self.resolve_type_at_depth(param, depth),
                    })
                    .collect();
                let ret = match ret {
                    Some(ret) => self.resolve_type_at_depth(ret, depth),
                    None => Type::Any,
                };
                Type::Function(Box::new(FunctionType {
                    params,
                    ret,
                    flexible_arity: false,
                }))
            }
            TypeKind::Union(members) => {
                // `Pet | int` with `type Pet = Cat | Fish` is `Cat | Fish | int`.
                let mut flat: Vec<Type> = Vec::new();
                for member in members {
                    match self.resolve_type_at_depth(member, depth) {
                        Type::Union(inner) => flat.extend(inner),
                        other => flat.push(other),
                    }
                }
                let mut members: Vec<Type> = Vec::new();
                for member in flat {
                    if !members.contains(&member) {
                        members.push(member);
                    }
                }
                if members.iter().any(Type::is_any) {
                    Type::Any
                } else {
                    Type::Union(members)
                }
            }
            // Inline tagged unions are not modelled yet.
            TypeKind::Tagged(_) => Type::Any,
            TypeKind::Fallible { inner, errors } => {
                let value = self.resolve_type_at_depth(inner, depth);
                let errors = if errors.is_empty() {
                    ErrorSet::Any
                } else {
                    ErrorSet::Kinds(errors.iter().map(|e| e.name.clone()).collect())
                };
                Type::fallible(value, errors)
            }
            TypeKind::Refined { base, cond } => {
                let base = self.resolve_type_at_depth(base, depth);
                let condition = self.register_refinement(cond);
                let name = self.source_text(annotation.span);
                Type::Refined(Box::new(base), RefinementId { condition, name })
            }
            TypeKind::Record(fields) => Type::Record(
                fields
                    .iter()
                    .map(|(name, ty)| (name.name.clone(), self.resolve_type_at_depth(ty, depth)))
                    .collect(),
            ),
        }
    }

    /// The type the declaration `decl` named `name` (a frame, trait,
    /// enum or alias, as the resolve stage bound a type name) denotes:
    /// a frame, trait or enum by the name the checker knows that very
    /// declaration by here (its own, or its program-wide one, `lib.P`,
    /// when this module knows another `P`: see `Declarations::key_for`);
    /// `any` when it knows none (an alias several modules declare, a
    /// name declared twice).
    fn declared_type(&mut self, name: &str, decl: NodeId, depth: usize) -> Type {
        let declarations = self.declarations;
        if let Some(key) = declarations.key_for(name, decl) {
            // (An inline tagged union is an enum named by its alias.)
            if declarations
                .frames
                .get(key)
                .is_some_and(|f| f.name.id == decl)
            {
                return Type::Frame(key.to_string());
            }
            if declarations.enums.get(key).is_some_and(|e| e.decl == decl) {
                return Type::Enum(key.to_string());
            }
            return Type::Trait(key.to_string());
        }
        let Some(alias) = declarations.aliases.get(name).filter(|a| a.name.id == decl) else {
            return Type::Any;
        };
        let resolved = self.resolve_type_at_depth(&alias.ty, depth + 1);
        // A refined alias is named by the alias in messages.
        match resolved {
            Type::Refined(base, mut id) => {
                id.name = name.to_string();
                Type::Refined(base, id)
            }
            other => other,
        }
    }

    /// An annotation naming no type (§3.4: an unknown type is a compile
    /// error), with the closest type name as a suggestion.
    fn report_unknown_type(&mut self, name: &limit_syntax::ast::Ident) {
        let declarations = self.declarations;
        let known = BUILTIN_TYPE_NAMES
            .iter()
            .copied()
            .chain(declarations.visible_names().map(String::as_str))
            .chain(self.hosts.types.keys().map(String::as_str));
        let message = match crate::suggest::did_you_mean(&name.name, known) {
            Some(near) => format!("unknown type `{}`: did you mean `{near}`?", name.name),
            None => format!("unknown type `{}`", name.name),
        };
        let hint = if declarations.foreign.contains_key(&name.name) {
            format!(
                "`{0}` belongs to an imported module: write `module.{0}`, or import it by name (`import … show {0}`)",
                name.name
            )
        } else {
            "a type is a built-in one (`int`, `str`, `[T]`, …) or a frame, enum, trait or `type` alias in scope".to_string()
        };
        self.error_with_hint(name.span, message, hint);
    }

    fn register_refinement(&mut self, condition: &'a limit_syntax::ast::Expr) -> NodeId {
        self.refinements.insert(condition.id, condition);
        condition.id
    }

    /// The condition of the refinement whose condition has node id `id`:
    /// one this module's annotations named, else one written in the
    /// top-level declarations of the modules it imports (a refined type
    /// reaching it through an import's signature or variable).
    pub(super) fn refinement_condition(&self, id: NodeId) -> Option<&'a limit_syntax::ast::Expr> {
        let declarations = self.declarations;
        self.refinements
            .get(&id)
            .or_else(|| declarations.conditions.get(&id))
            .copied()
    }

    /// The error set inferred for the plain `T?` function declared as
    /// `id`: by this module's check (which adds the kinds of this module's
    /// overrides of it) and by the check of the module declaring it.
    pub(super) fn inferred_set(&self, id: NodeId) -> std::collections::BTreeSet<String> {
        let mut kinds = self.inferred_errors.get(&id).cloned().unwrap_or_default();
        if let Some(imported) = self.imported_errors.get(&id) {
            kinds.extend(imported.iter().cloned());
        }
        kinds
    }

    /// The static signature of a declared function or lambda: unannotated
    /// parameters and results are `any`.
    pub(super) fn signature_of(&mut self, decl: &'a FnDecl) -> FunctionType {
        let params = decl
            .params
            .iter()
            .map(|param| ParamType {
                name: Some(param.name.name.clone()),
                ty: match &param.ty {
                    Some(ty) => self.resolve_type(ty),
                    None => Type::Any,
                },
            })
            .collect();
        let ret = match &decl.ret {
            Some(ret) => self.resolve_type(ret),
            None => Type::Any,
        };
        // Callers see a plain `T?` function's inferred error set (§6).
        let ret = match ret {
            Type::Fallible(value, ErrorSet::Any) => {
                let inferred = self.inferred_set(decl.id);
                Type::Fallible(value, ErrorSet::Kinds(inferred))
            }
            other => other,
        };
        FunctionType {
            params,
            ret,
            flexible_arity: false,
        }
    }
}

/// The names of the built-in types, for suggestions.
const BUILTIN_TYPE_NAMES: &[&str] = &[
    "int", "float", "bool", "str", "string", "nil", "range", "list", "dict", "channel", "atomic",
    "any", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "uint", "d2",
];

/// Whether `name` alone is a built-in type (`int`, `u8`, `d2`, …).
pub(crate) fn is_builtin_type_name(name: &str) -> bool {
    builtin_type(name).is_some()
}

/// The built-in type a single name denotes.
fn builtin_type(name: &str) -> Option<Type> {
    if let Some(width) = IntWidth::from_name(name) {
        return Some(Type::SizedInt(width));
    }
    if let Some(scale) = name
        .strip_prefix('d')
        .and_then(|digits| digits.parse::<u8>().ok())
    {
        if scale <= 18 && name.len() <= 3 {
            return Some(Type::Decimal(scale));
        }
    }
    Some(match name {
        "int" => Type::Int,
        "float" | "f32" | "f64" => Type::Float,
        "bool" => Type::Bool,
        "str" | "string" => Type::Str,
        "nil" | "void" => Type::Nil,
        "range" => Type::Range,
        "list" => Type::list(Type::Any),
        "dict" => Type::dict(Type::Any, Type::Any),
        "channel" => Type::Channel,
        "atomic" => Type::Atomic,
        _ => return None,
    })
}
