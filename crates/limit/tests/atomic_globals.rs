//! `atomic` globals across the chunks of an `Engine` session: the variable
//! is one shared cell (reference.md §9), a statement that fails while it
//! holds the cell's lock does not leave the next chunk waiting, and a chunk
//! may redeclare a plain variable as `atomic` under functions compiled
//! before it.

use limit::{Engine, Error, Value};

#[test]
fn a_failed_statement_releases_the_atomic_it_was_assigning() {
    let mut engine = Engine::new();
    engine
        .run_str("var hits: atomic = 0;\nfn boom(n: int): int { return 10 / n; }\nfn hit() { hits += 1; }")
        .unwrap();
    match engine.run_str("hits += boom(0);") {
        Err(Error::Runtime(e)) => assert_eq!(e.kind, "DivisionByZero", "{e:?}"),
        other => panic!("expected DivisionByZero, got {other:?}"),
    }
    // Would wait forever if the failed statement still held the lock.
    engine.run_str("hits += boom(5); hit();").unwrap();
    assert_eq!(engine.run_str("hits").unwrap(), Value::Int(3));
}

#[test]
fn a_host_call_that_fails_mid_statement_releases_the_lock() {
    let mut engine = Engine::new();
    engine
        .run_str("var hits: atomic = 0;\nfn add(n: int) { hits += 100 / n; }")
        .unwrap();
    assert!(engine.call("add", &[Value::Int(0)]).is_err());
    engine.call("add", &[Value::Int(50)]).unwrap();
    assert_eq!(engine.run_str("hits").unwrap(), Value::Int(2));
}

#[test]
fn redeclaring_a_plain_variable_as_atomic_keeps_earlier_functions_working() {
    let mut engine = Engine::new();
    engine
        .run_str("var n = 5;\nfn old(): int { return n; }")
        .unwrap();
    engine
        .run_str("var n: atomic = 7;\nfn bump() { n += 1; }\nparallel (cores=2) { iter (i in 1..=4) { bump(); } }")
        .unwrap();
    assert_eq!(engine.run_str("n").unwrap(), Value::Int(11));
    // `old` was compiled against the earlier variable, which it still reads.
    assert_eq!(engine.run_str("old()").unwrap(), Value::Int(5));
    // Declared plain again, the variable stays one shared cell.
    engine.run_str("var n = 1;\nbump();").unwrap();
    assert_eq!(engine.run_str("n").unwrap(), Value::Int(2));
}
