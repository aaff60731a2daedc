//! A host keeping its rules in a module calls them from Rust by the name
//! a chunk would use (issue 25): `combat.round` after `import
//! rules.combat;`, `round` after `import rules.combat show round;`. The
//! arguments are checked against the module function's declared types as
//! for the engine's own functions; what the chunks cannot reach (a
//! private member, one left out by a `show` filter, a module not
//! imported) is not found.

use limit::{Engine, Error, Value};

const COMBAT: &str = r#"
pub fn hit(strength: int, armour: int): int { return strength - armour; }
pub var on_end = fn(n: int): int { return n * 10; };
@private
fn secret(): int { return 42; }
pub var rounds = 0;
"#;

fn engine() -> Engine {
    let mut engine = Engine::new();
    engine.set_module_resolver(|name: &str| (name == "rules.combat").then(|| COMBAT.to_string()));
    engine
}

#[test]
fn a_module_function_is_called_by_its_namespaced_name() -> Result<(), Error> {
    let mut engine = engine();
    engine.run_str("import rules.combat;")?;
    assert_eq!(
        engine.call("combat.hit", &[7.into(), 2.into()])?,
        Value::Int(5)
    );
    let hit = engine.get_fn("combat.hit")?;
    assert_eq!(hit.call::<i64>(&mut engine, (9, 4))?, 5);
    // Its parameters' types are known: a wrong argument is refused.
    let e = engine
        .call("combat.hit", &["7".into(), 2.into()])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"conversion error: argument 1 (`strength`) of `combat.hit`: expected int, found str "7""#
    );
    let e = hit.call::<i64>(&mut engine, (1.5, 2)).unwrap_err();
    assert!(matches!(e, Error::Conversion(_)), "{e}");
    // A function-valued module variable is read at each call.
    let on_end = engine.get_fn("combat.on_end")?;
    assert_eq!(on_end.call::<i64>(&mut engine, (3,))?, 30);
    engine.run_str("combat.on_end = fn(n: int): int { return -n; };")?;
    assert_eq!(on_end.call::<i64>(&mut engine, (3,))?, -3);
    Ok(())
}

#[test]
fn a_shown_member_is_called_by_its_own_name() -> Result<(), Error> {
    let mut engine = engine();
    engine.run_str("import rules.combat show hit;")?;
    assert_eq!(engine.call("hit", &[3.into(), 1.into()])?, Value::Int(2));
    let e = engine.call("hit", &[3.into(), Value::Nil]).unwrap_err();
    assert!(
        e.to_string().contains("argument 2 (`armour`) of `hit`"),
        "{e}"
    );
    Ok(())
}

#[test]
fn what_the_chunks_cannot_reach_is_not_found() -> Result<(), Error> {
    let mut engine = engine();
    // Not imported yet.
    assert!(matches!(
        engine.get_fn("combat.hit"),
        Err(Error::NotFound(_))
    ));
    engine.run_str("import rules.combat as c show hit;")?;
    for name in [
        "c.secret",     // private to the module
        "c.on_end",     // not in the `show` list
        "combat.hit",   // imported under another name
        "c.rounds",     // a variable, not a function
        "c.nothing",    // no such member
        "rules.combat", // a module is not a function
    ] {
        assert!(
            matches!(engine.get_fn(name), Err(Error::NotFound(_))),
            "{name} should not be found"
        );
        assert!(
            matches!(engine.call(name, &[]), Err(Error::NotFound(_))),
            "{name} should not be callable"
        );
    }
    assert_eq!(engine.call("c.hit", &[4.into(), 4.into()])?, Value::Int(0));
    Ok(())
}

#[test]
fn a_session_name_shadows_a_namespace_of_the_same_name() -> Result<(), Error> {
    let mut engine = engine();
    engine.run_str("import rules.combat;\nfn hit(a: int, b: int): int { return a * b; }")?;
    assert_eq!(engine.call("hit", &[3.into(), 4.into()])?, Value::Int(12));
    assert_eq!(
        engine.call("combat.hit", &[3.into(), 4.into()])?,
        Value::Int(-1)
    );
    // A variable named like the namespace hides the module.
    engine.run_str("var combat = {\"hit\": 1};")?;
    assert!(matches!(
        engine.get_fn("combat.hit"),
        Err(Error::NotFound(_))
    ));
    Ok(())
}
