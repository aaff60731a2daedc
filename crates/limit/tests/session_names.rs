//! A chunk of an `Engine` session (the REPL compiles its inputs the same
//! way) is resolved together with the chunks before it, so a name an
//! earlier chunk declared or imported denotes in a later chunk what it
//! would in one file (LANGUAGE §2, §7, §8, §10): its globals, functions,
//! frames, enums, variants and shown members, from closures, methods and
//! patterns alike, and a later chunk's local of the same name shadows it.

use limit::{Engine, Error, Value};

#[test]
fn earlier_chunks_names_reach_later_closures_methods_and_patterns() -> Result<(), Error> {
    let mut engine = Engine::new();
    engine.run_str("var base = 10")?;
    engine.run_str("enum Shape { Dot, Box(int) }")?;
    engine.run_str("fn twice(n: int): int { return n * 2; }")?;
    // A method using a bare field of its frame and an earlier global.
    engine.run_str(
        "frame Counter { pub n: int; fn init(start: int) { this.n = start; } \
         pub fn bump(): int { n += base; return n; } }",
    )?;
    // Bare variants of an earlier chunk's enum are variants in a pattern.
    engine.run_str(
        "fn area(s: Shape): int { return match (s) { Dot => 0, Box(w) => twice(w) + base }; }",
    )?;
    assert_eq!(engine.run_str("area(Box(3)) + area(Dot)")?, Value::Int(16));
    engine.run_str("var c = Counter(1)")?;
    assert_eq!(engine.run_str("c.bump()")?, Value::Int(11));
    // A later top-level declaration replaces the value the method reads.
    engine.run_str("var base = 100")?;
    assert_eq!(engine.run_str("c.bump()")?, Value::Int(111));
    // A closure made in a later chunk captures the global by reference.
    engine.run_str("var step = fn(): int { base += 1; return base; }")?;
    assert_eq!(engine.run_str("step() + step()")?, Value::Int(203));
    assert_eq!(engine.run_str("base")?, Value::Int(102));
    Ok(())
}

#[test]
fn a_later_chunks_locals_shadow_earlier_names() -> Result<(), Error> {
    let mut engine = Engine::new();
    engine.run_str("var base = 10")?;
    engine.run_str("fn twice(n: int): int { return n * 2; }")?;
    // The closure captures the function's own `base`, not the global.
    engine.run_str(
        "fn make(): fn(): int { var base = 1; return fn(): int { base += 1; return twice(base); }; }",
    )?;
    engine.run_str("var next = make()")?;
    assert_eq!(engine.run_str("next() + next()")?, Value::Int(10));
    assert_eq!(engine.run_str("base")?, Value::Int(10));
    // A pattern name that names a variable binds (LANGUAGE §8).
    assert_eq!(
        engine.run_str("match (5) { base => base + twice(base) }")?,
        Value::Int(15)
    );
    // A parameter named like an earlier function.
    assert_eq!(
        engine.run_str("fn apply(twice: int): int { return twice + 1; }\napply(4)")?,
        Value::Int(5)
    );
    Ok(())
}

const SHAPES: &str = r#"
pub enum Unit { Cm, Inch }
pub frame Square {
    pub side: int;
    pub unit: Unit = Unit.Cm;
}
pub fn make(side: int): Square { return Square(side=side, unit=Unit.Inch); }
"#;

#[test]
fn an_earlier_chunks_shown_members_are_bound_in_later_chunks() -> Result<(), Error> {
    let mut engine = Engine::new();
    engine.set_module_resolver(|name: &str| (name == "geo.shapes").then(|| SHAPES.to_string()));
    engine.run_str("import geo.shapes show make, Unit;")?;
    engine.run_str(
        "fn inches(side: int): int { var s = make(side); \
         return match (s.unit) { Inch => s.side, Cm => 0 }; }",
    )?;
    assert_eq!(engine.run_str("inches(7)")?, Value::Int(7));
    engine.run_str("var widths = [1, 2].map(fn(k: int): int { return inches(k) * 10; })")?;
    assert_eq!(engine.run_str("widths[0] + widths[1]")?, Value::Int(30));
    Ok(())
}
