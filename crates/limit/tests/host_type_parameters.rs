//! A parameter annotated with a host type checks its argument at run time
//! (issue 25): the checker proves what typed callers pass, but a value
//! through `any`, from a function-valued variable the host calls, or
//! from another host type is checked when the function starts, and a
//! wrong one is a `TypeError` (as for a host function's argument), not a
//! misbehaving function.

use limit::{Engine, Error, Value};

struct Player {
    name: String,
    hp: i64,
}

struct Monster {
    hp: i64,
}

fn engine() -> Engine {
    let mut engine = Engine::new();
    engine
        .register_type::<Player>("Player")
        .get("name", |p: &Player| p.name.clone())
        .get("hp", |p: &Player| p.hp)
        .method("damage", |p: &mut Player, n: i64| {
            p.hp -= n;
            p.hp
        });
    // Same members, another type: it must not pass for a `Player`.
    engine
        .register_type::<Monster>("Monster")
        .get("hp", |m: &Monster| m.hp)
        .method("damage", |m: &mut Monster, n: i64| {
            m.hp -= n;
            m.hp
        });
    engine
        .run_named(
            "rules.lm",
            "fn hit(p: Player): int { return p.damage(1); }\n\
             fn keep(p: Player): any { return p; }\n\
             fn name_of(p: Player?): str { if (p) { return p.name; } return \"nobody\"; }\n\
             var on_hit = fn(p: Player): int { return p.hp; };",
        )
        .expect("the rules compile");
    engine
}

fn runtime(result: Result<Value, Error>) -> limit::RuntimeError {
    match result {
        Err(Error::Runtime(e)) => e,
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

#[test]
fn a_wrong_value_through_any_is_a_type_error_where_the_function_starts() {
    let mut engine = engine();
    let e = runtime(engine.run_named("turn.lm", "var a: any = 3;\nhit(a)"));
    assert_eq!(
        (e.kind.as_str(), e.message.as_str()),
        ("TypeError", "expected Player, found int 3")
    );
    // Raised by `hit` at its parameter, called from line 2 of the chunk.
    assert_eq!(
        (
            e.trace[0].function.as_str(),
            e.trace[0].line,
            e.trace[0].col
        ),
        ("hit", 1, 8)
    );
    assert_eq!((e.trace[1].file.as_str(), e.trace[1].line), ("turn.lm", 2));
    // Not only where a member is used: a function only passing it on.
    let e = runtime(engine.run_str(r#"var s: any = "ada"; keep(s)"#));
    assert_eq!(e.message, r#"expected Player, found str "ada""#);
}

#[test]
fn another_host_type_with_the_same_members_does_not_pass() -> Result<(), Error> {
    let mut engine = engine();
    let monster = engine.create(Monster { hp: 9 })?;
    engine.run_str("var m: any = nil;")?;
    engine.run_str("fn set_m(x: any) { m = x; }")?;
    engine.call("set_m", &[monster.clone().into()])?;
    let e = runtime(engine.run_str("hit(m)"));
    assert_eq!(e.message, "expected Player, found a `Monster` object");
    assert_eq!(monster.with(|m| m.hp)?, 9, "the monster took no hit");
    Ok(())
}

#[test]
fn the_script_can_handle_the_error() -> Result<(), Error> {
    let mut engine = engine();
    let v = engine.run_str(r#"var a: any = [1]; hit(a) ?else e { "{e.kind}: {e.message}" }"#)?;
    assert_eq!(v, Value::from("TypeError: expected Player, found list [1]"));
    Ok(())
}

#[test]
fn an_omitted_optional_host_argument_is_nil_and_a_given_one_is_checked() -> Result<(), Error> {
    let mut engine = engine();
    let ada = engine.create(Player {
        name: "ada".into(),
        hp: 3,
    })?;
    assert_eq!(engine.run_str("name_of()")?, Value::from("nobody"));
    assert_eq!(engine.call("name_of", &[ada.into()])?, Value::from("ada"));
    let e = runtime(engine.run_str("var x: any = 1.5; name_of(x)"));
    assert_eq!(e.message, "expected Player, found float 1.5");
    Ok(())
}

#[test]
fn a_function_value_the_host_calls_checks_its_argument() -> Result<(), Error> {
    let mut engine = engine();
    // `on_hit` is a variable: the host has no signature to check against,
    // so the function checks what it is given.
    let e = engine.call("on_hit", &[3.into()]).unwrap_err();
    assert_eq!(e.kind(), Some("TypeError"), "{e}");
    assert_eq!(
        e.runtime_error().unwrap().message,
        "expected Player, found int 3"
    );
    let on_hit = engine.get_fn("on_hit")?;
    let e = on_hit.call::<i64>(&mut engine, ("bo",)).unwrap_err();
    assert_eq!(
        e.runtime_error().unwrap().message,
        r#"expected Player, found str "bo""#
    );
    let bo = engine.create(Player {
        name: "bo".into(),
        hp: 4,
    })?;
    assert_eq!(on_hit.call::<i64>(&mut engine, (bo.clone(),))?, 4);
    // A declared function is checked before it runs, as any parameter.
    let e = engine.call("hit", &[Value::Int(3)]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "conversion error: argument 1 (`p`) of `hit`: expected Player, found int 3"
    );
    assert_eq!(engine.call("hit", &[bo.into()])?, Value::Int(3));
    Ok(())
}

#[test]
fn methods_and_module_functions_check_host_parameters_too() -> Result<(), Error> {
    let mut engine = engine();
    engine.set_module_resolver(|name: &str| {
        (name == "rules.heal").then(|| "pub fn hp_of(p: Player): int { return p.hp; }".to_string())
    });
    engine.run_str(
        "import rules.heal;\n\
         frame Arena { pub fn strike(p: Player): int { return p.damage(2); } }",
    )?;
    let e = runtime(engine.run_str("var a: any = true; heal.hp_of(a)"));
    assert_eq!(
        (e.message.as_str(), e.trace[0].function.as_str()),
        ("expected Player, found bool true", "hp_of")
    );
    let e = runtime(engine.run_str("var b: any = {\"hp\": 3}; Arena().strike(b)"));
    assert_eq!(e.message, r#"expected Player, found dict {"hp": 3}"#);
    Ok(())
}

#[test]
fn a_frame_named_like_a_host_type_is_the_frame_in_its_module() -> Result<(), Error> {
    let mut engine = engine();
    engine.set_module_resolver(|name: &str| {
        (name == "rules.own").then(|| {
            "frame Player { pub var hp: int = 7; }\npub fn hp_of(p: Player): int { return p.hp; }\npub fn make(): any { return Player(); }"
                .to_string()
        })
    });
    engine.run_str("import rules.own;")?;
    assert_eq!(engine.run_str("own.hp_of(own.make())")?, Value::Int(7));
    Ok(())
}
