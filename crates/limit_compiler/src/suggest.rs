//! "Did you mean …?" for unknown names, fields, methods, modules and
//! parameters: the one place that decides which known name a misspelt
//! one is closest to (Jaro-Winkler from `strsim`).

/// How alike two names must be (Jaro-Winkler) to be suggested: high enough
/// that `onError` finds `on_error`, `cout` finds `count` and `cores` never
/// finds `mode`.
const SUGGESTION_THRESHOLD: f64 = 0.8;

/// The candidate most like `name`, when one is alike enough; `name` itself
/// is never suggested. Case and `_` are ignored (`onError`, `OnError` and
/// `on_error` are the same name).
pub(crate) fn did_you_mean<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let folded = fold(name);
    candidates
        .into_iter()
        .filter(|candidate| *candidate != name)
        .map(|candidate| (candidate, strsim::jaro_winkler(&folded, &fold(candidate))))
        .filter(|(_, score)| *score >= SUGGESTION_THRESHOLD)
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(candidate, _)| candidate)
}

/// `message`, followed by ": did you mean `known`?" when a candidate is
/// close to `name`.
pub(crate) fn with_suggestion<'c>(
    message: String,
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> String {
    match did_you_mean(name, candidates) {
        Some(known) => format!("{message}: did you mean `{known}`?"),
        None => message,
    }
}

fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{did_you_mean, with_suggestion};

    #[test]
    fn suggests_across_case_and_underscores() {
        let known = ["ch", "cores", "mode", "timeout", "on_error", "on_timeout"];
        assert_eq!(did_you_mean("onError", known), Some("on_error"));
        assert_eq!(did_you_mean("core", known), Some("cores"));
        assert_eq!(did_you_mean("timeOut", known), Some("timeout"));
        assert_eq!(did_you_mean("banana", known), None);
    }

    #[test]
    fn suggests_a_close_variable_but_never_the_name_itself() {
        assert_eq!(did_you_mean("cout", ["total", "count"]), Some("count"));
        assert_eq!(did_you_mean("count", ["count"]), None);
        assert_eq!(
            with_suggestion("unknown variable `cout`".into(), "cout", ["count"]),
            "unknown variable `cout`: did you mean `count`?"
        );
        assert_eq!(
            with_suggestion("unknown variable `q`".into(), "q", ["count"]),
            "unknown variable `q`"
        );
    }
}
