//! Host functions and host types inside imported modules (issue 25): a
//! module compiled within an engine sees what the host registered, typed
//! exactly as the engine's chunks see it, whether the host's resolver
//! serves it or it is a file. Standard modules see none of it.

use limit::{Capabilities, Engine, Error, Value};

#[derive(Debug)]
struct Player {
    name: String,
    hp: i64,
}

/// An engine with a die, a `Player` type, and the modules of `modules`.
fn engine(modules: &'static [(&'static str, &'static str)]) -> Engine {
    let mut engine = Engine::new();
    engine.register_fn("roll", |sides: i64| sides / 2);
    engine
        .register_type::<Player>("Player")
        .get("name", |p: &Player| p.name.clone())
        .get("hp", |p: &Player| p.hp)
        .method("damage", |p: &mut Player, n: i64| {
            p.hp -= n;
            p.hp
        });
    engine.set_module_resolver(move |name: &str| {
        modules
            .iter()
            .find(|(module, _)| *module == name)
            .map(|(_, source)| source.to_string())
    });
    engine
}

fn compile_messages(error: &Error) -> Vec<String> {
    match error.compile_error() {
        Some(e) => e.diagnostics().iter().map(|d| d.message.clone()).collect(),
        None => panic!("expected a compile error, got {error}"),
    }
}

#[test]
fn a_module_calls_a_host_function_and_takes_a_host_object() -> Result<(), Error> {
    let mut engine = engine(&[(
        "rules.combat",
        r#"
        pub fn strike(p: Player): int {
            var hit: int = roll(6) + 1;     // 3 + 1
            return p.damage(hit);
        }
        pub fn label(p: Player): str { return "{p.name}@{p.hp}"; }
        "#,
    )]);
    let ada = engine.create(Player {
        name: "ada".into(),
        hp: 10,
    })?;
    engine.run_str("import rules.combat;")?;
    engine.run_str("fn strike(p: Player): int { return combat.strike(p); }")?;
    assert_eq!(engine.call("strike", &[ada.clone().into()])?, Value::Int(6));
    engine.run_str("fn label(p: Player): str { return combat.label(p); }")?;
    assert_eq!(engine.call("label", &[ada.into()])?, Value::from("ada@6"));
    Ok(())
}

#[test]
fn host_signatures_are_checked_inside_a_module() {
    let mut engine = engine(&[
        ("bad.result", "pub fn f(): str { return roll(6); }"),
        ("bad.argument", r#"pub fn f(): int { return roll("six"); }"#),
        ("bad.arity", "pub fn f(): int { return roll(); }"),
        ("bad.member", "pub fn f(p: Player): int { return p.mana; }"),
        (
            "bad.method",
            r#"pub fn f(p: Player): int { return p.damage("x"); }"#,
        ),
    ]);
    let cases = [
        ("bad.result", "`str`"),
        (
            "bad.argument",
            "argument `1` of `roll` expects `int`, found `str`",
        ),
        ("bad.arity", "`roll` takes 1 argument, but 0 were given"),
        (
            "bad.member",
            "host type `Player` has no field or method `mana`",
        ),
        (
            "bad.method",
            "argument `1` of `Player.damage` expects `int`",
        ),
    ];
    for (module, expected) in cases {
        let error = engine.run_str(&format!("import {module};")).unwrap_err();
        let messages = compile_messages(&error);
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{module}: {messages:?} should mention {expected}"
        );
    }
    // Nothing of the rejected imports stayed: the engine goes on.
    assert_eq!(engine.run_str("roll(10)").unwrap(), Value::Int(5));
}

#[test]
fn a_module_function_taking_a_host_type_is_typed_for_the_chunks_importing_it() {
    let mut engine = engine(&[(
        "rules.heal",
        "pub fn hp_of(p: Player): int { return p.hp; }",
    )]);
    engine.run_str("import rules.heal;").unwrap();
    let error = engine.run_str("heal.hp_of(3)").unwrap_err();
    let messages = compile_messages(&error);
    assert!(
        messages.iter().any(|m| m.contains("Player")),
        "{messages:?}"
    );
    let error = engine.run_str("var s: str = heal.hp_of(nil);").unwrap_err();
    assert!(error.compile_error().is_some(), "{error}");
}

#[test]
fn a_module_of_its_own_name_shadows_the_host_function() -> Result<(), Error> {
    let mut engine = engine(&[(
        "rules.fair",
        "fn roll(sides: int): int { return sides; }\npub fn max_roll(): int { return roll(6); }",
    )]);
    engine.run_str("import rules.fair;")?;
    assert_eq!(engine.run_str("fair.max_roll() + roll(6)")?, Value::Int(9));
    Ok(())
}

#[test]
fn a_module_imported_by_a_module_sees_the_host_too() -> Result<(), Error> {
    let mut engine = engine(&[
        (
            "rules.outer",
            "import rules.inner;\npub fn twice(): int { return inner.once() * 2; }",
        ),
        ("rules.inner", "pub fn once(): int { return roll(8); }"),
    ]);
    engine.run_str("import rules.outer;")?;
    assert_eq!(engine.run_str("outer.twice()")?, Value::Int(8));
    Ok(())
}

#[test]
fn a_module_file_sees_the_host_functions() -> Result<(), Error> {
    let folder = std::env::temp_dir().join(format!("limit_host_modules_{}", std::process::id()));
    std::fs::create_dir_all(&folder).map_err(|e| Error::Io(e.to_string()))?;
    std::fs::write(
        folder.join("dice.lm"),
        "pub fn pair(): (int, int) { return (roll(4), roll(12)); }",
    )
    .map_err(|e| Error::Io(e.to_string()))?;
    std::fs::write(
        folder.join("main.lm"),
        "import dice;\nvar rolled = dice.pair();",
    )
    .map_err(|e| Error::Io(e.to_string()))?;
    let mut engine = Engine::with_capabilities(Capabilities {
        fs: true,
        ..Capabilities::none()
    });
    engine.register_fn("roll", |sides: i64| sides - 1);
    let ran = engine.run_file(folder.join("main.lm"));
    let _ = std::fs::remove_dir_all(&folder);
    ran?;
    assert_eq!(
        engine.run_str("rolled")?,
        Value::Tuple(vec![Value::Int(3), Value::Int(11)])
    );
    Ok(())
}

#[test]
fn a_raw_host_function_is_visible_in_a_module_as_any() -> Result<(), Error> {
    let mut engine = engine(&[(
        "rules.raw",
        "pub fn total(): int { return sum_all(1, 2, 3); }",
    )]);
    engine.register_fn("sum_all", |args: &[Value]| {
        let mut total = 0;
        for arg in args {
            total += i64::try_from(arg.clone())?;
        }
        Ok(Value::Int(total))
    });
    engine.run_str("import rules.raw;")?;
    assert_eq!(engine.run_str("raw.total()")?, Value::Int(6));
    Ok(())
}

#[test]
fn standard_modules_do_not_see_host_functions() -> Result<(), Error> {
    // std.math's gcd calls the built-in `abs`; a host `abs` must not
    // replace it there (it does in the host's own chunks).
    let mut engine = Engine::new();
    engine.register_fn("abs", |_: i64| 999);
    engine.run_str("import std.math;")?;
    assert_eq!(engine.run_str("math.gcd(-4, 6)")?, Value::Int(2));
    assert_eq!(engine.run_str("abs(-4)")?, Value::Int(999));
    Ok(())
}

#[test]
fn a_host_function_named_like_a_built_in_is_bound_once_in_modules_and_chunks() -> Result<(), Error>
{
    // The resolve stage binds `abs` to the host's function in the module
    // and in the chunks (it comes before the built-ins), to the parameter
    // where one is called so, and a `show` import of the module's own
    // `abs` to that function.
    let mut engine = engine(&[
        (
            "rules.calc",
            r#"
            pub fn host_abs(): int { return abs(-4); }
            pub fn param_abs(abs: int): int { return abs + 1; }
            pub fn sizes(xs: [int]): int { return len(xs); }
            "#,
        ),
        ("rules.own", "pub fn abs(n: int): int { return n * 10; }"),
    ]);
    engine.register_fn("abs", |_: i64| 999);
    engine.run_str("import rules.calc;")?;
    assert_eq!(engine.run_str("calc.host_abs()")?, Value::Int(999));
    assert_eq!(engine.run_str("calc.param_abs(-4)")?, Value::Int(-3));
    assert_eq!(engine.run_str("calc.sizes([1, 2, 3])")?, Value::Int(3));
    assert_eq!(engine.run_str("abs(-4)")?, Value::Int(999));
    assert_eq!(
        engine.run_str("fn f(): int { return abs(1); }\nf()")?,
        Value::Int(999)
    );
    // A chunk importing another `abs` by name: the import comes first.
    engine.run_str("import rules.own show abs;")?;
    assert_eq!(engine.run_str("abs(-4)")?, Value::Int(-40));
    Ok(())
}
