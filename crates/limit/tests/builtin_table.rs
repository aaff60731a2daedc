//! The checker and the VM read one table of built-ins
//! (`limit_bytecode::builtins`, implemented by `limit_vm::runtime::natives`); this test enumerates it and checks they
//! agree on every entry: for each argument count around the entry's
//! arity, the checker (receiver of known type) rejects the call exactly
//! when the VM (receiver of unknown type) traps on the count, and a sample
//! call's value has the entry's result type.

use limit::engine::Engine;
use limit_vm::runtime::natives::{arity, Receiver, BUILTINS, METHODS, VARIADIC};

/// The parameter type texts of signature `sig`.
fn param_types(sig: &str) -> Vec<String> {
    let inner = &sig[1..sig.find(") ->").unwrap_or(1)];
    let mut params = Vec::new();
    let (mut depth, mut current) = (0, String::new());
    for c in inner.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            params.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    if !current.trim().is_empty() {
        params.push(current);
    }
    params
        .iter()
        .map(|p| {
            let ty = p.split_once(':').map_or("any", |(_, t)| t);
            ty.trim().trim_end_matches("...").to_string()
        })
        .collect()
}

/// The `typeof` names a result of type text `ret` may have (none: any).
fn result_names(ret: &str) -> Vec<&'static str> {
    let (base, fallible) = match ret.split_once('?') {
        Some((base, _)) => (base, true),
        None => (ret, false),
    };
    let name = match base.chars().next() {
        Some('[') => "list",
        Some('{') => "dict",
        Some('(') => "tuple",
        _ => match base {
            "int" | "T" | "V" => "int",
            "str" | "K" => "str",
            "float" => "float",
            "bool" => "bool",
            "nil" => "nil",
            "channel" => "channel",
            _ => return Vec::new(),
        },
    };
    if fallible {
        vec![name, "error"]
    } else {
        vec![name]
    }
}

/// A sample argument of type text `ty` for `method` on `on`.
fn sample(ty: &str, on: Receiver, method: &str) -> String {
    match ty {
        "int" => "1".into(),
        "str" if method == "format" => "\"d\"".into(),
        "str" => "\"a\"".into(),
        "num" => "0".into(),
        "items" => "[3, 1, 2]".into(),
        _ if ty.starts_with('{') => "{\"b\": 2}".into(),
        "fn" if method == "reduce" => "fn(a, b) { return a + b; }".into(),
        "fn" => "fn(x) { return x; }".into(),
        "any" if matches!(method, "len" | "length") => "\"ab\"".into(),
        _ => match on {
            Receiver::Dict => "\"a\"".into(),
            Receiver::Str => "[\"x\", \"y\"]".into(),
            _ => "2".into(),
        },
    }
}

/// A typed declaration of `r`, and the same value hidden from the checker.
fn receiver(on: Receiver) -> (&'static str, &'static str) {
    match on {
        Receiver::Str => ("var r: str = \"abc\";", "var r = hide(\"abc\");"),
        Receiver::List | Receiver::Any => ("var r: [int] = [3, 1, 2];", "var r = hide([3, 1, 2]);"),
        Receiver::Dict => (
            "var r: {str: int} = {\"a\": 1};",
            "var r = hide({\"a\": 1});",
        ),
        Receiver::Tuple => ("var r = (1, 2);", "var r = hide((1, 2));"),
        Receiver::Range => ("var r = 0..3;", "var r = hide(0..3);"),
        Receiver::Channel => (
            "var r = channel(4); r.send(7);",
            "var r = hide(channel(4)); r.send(7);",
        ),
    }
}

/// Runs `source`; gives its output, or the error's text.
fn run(source: &str) -> Result<String, String> {
    // Every built-in is exercised, those needing a capability included.
    let mut engine = Engine::with_capabilities(limit::Capabilities::all());
    engine.capture_output(true);
    let prelude = "fn hide(x) { return x; }\n";
    match engine.run_str(&format!("{prelude}{source}")) {
        Ok(_) => Ok(engine.take_output()),
        Err(e) => Err(e.to_string()),
    }
}

/// The argument counts to try for an entry of arity `(least, most)`.
fn counts(least: u8, most: u8) -> Vec<usize> {
    let (least, most) = (least as usize, most as usize);
    let top = if most == VARIADIC as usize {
        least + 2
    } else {
        most + 1
    };
    (least.saturating_sub(1)..=top).collect()
}

fn valid(count: usize, least: u8, most: u8) -> bool {
    count >= least as usize && (most == VARIADIC || count <= most as usize)
}

#[test]
fn checker_and_vm_agree_on_every_method() {
    let mut failures = Vec::new();
    for entry in METHODS {
        let name = entry.method.names()[0];
        let (least, most) = arity(entry.sig);
        // All entries for this name on this receiver together decide
        // which counts are valid (`get(k)` and `get(k, default)`).
        let overloads: Vec<(u8, u8)> = METHODS
            .iter()
            .filter(|e| e.method == entry.method && e.on == entry.on)
            .map(|e| arity(e.sig))
            .collect();
        let types = param_types(entry.sig);
        let (typed, hidden) = receiver(entry.on);
        for count in counts(least, most) {
            let args: Vec<String> = (0..count)
                .map(|i| {
                    let ty = types.get(i).or(types.last()).map_or("any", |t| t.as_str());
                    sample(ty, entry.on, name)
                })
                .collect();
            let call = format!("r.{name}({})", args.join(", "));
            let ok = overloads.iter().any(|(l, m)| valid(count, *l, *m));
            let checked = run(&format!("{typed}\nvar x = {call};\nprint(typeof(x));"));
            let ran = run(&format!("{hidden}\nvar x = {call};\nprint(typeof(x));"));
            let checker_rejects =
                matches!(&checked, Err(e) if e.contains(&format!("`{name}` takes")));
            let vm_rejects = matches!(&ran, Err(e) if e.contains(&format!("{name}() takes")));
            if checker_rejects == ok || vm_rejects == ok {
                failures.push(format!(
                    "{:?} {name} with {count}: checker {checked:?}, vm {ran:?}",
                    entry.on
                ));
                continue;
            }
            if ok && count == least as usize {
                let names = result_names(entry.sig.rsplit("-> ").next().unwrap_or(""));
                match &ran {
                    Ok(out) if names.is_empty() || names.contains(&out.trim()) => {}
                    other => failures.push(format!(
                        "{:?} {name}{}: result {other:?}, expected one of {names:?}",
                        entry.on, entry.sig
                    )),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Built-in functions with effects a test must not have.
const NOT_CALLED: &[&str] = &["exit", "input", "write_file", "sleep"];

#[test]
fn checker_and_vm_agree_on_every_function() {
    let mut failures = Vec::new();
    for native in BUILTINS {
        // The standard modules' natives are theirs alone (tests/lang/std).
        if NOT_CALLED.contains(&native.name) || native.name.starts_with("__std_") {
            continue;
        }
        let types = param_types(native.sig);
        let (least, most) = (native.min_args, native.max_args);
        for count in counts(least, most) {
            let args: Vec<String> = (0..count)
                .map(|i| {
                    let ty = types.get(i).or(types.last()).map_or("any", |t| t.as_str());
                    sample(ty, Receiver::List, native.name)
                })
                .collect();
            let ok = valid(count, least, most);
            let call = format!("{}({})", native.name, args.join(", "));
            let checked = run(&format!("var x = {call};\nprint(typeof(x));"));
            let hidden_args: Vec<String> = args.iter().map(|a| format!("hide({a})")).collect();
            let ran = run(&format!(
                "var f = hide({});\nvar x = f({});\nprint(typeof(x));",
                native.name,
                hidden_args.join(", ")
            ));
            let checker_rejects =
                matches!(&checked, Err(e) if e.contains(&format!("`{}` takes", native.name)));
            let vm_rejects = matches!(&ran, Err(e) if e.contains("does not take"));
            if checker_rejects == ok || vm_rejects == ok {
                failures.push(format!(
                    "{} with {count}: checker {checked:?}, vm {ran:?}",
                    native.name
                ));
                continue;
            }
            if ok && count == least as usize {
                let names = result_names(native.sig.rsplit("-> ").next().unwrap_or(""));
                match &ran {
                    Ok(out) if names.is_empty() || names.contains(&out.trim()) => {}
                    other => failures.push(format!(
                        "{}{}: result {other:?}, expected one of {names:?}",
                        native.name, native.sig
                    )),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
