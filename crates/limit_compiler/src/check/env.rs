//! The static types of the variables, parameters and functions a module
//! declares, by declaration: which declaration a name use denotes is the
//! resolve stage's answer (`resolve::Bindings`), never looked up here by
//! text.

use super::types::Type;
use crate::node_map::NodeMap;
use crate::resolve::DeclId;
use limit_syntax::ast::NodeId;
use rustc_hash::FxHashMap;

/// A variable, parameter or function as the checker sees it.
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

/// The types of the declarations checked so far, by variable (the first
/// declaration of a name in its scope: `resolve::Bindings::variable_of`),
/// and the narrowings of the block scopes open, innermost last.
///
/// A declaration's entry outlives its scope: no use outside the scope is
/// bound to it. A narrowing replaces a variable's entry until the scope it
/// was made in closes.
/// The narrowings [`Env::suspend_narrowing`] set aside.
pub struct Suspended {
    variables: Vec<(DeclId, Binding)>,
    members: FxHashMap<String, Type>,
}

#[derive(Debug)]
pub struct Env {
    /// By declaration id, dense (`node_map`): the checker declares every
    /// variable of the program here, and a hash map's growth was the
    /// checker's largest cost in page faults.
    variables: NodeMap<Binding>,
    /// Per open scope, the entries its narrowings replaced, in order.
    replaced: Vec<Vec<(DeclId, Binding)>>,
    /// Inside a method, bare fields of `this` narrowed by `if (field)`
    /// (§2, §7: a bare field name is a name), by name.
    members: FxHashMap<String, Type>,
    /// Per open scope, the member narrowings it made and what each
    /// replaced.
    replaced_members: Vec<Vec<(String, Option<Type>)>>,
}

impl Default for Env {
    fn default() -> Env {
        Env::new()
    }
}

impl Env {
    pub fn new() -> Env {
        Env {
            variables: NodeMap::new(),
            replaced: vec![Vec::new()],
            members: FxHashMap::default(),
            replaced_members: vec![Vec::new()],
        }
    }

    pub fn push(&mut self) {
        self.replaced.push(Vec::new());
        self.replaced_members.push(Vec::new());
    }

    pub fn pop(&mut self) {
        // The outermost (module) scope is never popped.
        if self.replaced.len() > 1 {
            if let Some(replaced) = self.replaced.pop() {
                for (variable, binding) in replaced.into_iter().rev() {
                    self.variables.insert(variable, binding);
                }
            }
        }
        if self.replaced_members.len() > 1 {
            if let Some(replaced) = self.replaced_members.pop() {
                for (name, previous) in replaced.into_iter().rev() {
                    match previous {
                        Some(ty) => self.members.insert(name, ty),
                        None => self.members.remove(&name),
                    };
                }
            }
        }
    }

    /// The bare field `name` holds a `ty` until the current scope closes.
    pub fn narrow_member(&mut self, name: &str, ty: Type) {
        let previous = self.members.insert(name.to_string(), ty);
        if let Some(scope) = self.replaced_members.last_mut() {
            scope.push((name.to_string(), previous));
        }
    }

    /// The narrowed type of bare field `name`, if an enclosing `if`
    /// narrowed it.
    pub fn member(&self, name: &str) -> Option<&Type> {
        self.members.get(name)
    }

    /// Declares `variable` (a declaration, or the variable a top-level
    /// redeclaration replaces the value of).
    pub fn declare(&mut self, variable: DeclId, binding: Binding) {
        self.variables.insert(variable, binding);
    }

    /// A narrower view of `variable` until the current scope closes.
    pub fn narrow(&mut self, variable: DeclId, binding: Binding) {
        if let Some(previous) = self.variables.insert(variable, binding) {
            if let Some(scope) = self.replaced.last_mut() {
                scope.push((variable, previous));
            }
        }
    }

    /// The current view of `variable`, if it was declared.
    pub fn get(&self, variable: DeclId) -> Option<&Binding> {
        self.variables.get(variable)
    }

    /// Gives every narrowed variable and bare field its declared type
    /// again (for checking a deferred function body, which may run when
    /// the tested value is gone); returns what [`Env::restore_narrowing`]
    /// puts back.
    pub fn suspend_narrowing(&mut self) -> Suspended {
        let mut variables = Vec::new();
        for &(variable, _) in self.replaced.iter().flatten() {
            let Some(binding) = self.variables.get_mut(variable) else {
                continue;
            };
            if let Some(declared) = binding.narrowed_from.take() {
                let narrowed = std::mem::replace(&mut binding.ty, declared);
                let mut saved = binding.clone();
                saved.narrowed_from = Some(std::mem::replace(&mut saved.ty, narrowed));
                variables.push((variable, saved));
            }
        }
        Suspended {
            variables,
            members: std::mem::take(&mut self.members),
        }
    }

    pub fn restore_narrowing(&mut self, suspended: Suspended) {
        for (variable, binding) in suspended.variables.into_iter().rev() {
            self.variables.insert(variable, binding);
        }
        self.members = suspended.members;
    }
}
