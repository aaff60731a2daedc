//! A scenario for the native-code tier (issue 23): small functions of
//! ints, floats and bools that call each other (and themselves, with a
//! guard that ends the recursion) and run counting, `while` and nested
//! loops: what `--jit=always` compiles. Constants near the int range's
//! ends make sums and products overflow into big ints, and divisors of 0
//! and -1 trap or overflow, which makes compiled code deoptimise in the
//! middle of a loop or a call. An occasional `print`, string or list in
//! a loop body leaves compiled code at that instruction.
//!
//! The scenario keeps its own variables (only ints, floats and bools, so
//! that most expressions stay compilable); its names are suffixed with
//! the scenario's number.

use arbitrary::Result;

use super::{strip_indent, Gen};

/// A scalar type of the numeric scenario.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Num {
    Int,
    Float,
    Bool,
}

impl Num {
    fn name(self) -> &'static str {
        match self {
            Num::Int => "int",
            Num::Float => "float",
            Num::Bool => "bool",
        }
    }
}

/// A function of the scenario: name, parameter types, result type.
#[derive(Clone)]
struct NumFn {
    name: String,
    params: Vec<Num>,
    ret: Num,
}

/// The scenario's state while one function body is generated.
struct Scope {
    vars: Vec<(String, Num, bool)>,
    /// Functions the body may call: those before it, and itself.
    callable: Vec<NumFn>,
    /// The function itself, called only with its first argument one less
    /// than its own first parameter (its guard returns at 0 or below).
    this: Option<NumFn>,
    loops: usize,
    depth: usize,
    /// The scenario's closure factory (`mk{k}`): a counter over a captured
    /// cell, made and called in loops.
    factory: String,
}

const MAX_NUM_DEPTH: usize = 3;
const MAX_NUM_NESTING: usize = 3;

impl Gen<'_, '_> {
    /// Declare 1 to 3 numeric functions and print what the last returns.
    pub(super) fn numeric_scenario(&mut self, k: &str) -> Result<()> {
        let factory = format!("mk{k}");
        self.line(&format!("fn {factory}(step: int): fn(int): int {{"));
        self.line("    var n = 0");
        self.line("    return fn(a: int): int {");
        self.line("        n = n + step * a");
        self.line("        return n");
        self.line("    }");
        self.line("}");
        // Lists made, returned and lent to another call (lists.rs).
        self.line(&format!("fn tri{k}(a: int, b: int): [int] {{"));
        self.line("    return [a, b, a + b]");
        self.line("}");
        self.line(&format!("fn sum{k}(xs: [int]): int {{"));
        self.line("    return xs[0] + xs[1] * 2 - xs[2]");
        self.line("}");
        let mut fns: Vec<NumFn> = Vec::new();
        for i in 0..1 + self.pick(3)? {
            let mut params = vec![Num::Int];
            for _ in 0..self.pick(3)? {
                params.push([Num::Int, Num::Float, Num::Int][self.pick(3)?]);
            }
            let ret = [Num::Int, Num::Float, Num::Int, Num::Bool][self.pick(4)?];
            let f = NumFn {
                name: format!("n{k}_{i}"),
                params,
                ret,
            };
            self.numeric_function(&f, &fns, &factory)?;
            fns.push(f);
        }
        let mut scope = Scope {
            vars: Vec::new(),
            callable: Vec::new(),
            this: None,
            loops: 0,
            depth: 0,
            factory,
        };
        for _ in 0..1 + self.pick(2)? {
            let f = fns[self.pick(fns.len())?].clone();
            let mut args = vec![self.num_count()?];
            for &p in &f.params[1..] {
                args.push(self.num_expr(p, &mut scope)?);
            }
            self.line(&format!("print({}({}))", f.name, args.join(", ")));
        }
        Ok(())
    }

    /// A loop count or recursion depth: mostly small, sometimes enough to
    /// run into the step limit.
    fn num_count(&mut self) -> Result<String> {
        Ok(match self.pick(6)? {
            0 => self.pick(3)?.to_string(),
            1 => (200 + self.pick(2000)?).to_string(),
            _ => (3 + self.pick(40)?).to_string(),
        })
    }

    fn numeric_function(&mut self, f: &NumFn, before: &[NumFn], factory: &str) -> Result<()> {
        let params: Vec<String> = f
            .params
            .iter()
            .enumerate()
            .map(|(i, t)| format!("q{i}: {}", t.name()))
            .collect();
        self.line(&format!(
            "fn {}({}): {} {{",
            f.name,
            params.join(", "),
            f.ret.name()
        ));
        self.indent += 1;
        let mut scope = Scope {
            vars: f
                .params
                .iter()
                .enumerate()
                .map(|(i, &t)| (format!("q{i}"), t, true))
                .collect(),
            callable: before.to_vec(),
            this: Some(f.clone()),
            loops: 0,
            depth: 0,
            factory: factory.to_string(),
        };
        // The guard's result calls no function of the scenario's own: a
        // call of itself there would never end.
        let this = scope.this.take();
        let base = self.num_expr(f.ret, &mut scope)?;
        scope.this = this;
        self.line(&format!("if (q0 <= 0) {{ return {base}; }}"));
        for _ in 0..2 + self.pick(5)? {
            self.num_stmt(&mut scope, f.ret)?;
        }
        let result = self.num_expr(f.ret, &mut scope)?;
        self.line(&format!("return {result}"));
        self.indent -= 1;
        self.line("}");
        Ok(())
    }

    fn num_var(&mut self, ty: Num, scope: &Scope, mutable: bool) -> Result<Option<String>> {
        let vars: Vec<&String> = scope
            .vars
            .iter()
            .filter(|(_, t, m)| *t == ty && (*m || !mutable))
            .map(|(n, _, _)| n)
            .collect();
        if vars.is_empty() {
            return Ok(None);
        }
        Ok(Some(vars[self.pick(vars.len())?].clone()))
    }

    /// A `{ … }` block after `head`, starting with `first` (if any).
    fn num_block(
        &mut self,
        scope: &mut Scope,
        ret: Num,
        head: &str,
        first: Option<&str>,
    ) -> Result<()> {
        self.line(&format!("{head} {{"));
        self.indent += 1;
        if let Some(first) = first {
            self.line(first);
        }
        let outer = scope.vars.len();
        scope.depth += 1;
        for _ in 0..1 + self.pick(3)? {
            self.num_stmt(scope, ret)?;
        }
        scope.depth -= 1;
        scope.vars.truncate(outer);
        self.indent -= 1;
        self.line("}");
        Ok(())
    }

    fn num_stmt(&mut self, scope: &mut Scope, ret: Num) -> Result<()> {
        let nested = scope.depth < MAX_NUM_NESTING && !self.u.is_empty();
        match self.pick(14)? {
            0..=2 => {
                let ty = [Num::Int, Num::Float, Num::Bool, Num::Int][self.pick(4)?];
                let e = self.num_expr(ty, scope)?;
                let name = self.fresh("w");
                self.line(&format!("var {name} = {e}"));
                scope.vars.push((name, ty, true));
            }
            3..=5 => {
                let ty = [Num::Int, Num::Float, Num::Int, Num::Bool][self.pick(4)?];
                let Some(v) = self.num_var(ty, scope, true)? else {
                    return Ok(());
                };
                let e = self.num_expr(ty, scope)?;
                let op = match ty {
                    Num::Int => ["=", "+=", "-=", "*=", "="][self.pick(5)?],
                    Num::Float => ["=", "+=", "*="][self.pick(3)?],
                    Num::Bool => "=",
                };
                self.line(&format!("{v} {op} {e}"));
            }
            6 | 7 if nested => {
                // A counting loop, or a `while` with its own counter.
                let n = self.num_count()?;
                let i = self.fresh("j");
                scope.loops += 1;
                if self.chance(2)? {
                    let step = 1 + self.pick(3)?;
                    let head = format!("for (var {i} = 0; {i} < {n}; {i} += {step})");
                    scope.vars.push((i, Num::Int, false));
                    self.num_block(scope, ret, &head, None)?;
                    scope.vars.pop();
                } else {
                    self.line(&format!("var {i} = 0"));
                    let c = self.num_expr(Num::Bool, scope)?;
                    let join = ["and", "or"][self.pick(2)?];
                    let head = format!("while ({i} < {n} {join} {c})");
                    let first = format!("{i} += 1");
                    scope.vars.push((i, Num::Int, false));
                    self.num_block(scope, ret, &head, Some(&first))?;
                    scope.vars.pop();
                }
                scope.loops -= 1;
            }
            8 if nested => {
                let c = self.num_expr(Num::Bool, scope)?;
                self.num_block(scope, ret, &format!("if ({c})"), None)?;
                if self.chance(2)? {
                    // `else` continues the line of the closing brace.
                    self.out.pop();
                    self.out.push(' ');
                    let start = self.out.len();
                    self.num_block(scope, ret, "else", None)?;
                    strip_indent(&mut self.out, start);
                }
            }
            9 if scope.loops > 0 => {
                let c = self.num_expr(Num::Bool, scope)?;
                let kw = ["break", "continue"][self.pick(2)?];
                self.line(&format!("if ({c}) {{ {kw}; }}"));
            }
            10 => {
                let c = self.num_expr(Num::Bool, scope)?;
                let e = self.num_expr(ret, scope)?;
                self.line(&format!("if ({c}) {{ return {e}; }}"));
            }
            11 if self.chance(3)? => {
                // Something compiled code leaves at: a print, a string, a list.
                let e = self.num_expr(Num::Int, scope)?;
                let s = self.fresh("s");
                match self.pick(3)? {
                    0 => self.line(&format!("print({e})")),
                    1 => self.line(&format!("var {s} = \"{{{e}}}\"")),
                    _ => self.line(&format!("var {s} = [{e}].len()")),
                }
            }
            13 if self.chance(2)? => {
                // A list made by one call and lent to another.
                if let Some(v) = self.num_var(Num::Int, scope, true)? {
                    let a = self.num_expr(Num::Int, scope)?;
                    let b = self.num_expr(Num::Int, scope)?;
                    let k = scope.factory.trim_start_matches("mk").to_string();
                    self.line(&format!("{v} = {v} + sum{k}(tri{k}({a}, {b}))"));
                }
            }
            12 if self.chance(2)? => {
                // A closure made (in a loop: every iteration) and called,
                // its captured cell overflowing into a big int at times.
                let c = self.fresh("c");
                let step = self.num_expr(Num::Int, scope)?;
                self.line(&format!("var {c} = {}({step})", scope.factory));
                if let Some(v) = self.num_var(Num::Int, scope, true)? {
                    let a = self.num_expr(Num::Int, scope)?;
                    let b = self.num_expr(Num::Int, scope)?;
                    self.line(&format!("{v} = {v} + {c}({a}) - {c}({b})"));
                }
            }
            _ => {
                let ty = [Num::Int, Num::Float][self.pick(2)?];
                if let Some(v) = self.num_var(ty, scope, true)? {
                    let e = self.num_expr(ty, scope)?;
                    self.line(&format!("{v} = {e}"));
                }
            }
        }
        Ok(())
    }

    fn num_expr(&mut self, ty: Num, scope: &mut Scope) -> Result<String> {
        if self.expr_depth >= MAX_NUM_DEPTH || self.u.is_empty() {
            return self.num_leaf(ty, scope);
        }
        self.expr_depth += 1;
        let e = self.num_expr_inner(ty, scope);
        self.expr_depth -= 1;
        e
    }

    fn num_leaf(&mut self, ty: Num, scope: &Scope) -> Result<String> {
        if self.chance(2)? {
            if let Some(v) = self.num_var(ty, scope, false)? {
                return Ok(v);
            }
        }
        Ok(match ty {
            Num::Int => match self.pick(10)? {
                0 => "9223372036854775807".to_string(),
                1 => "-9223372036854775807".to_string(),
                2 => "4611686018427387904".to_string(),
                3 => "-1".to_string(),
                4 => "0".to_string(),
                _ => self.u.int_in_range(-3..=100i32)?.to_string(),
            },
            Num::Float => {
                ["0.5", "1.5", "-2.25", "0.1", "1e300", "3.0", "0.0"][self.pick(7)?].to_string()
            }
            Num::Bool => ["true", "false"][self.pick(2)?].to_string(),
        })
    }

    fn num_expr_inner(&mut self, ty: Num, scope: &mut Scope) -> Result<String> {
        if self.chance(5)? {
            if let Some(call) = self.num_call(ty, scope)? {
                return Ok(call);
            }
        }
        Ok(match ty {
            Num::Int => match self.pick(8)? {
                0 | 1 => self.num_leaf(ty, scope)?,
                2..=5 => {
                    let op = ["+", "-", "*", "/", "%", "+", "*"][self.pick(7)?];
                    let a = self.num_expr(Num::Int, scope)?;
                    let b = self.num_expr(Num::Int, scope)?;
                    format!("({a} {op} {b})")
                }
                6 => format!("-{}", self.num_expr(Num::Int, scope)?),
                _ => {
                    let c = self.num_expr(Num::Bool, scope)?;
                    let a = self.num_expr(Num::Int, scope)?;
                    let b = self.num_expr(Num::Int, scope)?;
                    format!("({c} ? {a} : {b})")
                }
            },
            // Mostly floats with floats: the fused local instructions
            // compile only operands of one kind, so an int meeting a float
            // there leaves compiled code (a path worth testing, not often).
            Num::Float => match self.pick(10)? {
                0 | 1 => self.num_leaf(ty, scope)?,
                2..=6 => {
                    let op = ["+", "-", "*", "/"][self.pick(4)?];
                    let a = self.num_expr(Num::Float, scope)?;
                    let b = self.num_expr(Num::Float, scope)?;
                    format!("({a} {op} {b})")
                }
                7 => {
                    let op = ["+", "-", "*", "/"][self.pick(4)?];
                    let a = self.num_expr(Num::Int, scope)?;
                    let b = self.num_expr(Num::Float, scope)?;
                    if self.chance(2)? {
                        format!("({a} {op} {b})")
                    } else {
                        format!("({b} {op} {a})")
                    }
                }
                // `float()` is a call compiled code leaves at; `* 1.0`
                // converts in compiled code.
                8 if self.chance(4)? => format!("float({})", self.num_expr(Num::Int, scope)?),
                8 => format!("({} * 1.0)", self.num_expr(Num::Int, scope)?),
                _ => format!("-{}", self.num_expr(Num::Float, scope)?),
            },
            Num::Bool => match self.pick(6)? {
                0 => self.num_leaf(ty, scope)?,
                1 | 2 => {
                    let t = [Num::Int, Num::Int, Num::Float][self.pick(3)?];
                    // Float equality is rare: compiled code leaves there.
                    let ops = if t == Num::Float && !self.chance(8)? {
                        4
                    } else {
                        6
                    };
                    let op = ["<", "<=", ">", ">=", "==", "!="][self.pick(ops)?];
                    let a = self.num_expr(t, scope)?;
                    let b = self.num_expr(t, scope)?;
                    format!("({a} {op} {b})")
                }
                3 => {
                    let op = ["and", "or"][self.pick(2)?];
                    let a = self.num_expr(Num::Bool, scope)?;
                    let b = self.num_expr(Num::Bool, scope)?;
                    format!("({a} {op} {b})")
                }
                4 => format!("!{}", self.num_expr(Num::Bool, scope)?),
                _ => {
                    let a = self.num_expr(Num::Bool, scope)?;
                    let b = self.num_expr(Num::Bool, scope)?;
                    format!("({a} == {b})")
                }
            },
        })
    }

    /// A call of a scenario function returning `ty`: an earlier one with
    /// any arguments, or the function itself one level down.
    fn num_call(&mut self, ty: Num, scope: &mut Scope) -> Result<Option<String>> {
        let mut candidates: Vec<(NumFn, bool)> = scope
            .callable
            .iter()
            .filter(|f| f.ret == ty)
            .map(|f| (f.clone(), false))
            .collect();
        if let Some(f) = scope.this.as_ref().filter(|f| f.ret == ty) {
            candidates.push((f.clone(), true));
        }
        if candidates.is_empty() {
            return Ok(None);
        }
        let (f, itself) = candidates[self.pick(candidates.len())?].clone();
        let mut args = Vec::new();
        for (i, &p) in f.params.iter().enumerate() {
            if i == 0 {
                let d = 1 + self.pick(2)?;
                args.push(if itself {
                    format!("q0 - {d}")
                } else {
                    self.num_count()?
                });
            } else {
                args.push(self.num_expr(p, scope)?);
            }
        }
        Ok(Some(format!("{}({})", f.name, args.join(", "))))
    }
}
