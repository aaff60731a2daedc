//! Exhaustiveness of `match` on enums and `bool` (reference.md §3.4
//! Decision), by the pattern-matrix method of Maranget's "Warnings for
//! pattern matching" (the one rustc and OCaml use): a set of arms covers a
//! type when, for every constructor of that type, the arms that can start
//! with it cover its fields. Payloads are covered the same way, so
//! `Poly([])` with `Poly([first, ...rest])`, or `Pair(true, _)` with
//! `Pair(false, _)`, cover their variant.
//!
//! Patterns the method cannot reason about (literals other than `true` and
//! `false`, ranges, type tests, records) never count as covering; a frame
//! destructuring counts when all its field patterns are irrefutable.

use super::frames::MemberLookup;
use super::types::Type;
use super::Checker;
use crate::resolve::DefKind;
use limit_syntax::ast::{ExprKind, MatchArm, MatchExpr, Pattern, PatternKind};

/// A pattern lowered against the type it matches.
#[derive(Clone, Debug)]
enum Space {
    /// Matches every value of its type.
    Wild,
    /// Matches only values built by `ctor`, whose fields match `args`.
    Ctor {
        ctor: Ctor,
        args: Vec<Space>,
    },
    /// Matches some values in a way the method does not model.
    Opaque,
    Or(Vec<Space>),
}

#[derive(Clone, Debug, PartialEq)]
enum Ctor {
    Bool(bool),
    Variant(String),
    Tuple(usize),
    /// A list of exactly `len` elements, or with `rest`, at least `len`.
    List {
        len: usize,
        rest: bool,
    },
}

/// How many matrix cells the method may visit before it gives up and
/// accepts the match: a pathological pattern set stays cheap to compile,
/// and a value no arm matches still raises `NoMatch` at run time.
const WORK_BUDGET: usize = 100_000;

type Row = Vec<Space>;

impl<'a> Checker<'a> {
    /// Reports the variants (or `true`/`false`) a match on an enum or bool
    /// does not cover.
    pub(super) fn check_exhaustive(&mut self, match_expr: &MatchExpr, scrutinee: &Type) {
        let top: Vec<(Ctor, Vec<Type>)> = match scrutinee.unrefined() {
            Type::Bool => vec![(Ctor::Bool(true), vec![]), (Ctor::Bool(false), vec![])],
            Type::Enum(name) => match self.enum_constructors(name) {
                Some(ctors) => ctors,
                None => return,
            },
            _ => return,
        };
        let rows: Vec<Row> = match_expr
            .arms
            .iter()
            .filter(|arm: &&MatchArm| arm.guard.is_none())
            .map(|arm| vec![self.lower(&arm.pattern, scrutinee)])
            .collect();
        let rows = expand_or(rows);
        let mut budget = WORK_BUDGET;
        let mut missing = Vec::new();
        for (ctor, fields) in top {
            let specialized = specialize(&rows, &ctor, fields.len());
            if !self.covers(specialized, fields, &mut budget) {
                missing.push(match ctor {
                    Ctor::Bool(value) => value.to_string(),
                    Ctor::Variant(name) => name,
                    Ctor::Tuple(_) | Ctor::List { .. } => continue,
                });
            }
        }
        if missing.is_empty() {
            return;
        }
        let listed = missing
            .iter()
            .map(|name| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ");
        self.error_with_hint(
            match_expr.scrutinee.span,
            format!("non-exhaustive match on `{scrutinee}`: {listed} not covered"),
            "add the missing arms, or a `_` arm",
        );
    }

    /// Each variant of enum `name` with its declared payload types.
    fn enum_constructors(&mut self, name: &str) -> Option<Vec<(Ctor, Vec<Type>)>> {
        let declarations = self.declarations;
        let decl = declarations.enums.get(name)?;
        Some(
            decl.variants
                .iter()
                .map(|variant| {
                    let payload = variant
                        .payload
                        .iter()
                        .map(|annotation| self.resolve_type(annotation))
                        .collect();
                    (Ctor::Variant(variant.name.name.clone()), payload)
                })
                .collect(),
        )
    }

    /// Whether the rows match every sequence of values of `types`.
    fn covers(&mut self, rows: Vec<Row>, types: Vec<Type>, budget: &mut usize) -> bool {
        let Some((first, rest)) = types.split_first() else {
            return !rows.is_empty();
        };
        // A row of wildcards covers everything left (and keeps a column of
        // refutable patterns next to it from splitting the search).
        if *budget == 0
            || rows
                .iter()
                .any(|row| row.iter().all(|p| matches!(p, Space::Wild)))
        {
            return true;
        }
        *budget = budget.saturating_sub(rows.len().max(1));
        let rows = expand_or(rows);
        let heads: Vec<&Ctor> = rows
            .iter()
            .filter_map(|row| match &row[0] {
                Space::Ctor { ctor, .. } => Some(ctor),
                _ => None,
            })
            .collect();
        let signature = if heads.is_empty() {
            None
        } else {
            self.signature(first, &heads)
        };
        match signature {
            Some(ctors) => ctors.into_iter().all(|(ctor, fields)| {
                let specialized = specialize(&rows, &ctor, fields.len());
                let mut field_types = fields;
                field_types.extend(rest.iter().cloned());
                self.covers(specialized, field_types, budget)
            }),
            None => {
                let defaults = rows
                    .into_iter()
                    .filter(|row| matches!(row[0], Space::Wild))
                    .map(|row| row[1..].to_vec())
                    .collect();
                self.covers(defaults, rest.to_vec(), budget)
            }
        }
    }

    /// Every constructor of `ty` with its field types, when the type has
    /// finitely many and the column's patterns use them; `None` when only
    /// wildcards can cover the column.
    fn signature(&mut self, ty: &Type, heads: &[&Ctor]) -> Option<Vec<(Ctor, Vec<Type>)>> {
        match (ty.unrefined(), heads[0]) {
            (Type::Bool, _) => Some(vec![
                (Ctor::Bool(true), vec![]),
                (Ctor::Bool(false), vec![]),
            ]),
            (Type::Enum(name), _) => self.enum_constructors(name),
            (Type::Tuple(items), _) => Some(vec![(Ctor::Tuple(items.len()), items.clone())]),
            (Type::Any, Ctor::Tuple(arity)) => heads
                .iter()
                .all(|head| **head == Ctor::Tuple(*arity))
                .then(|| vec![(Ctor::Tuple(*arity), vec![Type::Any; *arity])]),
            (Type::List(_) | Type::Any, Ctor::List { .. }) => {
                let element = match ty.unrefined() {
                    Type::List(element) => (**element).clone(),
                    _ => Type::Any,
                };
                let mut longest = 0;
                for head in heads {
                    let Ctor::List { len, .. } = head else {
                        return None;
                    };
                    longest = longest.max(*len);
                }
                // Lengths up to the longest pattern one by one, then every
                // longer list at once: no pattern tells those apart.
                let mut ctors: Vec<(Ctor, Vec<Type>)> = (0..=longest)
                    .map(|len| (Ctor::List { len, rest: false }, vec![element.clone(); len]))
                    .collect();
                ctors.push((
                    Ctor::List {
                        len: longest + 1,
                        rest: true,
                    },
                    vec![element; longest + 1],
                ));
                Some(ctors)
            }
            _ => None,
        }
    }

    /// Lowers `pattern`, matched against a value of type `ty`.
    fn lower(&mut self, pattern: &Pattern, ty: &Type) -> Space {
        match (&pattern.kind, ty.unrefined()) {
            (PatternKind::Wildcard, _) => Space::Wild,
            (PatternKind::Or(alternatives), _) => Space::Or(
                alternatives
                    .iter()
                    .map(|alternative| self.lower(alternative, ty))
                    .collect(),
            ),
            (PatternKind::Literal(literal), Type::Bool) => match literal.kind {
                ExprKind::Bool(value) => Space::Ctor {
                    ctor: Ctor::Bool(value),
                    args: vec![],
                },
                _ => Space::Opaque,
            },
            (PatternKind::Name(name), Type::Enum(enum_name))
                if !self.is_binding_name(name) && self.enum_has_variant(enum_name, &name.name) =>
            {
                let arity = self.payload_types(enum_name, &name.name).len();
                Space::Ctor {
                    ctor: Ctor::Variant(name.name.clone()),
                    args: vec![Space::Wild; arity],
                }
            }
            (PatternKind::Name(_), _) => {
                if self.catches_everything(pattern, ty) {
                    Space::Wild
                } else {
                    Space::Opaque
                }
            }
            (PatternKind::Variant { path, args }, Type::Enum(enum_name)) => {
                self.lower_variant(path, args.as_deref(), enum_name)
            }
            (PatternKind::Tuple(items), Type::Tuple(types)) if items.len() == types.len() => {
                let types = types.clone();
                Space::Ctor {
                    ctor: Ctor::Tuple(items.len()),
                    args: items
                        .iter()
                        .zip(&types)
                        .map(|(item, ty)| self.lower(item, ty))
                        .collect(),
                }
            }
            (PatternKind::Tuple(items), Type::Any) => Space::Ctor {
                ctor: Ctor::Tuple(items.len()),
                args: items
                    .iter()
                    .map(|item| self.lower(item, &Type::Any))
                    .collect(),
            },
            (PatternKind::List { items, rest }, Type::List(_) | Type::Any) => {
                let element = match ty.unrefined() {
                    Type::List(element) => (**element).clone(),
                    _ => Type::Any,
                };
                Space::Ctor {
                    ctor: Ctor::List {
                        len: items.len(),
                        rest: rest.is_some(),
                    },
                    args: items
                        .iter()
                        .map(|item| self.lower(item, &element))
                        .collect(),
                }
            }
            (PatternKind::Frame { .. }, _) if self.frame_pattern_covers(pattern, ty) => Space::Wild,
            _ => Space::Opaque,
        }
    }

    fn lower_variant(
        &mut self,
        path: &[limit_syntax::ast::Ident],
        args: Option<&[Pattern]>,
        enum_name: &str,
    ) -> Space {
        let qualified_ok = match path {
            [_] => true,
            [owner, _] => self.type_key_of(owner) == enum_name,
            [_, owner, _] => {
                self.type_key_of(owner) == enum_name
                    && matches!(self.namespace_type(owner), Some((DefKind::Enum, _)))
            }
            _ => false,
        };
        let Some(variant) = path.last() else {
            return Space::Opaque;
        };
        if !qualified_ok || !self.enum_has_variant(enum_name, &variant.name) {
            return Space::Opaque;
        }
        let payload = self.payload_types(enum_name, &variant.name);
        let args = match args {
            None => vec![Space::Wild; payload.len()],
            Some(args) if args.len() == payload.len() => args
                .iter()
                .zip(&payload)
                .map(|(arg, ty)| self.lower(arg, ty))
                .collect(),
            // A wrong arity is reported where the pattern is checked.
            Some(_) => return Space::Opaque,
        };
        Space::Ctor {
            ctor: Ctor::Variant(variant.name.clone()),
            args,
        }
    }

    /// Whether a bare-name pattern matches everything of type `scrutinee`:
    /// a binding, `any`, or the scrutinee's own type name.
    fn catches_everything(&self, pattern: &Pattern, scrutinee: &Type) -> bool {
        match &pattern.kind {
            PatternKind::Wildcard => true,
            PatternKind::Name(name) => {
                self.is_binding_name(name)
                    || name.name == "any"
                    || name.name == scrutinee.to_string()
            }
            _ => false,
        }
    }

    /// The declared payload types of variant `variant` of `enum_name`.
    fn payload_types(&mut self, enum_name: &str, variant: &str) -> Vec<Type> {
        let declarations = self.declarations;
        let Some(decl) = declarations
            .enums
            .get(enum_name)
            .and_then(|decl| decl.variants.iter().find(|v| v.name.name == variant))
        else {
            return Vec::new();
        };
        decl.payload
            .iter()
            .map(|annotation| self.resolve_type(annotation))
            .collect()
    }

    /// A frame destructuring covers its type when it names the frame (an
    /// unknown type is taken on trust, as a run-time `NoMatch` still guards
    /// it) and every field pattern is irrefutable.
    fn frame_pattern_covers(&mut self, pattern: &Pattern, ty: &Type) -> bool {
        let PatternKind::Frame { path, fields } = &pattern.kind else {
            return false;
        };
        let frame_matches = match (path.last(), ty.unrefined()) {
            (Some(name), Type::Frame(frame)) => self.type_key_of(name) == *frame,
            (_, Type::Any) => true,
            _ => false,
        };
        frame_matches
            && fields.iter().all(|field| match &field.pattern {
                None => true,
                Some(inner) => {
                    let field_type = self.field_type_of(ty, &field.name.name);
                    matches!(self.lower(inner, &field_type), Space::Wild)
                }
            })
    }

    /// The declared type of field `name` of a frame value (`any` when
    /// unknown).
    fn field_type_of(&mut self, ty: &Type, name: &str) -> Type {
        let Type::Frame(frame) = ty.unrefined() else {
            return Type::Any;
        };
        match self.lookup_member(frame, name) {
            MemberLookup::Field { field, .. } => match &field.ty {
                Some(annotation) => self.resolve_type(annotation),
                None => Type::Any,
            },
            _ => Type::Any,
        }
    }
}

/// Replaces each row whose first pattern is an alternative by one row per
/// alternative.
fn expand_or(rows: Vec<Row>) -> Vec<Row> {
    let mut expanded = Vec::with_capacity(rows.len());
    let mut pending: Vec<Row> = rows.into_iter().rev().collect();
    while let Some(row) = pending.pop() {
        match row.first() {
            Some(Space::Or(alternatives)) => {
                for alternative in alternatives.iter().rev() {
                    let mut split = row.clone();
                    split[0] = alternative.clone();
                    pending.push(split);
                }
            }
            _ => expanded.push(row),
        }
    }
    expanded
}

/// The rows that can start with `ctor`, its fields (`arity` of them) put
/// in place of their first pattern.
fn specialize(rows: &[Row], ctor: &Ctor, arity: usize) -> Vec<Row> {
    rows.iter()
        .filter_map(|row| {
            let (first, rest) = row.split_first()?;
            let mut fields = match first {
                Space::Wild => vec![Space::Wild; arity],
                Space::Ctor { ctor: head, args } => match (head, ctor) {
                    (
                        Ctor::List { len, rest: true },
                        Ctor::List {
                            len: wanted,
                            rest: _,
                        },
                    ) if len <= wanted => {
                        let mut fields = args.clone();
                        fields.resize(arity, Space::Wild);
                        fields
                    }
                    _ if head == ctor && args.len() == arity => args.clone(),
                    _ => return None,
                },
                Space::Opaque | Space::Or(_) => return None,
            };
            fields.extend(rest.iter().cloned());
            Some(fields)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(len: usize, rest: bool) -> Space {
        Space::Ctor {
            ctor: Ctor::List { len, rest },
            args: vec![Space::Wild; len],
        }
    }

    #[test]
    fn a_row_with_rest_specializes_to_every_longer_length() {
        let rows = vec![vec![list(1, true)]];
        let exact_two = Ctor::List {
            len: 2,
            rest: false,
        };
        assert_eq!(specialize(&rows, &exact_two, 2).len(), 1);
        let empty = Ctor::List {
            len: 0,
            rest: false,
        };
        assert!(specialize(&rows, &empty, 0).is_empty());
    }

    #[test]
    fn an_exact_length_row_matches_only_that_length() {
        let rows = vec![vec![list(2, false)]];
        let at_least_three = Ctor::List { len: 3, rest: true };
        assert!(specialize(&rows, &at_least_three, 3).is_empty());
    }

    #[test]
    fn alternatives_become_rows_in_order() {
        let rows = vec![vec![
            Space::Or(vec![Space::Opaque, Space::Wild]),
            Space::Opaque,
        ]];
        let expanded = expand_or(rows);
        assert_eq!(expanded.len(), 2);
        assert!(matches!(expanded[0][0], Space::Opaque));
        assert!(matches!(expanded[1][0], Space::Wild));
    }
}
