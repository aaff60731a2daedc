//! Expressions: literals, operators, calls, closures, `?` and `?else`.

use super::objects::ObjectKind;
use super::{Cleanup, Codegen, KnownFunction, Place};
use limit_bytecode::opcode::{BinaryOp, CastKind, Dispatch, Op, Ordering};
use limit_bytecode::program::Constant;
use limit_syntax::ast::*;
use limit_syntax::Span;
use num_traits::ToPrimitive;

/// Names the language gives meaning to without a declaration.
const ERROR_KINDS: &[&str] = &[
    "DivisionByZero",
    "IndexOutOfBounds",
    "KeyNotFound",
    "NilAccess",
    "IntegerOverflow",
    "ConversionError",
    "RefinementFailed",
    "AssertionFailed",
    "StackOverflow",
    "NoMatch",
    "ChannelClosed",
    "Deadlock",
    "Timeout",
    "ResourceLimit",
    "IOError",
    "TypeError",
    "Error",
];

/// Whether `name` is a built-in error kind.
pub(crate) fn is_error_kind(name: &str) -> bool {
    ERROR_KINDS.contains(&name)
}

impl Codegen<'_> {
    /// Compiles `expr`, leaving its value on the stack.
    pub(crate) fn expr(&mut self, expr: &Expr) {
        self.expr_value(expr);
        self.check_entering_value(expr);
    }

    /// The code of `expr` alone (without the run-time check of the typed
    /// place its value enters, `type_checks.rs`).
    fn expr_value(&mut self, expr: &Expr) {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Int(n) => match n.to_i64() {
                Some(v) if i32::try_from(v).is_ok() => {
                    self.emit(Op::Int(v as i32), span);
                }
                Some(v) => {
                    let k = self.constant(Constant::Int(v));
                    self.emit(Op::Const(k), span);
                }
                None => {
                    let k = self.constant(Constant::BigInt(n.clone()));
                    self.emit(Op::Const(k), span);
                }
            },
            ExprKind::Float(x) | ExprKind::Duration(x) => {
                let k = self.constant(Constant::Float(*x));
                self.emit(Op::Const(k), span);
            }
            ExprKind::Str(text) => {
                let k = self.str_constant(text);
                self.emit(Op::Const(k), span);
            }
            ExprKind::Interp(parts) => self.interpolation(parts, span),
            ExprKind::Bool(true) => {
                self.emit(Op::Bool(true), span);
            }
            ExprKind::Bool(false) => {
                self.emit(Op::Bool(false), span);
            }
            ExprKind::Nil => {
                self.emit(Op::Nil, span);
            }
            ExprKind::Ident(name) => self.variable(expr.id, name, span),
            ExprKind::This => self.this_expr(span),
            ExprKind::Super => self.super_expr(span),
            ExprKind::List(items) => {
                // A literal the checker typed `[dN]` or `[u8]` holds
                // elements of that type.
                let coercions = self.element_coercions(expr);
                for item in items {
                    self.expr(item);
                    self.coerce_value(&coercions, item, item.span);
                }
                self.emit(Op::NewList(items.len() as u32), span);
            }
            ExprKind::Dict { entries, .. } => {
                // Found once for the literal, not per entry (a literal may
                // have hundreds of thousands).
                let fields = self.record_field_coercions(expr);
                let elements = match fields {
                    Some(_) => Vec::new(),
                    None => self.element_coercions(expr),
                };
                for (key, value) in entries {
                    self.expr(key);
                    self.expr(value);
                    let coercions = match (&fields, &key.kind) {
                        (Some(fields), ExprKind::Str(name)) => {
                            fields.get(name).map_or(&[][..], Vec::as_slice)
                        }
                        _ => elements.as_slice(),
                    };
                    self.coerce_value(coercions, value, value.span);
                }
                self.emit(Op::NewDict(entries.len() as u32), span);
            }
            ExprKind::Tuple(items) => {
                // A literal the checker typed `(d2, int)` holds a d2 first.
                let coercions = self.tuple_item_coercions(expr, items.len());
                for (item, coercions) in items.iter().zip(coercions) {
                    self.expr(item);
                    self.coerce_value(&coercions, item, item.span);
                }
                self.emit(Op::NewTuple(items.len() as u32), span);
            }
            ExprKind::Unary(op, operand) => self.unary(*op, operand, span),
            ExprKind::Binary(op, left, right) => self.binary(*op, left, right, span),
            ExprKind::Ternary(cond, then, otherwise) => {
                let skip_then = self.condition_jumps(cond);
                self.expr(then);
                let skip_else = self.emit(Op::Jump(0), span);
                self.patch_jumps(skip_then);
                self.expr(otherwise);
                self.patch_jump(skip_else);
            }
            ExprKind::Range {
                start,
                end,
                step,
                inclusive,
            } => {
                self.expr(start);
                self.expr(end);
                let mut flags = u8::from(*inclusive);
                if let Some(step) = step {
                    self.expr(step);
                    flags |= 2;
                }
                self.emit(Op::NewRange(flags), span);
            }
            ExprKind::Call { callee, args } => self.call(callee, args, span),
            ExprKind::Index(object, index) => {
                self.expr(object);
                self.expr(index);
                self.emit(Op::GetIndex, span);
            }
            ExprKind::Field(object, field) => {
                if let Some(frame) = self.namespace_object(object, field, ObjectKind::Frame) {
                    self.frame_value(&frame, span);
                    return;
                }
                if let Some(place) = self.module_member(object, field) {
                    if let Some(place) = place {
                        self.load(&place, span);
                    }
                    return;
                }
                if self.field_get(object, field, span) {
                    return;
                }
                self.expr(object);
                let k = self.str_constant(&field.name);
                self.emit(Op::GetFieldByName(k), field.span);
            }
            ExprKind::TupleField(object, index) => {
                self.expr(object);
                match u16::try_from(*index) {
                    Ok(index) => {
                        self.emit(Op::GetTupleField(index), span);
                    }
                    Err(_) => self.error(span, "a tuple field index must be below 65 536"),
                }
            }
            ExprKind::Propagate(inner) => {
                if !self.current_ref().fallible {
                    self.error_with_hint(
                        span,
                        "`?` can only be used inside a function that returns `T?`",
                        "handle the error here with `?else { … }` or `match`",
                    );
                }
                self.expr(inner);
                self.emit(Op::Propagate, span);
            }
            ExprKind::Else {
                expr: inner,
                binding,
                handler,
            } => self.else_handler(inner, binding.as_deref(), handler, span),
            ExprKind::Match(m) => self.match_expr(m),
            ExprKind::Lambda(decl) => self.closure(decl, "<lambda>"),
            ExprKind::Cast(inner, ty) => self.cast(inner, ty, span),
            ExprKind::Await(inner) => self.await_expr(inner, span),
        }
    }

    fn interpolation(&mut self, parts: &[InterpPart], span: Span) {
        for part in parts {
            match part {
                InterpPart::Text(text) => {
                    let k = self.str_constant(text);
                    self.emit(Op::Const(k), span);
                }
                InterpPart::Expr(e) => self.expr(e),
                InterpPart::Formatted(e, spec) => {
                    // `"{e:spec}"` is `format(e, spec)`, whatever a
                    // program calls `format`.
                    self.expr(e);
                    let k = self.str_constant(&spec.text);
                    self.emit(Op::Const(k), spec.span);
                    if let Some(index) = limit_bytecode::builtins::builtin_index("format") {
                        self.emit(Op::CallNative(index, 2), spec.span);
                    }
                }
            }
        }
        self.emit(Op::BuildString(parts.len() as u32), span);
    }

    fn variable(&mut self, id: NodeId, name: &str, span: Span) {
        if self.bare_member_get(id, name, span) {
            return;
        }
        match self.resolve_use(id, name) {
            Some(place) => self.load(&place, span),
            None if self.object_name(id, name, span) => {}
            None => self.unknown_name(name, span),
        }
    }

    pub(crate) fn unknown_name(&mut self, name: &str, span: Span) {
        let hint = if let Some(hint) = self.hidden_import_hint(name) {
            hint
        } else if let Some(hint) = self.unbound_object_hint(name) {
            hint
        } else if matches!(name, "null" | "None" | "NULL") {
            "Limit spells the absent value `nil`: write `nil`".to_string()
        } else if is_error_kind(name) {
            "error kinds are used as `err(Kind)` or in patterns".to_string()
        } else {
            format!("declare it first with `var {name} = …`")
        };
        let message = self.suggest_visible_name(format!("unknown variable `{name}`"), name);
        self.error_with_hint(span, message, &hint);
    }

    /// `message` with a did-you-mean among the variables, functions and
    /// built-ins visible here.
    pub(crate) fn suggest_visible_name(&self, message: String, name: &str) -> String {
        let mut candidates = self.visible_variable_names();
        candidates.extend(self.known_functions.keys().cloned());
        let builtins = limit_bytecode::builtins::BUILTINS
            .iter()
            .map(|native| native.name)
            .filter(|name| !name.starts_with(crate::stdlib::NATIVE_PREFIX));
        crate::suggest::with_suggestion(
            message,
            name,
            candidates.iter().map(String::as_str).chain(builtins),
        )
    }

    fn unary(&mut self, op: UnOp, operand: &Expr, span: Span) {
        if op == UnOp::Neg {
            if let ExprKind::Int(n) = &operand.kind {
                let negated = Expr {
                    id: NodeId::SYNTHETIC,
                    kind: ExprKind::Int(-n.clone()),
                    span,
                };
                self.expr(&negated);
                return;
            }
            if let ExprKind::Float(x) = &operand.kind {
                let k = self.constant(Constant::Float(-x));
                self.emit(Op::Const(k), span);
                return;
            }
        }
        self.expr(operand);
        match op {
            UnOp::Neg => {
                self.emit(Op::Neg, span);
            }
            UnOp::Not => {
                self.emit(Op::Not, span);
            }
            UnOp::BitNot => {
                self.emit(Op::BitNot, span);
            }
            UnOp::Plus => {}
        }
    }

    fn binary(&mut self, op: BinOp, left: &Expr, right: &Expr, span: Span) {
        if let Some((method, swap)) = self.std_operator(op, left, right) {
            // `d + s` is `d.add(s)` (`s + d` too: operands evaluated in
            // order, then swapped), `d - e` `d.since(e)`.
            self.expr(left);
            self.expr(right);
            if swap {
                self.emit(Op::Swap, span);
            }
            let name = self.str_constant(method);
            self.emit(Op::Invoke(name, 1, Dispatch::Cached), span);
            return;
        }
        if self.wants_dynamic_arithmetic(op, left, right) {
            self.expr(left);
            self.expr(right);
            self.dynamic_arithmetic(op, span);
            return;
        }
        if self.fold_constants {
            if let Some(value) = super::fold::fold_binary(op, left, right) {
                self.folded(value, span);
                return;
            }
        }
        match op {
            BinOp::And | BinOp::Or => {
                self.expr(left);
                let jump = if op == BinOp::And {
                    self.emit(Op::JumpIfKeep(false, 0), span)
                } else {
                    self.emit(Op::JumpIfKeep(true, 0), span)
                };
                self.expr(right);
                self.patch_jump(jump);
                return;
            }
            _ => {}
        }
        if let Some(n) = super::stmt::small_int_literal(right) {
            let immediate = match op {
                BinOp::Add => Some(Op::AddImm(n)),
                BinOp::Sub => n.checked_neg().map(Op::AddImm),
                BinOp::Mod if n != 0 => Some(Op::ModImm(n)),
                _ => None,
            };
            if let Some(immediate) = immediate {
                self.expr(left);
                self.emit(immediate, span);
                return;
            }
        }
        self.expr(left);
        self.expr(right);
        let instruction = match op {
            BinOp::Add => Op::Add,
            BinOp::Sub => Op::Sub,
            BinOp::Mul => Op::Mul,
            BinOp::Div => Op::Div,
            BinOp::Mod => Op::Mod,
            BinOp::Pow => Op::Binary(BinaryOp::Pow),
            BinOp::Eq => Op::Equal(false),
            BinOp::Ne => Op::Equal(true),
            BinOp::Lt => Op::Compare(Ordering::Lt),
            BinOp::Le => Op::Compare(Ordering::Le),
            BinOp::Gt => Op::Compare(Ordering::Gt),
            BinOp::Ge => Op::Compare(Ordering::Ge),
            BinOp::BitAnd => Op::Binary(BinaryOp::BitAnd),
            BinOp::BitOr => Op::Binary(BinaryOp::BitOr),
            BinOp::BitXor => Op::Binary(BinaryOp::BitXor),
            BinOp::Shl => Op::Binary(BinaryOp::Shl),
            BinOp::Shr => Op::Binary(BinaryOp::Shr),
            BinOp::And | BinOp::Or => return,
        };
        self.emit(instruction, span);
        if matches!(op, BinOp::Add | BinOp::Sub) {
            self.fuse_typed_products(left, right);
        }
    }

    /// `a * b + c * d` (or `-`) over local variables the checker typed as
    /// numbers of one kind (all ints, or floats and ints with a float in
    /// each product) becomes one `Products`: none of the three operators
    /// can fail there, which matters because a fused instruction has one
    /// source position and would misplace the error of the second `*` or
    /// of the `+`. Only the checker knows the types, so this is done here,
    /// on the seven instructions just emitted, when optimising.
    fn fuse_typed_products(&mut self, left: &Expr, right: &Expr) {
        if !self.specialise_by_type {
            return;
        }
        let (ExprKind::Binary(BinOp::Mul, a, b), ExprKind::Binary(BinOp::Mul, c, d)) =
            (&left.kind, &right.kind)
        else {
            return;
        };
        // Plain names: each compiles to one instruction (a `GetLocal` when
        // it is a local), so no jump lands inside the seven.
        if ![a, b, c, d]
            .iter()
            .all(|e| matches!(e.kind, ExprKind::Ident(_)))
        {
            return;
        }
        let kinds = [
            self.numeric_kind(a, b),
            self.numeric_kind(c, d),
            self.numeric_kind(left, right),
        ];
        let same =
            kinds.iter().all(|k| *k == Some(false)) || kinds.iter().all(|k| *k == Some(true));
        let proto = &mut self.current().proto;
        let n = proto.code.len();
        let (true, Some(tail)) = (same, n.checked_sub(7).map(|at| &proto.code[at..])) else {
            return;
        };
        let [Op::GetLocal(a), Op::GetLocal(b), Op::Mul, Op::GetLocal(c), Op::GetLocal(d), Op::Mul, last @ (Op::Add | Op::Sub)] =
            *tail
        else {
            return;
        };
        let (Ok(a), Ok(b), Ok(c), Ok(d)) = (
            u8::try_from(a),
            u8::try_from(b),
            u8::try_from(c),
            u8::try_from(d),
        ) else {
            return;
        };
        let op = if last == Op::Add {
            BinaryOp::Add
        } else {
            BinaryOp::Sub
        };
        // The fused instruction keeps the first one's position.
        let pos = proto.lines.get(n - 7).copied();
        proto.code.truncate(n - 7);
        proto.lines.truncate(n - 7);
        proto.code.push(Op::Products(op, a, b, c, d));
        proto.lines.extend(pos);
    }

    /// `Some(false)` when the checker typed both operands as ints,
    /// `Some(true)` when both are numbers but not both ints (the operator
    /// computes a float), `None` otherwise.
    fn numeric_kind(&self, left: &Expr, right: &Expr) -> Option<bool> {
        use crate::check::Type;
        let kind = |e: &Expr| match self.types.type_of(e.id) {
            Some(t) if t.is_integer() => Some(false),
            Some(Type::Float) => Some(true),
            _ => None,
        };
        Some(kind(left)? || kind(right)?)
    }

    /// Pushes a value computed at compile time.
    fn folded(&mut self, value: super::fold::Folded, span: Span) {
        use super::fold::Folded;
        match value {
            Folded::Int(n) => match i32::try_from(n) {
                Ok(small) => {
                    self.emit(Op::Int(small), span);
                }
                Err(_) => {
                    let k = self.constant(Constant::Int(n));
                    self.emit(Op::Const(k), span);
                }
            },
            Folded::Float(x) => {
                let k = self.constant(Constant::Float(x));
                self.emit(Op::Const(k), span);
            }
            Folded::Bool(b) => {
                self.emit(if b { Op::Bool(true) } else { Op::Bool(false) }, span);
            }
            Folded::Str(text) => {
                let k = self.str_constant(&text);
                self.emit(Op::Const(k), span);
            }
        }
    }

    fn cast(&mut self, inner: &Expr, ty: &TypeExpr, span: Span) {
        let kind = match &ty.kind {
            TypeKind::Named(path) if path.len() == 1 => match path[0].name.as_str() {
                "int" | "uint" | "i8" | "i16" | "i32" | "i64" | "i128" | "u8" | "u16" | "u32"
                | "u64" | "u128" => Some(CastKind::IntExact),
                "float" | "f32" | "f64" => Some(CastKind::Float),
                "str" | "string" => Some(CastKind::Str),
                "bool" => Some(CastKind::Bool),
                _ => None,
            },
            _ => None,
        };
        self.expr(inner);
        match (kind, super::stmt::decimal_scale(ty)) {
            (Some(kind), _) => {
                self.emit(Op::Cast(kind), span);
                // `300 as u8`: a value out of the sized type's range does
                // not convert (§3.3b).
                let sized = match &ty.kind {
                    TypeKind::Named(path) if path.len() == 1 => {
                        limit_bytecode::opcode::IntWidth::from_name(&path[0].name)
                    }
                    _ => None,
                };
                if let Some(width) = sized {
                    let code = width.code() | limit_bytecode::opcode::IntWidth::CAST;
                    self.emit(Op::CheckIntRange(code), span);
                }
            }
            (None, Some(scale)) => {
                self.emit(Op::ToDecimal(scale, true), span);
            }
            (None, None) => self.not_supported(ty.span, "casts to this type"),
        }
    }

    // ---------------------------------------------------------------- calls

    /// Whether `name` (used at node `id`) denotes the built-in of that
    /// name here (not shadowed).
    pub(crate) fn is_builtin_use(&mut self, id: NodeId, name: &str) -> bool {
        !self.shadowed_use(id, name)
    }

    pub(crate) fn print_call(&mut self, args: &[Arg], span: Span) {
        for arg in args {
            self.expr(&arg.value);
        }
        if args.len() > u8::MAX as usize {
            self.error(span, "print takes at most 255 arguments");
            return;
        }
        self.emit(Op::Print(args.len() as u8), span);
    }

    fn call(&mut self, callee: &Expr, args: &[Arg], span: Span) {
        match &callee.kind {
            ExprKind::Ident(name) => {
                if self.bare_member_call(callee.id, name, callee.span, args, span)
                    || self.object_call(callee.id, name, args, span)
                    || self.special_call(callee.id, name, args, span)
                {
                    return;
                }
                match self.resolve_use(callee.id, name) {
                    Some(Place::Function(known)) => self.direct_call(&known, name, args, span),
                    Some(Place::Native(index)) => self.native_call(index, name, args, span),
                    Some(place) => {
                        self.load(&place, callee.span);
                        self.positional_args(args);
                        let call = self.call_op(callee, args.len() as u8);
                        self.emit(call, span);
                    }
                    None => {
                        let hint = self
                            .hidden_import_hint(name)
                            .or_else(|| self.unbound_object_hint(name))
                            .or_else(|| self.own_method_hint(name))
                            .unwrap_or_else(|| {
                                format!("no function or variable named `{name}` is in scope")
                            });
                        let message =
                            self.suggest_visible_name(format!("unknown function `{name}`"), name);
                        self.error_with_hint(callee.span, message, &hint);
                    }
                }
            }
            ExprKind::Field(object, method) => {
                if let Some(frame) = self.namespace_object(object, method, ObjectKind::Frame) {
                    self.construct(&frame, args, span);
                    return;
                }
                if let Some(place) = self.module_member(object, method) {
                    match place {
                        Some(Place::Function(known)) => {
                            self.direct_call(&known, &method.name, args, span)
                        }
                        Some(place) => {
                            self.load(&place, callee.span);
                            self.positional_args(args);
                            let call = self.call_op(callee, args.len() as u8);
                            self.emit(call, span);
                        }
                        None => {}
                    }
                    return;
                }
                if self.method_call(object, method, args, span)
                    || self.builtin_method_with_named_args(object, method, args, span)
                {
                    return;
                }
                let stored = match (method.name.as_str(), args) {
                    ("push" | "append" | "insert", [.., last]) if last.name.is_none() => {
                        Some((self.element_coercions(object), &last.value))
                    }
                    _ => None,
                };
                self.expr(object);
                self.positional_args(args);
                // The stored element (the last argument) enters the list's
                // element type.
                if let Some((coercions, value)) = stored {
                    self.coerce_value(&coercions, value, span);
                }
                let k = self.str_constant(&method.name);
                if self.unproven_invoke(object, method, args) {
                    self.emit(Op::Invoke(k, args.len() as u8, Dispatch::Any), span);
                } else {
                    self.emit(Op::Invoke(k, args.len() as u8, Dispatch::Dynamic), span);
                }
            }
            _ => {
                self.expr(callee);
                self.positional_args(args);
                let call = self.call_op(callee, args.len() as u8);
                self.emit(call, span);
            }
        }
    }

    /// Whether `object.method(args)`, dispatched by name, must check the
    /// arguments of the function it reaches (`InvokeAny`): a function the
    /// checker marked as called back unproven (`check/callbacks.rs`), or a
    /// receiver the checker does not type whose `method` may be a field
    /// or dict entry holding a function, or a method calling one back (the
    /// checker proved nothing of the arguments). Typed calls stay `Invoke`.
    fn unproven_invoke(&self, object: &Expr, method: &Ident, args: &[Arg]) -> bool {
        if args
            .iter()
            .any(|arg| self.types.checks_callback(arg.value.id))
        {
            return true;
        }
        let calls_back = matches!(
            limit_bytecode::methods::Method::from_name(&method.name),
            limit_bytecode::methods::Method::Map
                | limit_bytecode::methods::Method::Filter
                | limit_bytecode::methods::Method::Reduce
                | limit_bytecode::methods::Method::Sort
                | limit_bytecode::methods::Method::SortBy
        );
        // A name no built-in type has as a method can only reach a
        // function held in a field or a dict entry.
        let held_function = self.objects.field_names.contains(&method.name)
            || limit_bytecode::methods::Method::from_name(&method.name)
                == limit_bytecode::methods::Method::Unknown;
        (calls_back || held_function) && self.types.type_of(object.id).is_none()
    }

    /// `Call`, or `CallAny` when the checker does not know `callee` as a
    /// function or frame (so it checked no argument: the function called
    /// checks them, `type_checks.rs`).
    fn call_op(&self, callee: &Expr, argc: u8) -> Op {
        use crate::check::Type;
        match self.types.type_of(callee.id).map(Type::unrefined) {
            Some(Type::Function(_) | Type::Class(_)) => Op::Call(argc, false),
            _ => Op::Call(argc, true),
        }
    }

    /// A call of built-in function number `index`: named arguments go to
    /// the places the table's signature names (`sorted(xs, key=f)`); an
    /// optional parameter left out before a named one is `nil`, as an
    /// omitted optional parameter is (reference §4).
    fn native_call(&mut self, index: u16, name: &str, args: &[Arg], span: Span) {
        let native = limit_bytecode::builtins::native(index);
        let (Some(native), true) = (native, args.iter().any(|arg| arg.name.is_some())) else {
            self.positional_args(args);
            self.emit(Op::CallNative(index, args.len() as u8), span);
            self.float_sum(name, args, span);
            return;
        };
        if let Some(count) = self.arranged_args(name, native.sig, args, span) {
            self.emit(Op::CallNative(index, count), span);
        }
    }

    /// The checker types `sum(xs)` of a `[float]` as a float; the sum of
    /// an empty list is the int 0 at run time, so it becomes `0.0` here
    /// (else `1 / sum(xs)` divided ints where the checker saw floats).
    fn float_sum(&mut self, name: &str, args: &[Arg], span: Span) {
        use crate::check::Type;
        let [items] = args else { return };
        let float_items = matches!(
            self.types.type_of(items.value.id).map(Type::unrefined),
            Some(Type::List(element)) if matches!(**element, Type::Float)
        );
        if name == "sum" && float_items {
            self.emit(Op::Cast(CastKind::IntToFloat), span);
        }
    }

    /// `xs.sort_by(key=f)`: a method of a built-in type whose receiver's
    /// static type is known takes named arguments by the table's parameter
    /// names. False when the call has no named argument or the receiver
    /// is not certainly a built-in type (its method is then found at run
    /// time, and only positions can be passed).
    fn builtin_method_with_named_args(
        &mut self,
        object: &Expr,
        method: &Ident,
        args: &[Arg],
        span: Span,
    ) -> bool {
        use crate::check::Type;
        use limit_bytecode::builtins::{method_entries, param_names, Receiver};
        if args.iter().all(|arg| arg.name.is_none()) {
            return false;
        }
        let receiver = match self.types.type_of(object.id).map(Type::unrefined) {
            Some(Type::Str) => Receiver::Str,
            Some(Type::List(_)) => Receiver::List,
            Some(Type::Dict(..)) => Receiver::Dict,
            Some(Type::Tuple(_)) => Receiver::Tuple,
            Some(Type::Range) => Receiver::Range,
            Some(Type::Channel) => Receiver::Channel,
            _ => return false,
        };
        let named: Vec<&str> = args
            .iter()
            .filter_map(|arg| arg.name.as_ref().map(|n| n.name.as_str()))
            .collect();
        // The overload (`get(k)`, `get(k, default)`) naming every named
        // argument, else the first, whose error then names the stray one.
        let entries: Vec<_> = method_entries(receiver, &method.name).collect();
        let entry = entries
            .iter()
            .find(|entry| {
                let params = param_names(entry.sig);
                named.iter().all(|name| params.contains(name))
            })
            .or(entries.first());
        let Some(entry) = entry else {
            return false;
        };
        self.expr(object);
        if let Some(count) = self.arranged_args(&method.name, entry.sig, args, span) {
            let k = self.str_constant(&method.name);
            self.emit(Op::Invoke(k, count, Dispatch::Dynamic), span);
        }
        true
    }

    /// Emits the arguments of a call of signature text `sig` in parameter
    /// order, named ones where their names say and `nil` for an optional
    /// parameter left out before a given one; their count, or `None` after
    /// reporting a name the signature lacks, a parameter given twice or a
    /// required one left out.
    fn arranged_args(&mut self, name: &str, sig: &str, args: &[Arg], span: Span) -> Option<u8> {
        let (required, most) = limit_bytecode::builtins::arity(sig);
        let params = limit_bytecode::builtins::param_names(sig);
        let mut placed: Vec<Option<&Expr>> = vec![None; params.len()];
        for (position, arg) in args.iter().enumerate() {
            let at = match &arg.name {
                None => position,
                Some(named) => match params.iter().position(|param| *param == named.name) {
                    Some(at) if most != limit_bytecode::builtins::VARIADIC => at,
                    _ => {
                        self.error_with_hint(
                            named.span,
                            format!("`{name}` has no parameter named `{}`", named.name),
                            &format!("`{name}{sig}`"),
                        );
                        return None;
                    }
                },
            };
            match placed.get_mut(at) {
                Some(slot @ None) => *slot = Some(&arg.value),
                Some(Some(_)) => {
                    let shown = arg.name.as_ref().map_or(params[at], |n| n.name.as_str());
                    self.error(arg.value.span, format!("argument `{shown}` is given twice"));
                    return None;
                }
                // Too many arguments: the checker reports it.
                None => return None,
            }
        }
        let count = placed
            .iter()
            .rposition(Option::is_some)
            .map_or(0, |last| last + 1);
        for (at, value) in placed[..count].iter().enumerate() {
            match value {
                Some(value) => {
                    self.expr(value);
                    self.check_argument_elements(value);
                }
                None if at < required as usize => {
                    self.error(
                        span,
                        format!("`{name}` needs its argument `{}`", params[at]),
                    );
                    return None;
                }
                None => {
                    self.emit(Op::Nil, span);
                }
            }
        }
        Some(count as u8)
    }

    /// Arguments of a call whose parameters are unknown at compile time.
    pub(super) fn positional_args(&mut self, args: &[Arg]) {
        if args.len() > 255 {
            if let Some(arg) = args.get(255) {
                self.error(arg.value.span, "a call takes at most 255 arguments");
            }
        }
        for arg in args {
            if let Some(name) = &arg.name {
                self.error_with_hint(
                    name.span,
                    format!(
                        "named argument `{}` needs a function known at compile time",
                        name.name
                    ),
                    "call a function declared with `fn`, or pass the argument by position",
                );
            }
            self.expr(&arg.value);
            self.check_argument_elements(&arg.value);
        }
    }

    /// A call to a top-level function: arguments are matched to parameters
    /// here, so the VM sees positions only.
    fn direct_call(&mut self, known: &KnownFunction, name: &str, args: &[Arg], span: Span) {
        let Some(given) = self.match_args(name, &known.params, known.required, args, span) else {
            return;
        };
        // Too many arguments is reported there; the program then never runs.
        let argc = self.emit_matched(&given, known.required, super::frame::FUNCTION_ARGS, span);
        self.emit(Op::CallDirect(known.index, argc), span);
    }

    /// Calls the language compiles to instructions; false when `name` is not
    /// one of them (or is shadowed by a variable).
    fn special_call(&mut self, id: NodeId, name: &str, args: &[Arg], span: Span) -> bool {
        if self.shadowed_use(id, name) {
            return false;
        }
        let single = |args: &[Arg]| args.len() == 1 && args[0].name.is_none();
        match name {
            "print" => {
                self.print_call(args, span);
                self.emit(Op::Nil, span);
            }
            "ok" | "Ok" if single(args) => {
                // A success value is the plain value.
                self.expr(&args[0].value);
            }
            "err" | "Err" if args.len() <= 1 => self.make_error(args.first(), span),
            "assert" | "contract" if !args.is_empty() && args.len() <= 2 => {
                self.expr(&args[0].value);
                match args.get(1) {
                    Some(message) => self.expr(&message.value),
                    None => {
                        let text = if name == "assert" {
                            "assertion failed"
                        } else {
                            "contract violated"
                        };
                        let k = self.str_constant(text);
                        self.emit(Op::Const(k), span);
                    }
                }
                self.emit(Op::Assert, span);
                self.emit(Op::Nil, span);
            }
            "typeof" if single(args) => {
                self.expr(&args[0].value);
                self.emit_type_name(span);
            }
            "len" | "length" if single(args) => {
                self.expr(&args[0].value);
                self.emit(Op::Len, span);
            }
            "int" | "float" | "str" | "string" | "bool" if single(args) => {
                let kind = match name {
                    "int" => CastKind::Int,
                    "float" => CastKind::Float,
                    "bool" => CastKind::Bool,
                    _ => CastKind::Str,
                };
                self.expr(&args[0].value);
                self.emit(Op::Cast(kind), span);
            }
            _ => return false,
        }
        true
    }

    /// `err(Kind)`, `err(Kind("message"))`, `err("message")`, `err(e)`.
    fn make_error(&mut self, arg: Option<&Arg>, span: Span) {
        let Some(arg) = arg else {
            self.emit(Op::Nil, span);
            let k = self.str_constant("Error");
            self.emit(Op::MakeErr(k), span);
            return;
        };
        let value = &arg.value;
        let kind_name = |name: &str| name.chars().next().is_some_and(char::is_uppercase);
        match &value.kind {
            ExprKind::Ident(name)
                if kind_name(name) && self.resolve_use(value.id, name).is_none() =>
            {
                self.emit(Op::Nil, span);
                let k = self.str_constant(name);
                self.emit(Op::MakeErr(k), span);
            }
            ExprKind::Call { callee, args } => match &callee.kind {
                ExprKind::Ident(name)
                    if kind_name(name) && self.resolve_use(callee.id, name).is_none() =>
                {
                    match args.as_slice() {
                        [] => {
                            self.emit(Op::Nil, span);
                        }
                        [message] => self.expr(&message.value),
                        [_, extra, ..] => {
                            self.error(extra.value.span, "an error kind takes one message");
                        }
                    }
                    let k = self.str_constant(name);
                    self.emit(Op::MakeErr(k), span);
                }
                _ => self.error_value(value, span),
            },
            _ => self.error_value(value, span),
        }
    }

    /// `err(v)` of a computed value: an error stays itself, anything else
    /// becomes the message of a generic `Error`.
    fn error_value(&mut self, value: &Expr, span: Span) {
        self.expr(value);
        let k = self.str_constant("Error");
        self.emit(Op::MakeErr(k), span);
    }

    // ---------------------------------------------------------------- ?else

    /// `expr ?else e { handler }`: the handler runs when `expr` yields an
    /// error value or raises a trap; its value replaces the expression's.
    fn else_handler(&mut self, inner: &Expr, binding: Option<&Ident>, handler: &Block, span: Span) {
        let stack_clean = std::mem::take(&mut self.current().statement_value);
        let try_at = self.emit(Op::Try(0), span);
        self.current().cleanups.push(Cleanup::Handler);
        self.expr(inner);
        self.current().cleanups.pop();
        self.emit(Op::EndTry, span);
        self.emit(Op::Dup, span);
        self.emit(Op::IsError, span);
        let success = self.emit(Op::JumpIf(false, 0), span);
        self.patch_jump(try_at);

        // The error is on the stack (from either path).
        self.begin_scope();
        match binding {
            Some(name) => self.bind_new_variable(name, false),
            None => {
                self.emit(Op::Pop, span);
            }
        }
        self.current()
            .cleanups
            .push(Cleanup::HandlerValue { stack_clean });
        let height = super::loop_exits::returns_from_inner_arm(handler).then(|| {
            let slot = self.hidden_slot();
            self.emit(Op::MarkHeight(slot), handler.span);
            slot
        });
        self.current().handler_heights.push(height);
        self.current().value_exits.push(Vec::new());
        self.value_block(&handler.stmts, handler.span);
        let exits = self.current().value_exits.pop().unwrap_or_default();
        self.current().handler_heights.pop();
        self.current().cleanups.pop();
        for jump in exits {
            self.patch_jump(jump);
        }
        self.end_scope();
        self.patch_jump(success);
    }

    /// Statements whose last expression (without `;`) is the value; nil when
    /// there is none. Runs in the current scope.
    pub(crate) fn value_block(&mut self, stmts: &[Stmt], span: Span) {
        if let Some((last, rest)) = stmts.split_last() {
            if let StmtKind::Expr {
                expr,
                terminated: false,
            } = &last.kind
            {
                self.hoist_nested_functions(stmts);
                for stmt in rest {
                    self.statement(stmt);
                }
                // Nothing of this block is pending under its value (what
                // encloses the block has its own cleanup entry).
                self.current().statement_value =
                    matches!(expr.kind, ExprKind::Else { .. } | ExprKind::Match(_));
                self.expr(expr);
                self.current().statement_value = false;
                return;
            }
        }
        self.statements(stmts);
        self.emit(Op::Nil, span);
    }
}
