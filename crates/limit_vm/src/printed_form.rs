//! The items of an instance whose class prints as a standard collection
//! (`limit_bytecode::printed_form::PrintedForm`): `Set{3, 1}`,
//! `Deque[1, 2]`, `Heap[1, 2, 3]` (in pop order).

use std::cmp::Ordering;

pub use limit_bytecode::printed_form::PrintedForm;

use crate::value::{compare, InstanceRef, Value};

/// The opening text, the items and the closing text `instance` prints
/// as, when its class has a collection's form (and its fields hold what
/// that form expects; otherwise it prints as any frame).
pub fn collection_items(
    instance: &InstanceRef,
) -> Option<(&'static str, Vec<Value>, &'static str)> {
    if instance.class.printed == PrintedForm::Fields {
        return None;
    }
    let fields = instance.values();
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
