//! The Limit language server (`limit lsp`), over stdio with the Language
//! Server Protocol (`lsp-server`, the transport rust-analyzer uses):
//! diagnostics as the editor's text changes, on hover a declaration's
//! header and comment or an expression's static type, a document outline, workspace symbols, completion, go to definition,
//! references and rename (from the resolve stage's bindings), and
//! formatting through `limit fmt`'s layout. Every request is answered from the editor's text;
//! a panic inside a handler becomes an error response and the server goes
//! on.
#![forbid(unsafe_code)]

mod analysis;
mod completion;
mod hover;
mod navigation;
mod server;
mod signature;
mod text;
mod workspace_symbols;

pub use server::{capabilities, serve};

/// Serves an editor on standard input and output until it shuts the
/// server down; an error describes a broken connection.
pub fn run_stdio() -> Result<(), Box<dyn std::error::Error + Sync + Send>> {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io_threads.join()?;
    Ok(())
}
