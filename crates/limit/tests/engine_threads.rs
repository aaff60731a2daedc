//! An engine moves between threads (issue 25): `Engine: Send`, and a
//! session goes on after a move — globals, functions, frames with
//! `deinit`, cycles for the collector, `parallel` blocks, host functions
//! and function handles all keep working on the new thread, and engines
//! left on a thread keep their own heaps apart.

use std::thread;

use limit::{Engine, FnHandle, Limits, Value};

fn assert_send<T: Send>() {}

#[test]
fn an_engine_and_its_handles_are_send() {
    assert_send::<Engine>();
    assert_send::<FnHandle>();
}

/// Runs `body` on `engine` on a new thread and gives the engine back.
fn on_another_thread(engine: Engine, body: impl FnOnce(&mut Engine) + Send + 'static) -> Engine {
    thread::spawn(move || {
        let mut engine = engine;
        body(&mut engine);
        engine
    })
    .join()
    .expect("the thread ends normally")
}

const SESSION: &str = r#"
frame Tracker {
    pub name: str;
    deinit() { print("released {this.name}"); }
}
var log: [str] = [];
var cycle = [1];
fn note(s: str): int { log.push(s); return log.len(); }
fn squares(n: int): [int] {
    var results = channel();
    parallel (ch=results, cores=2) {
        task (i in 1..=n) { results.send(i * i); }
    }
    var out: [int] = [];
    iter (r in results) { out.push(r); }
    return out;
}
"#;

#[test]
fn a_session_goes_on_after_its_engine_moves_to_another_thread_and_back() {
    let mut engine = Engine::new();
    engine.capture_output(true);
    engine.register_fn("twice", |x: i64| 2 * x);
    engine.run_str(SESSION).unwrap();
    engine
        .run_str("cycle.push(cycle); var keep = Tracker(\"first\"); note(\"main\");")
        .unwrap();
    assert_eq!(
        engine.run_str("squares(4)").unwrap(),
        Value::from(vec![1i64, 4, 9, 16])
    );
    let note = engine.get_fn("note").unwrap();

    let engine = on_another_thread(engine, move |engine| {
        // What the first thread declared and built is all there.
        assert_eq!(
            engine.call_fn(&note, &["worker".into()]).unwrap(),
            Value::Int(2)
        );
        assert_eq!(engine.run_str("twice(log.len())").unwrap(), Value::Int(4));
        assert_eq!(
            engine.run_str("squares(5)").unwrap(),
            Value::from(vec![1i64, 4, 9, 16, 25])
        );
        // The cycle made on the first thread is collected on this one,
        // and a `deinit` runs here.
        engine
            .run_str("cycle = nil; keep = Tracker(\"second\");")
            .unwrap();
        assert_eq!(engine.collect_garbage(), 1);
        assert_eq!(engine.take_output(), "released first\n");
    });

    let mut engine = engine;
    assert_eq!(
        engine.run_str("log").unwrap(),
        Value::from(vec!["main", "worker"])
    );
    engine.run_str("keep = nil;").unwrap();
    assert_eq!(engine.take_output(), "released second\n");
    assert_eq!(
        engine.run_str("squares(3)").unwrap(),
        Value::from(vec![1i64, 4, 9])
    );
}

#[test]
fn engines_on_two_threads_run_at_the_same_time_with_their_own_heaps() {
    let engines: Vec<Engine> = (0..2)
        .map(|i| {
            let mut engine = Engine::new();
            engine.set_limits(Limits {
                max_heap_bytes: Some(4 << 20),
                ..Limits::default()
            });
            engine
                .run_str(&format!("var id = {i}; var junk: [any] = [];"))
                .unwrap();
            engine
        })
        .collect();
    let workers: Vec<_> = engines
        .into_iter()
        .map(|mut engine| {
            thread::spawn(move || {
                // Each makes and drops cycles: each collects its own.
                let freed = (0..5)
                    .map(|_| {
                        engine
                            .run_str("for (var i = 0; i < 200; i += 1) { var a = [i]; a.push(a); }")
                            .unwrap();
                        engine.collect_garbage()
                    })
                    .sum::<usize>();
                let total = engine
                    .run_str(
                        "var t = 0; parallel (cores=2) { task (k in 0..=4) { t += k; } } t + id",
                    )
                    .unwrap();
                (engine, freed, total)
            })
        })
        .collect();
    for (i, worker) in workers.into_iter().enumerate() {
        let (mut engine, freed, total) = worker.join().unwrap();
        assert_eq!(freed, 1000, "engine {i} frees exactly its own cycles");
        // Tasks 0..=4 add 0 + 1 + 2 + 3 + 4.
        assert_eq!(total, Value::Int(10 + i as i64));
        assert_eq!(engine.run_str("id").unwrap(), Value::Int(i as i64));
    }
}

#[test]
fn a_handle_belongs_to_its_engine_and_checks_its_arguments() {
    let mut a = Engine::new();
    a.run_str("fn area(w: int, h: int): int { return w * h; }\nvar f = fn(x: int): int { return x + 1; };")
        .unwrap();
    let area = a.get_fn("area").unwrap();
    let f = a.get_fn("f").unwrap();
    assert_eq!(a.call_fn(&f, &[41.into()]).unwrap(), Value::Int(42));
    // A later chunk does not move the function the handle found.
    a.run_str("fn other(): int { return 0; }").unwrap();
    assert_eq!(
        a.call_fn(&area, &[6.into(), 7.into()]).unwrap(),
        Value::Int(42)
    );
    // The variable is read at each call.
    a.run_str("f = fn(x: int): int { return x * 10; };")
        .unwrap();
    assert_eq!(a.call_fn(&f, &[4.into()]).unwrap(), Value::Int(40));
    // Arguments are checked as `call` checks them.
    let e = a.call_fn(&area, &["wide".into(), 3.into()]).unwrap_err();
    assert!(e.to_string().contains("argument 1 (`w`) of `area`"), "{e}");
    // A variable that holds no function has no handle.
    a.run_str("var n = 3;").unwrap();
    assert!(matches!(a.get_fn("n"), Err(limit::Error::NotFound(_))));
    // Another engine, even with a function of that name, refuses it.
    let mut b = Engine::new();
    b.run_str("fn area(w: int, h: int): int { return w + h; }")
        .unwrap();
    let e = b.call_fn(&area, &[1.into(), 2.into()]).unwrap_err();
    assert!(matches!(e, limit::Error::NotFound(_)), "{e}");
    let e = area.call::<i64>(&mut b, (1, 2)).unwrap_err();
    assert!(matches!(e, limit::Error::NotFound(_)), "{e}");
    // Typed: Rust values in, a Rust value out, checked alike.
    assert_eq!(area.call::<i64>(&mut a, (6, 7)).unwrap(), 42);
    assert_eq!(f.call::<i64>(&mut a, (4,)).unwrap(), 40);
    let e = area.call::<i64>(&mut a, (6, 7, 8)).unwrap_err();
    assert!(e.to_string().contains("takes 2 arguments"), "{e}");
    let e = area.call::<bool>(&mut a, (6, 7)).unwrap_err();
    assert!(matches!(e, limit::Error::Conversion(_)), "{e}");
    // Moved with its engine, a handle still works.
    let a = on_another_thread(a, move |a| {
        assert_eq!(
            a.call_fn(&area, &[2.into(), 5.into()]).unwrap(),
            Value::Int(10)
        );
        assert_eq!(area.call::<i64>(a, (3, 5)).unwrap(), 15);
    });
    drop(a);
}
