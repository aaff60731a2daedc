//! `deinit`s still queued when a VM stops (here: a runtime error while an
//! instance is alive) belong to that VM's program: a later VM on the same
//! thread must not run them with its own function table (found by the
//! `run` fuzz target, which runs many programs in one process).

use limit::Engine;

#[test]
fn a_stopped_engines_pending_deinit_does_not_run_in_the_next() {
    let mut first = Engine::new();
    first.capture_output(true);
    let failed = first.run_str(
        "fn a() {}\nfn b() {}\nfn c() {}\nfn d() {}\nfn e() {}\nfn g() {}\n\
         frame Noisy { pub tag: str; deinit() { print(\"deinit {this.tag}\"); } }\n\
         var keep = Noisy(\"held\")\n\
         var boom = 1 / 0\n",
    );
    assert!(
        failed.is_err(),
        "the first program must stop with DivisionByZero"
    );
    drop(first);

    let mut second = Engine::new();
    second.capture_output(true);
    second
        .run_str(
            "frame Quiet { deinit() { print(\"quiet gone\"); } }\n\
             fn make() { var q = Quiet(); }\n\
             make()\nprint(\"done\")\n",
        )
        .expect("the second program runs normally");
    assert_eq!(second.take_output(), "quiet gone\ndone\n");
}
