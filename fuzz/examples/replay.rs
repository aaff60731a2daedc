//! Run a program file (a finding's `.lm`, a regression input) through the
//! `run` target's pipeline and print how each mode ended:
//! `cargo run --release --example replay -- FILE.lm`, then whether
//! `run_differential` finds them in agreement (exit status 1 if not).

use limit_fuzz::pipeline::{self, Mode};

fn main() {
    let mut failed = false;
    for path in std::env::args().skip(1) {
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        println!("==== {path}");
        for mode in [Mode::Optimised, Mode::Unoptimised, Mode::OptimisedJit] {
            println!("-- {}", mode.name());
            match pipeline::run_mode(&source, mode) {
                Some(e) => println!("{e:?}"),
                None => println!("does not compile"),
            }
        }
        let agree = std::panic::catch_unwind(|| pipeline::run_differential(&source)).is_ok();
        println!("-- {}", if agree { "they agree" } else { "they DIFFER" });
        failed |= !agree;
    }
    std::process::exit(i32::from(failed));
}
