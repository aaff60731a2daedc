//! The natives behind `std.collections` (docs/stdlib.md). The frames
//! themselves (`Set`, `Deque`, `Heap`) are Limit source
//! (`limit_compiler/src/stdlib/collections.lm`); a dict's own `remove`
//! keeps the order of the other keys and so takes time linear in the
//! dict's size, too slow for a set's `remove`.

use crate::errors::{fail, kinds, Trap};
use crate::interp::Vm;
use crate::value::{Key, Value};

/// `discard(items, key)`: removes `key` from dict `items` in constant
/// time (the last key takes its place); whether it was there.
pub(crate) fn discard(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let Value::Dict(d) = &a[0] else {
        return fail(
            kinds::TYPE_ERROR,
            &format!("discard expects a dict, got {}", a[0].type_name()),
        );
    };
    let key = Key::new(a[1].clone())?;
    let removed = d.map.borrow_mut().swap_remove(&key);
    Ok(Value::Bool(removed.is_some()))
}
