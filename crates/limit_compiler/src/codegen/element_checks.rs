//! A list or dict entering a place typed `[T]` or `{K: V}` whose element
//! types need a conversion or check (`[u8]`, `[d2]`, `[float]`,
//! `{str: Adult}`; reference.md §3.1, §3.3b, §3.4). A literal is built
//! for its place, converting each element as it goes (`checks.rs`); a
//! container that already exists is shared, so it is never converted:
//! the checker rejects one whose static element types would need it
//! (`check/compat.rs`, "a list or dict is shared"), and one it cannot see
//! into (`any`, `[any]`) is checked here, element by element, at run
//! time: a sized int out of range raises `IntegerOverflow`, a refinement
//! that does not hold `RefinementFailed`, and an element that would have
//! to change representation to fit (an int or float where `dN` is
//! declared, an int where `float` is) `ConversionError`. Where the
//! checker proved the element types ([`Codegen::elements_proven`]) no
//! check is emitted, so typed code pays nothing.

use super::checks::Coercion;
use super::Codegen;
use crate::check::Type;
use limit_bytecode::opcode::{Dispatch, Op};
use limit_syntax::ast::Expr;
use limit_syntax::Span;

/// What each element of a list (or each key and value of a dict, or the
/// value of each named field of a record) needs.
#[derive(Clone, Debug)]
pub(crate) struct ElementChecks {
    dict: bool,
    keys: Vec<Coercion>,
    values: Vec<Coercion>,
    /// A record type's fields (a dict with these string keys).
    fields: Vec<(String, Vec<Coercion>)>,
}

impl ElementChecks {
    /// The check of a list whose elements need `values`, if any.
    pub(crate) fn list(values: Vec<Coercion>) -> Option<Coercion> {
        (!values.is_empty()).then(|| {
            Coercion::Elements(Box::new(ElementChecks {
                dict: false,
                keys: Vec::new(),
                values,
                fields: Vec::new(),
            }))
        })
    }

    /// The check of a dict whose keys need `keys` and values `values`.
    pub(crate) fn dict(keys: Vec<Coercion>, values: Vec<Coercion>) -> Option<Coercion> {
        (!keys.is_empty() || !values.is_empty()).then(|| {
            Coercion::Elements(Box::new(ElementChecks {
                dict: true,
                keys,
                values,
                fields: Vec::new(),
            }))
        })
    }

    /// The check of a record whose fields need these (by name).
    pub(crate) fn record(fields: Vec<(String, Vec<Coercion>)>) -> Option<Coercion> {
        let fields: Vec<_> = fields.into_iter().filter(|(_, c)| !c.is_empty()).collect();
        (!fields.is_empty()).then(|| {
            Coercion::Elements(Box::new(ElementChecks {
                dict: true,
                keys: Vec::new(),
                values: Vec::new(),
                fields,
            }))
        })
    }
}

/// Whether a value of static type `ty` has element types the checker
/// knows at every depth (so a typed place it enters needs no check).
fn elements_known(ty: &Type) -> bool {
    match ty.unrefined() {
        Type::Any | Type::Atomic | Type::Union(_) => false,
        Type::List(element) => elements_known(element),
        Type::Dict(key, value) => elements_known(key) && elements_known(value),
        Type::Fallible(inner, _) => elements_known(inner),
        _ => true,
    }
}

impl Codegen<'_> {
    /// Whether the checker proved the element types of `value` (a list or
    /// dict typed `[d2]` is already what a `[d2]` place holds; the checker
    /// rejected it where it is not).
    pub(crate) fn elements_proven(&self, value: &Expr) -> bool {
        self.types.type_of(value.id).is_some_and(elements_known)
    }

    /// `[arg] -> [arg]`: an argument entering a list or dict parameter
    /// (as the checker resolved the call) has its elements checked here,
    /// where the checker's proof is known, not on entry to the function,
    /// which would walk every list passed by every call.
    pub(crate) fn check_argument_elements(&mut self, arg: &Expr) {
        let Some(ty) = self.types.parameter_of(arg.id).cloned() else {
            return;
        };
        let checks: Vec<Coercion> = self
            .coercions_of_type(&ty)
            .into_iter()
            .filter(Coercion::is_element_check)
            .collect();
        self.coerce_value(&checks, arg, arg.span);
    }

    /// `[v] -> [v]`: when `v` is a list (a dict, for a dict type), checks
    /// each element against `checks`. Any other value passes (nil, an
    /// error flowing through `T?`): like a scalar store, only what the
    /// declared type converts or checks is looked at.
    pub(crate) fn check_elements(&mut self, checks: &ElementChecks, span: Span) {
        self.emit(Op::Dup, span);
        self.emit_type_name(span);
        let kind = self.str_constant(if checks.dict { "dict" } else { "list" });
        self.emit(Op::Const(kind), span);
        self.emit(Op::Equal(false), span);
        let skip = self.emit(Op::JumpIf(false, 0), span);
        if !checks.fields.is_empty() {
            // A record: each field it has (`get` gives an error value for
            // one it lacks, which passes every check).
            let get = self.str_constant("get");
            for (name, coercions) in &checks.fields {
                self.emit(Op::Dup, span);
                let key = self.str_constant(name);
                self.emit(Op::Const(key), span);
                self.emit(Op::Invoke(get, 1, Dispatch::Dynamic), span);
                self.check_element(coercions, span);
                self.emit(Op::Pop, span);
            }
            self.patch_jump(skip);
            return;
        }
        self.emit(Op::Dup, span);
        self.emit(Op::IterStart, span);
        let start = self.code_len();
        if checks.dict {
            // `[v, it] -> [v, it, key, value]`
            let exit = self.emit(Op::IterNext(true, 0), span);
            self.check_element(&checks.values, span);
            self.emit(Op::Pop, span);
            self.check_element(&checks.keys, span);
            self.emit(Op::Pop, span);
            self.emit_loop(start, span);
            self.patch_jump(exit);
        } else {
            // `[v, it] -> [v, it, element]`
            let exit = self.emit(Op::IterNext(false, 0), span);
            self.check_element(&checks.values, span);
            self.emit(Op::Pop, span);
            self.emit_loop(start, span);
            self.patch_jump(exit);
        }
        self.patch_jump(skip);
    }

    /// `[x] -> [x]`: checks one element, converting nothing.
    fn check_element(&mut self, coercions: &[Coercion], span: Span) {
        for coercion in coercions {
            match coercion {
                Coercion::Float => self.require_representation("float", span),
                Coercion::Decimal(scale) => self.require_representation(&format!("d{scale}"), span),
                Coercion::IntRange(width) => {
                    self.emit(Op::CheckIntRange(width.code()), span);
                }
                Coercion::Refinement {
                    condition,
                    type_name,
                } => self.refinement_check(condition, type_name, span),
                Coercion::Elements(inner) => self.check_elements(inner, span),
            }
        }
    }

    /// `[x] -> [x]`, raising `ConversionError` unless `typeof(x)` is
    /// `type_name` (error values pass, as through any `T?`).
    fn require_representation(&mut self, type_name: &str, span: Span) {
        self.emit(Op::Dup, span);
        self.emit_type_name(span);
        let name = self.str_constant(type_name);
        self.emit(Op::Const(name), span);
        self.emit(Op::Equal(false), span);
        let fits = self.emit(Op::JumpIf(true, 0), span);
        self.emit(Op::Dup, span);
        self.emit(Op::IsError, span);
        let passes = self.emit(Op::JumpIf(true, 0), span);
        let before = self.str_constant("element ");
        self.emit(Op::Const(before), span);
        self.emit(Op::Over, span);
        let after = self.str_constant(&format!(
            " is not a `{type_name}`: a list or dict is shared, so its elements are not converted \
             (build a new one, e.g. with `map`)"
        ));
        self.emit(Op::Const(after), span);
        self.emit(Op::BuildString(3), span);
        let kind = self.str_constant("ConversionError");
        self.emit(Op::Trap(kind), span);
        self.patch_jump(fits);
        self.patch_jump(passes);
    }
}
