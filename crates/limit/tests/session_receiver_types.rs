//! The code generator takes a receiver's frame from the checker's type of
//! each use: a variable a chunk initialised with `A()` and a later chunk
//! reassigned to a `B` is no longer an `A` (its field `n` is not read from
//! `A`'s slot), whether it was declared without a type or as `any`.

use limit::{Engine, Value};

const FRAMES: &str = "frame A { pub n: int = 1; fn m(): str { return \"A\"; } }\n\
                      frame B { pub k: str = \"x\"; pub n: int = 2; fn m(): str { return \"B\"; } }";

#[test]
fn a_reassignment_in_a_later_chunk_changes_the_receivers_frame() {
    for declaration in ["var o = A();", "var o: any = A();"] {
        let mut engine = Engine::new();
        engine.run_str(FRAMES).unwrap();
        engine.run_str(declaration).unwrap();
        assert_eq!(engine.run_str("o.n").unwrap(), Value::Int(1));
        engine.run_str("o = B();").unwrap();
        assert_eq!(
            engine.run_str("o.n").unwrap(),
            Value::Int(2),
            "{declaration}"
        );
        assert_eq!(
            engine.run_str("o.m() + o.k").unwrap(),
            Value::from("Bx"),
            "{declaration}"
        );
    }
}
