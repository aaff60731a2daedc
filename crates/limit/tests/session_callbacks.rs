//! Built-in methods that call back into Limit (`map`, `sort` with a key)
//! and queued `deinit`s run as continuation frames of functions the VM
//! appends after the program's own. A session's later chunk grows the
//! program, so those functions move: each chunk must find them where its
//! program put them.

use limit::Engine;

#[test]
fn callbacks_and_deinits_work_in_every_chunk_of_a_session() {
    let mut engine = Engine::new();
    engine.capture_output(true);
    engine
        .run_str("fn twice(x: int): int { return x * 2; }\nprint([1, 2].map(twice))\n")
        .expect("first chunk");
    // More functions and a frame with a deinit: the program grows.
    engine
        .run_str(
            "fn neg(x: int): int { return -x; }\nfn id(x: int): int { return x; }\n\
             frame Tmp { deinit() { print(\"gone\"); } }\n\
             var xs = [3, 1, 2]\nxs.sort(neg)\nprint(xs)\n\
             print(xs.filter(fn(x: int): bool { var t = Tmp(); return x > 1; }))\n",
        )
        .expect("second chunk");
    engine
        .run_str("print([1, 2, 3].reduce(fn(a: int, b: int): int { return a + twice(b); }, 0))\n")
        .expect("third chunk");
    assert_eq!(
        engine.take_output(),
        "[2, 4]\n[3, 2, 1]\ngone\ngone\ngone\n[3, 2]\n12\n"
    );
}
