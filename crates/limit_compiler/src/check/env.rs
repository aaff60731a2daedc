//! Scopes: what each visible name denotes and its static type.

use super::types::Type;
use limit_syntax::ast::NodeId;
use rustc_hash::FxHashMap;

/// A variable, parameter or function visible in a scope.
#[derive(Clone, Debug)]
pub struct Binding {
    pub ty: Type,
    /// Where it was declared: identifies the variable across checking passes.
    pub declared_at: NodeId,
    /// Whether its type was written by the programmer (then assignments must
    /// conform) or inferred (then conflicting assignments widen it to `any`).
    pub annotated: bool,
    /// For a narrowed view (`if (x)` on a `T?`), the declared type: function
    /// bodies checked later see that one, as they may run before the test.
    pub narrowed_from: Option<Type>,
    /// A named function declaration (a call is a known-function call).
    pub is_function: bool,
}

impl Binding {
    pub fn variable(ty: Type, declared_at: NodeId, annotated: bool) -> Binding {
        Binding {
            ty,
            declared_at,
            annotated,
            narrowed_from: None,
            is_function: false,
        }
    }
}

/// A stack of block scopes, innermost last.
#[derive(Debug, Default)]
pub struct Env {
    scopes: Vec<FxHashMap<String, Binding>>,
}

impl Env {
    pub fn new() -> Env {
        Env {
            scopes: vec![FxHashMap::default()],
        }
    }

    pub fn push(&mut self) {
        self.scopes.push(FxHashMap::default());
    }

    pub fn pop(&mut self) {
        // The outermost (module) scope is never popped.
        if self.scopes.len() > 1 {
            self.scopes.pop();
        }
    }

    pub fn declare(&mut self, name: &str, binding: Binding) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_string(), binding);
        }
    }

    /// The innermost binding of `name`.
    pub fn lookup(&self, name: &str) -> Option<&Binding> {
        self.scopes.iter().rev().find_map(|scope| scope.get(name))
    }

    /// How many scopes are open (the module scope included).
    pub fn depth(&self) -> usize {
        self.scopes.len()
    }

    /// The index of the innermost scope that binds `name` (0: the module).
    pub fn scope_of(&self, name: &str) -> Option<usize> {
        self.scopes
            .iter()
            .rposition(|scope| scope.contains_key(name))
    }

    /// The binding of `name` in the innermost scope only.
    pub fn lookup_innermost(&self, name: &str) -> Option<&Binding> {
        self.scopes.last().and_then(|scope| scope.get(name))
    }

    /// A copy in which every narrowed binding has its declared type again,
    /// for checking a deferred function body.
    pub fn without_narrowing(&self) -> Env {
        let mut scopes = self.scopes.clone();
        for binding in scopes.iter_mut().flat_map(|scope| scope.values_mut()) {
            if let Some(declared) = binding.narrowed_from.take() {
                binding.ty = declared;
            }
        }
        Env { scopes }
    }
}
