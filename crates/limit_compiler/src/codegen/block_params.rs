//! The named parameters of `parallel (…)` / `concurrent (…)` blocks
//! (reference.md §9): an unknown name, or a `ch=` naming no variable, is a
//! warning with a did-you-mean, and the block runs as if the parameter had
//! not been written (§12a).

use super::Codegen;
use crate::suggest::did_you_mean;
use limit_syntax::ast::{Arg, ExprKind};
use limit_syntax::Diagnostic;

/// Every parameter a concurrency block understands.
const BLOCK_PARAMETERS: &[&str] = &["ch", "cores", "mode", "timeout", "on_error", "on_timeout"];

impl Codegen<'_> {
    /// Whether block parameter `arg` (named `name`) is one the block uses;
    /// warns about it when it is not.
    pub(crate) fn block_parameter_is_known(&mut self, name: &str, arg: &Arg) -> bool {
        let span = arg.name.as_ref().map_or(arg.value.span, |n| n.span);
        if !BLOCK_PARAMETERS.contains(&name) {
            let mut message = format!("unknown block parameter `{name}`; it is ignored");
            if let Some(known) = did_you_mean(name, BLOCK_PARAMETERS.iter().copied()) {
                message.push_str(&format!(" (did you mean `{known}`?)"));
            }
            let hint = format!("the parameters are {}", list(BLOCK_PARAMETERS));
            self.diagnostics
                .push(Diagnostic::warning(span, message).with_hint(hint));
            return false;
        }
        if name != "ch" {
            return true;
        }
        let ExprKind::Ident(channel) = &arg.value.kind else {
            return true;
        };
        if self.resolve_use(arg.value.id, channel).is_some() {
            return true;
        }
        let visible = self.visible_variable_names();
        let mut message = format!("`ch={channel}` names no variable; the block has no channel");
        if let Some(known) = did_you_mean(channel, visible.iter().map(String::as_str)) {
            message.push_str(&format!(" (did you mean `{known}`?)"));
        }
        self.diagnostics.push(
            Diagnostic::warning(arg.value.span, message)
                .with_hint("declare the channel first: `var results = channel();`"),
        );
        false
    }

    /// The names of the variables visible here: locals of this and the
    /// enclosing functions, and globals.
    pub(crate) fn visible_variable_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .functions
            .iter()
            .flat_map(|f| f.local_names.iter())
            .filter(|(_, slots)| !slots.is_empty())
            .map(|(name, _)| name.clone())
            .chain(self.globals.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
