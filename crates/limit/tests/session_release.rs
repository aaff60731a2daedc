//! A long session releases the functions nothing can call any more (a
//! chunk's code once run, literals no value holds, replaced functions)
//! and compiles later chunks into their slots (issue 18). What values,
//! names and handles still reach keeps working however many chunks ran.

use limit::{Engine, Value};

/// Runs `count` chunks that each make a function literal and drop it, so
/// that the session releases functions several times over.
fn churn(engine: &mut Engine, count: usize) {
    for n in 0..count {
        let value = engine
            .run_str(&format!(
                "[{n}].map(fn(x: int): int {{ return x + 1; }})[0]"
            ))
            .unwrap();
        assert_eq!(value, Value::Int(n as i64 + 1));
    }
}

#[test]
fn a_closure_made_by_a_finished_chunk_runs_after_a_thousand_more() {
    let mut e = Engine::new();
    e.run_str("var adders: [fn(int): int] = []\nfn id(x: int): int { return x; }")
        .unwrap();
    // The closure's function is a literal of a chunk long done with; it
    // captures a local of that chunk's code, and calls (so that a return
    // comes back into it).
    e.run_str("var base = 40\nadders.push(fn(x: int): int { return id(x) + base; })")
        .unwrap();
    e.run_str("fn make(k: int): fn(int): int { return fn(x: int): int { return id(x) * k; }; }")
        .unwrap();
    e.run_str("adders.push(make(3))").unwrap();
    churn(&mut e, 1_000);
    assert_eq!(
        e.run_str("adders[0](2) + adders[1](5)").unwrap(),
        Value::Int(42 + 15)
    );
    // Called from a parallel block too.
    e.capture_output(true);
    e.run_str(
        "var t = 0\nparallel (cores=2) { task (i in 1..=2) { t += adders[i - 1](i); } }\nprint(t)",
    )
    .unwrap();
    assert_eq!(e.take_output(), format!("{}\n", (1 + 40) + 2 * 3));
}

#[test]
fn a_redeclared_function_still_held_by_a_list_runs() {
    let mut e = Engine::new();
    e.run_str(
        "fn one(): int { return 1; }\nfn f(): int { return one(); }\nvar kept: [fn(): int] = [f]",
    )
    .unwrap();
    // Each later `f` replaces the name; the list holds the first.
    for n in 2..=600 {
        let value = e
            .run_str(&format!("fn f(): int {{ return {n}; }}\nf()"))
            .unwrap();
        assert_eq!(value, Value::Int(n));
    }
    churn(&mut e, 500);
    assert_eq!(
        e.run_str("kept[0]() * 1000 + f()").unwrap(),
        Value::Int(1600)
    );
}

#[test]
fn a_function_an_earlier_function_calls_stays_after_it_is_redeclared() {
    let mut e = Engine::new();
    e.run_str("fn helper(): int { return 7; }\nfn user(): int { return helper() * 2; }")
        .unwrap();
    e.run_str("fn helper(): int { return 100; }").unwrap();
    churn(&mut e, 600);
    // `user` was compiled calling the helper of its time.
    let user = e.run_str("user()").unwrap();
    let helper = e.run_str("helper()").unwrap();
    assert_eq!((user, helper), (Value::Int(14), Value::Int(100)));
}

#[test]
fn a_handle_keeps_the_version_it_was_made_for() {
    let mut e = Engine::new();
    e.run_str("fn area(w: int, h: int): int { return w * h; }")
        .unwrap();
    let area = e.get_fn("area").unwrap();
    e.run_str("fn area(w: int, h: int): int { return w + h; }")
        .unwrap();
    churn(&mut e, 600);
    assert_eq!(
        e.call_fn(&area, &[3.into(), 4.into()]).unwrap(),
        Value::Int(12)
    );
    assert_eq!(
        e.call("area", &[3.into(), 4.into()]).unwrap(),
        Value::Int(7)
    );
}

#[test]
fn a_closure_waiting_in_a_channel_survives_the_chunks_in_between() {
    let mut e = Engine::new();
    e.run_str("var ch = channel()").unwrap();
    e.run_str("ch.send(fn(x: int): int { return x - 1; })")
        .unwrap();
    churn(&mut e, 600);
    assert_eq!(
        // (`recv` gives `v?`: handled before the closure is called, §6.)
        e.run_str("var g = ch.recv() ?else { nil }\ng(43)").unwrap(),
        Value::Int(42)
    );
}

#[test]
fn errors_name_their_own_chunk_after_file_slots_are_given_to_later_chunks() {
    let mut e = Engine::new();
    // Kept for the session's life: a function named by a chunk, and a
    // closure a global holds; each fails on its own chunk's second line.
    e.run_named("rules.lm", "fn check(x: int): int {\n  return [1][x];\n}")
        .unwrap();
    e.run_named(
        "kept.lm",
        "var later = fn(x: int): int {\n  return [2][x];\n}",
    )
    .unwrap();
    // Chunks whose files are released and whose ids later chunks take;
    // some rejected (their files too are given again).
    for n in 0..1_200 {
        if n % 7 == 0 {
            assert!(e.run_named(&format!("bad{n}.lm"), "print(1 +").is_err());
        } else {
            churn(&mut e, 1);
        }
    }
    let in_rules = e.run_str("check(5)").unwrap_err().to_string();
    assert!(in_rules.contains("rules.lm:2"), "{in_rules}");
    let in_kept = e.run_str("later(3)").unwrap_err().to_string();
    assert!(in_kept.contains("kept.lm:2"), "{in_kept}");
    // A new chunk's own error names it, on its own line.
    let own = e
        .run_named("new.lm", "var a = 1\nvar b = [a][4]")
        .unwrap_err()
        .to_string();
    assert!(own.contains("new.lm:2"), "{own}");
    assert!(!own.contains("bad"), "{own}");
    // And a compile error is shown with its own text.
    let shown = e
        .run_named("typo.lm", "var c: int = \"s\"")
        .unwrap_err()
        .to_string();
    assert!(shown.starts_with("typo.lm:1"), "{shown}");
}

#[test]
fn constants_of_finished_chunks_are_given_again_and_live_code_keeps_its_own() {
    let mut e = Engine::new();
    e.run_str(
        "frame Tag { pub fn label(): str { return \"tag-permanent\"; } }\n\
         var kept = fn(x: int): str { return \"kept-{x}-\" + str(1234567); }\n\
         fn pick(xs: [any]): any { return xs[0]; }\n\
         fn strs(x: [str]): int { return x[0].len(); }\n\
         fn ints(x: [int]): int { return x[0]; }",
    )
    .unwrap();
    // Every chunk brings constants of its own (a string, an int, the type
    // a value from `any` is checked against: `[str]` or `[int]`), dropped
    // once it has run.
    for n in 0..900 {
        let (source, expected) = if n % 2 == 0 {
            (
                format!("strs(pick([[\"s{n}\"]])) + {}", 100_000 + n),
                format!("s{n}").len() as i64 + 100_000 + n,
            )
        } else {
            (format!("ints(pick([[{}]]))", 200_000 + n), 200_000 + n)
        };
        assert_eq!(
            e.run_str(&source).unwrap(),
            Value::Int(expected),
            "{source}"
        );
    }
    // A check against one type is not taken for another's: a released
    // slot's parsed check goes with its constant.
    let wrong = e.run_str("ints(pick([[\"x\"]]))").unwrap_err().to_string();
    assert!(wrong.contains("ConversionError"), "{wrong}");
    assert_eq!(
        e.run_str("Tag().label() + \" \" + kept(7)").unwrap(),
        Value::from("tag-permanent kept-7-1234567")
    );
}
