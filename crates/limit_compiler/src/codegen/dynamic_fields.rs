//! Field stores whose receiver's frame is not known at compile time
//! (`var a: any = px; a.g = 300`, `this.g = v` in a trait's default
//! method). A store through a receiver of known frame converts or checks
//! the value for the field's declared type inline (`checks.rs`); here the
//! frame is found at run time, so the same conversion runs out of line:
//!
//! * every field with a declared type (`int`, `u8`, `dN`, `float`, a
//!   refinement, `[u8]`, a frame, …; reference.md §3: a value from `any`
//!   is checked as it enters) gets a *coercer*, a function of the
//!   value compiled at the end of its frame's module (so a refinement's
//!   condition sees that module's names), which returns the value as the
//!   field holds it;
//! * a store `object.g = v` through an unknown receiver, where some frame
//!   of the program declares such a field `g`, calls the *dispatcher* of
//!   `g` with the receiver and the value: it tests the receiver against
//!   each frame declaring a coerced `g` (`IsInstance`, subframes included)
//!   and calls that frame's coercer, else returns the value unchanged.
//!
//! Only stores by a name some frame declares with such a type pay the
//! call; every other untyped store stays one `SetFieldByName`. The names
//! are collected from every module before any code is generated, so a
//! module's store reaches the frames of modules compiled after it; the
//! dispatchers are compiled again at the end of each module, the last time
//! with every frame known. In an interactive session an earlier chunk's
//! code already runs and is never compiled again: a later chunk's stores
//! get a dispatcher of their own, compiled at its end.

use super::objects::{key_module, FrameInfo};
use super::{finish_proto, Codegen, FunctionKind, FunctionState};
use limit_bytecode::opcode::Op;
use limit_bytecode::program::FunctionProto;
use limit_syntax::ast::{Member, Stmt, StmtKind};
use limit_syntax::Span;
use rustc_hash::{FxHashMap, FxHashSet};

/// The code generator's record of coerced fields and their dispatchers.
#[derive(Clone, Debug, Default)]
pub(crate) struct DynamicFields {
    /// Names of the fields some frame declares with a type that converts
    /// or checks the values stored in it.
    names: FxHashSet<String>,
    /// Each coerced field: its frame's class, its name, its coercer.
    coercers: Vec<(u32, String, u32)>,
    /// Frames (keys) whose coercers are compiled.
    compiled: FxHashSet<String>,
    /// The dispatcher of each field name stored through an unknown
    /// receiver.
    dispatchers: FxHashMap<String, u32>,
    /// Functions below this index already run in a VM (an interactive
    /// session's earlier chunks, which receive only new functions): a
    /// dispatcher there is never compiled again; a later chunk's stores
    /// get a dispatcher of their own.
    pub delivered: u32,
}

impl Codegen<'_> {
    /// Notes the fields of the frames declared in `stmts` whose declared
    /// types convert or check (with the aliases in scope).
    pub(crate) fn note_coerced_fields(&mut self, stmts: &[Stmt]) {
        for stmt in stmts {
            match &stmt.kind {
                StmtKind::Frame(decl) => {
                    for member in &decl.members {
                        let Member::Field(field) = member else {
                            continue;
                        };
                        let Some(ty) = field.ty.as_ref().filter(|_| !field.is_static) else {
                            continue;
                        };
                        if is_checked_annotation(ty) || !self.coercions(ty).is_empty() {
                            self.objects
                                .dynamic_fields
                                .names
                                .insert(field.name.name.clone());
                        }
                    }
                }
                StmtKind::ModuleBlock(block) => self.note_coerced_fields(&block.stmts),
                _ => {}
            }
        }
    }

    /// The dispatcher a store of field `name` through a receiver of
    /// unknown frame must call (`[object, object, value] -> [value]`), if
    /// some frame declares a field `name` whose type converts or checks.
    pub(crate) fn dynamic_field_dispatcher(&mut self, name: &str) -> Option<u32> {
        let fields = &mut self.objects.dynamic_fields;
        if !fields.names.contains(name) {
            return None;
        }
        if let Some(&function) = fields.dispatchers.get(name) {
            if function >= fields.delivered {
                return Some(function);
            }
            // An earlier chunk's dispatcher already runs as it was: this
            // chunk's stores get their own, compiled at its end with every
            // frame known then.
        }
        let function = self.program.functions.len() as u32;
        self.program.functions.push(FunctionProto::default());
        self.objects
            .dynamic_fields
            .dispatchers
            .insert(name.to_string(), function);
        Some(function)
    }

    /// What a value stored in field `name` of the frame whose method is
    /// being compiled needs, when that frame (not a trait) is known.
    pub(crate) fn own_field_coercions(
        &mut self,
        name: &str,
    ) -> Option<Vec<super::checks::Coercion>> {
        let frame = self.current_frame()?;
        let ty = self
            .objects
            .frames
            .get(&frame)?
            .fields
            .iter()
            .find(|field| field.name == name)
            .map(|field| field.ty.clone())?;
        Some(ty.map(|ty| self.coercions(&ty)).unwrap_or_default())
    }

    /// `[object, value] -> [object, value']`: the value as field `name`
    /// of `object` holds it, when `object`'s frame is known only at run
    /// time.
    pub(crate) fn coerce_dynamic_field(&mut self, name: &str, span: Span) {
        if let Some(dispatcher) = self.dynamic_field_dispatcher(name) {
            self.emit(Op::Over, span);
            self.emit(Op::Swap, span);
            self.emit(Op::CallDirect(dispatcher, 2), span);
        }
    }

    /// At the end of a module: the coercers of its frames' fields, then
    /// every dispatcher again (with the frames known so far).
    pub(crate) fn compile_dynamic_field_stores(&mut self) {
        let mut frames: Vec<FrameInfo> = self
            .objects
            .frames
            .values()
            .filter(|frame| {
                key_module(&frame.key) == Some(self.current_module)
                    && !self.objects.dynamic_fields.compiled.contains(&frame.key)
            })
            .cloned()
            .collect();
        frames.sort_by_key(|frame| frame.class);
        for frame in &frames {
            self.objects
                .dynamic_fields
                .compiled
                .insert(frame.key.clone());
            self.compile_coercers(frame);
        }
        let mut dispatchers: Vec<(String, u32)> = self
            .objects
            .dynamic_fields
            .dispatchers
            .iter()
            .map(|(name, &function)| (name.clone(), function))
            .collect();
        dispatchers.sort_by_key(|(_, function)| *function);
        let delivered = self.objects.dynamic_fields.delivered;
        for (name, function) in dispatchers {
            if function >= delivered {
                self.compile_dispatcher(&name, function);
            }
        }
    }

    /// `fn Frame.field(value)`: the value converted and checked for the
    /// field's declared type, for each field `frame` declares itself.
    fn compile_coercers(&mut self, frame: &FrameInfo) {
        for field in frame.fields.iter().filter(|f| f.owner == frame.key) {
            let Some(ty) = &field.ty else {
                continue;
            };
            let coercions = self.coercions(ty);
            let check = self.annotation_check(ty);
            if coercions.is_empty() && check.is_none() {
                continue;
            }
            let span = ty.span;
            let mut state = FunctionState::new(
                FunctionKind::Function,
                format!("{}.{}", frame.name, field.name),
                self.file,
            );
            state.proto.arity = 1;
            state.proto.required = 1;
            state.proto.param_names = vec!["value".to_string()];
            state.proto.hidden = true;
            self.functions.push(state);
            self.begin_scope();
            let slot = self.add_local(" value", false, true);
            self.emit(Op::GetLocal(slot), span);
            if let Some(check) = check {
                self.emit(Op::CheckType(check), span);
            }
            self.coerce(&coercions, span);
            self.emit(Op::Return, span);
            self.end_scope();
            // Infallible: pushed above for this coercer.
            let state = self.functions.pop().expect("coercer state");
            let function = self.program.functions.len() as u32;
            self.program.functions.push(finish_proto(state));
            self.objects
                .dynamic_fields
                .coercers
                .push((frame.class, field.name.clone(), function));
        }
    }

    /// `fn <store .name>(object, value)`: the coercer of the first frame
    /// declaring a coerced `name` that `object` is an instance of, applied
    /// to `value`; else `value`.
    fn compile_dispatcher(&mut self, name: &str, function: u32) {
        let span = Span::new(self.file, 0, 0);
        let mut state = FunctionState::new(
            FunctionKind::Function,
            format!("<store .{name}>"),
            self.file,
        );
        state.proto.arity = 2;
        state.proto.required = 2;
        state.proto.param_names = vec!["object".to_string(), "value".to_string()];
        state.proto.hidden = true;
        self.functions.push(state);
        self.begin_scope();
        let object = self.add_local(" object", false, true);
        let value = self.add_local(" value", false, true);
        let coercers: Vec<(u32, u32)> = self
            .objects
            .dynamic_fields
            .coercers
            .iter()
            .filter(|(_, field, _)| field == name)
            .map(|(class, _, coercer)| (*class, *coercer))
            .collect();
        for (class, coercer) in coercers {
            self.emit(Op::GetLocal(object), span);
            self.emit(Op::IsInstance(class), span);
            let next = self.emit(Op::JumpIf(false, 0), span);
            self.emit(Op::GetLocal(value), span);
            self.emit(Op::CallDirect(coercer, 1), span);
            self.emit(Op::Return, span);
            self.patch_jump(next);
        }
        self.emit(Op::GetLocal(value), span);
        self.emit(Op::Return, span);
        self.end_scope();
        // Infallible: pushed above for this dispatcher.
        let state = self.functions.pop().expect("dispatcher state");
        self.program.functions[function as usize] = finish_proto(state);
    }
}

/// Whether a field annotated `ty` checks what is stored in it (any type
/// but `any`): stores through a receiver of unknown frame then call the
/// field's dispatcher, since the value entering it was proven nothing.
fn is_checked_annotation(ty: &limit_syntax::ast::TypeExpr) -> bool {
    use limit_syntax::ast::TypeKind;
    !matches!(&ty.kind, TypeKind::Named(path) if path.len() == 1 && matches!(path[0].name.as_str(), "any" | "atomic"))
}
