use super::*;

fn session() -> Repl {
    Repl::new(true, true)
}

fn out(repl: &mut Repl, text: &str) -> String {
    let reply = repl.submit(text);
    assert_eq!(reply.stderr, "", "unexpected stderr for {text:?}");
    reply.stdout
}

#[test]
fn definitions_stay_between_inputs_and_values_are_echoed() {
    let mut repl = session();
    assert_eq!(
        out(&mut repl, "fn double(x: int): int { return x * 2; }"),
        ""
    );
    assert_eq!(out(&mut repl, "double(21)"), "42\n");
    assert_eq!(out(&mut repl, "var greeting = \"hi\""), "");
    assert_eq!(out(&mut repl, "greeting + \"!\""), "\"hi!\"\n");
    assert_eq!(out(&mut repl, "[1, 2] + [double(2)]"), "[1, 2, 4]\n");
}

#[test]
fn nil_and_print_are_not_echoed() {
    let mut repl = session();
    assert_eq!(out(&mut repl, "print(\"shown once\")"), "shown once\n");
    assert_eq!(out(&mut repl, "nil"), "");
}

#[test]
fn multi_line_frames_work() {
    let mut repl = session();
    let frame = "frame Point {\n    pub x: int\n    pub y: int\n    pub fn sum(): int { return this.x + this.y; }\n}";
    assert_eq!(out(&mut repl, frame), "");
    assert_eq!(out(&mut repl, "var p = Point(x=2, y=3)"), "");
    assert_eq!(out(&mut repl, "p.sum()"), "5\n");
}

#[test]
fn errors_are_shown_and_the_session_goes_on() {
    let mut repl = session();
    out(&mut repl, "var count = 1");
    let compile = repl.submit("var x = ;");
    assert!(
        compile.stderr.contains("error: expected an expression"),
        "{compile:?}"
    );
    let runtime = repl.submit("count / 0");
    assert!(
        runtime.stderr.contains("error[DivisionByZero]"),
        "{runtime:?}"
    );
    assert_eq!(out(&mut repl, "count + 1"), "2\n");
}

#[test]
fn globals_keep_values_after_a_runtime_error() {
    let mut repl = session();
    out(&mut repl, "var xs = [1, 2, 3]");
    let failed = repl.submit("xs.push(4)\nxs[10]");
    assert!(failed.stderr.contains("IndexOutOfBounds"), "{failed:?}");
    assert_eq!(out(&mut repl, "xs"), "[1, 2, 3, 4]\n");
}

#[test]
fn type_command_uses_the_checker() {
    let mut repl = session();
    out(&mut repl, "fn half(x: float): float { return x / 2.0; }");
    assert_eq!(out(&mut repl, ":type 1 + 2"), "int\n");
    assert_eq!(out(&mut repl, ":type half(3.0)"), "float\n");
    assert_eq!(out(&mut repl, ":type [\"a\"]"), "[str]\n");
    assert!(repl.submit(":type var x = 1").stderr.contains("expression"));
    // A variable a later chunk widened is `any`, as in one file.
    out(&mut repl, "var xs = [1]");
    assert_eq!(out(&mut repl, ":type xs[0]"), "int\n");
    out(&mut repl, "xs.push(\"a\")");
    assert_eq!(out(&mut repl, ":type xs[0]"), "any\n");
    // An expression the checker rejects shows why; nothing of it stays.
    assert!(repl.submit(":type half(\"s\")").stderr.contains("error"));
    assert_eq!(out(&mut repl, "half(4.0)"), "2\n");
}

#[test]
fn commands_see_the_session_after_hundreds_of_inputs() {
    // The REPL asks the session for its program and types (it kept a
    // copy of both, growing with every input: issue 18); functions and
    // files are released and given again meanwhile.
    let mut repl = session();
    out(&mut repl, "fn inc(x: int): int { return x + 1; }");
    for n in 0..600 {
        assert_eq!(out(&mut repl, &format!("inc({n})")), format!("{}\n", n + 1));
    }
    assert!(out(&mut repl, ":disasm inc").contains(" inc: arity 1"));
    assert_eq!(out(&mut repl, ":type inc(1)"), "int\n");
}

#[test]
fn disasm_command_shows_one_function() {
    let mut repl = session();
    out(&mut repl, "fn inc(x: int): int { return x + 1; }");
    let text = out(&mut repl, ":disasm inc");
    assert!(text.starts_with("fn #"), "{text}");
    assert!(text.contains(" inc: arity 1"), "{text}");
    let missing = repl.submit(":disasm nothing");
    assert!(
        missing.stderr.contains("defined so far: inc"),
        "{missing:?}"
    );
}

#[test]
fn help_quit_and_unknown_commands() {
    let mut repl = session();
    assert!(out(&mut repl, ":help").contains(":disasm NAME"));
    assert!(repl.submit(":quit").quit);
    assert!(repl
        .submit(":frobnicate")
        .stderr
        .contains("unknown command"));
}

/// Compiled code follows the session: a function entered again is
/// compiled afresh from its new body, and a loop typed at the prompt
/// runs compiled.
#[test]
fn compiled_code_follows_redefinitions() {
    let mut repl = Repl::new(true, true).with_jit(JitMode::Always);
    let sum = "fn total(n: int): int {\n    var t = 0;\n    var i = 0;\n    while (i < n) {\n        t = t + i;\n        i = i + 1;\n    }\n    return t;\n}";
    assert_eq!(out(&mut repl, sum), "");
    // 0 + 1 + … + 99.
    assert_eq!(out(&mut repl, "total(100)"), "4950\n");
    let doubled = sum.replace("t = t + i;", "t = t + 2 * i;");
    assert_eq!(out(&mut repl, &doubled), "");
    assert_eq!(out(&mut repl, "total(100)"), "9900\n");
    // 300 calls of total(10) = 90 each.
    let looped = "var s = 0;\nvar k = 0;\nwhile (k < 300) {\n    s = s + total(10);\n    k = k + 1;\n}\nprint(s);";
    assert_eq!(out(&mut repl, looped), "27000\n");
    let compiled = repl
        .vm
        .as_ref()
        .and_then(|vm| vm.jit_stats())
        .map_or(0, |s| s.compiled);
    assert!(compiled > 0, "nothing was compiled");
}
