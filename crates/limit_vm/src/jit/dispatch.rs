//! Calling a method on an instance whose class is known only at run time
//! (`Scalar::Instance(ANY_CLASS)`: read from a list, or a local that held
//! instances of several classes): the receiver's class word is compared
//! with each class compiled code has seen with that method
//! (`analysis::dispatch_targets`, at most `MAX_DISPATCH`), and the match
//! makes a direct call of the method compiled for that class — what the
//! interpreter's inline cache finds for it. A class not among them exits
//! before the call, and the interpreter makes it.

use cranelift_codegen::ir::{self, condcodes::IntCC, types, InstBuilder};

use super::super::analysis::{constant_text, dispatch_targets};
use super::super::deopt::{is_float, Reason, WORD_OFFSET};
use super::super::semantics::{Backend, Scalar};
use super::{Lower, V};

impl Lower<'_, '_> {
    pub(super) fn lower_invoke_seen(&mut self, name: u32, argc: u8) -> Option<V> {
        let name = constant_text(self.input.constants, name)?;
        let first = self.model.len().checked_sub(argc as usize + 1)?;
        let operands_in = argc.checked_add(1)?;
        let kinds: Vec<Scalar> = self.model[first..].iter().map(|v| v.0).collect();
        let (targets, ret) = dispatch_targets(self.callees, name, &kinds)?;
        // The kind the analysis found the call to return (the same
        // candidates, unless a callee's compilation changed in between).
        let expected = self
            .input
            .analysis
            .states
            .get(self.ip + 1)
            .and_then(|s| s.as_ref())
            .and_then(|s| s.stack.last().copied());
        if expected != Some(ret) {
            return None;
        }
        let flags = ir::MemFlagsData::trusted();
        let receiver = self.model[first].1;
        let block = self.b.ins().load(types::I64, flags, receiver, WORD_OFFSET);
        let class = self.b.ins().load(types::I64, flags, block, 0);
        let merge = self.b.create_block();
        let ty = if is_float(ret) {
            types::F64
        } else {
            types::I64
        };
        self.b.append_block_param(merge, ty);
        let operands = self.model.clone();
        for (seen, _) in targets {
            let hit = self.b.create_block();
            let miss = self.b.create_block();
            let same = self
                .b
                .ins()
                .icmp_imm_s(IntCC::Equal, class, seen.word as i64);
            self.b.ins().brif(same, hit, &[], miss, &[]);
            self.b.switch_to_block(hit);
            self.model = operands.clone();
            self.model[first].0 = Scalar::Instance(seen.class);
            match self.call(seen.func, operands_in) {
                Some((_, result)) => {
                    self.b.ins().jump(merge, &[ir::BlockArg::Value(result)]);
                }
                None => self.exit_now(Reason::Deopt),
            }
            self.b.switch_to_block(miss);
        }
        self.exit_now(Reason::Deopt);
        self.b.switch_to_block(merge);
        self.model = operands;
        self.model.truncate(first);
        Some((ret, self.b.block_params(merge)[0]))
    }
}
