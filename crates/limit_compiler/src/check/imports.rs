//! Types across module boundaries (LANGUAGE.md §10): what each module
//! exports (its top-level functions' signatures and annotated variables'
//! types) and what an importing module sees through namespaces
//! (`shapes.area`, `as` aliases) and direct `show`/`hide` imports.
//!
//! Exported types are written in the exporting module's terms, so frames,
//! traits and enums (which the importing module may not know, or may know
//! under the same name as a different declaration) become `any`, and
//! refinements are reduced to their base type (their conditions are checked
//! at run time).

use super::declarations::Declarations;
use super::types::{FunctionType, ParamType, Type};
use super::{Checker, Imports};
use crate::modules::ModuleGraph;
use limit_syntax::ast::{ImportFilter, Module, Stmt, StmtKind, VarTarget, Visibility};
use limit_syntax::SourceMap;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// The exported names of one module with their static types.
pub type Exports = HashMap<String, Type>;

/// What an imported name denotes in the importing module.
#[derive(Clone, Debug)]
pub enum ImportedName {
    /// `import a.b` / `as x`: members are used as `x.name`.
    Namespace(Rc<Exports>),
    /// A member bound directly by `show` or `hide`.
    Member(Type),
}

/// The exports of every module of `graph` (same indices).
pub fn exports_of_program(graph: &ModuleGraph, sources: &SourceMap) -> Vec<Rc<Exports>> {
    graph
        .modules
        .iter()
        .map(|module| Rc::new(exports_of(&module.ast, sources)))
        .collect()
}

/// The names a module's import statements bind, given every module's exports.
pub fn imports_of(
    graph: &ModuleGraph,
    module: usize,
    exports: &[Rc<Exports>],
) -> HashMap<String, ImportedName> {
    let mut names = HashMap::new();
    let Some(loaded) = graph.modules.get(module) else {
        return names;
    };
    for (decl, _, target) in &loaded.imports {
        let Some(target_exports) = target.and_then(|t| exports.get(t)) else {
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
                            if let Some(ty) = target_exports.get(&name.name) {
                                names.insert(name.name.clone(), ImportedName::Member(ty.clone()));
                            }
                        }
                    }
                    ImportFilter::Hide(hidden) => {
                        let hidden: HashSet<&str> =
                            hidden.iter().map(|n| n.name.as_str()).collect();
                        for (name, ty) in target_exports.iter() {
                            if !hidden.contains(name.as_str()) {
                                names.insert(name.clone(), ImportedName::Member(ty.clone()));
                            }
                        }
                    }
                }
            }
        }
    }
    names
}

/// The exported functions and annotated variables of one module.
fn exports_of(module: &Module, sources: &SourceMap) -> Exports {
    let declarations = Declarations::collect(module);
    let imports = Imports::default();
    let mut checker = Checker::new(&declarations, sources, HashSet::new(), &imports);
    let mut exports = Exports::new();
    checker.collect_exports(&module.stmts, false, &mut exports);
    exports
}

impl<'a> Checker<'a> {
    fn collect_exports(&mut self, stmts: &'a [Stmt], in_block: bool, exports: &mut Exports) {
        // As the code generator decides (`collect_private_names`).
        let private = |visibility: Visibility| {
            visibility == Visibility::Private || (in_block && visibility == Visibility::Protected)
        };
        for stmt in stmts {
            match &stmt.kind {
                StmtKind::Fn(decl) => {
                    let Some(name) = &decl.name else { continue };
                    if private(decl.modifiers.visibility) {
                        continue;
                    }
                    let signature = self.signature_of(decl);
                    let ty = portable(&Type::Function(Box::new(signature)));
                    exports.insert(name.name.clone(), ty);
                }
                StmtKind::Var(decl) => {
                    let (VarTarget::Name(name), Some(annotation)) = (&decl.target, &decl.ty) else {
                        continue;
                    };
                    if private(decl.visibility) {
                        continue;
                    }
                    let ty = self.resolve_type(annotation);
                    exports.insert(name.name.clone(), portable(&ty));
                }
                StmtKind::ModuleBlock(block) => self.collect_exports(&block.stmts, true, exports),
                _ => {}
            }
        }
    }
}

/// `ty` as another module may see it: declarations of the exporting module
/// become `any`, refinements their base.
fn portable(ty: &Type) -> Type {
    match ty {
        Type::Frame(_) | Type::Enum(_) | Type::Trait(_) => Type::Any,
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
