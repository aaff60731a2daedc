//! `limit::to_value` / `limit::from_value` (the `serde` feature): derived
//! structs and enums, nested maps, the round trip through a script, and
//! errors that name the path to the value that did not fit.
#![cfg(feature = "serde")]

use std::collections::{BTreeMap, HashMap};

use limit::{Engine, Error, Value};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Player {
    name: String,
    hp: i64,
    position: (f64, f64),
    class: Class,
    tags: Vec<String>,
    mentor: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Class {
    Warrior,
    Mage { mana: u32 },
    Archer(u8),
    Bard(String, i64),
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Game {
    round: u16,
    players: Vec<Player>,
    scores: BTreeMap<String, HashMap<String, i64>>,
}

fn player(name: &str, hp: i64, class: Class) -> Player {
    Player {
        name: name.to_string(),
        hp,
        position: (1.5, -2.0),
        class,
        tags: vec!["new".to_string()],
        mentor: None,
    }
}

fn game() -> Game {
    let mut scores = BTreeMap::new();
    scores.insert(
        "ada".to_string(),
        HashMap::from([("wins".to_string(), 3), ("losses".to_string(), 1)]),
    );
    Game {
        round: 7,
        players: vec![
            player("ada", 10, Class::Warrior),
            player("bo", 4, Class::Mage { mana: 30 }),
            player("cy", 8, Class::Archer(12)),
            player("di", 1, Class::Bard("lute".to_string(), -3)),
        ],
        scores,
    }
}

#[test]
fn structs_and_enums_have_the_externally_tagged_form() -> Result<(), Error> {
    let v = limit::to_value(&player("bo", 4, Class::Mage { mana: 30 }))?;
    assert_eq!(
        v.to_string(),
        r#"{"name": "bo", "hp": 4, "position": (1.5, -2), "class": {"Mage": {"mana": 30}}, "tags": ["new"], "mentor": nil}"#
    );
    assert_eq!(limit::to_value(&Class::Warrior)?, Value::from("Warrior"));
    assert_eq!(
        limit::to_value(&Class::Bard("lute".into(), 2))?.to_string(),
        r#"{"Bard": ("lute", 2)}"#
    );
    Ok(())
}

#[test]
fn a_nested_value_round_trips_through_a_script() -> Result<(), Error> {
    let mut engine = Engine::new();
    engine.run_str(
        r#"
        fn next_round(game: any): any {
            game["round"] += 1;
            for (p in game["players"]) { p["hp"] -= 1; }
            game["scores"]["ada"]["wins"] += 1;
            return game;
        }
        "#,
    )?;
    let result = engine.call("next_round", &[limit::to_value(&game())?])?;
    let back: Game = limit::from_value(result)?;
    let mut expected = game();
    expected.round += 1;
    for p in &mut expected.players {
        p.hp -= 1;
    }
    *expected
        .scores
        .get_mut("ada")
        .and_then(|s| s.get_mut("wins"))
        .unwrap() += 1;
    assert_eq!(back, expected);
    Ok(())
}

#[test]
fn values_written_in_limit_read_as_rust_types() -> Result<(), Error> {
    let mut engine = Engine::new();
    let v = eval(
        &mut engine,
        r#"{"name": "ada", "hp": 3, "position": [0, 2.5], "class": {"Archer": 2},
            "tags": ("a", "b"), "mentor": "bo"}"#,
    )?;
    // A list where a tuple is wanted, a tuple where a Vec is, an int where a float is.
    let p: Player = limit::from_value(v)?;
    assert_eq!(p.position, (0.0, 2.5));
    assert_eq!(p.class, Class::Archer(2));
    assert_eq!(p.tags, ["a", "b"]);
    assert_eq!(p.mentor.as_deref(), Some("bo"));

    // An error value reads as {kind, message}; int keys stay ints.
    #[derive(Deserialize)]
    struct Failure {
        kind: String,
        message: String,
    }
    let f: Failure = limit::from_value(engine.run_str(r#"err(NotFound("no such player"))"#)?)?;
    assert_eq!(
        (f.kind.as_str(), f.message.as_str()),
        ("NotFound", "no such player")
    );
    let m: BTreeMap<i64, Vec<bool>> = limit::from_value(eval(&mut engine, "{2: [true], 1: []}")?)?;
    assert_eq!(m, BTreeMap::from([(1, vec![]), (2, vec![true])]));
    Ok(())
}

/// The value of the Limit expression `source` (in parentheses: a dict
/// literal at the start of a statement would be a block).
fn eval(engine: &mut Engine, source: &str) -> Result<Value, Error> {
    engine.run_str(&format!("({source})"))
}

fn conversion_error(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Conversion(message)) => message,
        other => panic!("expected a conversion error, got {other:?}"),
    }
}

#[test]
fn a_mismatch_names_the_field_path() -> Result<(), Error> {
    let mut engine = Engine::new();
    let mut v = limit::to_value(&game())?;
    // players[2].hp becomes a str.
    if let Value::Dict(entries) = &mut v {
        if let Value::List(players) = &mut entries[1].1 {
            if let Value::Dict(fields) = &mut players[2] {
                fields[1].1 = Value::from("full");
            }
        }
    }
    assert_eq!(
        conversion_error(limit::from_value::<Game>(v)),
        r#"players[2].hp: expected int, found str "full""#
    );

    let v = eval(
        &mut engine,
        r#"{"round": 70000, "players": [], "scores": {}}"#,
    )?;
    assert_eq!(
        conversion_error(limit::from_value::<Game>(v)),
        "round: 70000 is out of range for u16"
    );
    let v = eval(
        &mut engine,
        r#"{"round": 1, "players": [], "scores": {"ada": {"wins": 1.5}}}"#,
    )?;
    assert_eq!(
        conversion_error(limit::from_value::<Game>(v)),
        "scores.ada.wins: expected int, found float 1.5"
    );
    let v = eval(&mut engine, r#"{"round": 1, "scores": {}}"#)?;
    assert_eq!(
        conversion_error(limit::from_value::<Game>(v)),
        "missing field `players`"
    );
    let v = eval(
        &mut engine,
        r#"[{"name": "a", "hp": 1, "position": (0, 0), "class": "Druid", "tags": [], "mentor": nil}]"#,
    )?;
    let message = conversion_error(limit::from_value::<Vec<Player>>(v));
    assert!(
        message.starts_with("[0].class: unknown variant `Druid`"),
        "{message}"
    );
    let v = eval(&mut engine, r#"{"position": (1, 2, 3)}"#)?;
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct At {
        position: (f64, f64),
    }
    let message = conversion_error(limit::from_value::<At>(v));
    assert!(
        message.starts_with("position: invalid length 3"),
        "{message}"
    );
    assert_eq!(
        conversion_error(limit::from_value::<Vec<i64>>(
            engine.run_str("fn f() {} [f]")?
        )),
        "[0]: `<fn f>` has no Rust form (a function, instance or other Limit-only value)"
    );
    assert_eq!(
        conversion_error(limit::from_value::<bool>(Value::Nil)),
        "expected bool, found nil"
    );
    Ok(())
}

#[test]
fn numbers_past_a_limit_int_do_not_serialise() {
    #[derive(Serialize)]
    struct Big {
        ids: Vec<u64>,
    }
    let message = conversion_error(limit::to_value(&Big {
        ids: vec![1, u64::MAX],
    }));
    assert_eq!(
        message,
        "ids[1]: 18446744073709551615 is past Limit's 64-bit int"
    );
}
