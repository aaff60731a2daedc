//! The session's `:` commands.

use limit_syntax::render::render_all;

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
    let program = repl.session.program();
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

    /// `:type EXPR`: the expression is checked as a chunk after every
    /// chunk so far (so that it sees their declarations), and not kept.
    fn type_of(&mut self, expression: &str) -> Reply {
        if expression.is_empty() {
            return error_reply("`:type` needs an expression, as in `:type 1 + 2`".into());
        }
        match self.session.static_type("<repl>", expression) {
            Ok(Some(ty)) => Reply {
                stdout: format!("{ty}\n"),
                ..Reply::default()
            },
            Ok(None) => error_reply("`:type` needs an expression, not a statement".into()),
            Err(diagnostics) => Reply {
                stderr: render_all(self.session.sources(), &diagnostics),
                ..Reply::default()
            },
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
        let program = self.session.program();
        let found = program
            .functions
            .iter()
            .rposition(|f| f.name == name)
            .map(|index| limit_vm::disassemble_function(program, index));
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
