//! The lexer and the parser (and the tree printer) on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    limit_fuzz::pipeline::lex_parse(data);
});
