//! The embedding library stays free of the command line: its normal
//! dependencies are the compiler, the VM and the front end, nothing else
//! (clap, rustyline, ctrlc and the test runner belong to limit_cli);
//! serde comes only with the `serde` feature.

#[test]
fn the_library_depends_on_the_compiler_and_the_vm_only() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("the library's manifest");
    let mut section = "";
    let mut dependencies = Vec::new();
    let mut optional = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
        } else if section == "[dependencies]" && !line.is_empty() && !line.starts_with('#') {
            let name = line
                .split(['.', ' ', '='])
                .next()
                .unwrap_or(line)
                .to_string();
            if line.contains("optional = true") {
                optional.push(name);
            } else {
                dependencies.push(name);
            }
        }
    }
    assert_eq!(
        dependencies,
        ["limit_syntax", "limit_compiler", "limit_vm"],
        "{manifest}"
    );
    assert_eq!(optional, ["serde", "serde_path_to_error"], "{manifest}");
}
