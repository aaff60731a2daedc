//! The one place where compile diagnostics become text (DESIGN.md §7).
//!
//! ```text
//! hello.lm:3:9: error: expected an expression, found `;`
//!   |
//! 3 | var x = ;
//!   |         ^
//!   = hint: give the variable a value
//! ```
//!
//! The first line is always exactly `path:line:col: severity: message` (tools
//! and the conformance harness read it); codespan-reporting's short style
//! writes it. The snippet under it is drawn here on top of codespan's
//! [`Files`] trait, implemented for our [`SourceMap`]. Output is plain text,
//! without colour, so that it reads the same in a terminal, a pipe and a test.

use std::ops::Range;

use crate::{Diagnostic, FileId, Severity, SourceFile, SourceMap};
use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::termcolor::NoColor;
use codespan_reporting::term::{self, Config, DisplayStyle};

/// A [`SourceMap`] seen through codespan-reporting's [`Files`] trait.
pub struct SourceFiles<'a> {
    sources: &'a SourceMap,
}

impl<'a> SourceFiles<'a> {
    /// Wraps `sources`.
    pub fn new(sources: &'a SourceMap) -> SourceFiles<'a> {
        SourceFiles { sources }
    }

    fn file(&self, id: FileId) -> Result<&'a SourceFile, FilesError> {
        self.sources
            .files()
            .get(id as usize)
            .ok_or(FilesError::FileMissing)
    }
}

impl<'a> Files<'a> for SourceFiles<'a> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(self.file(id)?.name.as_str())
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(self.file(id)?.text.as_str())
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let text = &self.file(id)?.text;
        let byte_index = byte_index.min(text.len());
        Ok(text.as_bytes()[..byte_index]
            .iter()
            .filter(|&&byte| byte == b'\n')
            .count())
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let text = &self.file(id)?.text;
        let mut start = 0;
        for _ in 0..line_index {
            match text[start..].find('\n') {
                Some(newline) => start += newline + 1,
                None => {
                    return Err(FilesError::LineTooLarge {
                        given: line_index,
                        max: text.matches('\n').count(),
                    })
                }
            }
        }
        let end = text[start..]
            .find('\n')
            .map_or(text.len(), |newline| start + newline + 1);
        Ok(start..end)
    }
}

/// How many diagnostics are rendered; the rest are only counted (a file
/// with thousands of mistakes would otherwise print megabytes).
pub const MAX_RENDERED: usize = 100;

/// How many characters of a long source line a snippet shows around the
/// span.
const LINE_WINDOW: usize = 100;

/// Renders the diagnostics, in order, separated by blank lines: the first
/// [`MAX_RENDERED`], then a line counting the others.
pub fn render_all(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let shown = diagnostics.len().min(MAX_RENDERED);
    let mut text = diagnostics[..shown]
        .iter()
        .map(|diagnostic| render(sources, diagnostic))
        .collect::<Vec<_>>()
        .join("\n");
    let rest = &diagnostics[shown..];
    if !rest.is_empty() {
        let errors = rest.iter().filter(|d| d.is_error()).count();
        let warnings = rest.len() - errors;
        let plural =
            |n: usize, what: &str| format!("{n} more {what}{}", if n == 1 { "" } else { "s" });
        let counted = match (errors, warnings) {
            (0, w) => plural(w, "warning"),
            (e, 0) => plural(e, "error"),
            (e, w) => format!("{} and {}", plural(e, "error"), plural(w, "warning")),
        };
        text.push_str(&format!(
            "\nand {counted} (only the first {MAX_RENDERED} are shown)\n"
        ));
    }
    text
}

/// Renders one diagnostic: its header line, the source line with a caret
/// under the span, and the hint if there is one. Ends with a newline.
pub fn render(sources: &SourceMap, diagnostic: &Diagnostic) -> String {
    let files = SourceFiles::new(sources);
    let mut text = header(&files, diagnostic);
    text.push('\n');
    let gutter_width = match snippet(&files, diagnostic) {
        Some(snippet) => {
            text.push_str(&snippet.text);
            snippet.gutter_width
        }
        None => 1,
    };
    if let Some(hint) = &diagnostic.hint {
        text.push_str(&format!("{}= hint: {hint}\n", " ".repeat(gutter_width)));
    }
    for (span, note) in &diagnostic.notes {
        let place = location(&files, *span).unwrap_or_default();
        text.push_str(&format!(
            "{}= note: {place}{note}\n",
            " ".repeat(gutter_width)
        ));
    }
    text
}

/// `path:line:col: ` of the start of `span`, for notes; `None` when the
/// file is unknown.
fn location(files: &SourceFiles<'_>, span: crate::Span) -> Option<String> {
    let name = files.name(span.file).ok()?;
    let source = files.source(span.file).ok()?;
    let start = (span.start as usize).min(source.len());
    let line = files.line_index(span.file, start).ok()?;
    let line_start = files.line_range(span.file, line).ok()?.start;
    let column = source.get(line_start..start)?.chars().count() + 1;
    Some(format!("{name}:{}:{column}: ", line + 1))
}

/// `path:line:col: error: message`, written by codespan's short style; when
/// the span's file is unknown (a bug upstream, but never a panic here) the
/// location is left out.
fn header(files: &SourceFiles<'_>, diagnostic: &Diagnostic) -> String {
    let severity = match diagnostic.severity {
        Severity::Error => codespan_reporting::diagnostic::Severity::Error,
        Severity::Warning => codespan_reporting::diagnostic::Severity::Warning,
    };
    let span = diagnostic.span;
    let range = clamp_to_source(files, span.file, span.start as usize..span.end as usize);
    let report = Report::new(severity)
        .with_message(&diagnostic.message)
        .with_labels(vec![Label::primary(span.file, range)]);
    let config = Config {
        display_style: DisplayStyle::Short,
        ..Config::default()
    };
    let mut buffer = NoColor::new(Vec::new());
    let written = term::emit(&mut buffer, &config, files, &report);
    let rendered = String::from_utf8_lossy(&buffer.into_inner()).into_owned();
    match written {
        Ok(()) => rendered.trim_end().to_string(),
        Err(_) => {
            let severity = match diagnostic.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            format!("<unknown file>: {severity}: {}", diagnostic.message)
        }
    }
}

/// A byte range moved inside the file and onto character boundaries, so
/// that a stray span can never make rendering fail.
fn clamp_to_source(files: &SourceFiles<'_>, file: FileId, range: Range<usize>) -> Range<usize> {
    let Ok(source) = files.source(file) else {
        return range;
    };
    let floor = |mut index: usize| {
        index = index.min(source.len());
        while !source.is_char_boundary(index) {
            index -= 1;
        }
        index
    };
    let start = floor(range.start);
    let end = floor(range.end).max(start);
    start..end
}

/// The part of the line `start..end` a snippet shows: all of it when it
/// is short, else [`LINE_WINDOW`] characters around `at` (on character
/// boundaries), with whether text was cut before and after.
fn window(source: &str, start: usize, end: usize, at: usize) -> (usize, usize, bool, bool) {
    let line = &source[start..end];
    if line.chars().count() <= LINE_WINDOW {
        return (start, end, false, false);
    }
    let before: Vec<(usize, char)> = source[start..at]
        .char_indices()
        .rev()
        .take(LINE_WINDOW / 3)
        .collect();
    let from = before.last().map_or(at, |(i, _)| start + i);
    let to = source[from..end]
        .char_indices()
        .nth(LINE_WINDOW)
        .map_or(end, |(i, _)| from + i);
    (from, to, from > start, to < end)
}

struct Snippet {
    text: String,
    gutter_width: usize,
}

/// The source line of the span's start, with carets under the part of the
/// span on that line.
fn snippet(files: &SourceFiles<'_>, diagnostic: &Diagnostic) -> Option<Snippet> {
    let span = diagnostic.span;
    let source = files.source(span.file).ok()?;
    let range = clamp_to_source(files, span.file, span.start as usize..span.end as usize);
    let line_index = files.line_index(span.file, range.start).ok()?;
    let line_range = files.line_range(span.file, line_index).ok()?;
    let full_line = source[line_range.clone()].trim_end_matches(['\n', '\r']);
    let full_end = line_range.start + full_line.len();
    let (line_start, line_end, cut_before, cut_after) = window(
        source,
        line_range.start,
        full_end,
        range.start.min(full_end),
    );
    let line = format!(
        "{}{}{}",
        if cut_before { "…" } else { "" },
        &source[line_start..line_end],
        if cut_after { "…" } else { "" }
    );

    let before_span = &source[line_start..range.start.min(line_end)];
    let before_span = if cut_before {
        format!(" {before_span}")
    } else {
        before_span.to_string()
    };
    let under_span = &source[range.start.min(line_end)..range.end.min(line_end)];
    // Keep tabs so the caret lines up under the same columns as the text.
    let indent: String = before_span
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let caret_count = under_span.chars().count().max(1);

    let line_number = (line_index + 1).to_string();
    let gutter_width = line_number.len() + 1;
    let blank_gutter = " ".repeat(gutter_width);
    let text = format!(
        "{blank_gutter}|\n{line_number} | {line}\n{blank_gutter}| {indent}{carets}\n",
        carets = "^".repeat(caret_count),
    );
    Some(Snippet { text, gutter_width })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Span;

    fn sources(text: &str) -> (SourceMap, FileId) {
        let mut sources = SourceMap::new();
        let id = sources.add("dir/t.lm", text);
        (sources, id)
    }

    #[test]
    fn error_renders_header_line_and_caret() {
        let (sources, file) = sources("var a = 1;\nvar x = ;\n");
        let diagnostic = Diagnostic::error(Span::new(file, 19, 20), "expected an expression");
        assert_eq!(
            render(&sources, &diagnostic),
            "dir/t.lm:2:9: error: expected an expression\n  |\n2 | var x = ;\n  |         ^\n"
        );
    }

    #[test]
    fn warning_with_hint() {
        let (sources, file) = sources("x = 1\n");
        let diagnostic = Diagnostic::warning(Span::new(file, 0, 1), "implicit declaration of 'x'")
            .with_hint("write 'var x'");
        let text = render(&sources, &diagnostic);
        assert!(text.starts_with("dir/t.lm:1:1: warning: implicit declaration of 'x'\n"));
        assert!(text.ends_with("  | ^\n  = hint: write 'var x'\n"), "{text}");
    }

    #[test]
    fn notes_name_their_place_after_the_hint() {
        let (sources, file) = sources("frame F { fn m() {} }\nF().m()\n");
        let diagnostic = Diagnostic::error(Span::new(file, 26, 27), "`m` is private to frame `F`")
            .with_hint("declare it `pub`")
            .with_note(
                Span::new(file, 13, 14),
                "`m` is declared here without `pub`",
            );
        let text = render(&sources, &diagnostic);
        assert!(
            text.ends_with("  = hint: declare it `pub`\n  = note: dir/t.lm:1:14: `m` is declared here without `pub`\n"),
            "{text}"
        );
    }

    #[test]
    fn carets_cover_the_span_and_keep_tabs() {
        let (sources, file) = sources("\tfoo(bar)\n");
        let diagnostic = Diagnostic::error(Span::new(file, 5, 8), "unknown name");
        let text = render(&sources, &diagnostic);
        assert!(
            text.starts_with("dir/t.lm:1:6: error: unknown name\n"),
            "{text}"
        );
        assert!(text.ends_with("  | \t    ^^^\n"), "{text:?}");
    }

    #[test]
    fn span_at_end_of_file_and_out_of_range_do_not_fail() {
        let (sources, file) = sources("var x = \"abc");
        let at_end = Diagnostic::error(Span::new(file, 12, 12), "unterminated string");
        assert!(
            render(&sources, &at_end).starts_with("dir/t.lm:1:13: error: unterminated string\n")
        );
        let beyond = Diagnostic::error(Span::new(file, 50, 90), "beyond");
        assert!(render(&sources, &beyond).starts_with("dir/t.lm:1:13: error: beyond\n"));
        let unknown_file = Diagnostic::error(Span::new(7, 0, 1), "lost");
        assert_eq!(
            render(&sources, &unknown_file),
            "<unknown file>: error: lost\n"
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let (sources, file) = sources("var é = ;\n");
        let diagnostic = Diagnostic::error(Span::new(file, 9, 10), "expected an expression");
        let text = render(&sources, &diagnostic);
        assert!(text.starts_with("dir/t.lm:1:9: error:"), "{text}");
        assert!(text.contains("  |         ^\n"), "{text}");
    }

    #[test]
    fn several_diagnostics_are_separated_by_blank_lines() {
        let (sources, file) = sources("a\nb\n");
        let text = render_all(
            &sources,
            &[
                Diagnostic::error(Span::new(file, 0, 1), "one"),
                Diagnostic::error(Span::new(file, 2, 3), "two"),
            ],
        );
        assert_eq!(text.matches(": error: ").count(), 2);
        assert!(text.contains("^\n\ndir/t.lm:2:1: error: two\n"), "{text}");
    }
}
