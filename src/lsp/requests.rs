//! Requests: each method's parameters parsed, the feature called, its
//! result serialized.

use lsp_types::{
    CodeActionParams, CompletionParams, CompletionResponse, DocumentSymbolParams,
    DocumentSymbolResponse, GotoDefinitionParams, GotoDefinitionResponse, HoverParams,
};
use serde_json::Value;

use super::server::Server;
use super::{actions, completion, hover, navigation};

/// The answer to a request, by method; `None` for an unknown method.
pub fn dispatch(server: &mut Server, method: &str, params: Value) -> Option<Result<Value, String>> {
    use lsp_types::request::{
        CodeActionRequest, Completion, DocumentSymbolRequest, GotoDefinition, HoverRequest,
        Request as _,
    };
    let result = match method {
        CodeActionRequest::METHOD => parse::<CodeActionParams>(params)
            .and_then(|p| to_value(actions::code_actions(server, p))),
        HoverRequest::METHOD => parse::<HoverParams>(params).and_then(|p| {
            let at = p.text_document_position_params;
            let hover = server
                .document(&at.text_document.uri)
                .and_then(|(doc, findings)| {
                    hover::hover(server, doc, findings, doc.offset(at.position))
                });
            to_value(hover)
        }),
        GotoDefinition::METHOD => parse::<GotoDefinitionParams>(params).and_then(|p| {
            let at = p.text_document_position_params;
            let location = server
                .docs
                .get(&at.text_document.uri)
                .and_then(|doc| navigation::definition(doc, doc.offset(at.position)));
            to_value(location.map(GotoDefinitionResponse::Scalar))
        }),
        DocumentSymbolRequest::METHOD => parse::<DocumentSymbolParams>(params).and_then(|p| {
            let symbols = server
                .docs
                .get(&p.text_document.uri)
                .map(navigation::document_symbols);
            to_value(symbols.map(DocumentSymbolResponse::Nested))
        }),
        Completion::METHOD => parse::<CompletionParams>(params).and_then(|p| {
            let at = p.text_document_position;
            let items = server
                .docs
                .get(&at.text_document.uri)
                .map(|doc| completion::complete(doc, doc.offset(at.position)));
            to_value(items.map(CompletionResponse::Array))
        }),
        _ => return None,
    };
    Some(result)
}

fn parse<P: serde::de::DeserializeOwned>(params: Value) -> Result<P, String> {
    serde_json::from_value(params).map_err(|e| format!("invalid parameters: {e}"))
}

fn to_value(result: impl serde::Serialize) -> Result<Value, String> {
    serde_json::to_value(result).map_err(|e| e.to_string())
}
