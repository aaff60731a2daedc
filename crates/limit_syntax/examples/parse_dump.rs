//! Prints the AST and diagnostics of a file: `cargo run -p limit_syntax --example parse_dump FILE`.
use limit_syntax::{parse_source, printer::print_module, SourceFile};

fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let file = SourceFile::new(path.clone(), text.clone());
    let (module, diagnostics) = parse_source(&text, 0);
    println!("{}", print_module(&module, Some(&file)));
    for d in diagnostics {
        let (line, col) = file.line_col(d.span.start);
        println!("{line}:{col}: {} {:?}", d.message, d.hint);
    }
}
