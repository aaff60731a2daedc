//! Methods of host types that take Limit functions (issue 25): as a host
//! function does, a method with an `FnHandle` parameter receives the
//! closure a script passes and calls it back while it runs; an error the
//! closure raises goes on through the script as a trap (which `attempt`
//! or `?else` may catch); the object stays locked
//! while its method runs, so a callback that uses the same object gets a
//! `TypeError` rather than a second `&mut` to it.

use limit::{Engine, Error, FnHandle, Value};

/// A hand of cards, kept by Rust.
struct Hand {
    cards: Vec<i64>,
}

fn engine() -> Engine {
    let mut engine = Engine::new();
    engine.capture_output(true);
    engine
        .register_type::<Hand>("Hand")
        .get("size", |h: &Hand| h.cards.len() as i64)
        .method("add", |h: &mut Hand, card: i64| h.cards.push(card))
        // Calls `f` on every card and counts the calls that returned true.
        .method(
            "count_where",
            |h: &mut Hand, f: FnHandle| -> Result<i64, Error> {
                let mut n = 0;
                for &card in &h.cards {
                    if f.call_back::<bool>((card,))? {
                        n += 1;
                    }
                }
                Ok(n)
            },
        )
        // Sorts the cards by the key `key` gives each.
        .method(
            "sort_by",
            |h: &mut Hand, key: FnHandle| -> Result<(), Error> {
                let mut keyed = Vec::new();
                for &card in &h.cards {
                    keyed.push((key.call_back::<i64>((card,))?, card));
                }
                keyed.sort();
                h.cards = keyed.into_iter().map(|(_, card)| card).collect();
                Ok(())
            },
        )
        .method("cards", |h: &mut Hand| h.cards.clone());
    engine
}

#[test]
fn a_method_calls_back_a_closure_capturing_locals() -> Result<(), Error> {
    let mut engine = engine();
    let hand = engine.create(Hand {
        cards: vec![3, 11, 7, 2, 9],
    })?;
    engine.run_str(
        "fn above(h: Hand, limit: int): int {\n\
             var asked = 0;\n\
             var n = h.count_where(fn(c: int): bool { asked += 1; return c > limit; })? else { -1 };\n\
             return n * 100 + asked;\n\
         }\n\
         fn by_distance(h: Hand, from: int): [int] {\n\
             h.sort_by(fn(c: int): int { return abs(c - from); })? else { return []; };\n\
             return h.cards();\n\
         }",
    )?;
    let hand = Value::from(hand);
    // 11, 7 and 9 are above 5; the closure ran once per card.
    assert_eq!(
        engine.call("above", &[hand.clone(), 5.into()])?,
        Value::Int(305)
    );
    // Distances from 8: 3→5, 11→3, 7→1, 2→6, 9→1; ties keep card order.
    assert_eq!(
        engine.call("by_distance", &[hand, 8.into()])?,
        Value::List(vec![7.into(), 9.into(), 11.into(), 3.into(), 2.into()])
    );
    Ok(())
}

#[test]
fn named_functions_and_bound_methods_are_callbacks_too() -> Result<(), Error> {
    let mut engine = engine();
    let hand = engine.create(Hand {
        cards: vec![1, 2, 3, 4],
    })?;
    engine.run_str(
        "fn even(c: int): bool { return c % 2 == 0; }\n\
         frame Rule { pub var min: int = 3; pub fn allows(c: int): bool { return c >= min; } }\n\
         fn counts(h: Hand): (int, int) {\n\
             var r = Rule();\n\
             return (h.count_where(even)? else { -1 }, h.count_where(r.allows)? else { -1 });\n\
         }",
    )?;
    assert_eq!(
        engine.call("counts", &[Value::from(hand)])?,
        Value::Tuple(vec![2.into(), 2.into()])
    );
    Ok(())
}

#[test]
fn an_error_in_the_callback_goes_on_through_the_script() {
    let mut engine = engine();
    let hand = engine
        .create(Hand {
            cards: vec![5, 0, 4],
        })
        .unwrap();
    engine
        .run_named(
            "rules.lm",
            "fn ratios(h: Hand): int? {\n\
                 return h.count_where(fn(c: int): bool { return 20 / c > 4; })?;\n\
             }",
        )
        .unwrap();
    let e = engine.call("ratios", &[Value::from(hand)]).unwrap_err();
    let error = e.runtime_error().expect("a runtime error");
    assert_eq!(error.kind, "DivisionByZero");
    assert_eq!(error.trace[0].function, "<lambda>");
    assert_eq!(error.trace[0].line, 2);
    // The engine goes on, and the hand is usable again.
    assert_eq!(engine.run_str("1 + 1").unwrap(), Value::Int(2));
}

#[test]
fn a_callback_using_the_same_object_finds_it_in_use() {
    let mut engine = engine();
    let hand = engine.create(Hand { cards: vec![1, 2] }).unwrap();
    engine
        .run_str(
            "fn nested(h: Hand): int? {\n\
                 return h.count_where(fn(c: int): bool { return h.size > c; })?;\n\
             }",
        )
        .unwrap();
    let e = engine
        .call("nested", &[Value::from(hand.clone())])
        .unwrap_err();
    assert_eq!(e.kind(), Some("TypeError"), "{e}");
    assert!(e.to_string().contains("in use"), "{e}");
    // Released after the method: the object works again.
    assert_eq!(
        engine
            .run_str("fn size(h: Hand): int { return h.size; }")
            .and_then(|_| engine.call("size", &[Value::from(hand)]))
            .unwrap(),
        Value::Int(2)
    );
}

#[test]
fn a_wrong_value_for_a_function_parameter_is_refused() {
    let mut engine = engine();
    let hand = engine.create(Hand { cards: vec![1] }).unwrap();
    // Known at compile time: the checker refuses an int for a function.
    let e = engine
        .run_str("fn f(h: Hand): int { return h.count_where(3)? else { 0 }; }")
        .unwrap_err();
    assert!(e.compile_error().is_some(), "{e}");
    // An `any` argument is checked where it enters the method's typed
    // parameter (LANGUAGE §3: `any` is checked at run time).
    engine
        .run_str("fn g(h: Hand): int? { var k: any = 3; return h.count_where(k)?; }")
        .unwrap();
    let e = engine.call("g", &[Value::from(hand.clone())]).unwrap_err();
    assert_eq!(e.kind(), Some("ConversionError"), "{e}");
    // Through an `any` receiver nothing is known statically: the method
    // itself refuses the argument.
    engine
        .run_str("fn k(h: any): int? { return h.count_where(3)?; }")
        .unwrap();
    let e = engine.call("k", &[Value::from(hand)]).unwrap_err();
    assert_eq!(e.kind(), Some("TypeError"), "{e}");
    assert!(
        e.to_string()
            .contains("argument 1 of `Hand.count_where`: expected function, found int 3"),
        "{e}"
    );
}
