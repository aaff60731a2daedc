//! Enums and inline tagged unions (LANGUAGE.md §7), and the frame and
//! variant patterns of `match` (§8). (Exhaustiveness of a `match` on an
//! enum is the type checker's rule: `check/patterns.rs`.)
//!
//! Variants are written `Color.Red`, `Msg.Move(1, 2)`, or unqualified
//! (`Red`, `Move(1, 2)`) when exactly one enum declares that name and no
//! variable or frame of that name is in scope.

use super::objects::EnumInfo;
use super::Codegen;
use limit_syntax::ast::*;
use limit_syntax::Span;
use limit_vm::opcode::Op;

fn capitalised(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase)
}

impl Codegen<'_> {
    /// Whether `name` denotes an enum here (not shadowed by a variable).
    pub(crate) fn names_enum(&mut self, name: &str) -> bool {
        self.objects.enums.contains_key(name)
            && !self.shadowed(name)
            && !self.objects.frames.contains_key(name)
    }

    /// The enum declaring variant `name`, when exactly one does and the name
    /// is not a frame.
    pub(crate) fn unique_variant(&self, name: &str) -> Option<String> {
        if self.objects.frames.contains_key(name) {
            return None;
        }
        match self.objects.variant_owners.get(name).map(Vec::as_slice) {
            Some([one]) => Some(one.clone()),
            _ => None,
        }
    }

    fn variant_of(&mut self, enum_name: &str, variant: &Ident) -> Option<(EnumInfo, u16, usize)> {
        let info = self.objects.enums[enum_name].clone();
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

    /// `Enum.Variant` (`called` false) or `Enum.Variant(args)`.
    pub(crate) fn enum_variant_value(
        &mut self,
        enum_name: &str,
        variant: &Ident,
        args: &[Arg],
        span: Span,
        called: bool,
    ) {
        let Some((info, tag, arity)) = self.variant_of(enum_name, variant) else {
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
        for arg in args {
            if let Some(name) = &arg.name {
                self.error(name.span, "enum payloads are positional");
            }
            self.expr(&arg.value);
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
        if self.shadowed(&name.name) {
            return false;
        }
        if let Some(class) = self.objects.frames.get(&name.name).map(|f| f.class) {
            self.emit(Op::GetLocal(subject), span);
            self.emit(Op::IsInstance(class), span);
            fails.push(self.emit(Op::JumpIfFalse(0), span));
            return true;
        }
        if self.objects.enums.contains_key(&name.name) {
            self.emit(Op::GetLocal(subject), span);
            self.emit(Op::TypeOf, span);
            let k = self.str_constant(&name.name);
            self.emit(Op::Const(k), span);
            fails.push(self.emit(Op::JumpIfNotEq(0), span));
            return true;
        }
        if capitalised(&name.name) {
            if let Some(enum_name) = self.unique_variant(&name.name) {
                self.variant_test(&enum_name, name, None, subject, span, fails);
                return true;
            }
        }
        false
    }

    /// `Enum.Variant(p…)` or `Variant(p…)`; false when the path names no
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
            [enum_name, variant] => {
                if !self.objects.enums.contains_key(&enum_name.name) {
                    self.error(enum_name.span, format!("unknown enum `{}`", enum_name.name));
                    return true;
                }
                let enum_name = enum_name.name.clone();
                self.variant_test(&enum_name, variant, args, subject, span, fails);
                true
            }
            [variant] => match self.unique_variant(&variant.name) {
                Some(enum_name) => {
                    self.variant_test(&enum_name, variant, args, subject, span, fails);
                    true
                }
                None => false,
            },
            _ => false,
        }
    }

    fn variant_test(
        &mut self,
        enum_name: &str,
        variant: &Ident,
        args: Option<&[Pattern]>,
        subject: u16,
        span: Span,
        fails: &mut Vec<usize>,
    ) {
        let Some((info, tag, arity)) = self.variant_of(enum_name, variant) else {
            return;
        };
        self.emit(Op::GetLocal(subject), span);
        self.emit(Op::IsVariant(info.id, tag), span);
        fails.push(self.emit(Op::JumpIfFalse(0), span));
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

    /// `Point { x, y: p }`: an instance of the frame (or a subframe) whose
    /// fields match.
    pub(crate) fn frame_pattern(
        &mut self,
        path: &[Ident],
        fields: &[FieldPattern],
        subject: u16,
        span: Span,
        fails: &mut Vec<usize>,
    ) {
        let [name] = path else {
            self.error(span, "a frame pattern names one frame");
            return;
        };
        let Some(info) = self.objects.frames.get(&name.name).cloned() else {
            self.error(name.span, format!("unknown frame `{}`", name.name));
            return;
        };
        self.emit(Op::GetLocal(subject), span);
        self.emit(Op::IsInstance(info.class), span);
        fails.push(self.emit(Op::JumpIfFalse(0), span));
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
