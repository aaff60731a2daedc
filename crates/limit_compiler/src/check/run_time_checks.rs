//! Where a value the checker let into a typed place is not proven to fit
//! (reference.md §3: `any` is "anything; checked at run time"): the value
//! is `any`, or holds `any` where the place declares more (`[any]` into
//! `[int]`), or is a union, a trait or a record that may be something
//! else at run time (a downcast). There the type table records the
//! place's type for the value's node (`TypeTable::check_of`), and the code
//! generator emits one `CheckType` after the value. A value whose type is
//! proven gets no entry, so typed code pays nothing.

use super::types::Type;
use super::Checker;

impl Checker<'_> {
    /// Whether a value of static type `found`, which `compatibility`
    /// found to fit `expected`, still needs a check at run time.
    pub(super) fn needs_run_time_check(&self, found: &Type, expected: &Type) -> bool {
        let (found, expected) = (found.unrefined(), expected.unrefined());
        if expected.is_any() {
            return false;
        }
        match (found, expected) {
            (found, _) if found.is_any() => true,
            (Type::Union(members), _) => members
                .iter()
                .any(|member| self.needs_run_time_check(member, expected)),
            (Type::Fallible(inner, _), Type::Fallible(wanted, _)) => {
                self.needs_run_time_check(inner, wanted)
            }
            (Type::Nil | Type::ErrorValue, _) => false,
            (_, Type::Fallible(wanted, _)) => self.needs_run_time_check(found, wanted),
            (_, Type::Union(members)) => members
                .iter()
                .all(|member| self.needs_run_time_check(found, member)),
            (Type::List(element), Type::List(wanted)) => self.needs_run_time_check(element, wanted),
            (Type::Dict(key, value), Type::Dict(wanted_key, wanted)) => {
                self.needs_run_time_check(key, wanted_key)
                    || self.needs_run_time_check(value, wanted)
            }
            (Type::Record(fields), Type::Dict(_, wanted)) => fields
                .iter()
                .any(|(_, ty)| self.needs_run_time_check(ty, wanted)),
            // A dict's keys, a trait's or frame's fields are not proven.
            (Type::Dict(..) | Type::Frame(_) | Type::Trait(_), Type::Record(_)) => true,
            (Type::Record(fields), Type::Record(wanted)) => wanted.iter().any(|(name, ty)| {
                fields
                    .iter()
                    .find(|(field, _)| field == name)
                    .is_none_or(|(_, field)| self.needs_run_time_check(field, ty))
            }),
            (Type::Tuple(items), Type::Tuple(wanted)) => items
                .iter()
                .zip(wanted)
                .any(|(item, wanted)| self.needs_run_time_check(item, wanted)),
            // Downcasts: the checker lets them through unproven.
            (Type::Trait(name), Type::Trait(wanted)) => name != wanted,
            (Type::Trait(_) | Type::Dict(..) | Type::Record(_), Type::Frame(_)) => true,
            (Type::Frame(frame), Type::Frame(wanted)) => !self.frame_is_certainly(frame, wanted),
            (Type::Frame(frame), Type::Trait(wanted)) => {
                !self.frame_certainly_implements(frame, wanted)
            }
            _ => false,
        }
    }
}
