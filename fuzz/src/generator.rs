//! A grammar-based generator of random Limit programs, driven by the bytes
//! libFuzzer mutates (through [`arbitrary::Unstructured`]).
//!
//! The programs are syntactically valid and mostly well typed, so that most
//! of them get through the checker to the code generator, the optimiser and
//! the VM: the generator keeps the variables in scope with their types and
//! builds each expression for the type its place needs. It covers
//! declarations, functions (recursive, fallible), closures and nested
//! functions, every loop form with `break` and `continue`, `match` with
//! literal, range, guard, list and enum patterns, a frame with methods
//! (and sometimes a trait and a `deinit`), an enum with payloads,
//! errors as values (`T?`, `?`, `? else`, `match` on results), string
//! interpolation and escapes, lists, dicts and tuples; and, through the
//! scenarios of `features.rs`, inheritance chains, traits, abstract frames,
//! `super`, statics, `deinit` with a counting oracle, closures capturing
//! `this`, recursing callbacks, cyclic values, and `concurrent`/`parallel`
//! blocks with channels, workers and atomics.
//!
//! When the bytes run out every choice falls back to its first, simplest
//! option, so generation always ends; depth and statement budgets keep the
//! programs small.

use std::fmt;

mod features;
mod numeric;

use arbitrary::{Arbitrary, Result, Unstructured};

/// A generated program and the optimisation setting to compile it with.
/// `Debug` prints the program text (what `cargo fuzz fmt` shows).
#[derive(Clone)]
pub struct GeneratedProgram {
    pub source: String,
    pub optimize: bool,
}

impl fmt::Debug for GeneratedProgram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "// optimize: {}", self.optimize)?;
        f.write_str(&self.source)
    }
}

impl<'a> Arbitrary<'a> for GeneratedProgram {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let optimize = !u.arbitrary::<bool>()?;
        let source = Gen::new(u).program()?;
        Ok(GeneratedProgram { source, optimize })
    }
}

/// Generate the program for `data` (as the `compile` and `run` targets do).
pub fn generate(data: &[u8]) -> GeneratedProgram {
    let u = Unstructured::new(data);
    GeneratedProgram::arbitrary_take_rest(u).unwrap_or(GeneratedProgram {
        source: String::new(),
        optimize: true,
    })
}

/// The types the generator tracks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Int,
    Float,
    Bool,
    Str,
    ListInt,
    DictInt,
    /// The program's enum `Sh`.
    Enum,
    /// The program's frame `Box`.
    Frame,
    /// `fn(int): int`: closures and nested functions.
    FnInt,
}

const VALUE_TYPES: &[Ty] = &[
    Ty::Int,
    Ty::Str,
    Ty::Bool,
    Ty::Float,
    Ty::ListInt,
    Ty::DictInt,
    Ty::Enum,
    Ty::Frame,
];

/// A variable in scope.
#[derive(Clone)]
struct Var {
    name: String,
    ty: Ty,
    mutable: bool,
}

/// A top-level function's signature.
#[derive(Clone)]
struct FnSig {
    name: String,
    params: Vec<Ty>,
    ret: Ty,
    /// Returns `ret?Oops`.
    fallible: bool,
}

/// What a `return` inside the current body must give.
#[derive(Clone, Copy)]
struct Body {
    ret: Ty,
    fallible: bool,
}

const MAX_EXPR_DEPTH: usize = 3;
const MAX_BLOCK_DEPTH: usize = 3;

struct Gen<'a, 'b> {
    u: &'b mut Unstructured<'a>,
    out: String,
    indent: usize,
    scopes: Vec<Vec<Var>>,
    next_name: usize,
    funcs: Vec<FnSig>,
    /// Payload arities of the enum's variants (empty: no enum).
    variants: Vec<usize>,
    has_frame: bool,
    loop_depth: usize,
    block_depth: usize,
    expr_depth: usize,
    body: Option<Body>,
    /// Statements left to generate.
    budget: usize,
}

impl<'a, 'b> Gen<'a, 'b> {
    fn new(u: &'b mut Unstructured<'a>) -> Self {
        Gen {
            u,
            out: String::new(),
            indent: 0,
            scopes: vec![Vec::new()],
            next_name: 0,
            funcs: Vec::new(),
            variants: Vec::new(),
            has_frame: false,
            loop_depth: 0,
            block_depth: 0,
            expr_depth: 0,
            body: None,
            budget: 60,
        }
    }

    // ------------------------------------------------------------ helpers

    fn pick(&mut self, n: usize) -> Result<usize> {
        if n <= 1 {
            return Ok(0);
        }
        self.u.int_in_range(0..=n - 1)
    }

    fn chance(&mut self, one_in: u8) -> Result<bool> {
        Ok(self.u.int_in_range(0..=one_in.saturating_sub(1))? == 0 && !self.u.is_empty())
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.next_name += 1;
        format!("{prefix}{}", self.next_name)
    }

    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn declare(&mut self, name: &str, ty: Ty, mutable: bool) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(Var {
                name: name.to_string(),
                ty,
                mutable,
            });
        }
    }

    fn vars_of(&self, ty: Ty, mutable_only: bool) -> Vec<String> {
        self.scopes
            .iter()
            .flatten()
            .filter(|v| v.ty == ty && (v.mutable || !mutable_only))
            .map(|v| v.name.clone())
            .collect()
    }

    fn var_of(&mut self, ty: Ty, mutable_only: bool) -> Result<Option<String>> {
        let vars = self.vars_of(ty, mutable_only);
        if vars.is_empty() {
            return Ok(None);
        }
        let i = self.pick(vars.len())?;
        Ok(Some(vars[i].clone()))
    }

    fn ty_name(ty: Ty) -> &'static str {
        match ty {
            Ty::Int => "int",
            Ty::Float => "float",
            Ty::Bool => "bool",
            Ty::Str => "str",
            Ty::ListInt => "[int]",
            Ty::DictInt => "{str: int}",
            Ty::Enum => "Sh",
            Ty::Frame => "Box",
            Ty::FnInt => "fn(int): int",
        }
    }

    fn value_type(&mut self) -> Result<Ty> {
        let mut n = 6;
        if !self.variants.is_empty() {
            n = 7;
        }
        if self.has_frame {
            n = 8;
        }
        let ty = VALUE_TYPES[self.pick(n)?];
        if ty == Ty::Enum && self.variants.is_empty() {
            return Ok(Ty::Int);
        }
        Ok(ty)
    }

    // ------------------------------------------------------------ program

    fn program(mut self) -> Result<String> {
        if self.chance(2)? {
            self.enum_decl()?;
        }
        if self.chance(2)? {
            self.frame_decl()?;
        }
        // Signatures first: functions are hoisted, so each may call any
        // other (itself included).
        let count = self.pick(4)?;
        for _ in 0..count {
            let name = self.fresh("f");
            let n = self.pick(3)?;
            let mut params = Vec::new();
            for _ in 0..n {
                params.push(self.value_type()?);
            }
            let fallible = self.chance(3)?;
            let ret = if fallible {
                [Ty::Int, Ty::Str][self.pick(2)?]
            } else {
                self.value_type()?
            };
            self.funcs.push(FnSig {
                name,
                params,
                ret,
                fallible,
            });
        }
        for i in 0..self.funcs.len() {
            self.function(i)?;
        }
        // Scenarios of the object model and concurrency (features.rs).
        let scenarios = self.pick(3)?;
        for _ in 0..scenarios {
            self.scenario()?;
        }
        self.budget = 40;
        while self.budget > 0 && !self.u.is_empty() {
            self.stmt()?;
        }
        Ok(self.out)
    }

    fn enum_decl(&mut self) -> Result<()> {
        let n = 1 + self.pick(4)?;
        let mut parts = Vec::new();
        for i in 0..n {
            let arity = self.pick(3)?;
            self.variants.push(arity);
            let payload = match arity {
                0 => String::new(),
                1 => "(int)".to_string(),
                _ => "(int, int)".to_string(),
            };
            parts.push(format!("V{i}{payload}"));
        }
        self.line(&format!("enum Sh {{ {} }}", parts.join(", ")));
        Ok(())
    }

    fn frame_decl(&mut self) -> Result<()> {
        let with_trait = self.chance(2)?;
        if with_trait {
            self.line("trait Named {");
            self.line("    fn label(): str;");
            self.line("    fn shout(): str { return self.label().upper() + \"!\"; }");
            self.line("}");
        }
        self.line(if with_trait {
            "frame Box : Named {"
        } else {
            "frame Box {"
        });
        self.indent += 1;
        self.line("pub var n: int");
        self.line("pub var tag: str");
        self.line("pub init(n: int, tag: str) { this.n = n; this.tag = tag; }");
        self.line("pub fn get(): int { return this.n; }");
        self.line("pub fn label(): str { return \"{this.tag}:{this.n}\"; }");
        // A method with a generated body: `this.n` is a mutable int there.
        self.line("pub fn bump(k: int): int {");
        self.indent += 1;
        let saved = std::mem::replace(&mut self.scopes, vec![Vec::new()]);
        self.declare("k", Ty::Int, false);
        self.declare("this.n", Ty::Int, true);
        self.declare("this.tag", Ty::Str, true);
        let old_body = self.body.replace(Body {
            ret: Ty::Int,
            fallible: false,
        });
        self.budget = 4;
        while self.budget > 0 && !self.u.is_empty() {
            self.stmt()?;
        }
        let e = self.expr(Ty::Int)?;
        self.line(&format!("return {e}"));
        self.body = old_body;
        self.scopes = saved;
        self.indent -= 1;
        self.line("}");
        if self.chance(3)? {
            self.line("deinit() { print(\"deinit {this.tag}\"); }");
        }
        self.indent -= 1;
        self.line("}");
        self.has_frame = true;
        Ok(())
    }

    fn function(&mut self, index: usize) -> Result<()> {
        let sig = self.funcs[index].clone();
        let saved = std::mem::replace(&mut self.scopes, vec![Vec::new()]);
        let mut params = Vec::new();
        for (i, ty) in sig.params.iter().enumerate() {
            let name = format!("p{i}");
            params.push(format!("{name}: {}", Self::ty_name(*ty)));
            self.declare(&name, *ty, true);
        }
        let ret = if sig.fallible {
            format!("{}?Oops", Self::ty_name(sig.ret))
        } else {
            Self::ty_name(sig.ret).to_string()
        };
        self.line(&format!("fn {}({}): {ret} {{", sig.name, params.join(", ")));
        self.indent += 1;
        let old_body = self.body.replace(Body {
            ret: sig.ret,
            fallible: sig.fallible,
        });
        self.budget = 8;
        while self.budget > 0 && !self.u.is_empty() {
            self.stmt()?;
        }
        let e = self.expr(sig.ret)?;
        if sig.fallible {
            self.line(&format!("return ok({e})"));
        } else if self.chance(3)? {
            // A final expression is the result.
            self.line(&e);
        } else {
            self.line(&format!("return {e}"));
        }
        self.body = old_body;
        self.indent -= 1;
        self.line("}");
        self.scopes = saved;
        Ok(())
    }

    // ------------------------------------------------------------ statements

    fn block(&mut self, header: &str, body: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        self.block_with_tail(header, body, |_| Ok(()))
    }

    /// A `{ … }` block: `head` declares what the header binds, a few random
    /// statements follow, then `tail` (still inside the block's scope).
    fn block_with_tail(
        &mut self,
        header: &str,
        head: impl FnOnce(&mut Self) -> Result<()>,
        tail: impl FnOnce(&mut Self) -> Result<()>,
    ) -> Result<()> {
        self.line(&format!("{header} {{"));
        self.indent += 1;
        self.block_depth += 1;
        self.scopes.push(Vec::new());
        head(self)?;
        let n = 1 + self.pick(3)?;
        for _ in 0..n {
            if self.budget == 0 || self.u.is_empty() {
                break;
            }
            self.stmt()?;
        }
        tail(self)?;
        self.scopes.pop();
        self.block_depth -= 1;
        self.indent -= 1;
        self.line("}");
        Ok(())
    }

    fn stmt(&mut self) -> Result<()> {
        self.budget = self.budget.saturating_sub(1);
        let nested = self.block_depth < MAX_BLOCK_DEPTH;
        match self.pick(24)? {
            0..=3 => self.var_decl(),
            4 | 5 => self.assign(),
            6 | 7 => {
                let n = 1 + self.pick(3)?;
                let mut args = Vec::new();
                for _ in 0..n {
                    let ty = self.value_type()?;
                    args.push(self.expr(ty)?);
                }
                self.line(&format!("print({})", args.join(", ")));
                Ok(())
            }
            8 if nested => self.if_stmt(),
            9 if nested => self.loop_stmt(),
            10 if nested => self.iter_stmt(),
            11 if self.loop_depth > 0 => {
                let c = self.expr(Ty::Bool)?;
                let kw = ["break", "continue"][self.pick(2)?];
                self.line(&format!("if ({c}) {{ {kw}; }}"));
                Ok(())
            }
            12 => self.collection_stmt(),
            13 if nested => self.closure_decl(),
            14 if nested => self.match_stmt(),
            15 => self.fallible_stmt(),
            16 if self.body.is_some() => {
                let c = self.expr(Ty::Bool)?;
                let r = self.return_value()?;
                self.line(&format!("if ({c}) {{ return {r}; }}"));
                Ok(())
            }
            17 if self.has_frame => {
                let b = self.expr(Ty::Frame)?;
                let e = self.expr(Ty::Int)?;
                match self.pick(3)? {
                    0 => self.line(&format!("{b}.bump({e})")),
                    1 => self.line(&format!("{b}.n = {e}")),
                    _ => self.line(&format!("print({b}.label(), {b}.tag)")),
                }
                Ok(())
            }
            18 => {
                // Tuple destructuring.
                let (a, b) = (self.fresh("v"), self.fresh("v"));
                let ta = self.value_type()?;
                let tb = self.value_type()?;
                let (ea, eb) = (self.expr(ta)?, self.expr(tb)?);
                self.line(&format!("var ({a}, {b}) = ({ea}, {eb})"));
                self.declare(&a, ta, true);
                self.declare(&b, tb, true);
                Ok(())
            }
            19 => {
                // An expression statement: a call.
                let ty = self.value_type()?;
                let e = self.call_expr(ty)?.unwrap_or_else(|| "gc()".to_string());
                self.line(&e);
                Ok(())
            }
            20 if nested && self.body.is_some() => {
                let sig = self.body.unwrap_or(Body {
                    ret: Ty::Int,
                    fallible: false,
                });
                if sig.fallible {
                    let c = self.expr(Ty::Bool)?;
                    let m = self.str_lit()?;
                    self.line(&format!("if ({c}) {{ return err(Oops({m})); }}"));
                    // Propagate another fallible call's error with `?`.
                    let callee = self.fallible_call(sig.ret)?;
                    if let Some(call) = callee {
                        let v = self.fresh("v");
                        self.line(&format!("var {v} = {call}?"));
                        self.declare(&v, sig.ret, true);
                    }
                }
                Ok(())
            }
            21 => {
                let e = self.expr(Ty::Bool)?;
                let a = self.expr(Ty::Int)?;
                let b = self.expr(Ty::Int)?;
                let v = self.fresh("v");
                self.line(&format!("var {v} = {e} ? {a} : {b}"));
                self.declare(&v, Ty::Int, true);
                Ok(())
            }
            _ => self.var_decl(),
        }
    }

    fn return_value(&mut self) -> Result<String> {
        let body = self.body.unwrap_or(Body {
            ret: Ty::Int,
            fallible: false,
        });
        let e = self.expr(body.ret)?;
        Ok(if body.fallible { format!("ok({e})") } else { e })
    }

    fn var_decl(&mut self) -> Result<()> {
        let ty = self.value_type()?;
        let name = self.fresh("v");
        let e = if ty == Ty::ListInt && self.chance(4)? {
            "[]".to_string()
        } else {
            self.expr(ty)?
        };
        let annotated = e == "[]" || self.chance(3)?;
        if annotated {
            self.line(&format!("var {name}: {} = {e}", Self::ty_name(ty)));
        } else {
            self.line(&format!("var {name} = {e}"));
        }
        self.declare(&name, ty, true);
        Ok(())
    }

    fn assign(&mut self) -> Result<()> {
        let ty = [Ty::Int, Ty::Str, Ty::Float, Ty::Bool, Ty::ListInt][self.pick(5)?];
        let Some(name) = self.var_of(ty, true)? else {
            return self.var_decl();
        };
        let e = self.expr(ty)?;
        let op = match ty {
            Ty::Int => ["=", "+=", "-=", "*="][self.pick(4)?],
            Ty::Str => ["=", "+="][self.pick(2)?],
            _ => "=",
        };
        self.line(&format!("{name} {op} {e}"));
        Ok(())
    }

    fn if_stmt(&mut self) -> Result<()> {
        let c = self.expr(Ty::Bool)?;
        self.block(&format!("if ({c})"), |_| Ok(()))?;
        // The closing brace is on its own line; `elif`/`else` follow it.
        while self.chance(3)? {
            let c = self.expr(Ty::Bool)?;
            self.out.pop();
            self.out.push(' ');
            let start = self.out.len();
            self.block(&format!("elif ({c})"), |_| Ok(()))?;
            strip_indent(&mut self.out, start);
        }
        if self.chance(2)? {
            self.out.pop();
            self.out.push(' ');
            let start = self.out.len();
            self.block("else", |_| Ok(()))?;
            strip_indent(&mut self.out, start);
        }
        Ok(())
    }

    fn loop_stmt(&mut self) -> Result<()> {
        self.loop_depth += 1;
        let result = if self.chance(2)? {
            // while, with a counter so that most loops end on their own.
            let i = self.fresh("i");
            let n = self.pick(8)?;
            self.line(&format!("var {i} = 0"));
            let c = self.expr(Ty::Bool)?;
            let join = ["and", "or"][self.pick(2)?];
            self.block(&format!("while ({i} < {n} {join} {c})"), |g| {
                g.line(&format!("{i} += 1"));
                Ok(())
            })
        } else {
            let k = self.fresh("k");
            let n = self.expr(Ty::Int)?;
            let step = 1 + self.pick(3)?;
            let header = format!("for (var {k} = 0; {k} < {n}; {k} += {step})");
            self.block(&header, |g| {
                g.declare(&k, Ty::Int, false);
                Ok(())
            })
        };
        self.loop_depth -= 1;
        result
    }

    fn iter_stmt(&mut self) -> Result<()> {
        self.loop_depth += 1;
        let x = self.fresh("x");
        let result = match self.pick(4)? {
            0 => {
                let a = self.expr(Ty::Int)?;
                let b = self.expr(Ty::Int)?;
                let range = match self.pick(3)? {
                    0 => format!("{a}..{b}"),
                    1 => format!("{a}..={b}"),
                    _ => format!("{a}..{b}..{}", 1 + self.pick(4)?),
                };
                self.block(&format!("iter ({x} in {range})"), |g| {
                    g.declare(&x, Ty::Int, false);
                    Ok(())
                })
            }
            1 => {
                let l = self.expr(Ty::ListInt)?;
                self.block(&format!("iter ({x} in {l})"), |g| {
                    g.declare(&x, Ty::Int, false);
                    Ok(())
                })
            }
            2 => {
                let d = self.expr(Ty::DictInt)?;
                let y = self.fresh("y");
                self.block(&format!("iter ({x}, {y} in {d})"), |g| {
                    g.declare(&x, Ty::Str, false);
                    g.declare(&y, Ty::Int, false);
                    Ok(())
                })
            }
            _ => {
                let s = self.expr(Ty::Str)?;
                self.block(&format!("iter ({x} in {s}.split(\",\"))"), |g| {
                    g.declare(&x, Ty::Str, false);
                    Ok(())
                })
            }
        };
        self.loop_depth -= 1;
        result
    }

    fn collection_stmt(&mut self) -> Result<()> {
        if self.chance(2)? {
            let Some(l) = self.var_of(Ty::ListInt, false)? else {
                return self.var_decl();
            };
            let e = self.expr(Ty::Int)?;
            match self.pick(5)? {
                0 => self.line(&format!("{l}.push({e})")),
                1 => self.line(&format!("{l}.sort()")),
                2 => {
                    let v = self.expr(Ty::Int)?;
                    self.line(&format!("{l}[{e}] = {v}"))
                }
                3 => self.line(&format!("{l}.pop() ? else {{ nil }}")),
                _ => self.line(&format!("{l}.reverse()")),
            }
        } else {
            let Some(d) = self.var_of(Ty::DictInt, false)? else {
                return self.var_decl();
            };
            let k = self.expr(Ty::Str)?;
            let e = self.expr(Ty::Int)?;
            self.line(&format!("{d}[{k}] = {e}"));
        }
        Ok(())
    }

    fn closure_decl(&mut self) -> Result<()> {
        let name = self.fresh("c");
        let x = self.fresh("a");
        let nested_fn = self.chance(3)?;
        let header = if nested_fn {
            format!("fn {name}({x}: int): int")
        } else {
            format!("var {name} = fn({x}: int): int")
        };
        // A nested function cannot use the method's `this`.
        let saved = self.scopes.clone();
        for scope in &mut self.scopes {
            scope.retain(|v| !v.name.starts_with("this."));
        }
        if nested_fn {
            // Nested functions are hoisted: recursion is allowed.
            self.declare(&name, Ty::FnInt, false);
        }
        let old_body = self.body.replace(Body {
            ret: Ty::Int,
            fallible: false,
        });
        let old_loops = std::mem::replace(&mut self.loop_depth, 0);
        self.block_with_tail(
            &header,
            |g| {
                g.declare(&x, Ty::Int, true);
                Ok(())
            },
            |g| {
                let r = g.expr(Ty::Int)?;
                g.line(&format!("return {r}"));
                Ok(())
            },
        )?;
        self.loop_depth = old_loops;
        self.body = old_body;
        self.scopes = saved;
        self.declare(&name, Ty::FnInt, false);
        Ok(())
    }

    fn match_stmt(&mut self) -> Result<()> {
        let ty = self.value_type()?;
        let e = self.match_expr(ty, true)?;
        self.line(&e);
        Ok(())
    }

    fn fallible_stmt(&mut self) -> Result<()> {
        let ty = [Ty::Int, Ty::Str][self.pick(2)?];
        let Some(call) = self.fallible_call(ty)? else {
            return self.var_decl();
        };
        let v = self.fresh("v");
        let e = self.fresh("e");
        match self.pick(3)? {
            0 => {
                let d = self.expr(ty)?;
                self.line(&format!("var {v} = {call} ? else {{ {d} }}"));
                self.declare(&v, ty, true);
            }
            1 => {
                let d = self.expr(ty)?;
                self.line(&format!(
                    "var {v} = {call} ? else {e} {{ print(\"failed: {{{e}}}\"); {d} }}"
                ));
                self.declare(&v, ty, true);
            }
            _ => {
                self.line(&format!("match ({call}) {{"));
                self.line(&format!("    val {v} => print(\"ok\", {v}),"));
                self.line(&format!("    err {e} => print(\"error\", {e}.kind)"));
                self.line("}");
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------ expressions

    fn expr(&mut self, ty: Ty) -> Result<String> {
        if self.expr_depth >= MAX_EXPR_DEPTH || self.u.is_empty() {
            return self.leaf(ty);
        }
        self.expr_depth += 1;
        let e = self.expr_inner(ty);
        self.expr_depth -= 1;
        e
    }

    /// A literal or a variable of type `ty`.
    fn leaf(&mut self, ty: Ty) -> Result<String> {
        if self.chance(2)? {
            if let Some(v) = self.var_of(ty, false)? {
                return Ok(v);
            }
        }
        Ok(match ty {
            Ty::Int => self.int_lit()?,
            Ty::Float => {
                let f = ["0.0", "1.5", "-2.25", "0.1", "1e3", "3.0"][self.pick(6)?];
                f.to_string()
            }
            Ty::Bool => ["true", "false"][self.pick(2)?].to_string(),
            Ty::Str => self.str_lit()?,
            Ty::ListInt => format!("[{}, {}]", self.int_lit()?, self.int_lit()?),
            Ty::DictInt => format!("({{\"a\": {}}})", self.int_lit()?),
            Ty::Enum => self.enum_leaf(),
            Ty::Frame => format!("Box({}, {})", self.int_lit()?, self.str_lit()?),
            Ty::FnInt => "fn(q: int): int { return q + 1; }".to_string(),
        })
    }

    fn enum_leaf(&self) -> String {
        match self.variants.first() {
            Some(0) | None => "Sh.V0".to_string(),
            Some(1) => "Sh.V0(1)".to_string(),
            Some(_) => "Sh.V0(1, 2)".to_string(),
        }
    }

    fn int_lit(&mut self) -> Result<String> {
        Ok(match self.pick(8)? {
            0 => "0".to_string(),
            1 => "1".to_string(),
            2 => "-1".to_string(),
            3 => "9223372036854775807".to_string(),
            4 => "-9223372036854775808".to_string(),
            5 => "100000".to_string(),
            _ => self.u.int_in_range(-5..=40i32)?.to_string(),
        })
    }

    fn str_lit(&mut self) -> Result<String> {
        const PIECES: &[&str] = &[
            "a", "xy", " ", ",", "\\n", "\\t", "\\\"", "\\\\", "\\{", "é", "日本", "🦀", "", "0",
        ];
        let n = self.pick(4)?;
        let mut s = String::from("\"");
        for _ in 0..n {
            s.push_str(PIECES[self.pick(PIECES.len())?]);
        }
        s.push('"');
        Ok(s)
    }

    fn call_expr(&mut self, ty: Ty) -> Result<Option<String>> {
        let candidates: Vec<FnSig> = self
            .funcs
            .iter()
            .filter(|f| f.ret == ty && !f.fallible)
            .cloned()
            .collect();
        if candidates.is_empty() {
            return Ok(None);
        }
        let f = candidates[self.pick(candidates.len())?].clone();
        let mut args = Vec::new();
        for p in &f.params {
            args.push(self.expr(*p)?);
        }
        Ok(Some(format!("{}({})", f.name, args.join(", "))))
    }

    fn fallible_call(&mut self, ty: Ty) -> Result<Option<String>> {
        let candidates: Vec<FnSig> = self
            .funcs
            .iter()
            .filter(|f| f.ret == ty && f.fallible)
            .cloned()
            .collect();
        if candidates.is_empty() {
            return Ok(None);
        }
        let f = candidates[self.pick(candidates.len())?].clone();
        let mut args = Vec::new();
        for p in &f.params {
            args.push(self.expr(*p)?);
        }
        Ok(Some(format!("{}({})", f.name, args.join(", "))))
    }

    fn expr_inner(&mut self, ty: Ty) -> Result<String> {
        // Shared forms first: a call, a conditional, a match.
        match self.pick(12)? {
            0 => {
                if let Some(c) = self.call_expr(ty)? {
                    return Ok(c);
                }
            }
            1 => {
                let c = self.expr(Ty::Bool)?;
                let a = self.expr(ty)?;
                let b = self.expr(ty)?;
                return Ok(format!("({c} ? {a} : {b})"));
            }
            2 if ty != Ty::FnInt => return self.match_expr(ty, false),
            3 if matches!(ty, Ty::Int | Ty::Str) => {
                if let Some(call) = self.fallible_call(ty)? {
                    let d = self.expr(ty)?;
                    return Ok(format!("({call} ? else {{ {d} }})"));
                }
            }
            _ => {}
        }
        match ty {
            Ty::Int => self.int_expr(),
            Ty::Float => self.float_expr(),
            Ty::Bool => self.bool_expr(),
            Ty::Str => self.str_expr(),
            Ty::ListInt => self.list_expr(),
            Ty::DictInt => {
                let n = self.pick(3)?;
                let mut items = Vec::new();
                for _ in 0..n {
                    let k = self.str_lit()?;
                    let v = self.expr(Ty::Int)?;
                    items.push(format!("{k}: {v}"));
                }
                if items.is_empty() {
                    return self.leaf(ty);
                }
                // In parentheses: after `=>` or at the start of a block a
                // brace opens a block.
                Ok(format!("({{{}}})", items.join(", ")))
            }
            Ty::Enum => {
                let i = self.pick(self.variants.len())?;
                let args = match self.variants[i] {
                    0 => String::new(),
                    1 => format!("({})", self.expr(Ty::Int)?),
                    _ => format!("({}, {})", self.expr(Ty::Int)?, self.expr(Ty::Int)?),
                };
                Ok(format!("Sh.V{i}{args}"))
            }
            Ty::Frame => {
                let n = self.expr(Ty::Int)?;
                let t = self.expr(Ty::Str)?;
                if self.chance(2)? {
                    Ok(format!("Box(tag={t}, n={n})"))
                } else {
                    Ok(format!("Box({n}, {t})"))
                }
            }
            Ty::FnInt => self.leaf(ty),
        }
    }

    fn int_expr(&mut self) -> Result<String> {
        Ok(match self.pick(16)? {
            0 => self.leaf(Ty::Int)?,
            1..=3 => {
                let op = ["+", "-", "*", "/", "%", "+", "-"][self.pick(7)?];
                format!("({} {op} {})", self.expr(Ty::Int)?, self.expr(Ty::Int)?)
            }
            4 => format!("({} ** {})", self.expr(Ty::Int)?, self.pick(9)?),
            5 => format!("-{}", self.expr(Ty::Int)?),
            6 => format!("{}.len()", self.expr(Ty::Str)?),
            7 => format!("{}.len()", self.expr(Ty::ListInt)?),
            8 => match self.var_of(Ty::FnInt, false)? {
                Some(f) => format!("{f}({})", self.expr(Ty::Int)?),
                None => self.leaf(Ty::Int)?,
            },
            9 => {
                let l = self.expr(Ty::ListInt)?;
                let i = self.expr(Ty::Int)?;
                if self.chance(2)? {
                    format!("({l}[{i}] ?else {{ 0 }})")
                } else {
                    format!("{l}[{i}]")
                }
            }
            10 => format!(
                "{}.get({}, {})",
                self.expr(Ty::DictInt)?,
                self.expr(Ty::Str)?,
                self.expr(Ty::Int)?
            ),
            11 => format!("(parse_int({}) ? else {{ -1 }})", self.expr(Ty::Str)?),
            12 if self.has_frame => {
                let b = self.expr(Ty::Frame)?;
                ["{b}.get()", "{b}.n"][self.pick(2)?].replace("{b}", &b)
            }
            13 => format!(
                "{}.reduce(fn(acc, x) {{ return acc + x; }}, 0)",
                self.expr(Ty::ListInt)?
            ),
            14 => format!("int({})", self.expr(Ty::Float)?),
            _ => self.leaf(Ty::Int)?,
        })
    }

    fn float_expr(&mut self) -> Result<String> {
        Ok(match self.pick(4)? {
            0 => self.leaf(Ty::Float)?,
            1 => {
                let op = ["+", "-", "*", "/"][self.pick(4)?];
                format!("({} {op} {})", self.expr(Ty::Float)?, self.expr(Ty::Float)?)
            }
            2 => format!("({} * 0.5)", self.expr(Ty::Float)?),
            _ => format!("float({})", self.expr(Ty::Int)?),
        })
    }

    fn bool_expr(&mut self) -> Result<String> {
        Ok(match self.pick(8)? {
            0 => self.leaf(Ty::Bool)?,
            1 | 2 => {
                let op = ["<", "<=", ">", ">=", "==", "!="][self.pick(6)?];
                format!("({} {op} {})", self.expr(Ty::Int)?, self.expr(Ty::Int)?)
            }
            3 => {
                let op = ["and", "or"][self.pick(2)?];
                format!("({} {op} {})", self.expr(Ty::Bool)?, self.expr(Ty::Bool)?)
            }
            4 => format!("!{}", self.expr(Ty::Bool)?),
            5 => {
                let ty = self.value_type()?;
                let op = ["==", "!="][self.pick(2)?];
                format!("({} {op} {})", self.expr(ty)?, self.expr(ty)?)
            }
            6 => format!("{}.contains({})", self.expr(Ty::Str)?, self.expr(Ty::Str)?),
            _ => format!(
                "{}.contains({})",
                self.expr(Ty::DictInt)?,
                self.expr(Ty::Str)?
            ),
        })
    }

    fn str_expr(&mut self) -> Result<String> {
        Ok(match self.pick(12)? {
            0 => self.leaf(Ty::Str)?,
            1 => {
                // Interpolation of any value.
                let mut s = String::from("\"");
                let n = 1 + self.pick(3)?;
                for _ in 0..n {
                    let lit = self.str_lit()?;
                    s.push_str(&lit[1..lit.len() - 1]);
                    let ty = self.value_type()?;
                    let e = self.expr(ty)?;
                    if e.contains('"') || e.contains('{') {
                        // Keep interpolated expressions simple.
                        let v = self.leaf_var_or_lit(ty)?;
                        s.push_str(&format!("{{{v}}}"));
                    } else {
                        s.push_str(&format!("{{{e}}}"));
                    }
                }
                s.push('"');
                s
            }
            2 => format!("({} + {})", self.expr(Ty::Str)?, self.expr(Ty::Str)?),
            3 => format!("({} + {})", self.expr(Ty::Str)?, self.expr(Ty::Int)?),
            4 => {
                let m = ["upper", "lower", "trim"][self.pick(3)?];
                format!("{}.{m}()", self.expr(Ty::Str)?)
            }
            5 => format!("{}[{}]", self.expr(Ty::Str)?, self.expr(Ty::Int)?),
            6 => format!("{}.repeat({})", self.expr(Ty::Str)?, self.pick(5)?),
            7 => {
                let ty = self.value_type()?;
                format!("str({})", self.expr(ty)?)
            }
            8 => {
                let ty = self.value_type()?;
                format!("typeof({})", self.expr(ty)?)
            }
            9 => format!(
                "{}.replace({}, {})",
                self.expr(Ty::Str)?,
                self.str_lit()?,
                self.expr(Ty::Str)?
            ),
            10 if self.has_frame => format!("{}.label()", self.expr(Ty::Frame)?),
            _ => format!("{}.split(\",\").join(\"-\")", self.expr(Ty::Str)?),
        })
    }

    fn leaf_var_or_lit(&mut self, ty: Ty) -> Result<String> {
        if let Some(v) = self.var_of(ty, false)? {
            return Ok(v);
        }
        Ok(match ty {
            Ty::Float => "2.5".to_string(),
            Ty::Bool => "true".to_string(),
            Ty::Str => "nil".to_string(),
            _ => self.int_lit()?,
        })
    }

    fn list_expr(&mut self) -> Result<String> {
        Ok(match self.pick(5)? {
            0 => self.leaf(Ty::ListInt)?,
            1 => {
                let n = 1 + self.pick(4)?;
                let mut items = Vec::new();
                for _ in 0..n {
                    items.push(self.expr(Ty::Int)?);
                }
                format!("[{}]", items.join(", "))
            }
            2 => format!(
                "{}.map(fn(x: int): int {{ return x * {}; }})",
                self.expr(Ty::ListInt)?,
                self.int_lit()?
            ),
            3 => format!(
                "{}.filter(fn(x: int): bool {{ return x > {}; }})",
                self.expr(Ty::ListInt)?,
                self.int_lit()?
            ),
            _ => format!(
                "({} + {})",
                self.expr(Ty::ListInt)?,
                self.expr(Ty::ListInt)?
            ),
        })
    }

    /// `match` on a value of a random type giving `ty` (as an expression),
    /// or printing (as a statement).
    fn match_expr(&mut self, ty: Ty, statement: bool) -> Result<String> {
        let scrutinee_ty = if !self.variants.is_empty() && self.chance(3)? {
            Ty::Enum
        } else {
            [Ty::Int, Ty::Str, Ty::ListInt][self.pick(3)?]
        };
        let scrutinee = self.expr(scrutinee_ty)?;
        let mut arms: Vec<(String, Vec<(String, Ty)>)> = Vec::new();
        let mut exhaustive = false;
        match scrutinee_ty {
            Ty::Int => {
                let n = 1 + self.pick(4)?;
                for _ in 0..n {
                    let p = match self.pick(5)? {
                        0 => (self.int_lit()?, vec![]),
                        1 => (format!("{}..{}", self.pick(10)?, self.pick(20)?), vec![]),
                        2 => (format!("{} | {}", self.int_lit()?, self.int_lit()?), vec![]),
                        3 => {
                            let k = self.fresh("m");
                            (
                                format!("{k} where {k} < {}", self.int_lit()?),
                                vec![(k, Ty::Int)],
                            )
                        }
                        _ => ("int".to_string(), vec![]),
                    };
                    arms.push(p);
                }
            }
            Ty::Str => {
                let n = 1 + self.pick(3)?;
                for _ in 0..n {
                    let p = match self.pick(3)? {
                        0 => (self.str_lit()?, vec![]),
                        1 => (format!("{} | {}", self.str_lit()?, self.str_lit()?), vec![]),
                        _ => ("str".to_string(), vec![]),
                    };
                    arms.push(p);
                }
            }
            Ty::ListInt => {
                arms.push(("[]".to_string(), vec![]));
                if self.chance(2)? {
                    let (a, b) = (self.fresh("m"), self.fresh("m"));
                    arms.push((format!("[{a}, {b}]"), vec![(a, Ty::Int), (b, Ty::Int)]));
                }
                let (f, r) = (self.fresh("m"), self.fresh("m"));
                arms.push((
                    format!("[{f}, ...{r}]"),
                    vec![(f, Ty::Int), (r, Ty::ListInt)],
                ));
            }
            _ => {
                exhaustive = self.chance(2)?;
                for (i, arity) in self.variants.clone().into_iter().enumerate() {
                    if !exhaustive && self.chance(2)? {
                        continue;
                    }
                    let names: Vec<String> = (0..arity).map(|_| self.fresh("m")).collect();
                    let pat = if arity == 0 {
                        format!("Sh.V{i}")
                    } else {
                        format!("Sh.V{i}({})", names.join(", "))
                    };
                    arms.push((pat, names.into_iter().map(|n| (n, Ty::Int)).collect()));
                }
            }
        }
        let mut text = format!("match ({scrutinee}) {{ ");
        let mut parts = Vec::new();
        let add_default = !exhaustive || arms.is_empty();
        for (pat, binds) in arms {
            self.scopes.push(
                binds
                    .iter()
                    .map(|(n, t)| Var {
                        name: n.clone(),
                        ty: *t,
                        mutable: false,
                    })
                    .collect(),
            );
            let body = if statement {
                let e = self.expr(Ty::Str)?;
                format!("print({e})")
            } else {
                self.expr(ty)?
            };
            self.scopes.pop();
            parts.push(format!("{pat} => {body}"));
        }
        if add_default || self.chance(4)? {
            let body = if statement {
                "print(\"default\")".to_string()
            } else {
                self.leaf(ty)?
            };
            parts.push(format!("_ => {body}"));
        }
        text.push_str(&parts.join(", "));
        text.push_str(" }");
        Ok(if statement { text } else { format!("({text})") })
    }
}

/// Remove the indentation `block` wrote at `start` (the header of an
/// `elif`/`else` continues the previous line).
fn strip_indent(out: &mut String, start: usize) {
    let rest = out[start..].trim_start_matches(' ').to_string();
    out.truncate(start);
    out.push_str(&rest);
}
