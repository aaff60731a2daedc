//! When to compile: the modes, the call and loop counters, and which
//! entry points are worth compiling.

use super::analysis::Analysis;
use crate::opcode::Op;

/// Whether and when hot code is compiled to machine code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JitMode {
    /// Everything is interpreted.
    #[default]
    Off,
    /// Functions called often and loops run long are compiled.
    Auto,
    /// Every function is compiled at its first call and every loop at
    /// its first back edge, where they can be (for testing: the whole
    /// conformance suite runs this way too).
    Always,
}

impl JitMode {
    /// The mode a word names (`off`, `auto`, `always`).
    pub fn from_name(name: &str) -> Option<JitMode> {
        match name {
            "off" => Some(JitMode::Off),
            "auto" => Some(JitMode::Auto),
            "always" => Some(JitMode::Always),
            _ => None,
        }
    }
}

/// `CallDirect`s of a function after which `auto` compiles it.
pub(crate) const CALL_THRESHOLD: u32 = 100;

/// Times `auto` sees a loop head after a back edge the interpreter's
/// general path ran before compiling from there. The dispatch loop takes
/// that path at every checkpoint (each `CHECKPOINT_STEPS` steps), so a
/// loop is compiled after a few thousand iterations.
pub(crate) const LOOP_THRESHOLD: u32 = 2;

/// Deoptimisations (failed guards) after which an entry point is given
/// up: code whose guesses keep failing runs interpreted.
pub(crate) const MAX_DEOPTS: u32 = 64;

/// Entry points compiled per function at most (one per loop head and
/// kinds of the frame's values).
pub(crate) const MAX_ENTRIES: u32 = 8;

/// A function's call counter (`Vm::jit_calls`) when its calls are never
/// handed to the general path: nothing to compile, or given up.
pub(crate) const NEVER: u32 = 0;

/// A function's call counter when each call goes to the general path,
/// where compiled code runs it (or it is about to be compiled). Larger
/// counts are the calls left before that, plus one.
pub(crate) const HOT: u32 = 1;

/// The call counters of `functions` functions for `mode` (none when off:
/// the dispatch loop's check is then one bounds test).
pub(crate) fn call_counters(mode: JitMode, functions: usize) -> Vec<u32> {
    match mode {
        JitMode::Off => Vec::new(),
        JitMode::Auto => vec![CALL_THRESHOLD + HOT; functions],
        JitMode::Always => vec![HOT; functions],
    }
}

/// What the bridge knows of one function.
#[derive(Default)]
pub(crate) struct FunctionInfo {
    /// Instructions that back edges jump to (made at the first look).
    loop_targets: Option<Vec<usize>>,
    /// Loop heads seen, and how often.
    visits: Vec<(usize, u32)>,
    /// Entry points compiled or refused.
    pub(crate) tried: u32,
    /// A loop head of it had nothing to enter: a checkpoint falling on a
    /// call in it no longer looks for one (`Jit::step_through`).
    pub(crate) loop_refused: bool,
}

impl FunctionInfo {
    /// Whether `ip` is a loop target of `code`.
    pub(crate) fn is_loop_target(&mut self, code: &[Op], ip: usize) -> bool {
        let targets = self.loop_targets.get_or_insert_with(|| loop_targets(code));
        targets.binary_search(&ip).is_ok()
    }

    /// Whether `code` has a loop that may be entered.
    pub(crate) fn has_loops(&mut self, code: &[Op]) -> bool {
        !self.loop_refused
            && !self
                .loop_targets
                .get_or_insert_with(|| loop_targets(code))
                .is_empty()
    }

    /// Count a visit of loop target `ip`; whether it is now hot.
    pub(crate) fn visit(&mut self, ip: usize, threshold: u32) -> bool {
        let count = match self.visits.iter_mut().find(|(at, _)| *at == ip) {
            Some((_, n)) => n,
            None => {
                self.visits.push((ip, 0));
                match self.visits.last_mut() {
                    Some((_, n)) => n,
                    None => return false,
                }
            }
        };
        *count = count.saturating_add(1);
        *count >= threshold
    }
}

/// Targets of the backward jumps of `code`, sorted.
pub(crate) fn loop_targets(code: &[Op]) -> Vec<usize> {
    let mut targets: Vec<usize> = code
        .iter()
        .enumerate()
        .filter_map(|(ip, op)| {
            let t = op.jump_target(ip)?;
            (t >= 0 && (t as usize) <= ip).then_some(t as usize)
        })
        .collect();
    targets.sort_unstable();
    targets.dedup();
    targets
}

/// Whether the analysed entry point at `entry` is worth compiling: a
/// function entry (0) must have no instruction that always leaves and
/// must contain a loop or a call (`auto` only: a leaf without loops
/// gains less than entering compiled code costs); a loop's entry must
/// have none inside the loop (from the entry to the last back edge to
/// it), where leaving would end the compiled loop at every iteration.
pub(crate) fn worth_compiling(
    code: &[Op],
    entry: usize,
    analysis: &Analysis,
    always: bool,
) -> bool {
    if entry == 0 {
        let busy = code.iter().enumerate().any(|(ip, op)| {
            matches!(op, Op::CallDirect(..)) || op.jump_target(ip).is_some_and(|t| t <= ip as isize)
        });
        return analysis.exits.is_empty() && (always || busy);
    }
    let end = code
        .iter()
        .enumerate()
        .filter(|(ip, op)| op.jump_target(*ip) == Some(entry as isize) && *ip >= entry)
        .map(|(ip, _)| ip)
        .max()
        .unwrap_or(entry);
    !analysis.exits.iter().any(|&ip| ip >= entry && ip <= end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loop_targets_are_the_back_edges_destinations() {
        let code = [
            Op::Int(0),
            Op::SetLocal(0),
            Op::IncLocal(0, 1),
            Op::Loop(2),
            Op::IncLoopLtConst(0, 0, 3),
            Op::Jump(1),
            Op::ReturnNil,
        ];
        assert_eq!(loop_targets(&code), vec![2]);
    }

    #[test]
    fn a_loop_head_is_hot_after_the_threshold() {
        let mut info = FunctionInfo::default();
        assert!(!info.visit(4, 2));
        assert!(info.visit(4, 2));
        assert!(!info.visit(9, 2));
    }
}
