//! Source positions: every token and AST node carries a [`Span`].

/// Index of a source file in a [`SourceMap`].
pub type FileId = u32;

/// A byte range `start..end` in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
}

/// One loaded source file.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
    /// Per line: whether it is pure ASCII, so that a column is a byte
    /// distance there (code generation asks for the position of every
    /// instruction; counting characters from the line start each time made
    /// a long line quadratic).
    ascii_lines: Vec<bool>,
    /// Characters before each [`CHAR_BLOCK`]-byte block of the text, so
    /// that a column on a non-ASCII line is counted over at most one block
    /// (counting from the line start made every position on a long
    /// non-ASCII line cost the line's length: quadratic).
    chars_before_block: Vec<u32>,
}

/// Bytes per block of [`SourceFile::chars_before_block`].
const CHAR_BLOCK: usize = 256;

/// Characters that start in `bytes` (any slice of UTF-8 text: a character
/// cut at the slice's end counts once, at its first byte).
fn chars_starting_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let ascii_lines = line_starts
            .iter()
            .enumerate()
            .map(|(i, start)| {
                let end = line_starts.get(i + 1).copied().unwrap_or(text.len());
                text.as_bytes()[*start..end].is_ascii()
            })
            .collect();
        let mut chars_before_block = Vec::with_capacity(text.len() / CHAR_BLOCK + 1);
        let mut chars = 0u32;
        for block in text.as_bytes().chunks(CHAR_BLOCK) {
            chars_before_block.push(chars);
            chars = chars.saturating_add(chars_starting_in(block) as u32);
        }
        // The end of the text starts a block of its own (when its length is
        // a multiple of the block size, no chunk began there).
        chars_before_block.push(chars);
        SourceFile {
            name: name.into(),
            text,
            line_starts,
            ascii_lines,
            chars_before_block,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let mut hint = 0;
        self.line_col_near(offset, &mut hint)
    }

    /// As [`line_col`](Self::line_col), for a caller asking about offsets
    /// mostly in order (the code generator, instruction after
    /// instruction): `hint` is the 0-based line of the last answer, tried
    /// with the next line before a search, and updated.
    pub fn line_col_near(&self, offset: u32, hint: &mut usize) -> (u32, u32) {
        let offset = (offset as usize).min(self.text.len());
        let on_line = |line: usize| {
            self.line_starts
                .get(line)
                .is_some_and(|&start| start <= offset)
                && self
                    .line_starts
                    .get(line + 1)
                    .is_none_or(|&next| offset < next)
        };
        let line = if on_line(*hint) {
            *hint
        } else if on_line(*hint + 1) {
            *hint + 1
        } else {
            match self.line_starts.binary_search(&offset) {
                Ok(i) => i,
                Err(i) => i - 1,
            }
        };
        *hint = line;
        let start = self.line_starts[line];
        if self.ascii_lines.get(line).copied().unwrap_or(false) {
            return (line as u32 + 1, (offset - start) as u32 + 1);
        }
        let col = self.chars_before(offset) - self.chars_before(start);
        (line as u32 + 1, col + 1)
    }

    /// Characters that start before byte `offset` (at most the text's
    /// length), counted over at most one block.
    fn chars_before(&self, offset: usize) -> u32 {
        let block = offset / CHAR_BLOCK;
        // Present: the table has an entry for every block start up to and
        // including the end of the text, and `offset` is at most that.
        let counted = self.chars_before_block.get(block).copied().unwrap_or(0);
        let rest = &self.text.as_bytes()[block * CHAR_BLOCK..offset];
        counted + chars_starting_in(rest) as u32
    }
}

/// All source files of one compilation, indexed by [`FileId`].
///
/// A long session (REPL, embedding) releases the files nothing refers to
/// any more ([`SourceMap::release`]); a later file takes a released id, so
/// the map follows the files in use, not how many chunks were compiled.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// Released ids, highest first (the lowest is reused first).
    free: Vec<FileId>,
    /// Released ids given to new files since [`SourceMap::take_reused`].
    reused: Vec<FileId>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file; its id is a released one when there is one.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let file = SourceFile::new(name, text);
        if let Some(id) = self.free.pop() {
            self.files[id as usize] = file;
            self.reused.push(id);
            return id;
        }
        self.files.push(file);
        (self.files.len() - 1) as FileId
    }

    /// Forgets file `id`'s name and text (nothing refers to it any more:
    /// no function's code, no declaration a later chunk is checked
    /// against); a later [`SourceMap::add`] may give its id to another
    /// file. Releasing a released or unknown id does nothing.
    pub fn release(&mut self, id: FileId) {
        let Some(file) = self.files.get_mut(id as usize) else {
            return;
        };
        // Highest first: the position keeps the list in that order.
        let Err(at) = self.free.binary_search_by(|free| id.cmp(free)) else {
            return;
        };
        *file = SourceFile::new("", "");
        self.free.insert(at, id);
    }

    /// Whether `id` was released and not given to another file since.
    pub fn is_released(&self, id: FileId) -> bool {
        self.free.binary_search_by(|free| id.cmp(free)).is_ok()
    }

    /// The released ids given to new files since the last call, in the
    /// order given.
    pub fn take_reused(&mut self) -> Vec<FileId> {
        std::mem::take(&mut self.reused)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id as usize]
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn released_ids_are_given_to_later_files_lowest_first() {
        let mut map = SourceMap::new();
        for n in 0..4 {
            map.add(format!("<{n}>"), "x\ny");
        }
        map.release(2);
        map.release(1);
        map.release(1);
        map.release(9);
        assert!(map.is_released(1) && map.is_released(2));
        assert_eq!(map.get(1).text, "");
        assert_eq!(map.get(1).line_col(5), (1, 1));
        assert!(map.take_reused().is_empty());
        assert_eq!(map.add("a", "1"), 1);
        assert_eq!(map.add("b", "2"), 2);
        assert_eq!(map.add("c", "3"), 4);
        assert_eq!(map.take_reused(), vec![1, 2]);
        assert_eq!(map.get(2).name, "b");
        assert!(!map.is_released(2));
        assert_eq!(map.files().len(), 5);
    }

    #[test]
    fn a_hinted_lookup_agrees_with_a_search_from_any_hint() {
        let text = "ab\n\n\ncdé\nlast line\nx";
        let f = SourceFile::new("h.lm", text);
        let offsets: Vec<u32> = (0..=text.len() as u32 + 2).collect();
        // In order (the code generator's case), backwards, and jumping.
        let mut orders = vec![offsets.clone()];
        orders.push(offsets.iter().rev().copied().collect());
        orders.push(
            offsets
                .iter()
                .map(|o| (o * 7) % (text.len() as u32 + 3))
                .collect(),
        );
        for order in orders {
            let mut hint = 0;
            for offset in order {
                assert_eq!(
                    f.line_col_near(offset, &mut hint),
                    f.line_col(offset),
                    "{offset}"
                );
            }
        }
        // A stale hint past the end of the file is only a hint.
        let mut hint = 99;
        assert_eq!(f.line_col_near(4, &mut hint), (3, 1));
        assert_eq!(hint, 2);
    }

    #[test]
    fn line_col_counts_from_one() {
        let f = SourceFile::new("a.lm", "ab\ncd\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(1), (1, 2));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(6), (3, 1));
    }

    #[test]
    fn columns_on_non_ascii_lines_count_characters_across_blocks() {
        // Lines that cross block boundaries, with two- and four-byte
        // characters straddling them: every column agrees with counting
        // the characters from the line start.
        let line = "é𝄞a".repeat(200);
        let text = format!("x\n{line}\nab{line}\n");
        let f = SourceFile::new("u.lm", text.clone());
        for (offset, _) in text.char_indices() {
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let expected = text[line_start..offset].chars().count() as u32 + 1;
            assert_eq!(f.line_col(offset as u32).1, expected, "offset {offset}");
        }
        assert_eq!(f.line_col(text.len() as u32), (4, 1));
    }

    #[test]
    fn every_position_of_a_long_non_ascii_line_is_found_quickly() {
        // 600 KB on one line: counting from the line start for each of
        // its 200 000 positions would be 6e10 byte reads (minutes); by
        // blocks it is at most 256 each.
        let line = "é".repeat(100_000) + &"a".repeat(400_000);
        let f = SourceFile::new("u.lm", line.clone());
        let started = std::time::Instant::now();
        let mut last = 0;
        for offset in (0..line.len()).step_by(3) {
            last = f.line_col(offset as u32).1;
        }
        // The last offset visited, 599 997, follows 100 000 two-byte
        // characters and 399 997 one-byte ones.
        assert_eq!(last, 100_000 + 399_997 + 1);
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    }
}
