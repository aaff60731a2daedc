//! Frames, traits and enums (reference.md §7): their compile-time model.
//!
//! Before any function body is compiled, every top-level frame, trait and
//! enum of a module is declared here: a frame gets its class index, its
//! field layout (the parent's fields first, so a field keeps its slot in
//! every subframe), its vtable (the parent's table, overrides replacing
//! entries in place, then trait default methods) and a function index for
//! each method. Bodies are compiled once every top-level function is known.
//! `frame.rs` compiles uses of frames, `enums.rs` uses of enums.
//!
//! Each module's frames, traits and enums are its own: the model knows them
//! by a *key* qualified by the module's index (`object_key`), so two
//! modules may both declare `Point`. A name is turned into a key by what
//! the resolve stage bound it to (`definitions.rs`); the program's class
//! and enum tables keep the plain name, which is what printing shows.

use super::{finish_proto, required_params, Codegen, FunctionKind, FunctionState};
use crate::resolve::visibility::reach;
use limit_bytecode::opcode::Op;
use limit_bytecode::program::{ClassDef, EnumDef, FunctionProto};
use limit_syntax::ast::*;
use limit_syntax::{Diagnostic, Span};
use rustc_hash::{FxHashMap, FxHashSet};

/// What a top-level type name declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ObjectKind {
    Frame,
    Trait,
    Enum,
}

/// The internal name of frame, trait or enum `name` of module `module`.
pub(crate) fn object_key(module: usize, name: &str) -> String {
    format!("{module}:{name}")
}

/// The source name a key stands for (what diagnostics and output show).
pub(crate) fn plain_name(key: &str) -> &str {
    key.split_once(':').map_or(key, |(_, name)| name)
}

/// The module that declares the object with this key.
pub(crate) fn key_module(key: &str) -> Option<usize> {
    key.split_once(':')?.0.parse().ok()
}

/// An instance field of a frame.
#[derive(Clone, Debug)]
pub(crate) struct FieldInfo {
    pub name: String,
    /// The key of the frame that declares it.
    pub owner: String,
    pub visibility: Visibility,
    pub default: Option<Expr>,
    pub ty: Option<TypeExpr>,
}

/// A method in a frame's vtable (or a static method).
#[derive(Clone, Debug)]
pub(crate) struct MethodInfo {
    pub name: String,
    pub function: u32,
    /// The key of the frame (or trait, for default methods) whose body
    /// this is.
    pub owner: String,
    pub visibility: Visibility,
    /// Parameter names, without `this`.
    pub params: Vec<String>,
    pub required: usize,
}

/// A `static var` of a frame: a global.
#[derive(Clone, Debug)]
pub(crate) struct StaticField {
    pub global: u32,
    pub owner: String,
    pub visibility: Visibility,
    /// Its declared type: values entering it convert (`static var s: d2`).
    pub ty: Option<TypeExpr>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct FrameInfo {
    /// Its key in the object model (`object_key`).
    pub key: String,
    /// Its source name.
    pub name: String,
    pub class: u32,
    /// The parent frame's key.
    pub parent: Option<String>,
    /// The keys of every trait the frame implements (its parent's too, and
    /// trait parents).
    pub traits: Vec<String>,
    pub fields: Vec<FieldInfo>,
    pub vtable: Vec<MethodInfo>,
    /// Per vtable slot: no subframe overrides it, so a call on a receiver
    /// of this frame may be a direct call.
    pub final_slot: Vec<bool>,
    pub statics: FxHashMap<String, StaticField>,
    pub static_methods: FxHashMap<String, MethodInfo>,
    pub is_abstract: bool,
    pub is_data: bool,
}

impl FrameInfo {
    pub fn field_slot(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    pub fn method_slot(&self, name: &str) -> Option<usize> {
        self.vtable.iter().position(|m| m.name == name)
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct TraitInfo {
    /// The keys of the traits it extends.
    pub supers: Vec<String>,
    /// Every method signature: name, has a default body.
    pub methods: Vec<(String, bool)>,
    /// Default methods: name → compiled method.
    pub defaults: FxHashMap<String, MethodInfo>,
    /// Required methods (no default): name → a stub that traps, which
    /// gives the method a vtable slot in every implementing frame, so that
    /// an abstract frame's own methods can call it on `this` virtually.
    pub required: FxHashMap<String, MethodInfo>,
}

#[derive(Clone, Debug)]
pub(crate) struct EnumInfo {
    /// Its source name.
    pub name: String,
    pub id: u16,
    /// Variant names and payload sizes, by tag.
    pub variants: Vec<(String, usize)>,
    /// Each variant's declared payload types, by tag: a value entering a
    /// payload converts like one entering a field (`Coin(d2)` holds a d2).
    pub payload_types: Vec<Vec<TypeExpr>>,
}

/// The method being compiled: what `this`, `super` and privacy mean.
#[derive(Clone, Debug)]
pub(crate) struct MethodContext {
    /// The key of the frame or trait whose method this is.
    pub owner: String,
    pub is_trait: bool,
    pub is_static: bool,
    /// Index in `Codegen::functions` of the method's own state.
    pub level: usize,
}

/// Where a variable with a statically known frame lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PlaceKey {
    Local(usize, u16),
    Global(u32),
}

/// What the compiler knows about the value of an expression.
#[derive(Clone, Debug)]
pub(crate) struct StaticType {
    /// A frame's or trait's key.
    pub name: String,
    pub is_trait: bool,
    /// Exactly this frame (not a subframe).
    pub exact: bool,
    /// Guaranteed (not merely annotated): slot access is safe.
    pub certain: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct TypedPlace {
    pub key: PlaceKey,
    pub name: String,
    pub ty: StaticType,
}

/// A method body waiting to be compiled.
#[derive(Clone)]
struct PendingMethod {
    decl: FnDecl,
    function: u32,
    name: String,
    context: MethodContext,
}

/// The local name of a method's instance (not a valid identifier, so no
/// user variable can shadow it).
pub(crate) const THIS_LOCAL: &str = " this";

/// Everything the code generator knows about frames, traits and enums.
#[derive(Clone, Default)]
pub(crate) struct ObjectModel {
    /// Frames, traits and enums by key.
    pub frames: FxHashMap<String, FrameInfo>,
    pub traits: FxHashMap<String, TraitInfo>,
    pub enums: FxHashMap<String, EnumInfo>,
    /// Every module's frames, traits, enums, variants and aliases, by
    /// their declaring names' ids (`definitions.rs`): what a name the
    /// resolve stage bound to one denotes.
    pub definitions: super::definitions::Definitions,
    /// Every import's namespace (`import a.b`, `as x`), by the id of the
    /// name it binds (what a `Binding::Namespace` names): the module and
    /// the import's filter.
    pub namespaces: FxHashMap<NodeId, (usize, Option<super::module::NamespaceFilter>)>,
    /// Variant name → keys of the enums declaring it.
    pub variant_owners: FxHashMap<String, Vec<String>>,
    /// Names of every method of every frame and trait (for `InvokeMethod`).
    pub method_names: FxHashSet<String>,
    /// Names of every field of every frame (a field may hold a function
    /// called as `o.name(…)`).
    pub field_names: FxHashSet<String>,
    /// The declaring names of every frame's static fields and methods: a
    /// bare name the resolve stage bound to one is a static member, to
    /// any other member an instance field (`bare_members.rs`).
    pub static_members: FxHashSet<NodeId>,
    pending: Vec<PendingMethod>,
    /// Frames whose construction is being compiled inline, innermost last
    /// (see `construction.rs`).
    pub constructing: Vec<String>,
    /// Out-of-line constructors by frame key and which fields a call gives.
    pub makers: FxHashMap<(String, Vec<bool>), u32>,
    /// Out-of-line constructors not compiled yet.
    pub pending_makers: Vec<super::construction::PendingMaker>,
    pub contexts: Vec<MethodContext>,
    pub typed: Vec<TypedPlace>,
    /// Some frame has a `deinit`: block locals are released at block end.
    pub any_deinit: bool,
    /// Fields whose stores through receivers of unknown frame convert or
    /// check (`dynamic_fields.rs`).
    pub dynamic_fields: super::dynamic_fields::DynamicFields,
    /// The standard frames with arithmetic, as found when this many
    /// frames were declared (`dynamic_operators.rs`).
    pub operator_frames: Option<(usize, Vec<super::dynamic_operators::OperatorFrame>)>,
}

impl Codegen<'_> {
    // ------------------------------------------------------- declaration

    /// Declares the frames, traits and enums among a module's top-level
    /// statements, and emits the initialisation of static fields.
    pub(crate) fn declare_objects(&mut self, stmts: &[Stmt]) {
        let mut frames = Vec::new();
        let mut traits = Vec::new();
        let mut enums = Vec::new();
        collect_declarations(stmts, &mut frames, &mut traits, &mut enums);
        self.report_redeclared_objects(&frames, &traits, &enums);
        self.register_object_names(stmts);
        for (name, variants) in enums {
            self.declare_enum(name, variants);
        }
        for decl in &traits {
            self.declare_trait(decl);
        }
        // Class indices first, so that frames may be declared in any order.
        // (A frame redeclared by a later session chunk keeps its class.)
        for decl in &frames {
            let key = object_key(self.current_module, &decl.name.name);
            if self.objects.frames.contains_key(&key) {
                continue;
            }
            let class = self.program.classes.len() as u32;
            self.program.classes.push(ClassDef::default());
            let info = FrameInfo {
                key: key.clone(),
                name: decl.name.name.clone(),
                class,
                is_abstract: decl.modifiers.is_abstract,
                is_data: decl.modifiers.is_data,
                ..FrameInfo::default()
            };
            self.objects.frames.insert(key, info);
        }
        let order = self.frames_parents_first(&frames);
        let round: FxHashSet<String> = order
            .iter()
            .map(|decl| object_key(self.current_module, &decl.name.name))
            .collect();
        let mut undeclared = round.clone();
        for decl in order {
            undeclared.remove(&object_key(self.current_module, &decl.name.name));
            self.declare_frame(decl, &round, &undeclared);
        }
        self.mark_final_slots();
        self.initialise_statics(&frames);
    }

    /// A trait or enum whose name one module (or session chunk) declares
    /// twice, as any frame, trait or enum, is an error at the second
    /// declaration (two frames: `frames_parents_first`). A later session
    /// chunk may replace an earlier one's declaration.
    fn report_redeclared_objects(
        &mut self,
        frames: &[&FrameDecl],
        traits: &[&TraitDecl],
        enums: &[(&Ident, &[VariantDecl])],
    ) {
        let mut named: Vec<(&Ident, &str)> = frames
            .iter()
            .map(|f| (&f.name, "frame"))
            .chain(traits.iter().map(|t| (&t.name, "trait")))
            .chain(enums.iter().map(|(name, _)| (*name, "enum")))
            .collect();
        named.sort_by_key(|(name, _)| (name.span.file, name.span.start));
        let mut first: FxHashMap<&str, (&Ident, &str)> = FxHashMap::default();
        for (name, kind) in named {
            match first.get(name.name.as_str()) {
                Some((_, "frame")) if kind == "frame" => {}
                Some(&(earlier, earlier_kind)) => {
                    let line = self.pos(earlier.span).line;
                    let article = |k: &str| if k == "enum" { "an" } else { "a" };
                    self.error_with_hint(
                        name.span,
                        format!(
                            "`{}` is already declared on line {line}, as {} {earlier_kind}",
                            name.name,
                            article(earlier_kind)
                        ),
                        &format!(
                            "rename one of them: a file declares each frame, trait and enum once (this is {} {kind})",
                            article(kind)
                        ),
                    );
                }
                None => {
                    first.insert(&name.name, (name, kind));
                }
            }
        }
    }

    /// Records the names of the current module's frames, traits and enums
    /// (for resolution, before any of them is declared).
    fn register_object_names(&mut self, stmts: &[Stmt]) {
        let module = self.current_module;
        while self.module_scopes.len() <= module {
            self.module_scopes
                .push(super::module::ModuleScope::default());
        }
        self.module_scopes[module]
            .objects
            .extend(object_names(stmts));
    }

    fn declare_enum(&mut self, name: &Ident, variants: &[VariantDecl]) {
        let key = object_key(self.current_module, &name.name);
        let id = self.program.enums.len() as u16;
        self.program.enums.push(EnumDef {
            name: name.name.clone(),
            variants: variants.iter().map(|v| v.name.name.clone()).collect(),
        });
        for variant in variants {
            let owners = self
                .objects
                .variant_owners
                .entry(variant.name.name.clone())
                .or_default();
            if !owners.contains(&key) {
                owners.push(key.clone());
            }
        }
        let info = EnumInfo {
            name: name.name.clone(),
            id,
            variants: variants
                .iter()
                .map(|v| (v.name.name.clone(), v.payload.len()))
                .collect(),
            payload_types: variants.iter().map(|v| v.payload.clone()).collect(),
        };
        self.objects.enums.insert(key, info);
    }

    fn declare_trait(&mut self, decl: &TraitDecl) {
        let key = object_key(self.current_module, &decl.name.name);
        let mut info = TraitInfo {
            supers: decl
                .supers
                .iter()
                .filter_map(|s| self.resolve_super(s, ObjectKind::Trait))
                .collect(),
            ..TraitInfo::default()
        };
        for method in &decl.methods {
            let Some(name) = &method.name else { continue };
            self.objects.method_names.insert(name.name.clone());
            info.methods
                .push((name.name.clone(), method.body.is_some()));
            let function = self.reserve_function();
            let context = MethodContext {
                owner: key.clone(),
                is_trait: true,
                is_static: false,
                level: 0,
            };
            self.objects.pending.push(PendingMethod {
                decl: method.clone(),
                function,
                name: format!("{}.{}", decl.name.name, name.name),
                context,
            });
            let entry = MethodInfo {
                name: name.name.clone(),
                function,
                owner: key.clone(),
                visibility: Visibility::Public,
                params: method.params.iter().map(|p| p.name.name.clone()).collect(),
                required: required_params(method),
            };
            if method.body.is_some() {
                info.defaults.insert(name.name.clone(), entry);
            } else {
                info.required.insert(name.name.clone(), entry);
            }
        }
        self.objects.traits.insert(key, info);
    }

    fn reserve_function(&mut self) -> u32 {
        let index = self.program.functions.len() as u32;
        self.program.functions.push(FunctionProto::default());
        index
    }

    /// Adds trait `name` (a key) and the traits it extends to `out`, depth
    /// first, by an explicit work list (a trait hierarchy may be deep).
    fn trait_closure(&self, name: &str, out: &mut Vec<String>) {
        let mut pending = vec![name.to_string()];
        while let Some(name) = pending.pop() {
            if out.contains(&name) {
                continue;
            }
            let Some(info) = self.objects.traits.get(&name) else {
                continue;
            };
            out.push(name);
            pending.extend(info.supers.iter().rev().cloned());
        }
    }

    /// The parent a frame declaration names (a key), if it names a frame.
    fn declared_parent(&self, decl: &FrameDecl) -> Option<String> {
        decl.supers
            .iter()
            .find_map(|sup| self.resolve_super(sup, ObjectKind::Frame))
    }

    /// This module's frame declarations ordered so that a parent declared
    /// here comes before its subframes, whatever the source order and
    /// however deep the hierarchy (no recursion). Of a name declared twice
    /// only the first is kept; the second is reported.
    fn frames_parents_first<'d>(&mut self, frames: &[&'d FrameDecl]) -> Vec<&'d FrameDecl> {
        let mut by_key: FxHashMap<String, &'d FrameDecl> = FxHashMap::default();
        for decl in frames {
            let key = object_key(self.current_module, &decl.name.name);
            if let Some(first) = by_key.get(&key) {
                let line = self.pos(first.name.span).line;
                self.error_with_hint(
                    decl.name.span,
                    format!(
                        "frame `{}` is already declared on line {line}",
                        decl.name.name
                    ),
                    "rename one of them, or merge their members into one declaration",
                );
                continue;
            }
            by_key.insert(key, decl);
        }
        let mut order = Vec::with_capacity(by_key.len());
        let mut placed: FxHashSet<String> = FxHashSet::default();
        for decl in frames {
            let key = object_key(self.current_module, &decl.name.name);
            if !by_key.get(&key).is_some_and(|d| std::ptr::eq(*d, *decl)) {
                continue;
            }
            // Climb to the first ancestor already placed (or outside this
            // module), then place the climbed chain from the top down.
            let mut chain = vec![(key, *decl)];
            let mut on_chain: FxHashSet<String> = FxHashSet::default();
            loop {
                let (key, current) = {
                    let (key, decl) = &chain[chain.len() - 1];
                    (key.clone(), *decl)
                };
                if placed.contains(&key) || !on_chain.insert(key.clone()) {
                    chain.pop();
                    break;
                }
                match self
                    .declared_parent(current)
                    .and_then(|parent| by_key.get(&parent).map(|d| (parent, *d)))
                {
                    Some(next) => chain.push(next),
                    None => break,
                }
            }
            for (key, decl) in chain.into_iter().rev() {
                if placed.insert(key) {
                    order.push(decl);
                }
            }
        }
        order
    }

    /// Declares one frame; its parent, if declared in this module, is
    /// declared already (see `frames_parents_first`).
    /// `round` holds the frames declared together with this one (the
    /// module, or a session chunk), `undeclared` those of them not declared
    /// yet: a parent among those means the hierarchy is a cycle (parents
    /// come first otherwise). Only a parent of an earlier session chunk of
    /// the same module can close a cycle otherwise; its ancestors are
    /// walked.
    fn declare_frame(
        &mut self,
        decl: &FrameDecl,
        round: &FxHashSet<String>,
        undeclared: &FxHashSet<String>,
    ) {
        let name = decl.name.name.clone();
        let key = object_key(self.current_module, &name);
        // A frame redeclared by a later session chunk keeps its class but
        // not its earlier members: the new declaration replaces the old.
        self.objects.makers.retain(|(frame, _), _| *frame != key);
        let mut info = FrameInfo {
            key: key.clone(),
            name: name.clone(),
            class: self.objects.frames[&key].class,
            is_abstract: decl.modifiers.is_abstract,
            is_data: decl.modifiers.is_data,
            ..FrameInfo::default()
        };
        let mut parent: Option<FrameInfo> = None;
        let mut traits = Vec::new();
        for sup in &decl.supers {
            if let Some(sup_key) = self.resolve_super(sup, ObjectKind::Frame) {
                if parent.is_some() {
                    self.error(
                        sup.span,
                        format!("frame `{name}` can extend only one frame"),
                    );
                    continue;
                }
                if sup_key == key {
                    self.error(sup.span, format!("frame `{name}` cannot extend itself"));
                    continue;
                }
                let earlier_chunk =
                    !round.contains(&sup_key) && key_module(&sup_key) == Some(self.current_module);
                if undeclared.contains(&sup_key)
                    || (earlier_chunk && self.frame_is_a(&sup_key, &key))
                {
                    self.error(
                        sup.span,
                        format!(
                            "frame `{name}` cannot extend `{}`, which extends `{name}`",
                            sup.name
                        ),
                    );
                    continue;
                }
                // Extending a final or data frame is reported by the checker.
                parent = Some(self.objects.frames[&sup_key].clone());
            } else if let Some(trait_key) = self.resolve_super(sup, ObjectKind::Trait) {
                self.trait_closure(&trait_key, &mut traits);
            } else if sup.module.is_some() {
                self.unresolved_qualified_super(sup);
            } else {
                let hint = match self.unbound_object_hint(&sup.name) {
                    Some(how) => format!("it is ignored: {how}"),
                    None => "it is ignored; declare it in this file".to_string(),
                };
                self.diagnostics.push(
                    Diagnostic::warning(sup.span, format!("unknown frame or trait `{}`", sup.name))
                        .with_hint(&hint),
                );
            }
        }
        if let Some(p) = &parent {
            info.parent = Some(p.key.clone());
            info.fields = p.fields.clone();
            info.vtable = p.vtable.clone();
            for t in &p.traits {
                if !traits.contains(t) {
                    traits.push(t.clone());
                }
            }
        }
        info.traits = traits;

        for member in &decl.members {
            match member {
                Member::Field(field) if field.is_static => {
                    self.objects.static_members.insert(field.name.id);
                    let global = self.program.globals.len() as u32;
                    self.program
                        .globals
                        .push(format!("{name}.{}", field.name.name));
                    info.statics.insert(
                        field.name.name.clone(),
                        StaticField {
                            global,
                            owner: key.clone(),
                            visibility: field.visibility,
                            ty: field.ty.clone(),
                        },
                    );
                }
                Member::Field(field) => {
                    if info.fields.iter().any(|f| f.name == field.name.name) {
                        self.error(
                            field.name.span,
                            format!("frame `{name}` already has a field `{}`", field.name.name),
                        );
                        continue;
                    }
                    let visibility =
                        if decl.modifiers.is_data && field.visibility == Visibility::Default {
                            Visibility::Public
                        } else {
                            field.visibility
                        };
                    self.objects.field_names.insert(field.name.name.clone());
                    info.fields.push(FieldInfo {
                        name: field.name.name.clone(),
                        owner: key.clone(),
                        visibility,
                        default: field.default.clone(),
                        ty: field.ty.clone(),
                    });
                }
                Member::Method(method) => self.declare_method(&mut info, method),
            }
        }
        // Trait default methods fill the gaps, then required methods get an
        // abstract slot (a subframe fills it; a concrete frame missing one is
        // reported by the checker).
        for t in info.traits.clone() {
            let trait_info = self.objects.traits[&t].clone();
            for (method, has_default) in &trait_info.methods {
                if *has_default && info.method_slot(method).is_none() {
                    info.vtable.push(trait_info.defaults[method].clone());
                }
            }
        }
        for t in info.traits.clone() {
            let trait_info = self.objects.traits[&t].clone();
            for (method, has_default) in &trait_info.methods {
                if !*has_default && info.method_slot(method).is_none() {
                    info.vtable.push(trait_info.required[method].clone());
                }
            }
        }
        let class = info.class as usize;
        self.program.classes[class] = ClassDef {
            name: name.clone(),
            field_names: info.fields.iter().map(|f| f.name.clone()).collect(),
            public_fields: info
                .fields
                .iter()
                .map(|f| f.visibility == Visibility::Public)
                .collect(),
            methods: info
                .vtable
                .iter()
                .map(|m| (m.name.clone(), m.function))
                .collect(),
            parent: parent.as_ref().map(|p| p.class),
            is_data: info.is_data,
            is_abstract: info.is_abstract,
            value_makers: Vec::new(),
            traits: info.traits.clone(),
            acyclic: self.frame_is_acyclic(&info),
            printed: self.printed_form(
                &name,
                &info
                    .fields
                    .iter()
                    .map(|f| f.name.clone())
                    .collect::<Vec<_>>(),
            ),
        };
        if info.vtable.iter().any(|m| m.name == "deinit") {
            self.objects.any_deinit = true;
        }
        self.objects.frames.insert(key, info);
    }

    fn declare_method(&mut self, info: &mut FrameInfo, method: &FnDecl) {
        let Some(method_name) = &method.name else {
            return;
        };
        let function = self.reserve_function();
        let is_static = method.modifiers.is_static;
        self.objects.method_names.insert(method_name.name.clone());
        let context = MethodContext {
            owner: info.key.clone(),
            is_trait: false,
            is_static,
            level: 0,
        };
        self.objects.pending.push(PendingMethod {
            decl: method.clone(),
            function,
            name: format!("{}.{}", info.name, method_name.name),
            context,
        });
        let mut entry = MethodInfo {
            name: method_name.name.clone(),
            function,
            owner: info.key.clone(),
            visibility: method.modifiers.visibility,
            params: method.params.iter().map(|p| p.name.name.clone()).collect(),
            required: required_params(method),
        };
        if is_static {
            self.objects.static_members.insert(method_name.id);
            info.static_methods.insert(method_name.name.clone(), entry);
            return;
        }
        let in_trait = info.traits.iter().any(|t| {
            self.objects.traits[t]
                .methods
                .iter()
                .any(|(m, _)| *m == method_name.name)
        });
        if in_trait {
            entry.visibility = Visibility::Public;
        }
        match info.method_slot(&method_name.name) {
            Some(slot) => {
                // Overriding a final method is reported by the checker.
                let old = &info.vtable[slot];
                if reach(old.visibility) > reach(entry.visibility) {
                    entry.visibility = old.visibility;
                }
                info.vtable[slot] = entry;
            }
            None => info.vtable.push(entry),
        }
    }

    /// A vtable slot is final for a frame when no subframe replaces it.
    /// Subframes in modules compiled later are not known yet: a frame that
    /// is, or has a subframe that is, extended by another module keeps every
    /// slot virtual (its methods are compiled before those subframes exist).
    ///
    /// A slot of frame F is virtual when a child differs from F there or
    /// has that slot virtual itself, so one pass from the deepest frames up
    /// decides every slot (linear in the total vtable size).
    fn mark_final_slots(&mut self) {
        let keys: Vec<String> = self.objects.frames.keys().cloned().collect();
        let mut finals: FxHashMap<String, Vec<bool>> = keys
            .iter()
            .map(|key| {
                (
                    key.clone(),
                    vec![true; self.objects.frames[key].vtable.len()],
                )
            })
            .collect();
        for key in keys.iter().filter(|key| self.extended_by_other_module(key)) {
            for ancestor in self.ancestors(key) {
                if let Some(slots) = finals.get_mut(&ancestor) {
                    slots.fill(false);
                }
            }
        }
        let depths = self.hierarchy_depths();
        let mut order: Vec<&String> = keys.iter().collect();
        order.sort_by_key(|key| std::cmp::Reverse(depths.get(*key).copied().unwrap_or(0)));
        for key in order {
            let info = &self.objects.frames[key];
            let Some(parent) = info
                .parent
                .as_ref()
                .and_then(|p| self.objects.frames.get(p))
            else {
                continue;
            };
            let child_finals = finals[key].clone();
            let Some(parent_finals) = finals.get_mut(&parent.key) else {
                continue;
            };
            for (slot, entry) in parent.vtable.iter().enumerate() {
                let differs = info
                    .vtable
                    .get(slot)
                    .is_none_or(|m| m.function != entry.function);
                if differs || !child_finals.get(slot).copied().unwrap_or(false) {
                    parent_finals[slot] = false;
                }
            }
        }
        for (key, slots) in finals {
            if let Some(info) = self.objects.frames.get_mut(&key) {
                info.final_slot = slots;
            }
        }
    }

    /// `key` and its ancestors, itself first.
    fn ancestors(&self, key: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut current = Some(key.to_string());
        while let Some(c) = current {
            if out.len() > self.objects.frames.len() {
                break; // declaration refuses cycles; this guards that invariant
            }
            current = self.objects.frames.get(&c).and_then(|f| f.parent.clone());
            out.push(c);
        }
        out
    }

    /// Every frame's distance from the root of its hierarchy, each parent
    /// link followed once.
    fn hierarchy_depths(&self) -> FxHashMap<String, usize> {
        let mut depths: FxHashMap<String, usize> = FxHashMap::default();
        for key in self.objects.frames.keys() {
            let mut path: Vec<String> = Vec::new();
            let mut current = Some(key.clone());
            let mut base = 0;
            while let Some(c) = current {
                if let Some(depth) = depths.get(&c) {
                    base = depth + 1;
                    break;
                }
                if path.len() > self.objects.frames.len() {
                    break;
                }
                current = self.objects.frames.get(&c).and_then(|f| f.parent.clone());
                path.push(c);
            }
            for (i, c) in path.into_iter().rev().enumerate() {
                depths.insert(c, base + i);
            }
        }
        depths
    }

    /// Whether frame `frame` is `ancestor` or one of its subframes (keys).
    pub(crate) fn frame_is_a(&self, frame: &str, ancestor: &str) -> bool {
        let mut current = frame;
        // Declaration refuses cycles; the bound only guards that invariant.
        for _ in 0..=self.objects.frames.len() {
            if current == ancestor {
                return true;
            }
            match self
                .objects
                .frames
                .get(current)
                .and_then(|f| f.parent.as_deref())
            {
                Some(parent) => current = parent,
                None => return false,
            }
        }
        false
    }

    /// Emits `Frame.static = default` for every static field.
    fn initialise_statics(&mut self, frames: &[&FrameDecl]) {
        for decl in frames {
            for member in &decl.members {
                let Member::Field(field) = member else {
                    continue;
                };
                if !field.is_static {
                    continue;
                }
                let key = object_key(self.current_module, &decl.name.name);
                let Some(global) = self
                    .objects
                    .frames
                    .get(&key)
                    .and_then(|f| f.statics.get(&field.name.name))
                    .map(|s| s.global)
                else {
                    continue;
                };
                match &field.default {
                    Some(default) => {
                        self.expr(default);
                        self.convert_to_declared(field.ty.as_ref(), field.span);
                    }
                    None => self.zero_value(field.ty.as_ref(), field.span),
                }
                self.emit(Op::SetGlobal(global), field.span);
            }
        }
    }

    /// Compiles the bodies of the methods declared so far.
    pub(crate) fn compile_object_methods(&mut self) {
        let pending = std::mem::take(&mut self.objects.pending);
        for method in pending {
            self.compile_method_into(&method.decl, method.function, &method.name, method.context);
        }
    }

    /// Compiles a method: `this` is local 0 (not for static methods).
    fn compile_method_into(
        &mut self,
        decl: &FnDecl,
        index: u32,
        name: &str,
        mut context: MethodContext,
    ) {
        let mut state = FunctionState::new(FunctionKind::Function, name.to_string(), self.file);
        state.fallible = matches!(
            decl.ret.as_ref().map(|t| &t.kind),
            Some(TypeKind::Fallible { .. })
        );
        let receiver = u16::from(!context.is_static);
        state.proto.arity = decl.params.len() as u16 + receiver;
        state.proto.required = required_params(decl) as u16 + receiver;
        if !context.is_static {
            state.proto.param_names.push("this".to_string());
        }
        state
            .proto
            .param_names
            .extend(decl.params.iter().map(|p| p.name.name.clone()));
        self.functions.push(state);
        // A method's returns enter its declared type as a function's do.
        let return_coercions = decl
            .ret
            .as_ref()
            .map(|t| self.coercions(t))
            .unwrap_or_default();
        self.current().return_coercions = return_coercions;
        context.level = self.functions.len() - 1;
        self.objects.contexts.push(context);
        self.begin_scope();
        if receiver == 1 {
            self.add_local(THIS_LOCAL, false, true);
        }
        for param in &decl.params {
            self.declare_local(&param.name, false);
        }
        self.param_prologue(&decl.params, receiver);
        self.note_param_types(&decl.params, receiver);
        if receiver == 1 && self.bindings.nested_functions_use_this(decl.id) {
            // Nested functions reach the instance through a cell holding a
            // copy of slot 0 (slot 0 itself stays a plain instance for the
            // method's own slot-indexed field access).
            let span = decl.span;
            self.emit(Op::GetLocal(0), span);
            let cell = self.add_local(THIS_LOCAL, true, true);
            self.emit(Op::SetLocal(cell), span);
            self.emit(Op::MakeCell(cell), span);
        }
        match &decl.body {
            Some(body) => self.function_body(body),
            None => {
                let message = self.str_constant(&format!("`{name}` is abstract and has no body"));
                self.emit(Op::Const(message), decl.span);
                let kind = self.str_constant("Error");
                self.emit(Op::Trap(kind), decl.span);
            }
        }
        self.end_scope();
        self.objects.contexts.pop();
        // Infallible: this method pushed its FunctionState on entry and
        // every push inside it was popped by its own pair.
        let state = self.functions.pop().expect("method state");
        self.program.functions[index as usize] = finish_proto(state);
    }

    // ------------------------------------------------------ static types

    /// Forgets what was certain of the slots parameters now occupy (slots
    /// start at `first`): a parameter's frame is the checker's to say.
    pub(crate) fn note_param_types(&mut self, params: &[Param], first: u16) {
        let level = self.functions.len() - 1;
        for i in 0..params.len() {
            let key = PlaceKey::Local(level, first + i as u16);
            self.objects.typed.retain(|t| t.key != key);
        }
    }

    /// After `var name = …`: remembers that the new variable certainly
    /// holds an instance of exactly frame `F` when it is initialised by
    /// `F(…)` and never assigned (its static type stays the checker's:
    /// `frame.rs::static_type` uses this only where the checker agrees).
    pub(crate) fn note_var_decl(&mut self, decl: &VarDecl) {
        let VarTarget::Name(name) = &decl.target else {
            return;
        };
        let Some(key) = self
            .resolve_declared(name)
            .and_then(|place| self.key_of_place(place))
        else {
            return;
        };
        self.objects.typed.retain(|t| t.key != key);
        // (What the resolve stage saw: a variable the code generator made
        // is not known never to change.)
        if name.id.is_synthetic() || !self.bindings.is_never_reassigned(name.id) {
            return;
        }
        let Some(Expr {
            kind: ExprKind::Call { callee, .. },
            ..
        }) = &decl.init
        else {
            return;
        };
        if let Some(frame) = self.frame_called(callee) {
            self.objects.typed.push(TypedPlace {
                key,
                name: name.name.clone(),
                ty: StaticType {
                    name: frame,
                    is_trait: false,
                    exact: true,
                    certain: true,
                },
            });
        }
    }

    /// Where the variable used at node `id` lives, as a key for typed
    /// places.
    pub(crate) fn place_key_of_use(&mut self, id: NodeId, name: &str) -> Option<PlaceKey> {
        let place = self.resolve_use(id, name)?;
        self.key_of_place(place)
    }

    fn key_of_place(&self, place: super::Place) -> Option<PlaceKey> {
        match place {
            super::Place::Local { slot, .. } => {
                Some(PlaceKey::Local(self.functions.len() - 1, slot))
            }
            super::Place::Global { index, .. } => Some(PlaceKey::Global(index)),
            _ => None,
        }
    }

    /// The frame the name used at node `id` denotes (its binding: a
    /// variable of that name denotes none).
    pub(crate) fn frame_named(&self, id: NodeId) -> Option<String> {
        self.object_of(id, ObjectKind::Frame)
    }

    /// The frame an expression names: `Frame` or `module.Frame` (a private
    /// frame of another module is reported).
    pub(crate) fn frame_named_by(&mut self, expr: &Expr) -> Option<String> {
        match &expr.kind {
            ExprKind::Ident(_) => self.frame_named(expr.id),
            ExprKind::Field(object, member) => {
                self.namespace_object(object, member, ObjectKind::Frame)
            }
            _ => None,
        }
    }

    /// The frame whose constructor `callee` is (`Frame` or `module.Frame`),
    /// without reporting anything: for what is known of `callee(…)`.
    pub(crate) fn frame_called(&mut self, callee: &Expr) -> Option<String> {
        match &callee.kind {
            ExprKind::Ident(_) => self.frame_named(callee.id),
            ExprKind::Field(object, member) => match &object.kind {
                ExprKind::Ident(namespace) => {
                    self.namespace_object_silent(object.id, namespace, member, ObjectKind::Frame)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether a local named `name` is in scope (for a name the code
    /// generator made; see [`Codegen::shadowed_use`]).
    pub(crate) fn shadowed(&mut self, name: &str) -> bool {
        !matches!(self.resolve(name), None | Some(super::Place::Native(_)))
    }

    /// Whether the name used at node `id` denotes a variable or function,
    /// which hides a frame, enum, variant or built-in of that name: what
    /// the resolve stage bound it to decides (a host's function hides a
    /// built-in too). Only a name the code generator made (synthetic) is
    /// looked for among the locals by text.
    pub(crate) fn shadowed_use(&mut self, id: NodeId, name: &str) -> bool {
        use crate::resolve::{Binding, DefKind};
        match self.bindings.of(id) {
            Some(
                Binding::Local(_) | Binding::Capture { .. } | Binding::Global(_) | Binding::Host(_),
            ) => true,
            Some(Binding::TopLevel {
                kind: DefKind::Function | DefKind::Variable,
                ..
            }) => true,
            Some(_) => false,
            None if id.is_synthetic() => self.shadowed(name),
            None => false,
        }
    }

    /// Emits `DropLocal` for the locals of the innermost scope (last
    /// declared first), so that objects with a `deinit` are released at
    /// the end of their block. Only when some frame has a `deinit`.
    /// Releases the named locals declared after the first `first` (a loop
    /// left by `break` or `continue`), innermost first.
    pub(crate) fn release_locals_from(&mut self, first: usize, span: Span) {
        if !self.objects.any_deinit {
            return;
        }
        let slots: Vec<u16> = self.current_ref().locals[first..]
            .iter()
            .rev()
            .filter(|l| !l.name.starts_with(' '))
            .map(|l| l.slot)
            .collect();
        for slot in slots {
            self.emit(Op::DropLocal(slot), span);
        }
    }

    pub(crate) fn release_scope_locals(&mut self, span: Span) {
        if !self.objects.any_deinit {
            return;
        }
        let state = self.current_ref();
        let depth = state.scope_depth;
        let slots: Vec<u16> = state
            .locals
            .iter()
            .rev()
            .take_while(|l| l.depth == depth)
            .filter(|l| !l.name.starts_with(' '))
            .map(|l| l.slot)
            .collect();
        let at = Span::new(span.file, span.end as usize, span.end as usize);
        for slot in slots {
            self.emit(Op::DropLocal(slot), at);
        }
    }
}

/// The names that the file's frames extend (`frame B : A` gives `A`).
pub(crate) fn extended_names(stmts: &[Stmt]) -> FxHashSet<String> {
    let mut frames = Vec::new();
    collect_declarations(stmts, &mut frames, &mut Vec::new(), &mut Vec::new());
    frames
        .iter()
        .flat_map(|decl| decl.supers.iter().map(|s| s.name.clone()))
        .collect()
}

/// The top-level frames, traits and enums (tagged-union aliases too) of a
/// file, by name.
pub(crate) fn object_names(stmts: &[Stmt]) -> FxHashMap<String, ObjectKind> {
    let mut frames = Vec::new();
    let mut traits = Vec::new();
    let mut enums = Vec::new();
    collect_declarations(stmts, &mut frames, &mut traits, &mut enums);
    let mut names = FxHashMap::default();
    for (name, _) in enums {
        names.insert(name.name.clone(), ObjectKind::Enum);
    }
    for decl in traits {
        names.insert(decl.name.name.clone(), ObjectKind::Trait);
    }
    for decl in frames {
        names.insert(decl.name.name.clone(), ObjectKind::Frame);
    }
    names
}

/// Top-level frames, traits, enums and tagged-union aliases (also inside
/// `module` blocks).
fn collect_declarations<'m>(
    stmts: &'m [Stmt],
    frames: &mut Vec<&'m FrameDecl>,
    traits: &mut Vec<&'m TraitDecl>,
    enums: &mut Vec<(&'m Ident, &'m [VariantDecl])>,
) {
    for stmt in stmts {
        match &stmt.kind {
            StmtKind::Frame(decl) => frames.push(decl),
            StmtKind::Trait(decl) => traits.push(decl),
            StmtKind::Enum(decl) => enums.push((&decl.name, &decl.variants)),
            StmtKind::TypeAlias(decl) => {
                if let TypeKind::Tagged(variants) = &decl.ty.kind {
                    enums.push((&decl.name, variants));
                }
            }
            StmtKind::ModuleBlock(block) => {
                collect_declarations(&block.stmts, frames, traits, enums)
            }
            _ => {}
        }
    }
}
