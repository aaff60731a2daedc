//! An import's filter holds across a session's chunks as in a file
//! (LANGUAGE §10): a plain import binds only the namespace, `show` only the
//! listed names, for frames, enums and variants as for functions; values
//! of types the session cannot name still work.

use limit::{Engine, Value};

const SHAPES: &str = r#"
pub enum Unit { Cm, Inch }
pub frame Square {
    pub side: float;
    pub unit: Unit = Unit.Cm;
    pub fn area(): float { return this.side * this.side; }
}
pub fn make(side: float): Square { return Square(side=side, unit=Unit.Inch); }
"#;

fn engine() -> Engine {
    let mut engine = Engine::new();
    engine.set_module_resolver(|name: &str| (name == "geo.shapes").then(|| SHAPES.to_string()));
    engine
}

fn compile_message(engine: &mut Engine, source: &str) -> String {
    match engine.run_str(source) {
        Ok(value) => panic!("`{source}` compiled and gave {value:?}"),
        Err(e) => {
            assert!(e.compile_error().is_some(), "`{source}`: {e}");
            e.to_string()
        }
    }
}

#[test]
fn a_shown_frame_is_bound_in_later_chunks_and_nothing_else_is() {
    let mut engine = engine();
    engine.run_str("import geo.shapes show Square;").unwrap();
    assert_eq!(
        engine.run_str("Square(side=3.0).area()").unwrap(),
        Value::Float(9.0)
    );
    let message = compile_message(&mut engine, "print(Unit.Cm);");
    assert!(message.contains("unknown variable `Unit`"), "{message}");
    let message = compile_message(&mut engine, "var u: Unit = nil;");
    assert!(message.contains("unknown type `Unit`"), "{message}");
    let message = compile_message(&mut engine, "print(Inch);");
    assert!(message.contains("unknown variable `Inch`"), "{message}");
    // The instance's field of the enum it cannot name still works.
    assert_eq!(
        engine.run_str("\"{Square(side=1.0).unit}\"").unwrap(),
        Value::from("Unit.Cm")
    );
}

#[test]
fn a_plain_import_binds_the_namespace_only_in_later_chunks() {
    let mut engine = engine();
    engine.run_str("import geo.shapes;").unwrap();
    let message = compile_message(&mut engine, "Square(side=1.0);");
    assert!(message.contains("unknown function `Square`"), "{message}");
    let message = compile_message(&mut engine, "print(Unit.Inch);");
    assert!(message.contains("unknown variable `Unit`"), "{message}");
    engine
        .run_str("var s: shapes.Square = shapes.make(2.0);")
        .unwrap();
    assert_eq!(
        engine
            .run_str("\"{typeof(s)} {s.area()} {s.unit} {shapes.Unit.Cm}\"")
            .unwrap(),
        Value::from("Square 4 Unit.Inch Unit.Cm")
    );
}

#[test]
fn values_of_unnamed_types_cross_chunks() {
    let mut engine = engine();
    engine
        .run_str("import geo.shapes show make; var s = make(1.5);")
        .unwrap();
    assert_eq!(
        engine.run_str("\"{s} {typeof(s.unit)}\"").unwrap(),
        Value::from("Square { side: 1.5, unit: Unit.Inch } Unit")
    );
    let message = compile_message(&mut engine, "var t = Square(side=1.0);");
    assert!(message.contains("unknown function `Square`"), "{message}");
}
