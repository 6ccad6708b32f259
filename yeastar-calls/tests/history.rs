//! History stores: the in-memory ring and SQLite answer queries alike.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use yeastar_calls::{
    Call, CallHistory, CompletedCall, Disposition, HistoryQuery, MemoryHistory, Source, Transfer,
    TransferKind,
};

fn t(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
}

fn record(id: &str, start: u64, src: &str, dst: &str) -> CompletedCall {
    let mut call = Call::new(id, Source::Ami, t(start));
    call.from_number = Some(src.into());
    call.dialled = Some(dst.into());
    call.to = Some(dst.into());
    call.extension = Some(src.into());
    call.note_answer(Some(dst.into()), t(start + 1));
    call.ended_at = Some(t(start + 10));
    call.hangup_cause = Some(16);
    call.hangup_cause_text = Some("Normal Clearing".into());
    let mut done = CompletedCall::from_call(
        &call,
        Disposition::Answered,
        Duration::from_secs(10),
        Duration::from_secs(9),
    );
    done.has_cdr = true;
    done
}

fn query(edit: impl FnOnce(&mut HistoryQuery)) -> HistoryQuery {
    let mut q = HistoryQuery::default();
    edit(&mut q);
    q
}

fn check_history<H: CallHistory>(h: &mut H) {
    h.record(record("a", 0, "1001", "1002")).unwrap();
    h.record(record("b", 100, "1002", "0612345678")).unwrap();
    let mut transferred = record("c", 200, "1003", "1001");
    transferred.transfers.push(Transfer {
        kind: TransferKind::Blind,
        by: Some("1001".into()),
        target: Some("1004".into()),
        at: t(205),
    });
    transferred.connected_to = Some("1004".into());
    transferred.final_destination = Some("1004".into());
    h.record(transferred.clone()).unwrap();
    let all = h.query(&HistoryQuery::default()).unwrap();
    let ids: Vec<&str> = all.iter().map(|c| c.call_id.as_str()).collect();
    assert_eq!(ids, ["c", "b", "a"]);
    assert_eq!(all[2], record("a", 0, "1001", "1002"));
    assert_eq!(all[0], transferred);
    let q = query(|q| {
        q.since = Some(t(50));
        q.until = Some(t(200));
    });
    assert_eq!(h.query(&q).unwrap()[0].call_id, "b");
    let q = query(|q| q.extension = Some("1001".into()));
    assert_eq!(h.query(&q).unwrap().len(), 2);
    // A transfer's target is involved in the call.
    let q = query(|q| q.extension = Some("1004".into()));
    assert_eq!(h.query(&q).unwrap().len(), 1);
    let q = query(|q| {
        q.number = Some("0612345678".into());
        q.limit = 5;
    });
    assert_eq!(h.query(&q).unwrap().len(), 1);
    let q = query(|q| q.limit = 1);
    assert_eq!(h.query(&q).unwrap().len(), 1);
}

#[test]
fn memory_history_is_a_bounded_ring() {
    let mut h = MemoryHistory::default();
    check_history(&mut h);
    let mut small = MemoryHistory::with_capacity(2);
    for i in 0..5 {
        small
            .record(record(&i.to_string(), i, "1001", "1002"))
            .unwrap();
    }
    let ids: Vec<&str> = small.iter().map(|c| c.call_id.as_str()).collect();
    assert_eq!(ids, ["3", "4"]);
}

#[test]
fn records_serialize_with_readable_times() {
    let done = serde_json::to_value(record("r", 0, "1001", "1002")).unwrap();
    assert_eq!(done["duration_s"], 10);
    assert_eq!(done["billsec_s"], 9);
    assert_eq!(done["disposition"], "answered");
    assert_eq!(done["source"], "ami");
    assert_eq!(done["ended_at"], "2027-01-15T08:00:10.000Z");
    assert_eq!(done["transfers"], serde_json::json!([]));
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_history_persists_and_queries() {
    use yeastar_calls::SqliteHistory;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls.db");
    {
        let mut h = SqliteHistory::open(&path).unwrap();
        check_history(&mut h);
    }
    let mut h = SqliteHistory::open(&path).unwrap();
    assert_eq!(h.query(&HistoryQuery::default()).unwrap().len(), 3);
    assert_eq!(h.prune_before(t(150)).unwrap(), 2);
    assert_eq!(h.query(&HistoryQuery::default()).unwrap().len(), 1);
    let mut mem = SqliteHistory::in_memory().unwrap();
    check_history(&mut mem);
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_databases_of_the_first_schema_are_upgraded() {
    use yeastar_calls::SqliteHistory;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE calls (
                id INTEGER PRIMARY KEY, call_id TEXT NOT NULL, direction TEXT NOT NULL,
                src TEXT, dst TEXT, from_name TEXT, answered_by TEXT,
                extension TEXT, external_number TEXT, disposition TEXT NOT NULL,
                started_ms INTEGER NOT NULL, answered_ms INTEGER, ended_ms INTEGER NOT NULL,
                duration_ms INTEGER NOT NULL, billsec_ms INTEGER NOT NULL,
                cause INTEGER, cause_text TEXT, recording TEXT, has_cdr INTEGER NOT NULL);
             INSERT INTO calls (call_id, direction, src, dst, disposition, started_ms, ended_ms,
                duration_ms, billsec_ms, has_cdr)
             VALUES ('old', 'internal', '1001', '1002', 'ANSWERED', 1000, 5000, 4000, 3000, 1);",
        )
        .unwrap();
    }
    let mut h = SqliteHistory::open(&path).unwrap();
    let old = h.query(&HistoryQuery::default()).unwrap();
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].call_id, "old");
    assert!(old[0].transfers.is_empty());
    assert_eq!(old[0].source, Source::Ami);
    h.record(record("new", 0, "1001", "1002")).unwrap();
    assert_eq!(h.query(&HistoryQuery::default()).unwrap().len(), 2);
}
