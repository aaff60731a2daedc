//! Types across module boundaries (reference.md §10): what each module
//! exports (its top-level functions' signatures and its variables' types,
//! annotated or inferred) and what an importing module sees through
//! namespaces (`shapes.area`, `as` aliases) and direct `show`/`hide`
//! imports.
//!
//! Exported types are written in the exporting module's terms. Frames,
//! traits and enums keep their names only when exactly one module of the
//! program declares that name (the importing module then knows the
//! declaration, see `Declarations::merge_foreign`); others become `any`.
//! Refinements stay refinements (an importer checks constants against the
//! condition, which `Declarations::conditions` finds by its node id),
//! except aliases whose name several modules declare: those become their
//! base type (their conditions are checked at run time).
//!
//! A variable whose type was inferred stays open to widening: when an
//! importing module stores a value of another type in it, the program is
//! checked again with that variable `any` in every module (see
//! `check_program`).

use super::env::Binding;
use super::types::{FunctionType, ParamType, Type};
use super::Checker;
use crate::modules::ModuleGraph;
use limit_syntax::ast::{ImportFilter, NodeId, Stmt, StmtKind, VarTarget, Visibility};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// One exported function or variable of a module.
#[derive(Clone, Debug)]
pub struct ExportedValue {
    pub ty: Type,
    /// The declaration's name: identifies the variable in every module.
    pub declared_at: NodeId,
    /// Whether its type was written by the programmer (assignments must
    /// conform) or inferred (a conflicting assignment widens it to `any`).
    pub annotated: bool,
    /// A named function declaration.
    pub is_function: bool,
}

impl ExportedValue {
    /// The binding an importing module declares for it.
    pub(super) fn binding(&self, widened: &HashSet<NodeId>) -> Binding {
        let ty = if !self.annotated && widened.contains(&self.declared_at) {
            Type::Any
        } else {
            self.ty.clone()
        };
        let mut binding = Binding::variable(ty, self.declared_at, self.annotated);
        binding.is_function = self.is_function;
        binding
    }
}

/// The exported names of one module with their static types.
#[derive(Clone, Debug, Default)]
pub struct Exports {
    /// The exporting module's index in the module graph.
    pub module: usize,
    pub values: HashMap<String, ExportedValue>,
}

/// What an imported name denotes in the importing module.
#[derive(Clone, Debug)]
pub enum ImportedName {
    /// `import a.b` / `as x`: members are used as `x.name`.
    Namespace(Rc<Exports>),
    /// A member bound directly by `show` or `hide`.
    Member(ExportedValue),
}

/// The names a module's import statements bind, given the exports of the
/// modules checked so far (those it imports come first in run order).
pub fn imports_of(
    graph: &ModuleGraph,
    module: usize,
    exports: &[Option<Rc<Exports>>],
) -> HashMap<String, ImportedName> {
    let mut names = HashMap::new();
    let Some(loaded) = graph.modules.get(module) else {
        return names;
    };
    for (decl, _, target) in &loaded.imports {
        let Some(target_exports) = target.and_then(|t| exports.get(t)).and_then(Option::as_ref)
        else {
            continue;
        };
        let short = decl.path.last().map(|p| p.name.clone()).unwrap_or_default();
        let namespace = || ImportedName::Namespace(Rc::clone(target_exports));
        match &decl.filter {
            None => {
                let local = decl.alias.as_ref().map_or(short, |a| a.name.clone());
                names.insert(local, namespace());
            }
            Some(filter) => {
                if let Some(alias) = &decl.alias {
                    names.insert(alias.name.clone(), namespace());
                }
                match filter {
                    ImportFilter::Show(shown) => {
                        for name in shown {
                            if let Some(value) = target_exports.values.get(&name.name) {
                                names
                                    .insert(name.name.clone(), ImportedName::Member(value.clone()));
                            }
                        }
                    }
                    ImportFilter::Hide(hidden) => {
                        let hidden: HashSet<&str> =
                            hidden.iter().map(|n| n.name.as_str()).collect();
                        for (name, value) in target_exports.values.iter() {
                            if !hidden.contains(name.as_str()) {
                                names.insert(name.clone(), ImportedName::Member(value.clone()));
                            }
                        }
                    }
                }
            }
        }
    }
    names
}

impl<'a> Checker<'a> {
    /// The exported functions and variables of the checked module, with
    /// the types this (final) pass gave them. `shared` says which type
    /// names may cross module boundaries.
    pub(super) fn collect_exports(
        &mut self,
        stmts: &'a [Stmt],
        in_block: bool,
        shared: &dyn Fn(&str) -> bool,
        exports: &mut HashMap<String, ExportedValue>,
    ) {
        let private = |visibility: Visibility| {
            crate::resolve::visibility::hidden_from_importers(visibility, in_block)
        };
        let declarations = self.declarations;
        let program_wide = |name: &str| declarations.program_wide_name(name);
        for stmt in stmts {
            match &stmt.kind {
                StmtKind::Fn(decl) => {
                    let Some(name) = &decl.name else { continue };
                    if private(decl.modifiers.visibility) {
                        continue;
                    }
                    let signature = self.signature_of(decl);
                    let value = ExportedValue {
                        ty: portable(&Type::Function(Box::new(signature)), shared, &program_wide),
                        declared_at: name.id,
                        annotated: true,
                        is_function: true,
                    };
                    exports.insert(name.name.clone(), value);
                }
                StmtKind::Var(decl) => {
                    if private(decl.visibility) {
                        continue;
                    }
                    let mut names = Vec::new();
                    target_names(&decl.target, &mut names);
                    for name in names {
                        // The variable's binding at the end of the module
                        // (a later top-level `var` of the same name wins).
                        let Some(binding) = self.declared(name.id) else {
                            continue;
                        };
                        if binding.declared_at != name.id {
                            continue;
                        }
                        let ty = binding.narrowed_from.as_ref().unwrap_or(&binding.ty);
                        let value = ExportedValue {
                            ty: portable(ty, shared, &program_wide),
                            declared_at: name.id,
                            annotated: binding.annotated,
                            is_function: false,
                        };
                        exports.insert(name.name.clone(), value);
                    }
                }
                StmtKind::ModuleBlock(block) => {
                    self.collect_exports(&block.stmts, true, shared, exports)
                }
                _ => {}
            }
        }
    }
}

/// The names a `var` declares.
fn target_names<'t>(target: &'t VarTarget, names: &mut Vec<&'t limit_syntax::ast::Ident>) {
    match target {
        VarTarget::Name(name) => names.push(name),
        VarTarget::Tuple(items, _) | VarTarget::List(items, _) => {
            for item in items {
                target_names(item, names);
            }
        }
    }
}

/// `ty` as another module may see it: frames, traits and enums whose names
/// are not `shared` take their program-wide names (`program_wide`: `lib.P`,
/// which every importer knows, see `Declarations::qualified`), or become
/// `any` when they have none. A refinement stays one (the importer
/// checks constants against its condition, found by its node id), except
/// one named by an alias whose name other modules declare too: the code
/// generator finds an alias's checks by its name, which would mean
/// another alias there, so it becomes its base.
fn portable(
    ty: &Type,
    shared: &dyn Fn(&str) -> bool,
    program_wide: &dyn Fn(&str) -> Option<String>,
) -> Type {
    let portable = |ty: &Type| portable(ty, shared, program_wide);
    let rename = |name: &str| program_wide(name).filter(|_| !shared(name));
    match ty {
        Type::Frame(name) if !shared(name) => rename(name).map_or(Type::Any, Type::Frame),
        Type::Enum(name) if !shared(name) => rename(name).map_or(Type::Any, Type::Enum),
        Type::Trait(name) if !shared(name) => rename(name).map_or(Type::Any, Type::Trait),
        Type::Refined(base, refinement)
            if shared(&refinement.name) || !is_identifier(&refinement.name) =>
        {
            Type::Refined(Box::new(portable(base)), refinement.clone())
        }
        Type::Refined(base, _) => portable(base),
        Type::List(element) => Type::list(portable(element)),
        Type::Dict(key, value) => Type::dict(portable(key), portable(value)),
        Type::Tuple(items) => Type::Tuple(items.iter().map(portable).collect()),
        Type::Function(function) => Type::Function(Box::new(FunctionType {
            params: function
                .params
                .iter()
                .map(|param| ParamType {
                    name: param.name.clone(),
                    ty: portable(&param.ty),
                })
                .collect(),
            ret: portable(&function.ret),
            flexible_arity: function.flexible_arity,
        })),
        Type::Union(members) => {
            let members: Vec<Type> = members.iter().map(portable).collect();
            if members.iter().any(Type::is_any) {
                Type::Any
            } else {
                Type::Union(members)
            }
        }
        Type::Fallible(value, errors) => Type::fallible(portable(value), errors.clone()),
        Type::Record(fields) => Type::Record(
            fields
                .iter()
                .map(|(name, ty)| (name.clone(), portable(ty)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether `name` is an identifier (an alias's name), not the written text
/// of an inline refinement (`int where value > 0`).
fn is_identifier(name: &str) -> bool {
    name.chars().all(|c| c.is_alphanumeric() || c == '_')
}
