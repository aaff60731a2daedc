//! `docs/bytecode.md` is generated from the instruction table; this test
//! fails when it is stale, and rewrites it when `UPDATE_BYTECODE_DOC=1`.

use std::path::PathBuf;

use limit_bytecode::reference::{markdown, REGENERATE};

#[test]
fn docs_bytecode_md_is_generated_from_the_table() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/bytecode.md");
    let expected = markdown();
    if std::env::var_os("UPDATE_BYTECODE_DOC").is_some() {
        std::fs::write(&path, &expected).expect("write docs/bytecode.md");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == expected,
        "docs/bytecode.md does not match the instruction table in \
         crates/limit_bytecode/src/opcode.rs; regenerate it with `{REGENERATE}`"
    );
}
