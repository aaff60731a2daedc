//! Bare member names inside methods, `init` and `deinit` (reference.md §7
//! Decision): a name that is not a local or parameter refers to a field of
//! `this` (own or inherited), then to a static member of the frame, before
//! globals. `count = count + 1` is `this.count = this.count + 1`, and
//! assigning such a name never declares a new variable.

use super::Codegen;
use limit_bytecode::opcode::Op;
use limit_syntax::ast::{Arg, Expr, ExprKind, Ident, NodeId};
use limit_syntax::Span;

/// What a bare name inside a method denotes, when it is a member.
pub(crate) enum BareMember {
    /// An instance field: `this.name`.
    Field,
    /// A static field or method of the frame (its key).
    Static(String),
}

impl Codegen<'_> {
    /// The member a bare `name` (used at node `id`) denotes here: inside
    /// a method of a frame (or a function nested in one), when no local or
    /// parameter of the method or of the functions nested in it is called
    /// `name`. The resolve stage decided that and which member it is
    /// (`Binding::Member`: a static one, else an instance field); only a
    /// name the code generator made (synthetic) is looked for among the
    /// locals and the frame's members by text.
    pub(crate) fn bare_member(&self, id: NodeId, name: &str) -> Option<BareMember> {
        let context = self.objects.contexts.last()?;
        if context.is_trait {
            return None;
        }
        match self.bindings.of(id) {
            Some(crate::resolve::Binding::Member(decl)) => {
                return if self.objects.static_members.contains(&decl) {
                    Some(BareMember::Static(context.owner.clone()))
                } else {
                    (!context.is_static).then_some(BareMember::Field)
                };
            }
            None if id.is_synthetic() => {
                let method_and_nested = self.functions.get(context.level..)?;
                if method_and_nested.iter().any(|f| f.has_local(name)) {
                    return None;
                }
            }
            _ => return None,
        }
        let frame = self.objects.frames.get(&context.owner)?;
        if !context.is_static && frame.field_slot(name).is_some() {
            return Some(BareMember::Field);
        }
        let is_static = frame.statics.contains_key(name) || frame.static_methods.contains_key(name);
        is_static.then(|| BareMember::Static(context.owner.clone()))
    }

    /// Reads the bare member `name` (see [`Codegen::bare_member`]); false
    /// when `name` is not one.
    pub(crate) fn bare_member_get(&mut self, id: NodeId, name: &str, span: Span) -> bool {
        let ident = Ident::synthetic(name.to_string(), span);
        match self.bare_member(id, name) {
            Some(BareMember::Field) => {
                self.expr(&this_field(ident, span));
                true
            }
            Some(BareMember::Static(frame)) => {
                self.static_get(&frame, &ident);
                true
            }
            None => false,
        }
    }

    /// `name op= value` for a bare member; false when `name` is not one.
    pub(crate) fn bare_member_assign(
        &mut self,
        id: NodeId,
        name: &str,
        target_span: Span,
        binary: Option<Op>,
        value: &Expr,
        span: Span,
    ) -> bool {
        let ident = Ident::synthetic(name.to_string(), target_span);
        match self.bare_member(id, name) {
            Some(BareMember::Field) => {
                let this = Expr {
                    id: NodeId::SYNTHETIC,
                    kind: ExprKind::This,
                    span: target_span,
                };
                // The checker records the target's type where it checked
                // the value against the field's (not in a closure's copy
                // of `this`, nor a trait's default method).
                let checked = self.types.type_of(id).is_some();
                if !self.field_assign(&this, &ident, binary, value, span, checked) {
                    // A receiver of unknown frame (a closure's copy of
                    // `this`): by name, as `this.name op= value` would.
                    self.this_expr(target_span);
                    let key = self.str_constant(name);
                    if let Some(op) = binary {
                        self.emit(Op::Dup, span);
                        self.emit(Op::GetFieldByName(key), target_span);
                        self.expr(value);
                        self.emit(op, span);
                    } else {
                        self.expr(value);
                    }
                    // The field's type converts the value as through `this`
                    // (the method's frame declares or inherits it; in a
                    // trait's default method, found at run time).
                    match self.own_field_coercions(name) {
                        Some(coercions) => self.coerce_store(&coercions, binary, value, span),
                        None => {
                            if binary.is_some() {
                                self.check_compound_result(value, span);
                            }
                            self.coerce_dynamic_field(name, span)
                        }
                    }
                    self.emit(Op::SetFieldByName(key), target_span);
                }
                true
            }
            Some(BareMember::Static(frame)) => {
                self.static_assign(&frame, &ident, binary, value, span);
                true
            }
            None => false,
        }
    }

    /// `name(args)` for a bare static method, a static field or an instance
    /// field holding a function; false when `name` is not a member.
    pub(crate) fn bare_member_call(
        &mut self,
        id: NodeId,
        name: &str,
        callee_span: Span,
        args: &[Arg],
        span: Span,
    ) -> bool {
        let ident = Ident::synthetic(name.to_string(), callee_span);
        match self.bare_member(id, name) {
            Some(BareMember::Static(frame)) => self.static_call(&frame, &ident, args, span),
            // A field holding a function: `loader(k)` is `(this.loader)(k)`.
            Some(BareMember::Field) => {
                self.expr(&this_field(ident, callee_span));
                self.positional_args(args);
                self.emit(Op::Call(args.len() as u8, false), span);
            }
            None => return false,
        }
        true
    }
}

impl Codegen<'_> {
    /// Inside a method, a bare call of one of the frame's instance
    /// methods: §7 makes bare names fields (and static members), not
    /// methods, so the hint shows the call on `this`.
    pub(crate) fn own_method_hint(&self, name: &str) -> Option<String> {
        let frame = self.current_frame()?;
        let info = self.objects.frames.get(&frame)?;
        info.method_slot(name)?;
        Some(format!(
            "`{name}` is a method of `{}`: call it on the instance, `this.{name}(…)`",
            crate::codegen::objects::plain_name(&frame)
        ))
    }
}

/// `this.name`, spanning the bare name.
fn this_field(name: Ident, span: Span) -> Expr {
    Expr {
        id: NodeId::SYNTHETIC,
        kind: ExprKind::Field(
            Box::new(Expr {
                id: NodeId::SYNTHETIC,
                kind: ExprKind::This,
                span,
            }),
            Box::new(name),
        ),
        span,
    }
}
