//! Call history persisted in SQLite.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, Row, params_from_iter, types::Value};

use crate::call::{Direction, EndReason, Source, Transfer, TransferKind};
use crate::history::{CallHistory, CompletedCall, Disposition, HistoryQuery};

/// Why a SQLite history operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqliteHistoryError {
    /// SQLite reported an error (opening, schema, insert, select).
    #[error("call history database: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Call history in a SQLite database (table `calls`, indexed by start time and numbers).
///
/// Databases written by earlier versions are upgraded in place when opened: missing columns are
/// added, existing rows keep their values.
pub struct SqliteHistory {
    conn: Connection,
}

impl std::fmt::Debug for SqliteHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteHistory").finish_non_exhaustive()
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL,
    direction TEXT NOT NULL,
    src TEXT, dst TEXT, from_name TEXT, answered_by TEXT,
    extension TEXT, external_number TEXT,
    disposition TEXT NOT NULL,
    started_ms INTEGER NOT NULL, answered_ms INTEGER, ended_ms INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL, billsec_ms INTEGER NOT NULL,
    cause INTEGER, cause_text TEXT, recording TEXT, has_cdr INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_started ON calls(started_ms);
CREATE INDEX IF NOT EXISTS calls_extension ON calls(extension);
CREATE INDEX IF NOT EXISTS calls_src ON calls(src);
CREATE INDEX IF NOT EXISTS calls_dst ON calls(dst);
";

/// Columns added after the first schema, with their SQL type: added by `ALTER TABLE` when a
/// database lacks them.
const ADDED_COLUMNS: [(&str, &str); 6] = [
    ("source", "TEXT"),
    ("connected_to", "TEXT"),
    ("final_destination", "TEXT"),
    ("transfers", "TEXT"),
    ("queue", "TEXT"),
    ("end_reason", "TEXT"),
];

fn to_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn from_ms(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

fn dur_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Transfers as stored: one JSON array (`[{"kind","by","target","at_ms"}]`).
fn transfers_to_text(transfers: &[Transfer]) -> Option<String> {
    if transfers.is_empty() {
        return None;
    }
    let list: Vec<serde_json::Value> = transfers
        .iter()
        .map(|t| {
            serde_json::json!({
                "kind": match t.kind { TransferKind::Attended => "attended", _ => "blind" },
                "by": t.by,
                "target": t.target,
                "at_ms": to_ms(t.at),
            })
        })
        .collect();
    Some(serde_json::Value::Array(list).to_string())
}

fn transfers_from_text(text: Option<String>) -> Vec<Transfer> {
    let Some(value) = text.and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok()) else {
        return Vec::new();
    };
    let text = |v: &serde_json::Value| v.as_str().map(Arc::<str>::from);
    value
        .as_array()
        .map(|list| {
            list.iter()
                .map(|t| Transfer {
                    kind: if t["kind"] == "attended" {
                        TransferKind::Attended
                    } else {
                        TransferKind::Blind
                    },
                    by: text(&t["by"]),
                    target: text(&t["target"]),
                    at: from_ms(t["at_ms"].as_i64().unwrap_or(0)),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn source_from_text(text: Option<&str>) -> Source {
    match text {
        Some("sip") => Source::Sip,
        Some("websocket") => Source::WebSocket,
        _ => Source::Ami,
    }
}

fn end_reason_to_text(reason: EndReason) -> &'static str {
    match reason {
        EndReason::Hangup => "hangup",
        EndReason::EndedWhileDisconnected => "ended_while_disconnected",
        EndReason::Expired => "expired",
        EndReason::Evicted => "evicted",
        EndReason::AttendedTransfer => "attended_transfer",
    }
}

fn end_reason_from_text(text: Option<&str>) -> EndReason {
    match text {
        Some("ended_while_disconnected") => EndReason::EndedWhileDisconnected,
        Some("expired") => EndReason::Expired,
        Some("evicted") => EndReason::Evicted,
        Some("attended_transfer") => EndReason::AttendedTransfer,
        _ => EndReason::Hangup,
    }
}

impl SqliteHistory {
    /// Opens (creating or upgrading if needed) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteHistory, SqliteHistoryError> {
        SqliteHistory::with_connection(Connection::open(path)?)
    }

    /// A database in memory, gone when dropped.
    pub fn in_memory() -> Result<SqliteHistory, SqliteHistoryError> {
        SqliteHistory::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(conn: Connection) -> Result<SqliteHistory, SqliteHistoryError> {
        conn.execute_batch(SCHEMA)?;
        let existing: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('calls')")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        for (column, sql_type) in ADDED_COLUMNS {
            if !existing.iter().any(|c| c == column) {
                conn.execute_batch(&format!("ALTER TABLE calls ADD COLUMN {column} {sql_type}"))?;
            }
        }
        Ok(SqliteHistory { conn })
    }

    /// Deletes records of calls started before `cutoff`; returns how many went.
    pub fn prune_before(&mut self, cutoff: SystemTime) -> Result<usize, SqliteHistoryError> {
        Ok(self
            .conn
            .execute("DELETE FROM calls WHERE started_ms < ?1", [to_ms(cutoff)])?)
    }

    fn read_row(row: &Row<'_>) -> rusqlite::Result<CompletedCall> {
        let direction: String = row.get("direction")?;
        let disposition: String = row.get("disposition")?;
        let cause: Option<i64> = row.get("cause")?;
        let answered: Option<i64> = row.get("answered_ms")?;
        let source: Option<String> = row.get("source")?;
        let end_reason: Option<String> = row.get("end_reason")?;
        let millis = |name: &str| -> rusqlite::Result<Duration> {
            let v: i64 = row.get(name)?;
            Ok(Duration::from_millis(u64::try_from(v).unwrap_or(0)))
        };
        Ok(CompletedCall {
            call_id: row.get("call_id")?,
            source: source_from_text(source.as_deref()),
            direction: match direction.as_str() {
                "inbound" => Direction::Inbound,
                "outbound" => Direction::Outbound,
                _ => Direction::Internal,
            },
            src: row.get("src")?,
            dst: row.get("dst")?,
            from_name: row.get("from_name")?,
            answered_by: row.get("answered_by")?,
            connected_to: row.get("connected_to")?,
            final_destination: row.get("final_destination")?,
            transfers: transfers_from_text(row.get("transfers")?),
            queue: row.get("queue")?,
            extension: row.get("extension")?,
            external_number: row.get("external_number")?,
            disposition: Disposition::parse(&disposition),
            started_at: from_ms(row.get("started_ms")?),
            answered_at: answered.map(from_ms),
            ended_at: from_ms(row.get("ended_ms")?),
            duration: millis("duration_ms")?,
            billsec: millis("billsec_ms")?,
            cause: cause.and_then(|c| u16::try_from(c).ok()),
            cause_text: row.get("cause_text")?,
            end_reason: end_reason_from_text(end_reason.as_deref()),
            recording: row.get("recording")?,
            has_cdr: row.get::<_, i64>("has_cdr")? != 0,
        })
    }
}

impl CallHistory for SqliteHistory {
    type Error = SqliteHistoryError;

    fn record(&mut self, c: CompletedCall) -> Result<(), Self::Error> {
        self.conn.execute(
            "INSERT INTO calls (call_id, direction, src, dst, from_name, answered_by, extension,
             external_number, disposition, started_ms, answered_ms, ended_ms, duration_ms,
             billsec_ms, cause, cause_text, recording, has_cdr, source, connected_to,
             final_destination, transfers, queue, end_reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
            rusqlite::params![
                c.call_id,
                c.direction.as_str(),
                c.src,
                c.dst,
                c.from_name,
                c.answered_by,
                c.extension,
                c.external_number,
                c.disposition.as_str(),
                to_ms(c.started_at),
                c.answered_at.map(to_ms),
                to_ms(c.ended_at),
                dur_ms(c.duration),
                dur_ms(c.billsec),
                c.cause,
                c.cause_text,
                c.recording,
                c.has_cdr,
                c.source.as_str(),
                c.connected_to,
                c.final_destination,
                transfers_to_text(&c.transfers),
                c.queue,
                end_reason_to_text(c.end_reason),
            ],
        )?;
        Ok(())
    }

    fn query(&self, q: &HistoryQuery) -> Result<Vec<CompletedCall>, Self::Error> {
        let mut sql = String::from("SELECT * FROM calls WHERE 1=1");
        let mut args: Vec<Value> = Vec::new();
        if let Some(since) = q.since {
            args.push(Value::Integer(to_ms(since)));
            sql.push_str(&format!(" AND started_ms >= ?{}", args.len()));
        }
        if let Some(until) = q.until {
            args.push(Value::Integer(to_ms(until)));
            sql.push_str(&format!(" AND started_ms < ?{}", args.len()));
        }
        if let Some(ext) = &q.extension {
            args.push(Value::Text(ext.clone()));
            let n = args.len();
            sql.push_str(&format!(
                " AND (extension = ?{n} OR src = ?{n} OR dst = ?{n} OR answered_by = ?{n} \
                 OR connected_to = ?{n} OR final_destination = ?{n} \
                 OR instr(coalesce(transfers, ''), '\"target\":\"' || ?{n} || '\"') > 0)"
            ));
        }
        if let Some(num) = &q.number {
            args.push(Value::Text(num.clone()));
            let n = args.len();
            sql.push_str(&format!(
                " AND (src = ?{n} OR dst = ?{n} OR external_number = ?{n} OR answered_by = ?{n} \
                 OR connected_to = ?{n} OR final_destination = ?{n})"
            ));
        }
        args.push(Value::Integer(i64::try_from(q.limit).unwrap_or(i64::MAX)));
        sql.push_str(&format!(
            " ORDER BY started_ms DESC, id DESC LIMIT ?{}",
            args.len()
        ));
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), SqliteHistory::read_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}
