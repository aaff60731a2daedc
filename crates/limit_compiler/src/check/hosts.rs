//! Functions the embedding host registers with a signature
//! (`Engine::register_fn` with typed Rust parameters): calls of them are
//! checked like calls of declared functions, and a session records the
//! signatures of its own top-level functions so the host can check the
//! arguments it passes to them.

use super::types::FunctionType;
use super::Checker;
use limit_syntax::ast::{Arg, Stmt, StmtKind};
use limit_syntax::Span;
use std::collections::HashMap;

impl<'a> Checker<'a> {
    /// The call `name(args)` of a host function registered with a
    /// signature, if `name` is one: its argument count must match exactly
    /// (host functions have no defaults) and each argument must fit its
    /// parameter's type. Returns the call's type.
    pub(super) fn host_call(
        &mut self,
        name: &str,
        args: &'a [Arg],
        span: Span,
    ) -> Option<super::Type> {
        let function = self.hosts.get(name)?.clone();
        if args.iter().any(|arg| arg.name.is_some()) {
            self.error_with_hint(
                span,
                format!("`{name}` is a host function: its arguments cannot be named"),
                "pass the arguments by position",
            );
        } else if args.len() != function.params.len() {
            let wanted = function.params.len();
            self.error_with_hint(
                span,
                format!(
                    "`{name}` takes {wanted} argument{}, but {} {} given",
                    if wanted == 1 { "" } else { "s" },
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" },
                ),
                "the host registered it with that many parameters",
            );
        }
        Some(self.check_arguments(&function, args, name))
    }

    /// The signatures of the module's top-level named functions (a later
    /// declaration of a name replaces an earlier one).
    pub(super) fn top_level_signatures(
        &mut self,
        stmts: &'a [Stmt],
    ) -> HashMap<String, FunctionType> {
        let mut found = HashMap::new();
        for stmt in stmts {
            if let StmtKind::Fn(decl) = &stmt.kind {
                if let Some(name) = &decl.name {
                    let signature = self.signature_of(decl);
                    found.insert(name.name.clone(), signature);
                }
            }
        }
        found
    }
}
