//! The session's `:` commands.

use limit_compiler::check::check_module;
use limit_syntax::ast::StmtKind;
use limit_syntax::render::render_all;
use limit_syntax::SourceMap;

use super::{Repl, Reply};

const HELP: &str = "\
Enter declarations, statements and expressions; the value of an expression
is shown. Input continues on the next line while a bracket, brace or
parenthesis is open, a string is unterminated or the line ends in an
operator; an empty line ends it anyway.

  :help          this text
  :type EXPR     the static type of EXPR (`any` when it is not known)
  :disasm NAME   the bytecode of function NAME (methods: Frame.method)
  :quit          leave (also Ctrl-D); Ctrl-C abandons the current input
";

/// The name of every function defined by the user so far, in order.
fn user_functions(repl: &Repl) -> Vec<&str> {
    let Some(program) = &repl.program else {
        return Vec::new();
    };
    let mut names: Vec<&str> = Vec::new();
    for function in &program.functions {
        let name = function.name.as_str();
        if !name.starts_with('<') && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

impl Repl {
    /// Carries out `:COMMAND ARGUMENT`.
    pub(super) fn command(&mut self, command: &str) -> Reply {
        let (name, argument) = command
            .split_once(char::is_whitespace)
            .map_or((command, ""), |(name, rest)| (name, rest.trim()));
        match name {
            "help" | "h" | "?" => Reply {
                stdout: HELP.to_string(),
                ..Reply::default()
            },
            "quit" | "q" | "exit" => Reply {
                quit: true,
                ..Reply::default()
            },
            "type" | "t" => self.type_of(argument),
            "disasm" | "d" => self.disassemble(argument),
            _ => error_reply(format!(
                "unknown command `:{name}`; :help lists the commands"
            )),
        }
    }

    /// `:type EXPR`: the expression is checked after every chunk so far,
    /// so that it sees their declarations.
    fn type_of(&self, expression: &str) -> Reply {
        if expression.is_empty() {
            return error_reply("`:type` needs an expression, as in `:type 1 + 2`".into());
        }
        let mut alone = SourceMap::new();
        let file = alone.add("<repl>", expression);
        let (_, diagnostics) = limit_syntax::parse_source(expression, file);
        if diagnostics.iter().any(limit_syntax::Diagnostic::is_error) {
            return Reply {
                stderr: render_all(&alone, &diagnostics),
                ..Reply::default()
            };
        }
        let mut text = self.chunks.join("\n");
        text.push('\n');
        text.push_str(expression);
        let mut sources = SourceMap::new();
        let file = sources.add("<repl>", text.as_str());
        let (module, _) = limit_syntax::parse_source(&text, file);
        let Some(StmtKind::Expr { expr, .. }) = module.stmts.last().map(|s| &s.kind) else {
            return error_reply("`:type` needs an expression, not a statement".into());
        };
        let types = check_module(&module, &sources).types;
        let ty = types
            .type_of(expr.id)
            .map_or_else(|| "any".to_string(), ToString::to_string);
        Reply {
            stdout: format!("{ty}\n"),
            ..Reply::default()
        }
    }

    /// `:disasm NAME`: the bytecode of the latest function called `NAME`.
    fn disassemble(&self, name: &str) -> Reply {
        let functions = user_functions(self);
        if name.is_empty() {
            return error_reply(format!(
                "`:disasm` needs a function name; defined so far: {}",
                list(&functions)
            ));
        }
        let found = self.program.as_ref().and_then(|program| {
            let index = program.functions.iter().rposition(|f| f.name == name)?;
            Some(limit_vm::disassemble_function(program, index))
        });
        match found {
            Some(text) => Reply {
                stdout: text,
                ..Reply::default()
            },
            None => error_reply(format!(
                "no function `{name}` in this session; defined so far: {}",
                list(&functions)
            )),
        }
    }
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

fn error_reply(message: String) -> Reply {
    Reply {
        stderr: format!("error: {message}\n"),
        ..Reply::default()
    }
}
