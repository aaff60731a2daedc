//! Syntax errors caused by a `//` written as an operator: `print(7 // 2)`
//! reads `// 2)` as a comment and reports a missing `)`, which says nothing
//! of the cause. When the first error after such a comment falls where the
//! comment's line ended, its hint says what `//` is.

use crate::diagnostic::Diagnostic;
use crate::token::{Token, TokenKind};

const HINT: &str = "`//` starts a comment; integer division is `/` on ints";

/// Rewrites the hint of each error a `//` after an operand explains.
pub(super) fn explain_operator_comments(
    source: &str,
    tokens: &[Token],
    diagnostics: &mut [Diagnostic],
) {
    if !diagnostics.iter().any(Diagnostic::is_error) {
        return;
    }
    for pair in tokens.windows(2) {
        let (operand, next) = (&pair[0], &pair[1]);
        if !is_operand(&operand.kind) {
            continue;
        }
        let gap =
            operand.span.end as usize..(next.span.start as usize).max(operand.span.end as usize);
        if operator_like_comment(source, gap).is_none() {
            continue;
        }
        // The first error from the operand's end (where a missing closer
        // is reported) up to the token after the comment.
        let explained = diagnostics.iter_mut().find(|d| {
            d.is_error() && d.span.start >= operand.span.end && d.span.start <= next.span.start
        });
        if let Some(diagnostic) = explained {
            diagnostic.hint = Some(HINT.to_string());
        }
    }
}

fn is_operand(kind: &TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Int(_)
            | TokenKind::Float(_)
            | TokenKind::Ident(_)
            | TokenKind::RParen
            | TokenKind::RBracket
    )
}

/// Where a `//` starts that follows the start of `gap` on the same line and
/// is followed by what looks like an operand (`// 2`, `// n`, `// (`). Only
/// the gap between two tokens is read (a comment lies in such a gap), so
/// hinting stays linear in the source however long its lines.
fn operator_like_comment(source: &str, gap: std::ops::Range<usize>) -> Option<usize> {
    let after = gap.start;
    let rest = source.get(gap)?;
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let trimmed = line.trim_start_matches([' ', '\t']);
    let text = trimmed.strip_prefix("//")?;
    let looks_like_operand = text
        .trim_start_matches([' ', '\t'])
        .starts_with(|c: char| c.is_ascii_digit() || c == '(' || c == '_' || c.is_alphabetic());
    looks_like_operand.then(|| after + (line.len() - trimmed.len()))
}
