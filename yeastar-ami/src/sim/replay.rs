//! Serving a recorded AMI session back, byte for byte and read for read.
//!
//! A capture is three files: `NAME.s2c.raw` (what the server sent), `NAME.c2s.raw` (what the
//! client sent) and `NAME.timeline.tsv` (one row per socket read or write: `ms`, `dir`,
//! `offset`, `length`). [`ReplayServer`] walks the rows in order for one connection: a server row
//! is written as one write, a client row waits until the client has sent that far.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::wire::{Decoder, Limits};

/// Longest wait for the client to send a recorded chunk: 10 s. A client that sends nothing gets
/// the connection closed and a report saying so, rather than a test that hangs.
pub const DEFAULT_CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// Most timeline rows a capture may have: 1 000 000 (the largest real capture has a few hundred).
pub const MAX_TIMELINE_ROWS: usize = 1_000_000;

/// Why a capture could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// A capture file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A timeline row is malformed.
    #[error("timeline line {line}: {reason}")]
    BadRow {
        /// 1-based line number in the TSV.
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A row points past the end of its direction's bytes.
    #[error("timeline line {line}: range {offset}+{len} is past the end ({total} bytes)")]
    OutOfRange {
        /// 1-based line number in the TSV.
        line: usize,
        /// The row's offset.
        offset: usize,
        /// The row's length.
        len: usize,
        /// The size of the direction's file.
        total: usize,
    },
    /// The timeline has more than [`MAX_TIMELINE_ROWS`] rows.
    #[error("timeline has more than {MAX_TIMELINE_ROWS} rows")]
    TooManyRows,
}

/// Which way a timeline row's bytes went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureDirection {
    /// Client to server (`c2s`): an action the client wrote.
    ClientToServer,
    /// Server to client (`s2c`): one read on the recording machine.
    ServerToClient,
}

/// One row of a `*.timeline.tsv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineRow {
    /// Milliseconds since the connection opened.
    pub ms: u64,
    /// Which way the bytes went.
    pub dir: CaptureDirection,
    /// Offset into that direction's bytes.
    pub offset: usize,
    /// Number of bytes.
    pub len: usize,
}

/// A recorded AMI session: both byte streams and the timeline that interleaves them.
#[derive(Debug, Clone)]
pub struct Capture {
    name: String,
    s2c: Bytes,
    c2s: Bytes,
    rows: Vec<TimelineRow>,
}

impl Capture {
    /// Loads `dir/NAME.s2c.raw`, `dir/NAME.c2s.raw` and `dir/NAME.timeline.tsv`.
    pub fn load(dir: &Path, name: &str) -> Result<Capture, ReplayError> {
        let read = |suffix: &str| {
            let path = dir.join(format!("{name}.{suffix}"));
            std::fs::read(&path).map_err(|source| ReplayError::Io {
                path: path.display().to_string(),
                source,
            })
        };
        let s2c = read("s2c.raw")?;
        let c2s = read("c2s.raw")?;
        let tsv = read("timeline.tsv")?;
        Capture::from_parts(name, s2c, c2s, &String::from_utf8_lossy(&tsv))
    }

    /// Builds a capture from its parts, checking every row against the byte streams.
    pub fn from_parts(
        name: impl Into<String>,
        s2c: impl Into<Bytes>,
        c2s: impl Into<Bytes>,
        timeline_tsv: &str,
    ) -> Result<Capture, ReplayError> {
        let (s2c, c2s) = (s2c.into(), c2s.into());
        let mut rows = Vec::new();
        for (i, line) in timeline_tsv.lines().enumerate() {
            let line_no = i + 1;
            let line = line.trim_end_matches('\r');
            if line.is_empty() || line.starts_with("ms\t") {
                continue;
            }
            if rows.len() >= MAX_TIMELINE_ROWS {
                return Err(ReplayError::TooManyRows);
            }
            let row = parse_row(line).map_err(|reason| ReplayError::BadRow {
                line: line_no,
                reason,
            })?;
            let total = match row.dir {
                CaptureDirection::ServerToClient => s2c.len(),
                CaptureDirection::ClientToServer => c2s.len(),
            };
            if row
                .offset
                .checked_add(row.len)
                .is_none_or(|end| end > total)
            {
                return Err(ReplayError::OutOfRange {
                    line: line_no,
                    offset: row.offset,
                    len: row.len,
                    total,
                });
            }
            rows.push(row);
        }
        Ok(Capture {
            name: name.into(),
            s2c,
            c2s,
            rows,
        })
    }

    /// The capture's name (`login_md5`, …).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every byte the server sent.
    pub fn s2c(&self) -> &Bytes {
        &self.s2c
    }

    /// Every byte the client sent.
    pub fn c2s(&self) -> &Bytes {
        &self.c2s
    }

    /// The timeline rows in order.
    pub fn rows(&self) -> &[TimelineRow] {
        &self.rows
    }

    /// The bytes of one row.
    pub fn chunk(&self, row: &TimelineRow) -> &[u8] {
        let all = match row.dir {
            CaptureDirection::ServerToClient => &self.s2c,
            CaptureDirection::ClientToServer => &self.c2s,
        };
        all.get(row.offset..row.offset + row.len)
            .unwrap_or_default()
    }

    /// The server's chunks, one per recorded read, in order.
    pub fn s2c_chunks(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.rows
            .iter()
            .filter(|r| r.dir == CaptureDirection::ServerToClient)
            .map(|r| self.chunk(r))
    }

    /// The client's writes, in order.
    pub fn c2s_chunks(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.rows
            .iter()
            .filter(|r| r.dir == CaptureDirection::ClientToServer)
            .map(|r| self.chunk(r))
    }

    /// The names of the actions the client sent, in order.
    pub fn action_names(&self) -> Vec<String> {
        action_names(&self.c2s)
    }
}

fn parse_row(line: &str) -> Result<TimelineRow, &'static str> {
    let mut cols = line.split('\t');
    let mut next = |what| cols.next().ok_or(what);
    let ms = next("missing ms")?.parse().map_err(|_| "bad ms")?;
    let dir = match next("missing dir")? {
        "s2c" => CaptureDirection::ServerToClient,
        "c2s" => CaptureDirection::ClientToServer,
        _ => return Err("dir is neither s2c nor c2s"),
    };
    let offset = next("missing offset")?.parse().map_err(|_| "bad offset")?;
    let len = next("missing length")?.parse().map_err(|_| "bad length")?;
    Ok(TimelineRow {
        ms,
        dir,
        offset,
        len,
    })
}

/// The `Action` names of the complete actions in `bytes`, read with the crate's decoder.
fn action_names(bytes: &[u8]) -> Vec<String> {
    let mut decoder = Decoder::without_banner(Limits::default());
    let mut buf = BytesMut::from(bytes);
    let mut names = Vec::new();
    loop {
        match decoder.decode(&mut buf) {
            Ok(Some(frame)) => {
                let name = frame.message().get("Action").unwrap_or_default().to_owned();
                names.push(name);
            }
            Ok(None) => break,
            Err(_) => continue,
        }
    }
    names
}

/// How a [`ReplayServer`] paces itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayOptions {
    /// Multiplies the recorded gaps before server writes: `0.0` (the default) writes as soon as
    /// the client has sent what came before, `1.0` keeps the recorded timing.
    pub time_scale: f64,
    /// Longest wait for the client to send a recorded chunk; see [`DEFAULT_CLIENT_TIMEOUT`].
    pub client_timeout: Duration,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            time_scale: 0.0,
            client_timeout: DEFAULT_CLIENT_TIMEOUT,
        }
    }
}

/// An action the client sent that differs from the recorded one at the same position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionMismatch {
    /// 0-based position in the action sequence.
    pub index: usize,
    /// The recorded action name (empty if the client sent more actions than recorded).
    pub expected: String,
    /// The action name the client sent.
    pub got: String,
}

/// What happened during a replay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayReport {
    /// Bytes received from the client.
    pub bytes_received: usize,
    /// The lengths of the server's writes, in order (equal to the recorded chunks when the
    /// replay went through).
    pub writes: Vec<usize>,
    /// Actions whose names differ from the recording.
    pub mismatches: Vec<ActionMismatch>,
    /// The client did not send a recorded chunk within the timeout (or closed first).
    pub client_stalled: bool,
    /// The I/O error that ended the replay early, if any.
    pub io_error: Option<String>,
    /// Every row of the timeline was played.
    pub completed: bool,
}

/// A one-connection AMI server on 127.0.0.1 that plays a [`Capture`].
#[derive(Debug)]
pub struct ReplayServer {
    addr: std::net::SocketAddr,
    received: Arc<AtomicUsize>,
    task: JoinHandle<ReplayReport>,
}

impl ReplayServer {
    /// Binds 127.0.0.1 on a free port and waits in the background for one client.
    pub async fn start(capture: Capture, options: ReplayOptions) -> std::io::Result<ReplayServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let received = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&received);
        let task = tokio::spawn(async move {
            match listener.accept().await {
                Ok((stream, _)) => play(stream, &capture, options, &counter).await,
                Err(e) => ReplayReport {
                    io_error: Some(e.to_string()),
                    ..ReplayReport::default()
                },
            }
        });
        Ok(ReplayServer {
            addr,
            received,
            task,
        })
    }

    /// The address to connect to.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// Bytes received from the client so far.
    pub fn bytes_received(&self) -> usize {
        self.received.load(Ordering::Relaxed)
    }

    /// Waits for the replay to end (the server closes after the last row) and reports.
    pub async fn finish(self) -> ReplayReport {
        match self.task.await {
            Ok(report) => report,
            Err(e) => ReplayReport {
                io_error: Some(e.to_string()),
                ..ReplayReport::default()
            },
        }
    }

    /// Stops the replay now, closing the connection if one is open.
    pub fn abort(self) {
        self.task.abort();
    }
}

async fn play(
    mut stream: TcpStream,
    capture: &Capture,
    options: ReplayOptions,
    counter: &AtomicUsize,
) -> ReplayReport {
    let _ = stream.set_nodelay(true);
    let start = tokio::time::Instant::now();
    let expected = capture.action_names();
    let mut got = Vec::new();
    let mut report = ReplayReport::default();
    let scale = if options.time_scale.is_finite() && options.time_scale > 0.0 {
        options.time_scale
    } else {
        0.0
    };
    for row in capture.rows() {
        match row.dir {
            CaptureDirection::ServerToClient => {
                if scale > 0.0 {
                    let at = Duration::from_secs_f64(row.ms as f64 / 1000.0 * scale);
                    tokio::time::sleep_until(start + at).await;
                }
                let chunk = capture.chunk(row);
                let written = async {
                    stream.write_all(chunk).await?;
                    stream.flush().await
                };
                if let Err(e) = written.await {
                    report.io_error = Some(e.to_string());
                    break;
                }
                report.writes.push(chunk.len());
            }
            CaptureDirection::ClientToServer => {
                let want = row.offset + row.len;
                let read = tokio::time::timeout(
                    options.client_timeout,
                    read_until(&mut stream, &mut got, want, counter),
                )
                .await;
                match read {
                    Ok(Ok(true)) => {}
                    Ok(Ok(false)) | Err(_) => {
                        report.client_stalled = true;
                        break;
                    }
                    Ok(Err(e)) => {
                        report.io_error = Some(e.to_string());
                        break;
                    }
                }
            }
        }
    }
    report.completed = !report.client_stalled && report.io_error.is_none();
    report.bytes_received = got.len();
    report.mismatches = compare(&expected, &action_names(&got));
    let _ = stream.shutdown().await;
    report
}

/// Reads until `got` holds `want` bytes. `Ok(false)` when the client closed first.
async fn read_until(
    stream: &mut TcpStream,
    got: &mut Vec<u8>,
    want: usize,
    counter: &AtomicUsize,
) -> std::io::Result<bool> {
    let mut buf = [0u8; 4096];
    while got.len() < want {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(false);
        }
        got.extend_from_slice(buf.get(..n).unwrap_or_default());
        counter.store(got.len(), Ordering::Relaxed);
    }
    Ok(true)
}

fn compare(expected: &[String], got: &[String]) -> Vec<ActionMismatch> {
    got.iter()
        .enumerate()
        .filter_map(|(index, name)| {
            let want = expected.get(index).map(String::as_str).unwrap_or_default();
            (want != name).then(|| ActionMismatch {
                index,
                expected: want.to_owned(),
                got: name.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_and_refuses_bad_ones() {
        let tsv = "ms\tdir\toffset\tlength\n0\ts2c\t0\t3\n1\tc2s\t0\t2\n";
        let c = Capture::from_parts("t", &b"abc"[..], &b"xy"[..], tsv).unwrap();
        assert_eq!(c.rows().len(), 2);
        assert_eq!(c.s2c_chunks().collect::<Vec<_>>(), [&b"abc"[..]]);
        let past = Capture::from_parts("t", &b"ab"[..], &b""[..], "0\ts2c\t1\t2\n");
        assert!(matches!(past, Err(ReplayError::OutOfRange { line: 1, .. })));
        let bad = Capture::from_parts("t", &b""[..], &b""[..], "0\tup\t0\t0\n");
        assert!(matches!(bad, Err(ReplayError::BadRow { .. })));
        let huge =
            Capture::from_parts("t", &b""[..], &b""[..], "0\ts2c\t18446744073709551615\t9\n");
        assert!(matches!(huge, Err(ReplayError::OutOfRange { .. })));
    }

    #[test]
    fn compares_action_names() {
        let names = action_names(b"Action: Login\r\nActionID: a-1\r\n\r\nAction: Ping\r\n\r\n");
        assert_eq!(names, ["Login", "Ping"]);
        let m = compare(&names, &["Login".into(), "Logoff".into()]);
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].index, m[0].expected.as_str()), (1, "Ping"));
    }
}
