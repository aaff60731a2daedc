//! A game-rules host: the players are Rust data, the rules are Limit.
//!
//! The host registers `Player` as a host type (fields and methods the
//! rules use) and typed host functions (`roll`, `log`), keeps the rules
//! in modules it serves from memory (`rules.combat`, which imports
//! `rules.tables`), calls the rules through function handles — one of
//! them a callback the rules chose — and keeps hostile rules in check: an
//! interrupt from another thread, a step limit, a memory limit and the
//! capability sandbox. docs/embedding.md walks through it; the
//! test `crates/limit/tests/game_rules_example.rs` runs it and checks
//! what it prints.
//!
//! Run it with `cargo run -p limit --example game_rules`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use limit::{Engine, Error, Limits};

/// A player, owned by the host.
pub struct Player {
    name: String,
    hp: i64,
    max_hp: i64,
    gold: i64,
}

/// Numbers the rules share, served from memory as the module
/// `rules.tables`.
const TABLES: &str = r#"
pub fn rest_cost(): int { return 3; }
pub fn rest_heal(): int { return 4; }
"#;

/// The rules, the module `rules.combat`: they call the host's functions
/// and the players' methods, typed as the host registered them.
const COMBAT_RULES: &str = r#"
import rules.tables;

pub fn attack(attacker: Player, defender: Player): int {
    var damage = roll(6);
    defender.damage(damage);
    log("{attacker.name} hits {defender.name} for {damage}");
    return damage;
}

pub fn rest(p: Player): bool {
    var left = p.pay(tables.rest_cost()) ?else e { log("{p.name} cannot rest: {e.message}"); -1 };
    if (left < 0) { return false; }
    p.heal(tables.rest_heal());
    log("{p.name} rests to {p.hp}");
    return true;
}

pub fn round(a: Player, b: Player) {
    attack(a, b);
    attack(b, a);
}

// The rules pick the end-of-round rule; the host calls it.
pub var on_round_end = fn(p: Player) {
    if (p.hp < 5) { rest(p); }
};
"#;

/// Play two rounds and try four hostile rules; returns what the host
/// prints.
pub fn run() -> Result<String, Error> {
    let mut out = String::new();
    let mut engine = Engine::new(); // the sandbox: no files, exit, stdin, …

    // The host type: what the rules may read, change and call.
    engine
        .register_type::<Player>("Player")
        .get("name", |p: &Player| p.name.clone())
        .get("hp", |p: &Player| p.hp)
        .get("gold", |p: &Player| p.gold)
        .method("damage", |p: &mut Player, n: i64| {
            p.hp = (p.hp - n).max(0);
            p.hp
        })
        .method("heal", |p: &mut Player, n: i64| {
            p.hp = (p.hp + n).min(p.max_hp);
            p.hp
        })
        .method("pay", |p: &mut Player, n: i64| -> Result<i64, String> {
            if p.gold < n {
                return Err(format!("not enough gold (has {}, needs {n})", p.gold));
            }
            p.gold -= n;
            Ok(p.gold)
        });

    // Typed host functions: a loaded die (a fixed sequence, so the run
    // is reproducible) and a log the host keeps.
    let die = Mutex::new([3i64, 5, 2, 6, 1, 4].into_iter().cycle());
    engine.register_fn("roll", move |sides: i64| {
        let face = die.lock().map_or(1, |mut d| d.next().unwrap_or(1));
        face.min(sides)
    });
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = log.clone();
    engine.register_fn("log", move |line: String| {
        if let Ok(mut lines) = sink.lock() {
            lines.push(line);
        }
    });

    // The rules are modules served from memory; importing them checks
    // them (against `Player`, `roll` and `log` too) and runs them once.
    engine.set_module_resolver(|name: &str| match name {
        "rules.combat" => Some(COMBAT_RULES.to_string()),
        "rules.tables" => Some(TABLES.to_string()),
        _ => None,
    });
    engine.run_named("game.lm", "import rules.combat;")?;

    let ada = engine.create(Player {
        name: "ada".into(),
        hp: 10,
        max_hp: 12,
        gold: 5,
    })?;
    let bo = engine.create(Player {
        name: "bo".into(),
        hp: 8,
        max_hp: 10,
        gold: 2,
    })?;
    // Handles on the rules, named as a script names them.
    let round = engine.get_fn("combat.round")?;
    let on_round_end = engine.get_fn("combat.on_round_end")?;
    for number in 1..=2 {
        round.call::<()>(&mut engine, (ada.clone(), bo.clone()))?;
        for player in [&ada, &bo] {
            on_round_end.call::<()>(&mut engine, (player.clone(),))?;
        }
        out.push_str(&format!("round {number}\n"));
        for line in log
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
        {
            out.push_str(&format!("  {line}\n"));
        }
    }
    for player in [&ada, &bo] {
        let line =
            player.with(|p| format!("{}: {}/{} hp, {} gold\n", p.name, p.hp, p.max_hp, p.gold))?;
        out.push_str(&line);
    }

    // A runaway rule, stopped from another thread. The watchdog asks until
    // the run has ended: a request made before the run starts (while the
    // rule is still being compiled) is cleared by it (`InterruptHandle`).
    let handle = engine.interrupt_handle();
    let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done = finished.clone();
    let watchdog = std::thread::spawn(move || {
        while !done.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20));
            handle.interrupt();
        }
    });
    let error = engine.run_str("while (true) {}").unwrap_err();
    finished.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = watchdog.join();
    out.push_str(&format!("a runaway rule: {}\n", kind(&error)));

    // A greedy rule, stopped by the step limit; a hoarding one by the
    // memory limit.
    engine.set_limits(Limits {
        max_steps: Some(100_000),
        max_heap_bytes: Some(1 << 20),
        ..Limits::default()
    });
    let error = engine
        .run_str("var n = 0; while (true) { n += 1; }")
        .unwrap_err();
    out.push_str(&format!(
        "a greedy rule: {} ({})\n",
        kind(&error),
        error.is_resource_limit()
    ));
    let error = engine
        .run_str(r#"var hoard = []; while (true) { hoard.push("gold coin {hoard.len()}"); }"#)
        .unwrap_err();
    out.push_str(&format!(
        "a hoarding rule: {} ({})\n",
        kind(&error),
        error.is_resource_limit()
    ));

    // A rule reaching for the host's files does not compile.
    let error = engine
        .run_named("sneaky.lm", r#"write_file("save.txt", "all gold to me")"#)
        .unwrap_err();
    let first = error
        .compile_error()
        .map(|e| e.diagnostics()[0].message.clone())
        .unwrap_or_default();
    out.push_str(&format!("a sneaky rule: {first}\n"));

    // After all that the engine still plays.
    round.call::<()>(&mut engine, (ada.clone(), bo.clone()))?;
    let hp = (ada.with(|p| p.hp)?, bo.with(|p| p.hp)?);
    out.push_str(&format!("one more round: ada {}, bo {}\n", hp.0, hp.1));
    Ok(out)
}

fn kind(error: &Error) -> &str {
    error.kind().unwrap_or("not a runtime error")
}

#[allow(dead_code)] // the test includes this file for `run` alone
fn main() -> Result<(), Error> {
    print!("{}", run()?);
    Ok(())
}
