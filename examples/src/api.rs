//! HTTP API pieces the services share: the history page, click-to-call's body and its check,
//! JSON errors, and stdout's JSON lines.

use std::io::Write;
use std::time::{Duration, SystemTime};

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use yeastar_calls::{CallHistory, HistoryQuery, MemoryHistory};

/// Records `GET /calls/history` returns when no `limit` is given.
pub const DEFAULT_HISTORY_LIMIT: usize = 100;
/// Most records one `GET /calls/history` returns, and the deepest `offset + limit` it pages to.
pub const MAX_HISTORY_LIMIT: usize = 10_000;

/// The query of `GET /calls/history`.
#[derive(Debug, Default, Deserialize)]
pub struct HistoryParams {
    /// Unix seconds.
    pub since: Option<u64>,
    /// Unix seconds.
    pub until: Option<u64>,
    /// Calls of this extension.
    pub extension: Option<String>,
    /// Calls from or to this number.
    pub number: Option<String>,
    /// Most records ([`DEFAULT_HISTORY_LIMIT`], at most [`MAX_HISTORY_LIMIT`]).
    pub limit: Option<usize>,
    /// Records to skip (newest first), for paging.
    pub offset: Option<usize>,
}

/// The page of `history` that `params` asks for, as the JSON answer.
pub fn history_page(history: &MemoryHistory, params: HistoryParams) -> Response {
    let at = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
    let offset = params.offset.unwrap_or(0).min(MAX_HISTORY_LIMIT);
    let limit = params
        .limit
        .unwrap_or(DEFAULT_HISTORY_LIMIT)
        .min(MAX_HISTORY_LIMIT - offset);
    let mut query = HistoryQuery::default();
    query.since = params.since.map(at);
    query.until = params.until.map(at);
    query.extension = params.extension.filter(|e| !e.is_empty());
    query.number = params.number.filter(|n| !n.is_empty());
    query.limit = offset + limit;
    match history.query(&query) {
        Ok(calls) => Json(json!(calls.get(offset..).unwrap_or_default())).into_response(),
        Err(e) => match e {},
    }
}

/// The body of `POST /calls`.
#[derive(Debug, Deserialize)]
pub struct ClickToCall {
    /// The phone that rings first.
    pub from: String,
    /// The number it is then connected to.
    pub to: String,
}

/// True for an extension or a number a PBX dials: 1-64 of `[A-Za-z0-9+*#-_.]`.
pub fn is_dialable(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+*#-_.".contains(c))
}

/// `{"error": message}` with `status`.
pub fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

/// Prints one JSON line on stdout, flushed (stdout carries JSON lines only).
pub fn print_line(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialable_numbers() {
        assert!(is_dialable("1002"));
        assert!(is_dialable("+4930123"));
        assert!(!is_dialable("10 02"));
        assert!(!is_dialable(""));
        assert!(!is_dialable(&"1".repeat(65)));
    }
}
