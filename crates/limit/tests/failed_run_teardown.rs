//! What a program that ends in an error leaves (`Vm::run`): its frames are
//! over, so what only they held is garbage that a collection frees, cycles
//! included. (Left on the value stack, it stayed rooted and was never freed
//! once the VM was dropped: a host running many programs, the `run` fuzz
//! driver among them, grew by every failed run's cycles.)

use limit_compiler::{compile_program, CompileOptions};
use limit_syntax::SourceMap;
use limit_vm::{Vm, VmOptions};

fn vm_of(source: &str) -> Vm {
    let mut sources = SourceMap::new();
    let file = sources.add("teardown.lm", source);
    let output = compile_program(&mut sources, file, &CompileOptions::default());
    let program = output.program.expect("compiles");
    let options = VmOptions {
        capture_output: true,
        ..VmOptions::default()
    };
    Vm::new(program, options)
}

#[test]
fn cycles_held_by_the_frames_of_a_failed_run_are_garbage() {
    // Each program makes `made` objects that only refer to each other and
    // to themselves, held by the frames that are running when a division
    // by zero ends the program.
    let programs = [
        (
            "fn f(z: int): int {\n    var l: [any] = [1]\n    l.push(l)\n    return 1 / z\n}\nprint(f(0))\n",
            1,
        ),
        (
            "fn inner(z: int): int {\n    return 10 % z\n}\n\
             fn outer(z: int): int {\n    var d: {str: any} = {\"k\": 1}\n    d[\"self\"] = d\n    var pair: [any] = [d]\n    pair.push(pair)\n    return inner(z)\n}\n\
             print(outer(0))\n",
            2,
        ),
        (
            // The list and the closure (the variable it captures is not an
            // object of the program's).
            "fn make(z: int): int {\n    var xs: [any] = []\n    var count = fn(): int {\n        return len(xs)\n    }\n    xs.push(count)\n    xs.push(xs)\n    return count() / z\n}\nprint(make(0))\n",
            2,
        ),
    ];
    for (source, made) in programs {
        let mut vm = vm_of(source);
        let error = vm.run().expect_err("divides by zero");
        assert_eq!(error.kind, "DivisionByZero", "{source}");
        assert_eq!(vm.collect_garbage().expect("collects"), made, "{source}");
    }
}
