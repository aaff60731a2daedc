//! Positions in an editor's text: LSP counts lines and UTF-16 code units,
//! the front end counts bytes.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

/// Where the name (letters, digits, `_`) that ends at byte `offset` of
/// `text` starts; `offset` itself when no name ends there.
pub fn name_start(text: &str, offset: usize) -> usize {
    text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map_or(offset, |(i, _)| i)
}

/// The byte offset of `position` in `text` (clamped to the text).
pub fn offset_of(text: &str, position: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..position.line {
        match text[line_start..].find('\n') {
            Some(n) => line_start += n + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |n| line_start + n);
    let mut units = 0u32;
    for (i, c) in text[line_start..line_end].char_indices() {
        if units >= position.character {
            return line_start + i;
        }
        units += c.len_utf16() as u32;
    }
    line_end
}

/// The LSP position of byte `offset` in `text`.
pub fn position_of(text: &str, offset: usize) -> Position {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() as u32;
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    let character = before[line_start..].encode_utf16().count() as u32;
    Position { line, character }
}

/// The LSP range of bytes `start..end` of `text`.
pub fn range_of(text: &str, start: usize, end: usize) -> Range {
    Range {
        start: position_of(text, start),
        end: position_of(text, end.max(start)),
    }
}

/// Applies one change an editor sent (a range replaced, or the whole text).
pub fn apply_change(text: &mut String, change: &TextDocumentContentChangeEvent) {
    match change.range {
        Some(range) => {
            let start = offset_of(text, range.start);
            let end = offset_of(text, range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
        None => *text = change.text.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "ab\n😀x\nlast";
        assert_eq!(offset_of(text, Position::new(1, 2)), "ab\n😀".len());
        assert_eq!(position_of(text, "ab\n😀".len()), Position::new(1, 2));
        assert_eq!(offset_of(text, Position::new(9, 0)), text.len());
        assert_eq!(offset_of(text, Position::new(0, 99)), 2);
    }

    #[test]
    fn a_ranged_change_replaces_that_range() {
        let mut text = "var x = 1\nprint(x)\n".to_string();
        apply_change(
            &mut text,
            &TextDocumentContentChangeEvent {
                range: Some(Range::new(Position::new(0, 8), Position::new(0, 9))),
                range_length: None,
                text: "42".into(),
            },
        );
        assert_eq!(text, "var x = 42\nprint(x)\n");
    }
}
