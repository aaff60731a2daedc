//! Whether a value of one type may go where another is expected.
//!
//! Gradual and lenient: `any` fits everywhere, and a combination is only
//! rejected when it is certainly wrong per docs/reference.md.

use super::types::Type;
use super::Checker;

/// The answer to "may a value of type V go where T is expected?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compatibility {
    Fits,
    /// Certainly the wrong type.
    Mismatch,
    /// A `T?` where a `T` is expected: the error must be handled first.
    UnhandledFallible,
    /// A `T?` whose error kinds the place's declared set does not cover
    /// (the values fit): a mismatch, except where a message naming the
    /// kinds is given instead (a `return`, §6).
    ErrorKinds,
}

impl Checker<'_> {
    pub(super) fn compatibility(&self, value: &Type, target: &Type) -> Compatibility {
        use Compatibility::*;
        let value = value.unrefined();
        let target = target.unrefined();
        if value.is_any() || target.is_any() {
            return Fits;
        }
        match (value, target) {
            // A union value fits only where every member does: using one
            // member's type needs a `match` or type test first (§3.4).
            (Type::Union(members), _) => {
                if members
                    .iter()
                    .all(|member| self.compatibility(member, target) == Fits)
                {
                    Fits
                } else {
                    Mismatch
                }
            }
            (_, Type::Union(members)) => {
                let answers: Vec<Compatibility> = members
                    .iter()
                    .map(|member| self.compatibility(value, member))
                    .collect();
                if answers.contains(&Fits) {
                    Fits
                } else if answers.contains(&UnhandledFallible) {
                    UnhandledFallible
                } else {
                    Mismatch
                }
            }
            // The error kinds travel with the value: a place declaring
            // its set (`int?A`: a variable, a parameter, a function
            // type's result) must cover the kinds the value may hold, as
            // `?` on it is checked against that set (§6). An unknown set
            // (`int?`) gets the benefit of the doubt.
            (Type::Fallible(inner, kinds), Type::Fallible(expected, allowed)) => {
                match fits_or_mismatch(self.compatibility(inner, expected)) {
                    Fits if !kinds.not_covered_by(allowed).is_empty() => ErrorKinds,
                    other => other,
                }
            }
            (Type::Nil | Type::ErrorValue, Type::Fallible(..)) => Fits,
            (_, Type::Fallible(expected, _)) => {
                fits_or_mismatch(self.compatibility(value, expected))
            }
            (Type::Fallible(inner, _), _) => match self.compatibility(inner, target) {
                Fits => UnhandledFallible,
                other => other,
            },
            (Type::Nil, _) => {
                if is_scalar(target) {
                    Mismatch
                } else {
                    Fits
                }
            }
            (Type::ErrorValue, _) => Fits,
            (_, Type::Float | Type::Decimal(_)) if value.is_numeric() => Fits,
            (Type::Int | Type::SizedInt(_) | Type::Decimal(_), Type::Int | Type::SizedInt(_)) => {
                Fits
            }
            (Type::Bool, Type::Bool)
            | (Type::Str, Type::Str)
            | (Type::Range, Type::Range)
            | (Type::Channel, Type::Channel) => Fits,
            (Type::List(element), Type::List(expected)) => {
                fits_or_mismatch(self.compatibility(element, expected))
            }
            (Type::Dict(key, element), Type::Dict(expected_key, expected)) => {
                fits_or_mismatch(self.compatibility(key, expected_key))
                    .and(fits_or_mismatch(self.compatibility(element, expected)))
            }
            (Type::Record(fields), Type::Dict(expected_key, expected)) => {
                let key = fits_or_mismatch(self.compatibility(&Type::Str, expected_key));
                fields.iter().fold(key, |answer, (_, ty)| {
                    answer.and(fits_or_mismatch(self.compatibility(ty, expected)))
                })
            }
            (Type::Dict(..), Type::Record(_)) => Fits,
            (Type::Record(fields), Type::Record(expected)) => {
                expected.iter().fold(Fits, |answer, (name, expected_ty)| {
                    let field = fields.iter().find(|(field, _)| field == name);
                    answer.and(match field {
                        Some((_, ty)) => fits_or_mismatch(self.compatibility(ty, expected_ty)),
                        None => Mismatch,
                    })
                })
            }
            // A structural type accepts frame instances with those fields.
            (Type::Frame(_) | Type::Trait(_), Type::Record(_)) => Fits,
            (Type::Tuple(items), Type::Tuple(expected)) => {
                if items.len() != expected.len() {
                    return Mismatch;
                }
                items
                    .iter()
                    .zip(expected)
                    .fold(Fits, |answer, (item, expected)| {
                        answer.and(fits_or_mismatch(self.compatibility(item, expected)))
                    })
            }
            (Type::Function(function), Type::Function(expected)) => {
                if function.params.len() != expected.params.len()
                    && !function.flexible_arity
                    && !expected.flexible_arity
                {
                    return Mismatch;
                }
                // Parameters are contravariant: the function must accept
                // every argument a caller of the expected type may pass.
                let params = function.params.iter().zip(&expected.params).fold(
                    Fits,
                    |answer, (param, expected_param)| {
                        answer.and(fits_or_mismatch(
                            self.compatibility(&expected_param.ty, &param.ty),
                        ))
                    },
                );
                params.and(fits_or_mismatch(
                    self.compatibility(&function.ret, &expected.ret),
                ))
            }
            (Type::Frame(frame), Type::Frame(expected)) => {
                if self.frame_may_be(frame, expected) {
                    Fits
                } else {
                    Mismatch
                }
            }
            (Type::Frame(frame), Type::Trait(expected)) => {
                if self.frame_may_implement(frame, expected) {
                    Fits
                } else {
                    Mismatch
                }
            }
            // Downcasts and trait-to-trait conversions are not modelled.
            (Type::Trait(_), Type::Frame(_) | Type::Trait(_)) => Fits,
            // Data frames may be built from records in some programs.
            (Type::Dict(..) | Type::Record(_), Type::Frame(_)) => Fits,
            // A frame used as a value is called to construct an instance.
            (Type::Class(frame), Type::Function(expected)) => {
                fits_or_mismatch(self.compatibility(&Type::Frame(frame.clone()), &expected.ret))
            }
            (Type::Class(frame), Type::Class(expected)) => {
                if frame == expected {
                    Fits
                } else {
                    Mismatch
                }
            }
            (Type::Host(name), Type::Host(expected)) => {
                if name == expected {
                    Fits
                } else {
                    Mismatch
                }
            }
            (Type::Enum(name), Type::Enum(expected)) => {
                if name == expected {
                    Fits
                } else {
                    Mismatch
                }
            }
            _ => Mismatch,
        }
    }
}

impl Checker<'_> {
    /// A list or dict that already exists keeps its elements when it
    /// enters a place typed for other elements (it is shared: converting
    /// it would change it for every holder, copying it would part them).
    /// So where its elements would need a conversion or check (§3.1 sized
    /// ints, §3.2 int to float, §3.3b decimals, §3.4 refinements) it does
    /// not fit; a literal is built for its place instead (`check_against`).
    pub(super) fn check_shared_container(
        &mut self,
        found: &Type,
        expected: &Type,
        span: limit_syntax::Span,
        destination: &super::expr::Destination,
    ) {
        let Some((element, wanted)) = element_conversion(found, expected) else {
            return;
        };
        self.error_with_hint(
            span,
            format!(
                "mismatched types: {} expects `{expected}`, found `{found}`: a list or dict is shared, so its `{element}` elements are not converted to `{wanted}`",
                destination.describe()
            ),
            format!("build a new one with `{wanted}` elements (for a list: `xs.map(fn(x) {{ return x as {wanted}; }})`), or declare the original with that type"),
        );
    }
}

/// The first element type of `found` (a list or dict, at any depth) that
/// would need a conversion or check to be the element type `expected`
/// declares, with that type.
fn element_conversion(found: &Type, expected: &Type) -> Option<(Type, Type)> {
    let (found_elements, expected_elements): (Vec<&Type>, Vec<&Type>) =
        match (found.unrefined(), expected.unrefined()) {
            (Type::List(a), Type::List(b)) => (vec![a], vec![b]),
            (Type::Dict(k, v), Type::Dict(ek, ev)) => (vec![k, v], vec![ek, ev]),
            // A dict entering a record type: its values become each field.
            (Type::Dict(_, v), Type::Record(fields)) => (
                fields.iter().map(|_| &**v).collect(),
                fields.iter().map(|(_, ty)| ty).collect(),
            ),
            (Type::Record(have), Type::Record(fields)) => fields
                .iter()
                .filter_map(|(name, ty)| {
                    have.iter()
                        .find(|(own, _)| own == name)
                        .map(|(_, found)| (found, ty))
                })
                .unzip(),
            _ => return None,
        };
    for (a, b) in found_elements.into_iter().zip(expected_elements) {
        if a.is_any() || b.is_any() {
            continue;
        }
        if let Some(inner) = element_conversion(a, b) {
            return Some(inner);
        }
        let converts = match (a, b.unrefined()) {
            (_, Type::Refined(..)) => false,
            (a, Type::Float) => a.is_numeric() && *a.unrefined() != Type::Float,
            (a, Type::Decimal(n)) => a.is_numeric() && *a.unrefined() != Type::Decimal(*n),
            (a, Type::SizedInt(w)) => a.is_numeric() && *a.unrefined() != Type::SizedInt(*w),
            _ => false,
        };
        let refined = matches!(b, Type::Refined(..)) && a != b;
        if converts || refined {
            return Some((a.clone(), b.clone()));
        }
    }
    None
}

impl Compatibility {
    fn and(self, other: Compatibility) -> Compatibility {
        if self == Compatibility::Fits {
            other
        } else {
            self
        }
    }
}

/// Inside a container, an unhandled `T?` element (or one whose error kinds
/// the element type does not cover) is simply the wrong type.
fn fits_or_mismatch(answer: Compatibility) -> Compatibility {
    match answer {
        Compatibility::UnhandledFallible | Compatibility::ErrorKinds => Compatibility::Mismatch,
        other => other,
    }
}

/// Types whose zero value is not `nil`, so `nil` is never one of their values.
fn is_scalar(ty: &Type) -> bool {
    matches!(
        ty,
        Type::Int | Type::SizedInt(_) | Type::Float | Type::Decimal(_) | Type::Bool | Type::Str
    )
}
