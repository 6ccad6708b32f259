//! Deterministic random scenarios for property tests: a seeded [`fastrand::Rng`] draws one of
//! the scripted call flows the simulator knows, with random timings.
//!
//! The scripts use extensions `1001`–`1003` (all three registered, see
//! [`generator_config`]), `1004` (configured but not registered), `2002` (dials 1002),
//! `5000` (queue `support`: 1002, 1003), `6000` (conference), `600`/`700` (echo, playback).

use std::time::Duration;

use super::config::{Dialect, SimConfig};
use super::script::{CallScript, CallStep, Party};

/// The simulator setup the generated scripts expect: the recorded PBX with `1001`–`1003`
/// registered and `1004` configured but unregistered.
pub fn generator_config(dialect: Dialect) -> SimConfig {
    SimConfig::new(dialect)
        .with_extensions(&["1001", "1002", "1003", "1004"], &["1001", "1002", "1003"])
}

/// One drawn scenario: a name and the scripts to play together (more than one for a
/// conference).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GeneratedScenario {
    /// What was drawn (`answered`, `blind_transfer`, `queue_abandoned`, …).
    pub name: &'static str,
    /// The scripts, each started at the same instant.
    pub scripts: Vec<CallScript>,
}

/// Every scenario name [`random_scenario`] can draw.
pub const SCENARIOS: &[&str] = &[
    "answered",
    "busy",
    "cancelled",
    "no_answer",
    "unregistered",
    "application",
    "hold",
    "blind_transfer",
    "attended_transfer",
    "queue_answered",
    "queue_abandoned",
    "queue_retry",
    "conference",
    "redirect",
];

fn ms(rng: &mut fastrand::Rng, lo: u64, hi: u64) -> Duration {
    Duration::from_millis(rng.u64(lo..=hi))
}

fn party(rng: &mut fastrand::Rng) -> Party {
    if rng.bool() {
        Party::Caller
    } else {
        Party::Callee
    }
}

fn hangup(p: Party) -> CallStep {
    match p {
        Party::Caller => CallStep::CallerHangup,
        Party::Callee => CallStep::CalleeHangup,
    }
}

/// Draws one scenario. The same seed gives the same scenarios in the same order; both
/// dialects accept every scenario (the dialect only picks details the dialects do differently).
pub fn random_scenario(rng: &mut fastrand::Rng, dialect: Dialect) -> GeneratedScenario {
    let _ = dialect;
    let name = SCENARIOS[rng.usize(..SCENARIOS.len())];
    let callers = ["1001", "1002", "1003"];
    let from = callers[rng.usize(..callers.len())];
    let others: Vec<&str> = callers.iter().copied().filter(|c| *c != from).collect();
    let to = others[rng.usize(..others.len())];
    let third = others.iter().copied().find(|c| *c != to).unwrap_or(to);
    let ring = ms(rng, 50, 3000);
    let talk = ms(rng, 100, 8000);
    let scripts = match name {
        "answered" => vec![
            CallScript::new(from, to)
                .then(ring, CallStep::Answer)
                .then(talk, hangup(party(rng))),
        ],
        "busy" => vec![CallScript::busy(from, to)],
        "cancelled" => vec![CallScript::cancelled(from, to, ring)],
        "no_answer" => vec![CallScript::no_answer(from, to, ring)],
        "unregistered" => vec![CallScript::new(from, "1004")],
        "application" => {
            let app = if rng.bool() { "600" } else { "700" };
            vec![CallScript::new(from, app).then(talk, CallStep::CallerHangup)]
        }
        "hold" => {
            let p = party(rng);
            vec![
                CallScript::new(from, to)
                    .then(ring, CallStep::Answer)
                    .then(ms(rng, 50, 2000), CallStep::Hold(p))
                    .then(ms(rng, 50, 2000), CallStep::Unhold(p))
                    .then(talk, hangup(party(rng))),
            ]
        }
        "blind_transfer" => {
            let then = hangup(party(rng));
            vec![
                CallScript::new(from, to)
                    .then(ring, CallStep::Answer)
                    .then(
                        talk,
                        CallStep::BlindTransfer {
                            by: Party::Callee,
                            to: third.into(),
                        },
                    )
                    .then(ms(rng, 50, 3000), CallStep::Answer)
                    .then(ms(rng, 100, 5000), then),
            ]
        }
        "attended_transfer" => {
            // Through the alias number when 1002 is the one transferring from 1001.
            let (dialled, target) = if from == "1001" && to == "1002" {
                ("2002", "1003")
            } else {
                (to, third)
            };
            let then = hangup(party(rng));
            vec![
                CallScript::new(from, dialled)
                    .then(ring, CallStep::Answer)
                    .then(
                        talk,
                        CallStep::AttendedTransfer {
                            by: Party::Callee,
                            to: target.into(),
                        },
                    )
                    .then(ms(rng, 50, 3000), CallStep::Answer)
                    .then(ms(rng, 50, 3000), CallStep::CompleteTransfer)
                    .then(ms(rng, 100, 5000), then),
            ]
        }
        "queue_answered" => vec![CallScript::queue_answered(
            "1001",
            "5000",
            ring,
            talk,
            party(rng),
        )],
        "queue_abandoned" => vec![CallScript::queue_abandoned("1001", "5000", ring)],
        "queue_retry" => vec![
            CallScript::new("1001", "5000")
                .then(ring, CallStep::NoAnswer)
                .then(ms(rng, 50, 2000), CallStep::Answer)
                .then(talk, hangup(party(rng))),
        ],
        "conference" => {
            let n = 2 + rng.usize(..2);
            callers
                .iter()
                .take(n)
                .map(|c| CallScript::conference(c, "6000", ms(rng, 500, 8000)))
                .collect()
        }
        _ => {
            // "redirect": the caller is redirected to an application.
            let app = if rng.bool() { "600" } else { "700" };
            vec![
                CallScript::new(from, to)
                    .then(ring, CallStep::Answer)
                    .then(
                        talk,
                        CallStep::Redirect {
                            party: Party::Caller,
                            to: app.into(),
                        },
                    )
                    .then(ms(rng, 100, 4000), CallStep::CallerHangup),
            ]
        }
    };
    GeneratedScenario { name, scripts }
}

/// Draws `n` scenarios in a row (see [`random_scenario`]).
pub fn random_scenarios(
    rng: &mut fastrand::Rng,
    dialect: Dialect,
    n: usize,
) -> Vec<GeneratedScenario> {
    (0..n).map(|_| random_scenario(rng, dialect)).collect()
}
