//! `std.json.parse(std.json.stringify(v))` gives back `v` for every
//! JSON-representable value (docs/stdlib.md, issue 20's acceptance):
//! nil, bools, ints of any size, finite floats, any unicode string, and
//! lists and str-keyed dicts of those, nested. Each case is written as a
//! Limit literal, so the value is built by the language itself, and run
//! in an embedded engine (whose chunks import std.json as a file does).

use proptest::prelude::*;

/// A Limit string literal of `s` (braces and quotes escaped, control
/// characters as `\u{…}`).
fn string_literal(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Limit float literal that reads back as exactly `f` (finite).
fn float_literal(f: f64) -> String {
    let text = format!("{:?}", f.abs());
    let text = if text.contains(['.', 'e']) {
        text
    } else {
        format!("{text}.0")
    };
    if f.is_sign_negative() {
        format!("(-{text})")
    } else {
        text
    }
}

/// Limit expressions of JSON-representable values.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("nil".to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|i| if i < 0 {
            format!("({i})")
        } else {
            i.to_string()
        }),
        // Ints past 64 bits (§3.1: any size).
        "[1-9][0-9]{19,40}".prop_map(|digits| digits),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(float_literal),
        any::<String>().prop_map(|s| string_literal(&s)),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6)
                .prop_map(|items| format!("[{}]", items.join(", "))),
            prop::collection::vec((any::<String>(), inner), 0..6).prop_map(|fields| {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{}: {v}", string_literal(k)))
                    .collect();
                format!("{{{}}}", fields.join(", "))
            }),
        ]
    })
}

/// Runs the round trip of the value `expr` in a sandboxed engine (std.json
/// needs no capability): `"true true\n"` when both checks hold.
fn round_trip(expr: &str) -> Result<String, String> {
    let program = format!(
        "import std.json;\n\
         var v: any = {expr};\n\
         var text = json.stringify(v) ?else e {{ \"stringify failed: {{e}}\" }};\n\
         var back = json.parse(text) ?else e {{ \"parse failed: {{e}}\" }};\n\
         var again = json.stringify(back) ?else e {{ \"stringify failed: {{e}}\" }};\n\
         print(back == v, again == text);\n\
         if (back != v || again != text) {{ print(text); print(again); }}\n"
    );
    let mut engine = limit::Engine::new();
    engine.capture_output(true);
    engine.run_str(&program).map_err(|e| e.to_string())?;
    Ok(engine.take_output())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parse_of_stringify_gives_back_the_value(expr in json_value()) {
        let out = round_trip(&expr);
        prop_assert_eq!(out, Ok("true true\n".to_string()), "value {}", expr);
    }
}

#[test]
fn edge_values_round_trip() {
    for expr in [
        "[]",
        "{}",
        "(-9223372036854775808)",
        "9223372036854775807",
        "18446744073709551616",
        "(-123456789012345678901234567890)",
        "5e-324",
        "1.7976931348623157e308",
        "(-0.0)",
        "1.0",
        "\"\\u{1F600} \\u{0} \\\" \\\\ \\{\\}\"",
        "[[[[[]]]]]",
        "{\"\": {\"a\": [nil, true, false]}}",
    ] {
        assert_eq!(
            round_trip(expr),
            Ok("true true\n".to_string()),
            "value {expr}"
        );
    }
}
