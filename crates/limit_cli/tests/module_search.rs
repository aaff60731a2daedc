//! Module search path (reference.md §10): after the importing file's folder
//! and the working directory, `import` looks in each folder of `LIMIT_PATH`.

use std::path::PathBuf;
use std::process::Command;

fn folder(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("module-search")
        .join(name);
    std::fs::create_dir_all(&path).expect("create folder");
    path
}

#[test]
fn limit_path_folders_are_searched() {
    let library = folder("library/text");
    std::fs::write(
        library.join("greet.lm"),
        "fn hello(): str { return \"hi from LIMIT_PATH\"; }\n",
    )
    .expect("write module");
    let program = folder("program");
    let main = program.join("main.lm");
    std::fs::write(&main, "import text.greet;\nprint(greet.hello());\n").expect("write main");

    let without = Command::new(env!("CARGO_BIN_EXE_limit"))
        .arg(&main)
        .current_dir(&program)
        .env_remove("LIMIT_PATH")
        .output()
        .expect("run limit");
    assert_eq!(
        without.status.code(),
        Some(2),
        "the module is not found without LIMIT_PATH"
    );

    let with = Command::new(env!("CARGO_BIN_EXE_limit"))
        .arg(&main)
        .current_dir(&program)
        .env("LIMIT_PATH", library.parent().expect("library root"))
        .output()
        .expect("run limit");
    assert_eq!(
        String::from_utf8_lossy(&with.stdout),
        "hi from LIMIT_PATH\n"
    );
    assert_eq!(with.status.code(), Some(0));
}

#[test]
fn working_directory_is_searched() {
    let root = folder("cwd-root");
    std::fs::create_dir_all(root.join("shared")).expect("create shared");
    std::fs::write(root.join("shared/consts.lm"), "var answer = 42;\n").expect("write module");
    let nested = folder("cwd-root/app/deep");
    let main = nested.join("main.lm");
    std::fs::write(&main, "import shared.consts;\nprint(consts.answer);\n").expect("write main");
    let output = Command::new(env!("CARGO_BIN_EXE_limit"))
        .arg(&main)
        .current_dir(&root)
        .env_remove("LIMIT_PATH")
        .output()
        .expect("run limit");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "42\n");
}
