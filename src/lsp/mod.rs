//! `buildlint lsp`: the language server. A driver on top of the lint
//! engine, like the command line: it lints the editor's unsaved text with
//! the build context read from disk, and offers the fix engine's fixes,
//! rule pages and the files' structure. It owns no rule logic.

pub mod actions;
pub mod completion;
pub mod diagnostics;
pub mod documents;
pub mod hover;
pub mod navigation;
pub mod requests;
pub mod server;

use std::path::PathBuf;
use std::time::Duration;

use lsp_server::{Connection, Message};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    HoverProviderCapability, InitializeParams, InitializeResult, OneOf, ServerCapabilities,
    ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions,
};
use serde_json::Value;

use server::Server;

/// What the server can do, as announced to the client.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::from(actions::FIX_ALL.to_string()),
            ]),
            ..Default::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["-".into(), "=".into()]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The workspace root the client names, else the working directory.
fn root_of(params: &InitializeParams) -> PathBuf {
    let from_folders = params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .and_then(|f| documents::path_of(&f.uri));
    #[allow(deprecated)]
    let from_root = params.root_uri.as_ref().and_then(documents::path_of);
    from_folders
        .or(from_root)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// The input ended before a client initialized the server: someone ran it
/// by hand (and pressed Ctrl-D), or fed it something that is not LSP.
#[derive(Debug)]
pub struct NoClient {
    /// Why the input could not be read as LSP messages; `None`: it ended.
    pub not_lsp: Option<String>,
}

impl std::fmt::Display for NoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.not_lsp {
            None => write!(f, "the input ended before an editor initialized the server"),
            Some(why) => write!(
                f,
                "the input is not Language Server Protocol messages ({why})"
            ),
        }?;
        write!(
            f,
            "; editors start `buildlint lsp` themselves and speak LSP to it (see docs/editors.md)"
        )
    }
}

impl std::error::Error for NoClient {}

/// Serves LSP over standard input and output until the client exits.
/// Returns whether the client asked for `shutdown` before `exit`; a
/// [`NoClient`] error when no client came.
///
/// The transport reads and writes duplicates of file descriptors 0 and 1,
/// not `std::io::Stdin`/`Stdout`, whose locks the command line holds.
pub fn serve_stdio() -> anyhow::Result<bool> {
    use std::io::{BufReader, BufWriter, Write};
    use std::os::fd::AsFd;

    let input = std::fs::File::from(std::io::stdin().as_fd().try_clone_to_owned()?);
    let output = std::fs::File::from(std::io::stdout().as_fd().try_clone_to_owned()?);
    let (to_server, from_client) = crossbeam_channel::unbounded::<Message>();
    let (to_client, from_server) = crossbeam_channel::unbounded::<Message>();
    let unreadable = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
    let reader_unreadable = unreadable.clone();
    std::thread::Builder::new()
        .name("lsp-reader".into())
        .spawn(move || {
            let mut input = BufReader::new(input);
            loop {
                let message = match Message::read(&mut input) {
                    Ok(Some(m)) => m,
                    Ok(None) => break,
                    Err(e) => {
                        if let Ok(mut slot) = reader_unreadable.lock() {
                            *slot = Some(e.to_string());
                        }
                        break;
                    }
                };
                let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if to_server.send(message).is_err() || exit {
                    break;
                }
            }
        })?;
    let writer = std::thread::Builder::new()
        .name("lsp-writer".into())
        .spawn(move || -> std::io::Result<()> {
            let mut output = BufWriter::new(output);
            for message in from_server {
                message.write(&mut output)?;
                output.flush()?;
            }
            Ok(())
        })?;
    let served = serve(Connection {
        sender: to_client,
        receiver: from_client,
    });
    let clean = match served {
        Ok(clean) => clean,
        Err(e)
            if e.downcast_ref::<lsp_server::ProtocolError>()
                .is_some_and(|p| p.channel_is_disconnected()) =>
        {
            let not_lsp = unreadable.lock().ok().and_then(|mut s| s.take());
            return Err(NoClient { not_lsp }.into());
        }
        Err(e) => return Err(e),
    };
    // Everything queued reaches the client before the process ends.
    let _ = writer.join();
    Ok(clean)
}

/// Serves on a connection: the initialize handshake, then the loop.
pub fn serve(connection: Connection) -> anyhow::Result<bool> {
    let (id, params) = connection.initialize_start()?;
    let params: InitializeParams = serde_json::from_value(params)?;
    let result = InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "buildlint".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    connection.initialize_finish(id, serde_json::to_value(result)?)?;
    let debounce = params
        .initialization_options
        .as_ref()
        .and_then(|o| o.get("debounceMs"))
        .and_then(Value::as_u64)
        .map(Duration::from_millis)
        .unwrap_or(server::DEFAULT_DEBOUNCE);
    let watch = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false);
    let server = Server::new(connection, root_of(&params), debounce);
    if watch {
        server.watch_files();
    }
    Ok(server.run(requests::dispatch))
}
