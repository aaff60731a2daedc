//! Enum values across the chunks of an `Engine` session (the REPL compiles
//! its inputs the same way): a value made in one chunk equals the same
//! variant written in a later chunk (§3.3: enums compare with `==`), also
//! after later chunks declare more enums, and keeps matching, printing and
//! ordering as it did; an enum redeclared with other variants is a new
//! enum whose values are not the old one's.

use limit::{Engine, Error, Value};

#[test]
fn a_variant_from_an_earlier_chunk_equals_the_same_variant_written_later() -> Result<(), Error> {
    let mut engine = Engine::new();
    engine.run_str("enum Light { Red, Amber, Green }")?;
    engine.run_str("var kept = Light.Amber")?;
    engine.run_str("enum Other { X }")?;
    engine.run_str("var shape = [Light.Red, Light.Green]")?;
    assert_eq!(engine.run_str("kept == Light.Amber")?, Value::Bool(true));
    assert_eq!(engine.run_str("kept != Light.Red")?, Value::Bool(true));
    assert_eq!(
        engine.run_str("shape == [Red, Light.Green]")?,
        Value::Bool(true)
    );
    engine.run_str("var counts: {Light: int} = {}")?;
    engine.run_str("counts[kept] = 1")?;
    assert_eq!(
        engine.run_str("counts[Light.Amber]")?,
        Value::Int(1),
        "an enum value from an earlier chunk is the same dict key"
    );
    assert_eq!(
        engine.run_str("match (kept) { Light.Amber => \"amber\", _ => \"other\" }")?,
        Value::from("amber")
    );
    assert_eq!(engine.run_str("str(kept)")?, Value::from("Light.Amber"));
    Ok(())
}

#[test]
fn a_redeclared_enum_is_a_new_enum() -> Result<(), Error> {
    let mut engine = Engine::new();
    engine.run_str("enum Mode { On, Off }")?;
    engine.run_str("var old = Mode.On")?;
    engine.run_str("enum Mode { Off, On, Auto }")?;
    assert_eq!(engine.run_str("old == Mode.On")?, Value::Bool(false));
    assert_eq!(engine.run_str("Mode.Auto == Mode.Auto")?, Value::Bool(true));
    Ok(())
}
