//! The facade's joined active-call table (`yeastar_core::join::CallJoiner`) fed arbitrary
//! sequences of AMI and SIP call events (ids, legs and states from small sets, so calls
//! collide, join, end, come back late), Call-ID facts and failed queries, under small limits.
//! Asserts: the tables stay within their limits, at most `max_pending_queries` queries are
//! asked for at once, every call event handed on names a call that was active or has just
//! ended, a `Joined` names an active call, queries are only for our extensions' legs.
#![no_main]

use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use yeastar_core::calls::{Call, CallEvent, CallLeg, CallState, LegState, Source};
use yeastar_core::join::{CallJoiner, JoinLimits, JoinOutput};

#[derive(Arbitrary, Debug)]
enum Op {
    Ami {
        call: u8,
        legs: Vec<u8>,
        state: u8,
    },
    Sip {
        call: u8,
        websocket: bool,
        state: u8,
    },
    CallId {
        leg: u8,
        call: u8,
        empty: bool,
    },
    QueryFailed {
        leg: u8,
    },
}

#[derive(Arbitrary, Debug)]
struct Input {
    max_calls: u8,
    max_remembered: u8,
    max_pending: u8,
    ops: Vec<Op>,
}

const STATES: [CallState; 5] = [
    CallState::Ringing,
    CallState::Answered,
    CallState::OnHold,
    CallState::Transferred,
    CallState::Ended,
];

fn at(i: usize) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000 + i as u64)
}

fn event(call: Call, i: usize) -> CallEvent {
    let at = at(i);
    match call.state {
        CallState::Ended => CallEvent::Ended {
            call: Box::new(call),
            cause: Some(16),
            cause_text: None,
            duration: Duration::ZERO,
            billsec: Duration::ZERO,
            at,
        },
        CallState::Answered => CallEvent::Answered {
            call: Box::new(call),
            at,
        },
        CallState::OnHold => CallEvent::Held {
            call: Box::new(call),
            at,
        },
        CallState::Transferred => CallEvent::Transferred {
            call: Box::new(call),
            target: None,
            at,
        },
        _ => CallEvent::Ringing {
            call: Box::new(call),
            at,
        },
    }
}

fuzz_target!(|input: Input| {
    let mut limits = JoinLimits::default();
    limits.max_calls = usize::from(input.max_calls % 16).max(1);
    limits.max_remembered_ids = usize::from(input.max_remembered % 16).max(1);
    limits.max_pending_queries = usize::from(input.max_pending % 8);
    let mut j = CallJoiner::new(limits);
    j.set_extensions(["1001", "1003"]);
    for (i, op) in input.ops.into_iter().take(512).enumerate() {
        let before: HashSet<String> = j.calls().iter().map(|c| c.call.id.to_string()).collect();
        let mut ended_now = None;
        match op {
            Op::Ami { call, legs, state } => {
                let mut c = Call::new(format!("17.{}", call % 8), Source::Ami, at(0));
                c.state = STATES[usize::from(state) % STATES.len()];
                c.legs = legs
                    .iter()
                    .take(6)
                    .map(|l| {
                        let ext = ["1001", "1002", "1003"][usize::from(l % 3)];
                        CallLeg::new(
                            format!("u{}", l % 12),
                            format!("PJSIP/{ext}-{l:08}"),
                            LegState::Up,
                        )
                    })
                    .collect();
                if c.state == CallState::Ended {
                    ended_now = Some(c.id.to_string());
                }
                j.handle_call_event(event(c, i));
            }
            Op::Sip {
                call,
                websocket,
                state,
            } => {
                let source = if websocket {
                    Source::WebSocket
                } else {
                    Source::Sip
                };
                let mut c = Call::new(format!("cid{}@ua", call % 8), source, at(0));
                c.state = STATES[usize::from(state) % STATES.len()];
                if c.state == CallState::Ended {
                    ended_now = Some(c.id.to_string());
                }
                j.handle_call_event(event(c, i));
            }
            Op::CallId { leg, call, empty } => {
                let leg = format!("u{}", leg % 12);
                let id = if empty {
                    String::new()
                } else {
                    format!("cid{}@ua", call % 8)
                };
                j.handle_call_id(&leg, &id, at(i));
            }
            Op::QueryFailed { leg } => {
                let leg = format!("u{}", leg % 12);
                j.handle_query_failed(&leg);
            }
        }
        let after: HashSet<String> = j.calls().iter().map(|c| c.call.id.to_string()).collect();
        let mut queries = 0;
        while let Some(output) = j.poll_output() {
            match output {
                JoinOutput::Call { event, .. } => {
                    let id = event.call().id.to_string();
                    assert!(
                        after.contains(&id) || before.contains(&id) || ended_now.is_some(),
                        "event for unknown call {id}"
                    );
                }
                JoinOutput::Joined { call, .. } => {
                    assert!(after.contains(&*call.id), "joined into a call that is gone");
                }
                JoinOutput::Query(q) => {
                    queries += 1;
                    assert!(
                        q.channel.starts_with("PJSIP/1001-")
                            || q.channel.starts_with("PJSIP/1003-"),
                        "{q:?}"
                    );
                }
                _ => {}
            }
        }
        assert!(
            queries <= limits.max_pending_queries,
            "{queries} queries at once"
        );
        assert!(j.len() <= limits.max_calls);
        let _ = j.stats();
    }
});
