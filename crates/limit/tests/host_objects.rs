//! Host objects (`Engine::register_type`, issue 25): Rust values scripts
//! use as objects — fields through getters and setters, methods — passed
//! around, kept in collections, printed, compared by identity, checked by
//! the checker, handed back to Rust, and shared with `parallel` tasks.

use limit::{Engine, Error, Host, Value};

#[derive(Debug, Clone, PartialEq)]
struct Player {
    name: String,
    hp: i64,
    armour: i64,
}

fn player(name: &str, hp: i64) -> Player {
    Player {
        name: name.to_string(),
        hp,
        armour: 1,
    }
}

/// An engine with `Player` registered, output captured.
fn engine() -> Engine {
    let mut engine = Engine::new();
    engine.capture_output(true);
    engine
        .register_type::<Player>("Player")
        .get("name", |p: &Player| p.name.clone())
        .get("hp", |p: &Player| p.hp)
        .set("hp", |p: &mut Player, hp: i64| p.hp = hp)
        .get("armour", |p: &Player| p.armour)
        .method("damage", |p: &mut Player, n: i64| {
            p.hp -= (n - p.armour).max(0);
            p.hp
        })
        .method("alive", |p: &mut Player| p.hp > 0)
        .method(
            "rename",
            |p: &mut Player, name: String| -> Result<(), String> {
                if name.is_empty() {
                    return Err("a name cannot be empty".to_string());
                }
                p.name = name;
                Ok(())
            },
        );
    engine
}

#[test]
fn scripts_read_assign_and_call_members_and_rust_sees_the_changes() -> Result<(), Error> {
    let mut engine = engine();
    let ada = engine.create(player("ada", 10))?;
    engine.run_str(
        r#"
        fn turn(p: Player): int? {
            p.hp = p.hp + 5;          // 15
            p.hp += 1;                // 16
            var left = p.damage(4);   // 16 - (4 - 1) = 13
            p.rename("ada the bold")?;
            return left;
        }
        "#,
    )?;
    assert_eq!(engine.call("turn", &[ada.clone().into()])?, Value::Int(13));
    assert_eq!(
        ada.with(|p| (p.hp, p.name.clone()))?,
        (13, "ada the bold".to_string())
    );
    // The host changes the object; the script sees it.
    ada.with_mut(|p| p.hp = 0)?;
    engine.run_str("fn is_alive(p: Player): bool { return p.alive(); }")?;
    assert_eq!(engine.call("is_alive", &[ada.into()])?, Value::Bool(false));
    Ok(())
}

#[test]
fn objects_travel_through_functions_lists_dicts_and_print() -> Result<(), Error> {
    let mut engine = engine();
    let (ada, bo) = (
        engine.create(player("ada", 10))?,
        engine.create(player("bo", 3))?,
    );
    engine.run_str(
        r#"
        var party: [Player] = [];
        var by_name: {str: Player} = {};
        fn join(p: Player) { party.push(p); by_name[p.name] = p; }
        fn weakest(): Player {
            var low = party[0];
            for (p in party) { if (p.hp < low.hp) { low = p; } }
            return low;
        }
        "#,
    )?;
    engine.call("join", &[ada.clone().into()])?;
    engine.call("join", &[bo.clone().into()])?;
    engine.run_str(
        r#"
        print(party);
        print("weakest: {weakest().name}");
        by_name["bo"].damage(3);
        print(by_name["bo"]);
        print(party[1] == by_name["bo"], party[0] == party[1], party[0] != by_name["bo"]);
        print(typeof(party[0]));
        "#,
    )?;
    assert_eq!(
        engine.take_output(),
        "[Player{name: \"ada\", hp: 10, armour: 1}, Player{name: \"bo\", hp: 3, armour: 1}]\n\
         weakest: bo\n\
         Player{name: \"bo\", hp: 1, armour: 1}\n\
         true false true\n\
         Player\n"
    );
    // The object comes back as itself.
    let weakest: Host<Player> = limit::FromValue::from_value(engine.call("weakest", &[])?)?;
    assert!(weakest.same(&bo) && !weakest.same(&ada));
    assert_eq!(engine.run_str("party[1]")?, Value::from(bo.clone()));
    assert_ne!(engine.run_str("party[0]")?, Value::from(bo));
    Ok(())
}

#[test]
fn a_custom_printed_form_and_a_bound_method() -> Result<(), Error> {
    let mut engine = Engine::new();
    engine.capture_output(true);
    engine
        .register_type::<Player>("Player")
        .get("hp", |p: &Player| p.hp)
        .method("heal", |p: &mut Player, n: i64| p.hp += n)
        .display(|p: &Player| format!("<{} at {} hp>", p.name, p.hp));
    let cy = engine.create(player("cy", 2))?;
    engine
        .run_str("fn show(p: Player) { var heal = p.heal; heal(3); print(p); print(\"{p}!\"); }")?;
    engine.call("show", &[cy.into()])?;
    assert_eq!(engine.take_output(), "<cy at 5 hp>\n<cy at 5 hp>!\n");
    Ok(())
}

/// The (line, column, message) of each error diagnostic of `source`.
fn compile_errors(engine: &mut Engine, source: &str) -> Vec<(u32, u32, String)> {
    match engine.run_named("rules.lm", source) {
        Err(Error::Compile(e)) => e
            .diagnostics()
            .iter()
            .filter(|d| d.severity == limit::Severity::Error)
            .map(|d| (d.line, d.column, d.message.clone()))
            .collect(),
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[test]
fn the_checker_knows_the_members() {
    let mut engine = engine();
    let cases: &[(&str, (u32, u32, &str))] = &[
        (
            "fn f(p: Player): int {\n  return p.mana;\n}",
            (2, 12, "host type `Player` has no field or method `mana`"),
        ),
        (
            "fn f(p: Player) {\n  p.damge(2);\n}",
            (
                2,
                5,
                "host type `Player` has no field or method `damge`: did you mean `damage`?",
            ),
        ),
        (
            "fn f(p: Player) {\n  p.damage(1, 2);\n}",
            (2, 5, "`Player.damage` takes 1 argument, but 2 were given"),
        ),
        (
            "fn f(p: Player) {\n  p.damage(\"lots\");\n}",
            (
                2,
                12,
                "mismatched types: argument `1` of `Player.damage` expects `int`, found `str`",
            ),
        ),
        (
            "fn f(p: Player) {\n  p.armour = 3;\n}",
            (2, 5, "field `armour` of host type `Player` is read-only"),
        ),
        (
            "fn f(p: Player) {\n  p.hp = \"full\";\n}",
            (
                2,
                10,
                "mismatched types: field `hp` expects `int`, found `str`",
            ),
        ),
        (
            "fn f(p: Player) {\n  var s: str = p.hp;\n}",
            (
                2,
                16,
                "mismatched types: variable `s` expects `str`, found `int`",
            ),
        ),
        (
            "fn f(p: Player) {\n  p.hp();\n}",
            (2, 5, "`hp` is a field of host type `Player`, not a method"),
        ),
        (
            "fn f(p: Player) {}\nf(3);",
            (
                2,
                3,
                "mismatched types: argument `p` of `f` expects `Player`, found `int`",
            ),
        ),
    ];
    let mut wrong = Vec::new();
    for (source, (line, column, message)) in cases {
        let errors = compile_errors(&mut engine, source);
        let found = errors.iter().any(|(l, c, m)| {
            (*l, *c) == (*line, *column) && (m == message || m.starts_with(message))
        });
        if !found {
            wrong.push(format!(
                "{source}\nwanted {line}:{column} {message}\ngot {errors:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn through_an_any_value_a_wrong_use_is_a_type_error() -> Result<(), Error> {
    let mut engine = engine();
    let ada = engine.create(player("ada", 10))?;
    engine.run_str("var kept: any = nil; fn keep(p: Player) { kept = p; }")?;
    engine.call("keep", &[ada.clone().into()])?;
    for (source, message) in [
        ("kept.mana", "`Player` has no field or method `mana`"),
        (
            "kept.armour = 2;",
            "field `armour` of `Player` is read-only",
        ),
        (
            "kept.damage(\"x\")",
            "argument 1 of `Player.damage`: expected int, found str \"x\"",
        ),
        (
            "kept.damage()",
            "`Player.damage` takes 1 argument, but 0 were given",
        ),
        (
            "kept.hp = 1.5;",
            "field `hp` of `Player`: expected int, found float 1.5",
        ),
    ] {
        let e = engine.run_str(source).unwrap_err();
        assert_eq!(e.kind(), Some("TypeError"), "{source}: {e}");
        assert!(e.to_string().contains(message), "{source}: {e}");
    }
    // Its own fallible method's error is a value the script handles.
    let v = engine.run_str(r#"kept.rename("") ?else e { e.message }"#)?;
    assert_eq!(v, Value::from("a name cannot be empty"));
    assert_eq!(ada.with(|p| p.hp)?, 10);
    Ok(())
}

#[test]
fn the_host_takes_an_object_back() -> Result<(), Error> {
    let mut engine = engine();
    let ada = engine.create(player("ada", 10))?;
    engine.run_str("var kept: [Player] = []; fn keep(p: Player) { kept.push(p); }")?;
    engine.call("keep", &[ada.clone().into()])?;
    let Value::Object(object) = engine.run_str("kept[0]")? else {
        panic!("expected an object");
    };
    assert_eq!(object.type_name(), "Player");
    let back = object.downcast::<Player>().expect("a Player");
    assert_eq!(back.take()?, player("ada", 10));
    let e = engine.run_str("kept[0].hp").unwrap_err();
    assert!(
        e.to_string()
            .contains("the host took back the value of this `Player`"),
        "{e}"
    );
    assert!(ada.with(|p| p.hp).is_err());
    // Printing an emptied object does not fail.
    engine.run_str("print(kept[0]);")?;
    assert_eq!(engine.take_output(), "Player{name: ?, hp: ?, armour: ?}\n");
    Ok(())
}

#[test]
fn host_functions_take_and_make_objects() -> Result<(), Error> {
    let mut engine = engine();
    let players = engine.type_handle::<Player>()?;
    engine.register_fn("spawn", move |name: String| {
        players.create(player(&name, 5))
    });
    engine.register_fn("hp_of", |p: Host<Player>| -> Result<i64, Error> {
        p.with(|p| p.hp)
    });
    assert_eq!(
        engine.run_str("var p: Player = spawn(\"dee\");\np.damage(3);\nhp_of(p)")?,
        Value::Int(3)
    );
    // Their signatures name the host type.
    let errors = compile_errors(&mut engine, "hp_of(3);");
    assert!(
        errors
            .iter()
            .any(|(_, _, m)| m.contains("expects `Player`, found `int`")),
        "{errors:?}"
    );
    let errors = compile_errors(&mut engine, "var n: int = spawn(\"x\");");
    assert!(
        errors.iter().any(|(_, _, m)| m.contains("Player")),
        "{errors:?}"
    );
    // A handle on another Rust type is refused at the boundary.
    struct Other;
    engine.register_type::<Other>("Other");
    let other = engine.create(Other)?;
    engine.run_str("var o: any = nil; fn keep_other(x: Other) { o = x; }")?;
    engine.call("keep_other", &[other.into()])?;
    let e = engine.run_str("hp_of(o)").unwrap_err();
    assert!(e.to_string().contains("found a `Other` object"), "{e}");
    assert!(engine.create(String::new()).is_err()); // not registered
    Ok(())
}

#[test]
fn a_method_using_its_own_object_again_is_an_error_not_a_deadlock() -> Result<(), Error> {
    let mut engine = Engine::new();
    engine
        .register_type::<Player>("Player")
        .get("hp", |p: &Player| p.hp)
        .method(
            "hit",
            |p: &mut Player, other: Host<Player>| -> Result<i64, Error> {
                let theirs = other.with(|o| o.armour)?;
                p.hp -= theirs;
                Ok(p.hp)
            },
        );
    let (ada, bo) = (
        engine.create(player("ada", 10))?,
        engine.create(player("bo", 3))?,
    );
    engine.run_str("fn duel(a: Player, b: Player): int { return a.hit(b)? else { -1 }; }")?;
    assert_eq!(
        engine.call("duel", &[ada.clone().into(), bo.into()])?,
        Value::Int(9)
    );
    assert_eq!(
        engine.call("duel", &[ada.clone().into(), ada.into()])?,
        Value::Int(-1)
    );
    Ok(())
}

#[test]
fn parallel_tasks_share_the_object() -> Result<(), Error> {
    let mut engine = engine();
    let ada = engine.create(player("ada", 1000))?;
    engine.run_str(
        r#"
        fn storm(p: Player) {
            parallel (cores=4) {
                iter (i in 1..=40) { p.damage(2); }
            }
        }
        "#,
    )?;
    engine.call("storm", &[ada.clone().into()])?;
    // Forty hits of 2 - 1 armour, none lost.
    assert_eq!(ada.with(|p| p.hp)?, 960);
    Ok(())
}
