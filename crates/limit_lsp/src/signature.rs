//! Signature help: inside a call's parentheses, the called function's
//! parameters and which one the cursor is in. The callee is found by
//! name: a function or method declared in the file (a frame called as a
//! constructor shows its `init`, or its fields when it has none), else a
//! built-in function from the one table of built-ins.

use limit_bytecode::builtins::BUILTINS;
use limit_syntax::ast::{FnDecl, Member, Module, StmtKind};

/// A signature to show: its label, each parameter's label, and the index
/// of the active parameter.
#[derive(Debug, PartialEq, Eq)]
pub struct Help {
    pub label: String,
    pub params: Vec<String>,
    pub active: usize,
}

/// The help at byte `offset` of `text`.
pub fn signature_help(text: &str, offset: usize) -> Option<Help> {
    let offset = offset.min(text.len());
    let (callee, active) = open_call(text.get(..offset)?)?;
    let (module, _) = limit_syntax::parse_source(text, 0);
    let (label, params) = declared(&module, &callee).or_else(|| builtin(&callee))?;
    Some(Help {
        label,
        params,
        active,
    })
}

/// The name before the innermost unclosed call `(` of `before` and how
/// many commas at that level precede the cursor. Strings and comments are
/// skipped by lexing.
fn open_call(before: &str) -> Option<(String, usize)> {
    let (tokens, _) = limit_syntax::lex(before, 0);
    use limit_syntax::token::TokenKind as T;
    let mut stack: Vec<(Option<String>, usize)> = Vec::new();
    let mut previous: Option<&T> = None;
    for token in &tokens {
        match &token.kind {
            T::LParen => {
                let name = match previous {
                    Some(T::Ident(name)) => Some(name.clone()),
                    _ => None,
                };
                stack.push((name, 0));
            }
            T::LBracket | T::LBrace => stack.push((None, 0)),
            T::RParen | T::RBracket | T::RBrace => {
                stack.pop();
            }
            T::Comma => {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
            }
            _ => {}
        }
        previous = Some(&token.kind);
    }
    // Inside a list or a parenthesised expression in an argument, the
    // call around it still applies.
    stack
        .into_iter()
        .rev()
        .find_map(|(name, commas)| name.map(|n| (n, commas)))
}

fn declared(module: &Module, name: &str) -> Option<(String, Vec<String>)> {
    let mut method = None;
    for stmt in &module.stmts {
        match &stmt.kind {
            StmtKind::Fn(decl) if decl.name.as_ref().is_some_and(|n| n.name == name) => {
                return Some(describe(name, decl));
            }
            StmtKind::Frame(frame) if frame.name.name == name => {
                let init = frame.members.iter().find_map(|m| match m {
                    Member::Method(d) if d.name.as_ref().is_some_and(|n| n.name == "init") => {
                        Some(d)
                    }
                    _ => None,
                });
                if let Some(init) = init {
                    return Some(describe(name, init));
                }
                let fields: Vec<String> = frame
                    .members
                    .iter()
                    .filter_map(|m| match m {
                        Member::Field(f) if !f.is_static => Some(f.name.name.clone()),
                        _ => None,
                    })
                    .collect();
                return Some((format!("{name}({})", fields.join(", ")), fields));
            }
            StmtKind::Frame(frame) if method.is_none() => {
                method = frame.members.iter().find_map(|m| match m {
                    Member::Method(d) if d.name.as_ref().is_some_and(|n| n.name == name) => {
                        Some(describe(name, d))
                    }
                    _ => None,
                });
            }
            _ => {}
        }
    }
    method
}

/// `name(a: int, b: str = …): T` and the parameter labels.
fn describe(name: &str, decl: &FnDecl) -> (String, Vec<String>) {
    let params: Vec<String> = decl.params.iter().map(|p| p.name.name.clone()).collect();
    (format!("{name}({})", params.join(", ")), params)
}

fn builtin(name: &str) -> Option<(String, Vec<String>)> {
    let native = BUILTINS.iter().find(|n| n.name == name)?;
    let sig = native.sig;
    let inner = sig.get(1..sig.find(") ->").unwrap_or(sig.len().saturating_sub(1)))?;
    let mut params = Vec::new();
    let (mut depth, mut current) = (0i32, String::new());
    for c in inner.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            params.push(std::mem::take(&mut current).trim().to_string());
        } else {
            current.push(c);
        }
    }
    if !current.trim().is_empty() {
        params.push(current.trim().to_string());
    }
    Some((format!("{name}{sig}"), params))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help(text: &str) -> Option<Help> {
        let at = text.find('|').expect("cursor marker");
        let text = text.replace('|', "");
        signature_help(&text, at)
    }

    #[test]
    fn a_declared_function_and_the_active_parameter() {
        let h = help("fn area(w: int, h: int): int { return w * h; }\nprint(area(2, |))\n");
        assert_eq!(
            h,
            Some(Help {
                label: "area(w, h)".into(),
                params: vec!["w".into(), "h".into()],
                active: 1
            })
        );
        // Inside a nested list literal the commas are the list's.
        let h = help("fn f(a: [int], b: int) { }\nf([1, 2|], 3)\n").expect("help");
        assert_eq!(h.active, 0);
    }

    #[test]
    fn constructors_methods_and_built_ins() {
        let h = help("frame P { pub x: int; pub y: int; }\nvar p = P(1, |)\n").expect("help");
        assert_eq!((h.label.as_str(), h.active), ("P(x, y)", 1));
        let h = help("frame C { pub fn add(a: int, b: int): int { return a + b; } }\nC().add(|\n")
            .expect("help");
        assert_eq!(h.params, ["a", "b"]);
        let h = help("print(pow(|))\n").expect("help");
        assert!(h.label.starts_with("pow("), "{h:?}");
        assert_eq!(h.params.len(), 2, "{h:?}");
        assert_eq!(help("var x = (1 + |2)\n"), None);
    }
}
