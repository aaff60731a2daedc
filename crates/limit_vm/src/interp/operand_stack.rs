//! The general path's operand-stack operations (generic.rs,
//! arith_steps.rs, branch_steps.rs), as methods of the value stack itself:
//! a use borrows only `self.stack`, as the macros they replace did, and
//! each is spelt once.

use crate::value::Value;

pub(super) trait OperandStack {
    /// Pop the top value and release it.
    fn drop_top(&mut self);
    /// Pop the top value (nil from an empty stack, which a compiled
    /// program never pops).
    fn pop_value(&mut self) -> Value;
    /// The top value.
    fn top_mut(&mut self) -> &mut Value;
}

impl OperandStack for Vec<Value> {
    #[inline(always)]
    fn drop_top(&mut self) {
        if let Some(v) = self.pop() {
            v.discard();
        }
    }

    #[inline(always)]
    fn pop_value(&mut self) -> Value {
        self.pop().unwrap_or_default()
    }

    #[inline(always)]
    fn top_mut(&mut self) -> &mut Value {
        // Infallible for compiled programs: an instruction reading its
        // operand follows the code that pushed it (the code generator's
        // stack discipline, as for every `stack[n - k]` read of `step`).
        self.last_mut().expect("stack not empty")
    }
}
