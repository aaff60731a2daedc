//! Uses of frames (reference.md §7): construction, `this`/`super`, fields,
//! static members and method calls, with privacy checked here.
//!
//! Dispatch (DESIGN.md §6), by what is known of the receiver:
//! * `super.m(…)` → `CallDirect` of the parent's method, `this` first;
//! * a receiver certainly of frame `F` (`this`, or a variable initialised by
//!   `F(…)` and never reassigned, which the checker also types `F`) →
//!   `CallDirect` when no subframe overrides the method (or the frame is
//!   exact), else `InvokeSlot(slot)`; fields by slot (`GetLocalField`,
//!   `GetField`, `SetField`);
//! * a receiver the checker types as a frame or trait (an annotation, a
//!   parameter) → `InvokeMethod(name)` (per-call-site inline cache) and
//!   fields by name; one it does not type (`any`) → `InvokeAny`.
//!
//! What a receiver is comes from the checker's type of the use
//! (`static_type`): an `any` annotation or a widening store leaves no
//! frame, whatever the initialiser was.

use super::objects::{plain_name, FrameInfo, MethodInfo, ObjectKind, StaticType};
use super::Codegen;
use super::Place;
use limit_bytecode::opcode::{Dispatch, Op};
use limit_syntax::ast::*;
use limit_syntax::Span;

/// How a member access is compiled.
enum Member {
    Field(usize),
    Method(usize),
}

/// Arguments a method call may pass: its instruction also counts the
/// receiver, within a `u8`.
pub(crate) const METHOD_ARGS: usize = 254;

/// Arguments a call of a top-level function may pass.
pub(crate) const FUNCTION_ARGS: usize = 255;

impl Codegen<'_> {
    // --------------------------------------------------------- this/super

    /// The current method's context when `this` is local 0 of the function
    /// being compiled.
    fn direct_receiver(&self) -> bool {
        self.objects
            .contexts
            .last()
            .is_some_and(|c| !c.is_static && c.level + 1 == self.functions.len())
    }

    /// `this` / `self` as a value.
    pub(crate) fn this_expr(&mut self, span: Span) {
        match self.objects.contexts.last() {
            Some(c) if c.is_static => {
                self.error_with_hint(
                    span,
                    "`this` in a static method",
                    "static methods have no instance",
                );
            }
            Some(_) if self.direct_receiver() => {
                self.emit(Op::GetLocal(0), span);
            }
            Some(_) => match self.resolve(super::objects::THIS_LOCAL) {
                Some(place) => self.load(&place, span),
                None => self.error_with_hint(
                    span,
                    "`this` cannot be used here",
                    "copy it to a variable first: `var me = this;`",
                ),
            },
            None => self.error_with_hint(
                span,
                "`this` outside a method",
                "`this` is the instance inside frame methods",
            ),
        }
    }

    /// `super` alone (not `super.m(…)`).
    pub(crate) fn super_expr(&mut self, span: Span) {
        self.error_with_hint(
            span,
            "`super` can only be used as `super.method(…)`",
            "call a parent method",
        );
    }

    /// The key of the frame whose methods are being compiled (not traits).
    pub(crate) fn current_frame(&self) -> Option<String> {
        self.objects
            .contexts
            .last()
            .filter(|c| !c.is_trait)
            .map(|c| c.owner.clone())
    }

    /// What is known of the value of `expr`.
    pub(crate) fn static_type(&mut self, expr: &Expr) -> Option<StaticType> {
        match &expr.kind {
            ExprKind::This if self.direct_receiver() => {
                let c = self.objects.contexts.last()?;
                Some(StaticType {
                    name: c.owner.clone(),
                    is_trait: c.is_trait,
                    exact: false,
                    certain: true,
                })
            }
            // The checker's type of the use decides what the variable
            // holds (an `any` annotation, a reassignment in a later
            // session chunk, a widening store: no frame); what the code
            // generator adds is only certainty, for a variable it saw
            // initialised by that frame's constructor and never assigned.
            ExprKind::Ident(name) => {
                let checked = self.checked_object_type(expr)?;
                let key = self.place_key_of_use(expr.id, name);
                let certain = self
                    .objects
                    .typed
                    .iter()
                    .rev()
                    .find(|t| Some(&t.key) == key.as_ref() && t.name == *name)
                    .filter(|t| t.ty.certain && t.ty.name == checked.name)
                    .map(|t| t.ty.clone());
                Some(certain.unwrap_or(checked))
            }
            ExprKind::Call { callee, .. } => self.frame_called(callee).map(|frame| StaticType {
                name: frame,
                is_trait: false,
                exact: true,
                certain: true,
            }),
            _ => None,
        }
    }

    // ---------------------------------------------------------- privacy

    /// Reports a private/protected member (of frame key `owner`) used where
    /// it is not visible.
    fn check_visibility(&mut self, owner: &str, name: &str, visibility: Visibility, span: Span) {
        if visibility == Visibility::Public {
            return;
        }
        let allowed = match self.current_frame() {
            Some(current) => {
                current == owner
                    || (visibility == Visibility::Protected
                        && (self.frame_is_a(&current, owner) || self.frame_is_a(owner, &current)))
            }
            None => false,
        };
        if allowed {
            return;
        }
        let word = if visibility == Visibility::Protected {
            "protected"
        } else {
            "private"
        };
        let owner = plain_name(owner);
        self.error_with_hint(
            span,
            format!("`{name}` is {word} to frame `{owner}`"),
            &format!("declare it `pub` in `{owner}` to use it from outside"),
        );
    }

    /// An instance member of `frame`. Unknown members and privacy seen
    /// from outside the frame's family are the checker's reports
    /// (`check/frames.rs`); only a private member used from a subframe (or a
    /// parent), which the checker lets pass, is reported here.
    fn lookup_member(&mut self, frame: &FrameInfo, name: &Ident) -> Option<Member> {
        let (member, owner, visibility) = if let Some(slot) = frame.field_slot(&name.name) {
            let field = &frame.fields[slot];
            (Member::Field(slot), field.owner.clone(), field.visibility)
        } else {
            let slot = frame.method_slot(&name.name)?;
            let method = &frame.vtable[slot];
            (
                Member::Method(slot),
                method.owner.clone(),
                method.visibility,
            )
        };
        if matches!(visibility, Visibility::Private | Visibility::Default) {
            if let Some(current) = self.current_frame() {
                if current != owner
                    && (self.frame_is_a(&current, &owner) || self.frame_is_a(&owner, &current))
                {
                    self.check_visibility(&owner, &name.name, visibility, name.span);
                }
            }
        }
        Some(member)
    }

    /// Pushes `object` (a receiver whose type is certain); returns the local
    /// slot holding it when it is a plain local (for `GetLocalField`).
    fn receiver_slot(&mut self, object: &Expr) -> Option<u16> {
        match &object.kind {
            ExprKind::This => Some(0),
            ExprKind::Ident(name) => match self.resolve_use(object.id, name) {
                Some(Place::Local {
                    slot, cell: false, ..
                }) => Some(slot),
                _ => None,
            },
            _ => None,
        }
    }

    // ------------------------------------------------------------ fields

    /// `object.field`; false when `object` is not a frame-related value
    /// and the generic by-name access applies.
    pub(crate) fn field_get(&mut self, object: &Expr, field: &Ident, span: Span) -> bool {
        if let Some(frame) = self.frame_named_by(object) {
            self.static_get(&frame, field);
            return true;
        }
        if let Some(enum_key) = self.enum_named_by(object) {
            self.enum_variant_value(&enum_key, field, &[], span, false);
            return true;
        }
        if matches!(object.kind, ExprKind::Super) {
            self.error_with_hint(
                field.span,
                "`super.field` is not supported",
                "inherited fields are reached with `this.field`",
            );
            return true;
        }
        let Some(ty) = self.static_type(object) else {
            return false;
        };
        if ty.is_trait {
            return false;
        }
        let frame = self.objects.frames[&ty.name].clone();
        match self.lookup_member(&frame, field) {
            Some(Member::Field(slot)) if ty.certain => {
                match self.receiver_slot(object) {
                    Some(local) => {
                        self.emit(Op::GetLocalField(local, slot as u16), field.span);
                    }
                    None => {
                        self.expr(object);
                        self.emit(Op::GetField(slot as u16), field.span);
                    }
                }
                true
            }
            Some(_) => false,
            None => {
                self.missing_member(&frame, field);
                self.emit(Op::Nil, span);
                true
            }
        }
    }

    /// A member `name` that frame `frame` certainly lacks (its vtable and
    /// fields are complete here even when the checker could not tell, as
    /// with an unknown parent). Same text as the checker's report, which the
    /// compiler keeps only once.
    fn missing_member(&mut self, frame: &FrameInfo, name: &Ident) {
        self.error(
            name.span,
            format!(
                "frame `{}` has no field or method `{}`",
                frame.name, name.name
            ),
        );
    }

    /// `Frame.static` as a value (`frame` is a key).
    pub(crate) fn static_get(&mut self, frame: &str, field: &Ident) {
        let info = self.objects.frames[frame].clone();
        let frame = &info.name;
        if let Some(s) = info.statics.get(&field.name) {
            self.check_visibility(&s.owner, &field.name, s.visibility, field.span);
            self.emit(Op::GetGlobal(s.global), field.span);
            return;
        }
        if let Some(m) = info.static_methods.get(&field.name) {
            self.check_visibility(&m.owner, &field.name, m.visibility, field.span);
            self.emit(Op::Closure(m.function), field.span);
            return;
        }
        self.error_with_hint(
            field.span,
            format!("frame `{frame}` has no static member `{}`", field.name),
            "instance members are reached through an instance",
        );
        self.emit(Op::Nil, field.span);
    }

    /// `object.field op= value`; false when the generic by-name store
    /// applies. `checked`: the checker checked the value against the
    /// field's type (it knew the receiver, or the bare field name).
    pub(crate) fn field_assign(
        &mut self,
        object: &Expr,
        field: &Ident,
        binary: Option<Op>,
        value: &Expr,
        span: Span,
        checked: bool,
    ) -> bool {
        if let Some(frame) = self.frame_named_by(object) {
            self.static_assign(&frame, field, binary, value, span);
            return true;
        }
        let Some(ty) = self.static_type(object) else {
            return false;
        };
        if ty.is_trait {
            return false;
        }
        let frame = self.objects.frames[&ty.name].clone();
        match self.lookup_member(&frame, field) {
            Some(Member::Field(slot)) if ty.certain => {
                let coercions = self.field_coercions(object, &field.name);
                let declared = frame.fields.get(slot).and_then(|f| f.ty.clone());
                let slot = slot as u16;
                self.expr(object);
                if let Some(op) = binary {
                    self.emit(Op::Dup, span);
                    self.emit(Op::GetField(slot), field.span);
                    self.expr(value);
                    self.compound_field_operator(op, declared.as_ref(), span);
                } else {
                    self.expr(value);
                }
                if !checked {
                    // The checker does not know the receiver, so it
                    // proved nothing of the value entering the field.
                    if let Some(check) = declared.as_ref().and_then(|t| self.annotation_check(t)) {
                        self.emit(Op::CheckType(check), span);
                    }
                }
                self.coerce_store(&coercions, binary, value, span);
                self.emit(Op::SetField(slot), field.span);
                true
            }
            Some(Member::Method(_)) => {
                self.error(
                    field.span,
                    format!("cannot assign to method `{}`", field.name),
                );
                true
            }
            Some(Member::Field(_)) => false,
            None => {
                self.missing_member(&frame, field);
                true
            }
        }
    }

    /// `Frame.static op= value` (`frame` is a key).
    pub(crate) fn static_assign(
        &mut self,
        frame: &str,
        field: &Ident,
        binary: Option<Op>,
        value: &Expr,
        span: Span,
    ) {
        let info = self.objects.frames[frame].clone();
        let Some(s) = info.statics.get(&field.name) else {
            self.error(
                field.span,
                format!("frame `{}` has no static field `{}`", info.name, field.name),
            );
            return;
        };
        self.check_visibility(&s.owner, &field.name, s.visibility, field.span);
        if let Some(op) = binary {
            self.emit(Op::GetGlobal(s.global), field.span);
            self.expr(value);
            self.emit(op, span);
        } else {
            self.expr(value);
        }
        self.convert_to_declared(s.ty.as_ref(), span);
        self.emit(Op::SetGlobal(s.global), field.span);
    }

    // ----------------------------------------------------------- calls

    /// `Name(args)` where `Name` (used at node `id`) is a frame or an
    /// enum variant; false when it is neither (its binding is a variable,
    /// a function or nothing).
    pub(crate) fn object_call(&mut self, id: NodeId, name: &str, args: &[Arg], span: Span) -> bool {
        if let Some(frame) = self.object_of(id, ObjectKind::Frame) {
            self.construct(&frame, args, span);
            return true;
        }
        if let Some(enum_name) = self.variant_enum_of(id) {
            let variant = Ident::synthetic(name.to_string(), span);
            self.enum_variant_value(&enum_name, &variant, args, span, true);
            return true;
        }
        false
    }

    /// A frame or variant name (used at node `id`) as a value; false when
    /// it is neither.
    pub(crate) fn object_name(&mut self, id: NodeId, name: &str, span: Span) -> bool {
        if let Some(frame) = self.object_of(id, ObjectKind::Frame) {
            self.frame_value(&frame, span);
            return true;
        }
        if let Some(enum_name) = self.variant_enum_of(id) {
            let variant = Ident::synthetic(name.to_string(), span);
            self.enum_variant_value(&enum_name, &variant, &[], span, false);
            return true;
        }
        false
    }

    /// Frame `frame` (a key) as a value: its class.
    pub(crate) fn frame_value(&mut self, frame: &str, span: Span) {
        let info = self.objects.frames[frame].clone();
        let class = info.class;
        let init = info
            .method_slot("init")
            .map(|slot| info.vtable[slot].function);
        let unmade = self.program.classes[class as usize].value_makers.is_empty();
        if let (Some(init), false, true) = (init, info.is_abstract, unmade) {
            let maker = self.init_maker(frame, init, span);
            self.program.classes[class as usize].value_makers = vec![maker];
        }
        let without_init = init.is_none() && !info.is_abstract;
        if without_init && unmade {
            // Called as a value, the class takes positional field values
            // only: one constructor per count of them.
            let makers = (0..=info.fields.len())
                .map(|given| {
                    self.maker(
                        frame,
                        (0..info.fields.len()).map(|slot| slot < given).collect(),
                        span,
                    )
                })
                .collect();
            self.program.classes[class as usize].value_makers = makers;
        }
        self.emit(Op::Class(class), span);
    }

    /// `Frame(args)` (`frame` is a key): a new instance with every field at
    /// its default (or its type's zero value), then `init` with the
    /// arguments; without an `init` the arguments are field values by
    /// position or name.
    pub(crate) fn construct(&mut self, frame: &str, args: &[Arg], span: Span) {
        let info = self.objects.frames[frame].clone();
        let name = info.name.as_str();
        if info.is_abstract {
            // Reported by the checker ("cannot instantiate abstract frame").
            self.emit(Op::Nil, span);
            return;
        }
        let init = info
            .method_slot("init")
            .map(|slot| info.vtable[slot].clone());
        let field_names: Vec<String> = info.fields.iter().map(|f| f.name.clone()).collect();
        let given = match &init {
            Some(_) => None,
            None => match self.match_args(name, &field_names, 0, args, span) {
                Some(given) => Some(given),
                None => return,
            },
        };
        if self.construct_out_of_line(frame) {
            self.call_maker(&info, given.as_deref(), span);
        } else {
            self.objects.constructing.push(frame.to_string());
            let filling = self.begin_instance(&info, span);
            for (slot, field) in info.fields.iter().enumerate() {
                let value = given.as_ref().and_then(|g| g[slot]);
                if value.is_none() && field.default.is_none() && field.ty.is_none() {
                    self.nil_field(filling, span);
                    continue;
                }
                self.before_field(filling, span);
                let declared_in =
                    super::objects::key_module(&field.owner).unwrap_or(self.current_module);
                match (value, &field.default) {
                    (Some(v), _) => self.expr(v),
                    // A default is written in its frame's module.
                    (None, Some(d)) => self.in_module(declared_in, |gen| gen.expr(d)),
                    (None, None) => {
                        self.in_module(declared_in, |gen| gen.zero_value(field.ty.as_ref(), span))
                    }
                }
                if let Some(ty) = &field.ty {
                    let coercions = self.coercions(ty);
                    match value.or(field.default.as_ref()) {
                        Some(v) => self.coerce_value(&coercions, v, span),
                        None => self.coerce(&coercions, span),
                    }
                }
                self.after_field(filling, slot, span);
            }
            self.end_instance(filling, &info, span);
            self.objects.constructing.pop();
        }
        if let Some(init) = init {
            if let Some(given) = self.match_args(name, &init.params, init.required, args, span) {
                self.emit(Op::Dup, span);
                let argc = self.emit_matched(&given, init.required, METHOD_ARGS, span);
                self.emit(Op::CallDirect(init.function, argc + 1), span);
                self.emit(Op::Pop, span);
            }
        }
    }

    /// `object.method(args)`: returns false when the generic `Invoke`
    /// applies (receivers of unknown type calling non-frame methods).
    pub(crate) fn method_call(
        &mut self,
        object: &Expr,
        method: &Ident,
        args: &[Arg],
        span: Span,
    ) -> bool {
        if matches!(object.kind, ExprKind::Super) {
            self.super_call(method, args, span);
            return true;
        }
        if let Some(frame) = self.frame_named_by(object) {
            self.static_call(&frame, method, args, span);
            return true;
        }
        if let Some(enum_key) = self.enum_named_by(object) {
            self.enum_variant_value(&enum_key, method, args, span, true);
            return true;
        }
        if let Some(ty) = self.static_type(object) {
            if !ty.is_trait {
                let frame = self.objects.frames[&ty.name].clone();
                match self.lookup_member(&frame, method) {
                    Some(Member::Method(slot)) if ty.certain => {
                        let entry = frame.vtable[slot].clone();
                        if let Some(given) =
                            self.match_args(&method.name, &entry.params, entry.required, args, span)
                        {
                            self.expr(object);
                            let argc = self.emit_matched(&given, entry.required, METHOD_ARGS, span);
                            if self.types.type_of(object.id).is_none() {
                                // The checker does not know the receiver
                                // (`var o: any = Frame()`): it checked no
                                // argument, so the method checks them.
                                let k = self.str_constant(&method.name);
                                self.emit(Op::Invoke(k, argc, Dispatch::Any), span);
                            } else if ty.exact || frame.final_slot[slot] {
                                self.emit(Op::CallDirect(entry.function, argc + 1), span);
                            } else {
                                self.emit(Op::InvokeSlot(slot as u16, argc), span);
                            }
                        }
                        return true;
                    }
                    None => {
                        self.missing_member(&frame, method);
                        // Keeps the stack shape of a call for the code after.
                        self.emit(Op::Nil, span);
                        return true;
                    }
                    Some(_) => {}
                }
            }
        }
        if !self.objects.method_names.contains(&method.name) {
            return false;
        }
        if args.iter().any(|arg| arg.name.is_some()) {
            // Named arguments are matched against the declaration the
            // receiver's static type names; the call still dispatches by
            // name on the instance.
            if let Some((params, required)) = self.declared_method_params(object, method) {
                if let Some(given) = self.match_args(&method.name, &params, required, args, span) {
                    self.expr(object);
                    let argc = self.emit_matched(&given, required, METHOD_ARGS, span);
                    let k = self.str_constant(&method.name);
                    self.emit(Op::Invoke(k, argc, Dispatch::Cached), span);
                }
                return true;
            }
        }
        if self.types.type_of(object.id).is_some() {
            // A receiver typed by a frame or trait it may be a subframe
            // of: the declaration its type names fixes how many arguments
            // a call takes (§3.4), as for a receiver known exactly.
            if let Some((params, required)) = self.declared_method_params(object, method) {
                if self
                    .match_args(&method.name, &params, required, args, span)
                    .is_none()
                {
                    return true;
                }
            }
        }
        self.expr(object);
        self.positional_args(args);
        let k = self.str_constant(&method.name);
        // A receiver the checker does not know: it checked no argument,
        // so the method found checks them (`type_checks.rs`).
        if self.types.type_of(object.id).is_none() {
            self.emit(Op::Invoke(k, args.len() as u8, Dispatch::Any), span);
        } else {
            self.emit(Op::Invoke(k, args.len() as u8, Dispatch::Cached), span);
        }
        true
    }

    /// The parameter names and required count of method `method` as the
    /// static type of `object` (a frame or trait, annotated, inferred by the
    /// checker or certain) declares it.
    fn declared_method_params(
        &mut self,
        object: &Expr,
        method: &Ident,
    ) -> Option<(Vec<String>, usize)> {
        let ty = self
            .static_type(object)
            .or_else(|| self.checked_object_type(object))?;
        if ty.is_trait {
            return self.trait_method_params(&ty.name, &method.name, 0);
        }
        let frame = self.objects.frames.get(&ty.name)?;
        let entry = &frame.vtable[frame.method_slot(&method.name)?];
        Some((entry.params.clone(), entry.required))
    }

    /// Method `name` of trait `key` or of the traits it extends.
    fn trait_method_params(
        &self,
        key: &str,
        name: &str,
        depth: usize,
    ) -> Option<(Vec<String>, usize)> {
        if depth > 64 {
            return None;
        }
        let info = self.objects.traits.get(key)?;
        if let Some(method) = info.required.get(name).or_else(|| info.defaults.get(name)) {
            return Some((method.params.clone(), method.required));
        }
        info.supers
            .iter()
            .find_map(|parent| self.trait_method_params(parent, name, depth + 1))
    }

    /// The frame or trait type the checker proved for `object` (a call
    /// result, an element, a parameter): never `certain`, as only names the
    /// code generator tracks itself are.
    pub(crate) fn checked_object_type(&self, object: &Expr) -> Option<StaticType> {
        let (name, kind) = match self.types.type_of(object.id)?.unrefined() {
            crate::check::Type::Frame(name) => (name.clone(), ObjectKind::Frame),
            crate::check::Type::Trait(name) => (name.clone(), ObjectKind::Trait),
            _ => return None,
        };
        let key = self.checked_object(&name, kind)?;
        Some(StaticType {
            name: key,
            is_trait: kind == ObjectKind::Trait,
            exact: false,
            certain: false,
        })
    }

    /// The method `left op right` calls when the checker proved an operand
    /// an instance of a standard module's frame with arithmetic
    /// (`stdlib::operator_method`), and whether the operands are swapped
    /// for it (`s + d`).
    pub(crate) fn std_operator(
        &self,
        op: BinOp,
        left: &Expr,
        right: &Expr,
    ) -> Option<(&'static str, bool)> {
        // `d - x` with `x` of unknown type: a duration when `x` is a
        // DateTime, an earlier instant when it is seconds, chosen at run
        // time (`dynamic_arithmetic`).
        if op == BinOp::Sub && self.type_unknown(right) {
            return None;
        }
        self.std_assign_operator(op, left, right)
    }

    /// The method `target op= value` calls when the checker proved
    /// `target` an instance of a standard module's frame with arithmetic:
    /// `d -= x` steps `d` back by `x` seconds whatever `x`'s type.
    pub(crate) fn std_assign_operator(
        &self,
        op: BinOp,
        left: &Expr,
        right: &Expr,
    ) -> Option<(&'static str, bool)> {
        if !matches!(op, BinOp::Add | BinOp::Sub) {
            return None;
        }
        match (
            self.std_operator_frame(left),
            self.std_operator_frame(right),
        ) {
            (Some((module, frame)), other) => {
                let same = other.as_ref() == Some(&(module.clone(), frame.clone()));
                crate::stdlib::operator_method(&module, &frame, op, same).map(|m| (m, false))
            }
            (None, Some((module, frame))) if op == BinOp::Add => {
                crate::stdlib::operator_method(&module, &frame, op, false).map(|m| (m, true))
            }
            _ => None,
        }
    }

    /// The standard module and frame of `expr`'s value, when the checker
    /// proved it an instance of a standard module's frame.
    fn std_operator_frame(&self, expr: &Expr) -> Option<(String, String)> {
        let crate::check::Type::Frame(name) = self.types.type_of(expr.id)?.unrefined() else {
            return None;
        };
        let key = self.checked_object(name, ObjectKind::Frame)?;
        let scope = self.module_scopes.get(super::objects::key_module(&key)?)?;
        let file = self.sources.files().get(scope.file as usize)?;
        let module = crate::stdlib::module_of_file(&file.name)?;
        // (Its declared name: the checker may know it as `module.Name`.)
        let name = crate::check::declared_name(name);
        Some((module.to_string(), name.to_string()))
    }

    /// `super.m(args)`: the parent's method, called directly.
    fn super_call(&mut self, method: &Ident, args: &[Arg], span: Span) {
        // Inside a lambda or nested function of a method, `super` reaches
        // the method's receiver as a captured `this` (§7).
        let parent = self
            .current_frame()
            .filter(|_| self.objects.contexts.last().is_some_and(|c| !c.is_static))
            .and_then(|f| self.objects.frames.get(&f).and_then(|i| i.parent.clone()));
        let Some(parent) = parent else {
            self.error_with_hint(
                span,
                "`super` outside a method of a subframe",
                "`super.m(…)` calls the parent frame's `m`",
            );
            return;
        };
        let info = self.objects.frames[&parent].clone();
        let Some(slot) = info.method_slot(&method.name) else {
            self.error(
                method.span,
                format!(
                    "parent frame `{}` has no method `{}`",
                    info.name, method.name
                ),
            );
            return;
        };
        let entry: MethodInfo = info.vtable[slot].clone();
        // A parent's `init` is its constructor, and visibility does not
        // apply to constructing (§7): `super.init(…)` is always allowed.
        if method.name != "init" {
            self.check_visibility(&entry.owner, &method.name, entry.visibility, method.span);
        }
        if let Some(given) =
            self.match_args(&method.name, &entry.params, entry.required, args, span)
        {
            self.this_expr(span);
            let argc = self.emit_matched(&given, entry.required, METHOD_ARGS, span);
            self.emit(Op::CallDirect(entry.function, argc + 1), span);
        }
    }

    /// `Frame.m(args)`: a static method (`frame` is a key).
    pub(crate) fn static_call(&mut self, frame: &str, method: &Ident, args: &[Arg], span: Span) {
        let info = self.objects.frames[frame].clone();
        let frame = &info.name;
        let Some(entry) = info.static_methods.get(&method.name).cloned() else {
            if let Some(s) = info.statics.get(&method.name).cloned() {
                self.check_visibility(&s.owner, &method.name, s.visibility, method.span);
                self.emit(Op::GetGlobal(s.global), method.span);
                self.positional_args(args);
                self.emit(Op::Call(args.len() as u8, false), span);
                return;
            }
            self.error_with_hint(
                method.span,
                format!("frame `{frame}` has no static method `{}`", method.name),
                "instance methods are called on an instance",
            );
            return;
        };
        self.check_visibility(&entry.owner, &method.name, entry.visibility, method.span);
        if let Some(given) =
            self.match_args(&method.name, &entry.params, entry.required, args, span)
        {
            let argc = self.emit_matched(&given, entry.required, METHOD_ARGS, span);
            self.emit(Op::CallDirect(entry.function, argc), span);
        }
    }

    /// Matches call arguments to parameter names; reports problems.
    pub(crate) fn match_args<'e>(
        &mut self,
        callee: &str,
        params: &[String],
        required: usize,
        args: &'e [Arg],
        span: Span,
    ) -> Option<Vec<Option<&'e Expr>>> {
        let mut slots: Vec<Option<&Expr>> = vec![None; params.len()];
        let mut position = 0;
        let mut ok = true;
        for arg in args {
            let index = match &arg.name {
                None => {
                    position += 1;
                    position - 1
                }
                Some(arg_name) => match params.iter().position(|p| *p == arg_name.name) {
                    Some(i) => i,
                    None => {
                        self.error_with_hint(
                            arg_name.span,
                            format!("`{callee}` has no parameter named `{}`", arg_name.name),
                            &format!("its parameters are: {}", params.join(", ")),
                        );
                        ok = false;
                        continue;
                    }
                },
            };
            if index >= slots.len() {
                self.error_with_hint(
                    arg.value.span,
                    format!(
                        "too many arguments: `{callee}` takes {} but {} were given",
                        params.len(),
                        args.len()
                    ),
                    "remove the extra arguments",
                );
                return None;
            }
            if slots[index].is_some() {
                self.error(
                    arg.value.span,
                    format!("argument `{}` given twice", params[index]),
                );
                ok = false;
            }
            slots[index] = Some(&arg.value);
        }
        let missing: Vec<&str> = (0..required)
            .filter(|&i| slots[i].is_none())
            .map(|i| params[i].as_str())
            .collect();
        if !missing.is_empty() {
            self.error_with_hint(
                span,
                format!(
                    "missing argument{} to `{callee}`: {}",
                    if missing.len() > 1 { "s" } else { "" },
                    missing.join(", ")
                ),
                &format!("`{callee}` takes ({})", params.join(", ")),
            );
            return None;
        }
        ok.then_some(slots)
    }

    /// Pushes matched arguments (nil for omitted ones before the last
    /// given); returns how many were pushed. More than `max` (the most the
    /// call instruction's operand can count) is reported.
    pub(crate) fn emit_matched(
        &mut self,
        slots: &[Option<&Expr>],
        required: usize,
        max: usize,
        span: Span,
    ) -> u8 {
        let passed = slots
            .iter()
            .rposition(Option::is_some)
            .map_or(0, |i| i + 1)
            .max(required);
        for slot in &slots[..passed] {
            match slot {
                Some(value) => {
                    self.expr(value);
                    self.check_argument_elements(value);
                }
                None => {
                    self.emit(Op::Nil, span);
                }
            }
        }
        if passed > max {
            self.error(span, "a call takes at most 255 arguments");
        }
        passed.min(max) as u8
    }
}
