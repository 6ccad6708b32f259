//! The call model against the simulated PBX's ground truth: random call scripts of every kind
//! (answered, busy, cancelled, transfers, queues, conferences, redirects…) are played in both
//! dialects, and the history records the monitor produces must tell each call as the PBX
//! knows it happened: parties, transfers, cause, outcome, talk time — one record per call and
//! none for calls that never existed.
#![cfg(feature = "sim")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pair;

use std::time::Duration;

use pair::{Pair, monitor_config};
use yeastar_ami::calls::{CompletedCall, Disposition, EndReason, TransferKind};
use yeastar_ami::monitor::AmiEvent;
use yeastar_ami::sim::generate::{generator_config, random_scenario};
use yeastar_ami::sim::{CallOutcome, Dialect, FinishedCall, TransferKind as SimTransfer};

const S: Duration = Duration::from_secs(1);

fn is_phone(number: &str) -> bool {
    matches!(number, "1001" | "1002" | "1003" | "1004")
}

fn expected_disposition(outcome: CallOutcome) -> Disposition {
    match outcome {
        CallOutcome::Answered => Disposition::Answered,
        CallOutcome::Busy => Disposition::Busy,
        CallOutcome::NoAnswer | CallOutcome::Cancelled => Disposition::NoAnswer,
        CallOutcome::Abandoned => Disposition::Abandoned,
        _ => Disposition::Failed,
    }
}

/// The cause the model documents: the calling leg's, unless it is 0; then the first leg that
/// hung up with one.
fn expected_cause(truth: &FinishedCall) -> Option<u16> {
    let caller = truth
        .hangups
        .iter()
        .find(|h| h.extension == truth.caller)
        .map(|h| h.cause);
    match caller {
        Some(c) if c != 0 => Some(c),
        _ => truth
            .hangups
            .iter()
            .map(|h| h.cause)
            .find(|c| *c != 0)
            .or(caller),
    }
}

/// Compares one record with the truth; `Err` says what differs.
fn check(truth: &FinishedCall, done: &CompletedCall) -> Result<(), String> {
    let mut wrong = Vec::new();
    let mut eq = |what: &str, ours: String, theirs: String| {
        if ours != theirs {
            wrong.push(format!("{what}: ours {ours}, truth {theirs}"));
        }
    };
    eq(
        "caller",
        format!("{:?}", done.src.as_deref()),
        format!("{:?}", Some(truth.caller.as_str())),
    );
    eq(
        "dialled",
        format!("{:?}", done.dst.as_deref()),
        format!("{:?}", Some(truth.dialled.as_str())),
    );
    let phone = |p: &Option<String>| p.clone().filter(|p| is_phone(p));
    eq(
        "first answerer",
        format!("{:?}", phone(&done.answered_by)),
        format!("{:?}", phone(&truth.first_answerer)),
    );
    if !truth.transfers.is_empty() {
        eq(
            "connected to",
            format!("{:?}", phone(&done.connected_to)),
            format!("{:?}", phone(&truth.connected)),
        );
    }
    let ours: Vec<(TransferKind, Option<&str>)> = done
        .transfers
        .iter()
        .map(|t| (t.kind, t.target.as_deref()))
        .collect();
    let theirs: Vec<(TransferKind, Option<&str>)> = truth
        .transfers
        .iter()
        .map(|t| {
            let kind = match t.kind {
                SimTransfer::Attended => TransferKind::Attended,
                _ => TransferKind::Blind,
            };
            (kind, Some(t.target.as_str()))
        })
        .collect();
    eq("transfers", format!("{ours:?}"), format!("{theirs:?}"));
    eq(
        "disposition",
        format!("{:?}", done.disposition),
        format!("{:?}", expected_disposition(truth.outcome)),
    );
    eq(
        "cause",
        format!("{:?}", done.cause),
        format!("{:?}", expected_cause(truth)),
    );
    eq(
        "queue",
        format!("{:?}", done.queue),
        format!("{:?}", truth.queue),
    );
    let whole = truth.ended.duration_since(truth.started);
    if done.duration.abs_diff(whole) > S {
        wrong.push(format!(
            "duration: ours {:?}, truth {whole:?}",
            done.duration
        ));
    }
    match truth.outcome {
        CallOutcome::Answered if truth.queue.is_some() => {
            // Talk time runs from the agent's answer, after the wait in the queue.
            if done.billsec > truth.talk_time + S || done.billsec.is_zero() {
                wrong.push(format!(
                    "talk time: ours {:?}, truth (from the PBX's answer) {:?}",
                    done.billsec, truth.talk_time
                ));
            }
        }
        CallOutcome::Answered => {
            if done.billsec.abs_diff(truth.talk_time) > S {
                wrong.push(format!(
                    "talk time: ours {:?}, truth {:?}",
                    done.billsec, truth.talk_time
                ));
            }
        }
        _ => {
            if !done.billsec.is_zero() {
                wrong.push(format!(
                    "talk time {:?} on an unanswered call",
                    done.billsec
                ));
            }
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.join("; "))
    }
}

/// Plays `rounds` random scenarios one after the other; every mismatch, with its scenario.
fn run(dialect: Dialect, seed: u64, rounds: usize) -> Vec<String> {
    let mut pair = Pair::with_monitor(generator_config(dialect), monitor_config());
    pair.run_until(10 * S, |e| matches!(e, AmiEvent::Synced(_)))
        .expect("logged in");
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut failures = Vec::new();
    for round in 0..rounds {
        let scenario = random_scenario(&mut rng, dialect);
        let seen = pair.events.len();
        for script in &scenario.scripts {
            let now = pair.now;
            pair.pbx.play(script.clone(), now).unwrap();
        }
        // Long enough for the longest script, then for the records to be released.
        pair.run_for(60 * S);
        let mut truths: Vec<FinishedCall> =
            std::iter::from_fn(|| pair.pbx.poll_finished()).collect();
        let mut records: Vec<CompletedCall> = pair.events[seen..]
            .iter()
            .filter_map(|e| match e {
                AmiEvent::Completed(c) => Some((**c).clone()),
                _ => None,
            })
            .collect();
        let label = format!("{dialect:?} seed {seed} round {round} {}", scenario.name);
        // A legacy phone places its consultation as a call of its own: it is recorded as one,
        // naming both parties, and ends when the transfer joins its parties to the call.
        let (consultations, calls): (Vec<_>, Vec<_>) = records
            .into_iter()
            .partition(|r| r.end_reason == EndReason::AttendedTransfer);
        records = calls;
        for c in &consultations {
            let named = c.src.as_deref().is_some_and(is_phone)
                && c.dst.as_deref().is_some_and(is_phone)
                && c.answered_by.is_some();
            if !named || scenario.name != "attended_transfer" || dialect != Dialect::Legacy {
                failures.push(format!("{label}: unexpected consultation record {c:#?}"));
            }
        }
        if records.len() != truths.len() {
            failures.push(format!(
                "{label}: {} records for {} calls: {records:#?}",
                records.len(),
                truths.len()
            ));
            continue;
        }
        truths.sort_by(|a, b| (a.started, &a.caller).cmp(&(b.started, &b.caller)));
        records.sort_by(|a, b| (a.started_at, &a.src).cmp(&(b.started_at, &b.src)));
        for (truth, done) in truths.iter().zip(&records) {
            if let Err(e) = check(truth, done) {
                failures.push(format!("{label}: {e}"));
            }
        }
        assert_eq!(
            pair.monitor.tracker().unwrap().active_calls(),
            0,
            "{label}: calls left open"
        );
    }
    failures
}

#[test]
fn random_calls_of_every_kind_are_recorded_as_they_happened() {
    let mut failures = Vec::new();
    for dialect in [Dialect::Modern, Dialect::Legacy] {
        for seed in 1..=6 {
            failures.extend(run(dialect, seed, 25));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
