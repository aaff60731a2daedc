//! The static type checker (LANGUAGE.md §3.4, §5, §6, §7).
//!
//! It runs between the parser and the code generator and is *gradual*:
//! whatever it cannot be certain of has type [`Type::Any`], which is
//! compatible with everything, so a valid program is never rejected. It
//! reports only certain type errors (the code generator already reports
//! unknown names, argument counts and misplaced `break`/`return`/`?`) and
//! records the types it proved in a [`TypeTable`] for the code generator.
//!
//! Unannotated variables take their initialiser's type. When a later
//! assignment stores a value of another type, that variable is *widened* to
//! `any` and the module is checked again, so that no earlier read keeps a
//! type the variable does not always have (see [`check_module`]).

mod annotations;
mod calls;
mod compat;
mod constant;
mod declarations;
mod env;
mod expr;
mod frames;
mod imports;
mod operators;
mod patterns;
mod returns;
mod stmt;
mod table;
#[cfg(test)]
mod tests;
pub mod types;

pub use imports::{Exports, ImportedName};
pub use table::TypeTable;
pub use types::{ErrorSet, FunctionType, IntWidth, ParamType, Type};

/// The names a module's imports bind (namespaces and direct members), with
/// the types the imported modules declare for them.
pub type Imports = HashMap<String, ImportedName>;

use crate::modules::ModuleGraph;
use declarations::Declarations;
use env::{Binding, Env};
use limit_syntax::ast::{self, FnDecl};
use limit_syntax::{Diagnostic, SourceMap, Span};
use std::collections::{HashMap, HashSet};

/// What the checker found: every type error (and warning) of the module,
/// and the static types it proved.
#[derive(Debug, Default)]
pub struct CheckResult {
    pub diagnostics: Vec<Diagnostic>,
    pub types: TypeTable,
}

/// How many times a module may be re-checked after widening variables
/// before the checker gives up on recording types (diagnostics stay valid:
/// widening only removes errors).
const MAX_PASSES: usize = 12;

/// Type-checks every module of a program, each knowing the exported
/// function signatures and variable types of the modules it imports.
/// The results have the indices of `graph.modules`.
pub fn check_program(graph: &ModuleGraph, sources: &SourceMap) -> Vec<CheckResult> {
    let exports = imports::exports_of_program(graph, sources);
    graph
        .modules
        .iter()
        .enumerate()
        .map(|(index, module)| {
            let imports = imports::imports_of(graph, index, &exports);
            check_module_with_imports(&module.ast, sources, &imports)
        })
        .collect()
}

/// Type-checks one parsed module on its own (imports are `any`). `sources`
/// supplies the source text that messages quote (refinement conditions).
pub fn check_module(module: &ast::Module, sources: &SourceMap) -> CheckResult {
    check_module_with_imports(module, sources, &Imports::new())
}

/// Type-checks one parsed module whose imports bind `imports`.
pub fn check_module_with_imports(
    module: &ast::Module,
    sources: &SourceMap,
    imports: &Imports,
) -> CheckResult {
    let declarations = Declarations::collect(module);
    let mut widened = HashSet::new();
    for _ in 0..MAX_PASSES {
        let mut checker = Checker::new(&declarations, sources, widened.clone(), imports);
        checker.check_top_level(module);
        if checker.newly_widened.is_empty() {
            return checker.finish();
        }
        widened.extend(checker.newly_widened.drain());
    }
    // Still widening (pathological input): keep the diagnostics of a pass
    // with everything widened so far, but claim no types.
    let mut checker = Checker::new(&declarations, sources, widened, imports);
    checker.check_top_level(module);
    let mut result = checker.finish();
    result.types = TypeTable::default();
    result
}

/// Where a `return` sends its value.
#[derive(Clone, Debug)]
enum ReturnTarget {
    /// The body of a function; `declared` is its return annotation.
    Function {
        name: String,
        declared: Option<Type>,
    },
    /// A `?else` handler: `return` gives the handler's value.
    Handler,
    /// Task and worker bodies: nothing to check.
    Unchecked,
}

/// A `where` condition registered while resolving annotations.
struct Refinement<'a> {
    condition: &'a ast::Expr,
}

/// The state of one checking pass.
struct Checker<'a> {
    declarations: &'a Declarations<'a>,
    sources: &'a SourceMap,
    env: Env,
    diagnostics: Vec<Diagnostic>,
    table: TypeTable,
    refinements: Vec<Refinement<'a>>,
    refinement_ids: HashMap<Span, usize>,
    /// Declarations of unannotated variables that are `any` this pass.
    widened: HashSet<Span>,
    /// Declarations found to need widening during this pass.
    newly_widened: HashSet<Span>,
    returns: Vec<ReturnTarget>,
    /// Values `return`ed inside the `?else` handlers being checked.
    handler_values: Vec<Vec<Type>>,
    /// The frame whose methods are being checked (privacy, `this`).
    current_frame: Option<String>,
    /// The type of `this`/`self` in the current method.
    this_type: Option<Type>,
    /// Function bodies of the enclosing blocks, checked when the block ends.
    deferred: Vec<Vec<DeferredBody<'a>>>,
    /// What the module's imports bind.
    imports: &'a Imports,
}

/// A function or method body whose checking waits for its block's end, so
/// that it sees every name of the block (functions are hoisted).
struct DeferredBody<'a> {
    decl: &'a FnDecl,
    frame: Option<String>,
    this_type: Option<Type>,
}

impl<'a> Checker<'a> {
    fn new(
        declarations: &'a Declarations<'a>,
        sources: &'a SourceMap,
        widened: HashSet<Span>,
        imports: &'a Imports,
    ) -> Checker<'a> {
        Checker {
            declarations,
            sources,
            env: Env::new(),
            diagnostics: Vec::new(),
            table: TypeTable::default(),
            refinements: Vec::new(),
            refinement_ids: HashMap::new(),
            widened,
            newly_widened: HashSet::new(),
            returns: Vec::new(),
            handler_values: Vec::new(),
            current_frame: None,
            this_type: None,
            deferred: Vec::new(),
            imports,
        }
    }

    fn finish(mut self) -> CheckResult {
        self.table.finish();
        self.diagnostics
            .sort_by_key(|d| (d.span.file, d.span.start, d.span.end));
        self.diagnostics.dedup();
        CheckResult {
            diagnostics: self.diagnostics,
            types: self.table,
        }
    }

    fn check_top_level(&mut self, module: &'a ast::Module) {
        self.check_frame_declarations();
        // Members imported directly (`show`/`hide`), as declared in their
        // module; the module's own declarations shadow them.
        let imports = self.imports;
        for (name, imported) in imports {
            if let ImportedName::Member(ty) = imported {
                let mut binding = Binding::variable(ty.clone(), module.span, true);
                binding.is_function = matches!(ty, Type::Function(_));
                self.env.declare(name, binding);
            }
        }
        self.check_statements(&module.stmts, BlockRole::Module);
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(span, message));
    }

    fn error_with_hint(&mut self, span: Span, message: impl Into<String>, hint: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::error(span, message).with_hint(hint));
    }

    /// The source text of `span` (for quoting conditions in messages).
    fn source_text(&self, span: Span) -> String {
        let Some(file) = self.sources.files().get(span.file as usize) else {
            return String::new();
        };
        file.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
            .to_string()
    }
}

/// What a block's value is used for: decides whether its last unterminated
/// expression is a result (function bodies, handlers, arms) or dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BlockRole {
    Module,
    /// A nested block whose value nobody uses.
    Plain,
    /// A block whose last expression is its value (`?else` handler, arm).
    Value,
    /// A function body: its last expression is the function's result.
    FunctionBody,
}
