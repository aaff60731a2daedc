//! Enums and inline tagged unions (reference.md §7), and the frame and
//! variant patterns of `match` (§8). (Exhaustiveness of a `match` on an
//! enum is the type checker's rule: `check/patterns.rs`.)
//!
//! Variants are written `Color.Red`, `Msg.Move(1, 2)`, `module.Color.Red`,
//! or unqualified (`Red`, `Move(1, 2)`) when exactly one enum in scope
//! declares that variant (the module's own enums first, then those of the
//! modules it imports) and no variable or frame of that name is in scope.

use super::checks::Coercion;
use super::objects::{EnumInfo, ObjectKind};
use super::Codegen;
use limit_bytecode::opcode::Op;
use limit_syntax::ast::*;
use limit_syntax::Span;

fn capitalised(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase)
}

impl Codegen<'_> {
    /// The key of the enum the name used at node `id` denotes (its
    /// binding: a variable or frame of that name denotes no enum).
    pub(crate) fn enum_named(&self, id: NodeId) -> Option<String> {
        self.object_of(id, ObjectKind::Enum)
    }

    /// The enum an expression names: `Enum` or `module.Enum`.
    pub(crate) fn enum_named_by(&mut self, expr: &Expr) -> Option<String> {
        match &expr.kind {
            ExprKind::Ident(_) => self.enum_named(expr.id),
            ExprKind::Field(object, member) => {
                self.namespace_object(object, member, ObjectKind::Enum)
            }
            _ => None,
        }
    }

    fn variant_of(&mut self, enum_key: &str, variant: &Ident) -> Option<(EnumInfo, u16, usize)> {
        let info = self.objects.enums[enum_key].clone();
        let enum_name = info.name.as_str();
        match info.variants.iter().position(|(v, _)| *v == variant.name) {
            Some(tag) => {
                let arity = info.variants[tag].1;
                Some((info, tag as u16, arity))
            }
            None => {
                let names: Vec<&str> = info.variants.iter().map(|(v, _)| v.as_str()).collect();
                self.error_with_hint(
                    variant.span,
                    format!("enum `{enum_name}` has no variant `{}`", variant.name),
                    &format!("its variants are: {}", names.join(", ")),
                );
                None
            }
        }
    }

    /// `Enum.Variant` (`called` false) or `Enum.Variant(args)`; `enum_key`
    /// is a key.
    pub(crate) fn enum_variant_value(
        &mut self,
        enum_key: &str,
        variant: &Ident,
        args: &[Arg],
        span: Span,
        called: bool,
    ) {
        let Some((info, tag, arity)) = self.variant_of(enum_key, variant) else {
            self.emit(Op::Nil, span);
            return;
        };
        if args.len() != arity || (arity > 0 && !called) {
            self.error_with_hint(
                span,
                format!(
                    "variant `{}.{}` takes {arity} value{} but {} were given",
                    info.name,
                    variant.name,
                    if arity == 1 { "" } else { "s" },
                    args.len()
                ),
                &format!(
                    "write `{}.{}({})`",
                    info.name,
                    variant.name,
                    vec!["…"; arity].join(", ")
                ),
            );
            self.emit(Op::Nil, span);
            return;
        }
        for (index, arg) in args.iter().enumerate() {
            if let Some(name) = &arg.name {
                self.error(name.span, "enum payloads are positional");
            }
            self.expr(&arg.value);
            if let Some(ty) = info.payload_types[tag as usize].get(index) {
                let coercions = self.coercions(ty);
                self.coerce_value(&coercions, &arg.value, arg.value.span);
            }
        }
        if arity > u8::MAX as usize {
            self.error(span, "an enum variant holds at most 255 values");
            return;
        }
        self.emit(Op::NewEnum(info.id, tag, arity as u8), span);
    }

    // --------------------------------------------------------- patterns

    /// A bare name in a pattern that names a frame (instance test), an enum
    /// (type test) or a capitalised unique variant; false otherwise.
    pub(crate) fn object_name_pattern(
        &mut self,
        name: &Ident,
        subject: u16,
        fails: &mut Vec<usize>,
    ) -> bool {
        let span = name.span;
        // What the resolve stage bound the name to (a variable or function
        // of that name hides every type).
        match self.any_object_of(name.id) {
            Some((ObjectKind::Frame, frame)) => {
                self.instance_test(&frame, subject, span, fails);
                return true;
            }
            Some((ObjectKind::Enum, enum_key)) => {
                self.enum_type_test(&enum_key, subject, span, fails);
                return true;
            }
            Some((ObjectKind::Trait, trait_key)) => {
                let check = limit_bytecode::type_check::TypeCheck::Trait(trait_key);
                let constant = self.str_constant(&check.to_constant(&name.name));
                self.emit(Op::GetLocal(subject), span);
                self.emit(Op::IsType(constant), span);
                fails.push(self.emit(Op::JumpIf(false, 0), span));
                return true;
            }
            None => {}
        }
        if self.alias_of(name.id).is_some() {
            self.alias_pattern(name, subject, fails);
            return true;
        }
        if capitalised(&name.name) {
            if let Some(enum_key) = self.variant_enum_of(name.id) {
                self.variant_test(&enum_key, name, None, subject, span, fails);
                return true;
            }
        }
        false
    }

    /// An alias named as a type pattern (`Small => …` with `type Small =
    /// int where value < 10`): fails unless the subject is of the aliased
    /// type and meets each refinement's condition on the way.
    fn alias_pattern(&mut self, name: &Ident, subject: u16, fails: &mut Vec<usize>) {
        let span = name.span;
        let alias = TypeExpr {
            kind: TypeKind::Named(vec![name.clone()]),
            span,
        };
        if let Some(check) = self.annotation_check(&alias) {
            self.emit(Op::GetLocal(subject), span);
            self.emit(Op::IsType(check), span);
            fails.push(self.emit(Op::JumpIf(false, 0), span));
        }
        for coercion in self.coercions(&alias) {
            let Coercion::Refinement { condition, .. } = coercion else {
                continue;
            };
            self.begin_scope();
            // The resolve stage declares `value` by the condition's id.
            let slot = self.add_declared_local("value", Some(condition.id), false, true);
            self.emit(Op::GetLocal(subject), span);
            self.emit(Op::SetLocal(slot), span);
            fails.extend(self.condition_jumps(&condition));
            self.end_scope();
        }
    }

    /// Fails unless the subject is an instance of frame `frame` (a key) or
    /// of a subframe.
    fn instance_test(&mut self, frame: &str, subject: u16, span: Span, fails: &mut Vec<usize>) {
        let class = self.objects.frames[frame].class;
        self.emit(Op::GetLocal(subject), span);
        self.emit(Op::IsInstance(class), span);
        fails.push(self.emit(Op::JumpIf(false, 0), span));
    }

    /// Fails unless the subject is a value of enum `enum_key`. Its type name
    /// tells when no other enum has the same name; else each variant is
    /// tested.
    fn enum_type_test(&mut self, enum_key: &str, subject: u16, span: Span, fails: &mut Vec<usize>) {
        let info = self.objects.enums[enum_key].clone();
        let same_name = self
            .objects
            .enums
            .iter()
            .any(|(key, other)| key != enum_key && other.name == info.name);
        if !same_name {
            self.emit(Op::GetLocal(subject), span);
            self.emit_type_name(span);
            let k = self.str_constant(&info.name);
            self.emit(Op::Const(k), span);
            fails.push(self.emit(Op::JumpIfNotEqual(false, 0), span));
            return;
        }
        let mut matched = Vec::new();
        for tag in 0..info.variants.len() {
            self.emit(Op::GetLocal(subject), span);
            self.emit(Op::IsVariant(info.id, tag as u16), span);
            matched.push(self.emit(Op::JumpIf(true, 0), span));
        }
        fails.push(self.emit(Op::Jump(0), span));
        for jump in matched {
            self.patch_jump(jump);
        }
    }

    /// `Enum.Variant(p…)`, `module.Enum.Variant(p…)` or `Variant(p…)`, and
    /// `module.Frame` (an instance test); false when the path names no
    /// enum variant (error kinds are handled by the caller).
    pub(crate) fn enum_variant_pattern(
        &mut self,
        path: &[Ident],
        args: Option<&[Pattern]>,
        subject: u16,
        span: Span,
        fails: &mut Vec<usize>,
    ) -> bool {
        match path {
            [namespace, enum_name, variant] => {
                match self.namespace_ident_object(
                    namespace.id,
                    &namespace.name,
                    enum_name,
                    ObjectKind::Enum,
                ) {
                    Some(enum_key) => {
                        self.variant_test(&enum_key, variant, args, subject, span, fails)
                    }
                    None => {
                        self.error(
                            enum_name.span,
                            format!("unknown enum `{}.{}`", namespace.name, enum_name.name),
                        );
                        self.bind_after_error(args, fails);
                    }
                }
                true
            }
            [first, second] => {
                if let Some(enum_key) = self.enum_named(first.id) {
                    self.variant_test(&enum_key, second, args, subject, span, fails);
                    return true;
                }
                if args.is_none() {
                    let frame = self.namespace_ident_object(
                        first.id,
                        &first.name,
                        second,
                        ObjectKind::Frame,
                    );
                    if let Some(frame) = frame {
                        self.instance_test(&frame, subject, span, fails);
                        return true;
                    }
                    let enum_key = self.namespace_ident_object(
                        first.id,
                        &first.name,
                        second,
                        ObjectKind::Enum,
                    );
                    if let Some(enum_key) = enum_key {
                        self.enum_type_test(&enum_key, subject, span, fails);
                        return true;
                    }
                }
                let message = format!("unknown enum `{}`", first.name);
                match self.unbound_object_hint(&first.name) {
                    Some(hint) => self.error_with_hint(first.span, message, &hint),
                    None => self.error(first.span, message),
                }
                self.bind_after_error(args, fails);
                true
            }
            [variant] => match self.variant_enum_of(variant.id) {
                Some(enum_key) => {
                    self.variant_test(&enum_key, variant, args, subject, span, fails);
                    true
                }
                None => false,
            },
            _ => false,
        }
    }

    /// The names a payload pattern naming no variant binds, bound to
    /// `nil` (nothing runs: the program has an error) so that the arm's
    /// uses of them report nothing more.
    fn bind_after_error(&mut self, args: Option<&[Pattern]>, fails: &mut Vec<usize>) {
        for arg in args.unwrap_or_default() {
            let item = self.hidden_slot();
            self.emit(Op::Nil, arg.span);
            self.emit(Op::SetLocal(item), arg.span);
            self.pattern_test(arg, item, fails);
        }
    }

    fn variant_test(
        &mut self,
        enum_key: &str,
        variant: &Ident,
        args: Option<&[Pattern]>,
        subject: u16,
        span: Span,
        fails: &mut Vec<usize>,
    ) {
        let Some((info, tag, arity)) = self.variant_of(enum_key, variant) else {
            return;
        };
        self.emit(Op::GetLocal(subject), span);
        self.emit(Op::IsVariant(info.id, tag), span);
        fails.push(self.emit(Op::JumpIf(false, 0), span));
        let Some(args) = args else { return };
        if args.len() != arity {
            self.error(
                span,
                format!(
                    "variant `{}.{}` has {arity} value{} but the pattern has {}",
                    info.name,
                    variant.name,
                    if arity == 1 { "" } else { "s" },
                    args.len()
                ),
            );
            return;
        }
        for (i, arg) in args.iter().enumerate() {
            let item = self.hidden_slot();
            self.emit(Op::GetLocal(subject), arg.span);
            self.emit(Op::GetPayload(i as u16), arg.span);
            self.emit(Op::SetLocal(item), arg.span);
            self.pattern_test(arg, item, fails);
        }
    }

    /// `Point { x, y: p }` or `module.Point { … }`: an instance of the
    /// frame (or a subframe) whose fields match.
    pub(crate) fn frame_pattern(
        &mut self,
        path: &[Ident],
        fields: &[FieldPattern],
        subject: u16,
        span: Span,
        fails: &mut Vec<usize>,
    ) {
        let (frame, name) = match path {
            [name] => (self.object_of(name.id, ObjectKind::Frame), name),
            [namespace, name] => (
                self.namespace_ident_object(namespace.id, &namespace.name, name, ObjectKind::Frame),
                name,
            ),
            _ => {
                self.error(span, "a frame pattern names one frame");
                return;
            }
        };
        let Some(info) = frame.and_then(|f| self.objects.frames.get(&f).cloned()) else {
            let message = format!("unknown frame `{}`", name.name);
            match self
                .unbound_object_hint(&name.name)
                .filter(|_| path.len() == 1)
            {
                Some(hint) => self.error_with_hint(name.span, message, &hint),
                None => self.error(name.span, message),
            }
            // The field names still bind (nothing runs), so that the arm's
            // uses of them report nothing more.
            for field in fields.iter().filter(|field| field.pattern.is_none()) {
                self.emit(Op::Nil, field.name.span);
                self.bind_new_variable(&field.name, false);
            }
            return;
        };
        self.instance_test(&info.key, subject, span, fails);
        for field in fields {
            let Some(slot) = info.field_slot(&field.name.name) else {
                self.error(
                    field.name.span,
                    format!("frame `{}` has no field `{}`", info.name, field.name.name),
                );
                continue;
            };
            self.emit(Op::GetLocalField(subject, slot as u16), field.name.span);
            match &field.pattern {
                None => self.bind_new_variable(&field.name, false),
                Some(pattern) => {
                    let value = self.hidden_slot();
                    self.emit(Op::SetLocal(value), field.name.span);
                    self.pattern_test(pattern, value, fails);
                }
            }
        }
    }
}
