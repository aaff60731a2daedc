//! How instances of a class print when not as `Name { field: value, … }`
//! (reference.md §3): the standard collections print their items, in the
//! compact form their `to_string()` gives (docs/stdlib.md) — `Set{3, 1}`,
//! `Deque[1, 2]`, `Heap[1, 2, 3]` (in pop order) — wherever a value is
//! printed (print, `str()`, interpolation, inside a list). The code
//! generator chooses the form of a standard module's frame
//! (`ClassDef::printed`); no other frame has one.

use std::cmp::Ordering;

use crate::value::{compare, Instance, Value};

/// The printed form of a class's instances, naming the fields that hold
/// the items by slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PrintedForm {
    /// `Name { field: value, … }`, as every frame.
    #[default]
    Fields,
    /// `Set{a, b}`: the keys of the dict in field `items`.
    Set { items: u16 },
    /// `Deque[a, b]`: the list in field `front` reversed, then `back`.
    Deque { front: u16, back: u16 },
    /// `Heap[a, b]`: the list `items` in the order `pop` gives them: by
    /// `keys` (parallel to `items`), ties by `order` (insertion).
    Heap { items: u16, keys: u16, order: u16 },
}

/// The opening text, the items and the closing text `instance` prints
/// as, when its class has a collection's form (and its fields hold what
/// that form expects; otherwise it prints as any frame).
pub fn collection_items(instance: &Instance) -> Option<(&'static str, Vec<Value>, &'static str)> {
    let fields = instance.fields.borrow();
    let field = |slot: u16| fields.get(slot as usize);
    let list = |slot: u16| match field(slot) {
        Some(Value::List(l)) => Some(l.items.borrow().clone()),
        _ => None,
    };
    match instance.class.printed {
        PrintedForm::Fields => None,
        PrintedForm::Set { items } => match field(items) {
            Some(Value::Dict(d)) => {
                let keys = d.map.borrow().iter().map(|(k, _)| k.0.clone()).collect();
                Some(("Set{", keys, "}"))
            }
            _ => None,
        },
        PrintedForm::Deque { front, back } => {
            let mut all = list(front)?;
            all.reverse();
            all.extend(list(back)?);
            Some(("Deque[", all, "]"))
        }
        PrintedForm::Heap { items, keys, order } => {
            let (items, keys, order) = (list(items)?, list(keys)?, list(order)?);
            if keys.len() != items.len() || order.len() != items.len() {
                return None;
            }
            let mut ranks: Vec<usize> = (0..items.len()).collect();
            // As the heap's own `before`: by key, then by insertion order
            // (keys a heap could not compare never got into it together).
            ranks.sort_by(|&i, &j| {
                compare(&keys[i], &keys[j])
                    .filter(|o| *o != Ordering::Equal)
                    .or_else(|| compare(&order[i], &order[j]))
                    .unwrap_or(Ordering::Equal)
            });
            let sorted = ranks.into_iter().map(|i| items[i].clone()).collect();
            Some(("Heap[", sorted, "]"))
        }
    }
}
