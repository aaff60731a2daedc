//! Frames and traits (reference.md §7): hierarchy questions, member lookup
//! with visibility, and the declaration rules (`final`, `data`, `abstract`,
//! trait completeness).
//!
//! A frame whose parent or traits are not all declared in the checked file
//! has an unknown shape: lookups that fail on it are given the benefit of
//! the doubt.

use super::compat::Compatibility;
use super::Checker;
use super::{ErrorSet, Type};
use limit_syntax::ast::{
    FieldDecl, FnDecl, FrameDecl, Ident, Member, NodeId, SuperName, TraitDecl, Visibility,
};
use limit_syntax::{Diagnostic, Span};
use rustc_hash::FxHashSet;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// What a member name denotes on a frame.
pub enum MemberLookup<'a> {
    Field {
        owner: &'a FrameDecl,
        field: &'a FieldDecl,
    },
    Method {
        owner: String,
        /// The frame declaring it (none for a trait's method).
        owner_frame: Option<&'a FrameDecl>,
        method: &'a FnDecl,
        visibility: Visibility,
    },
    /// Certainly no such member.
    Missing,
    /// The frame's shape is not fully known.
    Unknown,
}

/// A frame's ancestors, itself first, and whether every one of its
/// parents and traits is declared in the file.
pub(super) struct Lineage<'a> {
    frames: Vec<&'a FrameDecl>,
    traits: Vec<&'a TraitDecl>,
    complete: bool,
}

/// Lineages by the declaring name's id (two modules may declare frames of
/// the same name, and one may extend the other's: `frame Q : lib.P`).
pub(super) type LineageCache<'a> = RefCell<HashMap<NodeId, Rc<Lineage<'a>>>>;

impl<'a> Checker<'a> {
    /// The lineage of the frame the name `frame` denotes in this module
    /// (unknown, so incomplete, when it denotes none).
    fn lineage(&self, frame: &str) -> Rc<Lineage<'a>> {
        match self.declarations.frames.get(frame).copied() {
            Some(decl) => self.lineage_of(decl),
            None => Rc::new(Lineage {
                frames: Vec::new(),
                traits: Vec::new(),
                complete: false,
            }),
        }
    }

    /// The lineage of the frame `first`, built without recursion from the
    /// nearest ancestor whose lineage is known, so that a hierarchy of any
    /// depth is followed to its root in time linear in its depth. Parents
    /// are followed to the declarations their names were bound to, in
    /// whichever module. A cycle (reported by the code generator) makes the
    /// lineages on it incomplete.
    fn lineage_of(&self, first: &'a FrameDecl) -> Rc<Lineage<'a>> {
        if let Some(known) = self.lineages.borrow().get(&first.name.id) {
            return known.clone();
        }
        let declarations = self.declarations;
        let parent_of = |decl: &FrameDecl| {
            decl.supers.iter().rev().find_map(|p| {
                declarations
                    .frames_by_decl
                    .get(&self.super_key(p)?)
                    .copied()
            })
        };
        let mut chain = vec![first];
        let mut on_chain: FxHashSet<*const FrameDecl> = FxHashSet::default();
        on_chain.insert(first);
        let mut base: Option<Rc<Lineage<'a>>> = None;
        let mut cyclic = false;
        while let Some(parent) = parent_of(chain[chain.len() - 1]) {
            if let Some(known) = self.lineages.borrow().get(&parent.name.id) {
                base = Some(known.clone());
                break;
            }
            if !on_chain.insert(parent) {
                cyclic = true;
                break;
            }
            chain.push(parent);
        }
        let mut result = base;
        for decl in chain.into_iter().rev() {
            let mut lineage = Lineage {
                frames: vec![decl],
                traits: Vec::new(),
                complete: !cyclic,
            };
            for parent in &decl.supers {
                let Some(parent) = self.super_key(parent) else {
                    lineage.complete = false;
                    continue;
                };
                if declarations.frames_by_decl.contains_key(&parent) {
                    continue;
                }
                match declarations.traits_by_decl.get(&parent).copied() {
                    Some(trait_decl) => self.add_trait_closure_of(trait_decl, &mut lineage),
                    None => lineage.complete = false,
                }
            }
            if let Some(above) = &result {
                lineage.frames.extend(above.frames.iter().copied());
                for t in &above.traits {
                    if !lineage.traits.iter().any(|seen| std::ptr::eq(*seen, *t)) {
                        lineage.traits.push(t);
                    }
                }
                lineage.complete &= above.complete;
            }
            let lineage = Rc::new(lineage);
            self.lineages
                .borrow_mut()
                .insert(decl.name.id, lineage.clone());
            result = Some(lineage);
        }
        // Infallible: the loop above runs at least once, for the frame
        // itself, and sets `result` each time.
        result.expect("the chain holds at least the frame itself")
    }

    /// Adds the trait the name `name` denotes in this module and the traits
    /// it extends to the lineage's traits (incomplete when it denotes none).
    fn add_trait_closure(&self, name: &str, lineage: &mut Lineage<'a>) {
        match self.declarations.traits.get(name).copied() {
            Some(decl) => self.add_trait_closure_of(decl, lineage),
            None => lineage.complete = false,
        }
    }

    /// Adds trait `first` and the traits it extends (depth first, by a work
    /// list, each found by the declaration its name was bound to) to the
    /// lineage's traits.
    fn add_trait_closure_of(&self, first: &'a TraitDecl, lineage: &mut Lineage<'a>) {
        let mut pending = vec![first];
        while let Some(decl) = pending.pop() {
            if lineage.traits.iter().any(|t| std::ptr::eq(*t, decl)) {
                continue;
            }
            lineage.traits.push(decl);
            for parent in decl.supers.iter().rev() {
                match (self.super_key(parent))
                    .and_then(|id| self.declarations.traits_by_decl.get(&id).copied())
                {
                    Some(parent) => pending.push(parent),
                    None => lineage.complete = false,
                }
            }
        }
    }

    /// The declaration (its name's id) of the frame or trait a header names
    /// (`P` or `m.P`, in any module), as the resolve stage bound it, when
    /// the checked declarations hold it (else none: a lineage through it
    /// is unknown, given the benefit of the doubt; the code generator
    /// reports what the name cannot be).
    pub(super) fn super_key(&self, parent: &SuperName) -> Option<NodeId> {
        let Some(crate::resolve::Binding::TopLevel { decl, .. }) =
            self.bindings.of(parent.ident.id)
        else {
            return None;
        };
        let declarations = self.declarations;
        let known = declarations.frames_by_decl.contains_key(&decl)
            || declarations.traits_by_decl.contains_key(&decl);
        known.then_some(decl)
    }

    /// Whether `frame` is the frame the name `target` denotes in this
    /// module (a frame of another module that merely shares the name is
    /// not; a name denoting no frame here is compared by name).
    fn frame_denoted(&self, frame: &FrameDecl, target: &str) -> bool {
        match self.declarations.frames.get(target) {
            Some(decl) => std::ptr::eq(*decl, frame),
            None => frame.name.name == target,
        }
    }

    /// As [`frame_denoted`](Self::frame_denoted), for traits.
    fn trait_denoted(&self, decl: &TraitDecl, target: &str) -> bool {
        match self.declarations.traits.get(target) {
            Some(known) => std::ptr::eq(*known, decl),
            None => decl.name.name == target,
        }
    }

    /// The frame and its ancestors, itself first, when all are declared in
    /// the file (empty otherwise).
    pub(super) fn frame_lineage(&self, frame: &str) -> Vec<&'a FrameDecl> {
        let lineage = self.lineage(frame);
        if lineage.complete {
            lineage.frames.clone()
        } else {
            Vec::new()
        }
    }

    /// Whether an instance of `frame` may be used as a `target` (itself or
    /// an ancestor; unknown hierarchies may).
    pub(super) fn frame_may_be(&self, frame: &str, target: &str) -> bool {
        let lineage = self.lineage(frame);
        !lineage.complete || lineage.frames.iter().any(|f| self.frame_denoted(f, target))
    }

    /// Whether every instance of `frame` is a `target` (its lineage is
    /// known and has it).
    pub(super) fn frame_is_certainly(&self, frame: &str, target: &str) -> bool {
        let lineage = self.lineage(frame);
        lineage.complete && lineage.frames.iter().any(|f| self.frame_denoted(f, target))
    }

    /// Whether every instance of `frame` implements trait `target`.
    pub(super) fn frame_certainly_implements(&self, frame: &str, target: &str) -> bool {
        let lineage = self.lineage(frame);
        lineage.complete && lineage.traits.iter().any(|t| self.trait_denoted(t, target))
    }

    /// Whether `frame` may implement trait `target`.
    pub(super) fn frame_may_implement(&self, frame: &str, target: &str) -> bool {
        let lineage = self.lineage(frame);
        !lineage.complete || lineage.traits.iter().any(|t| self.trait_denoted(t, target))
    }

    /// Looks `name` up on instances of `frame`: fields and methods of the
    /// frame and its parents, then their statics (a field a frame inherits
    /// comes before a static of the same name it declares, LANGUAGE §7,
    /// as the code generator reads it), then methods of its traits.
    pub(super) fn lookup_member(&self, frame: &str, name: &str) -> MemberLookup<'a> {
        let lineage = self.lineage(frame);
        for statics in [false, true] {
            if let Some(found) = self.member_in(&lineage, name, statics) {
                return found;
            }
        }
        trait_method_in(&lineage, name)
    }

    /// Member `name` of the frames of `lineage`: a field (only the static
    /// ones when `statics`, else only the others) or, unless `statics`, a
    /// method.
    fn member_in(
        &self,
        lineage: &Lineage<'a>,
        name: &str,
        statics: bool,
    ) -> Option<MemberLookup<'a>> {
        for decl in &lineage.frames {
            for member in &decl.members {
                match member {
                    Member::Field(field)
                        if field.name.name == name && field.is_static == statics =>
                    {
                        return Some(MemberLookup::Field { owner: decl, field });
                    }
                    Member::Method(method)
                        if !statics && method.name.as_ref().is_some_and(|n| n.name == name) =>
                    {
                        return Some(MemberLookup::Method {
                            owner: decl.name.name.clone(),
                            owner_frame: Some(decl),
                            method,
                            visibility: self.method_visibility(lineage, method, name),
                        });
                    }
                    _ => {}
                }
            }
        }
        None
    }

    /// Looks method `name` up on values of trait `trait_name`: its own
    /// methods, then those of the traits it extends. `Missing` only when
    /// every trait of that hierarchy is declared.
    pub(super) fn lookup_trait_method(&self, trait_name: &str, name: &str) -> MemberLookup<'a> {
        let mut lineage = Lineage {
            frames: Vec::new(),
            traits: Vec::new(),
            complete: true,
        };
        self.add_trait_closure(trait_name, &mut lineage);
        trait_method_in(&lineage, name)
    }

    /// The fields and methods of `frame`, its parents and its traits (for
    /// suggestions).
    pub(super) fn frame_member_names(&self, frame: &str) -> Vec<String> {
        let lineage = self.lineage(frame);
        let mut names: Vec<String> = Vec::new();
        for decl in &lineage.frames {
            for member in &decl.members {
                match member {
                    Member::Field(field) => names.push(field.name.name.clone()),
                    Member::Method(method) => {
                        names.extend(method.name.iter().map(|n| n.name.clone()))
                    }
                }
            }
        }
        for decl in &lineage.traits {
            names.extend(
                decl.methods
                    .iter()
                    .filter_map(|m| m.name.as_ref().map(|n| n.name.clone())),
            );
        }
        names
    }

    /// The methods of trait `trait_name` and the traits it extends.
    pub(super) fn trait_method_names(&self, trait_name: &str) -> Vec<String> {
        let mut lineage = Lineage {
            frames: Vec::new(),
            traits: Vec::new(),
            complete: true,
        };
        self.add_trait_closure(trait_name, &mut lineage);
        lineage
            .traits
            .iter()
            .flat_map(|decl| decl.methods.iter())
            .filter_map(|m| m.name.as_ref().map(|n| n.name.clone()))
            .collect()
    }

    /// A method is as visible as the most visible declaration it overrides
    /// or implements (trait methods are public).
    fn method_visibility(&self, lineage: &Lineage<'a>, method: &FnDecl, name: &str) -> Visibility {
        if lineage.traits.iter().any(|t| {
            t.methods
                .iter()
                .any(|m| m.name.as_ref().is_some_and(|n| n.name == name))
        }) {
            return Visibility::Public;
        }
        let mut visibility = method.modifiers.visibility;
        for decl in &lineage.frames {
            for member in &decl.members {
                if let Member::Method(other) = member {
                    if other.name.as_ref().is_some_and(|n| n.name == name) {
                        visibility = more_visible(visibility, other.modifiers.visibility);
                    }
                }
            }
        }
        visibility
    }

    /// Whether code in the current frame may use a non-public member of
    /// `owner` (declared by `owner_frame`, when known): only from inside
    /// frames related to it by inheritance. The declaration decides when
    /// known: another module's frame may share its name with one of this
    /// module (`frame Q : lib.P` beside a `frame P`).
    pub(super) fn may_access_hidden_member_of(
        &self,
        owner: &str,
        owner_frame: Option<&'a FrameDecl>,
    ) -> bool {
        let Some(current) = &self.current_frame else {
            return false;
        };
        let current_frame = self.declarations.frames.get(current.as_str()).copied();
        if let (Some(owner_frame), Some(current_frame)) = (owner_frame, current_frame) {
            let (down, up) = (self.lineage_of(current_frame), self.lineage_of(owner_frame));
            let has = |lineage: &Lineage<'a>, frame: &FrameDecl| {
                !lineage.complete || lineage.frames.iter().any(|f| std::ptr::eq(*f, frame))
            };
            return has(&down, owner_frame) || has(&up, current_frame);
        }
        current == owner || self.frame_may_be(current, owner) || self.frame_may_be(owner, current)
    }

    /// Inside a method, the type of the field a bare `name` denotes (§7
    /// Decision: locals and parameters first, then own and inherited
    /// fields, then the frame's statics, then globals); `None` when it
    /// denotes something else.
    pub(super) fn bare_member_type(&mut self, id: NodeId, name: &str) -> Option<Type> {
        let declared = self.bare_member_declared_type(id, name)?;
        Some(self.env.member(name).cloned().unwrap_or(declared))
    }

    /// As [`bare_member_type`](Self::bare_member_type), the field's declared
    /// type whatever an `if` narrowed it to (what an assignment must fit).
    pub(super) fn bare_member_declared_type(&mut self, id: NodeId, name: &str) -> Option<Type> {
        let is_static = self.member_scope?;
        if !self.is_bare_member(id) {
            return None;
        }
        let frame = self.current_frame.clone()?;
        let MemberLookup::Field { field, .. } = self.lookup_member(&frame, name) else {
            return None;
        };
        if is_static && !field.is_static {
            return None;
        }
        Some(match &field.ty {
            Some(ty) => self.resolve_type(ty),
            None => Type::Any,
        })
    }

    /// Reports a private/protected member used from outside its frame,
    /// with a note at the member's declaration (`declared`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn check_member_visibility(
        &mut self,
        owner: &str,
        owner_frame: Option<&'a FrameDecl>,
        name: &str,
        visibility: Visibility,
        is_data_frame: bool,
        use_span: Span,
        declared: Span,
    ) {
        if visibility == Visibility::Public
            || is_data_frame
            || self.may_access_hidden_member_of(owner, owner_frame)
        {
            return;
        }
        self.report_hidden_member(
            owner,
            name,
            visibility,
            use_span,
            declared,
            format!("declare it `pub` in `{owner}` to use it from outside"),
        );
    }

    fn report_hidden_member(
        &mut self,
        owner: &str,
        name: &str,
        visibility: Visibility,
        use_span: Span,
        declared: Span,
        hint: String,
    ) {
        let (word, declared_as) = if visibility == Visibility::Protected {
            ("protected", "`prot`")
        } else {
            ("private", "without `pub`")
        };
        self.diagnostics.push(
            Diagnostic::error(use_span, format!("`{name}` is {word} to frame `{owner}`"))
                .with_hint(hint)
                .with_note(declared, format!("`{name}` is declared here {declared_as}")),
        );
    }

    /// `value.name(…)` where `value` is typed by trait `trait_name`, which
    /// does not declare `name`: when a frame of this file implementing the
    /// trait declares it hidden, the call reaches a private method through
    /// the trait (§7: members are private by default). Reported like a
    /// direct call. Returns whether it reported.
    pub(super) fn check_method_through_trait(&mut self, trait_name: &str, name: &Ident) -> bool {
        let declarations = self.declarations;
        // (By the names the checker knows them by: another module's frame
        // may share its name with one of this module.)
        let mut frames: Vec<(&String, &FrameDecl)> = declarations
            .frames
            .iter()
            .map(|(key, f)| (key, *f))
            .collect();
        frames.sort_by_key(|(_, frame)| (frame.name.span.file, frame.name.span.start));
        for (key, frame) in frames {
            let implements = self
                .lineage_of(frame)
                .traits
                .iter()
                .any(|t| self.trait_denoted(t, trait_name));
            if !implements {
                continue;
            }
            let MemberLookup::Method {
                owner,
                owner_frame,
                method,
                visibility,
            } = self.lookup_member(key, &name.name)
            else {
                continue;
            };
            if visibility == Visibility::Public
                || self.may_access_hidden_member_of(&owner, owner_frame)
            {
                return false;
            }
            let declared = method.name.as_ref().map_or(method.span, |n| n.span);
            let hint = format!(
                "values of trait `{trait_name}` offer the trait's methods; declare `{}` in `{trait_name}`, or `pub` in `{owner}`",
                name.name
            );
            self.report_hidden_member(&owner, &name.name, visibility, name.span, declared, hint);
            return true;
        }
        false
    }

    /// The declaration rules of every frame in the file (imported frames
    /// are their own module's to check). The overrides of an earlier
    /// session input's frames are checked again (their diagnostics are
    /// that input's, and dropped) for the kinds they add to the inferred
    /// error sets of the methods they override, which this input's
    /// callers see.
    pub(super) fn check_frame_declarations(&mut self) {
        let declarations = self.declarations;
        let mut earlier: Vec<&FrameDecl> = declarations
            .frames
            .values()
            .copied()
            .filter(|frame| self.own_files.contains(&frame.name.span.file))
            .collect();
        earlier.sort_by_key(|frame| (frame.name.span.file, frame.name.span.start));
        for frame in earlier {
            self.check_overrides(frame);
        }
        let mut frames: Vec<&FrameDecl> = declarations
            .frames
            .values()
            .copied()
            .filter(|frame| frame.name.span.file == self.file)
            .collect();
        frames.sort_by_key(|frame| frame.name.span.start);
        for frame in frames {
            self.check_supers(frame);
            self.check_overrides(frame);
            if !frame.modifiers.is_abstract {
                self.check_trait_completeness(frame);
            }
        }
    }

    fn check_supers(&mut self, frame: &FrameDecl) {
        for parent in &frame.supers {
            let Some(parent_decl) = self
                .super_key(parent)
                .and_then(|key| self.declarations.frames_by_decl.get(&key))
            else {
                continue;
            };
            let kind = if parent_decl.modifiers.is_final {
                "final"
            } else if parent_decl.modifiers.is_data {
                "data"
            } else {
                continue;
            };
            self.error(
                parent.span,
                format!("cannot extend {kind} frame `{}`", parent.name),
            );
        }
    }

    fn check_overrides(&mut self, frame: &'a FrameDecl) {
        let lineage = self.lineage_of(frame);
        let ancestors = lineage.frames.get(1..).unwrap_or_default();
        for member in &frame.members {
            let Member::Method(method) = member else {
                continue;
            };
            let Some(name) = &method.name else { continue };
            let final_in = ancestors.iter().find(|ancestor| {
                ancestor.members.iter().any(|m| {
                    matches!(m, Member::Method(m) if m.modifiers.is_final
                        && m.name.as_ref().is_some_and(|n| n.name == name.name))
                })
            });
            if let Some(ancestor) = final_in {
                self.error(
                    name.span,
                    format!(
                        "cannot override final method `{}` of frame `{}`",
                        name.name, ancestor.name.name
                    ),
                );
            }
            self.check_override_arity(frame, &lineage, method, name);
        }
    }

    /// An override (or a trait method's implementation) is called with
    /// the replaced method's arguments and its result used as the replaced
    /// method's result (virtual dispatch, §7): each parameter it declares
    /// must accept the replaced one's type, and the result it declares
    /// must fit the replaced one's. A side without an annotation is `any`.
    fn check_override_types(
        &mut self,
        frame: &FrameDecl,
        method: &'a FnDecl,
        replaced: &'a FnDecl,
        replaced_name: &str,
        kind: &str,
    ) {
        let Some(name) = &method.name else { return };
        let verb = if kind == "trait" {
            "implements"
        } else {
            "overrides"
        };
        let mut problems = Vec::new();
        for (own, theirs) in method.params.iter().zip(&replaced.params) {
            let (Some(own_type), Some(their_type)) = (&own.ty, &theirs.ty) else {
                continue;
            };
            let (own_type, their_type) =
                (self.resolve_type(own_type), self.resolve_type(their_type));
            if self.compatibility(&their_type, &own_type) != Compatibility::Fits {
                problems.push((
                    own.name.span,
                    format!(
                        "parameter `{}` of `{}.{}` is `{own_type}` but the method it {verb}, `{replaced_name}`, takes `{their_type}`",
                        own.name.name, frame.name.name, name.name
                    ),
                ));
            }
        }
        if let (Some(own_ret), Some(their_ret)) = (&method.ret, &replaced.ret) {
            let (own_type, their_type) = (self.resolve_type(own_ret), self.resolve_type(their_ret));
            // The error sets are `override_error_set`'s to compare.
            let fits = self.compatibility(&own_type, &their_type.with_any_error_set());
            if fits != Compatibility::Fits {
                problems.push((
                    own_ret.span,
                    format!(
                        "`{}.{}` returns `{own_type}` but the method it {verb}, `{replaced_name}`, returns `{their_type}`",
                        frame.name.name, name.name
                    ),
                ));
            }
        }
        let same_types = format!(
            "calls through the {kind}'s type rely on `{replaced_name}`'s types; declare the same ones"
        );
        let mut problems: Vec<(Span, String, String)> = problems
            .into_iter()
            .map(|(span, message)| (span, message, same_types.clone()))
            .collect();
        problems.extend(self.override_error_set(frame, method, replaced, replaced_name, verb));
        for (span, message, hint) in problems {
            self.diagnostics
                .push(Diagnostic::error(span, message).with_hint(hint).with_note(
                    replaced.name.as_ref().map_or(replaced.span, |n| n.span),
                    format!("`{replaced_name}` is declared here"),
                ));
        }
    }

    /// The error kinds an override (or implementation) may return reach
    /// callers through the replaced method's type (virtual dispatch, §7),
    /// so §6's rule for `?` must see them: when the replaced method
    /// declares its set, the override's (declared or inferred) must be
    /// covered by it; when it is plain `T?` and declared in the same
    /// module, its inferred set takes the override's kinds in (the
    /// checker's fixed point settles both). A plain `T?` method of another
    /// module (or of an earlier session input) keeps the set inferred
    /// there: that module was checked, and its callers through the method
    /// accepted, before this one, so the override must stay within it.
    /// Returns the problem's place, message and hint.
    fn override_error_set(
        &mut self,
        frame: &FrameDecl,
        method: &'a FnDecl,
        replaced: &'a FnDecl,
        replaced_name: &str,
        verb: &str,
    ) -> Option<(Span, String, String)> {
        let (Some(name), Some(their_ret)) = (&method.name, &replaced.ret) else {
            return None;
        };
        let Type::Fallible(value, own) = self.signature_of(method).ret else {
            return None;
        };
        let own_name = format!("{}.{}", frame.name.name, name.name);
        let (allowed, reason) = match self.resolve_type(their_ret).unrefined() {
            Type::Fallible(_, ErrorSet::Any) if replaced.span.file == method.span.file => {
                if let ErrorSet::Kinds(kinds) = own {
                    self.found_errors
                        .entry(replaced.id)
                        .or_default()
                        .extend(kinds);
                }
                return None;
            }
            Type::Fallible(_, ErrorSet::Any) => {
                let inferred = self.inferred_set(replaced.id);
                let set = if inferred.is_empty() {
                    "empty".to_string()
                } else {
                    quoted(inferred.iter())
                };
                (
                    inferred,
                    format!(
                        "cannot return (its error set, inferred where it is declared, is {set})"
                    ),
                )
            }
            Type::Fallible(_, ErrorSet::Kinds(allowed)) => {
                (allowed.clone(), "does not declare".to_string())
            }
            _ => return None,
        };
        let missing = own.kinds_not_covered_by(&ErrorSet::Kinds(allowed.clone()));
        if missing.is_empty() {
            return None;
        }
        let span = method.ret.as_ref().map_or(name.span, |r| r.span);
        let kinds = quoted(missing.iter());
        let message = format!(
            "`{own_name}` may return {kinds}, which the method it {verb}, `{replaced_name}`, {reason}"
        );
        let them = if missing.len() == 1 { "it" } else { "them" };
        let widened: std::collections::BTreeSet<&String> = allowed.iter().chain(&missing).collect();
        let widened = widened
            .into_iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let hint = format!(
            "a call through `{replaced_name}` may reach `{own_name}`, and its callers were checked with its set: declare `{value}?{widened}` as `{replaced_name}`'s result, or keep `{own_name}` from returning {them} (handle {them} there)"
        );
        Some((span, message, hint))
    }

    /// An override (or a trait method's implementation) takes as many
    /// parameters as the method it replaces: calls through the parent's
    /// type pass the parent's arguments to it (virtual dispatch, §7).
    fn check_override_arity(
        &mut self,
        frame: &FrameDecl,
        lineage: &Lineage<'a>,
        method: &'a FnDecl,
        name: &Ident,
    ) {
        if method.modifiers.is_static || name.name == "init" || name.name == "deinit" {
            return;
        }
        let same_name = |m: &&FnDecl| {
            !m.modifiers.is_static && m.name.as_ref().is_some_and(|n| n.name == name.name)
        };
        let replaced = lineage
            .frames
            .get(1..)
            .unwrap_or_default()
            .iter()
            .find_map(|ancestor| {
                ancestor
                    .members
                    .iter()
                    .filter_map(|m| match m {
                        Member::Method(m) => Some(m),
                        Member::Field(_) => None,
                    })
                    .find(same_name)
                    .map(|m| (format!("{}.{}", ancestor.name.name, name.name), m, "frame"))
            })
            .or_else(|| {
                lineage.traits.iter().find_map(|t| {
                    t.methods
                        .iter()
                        .find(same_name)
                        .map(|m| (format!("{}.{}", t.name.name, name.name), m, "trait"))
                })
            });
        let Some((replaced_name, replaced, kind)) = replaced else {
            return;
        };
        let (own, theirs) = (method.params.len(), replaced.params.len());
        if own == theirs {
            self.check_override_types(frame, method, replaced, &replaced_name, kind);
            return;
        }
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let verb = if kind == "trait" {
            "implements"
        } else {
            "overrides"
        };
        self.diagnostics.push(
            Diagnostic::error(
                name.span,
                format!(
                    "`{}.{}` takes {own} parameter{} but the method it {verb}, `{replaced_name}`, takes {theirs}",
                    frame.name.name,
                    name.name,
                    plural(own)
                ),
            )
            .with_hint(format!(
                "calls through the {kind}'s type pass {theirs} argument{}; give both the same parameters",
                plural(theirs)
            ))
            .with_note(
                replaced.name.as_ref().map_or(replaced.span, |n| n.span),
                format!("`{replaced_name}` is declared here"),
            ),
        );
    }

    /// A concrete frame implements every method its traits declare without
    /// a default and every abstract method of its ancestors.
    fn check_trait_completeness(&mut self, frame: &'a FrameDecl) {
        let lineage = self.lineage_of(frame);
        if !lineage.complete {
            return;
        }
        let implemented = |name: &str| {
            lineage.frames.iter().any(|f| {
                f.members.iter().any(|m| {
                    matches!(m, Member::Method(m) if m.body.is_some()
                        && m.name.as_ref().is_some_and(|n| n.name == name))
                })
            }) || lineage.traits.iter().any(|t| {
                t.methods
                    .iter()
                    .any(|m| m.body.is_some() && m.name.as_ref().is_some_and(|n| n.name == name))
            })
        };
        let mut missing = Vec::new();
        for decl in lineage.frames.get(1..).unwrap_or_default() {
            for member in &decl.members {
                let Member::Method(method) = member else {
                    continue;
                };
                let Some(name) = &method.name else { continue };
                if method.body.is_none()
                    && !implemented(&name.name)
                    && !missing.iter().any(|(m, _, _)| m == &name.name)
                {
                    missing.push((name.name.clone(), decl.name.name.clone(), "abstract frame"));
                }
            }
        }
        for decl in &lineage.traits {
            for method in &decl.methods {
                let Some(name) = &method.name else { continue };
                if method.body.is_none()
                    && !implemented(&name.name)
                    && !missing.iter().any(|(m, _, _)| m == &name.name)
                {
                    missing.push((name.name.clone(), decl.name.name.clone(), "trait"));
                }
            }
        }
        for (method, owner, kind) in missing {
            self.error_with_hint(
                frame.name.span,
                format!(
                    "frame `{}` does not implement `{method}` of {kind} `{owner}`",
                    frame.name.name
                ),
                format!("add `fn {method}(…)` to `{}`", frame.name.name),
            );
        }
    }
}

fn more_visible(a: Visibility, b: Visibility) -> Visibility {
    use crate::resolve::visibility::reach;
    if reach(b) > reach(a) {
        b
    } else {
        a
    }
}

/// The first method `name` among a lineage's traits (in lineage order), or
/// `Missing`/`Unknown` depending on whether every ancestor was declared.
fn trait_method_in<'a>(lineage: &Lineage<'a>, name: &str) -> MemberLookup<'a> {
    for decl in &lineage.traits {
        if let Some(method) = decl
            .methods
            .iter()
            .find(|m| m.name.as_ref().is_some_and(|n| n.name == name))
        {
            return MemberLookup::Method {
                owner: decl.name.name.clone(),
                owner_frame: None,
                method,
                visibility: Visibility::Public,
            };
        }
    }
    if lineage.complete {
        MemberLookup::Missing
    } else {
        MemberLookup::Unknown
    }
}

/// `kinds` as a message lists them: `` `A`, `B` ``.
fn quoted<'k>(kinds: impl Iterator<Item = &'k String>) -> String {
    kinds
        .map(|kind| format!("`{kind}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
