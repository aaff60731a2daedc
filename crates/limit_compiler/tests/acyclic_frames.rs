//! Which frames the code generator marks `acyclic` (their instances are not
//! registered with the cycle collector): those whose fields' declared types
//! admit only values that hold no list, dict, instance, closure or cell,
//! and that have no `deinit`.

use limit_compiler::{compile_program, CompileOptions};
use limit_syntax::SourceMap;

/// Whether frame `name` of `source` is marked acyclic.
fn acyclic(source: &str, name: &str) -> bool {
    let mut sources = SourceMap::new();
    let entry = sources.add("acyclic.lm", source.to_string());
    let output = compile_program(&mut sources, entry, &CompileOptions::default());
    let program = output.program.expect("the program compiles");
    program
        .classes
        .iter()
        .find(|c| c.name == name)
        .expect("the frame exists")
        .acyclic
}

#[test]
fn scalar_string_tuple_and_plain_enum_fields_are_acyclic() {
    let source = "enum Unit { Celsius, Kelvin }\n\
                  type Id = int;\n\
                  type Small = int where value < 10;\n\
                  frame Reading {\n\
                      pub var id: Id;\n\
                      pub var value: float;\n\
                      pub var label: str;\n\
                      pub var unit: Unit;\n\
                      pub var at: (int, f64);\n\
                      pub var small: Small;\n\
                      pub var price: d2;\n\
                      pub var byte: u8;\n\
                      pub var either: int | str;\n\
                      pub var maybe: int?;\n\
                      pub var ok: bool;\n\
                  }\n\
                  print(Reading(1, 2.0, \"a\", Unit.Kelvin, (1, 2.0), 3, 1.25, 7, 1, 2, true).id)\n";
    assert!(acyclic(source, "Reading"));
}

#[test]
fn fields_that_can_refer_to_containers_are_not_acyclic() {
    let cases = [
        ("any", "nil"),
        ("[int]", "[]"),
        ("{str: int}", "{}"),
        ("(int, [int])", "(1, [])"),
        ("fn(): int", "fn(): int { return 1; }"),
        ("Other", "Other(1)"),
        ("Other?", "nil"),
        ("Shape", "Other(1)"),
        ("{x: int}", "{x: 1}"),
        ("Msg", "Msg.Quit"),
        ("int | [int]", "1"),
    ];
    for (ty, value) in cases {
        let source = format!(
            "trait Shape {{ fn area(): int {{ return 0; }} }}\n\
             enum Msg {{ Say(str), Quit }}\n\
             frame Other : Shape {{ pub var n: int; }}\n\
             frame Holder {{ pub var id: int; pub var item: {ty}; }}\n\
             print(Holder(1, {value}).id)\n"
        );
        assert!(!acyclic(&source, "Holder"), "a field of type {ty}");
        assert!(acyclic(&source, "Other"));
    }
}

#[test]
fn an_untyped_field_a_deinit_or_a_subframe_field_keeps_registration() {
    let untyped = "frame Counter { pub var n = 0; }\nprint(Counter().n)\n";
    assert!(!acyclic(untyped, "Counter"));
    let with_deinit = "frame Tag { pub var name: str; deinit() { print(name); } }\n\
                       var t = Tag(\"x\");\n";
    assert!(!acyclic(with_deinit, "Tag"));
    let subframe = "frame Base { pub var id: int; }\n\
                    frame Linked : Base { pub var peer: Base?; }\n\
                    frame Plain : Base { pub var weight: float; }\n\
                    print(Linked(1, nil).id + Plain(2, 1.0).id)\n";
    assert!(acyclic(subframe, "Base"));
    assert!(!acyclic(subframe, "Linked"));
    assert!(acyclic(subframe, "Plain"));
}
