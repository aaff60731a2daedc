//! Imports from engine chunks (issues 20 and 25): the capabilities decide
//! which standard modules a script may import — `Engine::new()` refuses
//! `std.fs`, `std.process` and `std.env` with a compile error naming the
//! capability, an engine granted them imports them — and a host-provided
//! module resolver serves user modules from memory. A module runs once per
//! engine, however many chunks import it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use limit::{Capabilities, Capability, Engine, Error, Value};

/// The compile error of `source` on `engine`.
fn compile_error(engine: &mut Engine, source: &str) -> String {
    match engine.run_str(source) {
        Err(Error::Compile(text)) => text.to_string(),
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[test]
fn the_default_sandbox_refuses_the_modules_that_reach_outside() {
    for (module, capability) in [
        ("fs", Capability::FileSystem),
        ("process", Capability::Process),
        ("env", Capability::Environment),
    ] {
        let mut engine = Engine::new();
        let text = compile_error(&mut engine, &format!("var a = 1;\nimport std.{module};\n"));
        assert!(
            text.contains(&format!(
                "<chunk 1>:2:1: error: module `std.{module}` needs the capability `{capability}`"
            )),
            "{text}"
        );
        // Nothing of the refused chunk is kept; the engine goes on.
        assert_eq!(engine.run_str("2 + 2").unwrap(), Value::Int(4));
        let text = compile_error(&mut engine, "a");
        assert!(text.contains("`a`"), "{text}");
    }
}

#[test]
fn an_engine_granted_the_capabilities_imports_them() {
    let mut engine = Engine::with_capabilities(Capabilities {
        fs: true,
        process: true,
        env: true,
        ..Capabilities::none()
    });
    let dir = std::env::temp_dir();
    let found = engine
        .run_str(&format!(
            "import std.fs;\nimport std.path;\nfs.is_dir({:?}) && path.basename(\"a/b.txt\") == \"b.txt\"",
            dir.display().to_string()
        ))
        .unwrap();
    assert_eq!(found, Value::Bool(true));
    let pid = engine
        .run_str("import std.process;\nprocess.pid()")
        .unwrap();
    assert_eq!(pid, Value::Int(i64::from(std::process::id())));
    let cwd = engine.run_str("import std.env as e;\ne.cwd()").unwrap();
    assert_eq!(
        cwd,
        Value::from(std::env::current_dir().unwrap().display().to_string())
    );
    // Granting one capability opens only its module.
    let mut only_env =
        Engine::with_capabilities(Capabilities::none().with(Capability::Environment, true));
    assert_eq!(
        only_env
            .run_str("import std.env;\nenv.get(\"LIMIT_SURELY_UNSET_VAR\") ?else { \"unset\" }")
            .unwrap(),
        Value::from("unset")
    );
    let text = compile_error(&mut only_env, "import std.fs;");
    assert!(text.contains("needs the capability `fs`"), "{text}");
}

#[test]
fn modules_needing_nothing_import_in_the_sandbox_and_stay_for_later_chunks() {
    let mut engine = Engine::new();
    engine
        .run_str("import std.math;\nimport std.json show stringify;")
        .unwrap();
    assert_eq!(engine.run_str("math.gcd(12, 18)").unwrap(), Value::Int(6));
    assert_eq!(
        engine.run_str("stringify([1, \"a\", nil])").unwrap(),
        Value::from("[1,\"a\",null]")
    );
    // The checker knows the module's signatures across chunks.
    let text = compile_error(&mut engine, "math.gcd(\"a\", 2)");
    assert!(text.contains("<chunk 4>:1:10: error"), "{text}");
    // Frames of a standard module, with their methods and statics.
    let value = engine
        .run_str("import std.collections show Set;\nvar s = Set([3, 1, 3]);\ns.add(2);\ns.len()")
        .unwrap();
    assert_eq!(value, Value::Int(3));
    assert_eq!(
        engine.run_str("s.contains(2) && !s.contains(5)").unwrap(),
        Value::Bool(true)
    );
}

/// A resolver serving `rules.pricing` (which imports `rules.tax`, std.math
/// and prints when it runs) and counting the requests.
fn pricing_engine(asked: Arc<AtomicUsize>) -> Engine {
    let mut engine = Engine::new();
    engine.capture_output(true);
    engine.set_module_resolver(move |name: &str| {
        asked.fetch_add(1, Ordering::Relaxed);
        match name {
            "rules.pricing" => Some(
                "import rules.tax;\nimport std.math;\n\
                 pub fn price(n: int): int { return n * 3 + tax.on(n); }\n\
                 frame Offer { pub var pct: int = 10; pub fn apply(p: int): int { return p - p * pct / 100; } }\n\
                 var runs = 0;\nruns += 1;\nprint(\"pricing loaded\", math.gcd(4, 6));\n"
                    .to_string(),
            ),
            "rules.tax" => Some("pub fn on(n: int): int { return n / 2; }\n".to_string()),
            "rules.broken" => Some("pub fn f(): int { return \"text\"; }\n".to_string()),
            _ => None,
        }
    });
    engine
}

#[test]
fn a_resolver_serves_modules_from_memory_and_each_runs_once() {
    let asked = Arc::new(AtomicUsize::new(0));
    let mut engine = pricing_engine(asked.clone());
    let value = engine
        .run_str("import rules.pricing;\npricing.price(4)")
        .unwrap();
    assert_eq!(value, Value::Int(14));
    assert_eq!(engine.take_output(), "pricing loaded 2\n");
    assert_eq!(
        asked.load(Ordering::Relaxed),
        2,
        "rules.pricing, then rules.tax"
    );
    // A later chunk importing it again (under another name) shares it.
    let value = engine
        .run_str("import rules.pricing as p;\nimport rules.pricing show Offer;\nOffer().apply(p.price(10)) + p.runs")
        .unwrap();
    assert_eq!(value, Value::Int(32 + 1));
    assert_eq!(engine.take_output(), "", "the module ran once");
    // Its functions are callable from the host through the chunk's names.
    engine
        .run_str("fn quote(n: int): int { return pricing.price(n); }")
        .unwrap();
    assert_eq!(
        engine.call("quote", &[Value::Int(2)]).unwrap(),
        Value::Int(7)
    );
    // Types cross: a str where price takes an int does not compile.
    let text = compile_error(&mut engine, "pricing.price(\"4\")");
    assert!(text.contains("error"), "{text}");
}

#[test]
fn a_resolver_module_that_does_not_compile_is_reported_in_its_own_name() {
    let asked = Arc::new(AtomicUsize::new(0));
    let mut engine = pricing_engine(asked.clone());
    let text = compile_error(&mut engine, "import rules.broken;\nbroken.f()");
    assert!(text.contains("<host>/rules/broken.lm:1:"), "{text}");
    // Nothing was kept: asking again asks the resolver again.
    let before = asked.load(Ordering::Relaxed);
    compile_error(&mut engine, "import rules.broken;");
    assert_eq!(asked.load(Ordering::Relaxed), before + 1);
    // A name the resolver does not serve, with no file system: not found.
    let text = compile_error(&mut engine, "import rules.missing;");
    assert!(
        text.contains("cannot find module `rules.missing`"),
        "{text}"
    );
    assert!(
        text.contains("the host serves no module of that name"),
        "{text}"
    );
    assert_eq!(
        engine.run_str("import rules.tax;\ntax.on(9)").unwrap(),
        Value::Int(4)
    );
}

#[test]
fn without_fs_no_file_is_searched_and_with_it_a_files_folder_is() {
    let dir = std::env::temp_dir().join(format!("limit_engine_imports_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("helper.lm"),
        "pub fn twice(n: int): int { return 2 * n; }\n",
    )
    .unwrap();
    let main = dir.join("main.lm");
    std::fs::write(&main, "import helper;\nhelper.twice(21)\n").unwrap();

    let mut sandboxed = Engine::new();
    match sandboxed.run_file(&main) {
        Err(Error::Compile(error)) => {
            let text = error.to_string();
            assert!(text.contains("cannot find module `helper`"), "{text}");
            assert!(text.contains("capability `fs`"), "{text}");
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
    let mut trusted =
        Engine::with_capabilities(Capabilities::none().with(Capability::FileSystem, true));
    assert_eq!(trusted.run_file(&main).unwrap(), Value::Int(42));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_sandboxed_engine_uses_std_time_but_cannot_sleep_with_it() {
    let mut engine = Engine::new();
    let value = engine
        .run_str("import std.time show DateTime;\nimport std.time;\nDateTime.utc().year >= 2024 && time.now() > 1.7e9")
        .unwrap();
    assert_eq!(value, Value::Bool(true));
    for source in [
        "time.sleep(100)",
        "var nap = time.sleep;",
        "fn later() { time.sleep(1); }",
    ] {
        let text = compile_error(&mut engine, source);
        assert!(
            text.contains("`time.sleep` needs the capability `sleep`"),
            "{source}: {text}"
        );
    }
    // Granted, the sleep is still bounded by the engine's time limit.
    let mut engine = Engine::with_capabilities(Capabilities::none().with(Capability::Sleep, true));
    engine.set_time_limit(Some(std::time::Duration::from_millis(50)));
    let started = std::time::Instant::now();
    let error = engine
        .run_str("import std.time;\ntime.sleep(100);")
        .unwrap_err();
    assert!(error.is_resource_limit(), "{error}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(
        engine
            .run_str("import std.time;\ntime.sleep(0.001);\n1")
            .unwrap(),
        Value::Int(1)
    );
}
