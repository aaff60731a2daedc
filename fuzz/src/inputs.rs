//! The inputs the drivers without libFuzzer feed the generator
//! (`examples/drive_run.rs`, `examples/leakcheck.rs`).

/// xorshift64*, seeded per input so that input N of seed S can be made
/// again without the ones before it.
pub fn input(seed: u64, n: u64) -> Vec<u8> {
    let mut state =
        (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ n.wrapping_mul(0xD1B5_4A32_D192_ED03)) | 1;
    let mut next = || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    // Lengths as libFuzzer's -max_len=4096 gives them, short ones more often.
    let len = match next() % 4 {
        0 => 16 + next() % 240,
        1 | 2 => 256 + next() % 1024,
        _ => 1280 + next() % 2816,
    } as usize;
    (0..len).map(|_| (next() >> 32) as u8).collect()
}
