//! Frames whose instances the cycle collector need not register
//! (`ClassDef::acyclic`, gc.rs).
//!
//! The collector finds cycles through the references registered objects
//! (lists, dicts, instances, closures, cells) hold directly. An instance
//! whose fields can only hold values that are none of those — ints,
//! floats, decimals, bools, strings, ranges, error values, enums without
//! payloads, tuples, unions and optionals of these — is never on such a
//! cycle: registering it only costs a registry slot, and the collections'
//! time to examine it. The run-time check of each field's declared type
//! (`type_checks.rs`, `checks.rs`) keeps every other value out, through
//! any store: typed, by name, a constructor argument or a default.
//!
//! Whatever the declared type cannot bound is not acyclic: `any`, a
//! frame, a trait, a function, a list, dict or record, a channel, a host
//! type, a type parameter, a field without a type. A frame with a
//! `deinit` stays registered too, so that garbage holding it is
//! finalised as before. A subframe is a class of its own: its fields
//! (its parent's first) decide for it alone.

use super::objects::FrameInfo;
use super::Codegen;
use limit_bytecode::type_check::TypeCheck;

impl Codegen<'_> {
    /// Whether no instance of `info` can be part of a reference cycle.
    pub(super) fn frame_is_acyclic(&self, info: &FrameInfo) -> bool {
        let has_deinit = info.vtable.iter().any(|m| m.name == "deinit");
        !has_deinit
            && info.fields.iter().all(|field| {
                field
                    .ty
                    .as_ref()
                    .is_some_and(|ty| self.holds_no_container(&self.annotation_form(ty, 0).0))
            })
    }

    /// Whether a value `check` admits can never be (directly) a list,
    /// dict, instance, closure or cell, nor hold one.
    fn holds_no_container(&self, check: &TypeCheck) -> bool {
        match check {
            TypeCheck::Int
            | TypeCheck::Float
            | TypeCheck::Decimal
            | TypeCheck::Str
            | TypeCheck::Bool
            | TypeCheck::Nil
            | TypeCheck::Range
            | TypeCheck::ErrorValue => true,
            TypeCheck::Tuple(items) | TypeCheck::Union(items) => {
                items.iter().all(|item| self.holds_no_container(item))
            }
            TypeCheck::Optional(inner) => self.holds_no_container(inner),
            TypeCheck::Enum(id) => self
                .objects
                .enums
                .values()
                .find(|e| e.id == *id)
                .is_some_and(|e| e.variants.iter().all(|(_, payload)| *payload == 0)),
            TypeCheck::Any
            | TypeCheck::Channel
            | TypeCheck::Function
            | TypeCheck::Callable(_)
            | TypeCheck::List(_)
            | TypeCheck::Dict(..)
            | TypeCheck::Record(_)
            | TypeCheck::Frame(_)
            | TypeCheck::Class(_)
            | TypeCheck::Trait(_)
            | TypeCheck::Host(_) => false,
        }
    }
}
