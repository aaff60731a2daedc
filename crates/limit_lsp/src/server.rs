//! The message loop: documents the editor opened, requests answered from
//! their analysis, diagnostics published when edits settle.

use std::collections::{BTreeSet, HashMap};
use std::error::Error;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest, References,
    Rename, Request as _, SignatureHelpRequest, WorkspaceSymbolRequest,
};
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionOptions, CompletionParams, CompletionResponse,
    DiagnosticRelatedInformation, DiagnosticSeverity, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DocumentFormattingParams,
    DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, Hover, HoverContents,
    HoverParams, HoverProviderCapability, Location, MarkupContent, MarkupKind, OneOf,
    ParameterInformation, ParameterLabel, PublishDiagnosticsParams, ServerCapabilities,
    SignatureHelp, SignatureHelpOptions, SignatureHelpParams, SignatureInformation,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextEdit, Uri,
};
use lsp_types::{
    GotoDefinitionParams, GotoDefinitionResponse, InitializeParams, ReferenceParams, RenameParams,
    WorkspaceEdit, WorkspaceSymbolParams, WorkspaceSymbolResponse,
};

use crate::analysis::{analyse, outline, Symbol};
use crate::completion::{complete, ProposalKind};
use crate::signature::signature_help;
use crate::text::{apply_change, offset_of, range_of};
use crate::workspace_symbols::{self, lsp_kind};

type Failure = Box<dyn Error + Sync + Send>;

/// What the server announces it can do.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(
            TextDocumentSyncKind::INCREMENTAL,
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into()]),
            ..CompletionOptions::default()
        }),
        signature_help_provider: Some(SignatureHelpOptions {
            trigger_characters: Some(vec!["(".into(), ",".into()]),
            ..SignatureHelpOptions::default()
        }),
        ..ServerCapabilities::default()
    }
}

/// Serves one client on `connection` until it asks to shut down.
pub fn serve(connection: &Connection) -> Result<(), Failure> {
    let capabilities = serde_json::to_value(capabilities())?;
    let params = connection.initialize(capabilities)?;
    let mut server = Server {
        roots: workspace_roots(params),
        ..Server::default()
    };
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                let id = request.id.clone();
                let method = request.method.clone();
                let response = catch_unwind(AssertUnwindSafe(|| server.request(request)))
                    .unwrap_or_else(|_| {
                        Response::new_err(
                            id,
                            ErrorCode::InternalError as i32,
                            format!("internal error while answering {method} (a bug in limit)"),
                        )
                    });
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(notification) => {
                // A handler that panics loses that one notification; the
                // server goes on.
                let _ = catch_unwind(AssertUnwindSafe(|| server.notification(notification)));
            }
            Message::Response(_) => {}
        }
        // Diagnostics wait until the editor's burst of edits is over.
        if connection.receiver.is_empty() {
            for notification in server.settle() {
                connection
                    .sender
                    .send(Message::Notification(notification))?;
            }
        }
    }
    Ok(())
}

struct Document {
    text: String,
    version: i32,
}

#[derive(Default)]
struct Server {
    documents: HashMap<String, (Uri, Document)>,
    /// Documents whose diagnostics are out of date, and closed ones whose
    /// diagnostics must be cleared.
    dirty: BTreeSet<String>,
    closed: Vec<Uri>,
    /// The workspace's folders (what `workspace/symbol` searches).
    roots: Vec<PathBuf>,
}

/// The folders of the workspace the client opened (its folders, else its
/// root); none when it opened single files.
#[allow(deprecated)] // `root_uri` and `root_path` still come from older clients.
fn workspace_roots(params: serde_json::Value) -> Vec<PathBuf> {
    let Ok(params) = serde_json::from_value::<InitializeParams>(params) else {
        return Vec::new();
    };
    if let Some(folders) = params.workspace_folders {
        return folders.iter().map(|f| path_of(&f.uri)).collect();
    }
    if let Some(root) = params.root_uri {
        return vec![path_of(&root)];
    }
    params.root_path.map(PathBuf::from).into_iter().collect()
}

impl Server {
    fn notification(&mut self, notification: Notification) {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(params) =
                    serde_json::from_value::<DidOpenTextDocumentParams>(notification.params)
                else {
                    return;
                };
                let doc = params.text_document;
                let key = doc.uri.as_str().to_string();
                self.documents.insert(
                    key.clone(),
                    (
                        doc.uri,
                        Document {
                            text: doc.text,
                            version: doc.version,
                        },
                    ),
                );
                self.dirty.insert(key);
            }
            DidChangeTextDocument::METHOD => {
                let Ok(params) =
                    serde_json::from_value::<DidChangeTextDocumentParams>(notification.params)
                else {
                    return;
                };
                let key = params.text_document.uri.as_str().to_string();
                if let Some((_, doc)) = self.documents.get_mut(&key) {
                    for change in &params.content_changes {
                        apply_change(&mut doc.text, change);
                    }
                    doc.version = params.text_document.version;
                    self.dirty.insert(key);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(params) =
                    serde_json::from_value::<DidCloseTextDocumentParams>(notification.params)
                {
                    let key = params.text_document.uri.as_str().to_string();
                    if let Some((uri, _)) = self.documents.remove(&key) {
                        self.closed.push(uri);
                    }
                    self.dirty.remove(&key);
                }
            }
            _ => {}
        }
    }

    fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            HoverRequest::METHOD => serde_json::from_value::<HoverParams>(request.params)
                .map_err(|e| e.to_string())
                .map(|p| {
                    let position = p.text_document_position_params;
                    serde_json::to_value(
                        self.hover(position.text_document.uri.as_str(), position.position),
                    )
                }),
            DocumentSymbolRequest::METHOD => {
                serde_json::from_value::<DocumentSymbolParams>(request.params)
                    .map_err(|e| e.to_string())
                    .map(|p| serde_json::to_value(self.symbols(p.text_document.uri.as_str())))
            }
            WorkspaceSymbolRequest::METHOD => {
                serde_json::from_value::<WorkspaceSymbolParams>(request.params)
                    .map_err(|e| e.to_string())
                    .map(|p| serde_json::to_value(self.workspace_symbols(&p.query)))
            }
            Completion::METHOD => serde_json::from_value::<CompletionParams>(request.params)
                .map_err(|e| e.to_string())
                .map(|p| {
                    let at = p.text_document_position;
                    serde_json::to_value(
                        self.completion(at.text_document.uri.as_str(), at.position),
                    )
                }),
            SignatureHelpRequest::METHOD => {
                serde_json::from_value::<SignatureHelpParams>(request.params)
                    .map_err(|e| e.to_string())
                    .map(|p| {
                        let at = p.text_document_position_params;
                        serde_json::to_value(
                            self.signature(at.text_document.uri.as_str(), at.position),
                        )
                    })
            }
            GotoDefinition::METHOD => {
                serde_json::from_value::<GotoDefinitionParams>(request.params)
                    .map_err(|e| e.to_string())
                    .map(|p| {
                        let at = p.text_document_position_params;
                        serde_json::to_value(
                            self.definition(at.text_document.uri.as_str(), at.position),
                        )
                    })
            }
            References::METHOD => serde_json::from_value::<ReferenceParams>(request.params)
                .map_err(|e| e.to_string())
                .map(|p| {
                    let at = p.text_document_position;
                    serde_json::to_value(self.references(
                        at.text_document.uri.as_str(),
                        at.position,
                        p.context.include_declaration,
                    ))
                }),
            Rename::METHOD => {
                let params = match serde_json::from_value::<RenameParams>(request.params) {
                    Ok(params) => params,
                    Err(e) => {
                        return Response::new_err(
                            id,
                            ErrorCode::InvalidParams as i32,
                            e.to_string(),
                        )
                    }
                };
                let at = params.text_document_position;
                match self.rename(at.text_document.uri.as_str(), at.position, &params.new_name) {
                    Ok(edit) => Ok(serde_json::to_value(edit)),
                    Err(message) => {
                        return Response::new_err(id, ErrorCode::InvalidParams as i32, message)
                    }
                }
            }
            Formatting::METHOD => {
                serde_json::from_value::<DocumentFormattingParams>(request.params)
                    .map_err(|e| e.to_string())
                    .map(|p| serde_json::to_value(self.format(p.text_document.uri.as_str())))
            }
            other => {
                return Response::new_err(
                    id,
                    ErrorCode::MethodNotFound as i32,
                    format!("limit lsp does not answer {other}"),
                )
            }
        };
        match result {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err(e)) => Response::new_err(id, ErrorCode::InternalError as i32, e.to_string()),
            Err(e) => Response::new_err(id, ErrorCode::InvalidParams as i32, e),
        }
    }

    /// The diagnostics of every document edited since the last call.
    fn settle(&mut self) -> Vec<Notification> {
        let mut out = Vec::new();
        for uri in std::mem::take(&mut self.closed) {
            out.push(publish(uri, Vec::new(), None));
        }
        for key in std::mem::take(&mut self.dirty) {
            let Some((uri, doc)) = self.documents.get(&key) else {
                continue;
            };
            let analysis = analyse(&path_of(uri), &doc.text);
            let diagnostics = analysis
                .diagnostics
                .iter()
                .filter(|d| d.span.file == analysis.entry)
                .map(|d| {
                    let related = d
                        .notes
                        .iter()
                        .filter(|(span, _)| span.file == analysis.entry)
                        .map(|(span, text)| DiagnosticRelatedInformation {
                            location: Location {
                                uri: uri.clone(),
                                range: range_of(&doc.text, span.start as usize, span.end as usize),
                            },
                            message: text.clone(),
                        })
                        .collect::<Vec<_>>();
                    let mut message = d.message.clone();
                    if let Some(hint) = &d.hint {
                        message.push_str("\nhint: ");
                        message.push_str(hint);
                    }
                    lsp_types::Diagnostic {
                        range: range_of(&doc.text, d.span.start as usize, d.span.end as usize),
                        severity: Some(if d.is_error() {
                            DiagnosticSeverity::ERROR
                        } else {
                            DiagnosticSeverity::WARNING
                        }),
                        source: Some("limit".into()),
                        message,
                        related_information: (!related.is_empty()).then_some(related),
                        ..lsp_types::Diagnostic::default()
                    }
                })
                .collect();
            out.push(publish(uri.clone(), diagnostics, Some(doc.version)));
        }
        out
    }

    fn hover(&self, key: &str, position: lsp_types::Position) -> Option<Hover> {
        let (uri, doc) = self.documents.get(key)?;
        let analysis = analyse(&path_of(uri), &doc.text);
        let found = crate::hover::hover_at(&analysis, offset_of(&doc.text, position))?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: found.markdown,
            }),
            range: Some(range_of(&doc.text, found.start, found.end)),
        })
    }

    /// The analysis of document `key`, the symbol under `position` and
    /// the program's index of occurrences.
    fn symbol_at(
        &self,
        key: &str,
        position: lsp_types::Position,
    ) -> Option<(
        crate::analysis::Analysis,
        crate::navigation::Index,
        limit_compiler::resolve::DeclId,
    )> {
        let (uri, doc) = self.documents.get(key)?;
        let analysis = analyse(&path_of(uri), &doc.text);
        let index = analysis.index();
        let occurrence = index.at(analysis.entry, offset_of(&doc.text, position))?;
        Some((analysis, index, occurrence.symbol))
    }

    /// Where `span` is, as an editor location (the open document under
    /// its own URI, other files by path); `None` inside a standard module.
    fn location(
        &self,
        key: &str,
        analysis: &crate::analysis::Analysis,
        span: limit_syntax::Span,
    ) -> Option<Location> {
        let file = analysis.sources.get(span.file);
        if limit_compiler::stdlib::is_std_file(&file.name) {
            return None;
        }
        let uri = if span.file == analysis.entry {
            self.documents.get(key)?.0.clone()
        } else {
            uri_of(&file.name)?
        };
        Some(Location {
            uri,
            range: range_of(&file.text, span.start as usize, span.end as usize),
        })
    }

    fn definition(
        &self,
        key: &str,
        position: lsp_types::Position,
    ) -> Option<GotoDefinitionResponse> {
        let declared = self
            .symbol_at(key, position)
            .and_then(|(analysis, index, symbol)| {
                let span = index.declaration(symbol)?;
                self.location(key, &analysis, span)
            });
        match declared {
            Some(location) => Some(GotoDefinitionResponse::Scalar(location)),
            None => self.module_definition(key, position),
        }
    }

    /// The file of the module named under `position` (an import's path,
    /// or a namespace before `.`), at its start.
    fn module_definition(
        &self,
        key: &str,
        position: lsp_types::Position,
    ) -> Option<GotoDefinitionResponse> {
        let (uri, doc) = self.documents.get(key)?;
        let analysis = analyse(&path_of(uri), &doc.text);
        let file = analysis.module_at(offset_of(&doc.text, position))?;
        let start = limit_syntax::Span::new(file, 0, 0);
        let location = self.location(key, &analysis, start)?;
        Some(GotoDefinitionResponse::Scalar(location))
    }

    fn references(
        &self,
        key: &str,
        position: lsp_types::Position,
        with_declaration: bool,
    ) -> Option<Vec<Location>> {
        let (analysis, index, symbol) = self.symbol_at(key, position)?;
        Some(
            index
                .references(symbol, with_declaration)
                .into_iter()
                .filter_map(|span| self.location(key, &analysis, span))
                .collect(),
        )
    }

    /// Every occurrence of the symbol at `position` renamed `new_name`;
    /// an error when that is no identifier or the symbol is a built-in's
    /// or a standard module's.
    // `WorkspaceEdit::changes` is keyed by `Uri`, whose hash never changes
    // once built (the lint sees its lazily parsed parts).
    #[allow(clippy::mutable_key_type)]
    fn rename(
        &self,
        key: &str,
        position: lsp_types::Position,
        new_name: &str,
    ) -> Result<Option<WorkspaceEdit>, String> {
        if !crate::navigation::is_identifier(new_name) {
            return Err(format!("`{new_name}` is not a name"));
        }
        let Some((analysis, index, symbol)) = self.symbol_at(key, position) else {
            return Ok(None);
        };
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for span in index.references(symbol, true) {
            let Some(location) = self.location(key, &analysis, span) else {
                return Err("a standard module's declaration cannot be renamed".to_string());
            };
            changes.entry(location.uri).or_default().push(TextEdit {
                range: location.range,
                new_text: new_name.to_string(),
            });
        }
        if changes.is_empty() {
            return Ok(None);
        }
        Ok(Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }))
    }

    fn completion(&self, key: &str, position: lsp_types::Position) -> Option<CompletionResponse> {
        let (uri, doc) = self.documents.get(key)?;
        let offset = offset_of(&doc.text, position);
        let items = complete(&path_of(uri), &doc.text, offset)
            .into_iter()
            .map(|p| CompletionItem {
                label: p.label,
                kind: Some(match p.kind {
                    ProposalKind::Field => CompletionItemKind::FIELD,
                    ProposalKind::Method => CompletionItemKind::METHOD,
                    ProposalKind::Function => CompletionItemKind::FUNCTION,
                    ProposalKind::Variable => CompletionItemKind::VARIABLE,
                    ProposalKind::Type => CompletionItemKind::CLASS,
                    ProposalKind::Module => CompletionItemKind::MODULE,
                    ProposalKind::Variant => CompletionItemKind::ENUM_MEMBER,
                    ProposalKind::Keyword => CompletionItemKind::KEYWORD,
                }),
                detail: p.detail,
                ..CompletionItem::default()
            })
            .collect();
        Some(CompletionResponse::Array(items))
    }

    fn signature(&self, key: &str, position: lsp_types::Position) -> Option<SignatureHelp> {
        let (_, doc) = self.documents.get(key)?;
        let help = signature_help(&doc.text, offset_of(&doc.text, position))?;
        let active = help.active.min(help.params.len().saturating_sub(1)) as u32;
        Some(SignatureHelp {
            signatures: vec![SignatureInformation {
                label: help.label,
                documentation: None,
                parameters: Some(
                    help.params
                        .into_iter()
                        .map(|p| ParameterInformation {
                            label: ParameterLabel::Simple(p),
                            documentation: None,
                        })
                        .collect(),
                ),
                active_parameter: Some(active),
            }],
            active_signature: Some(0),
            active_parameter: Some(active),
        })
    }

    fn symbols(&self, key: &str) -> Option<DocumentSymbolResponse> {
        let (_, doc) = self.documents.get(key)?;
        let (module, _) = limit_syntax::parse_source(&doc.text, 0);
        let symbols = outline(&module)
            .into_iter()
            .map(|s| document_symbol(&doc.text, s))
            .collect();
        Some(DocumentSymbolResponse::Nested(symbols))
    }

    /// The open documents as the editor has them, then the workspace's
    /// other `.lm` files as they are on disk.
    fn workspace_symbols(&self, query: &str) -> WorkspaceSymbolResponse {
        let mut sources = Vec::new();
        let mut open = std::collections::HashSet::new();
        for (uri, doc) in self.documents.values() {
            open.insert(path_of(uri));
            sources.push(workspace_symbols::Source {
                uri: uri.clone(),
                text: doc.text.clone(),
            });
        }
        sources.sort_by(|a, b| a.uri.as_str().cmp(b.uri.as_str()));
        for path in workspace_symbols::files_on_disk(&self.roots, &open) {
            let (Ok(text), Some(uri)) = (
                std::fs::read_to_string(&path),
                uri_of(&path.display().to_string()),
            ) else {
                continue;
            };
            sources.push(workspace_symbols::Source { uri, text });
        }
        WorkspaceSymbolResponse::Flat(workspace_symbols::search(query, &sources))
    }

    fn format(&self, key: &str) -> Option<Vec<TextEdit>> {
        let (_, doc) = self.documents.get(key)?;
        let formatted = limit_syntax::format::format_source(&doc.text, 0).ok()?;
        if formatted == doc.text {
            return Some(Vec::new());
        }
        Some(vec![TextEdit {
            range: range_of(&doc.text, 0, doc.text.len()),
            new_text: formatted,
        }])
    }
}

fn publish(
    uri: Uri,
    diagnostics: Vec<lsp_types::Diagnostic>,
    version: Option<i32>,
) -> Notification {
    Notification::new(
        PublishDiagnostics::METHOD.to_string(),
        PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        },
    )
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be given.
fn document_symbol(text: &str, symbol: Symbol) -> DocumentSymbol {
    let kind = lsp_kind(symbol.kind);
    let children: Vec<DocumentSymbol> = symbol
        .children
        .into_iter()
        .map(|c| document_symbol(text, c))
        .collect();
    DocumentSymbol {
        name: symbol.name,
        detail: None,
        kind,
        tags: None,
        deprecated: None,
        range: range_of(text, symbol.range.0, symbol.range.1),
        selection_range: range_of(text, symbol.name_range.0, symbol.name_range.1),
        children: (!children.is_empty()).then_some(children),
    }
}

/// The `file://` URI of the file at `path`.
fn uri_of(path: &str) -> Option<Uri> {
    let absolute = std::path::Path::new(path)
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from(path));
    let mut text = String::from("file://");
    for byte in absolute.display().to_string().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                text.push(byte as char)
            }
            _ => text.push_str(&format!("%{byte:02X}")),
        }
    }
    text.parse().ok()
}

/// The file a `file://` URI names (percent escapes decoded); another
/// scheme gives its text as a name, so imports resolve from the working
/// folder.
fn path_of(uri: &Uri) -> PathBuf {
    let text = uri.as_str();
    let Some(rest) = text.strip_prefix("file://") else {
        return PathBuf::from(text);
    };
    let bytes = rest.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                decoded.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    PathBuf::from(String::from_utf8_lossy(&decoded).into_owned())
}
