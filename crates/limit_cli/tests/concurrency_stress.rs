//! Stress test of synchronised shared variables: 100 parallel tasks do
//! `counter += 1` on 2 threads, 200 times in one program run; every
//! repetition must count exactly 100.

use std::process::Command;

const PROGRAM: &str = r#"
var wrong = 0
iter (rep in 0..200) {
    var counter = 0
    parallel (cores=2) {
        task (i in 1..100) { counter += 1 }
    }
    if (counter != 100) {
        wrong += 1
        print("repetition {rep}: {counter}")
    }
}
print("wrong repetitions: {wrong}")
"#;

#[test]
fn hundred_tasks_increment_a_shared_counter_exactly_100_times() {
    let dir = std::env::temp_dir().join(format!("limit-stress-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("stress.lm");
    std::fs::write(&file, PROGRAM).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_limit"))
        .arg("run")
        .arg(&file)
        .output()
        .expect("run limit");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stderr: {stderr}\nstdout: {stdout}");
    assert_eq!(stdout.trim(), "wrong repetitions: 0", "stderr: {stderr}");
}
