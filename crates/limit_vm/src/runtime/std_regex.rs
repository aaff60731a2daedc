//! The natives behind `std.regex` (docs/stdlib.md), built on the `regex`
//! crate: matching takes time linear in the pattern and the text (no
//! backtracking, so a hostile pattern cannot hang a script), and a
//! pattern whose compiled form passes `SIZE_LIMIT` is refused.
//!
//! A `Regex` value is a frame holding its pattern text (stdlib/regex.lm);
//! the compiled form lives in a small per-thread cache keyed by that text,
//! so a pattern is compiled once however often it is used.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use regex::{Regex, RegexBuilder};

use crate::errors::{fail, kinds, Trap};
use crate::interp::Vm;
use crate::value::{DictMap, Key, Value};

/// The most bytes a compiled pattern may take (the `regex` crate's
/// `size_limit`; its default is 10 MiB).
pub const SIZE_LIMIT: usize = 1 << 20;

/// How many compiled patterns a thread keeps.
const CACHE_SIZE: usize = 64;

/// The error kind of a pattern that does not compile.
const PARSE_ERROR: &str = "ParseError";

thread_local! {
    static CACHE: RefCell<HashMap<String, Rc<Regex>>> = RefCell::new(HashMap::new());
}

/// `pattern` compiled, or why it cannot be (a one-line message with the
/// character column of the problem).
fn compile(pattern: &str) -> Result<Rc<Regex>, String> {
    if let Some(re) = CACHE.with(|c| c.borrow().get(pattern).cloned()) {
        return Ok(re);
    }
    // regex-syntax's own parser gives the error's kind and position apart;
    // the `regex` crate's message spans several lines with a caret.
    if let Err(e) = regex_syntax::Parser::new().parse(pattern) {
        return Err(syntax_message(&e));
    }
    let re = match RegexBuilder::new(pattern).size_limit(SIZE_LIMIT).build() {
        Ok(re) => Rc::new(re),
        Err(regex::Error::CompiledTooBig(limit)) => {
            return Err(format!(
                "pattern too large: its compiled form exceeds the limit of {limit} bytes"
            ))
        }
        Err(e) => return Err(e.to_string()),
    };
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        if cache.len() >= CACHE_SIZE {
            cache.clear();
        }
        cache.insert(pattern.to_string(), re.clone());
    });
    Ok(re)
}

fn syntax_message(e: &regex_syntax::Error) -> String {
    let (kind, column) = match e {
        regex_syntax::Error::Parse(e) => (e.kind().to_string(), e.span().start.column),
        regex_syntax::Error::Translate(e) => (e.kind().to_string(), e.span().start.column),
        other => (other.to_string(), 0),
    };
    if column == 0 {
        kind
    } else {
        format!("{kind} at column {column}")
    }
}

/// Argument `i` as text.
fn text(a: &[Value], i: usize) -> Result<&str, Trap> {
    let v = a.get(i).unwrap_or(&Value::Nil);
    v.as_str().map_or_else(
        || {
            fail(
                kinds::TYPE_ERROR,
                &format!("regex expects a str, got {}", v.type_name()),
            )
        },
        Ok,
    )
}

/// The compiled regex of a `Regex` value's pattern (argument 0). Only a
/// `Regex` built directly from its field, bypassing `Regex.new`, can hold
/// a bad pattern: that is a programming error, so it traps.
fn regex(a: &[Value]) -> Result<Rc<Regex>, Trap> {
    let pattern = text(a, 0)?;
    compile(pattern).or_else(|message| {
        fail(
            kinds::TYPE_ERROR,
            &format!("invalid Regex pattern ({message}): build a Regex with Regex.new"),
        )
    })
}

fn no_match(re: &Regex) -> Value {
    Value::error(kinds::NO_MATCH, &format!("no match for /{}/", re.as_str()))
}

/// `check(pattern)`: nil when the pattern compiles, else a `ParseError`.
pub(crate) fn check(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(match compile(text(a, 0)?) {
        Ok(_) => Value::Nil,
        Err(message) => Value::error(PARSE_ERROR, &message),
    })
}

/// `is_match(pattern, text)`.
pub(crate) fn is_match(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Bool(regex(a)?.is_match(text(a, 1)?)))
}

/// `find(pattern, text)`: the leftmost match's text, or `NoMatch`.
pub(crate) fn find(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let re = regex(a)?;
    Ok(match re.find(text(a, 1)?) {
        Some(m) => Value::str(m.as_str()),
        None => no_match(&re),
    })
}

/// `find_all(pattern, text)`: the texts of every non-overlapping match.
pub(crate) fn find_all(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let re = regex(a)?;
    let found = re
        .find_iter(text(a, 1)?)
        .map(|m| Value::str(m.as_str()))
        .collect();
    Ok(Value::list(found))
}

/// `captures(pattern, text)`: the leftmost match and its groups, by
/// number (0 is the whole match; a group that took no part is nil).
pub(crate) fn captures(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let re = regex(a)?;
    Ok(match re.captures(text(a, 1)?) {
        Some(caps) => Value::list(
            caps.iter()
                .map(|g| g.map_or(Value::Nil, |m| Value::str(m.as_str())))
                .collect(),
        ),
        None => no_match(&re),
    })
}

/// `named(pattern, text)`: the named groups of the leftmost match, by
/// name in pattern order (a group that took no part is nil).
pub(crate) fn named(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let re = regex(a)?;
    let Some(caps) = re.captures(text(a, 1)?) else {
        return Ok(no_match(&re));
    };
    let mut map = DictMap::default();
    for name in re.capture_names().flatten() {
        let group = caps
            .name(name)
            .map_or(Value::Nil, |m| Value::str(m.as_str()));
        map.insert(Key(Value::str(name)), group);
    }
    Ok(Value::dict(map))
}

/// `replace(pattern, text, replacement)`: every match replaced; `$1`,
/// `${name}` in the replacement stand for groups, `$$` for `$`.
pub(crate) fn replace(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let re = regex(a)?;
    let replaced = re.replace_all(text(a, 1)?, text(a, 2)?);
    Ok(Value::str(&replaced))
}

/// `split(pattern, text)`: the pieces between matches.
pub(crate) fn split(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let re = regex(a)?;
    let pieces = re.split(text(a, 1)?).map(Value::str).collect();
    Ok(Value::list(pieces))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_name_the_problem_and_column() {
        assert_eq!(
            compile("ab(").err().as_deref(),
            Some("unclosed group at column 3")
        );
        assert_eq!(
            compile("x{2,1}").err().as_deref(),
            Some("invalid repetition count range, the start must be <= the end at column 2")
        );
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "compiling a million-repetition pattern takes minutes under Miri; \
                  it runs only the regex crate's safe code, none of the VM's unsafe"
    )]
    fn a_huge_compiled_pattern_is_refused() {
        let message = compile(r"\w{1000}{1000}").err().unwrap_or_default();
        assert!(message.starts_with("pattern too large"), "{message}");
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "128 pattern compilations take minutes under Miri; \
                  it runs only the regex crate's safe code and a thread-local cache"
    )]
    fn compiled_patterns_are_cached_and_the_cache_is_bounded() {
        for i in 0..(CACHE_SIZE * 2) {
            assert!(compile(&format!("a{i}")).is_ok());
        }
        assert!(CACHE.with(|c| c.borrow().len()) <= CACHE_SIZE);
    }
}
