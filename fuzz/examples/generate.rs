//! Print the program the generator makes of a file's bytes (a corpus entry
//! or a crash artifact of the `compile` or `run` target):
//! `cargo run --example generate -- fuzz/artifacts/run/crash-…`.
//! With `--stats N`, generate N programs from pseudo-random bytes instead
//! and count how many compile, run without an error, and have an entry
//! point compiled by the JIT with `--jit=always` (a check of the
//! generator's quality).

use limit_fuzz::generator;
use limit_fuzz::pipeline::{self, Mode};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--stats") {
        let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let (mut compiled, mut ran_ok, mut jitted) = (0, 0, 0);
        for i in 0..n {
            let len = 64 + (i * 37) % 2000;
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed >> 24) as u8
                })
                .collect();
            let program = generator::generate(&data);
            if let Some((_, error)) = pipeline::run(&program.source, program.optimize) {
                compiled += 1;
                if error.is_none() {
                    ran_ok += 1;
                }
                if pipeline::run_mode(&program.source, Mode::OptimisedJit)
                    .is_some_and(|e| e.jit_compiled > 0)
                {
                    jitted += 1;
                }
            } else if args.get(2).map(String::as_str) == Some("-v") {
                let mut sources = limit_syntax::SourceMap::new();
                let file = sources.add("gen.lm", program.source.as_str());
                let out = limit_compiler::compile_program(
                    &mut sources,
                    file,
                    &limit_compiler::CompileOptions::default(),
                );
                println!("==== program {i}\n{}", program.source);
                for d in out.diagnostics.iter().filter(|d| d.is_error()) {
                    let (line, col) = sources.get(d.span.file).line_col(d.span.start);
                    println!("-- {line}:{col}: {}", d.message);
                }
            }
        }
        println!(
            "{n} programs: {compiled} compiled, {ran_ok} ran without a runtime error, \
             {jitted} had an entry point compiled by the JIT"
        );
        return;
    }
    for path in &args {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        println!("{:?}", generator::generate(&data));
    }
}
