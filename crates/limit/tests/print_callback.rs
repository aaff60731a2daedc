//! `Engine::on_print`: scripts' output handed to the host a line at a
//! time, kept nowhere, so it never grows past the heap limit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use limit::{Engine, Limits, Value};

fn collecting(engine: &mut Engine) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    engine.on_print(move |text: &str| sink.lock().unwrap().push(text.to_string()));
    lines
}

#[test]
fn each_line_reaches_the_callback_as_it_is_printed_and_nothing_is_captured() {
    let mut engine = Engine::new();
    engine.capture_output(true);
    let lines = collecting(&mut engine);
    // A host function called between two prints sees the first already delivered.
    let seen = lines.clone();
    engine.register_fn("delivered", move || seen.lock().unwrap().len() as i64);
    let v = engine
        .run_str(r#"print("a"); var n = delivered(); print("b {n}"); n"#)
        .unwrap();
    assert_eq!(v, Value::Int(1));
    assert_eq!(*lines.lock().unwrap(), ["a\n", "b 1\n"]);
    assert_eq!(engine.take_output(), "");
    // The output of a run stopped by an error arrives too.
    let e = engine
        .run_str(r#"print("before"); var x = [1][2];"#)
        .unwrap_err();
    assert_eq!(e.kind(), Some("IndexOutOfBounds"));
    assert_eq!(lines.lock().unwrap().last().unwrap(), "before\n");
}

#[test]
fn endless_output_does_not_grow_past_the_heap_limit() {
    let mut engine = Engine::new();
    engine.set_limits(Limits {
        max_heap_bytes: Some(1 << 20),
        max_steps: Some(2_000_000),
        ..Limits::default()
    });
    let bytes = Arc::new(AtomicUsize::new(0));
    let counter = bytes.clone();
    engine.on_print(move |text: &str| {
        counter.fetch_add(text.len(), Ordering::Relaxed);
    });
    let line = "x".repeat(100);
    engine.run_str(&format!("var line = \"{line}\";")).unwrap();
    let e = engine.run_str("while (true) { print(line); }").unwrap_err();
    // The step limit stopped it, not the heap: the output was not kept.
    assert!(e.is_resource_limit(), "{e}");
    assert!(e.to_string().contains("step"), "{e}");
    assert!(
        bytes.load(Ordering::Relaxed) > 4 << 20,
        "{}",
        bytes.load(Ordering::Relaxed)
    );
    assert_eq!(engine.run_str("[1, 2, 3].len()").unwrap(), Value::Int(3));
}

#[test]
fn parallel_tasks_output_reaches_the_callback() {
    let mut engine = Engine::new();
    let lines = collecting(&mut engine);
    engine
        .run_str("parallel (cores=2) { task (i in 1..4) { print(\"task {i}\") } }")
        .unwrap();
    let mut got: Vec<String> = lines
        .lock()
        .unwrap()
        .concat()
        .lines()
        .map(String::from)
        .collect();
    got.sort();
    assert_eq!(got, ["task 1", "task 2", "task 3", "task 4"]);
}
