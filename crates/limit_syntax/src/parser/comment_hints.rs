//! Syntax errors caused by a `//` written as an operator: `print(7 // 2)`
//! reads `// 2)` as a comment and reports a missing `)`, which says nothing
//! of the cause. When the first error after such a comment falls where the
//! comment's line ended, its hint says what `//` is.

use crate::diagnostic::Diagnostic;
use crate::span::Span;
use crate::token::{Token, TokenKind};

const HINT: &str = "`//` starts a comment; integer division is `/` on ints";

/// Rewrites the hint of each error a `//` after an operand explains. When
/// no error follows (`var half = n // 2` is a complete statement) but the
/// comment holds nothing but a number or a parenthesised expression, a
/// warning says the same: no one comments a line with a bare `2`.
pub(super) fn explain_operator_comments(
    source: &str,
    tokens: &[Token],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let any_error = diagnostics.iter().any(Diagnostic::is_error);
    let mut warnings = Vec::new();
    for pair in tokens.windows(2) {
        let (operand, next) = (&pair[0], &pair[1]);
        if !is_operand(&operand.kind) {
            continue;
        }
        let gap =
            operand.span.end as usize..(next.span.start as usize).max(operand.span.end as usize);
        let Some(comment_start) = operator_like_comment(source, gap) else {
            continue;
        };
        // The first error from the operand's end (where a missing closer
        // is reported) up to the token after the comment.
        let explained = any_error
            .then(|| {
                diagnostics.iter_mut().find(|d| {
                    d.is_error()
                        && d.span.start >= operand.span.end
                        && d.span.start <= next.span.start
                })
            })
            .flatten();
        if let Some(diagnostic) = explained {
            diagnostic.hint = Some(HINT.to_string());
        } else if let Some(end) = operand_only_comment(source, comment_start) {
            let span = Span::new(operand.span.file, comment_start, end);
            warnings.push(
                Diagnostic::warning(span, "this `//` starts a comment, not a division")
                    .with_hint(HINT),
            );
        }
    }
    diagnostics.extend(warnings);
}

/// The end of the comment starting at `start` when its text is only a
/// number (`// 2`) or a parenthesised expression (`// (n + 1)`).
fn operand_only_comment(source: &str, start: usize) -> Option<usize> {
    let rest = source.get(start..)?;
    let line_len = rest.find('\n').unwrap_or(rest.len());
    let text = rest[..line_len].strip_prefix("//")?.trim();
    let text = text.strip_suffix(';').unwrap_or(text).trim_end();
    let number = !text.is_empty()
        && text.starts_with(|c: char| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    let parenthesised = text.starts_with('(') && text.ends_with(')');
    (number || parenthesised).then_some(start + line_len)
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
    // Most gaps between tokens are empty or one space: no `//` fits.
    if rest.len() < 2 {
        return None;
    }
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let trimmed = line.trim_start_matches([' ', '\t']);
    let text = trimmed.strip_prefix("//")?;
    let looks_like_operand = text
        .trim_start_matches([' ', '\t'])
        .starts_with(|c: char| c.is_ascii_digit() || c == '(' || c == '_' || c.is_alphabetic());
    looks_like_operand.then(|| after + (line.len() - trimmed.len()))
}
