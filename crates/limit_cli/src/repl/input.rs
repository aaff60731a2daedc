//! When a line typed at the prompt is a whole piece of input, and when the
//! session should ask for more: while a bracket, brace or parenthesis is
//! open, a string or block comment is unterminated, or the text ends in an
//! operator or comma that needs a right-hand side.

use limit_syntax::token::TokenKind;

/// True when `text` needs more lines before it can be compiled.
pub fn needs_more_input(text: &str) -> bool {
    let (tokens, diagnostics) = limit_syntax::lex(text, 0);
    let unterminated = diagnostics.iter().any(|d| {
        d.message.starts_with("unterminated") && d.message != "unterminated unicode escape"
    });
    if unterminated {
        return true;
    }
    let mut depth: i64 = 0;
    for token in &tokens {
        match token.kind {
            TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => depth += 1,
            TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace => depth -= 1,
            _ => {}
        }
    }
    if depth > 0 {
        return true;
    }
    // A closing bracket too many is an error the compiler reports; only a
    // balanced text may continue after a trailing operator.
    depth == 0
        && tokens
            .iter()
            .rev()
            .find(|t| t.kind != TokenKind::Eof)
            .is_some_and(|t| t.kind.continues_statement())
}

#[cfg(test)]
mod tests {
    use super::needs_more_input;

    #[test]
    fn complete_lines() {
        for text in [
            "1 + 2",
            "fn f(x) { return x * 2; }",
            "print(\"a {1 + 2} b\")",
            "var xs = [1, 2, 3]",
            "}",
            "",
            "// just a comment",
        ] {
            assert!(!needs_more_input(text), "{text}");
        }
    }

    #[test]
    fn open_brackets_strings_and_operators_continue() {
        for text in [
            "fn f(x) {",
            "frame P {\n  x: int,",
            "print(1,",
            "var xs = [1,\n 2",
            "var s = \"abc",
            "var s = \"a {x",
            "/* comment",
            "var total = 1 +",
            "match (x) {\n 1 => \"one\",",
        ] {
            assert!(needs_more_input(text), "{text}");
        }
    }
}
