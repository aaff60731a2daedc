//! The host application `crates/limit/examples/game_rules.rs` runs in the
//! test suite, and what it prints is checked: two rounds with a loaded die
//! (3, 5, 2, 6, 1, 4, …), four hostile rules stopped, one more round.

#[path = "../examples/game_rules.rs"]
mod game_rules;

#[test]
fn the_game_rules_host_plays_and_survives_hostile_rules() {
    let printed = game_rules::run().expect("the example runs");
    // Round 1: bo 8 - 3 = 5, ada 10 - 5 = 5 (neither under 5: no rest).
    // Round 2: bo 5 - 2 = 3, ada 5 - 6 = 0 (not below 0); ada pays 3 of
    // her 5 gold and heals 4; bo has 2 gold, not 3.
    // One more round: bo 3 - 1 = 2, ada 4 - 4 = 0.
    let expected = "\
round 1
  ada hits bo for 3
  bo hits ada for 5
round 2
  ada hits bo for 2
  bo hits ada for 6
  ada rests to 4
  bo cannot rest: not enough gold (has 2, needs 3)
ada: 4/12 hp, 2 gold
bo: 3/10 hp, 2 gold
a runaway rule: Interrupted
a greedy rule: ResourceLimit (true)
a hoarding rule: ResourceLimit (true)
a sneaky rule: `write_file` needs the capability `fs` (the file system), which this program is not granted
one more round: ada 0, bo 2
";
    assert_eq!(printed, expected);
}
