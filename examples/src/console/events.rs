//! `GET /events`: the service's JSON lines pushed to the console as Server-Sent Events.
//!
//! Each SSE `data:` is one JSON object: the first is `{"type":"hello",…}` (the
//! [`ConsoleInfo`](super::ConsoleInfo)), then every line the service publishes — the same objects
//! as its stdout lines (`call`, `extension`, `registration`) plus `connection` status changes —
//! and `{"type":"lagged","missed":n}` when a slow page missed some (it then reloads its
//! snapshot). The page reads the stream with `fetch` (an `EventSource` cannot send the
//! `Authorization` header).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tokio::sync::{broadcast, watch};

use super::Console;

/// Events buffered for the slowest page before it is told it lagged: 1024.
pub const EVENT_BUFFER: usize = 1024;

/// Most event streams open at once: 64 (each holds a connection and a place in the buffer).
pub const MAX_EVENT_STREAMS: usize = 64;

/// A comment line on an idle stream this often, so proxies and the page see it is alive: 15 s.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Fans the service's JSON lines out to every open `/events` stream. Cheap to clone.
#[derive(Clone)]
pub struct EventHub {
    inner: Arc<HubInner>,
}

struct HubInner {
    lines: broadcast::Sender<Arc<str>>,
    streams: AtomicUsize,
    closing: watch::Sender<bool>,
}

impl std::fmt::Debug for EventHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHub")
            .field("streams", &self.streams())
            .finish_non_exhaustive()
    }
}

impl Default for EventHub {
    fn default() -> Self {
        EventHub::new()
    }
}

impl EventHub {
    /// A hub with no stream open.
    pub fn new() -> EventHub {
        let (lines, _) = broadcast::channel(EVENT_BUFFER);
        let (closing, _) = watch::channel(false);
        EventHub {
            inner: Arc::new(HubInner {
                lines,
                streams: AtomicUsize::new(0),
                closing,
            }),
        }
    }

    /// Sends one JSON object (a stdout line, without its newline) to every open stream.
    pub fn publish_line(&self, line: &str) {
        // No stream open is not an error: nobody is watching.
        let _ = self.inner.lines.send(line.into());
    }

    /// Serializes `value` and publishes it.
    pub fn publish<T: Serialize>(&self, value: &T) {
        if let Ok(line) = serde_json::to_string(value) {
            self.publish_line(&line);
        }
    }

    /// Streams open now.
    pub fn streams(&self) -> usize {
        self.inner.streams.load(Ordering::Relaxed)
    }

    /// Ends every stream (before a graceful shutdown, which waits for open responses).
    pub fn close(&self) {
        self.inner.closing.send_replace(true);
    }
}

/// Counts a stream while it is open.
struct StreamSlot(Arc<HubInner>);

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.streams.fetch_sub(1, Ordering::Relaxed);
    }
}

struct StreamState {
    hello: Option<String>,
    lines: broadcast::Receiver<Arc<str>>,
    closing: watch::Receiver<bool>,
    _slot: StreamSlot,
}

/// `GET /events`.
pub(super) async fn events(State(console): State<Console>) -> Response {
    let inner = &console.hub.inner;
    if inner.streams.fetch_add(1, Ordering::Relaxed) >= MAX_EVENT_STREAMS {
        inner.streams.fetch_sub(1, Ordering::Relaxed);
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({
                "error": format!("too many event streams open (at most {MAX_EVENT_STREAMS})")
            })),
        )
            .into_response();
    }
    let slot = StreamSlot(inner.clone());
    let mut hello = serde_json::to_value(&*console.info).unwrap_or_default();
    if let Some(map) = hello.as_object_mut() {
        map.insert("type".into(), "hello".into());
        // The page's clock may differ from the service's: durations are counted on this one.
        let now = yeastar_ami::calls::format_rfc3339(std::time::SystemTime::now());
        map.insert("now".into(), now.into());
    }
    let state = StreamState {
        hello: Some(hello.to_string()),
        lines: inner.lines.subscribe(),
        closing: inner.closing.subscribe(),
        _slot: slot,
    };
    let stream = futures_util::stream::unfold(state, |mut state| async move {
        if let Some(hello) = state.hello.take() {
            return Some((Ok::<_, Infallible>(Event::default().data(hello)), state));
        }
        if *state.closing.borrow() {
            return None;
        }
        let data = tokio::select! {
            line = state.lines.recv() => match line {
                Ok(line) => line.to_string(),
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    serde_json::json!({"type": "lagged", "missed": missed}).to_string()
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            },
            _ = state.closing.changed() => return None,
        };
        Some((Ok(Event::default().data(data)), state))
    });
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    // Proxies that buffer responses (nginx) would hold the events back.
    response.headers_mut().insert(
        "x-accel-buffering",
        axum::http::HeaderValue::from_static("no"),
    );
    response
}
