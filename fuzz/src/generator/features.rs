//! Scenarios that reach the object model and concurrency (issue 18, "What
//! to build"): frames in inheritance chains under an abstract root with a
//! trait, `super`, statics, `deinit`, closures capturing `this`, cyclic
//! instances; enums with payloads folded by `match`; callbacks of `map` and
//! `sort_by` that recurse; cyclic lists and dicts; `concurrent` and
//! `parallel` blocks with channels, workers and atomics, in forms whose
//! result is deterministic.
//!
//! Each scenario is self-contained (its own declarations, suffixed with a
//! fresh number) and carries its own oracle where the language fixes one:
//! every instance's `deinit` runs exactly once, which an `assert` after the
//! scenario and a `gc()` checks (the `run` target treats a failed assert as
//! a bug). Numbers come from the generator's int expressions over an empty
//! scope, so the scenario's shape is random but its names are its own.

use arbitrary::Result;

use super::{Gen, Ty};

impl Gen<'_, '_> {
    /// One random scenario at the top level of the program.
    pub(super) fn scenario(&mut self) -> Result<()> {
        let k = self.fresh("");
        match self.pick(6)? {
            0 => self.hierarchy_scenario(&k),
            1 => self.enum_tree_scenario(&k),
            2 => self.concurrency_scenario(&k),
            3 => self.cyclic_scenario(&k),
            // Numeric functions and loops for the native-code tier
            // (numeric.rs), twice as likely as each of the others.
            _ => self.numeric_scenario(&k),
        }
    }

    /// An int expression that uses no variable (only literals, operators
    /// and calls of the program's functions), for use anywhere.
    fn free_int(&mut self) -> Result<String> {
        let saved = std::mem::replace(&mut self.scopes, vec![Vec::new()]);
        let body = self.body.take();
        let e = self.expr(Ty::Int);
        self.body = body;
        self.scopes = saved;
        e
    }

    /// A small literal count, 0 ..= `max`.
    fn count(&mut self, max: usize) -> Result<usize> {
        self.pick(max + 1)
    }

    /// The recursive helper callbacks call: `rec{k}(n)` recurses through
    /// `map` (so a callback re-enters the native that called it).
    fn recursing_helper(&mut self, k: &str) -> Result<()> {
        let base = self.free_int()?;
        self.line(&format!("fn rec{k}(n: int): int {{"));
        self.line(&format!("    if (n <= 0) {{ return {base} % 7; }}"));
        self.line(&format!(
            "    return [n - 1, n - 2].map(fn(v: int): int {{ return rec{k}(v); }}).sum() + 1"
        ));
        self.line("}");
        Ok(())
    }

    fn hierarchy_scenario(&mut self, k: &str) -> Result<()> {
        let depth = 1 + self.count(3)?;
        self.recursing_helper(k)?;
        self.line(&format!("var made{k} = 0"));
        self.line(&format!("var gone{k} = 0"));
        self.line(&format!(
            "trait T{k} {{ fn val(): int; fn twice(): int {{ return self.val() * 2; }} }}"
        ));
        self.line(&format!("abstract frame A{k} : T{k} {{"));
        self.line("    pub var x: int = 0");
        self.line(&format!("    pub var next: A{k}? = nil"));
        self.line("    pub static var count = 0");
        self.line("    prot abstract fn step(): int;");
        self.line("    pub fn val(): int { return this.x + this.step(); }");
        self.line(
            "    pub fn adder(): fn(int): int { return fn(y: int): int { return this.x + y; }; }",
        );
        self.line(&format!("    deinit() {{ gone{k} += 1; }}"));
        self.line("}");
        for level in 1..=depth {
            let parent = if level == 1 {
                format!("A{k}")
            } else {
                format!("B{k}_{}", level - 1)
            };
            let e = self.free_int()?;
            let body = if level == 1 || self.chance(3)? {
                format!("return {e} % 1000;")
            } else {
                format!("return super.step() + {e} % 1000;")
            };
            self.line(&format!(
                "frame B{k}_{level} : {parent} {{ prot fn step(): int {{ {body} }} }}"
            ));
        }
        // The factory counts instances as it makes them.
        self.line(&format!("fn mk{k}(d: int, x: int): A{k} {{"));
        self.line(&format!("    made{k} += 1"));
        self.line(&format!("    A{k}.count += 1"));
        for level in 1..depth {
            self.line(&format!(
                "    if (d % {depth} == {level}) {{ var o = B{k}_{level}(); o.x = x; return o; }}"
            ));
        }
        self.line(&format!("    var o = B{k}_{depth}()"));
        self.line("    o.x = x");
        self.line("    return o");
        self.line("}");
        let n = 1 + self.count(5)?;
        let x = self.free_int()?;
        self.line(&format!("frame P{k} {{ pub var a: int; pub var b: int; }}"));
        self.line(&format!("fn run{k}(): int {{"));
        self.line("    var total = 0");
        self.line(&format!("    var objs: [A{k}] = []"));
        self.line(&format!(
            "    iter (i in 0..{n}) {{ objs.push(mk{k}(i, ({x}) % 100 + i)); }}"
        ));
        for _ in 0..1 + self.count(3)? {
            match self.pick(8)? {
                0 => self.line("    iter (o in objs) { total += o.val() + o.twice(); }"),
                6 => {
                    // A loop's local taking instances of several classes
                    // from the list in turn, their methods called (the
                    // native-code tier owns the local's reference and
                    // picks each method by the class).
                    let rounds = 1 + self.count(40)?;
                    let cur = self.fresh("cur");
                    self.line(&format!("    var {cur} = objs[0]"));
                    self.line(&format!(
                        "    iter (i in 0..{rounds}) {{ {cur} = objs[i % {n}]; total += {cur}.val() % 1000; }}"
                    ));
                }
                7 => {
                    // Instances made straight into a list, read back by
                    // name through an `iter` binding.
                    let ps = self.fresh("ps");
                    let count = 1 + self.count(40)?;
                    let e = self.free_int()?;
                    self.line(&format!("    var {ps}: [P{k}] = []"));
                    self.line(&format!(
                        "    iter (i in 0..{count}) {{ {ps}.push(P{k}(i, ({e}) % 100)); }}"
                    ));
                    self.line(&format!(
                        "    iter (q in {ps}) {{ total += q.a * 2 + q.b % 7; }}"
                    ));
                }
                1 => {
                    let f = self.fresh("add");
                    self.line(&format!("    var {f} = objs[0].adder(); total += {f}(3)"))
                }
                2 if n >= 2 => {
                    // A cycle of instances: only the collector frees it.
                    self.line("    objs[0].next = objs[1]; objs[1].next = objs[0]")
                }
                3 => self.line(&format!(
                    "    objs.sort_by(fn(o: A{k}): int {{ return rec{k}(o.x % 5) - o.val(); }})"
                )),
                4 => self.line(&format!(
                    "    total += objs.map(fn(o: A{k}): int {{ return rec{k}(o.val() % 4); }}).sum()"
                )),
                _ => self.line(&format!(
                    "    print(objs.len(), A{k}.count, objs[0].val(), objs[{}].twice())",
                    n - 1
                )),
            }
        }
        self.line("    return total");
        self.line("}");
        self.line(&format!("print(run{k}())"));
        self.line("gc()");
        self.line(&format!(
            "assert(made{k} == gone{k}, \"deinit ran {{gone{k}}} times for {{made{k}}} instances\")"
        ));
        Ok(())
    }

    fn enum_tree_scenario(&mut self, k: &str) -> Result<()> {
        let leaf = self.free_int()?;
        let empty = self.free_int()?;
        self.line(&format!(
            "enum Tr{k} {{ Leaf(int), Node(Tr{k}, Tr{k}), Empty }}"
        ));
        self.line(&format!("fn build{k}(n: int): Tr{k} {{"));
        self.line(&format!(
            "    if (n <= 0) {{ return Tr{k}.Leaf(n + ({leaf}) % 50); }}"
        ));
        self.line(&format!("    if (n % 4 == 3) {{ return Tr{k}.Empty; }}"));
        self.line(&format!(
            "    return Tr{k}.Node(build{k}(n - 1), build{k}(n - 2))"
        ));
        self.line("}");
        self.line(&format!("fn fold{k}(t: Tr{k}): int {{"));
        self.line("    return match (t) {");
        self.line(&format!("        Tr{k}.Leaf(v) => v,"));
        self.line(&format!(
            "        Tr{k}.Node(a, b) => fold{k}(a) + fold{k}(b) * 2,"
        ));
        self.line(&format!("        Tr{k}.Empty => ({empty}) % 9"));
        self.line("    }");
        self.line("}");
        let n = self.count(8)?;
        self.line(&format!("print(fold{k}(build{k}({n})))"));
        let small = self.count(3)?;
        self.line(&format!("print(build{k}({small}))"));
        if self.chance(2)? {
            // Trees as dict keys and list members, compared with `==`.
            self.line(&format!(
                "var seen{k} = {{str(build{k}(2)): fold{k}(build{k}(2))}}"
            ));
            self.line(&format!(
                "print(seen{k}, build{k}(3) == build{k}(3), [build{k}(1)].contains(build{k}(1)))"
            ));
        }
        Ok(())
    }

    fn concurrency_scenario(&mut self, k: &str) -> Result<()> {
        let n = 1 + self.count(6)?;
        let e = self.free_int()?;
        self.line(&format!("fn conc{k}(): int {{"));
        self.line(&format!("    var m = ({e}) % 100"));
        match self.pick(4)? {
            0 => {
                // Fibers in start order: the channel's order is fixed.
                self.line("    var ch = channel()");
                self.line(&format!(
                    "    concurrent {{ task (i in 1..={n}) {{ ch.send(i * m); }} }}"
                ));
                self.line("    var got: [int] = []");
                self.line("    iter (x in ch) { got.push(x); }");
                self.line("    print(got)");
                self.line("    return got.sum()");
            }
            1 => {
                self.line("    var hits: atomic = 0");
                self.line(&format!(
                    "    parallel (cores=2) {{ task (i in 1..={n}) {{ hits += i * m; }} }}"
                ));
                self.line("    return hits");
            }
            2 => {
                // Sends from parallel tasks arrive in task order.
                self.line("    var out = channel()");
                self.line(&format!(
                    "    parallel (ch=out, cores=2) {{ task (i in 0..{n}) {{ out.send(i * m); out.send(-i); }} }}"
                ));
                self.line("    var got: [int] = []");
                self.line("    iter (x in out) { got.push(x); }");
                self.line("    print(got)");
                self.line("    return got.len()");
            }
            _ => {
                // Workers drain a channel; which worker takes which job is
                // not fixed, so only the sum is printed.
                self.line("    var jobs = channel()");
                self.line(&format!("    iter (i in 0..{n}) {{ jobs.send(i + m); }}"));
                self.line("    jobs.close()");
                self.line("    var res = channel()");
                self.line(
                    "    parallel (ch=res, cores=2) { worker (j from jobs) { res.send(j * 2); } }",
                );
                self.line("    var s = 0");
                self.line("    iter (x in res) { s += x; }");
                self.line("    return s");
            }
        }
        self.line("}");
        self.line(&format!("print(conc{k}())"));
        Ok(())
    }

    fn cyclic_scenario(&mut self, k: &str) -> Result<()> {
        let e = self.free_int()?;
        match self.pick(3)? {
            0 => {
                self.line(&format!("var l{k}: [any] = [{e}]"));
                self.line(&format!("l{k}.push(l{k})"));
                self.line(&format!("print(l{k}, l{k} == l{k}, len(str(l{k})) > 0)"));
            }
            1 => {
                self.line(&format!("var d{k}: {{str: any}} = {{\"v\": {e}}}"));
                self.line(&format!("d{k}[\"self\"] = d{k}"));
                self.line(&format!("print(d{k}, d{k}.len())"));
            }
            _ => {
                // Two lists holding each other, compared and dropped.
                self.line(&format!("fn cyc{k}(): bool {{"));
                self.line(&format!("    var a: [any] = [{e}]"));
                self.line("    var b: [any] = [a]");
                self.line("    a.push(b)");
                self.line("    print(a)");
                self.line("    return a == b");
                self.line("}");
                self.line(&format!("print(cyc{k}())"));
                self.line("gc()");
            }
        }
        Ok(())
    }
}
