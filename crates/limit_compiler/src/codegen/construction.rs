//! Out-of-line construction. `Frame(args)` normally compiles inline: a new
//! instance, then every field's value (a given argument, the field's
//! default expression, or its type's zero value). A default may itself
//! construct the frame (`frame N { pub next: N? = N(); }`), directly,
//! through another frame or inside a closure; inlining that would never
//! end. So a construction met while the same frame's construction is being
//! compiled inline (or more than `MAX_INLINE_CONSTRUCTION` of them deep)
//! calls a constructor function instead, compiled once per frame and set of
//! given fields. At run time a default that always constructs its own frame
//! then recurses like any function and ends in `StackOverflow`.

use super::objects::FrameInfo;
use super::{finish_proto, Codegen, FunctionKind, FunctionState};
use limit_bytecode::opcode::Op;
use limit_bytecode::program::FunctionProto;
use limit_syntax::ast::Expr;
use limit_syntax::Span;

/// How many constructions may be compiled inline inside one another (the
/// defaults of one frame constructing the next) before they go out of
/// line: bounds the compiler's recursion for chains of frames of any
/// length.
const MAX_INLINE_CONSTRUCTION: usize = 16;

/// A constructor function reserved but not compiled yet.
#[derive(Clone, Debug)]
pub(crate) struct PendingMaker {
    frame: String,
    given: Vec<bool>,
    function: u32,
    span: Span,
    /// For a frame with `init` called as a value: `init`'s function,
    /// which the constructor calls with its own arguments after giving
    /// every field its default.
    init: Option<u32>,
}

impl Codegen<'_> {
    /// Whether `Frame(…)` (`frame` a key) must call a constructor function.
    pub(crate) fn construct_out_of_line(&self, frame: &str) -> bool {
        let constructing = &self.objects.constructing;
        constructing.len() >= MAX_INLINE_CONSTRUCTION || constructing.iter().any(|f| f == frame)
    }

    /// Starts making an instance of `info` whose fields the code that
    /// follows fills in slot order (`before_field`, the value,
    /// `after_field`; `nil_field` for a field left nil; then
    /// `end_instance`). Returns whether the values are pushed first and
    /// `NewInstance(class, n)` takes them all — one instruction rather
    /// than a `Dup` and `SetField` per field and a vector of nils — or the
    /// instance comes first and each value is stored into it. The values
    /// go first only when the frame has no `deinit` (a value that raises
    /// then leaves no half-made instance whose `deinit` would run) and
    /// optimised (`-O0` keeps the field-by-field form, so the conformance
    /// suite compares the two).
    pub(crate) fn begin_instance(&mut self, info: &FrameInfo, span: Span) -> bool {
        let filling = self.specialise_by_type
            && u16::try_from(info.fields.len()).is_ok()
            && !info.vtable.iter().any(|m| m.name == "deinit");
        if !filling {
            self.emit(Op::NewInstance(info.class, 0), span);
        }
        filling
    }

    /// `[instance] -> [instance, instance]` when storing field by field.
    pub(crate) fn before_field(&mut self, filling: bool, span: Span) {
        if !filling {
            self.emit(Op::Dup, span);
        }
    }

    /// Stores the value just compiled into field `slot`, or leaves it for
    /// `NewInstance`.
    pub(crate) fn after_field(&mut self, filling: bool, slot: usize, span: Span) {
        if !filling {
            self.emit(Op::SetField(slot as u16), span);
        }
    }

    /// A field that stays nil: nothing to store, a nil to push.
    pub(crate) fn nil_field(&mut self, filling: bool, span: Span) {
        if filling {
            self.emit(Op::Nil, span);
        }
    }

    /// Makes the instance from the values pushed, when filling.
    pub(crate) fn end_instance(&mut self, filling: bool, info: &FrameInfo, span: Span) {
        if filling {
            // `begin_instance` checked that the count fits.
            let n = info.fields.len() as u16;
            self.emit(Op::NewInstance(info.class, n), span);
        }
    }

    /// Pushes the given field values (slot order) and calls the constructor
    /// of `info` for that set of given fields; leaves the instance.
    pub(crate) fn call_maker(
        &mut self,
        info: &FrameInfo,
        given: Option<&[Option<&Expr>]>,
        span: Span,
    ) {
        let values: Vec<&Expr> = given
            .map(|g| g.iter().flatten().copied().collect())
            .unwrap_or_default();
        let pattern: Vec<bool> = (0..info.fields.len())
            .map(|slot| given.is_some_and(|g| g.get(slot).is_some_and(Option::is_some)))
            .collect();
        let Ok(argc) = u8::try_from(values.len()) else {
            self.error(
                span,
                "too many field values in one construction (at most 255)",
            );
            self.emit(Op::Nil, span);
            return;
        };
        let function = self.maker(&info.key, pattern, span);
        for value in values {
            self.expr(value);
        }
        self.emit(Op::CallDirect(function, argc), span);
    }

    /// The constructor function of frame `frame` for the fields `given`
    /// marks, reserved now and compiled at the end of the module.
    pub(crate) fn maker(&mut self, frame: &str, given: Vec<bool>, span: Span) -> u32 {
        let key = (frame.to_string(), given);
        if let Some(function) = self.objects.makers.get(&key) {
            return *function;
        }
        let function = self.program.functions.len() as u32;
        self.program.functions.push(FunctionProto::default());
        self.objects.makers.insert(key.clone(), function);
        self.objects.pending_makers.push(PendingMaker {
            frame: key.0,
            given: key.1,
            function,
            span,
            init: None,
        });
        function
    }

    /// The constructor of a frame with `init` (function `init`) called as
    /// a value: every field at its default, then `init` with the
    /// arguments. A missing argument is nil, which gives `init`'s
    /// parameter its default as in any call.
    pub(crate) fn init_maker(&mut self, frame: &str, init: u32, span: Span) -> u32 {
        let function = self.program.functions.len() as u32;
        self.program.functions.push(FunctionProto::default());
        self.objects.pending_makers.push(PendingMaker {
            frame: frame.to_string(),
            given: Vec::new(),
            function,
            span,
            init: Some(init),
        });
        function
    }

    /// Compiles every reserved constructor (compiling one may reserve
    /// more).
    pub(crate) fn compile_pending_makers(&mut self) {
        while let Some(pending) = self.objects.pending_makers.pop() {
            self.compile_maker(&pending);
        }
    }

    /// `fn <Frame.new>(given…)`: a new instance whose given fields take the
    /// arguments and the others their defaults, in slot order.
    fn compile_maker(&mut self, pending: &PendingMaker) {
        let Some(info) = self.objects.frames.get(&pending.frame).cloned() else {
            return;
        };
        let span = pending.span;
        let mut state = FunctionState::new(
            FunctionKind::Function,
            // Called as `Frame(…)`: an arity error names the frame.
            match pending.init {
                Some(_) => info.name.clone(),
                None => format!("{}.<new>", info.name),
            },
            self.file,
        );
        let init = pending.init.and_then(|f| {
            self.program
                .functions
                .get(f as usize)
                .map(|p| (f, p.clone()))
        });
        let params: Vec<String> = match &init {
            // `init`'s parameters after `this`.
            Some((_, proto)) => proto.param_names.iter().skip(1).cloned().collect(),
            None => info
                .fields
                .iter()
                .zip(&pending.given)
                .filter(|(_, given)| **given)
                .map(|(field, _)| field.name.clone())
                .collect(),
        };
        state.proto.arity = params.len() as u16;
        state.proto.required = match &init {
            Some((_, proto)) => proto.required.saturating_sub(1),
            None => params.len() as u16,
        };
        state.proto.param_names = params.clone();
        // Its arguments are checked as `init`'s, or as the fields they fill.
        state.proto.param_checks = match &init {
            Some((_, proto)) => proto.param_checks.iter().skip(1).copied().collect(),
            None => {
                let fields: Vec<_> = info
                    .fields
                    .iter()
                    .zip(&pending.given)
                    .filter(|(_, given)| **given)
                    .map(|(field, _)| field.ty.clone())
                    .collect();
                let checks: Vec<u32> = fields
                    .iter()
                    .map(|ty| {
                        ty.as_ref()
                            .and_then(|ty| self.annotation_check(ty))
                            .unwrap_or(limit_bytecode::program::NO_CHECK)
                    })
                    .collect();
                if checks
                    .iter()
                    .all(|&c| c == limit_bytecode::program::NO_CHECK)
                {
                    Vec::new()
                } else {
                    checks
                }
            }
        };
        self.functions.push(state);
        self.begin_scope();
        for name in &params {
            // Not a name the defaults can see: they run in the frame's
            // declaration scope, not among the constructor's arguments.
            self.add_local(&format!(" {name}"), false, true);
        }
        self.objects.constructing.push(pending.frame.clone());
        let filling = self.begin_instance(&info, span);
        let mut param = 0u16;
        for (slot, field) in info.fields.iter().enumerate() {
            let given = pending.given.get(slot).copied().unwrap_or(false);
            if !given && field.default.is_none() && field.ty.is_none() {
                self.nil_field(filling, span);
                continue;
            }
            self.before_field(filling, span);
            if given {
                self.emit(Op::GetLocal(param), span);
                param += 1;
            } else {
                // A default is written in its frame's module.
                let declared_in =
                    super::objects::key_module(&field.owner).unwrap_or(self.current_module);
                self.in_module(declared_in, |gen| match &field.default {
                    Some(default) => gen.expr(default),
                    None => gen.zero_value(field.ty.as_ref(), span),
                });
            }
            if let Some(ty) = &field.ty {
                let coercions = self.coercions(ty);
                self.coerce(&coercions, span);
            }
            self.after_field(filling, slot, span);
        }
        self.end_instance(filling, &info, span);
        self.objects.constructing.pop();
        if let Some((function, _)) = init {
            self.emit(Op::Dup, span);
            for slot in 0..params.len() as u16 {
                self.emit(Op::GetLocal(slot), span);
            }
            self.emit(Op::CallDirect(function, params.len() as u8 + 1), span);
            self.emit(Op::Pop, span);
        }
        self.emit(Op::Return, span);
        self.end_scope();
        // Infallible: pushed above for this constructor.
        let state = self.functions.pop().expect("constructor state");
        self.program.functions[pending.function as usize] = finish_proto(state);
    }
}
