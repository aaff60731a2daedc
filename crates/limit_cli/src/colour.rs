//! Colour for what the command writes to a terminal: compile diagnostics,
//! runtime error headers and `limit test` results. The text itself is
//! rendered plain everywhere (the library, tests and pipes read it); this
//! module only adds ANSI styles on top, line by line, when the stream is a
//! terminal and the `NO_COLOR` convention (no-color.org) does not ask for
//! plain text.

use std::io::IsTerminal;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const BLUE: &str = "\x1b[1;34m";
const CYAN: &str = "\x1b[1;36m";
/// Green, for tests that pass.
pub const PASS: &str = "\x1b[32m";

/// Whether text for a stream that `is_terminal` should be coloured.
pub fn wanted(is_terminal: bool) -> bool {
    let disabled = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    is_terminal && !disabled
}

/// Whether what goes to stderr should be coloured.
pub fn wanted_on_stderr() -> bool {
    wanted(std::io::stderr().is_terminal())
}

/// `text` in `style`, then back to plain.
pub fn paint(style: &str, text: &str) -> String {
    format!("{style}{text}{RESET}")
}

/// `text` in the style of a failure.
pub fn failure(text: &str) -> String {
    paint(RED, text)
}

/// `text` for stderr, coloured when stderr is a terminal that wants it.
pub fn for_stderr(text: &str) -> std::borrow::Cow<'_, str> {
    if wanted_on_stderr() {
        std::borrow::Cow::Owned(errors(text))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Error text for stderr — compile diagnostics as `render::render_all`
/// writes them, runtime errors as their `Display` does — with the severity,
/// the gutter, the carets and the hint labels styled. A line that matches
/// none of those shapes (a stack trace, a count) is left as it is.
pub fn errors(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut severity = RED;
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        if let Some((kind, message)) = runtime_header(body) {
            out.push_str(&format!("{}{BOLD}{message}{RESET}", paint(RED, kind)));
        } else if let Some((place, level, message)) = header(body) {
            severity = if level == "warning" { YELLOW } else { RED };
            out.push_str(&format!(
                "{BOLD}{place}{RESET}{severity}{level}:{RESET}{BOLD}{message}{RESET}"
            ));
        } else if let Some((gutter, code)) = snippet_line(body) {
            out.push_str(&paint(BLUE, gutter));
            if !code.is_empty() && code.trim_start().starts_with('^') {
                out.push_str(&paint(severity, code));
            } else {
                out.push_str(code);
            }
        } else if let Some((indent, label, rest)) = annotation(body) {
            out.push_str(indent);
            out.push_str(&paint(CYAN, label));
            out.push_str(rest);
        } else {
            out.push_str(body);
        }
        out.push_str(newline);
    }
    out
}

/// `error[Kind]:` and the message of a runtime error's first line.
fn runtime_header(line: &str) -> Option<(&str, &str)> {
    if !line.starts_with("error[") {
        return None;
    }
    let end = line.find("]:")? + 2;
    Some((&line[..end], &line[end..]))
}

/// `path:line:col: ` / `error` or `warning` / ` message` of a header line.
fn header(line: &str) -> Option<(&str, &str, &str)> {
    for level in ["error", "warning"] {
        let marker = format!(": {level}:");
        if let Some(at) = line.find(&marker) {
            let place = &line[..at + 2];
            // A header's place is `path:line:col`; a source line that
            // happens to contain ": error:" is a snippet line, seen first.
            if place.starts_with(' ') || place.contains(" | ") {
                return None;
            }
            return Some((place, level, &line[at + marker.len()..]));
        }
    }
    None
}

/// The gutter (`12 | ` or `   |`) and the rest of a snippet line.
fn snippet_line(line: &str) -> Option<(&str, &str)> {
    let bar = line.find('|')?;
    let gutter = &line[..bar];
    if !gutter.chars().all(|c| c == ' ' || c.is_ascii_digit()) {
        return None;
    }
    let end = (bar + 2).min(line.len());
    Some((&line[..end], &line[end..]))
}

/// The indent, the `= hint:`/`= note:` label and the rest of such a line.
fn annotation(line: &str) -> Option<(&str, &str, &str)> {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    ["= hint:", "= note:"]
        .into_iter()
        .find(|label| trimmed.starts_with(label))
        .map(|label| (indent, &trimmed[..label.len()], &trimmed[label.len()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text without its ANSI sequences.
    fn plain(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    const RENDERED: &str = "p.lm:3:9: error: expected an expression, found `;`\n  |\n3 | var x = ;\n  |         ^\n  = hint: give the variable a value\n\np.lm:4:1: warning: unused\n  |\n4 | x\n  | ^\n";

    #[test]
    fn colouring_only_adds_styles() {
        assert_eq!(plain(&errors(RENDERED)), RENDERED);
        let runtime = "error[TypeError]: cannot add\n  at f (p.lm:1:2)";
        assert_eq!(plain(&errors(runtime)), runtime);
    }

    #[test]
    fn each_part_gets_its_style() {
        let coloured = errors(RENDERED);
        assert!(coloured.contains(&format!("{RED}error:{RESET}")));
        assert!(coloured.contains(&format!("{YELLOW}warning:{RESET}")));
        assert!(coloured.contains(&format!("{BLUE}3 | {RESET}var x = ;")));
        // The caret takes the colour of its diagnostic's severity.
        assert!(coloured.contains(&format!("{RED}        ^{RESET}")));
        assert!(coloured.contains(&format!("{YELLOW}^{RESET}")));
        assert!(coloured.contains(&format!("{CYAN}= hint:{RESET}")));
        assert!(errors("error[TypeError]: x\n  at f").starts_with(RED));
    }

    #[test]
    fn source_text_that_looks_like_a_header_stays_source() {
        let line = "5 | print(\"a: error: b\")\n";
        let coloured = errors(line);
        assert_eq!(plain(&coloured), line);
        assert!(!coloured.contains(RED));
    }
}
