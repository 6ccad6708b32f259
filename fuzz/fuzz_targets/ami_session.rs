//! The sans-IO AMI session fed arbitrary server bytes, in arbitrary chunks, with actions and
//! clock ticks in between.
//!
//! Checks: no panic; every reply names an action that was sent and comes once; the pending
//! table stays within its bound; after a disconnect every action has had exactly one answer.
#![no_main]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use yeastar_ami::Action;
use yeastar_ami::session::{AmiSession, AuthMethod, SessionConfig, SessionEvent};

const MAX_PENDING: usize = 8;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, stream)) = data.split_first() else {
        return;
    };
    let mut config = SessionConfig::new("ami_user", "ami_password");
    config.auth = match flags & 3 {
        0 => AuthMethod::Plain,
        1 => AuthMethod::Md5,
        _ => AuthMethod::Auto,
    };
    config.max_pending = MAX_PENDING;
    config.max_list_items = 16;
    config.action_timeout = Duration::from_millis(500);
    config.ping_interval = Some(Duration::from_millis(300));
    config.limits.max_frame_size = 2048;
    let chunk = usize::from(flags >> 2).max(1);
    let mut session = AmiSession::new(config);
    let start = Instant::now();
    let mut now = start;
    let mut sent: HashSet<String> = HashSet::new();
    let mut answered: HashSet<String> = HashSet::new();
    let actions = [
        Action::new("Ping"),
        Action::new("CoreShowChannels"),
        Action::new("Status"),
        Action::new("Command").field("Command", "core show version"),
        Action::new("Originate")
            .field("Channel", "PJSIP/1001")
            .field("Exten", "1002")
            .field("Async", "true"),
    ];
    let drain =
        |session: &mut AmiSession, answered: &mut HashSet<String>, sent: &HashSet<String>| {
            while session.poll_transmit().is_some() {}
            while let Some(event) = session.poll_event() {
                if let SessionEvent::Reply { action_id, .. } = event {
                    assert!(
                        sent.contains(&action_id),
                        "reply for an action never sent: {action_id}"
                    );
                    assert!(
                        answered.insert(action_id.clone()),
                        "second reply for {action_id}"
                    );
                }
            }
            assert!(session.pending_count() <= MAX_PENDING);
        };
    for (i, part) in stream.chunks(chunk).enumerate() {
        session.handle_input(part, now);
        drain(&mut session, &mut answered, &sent);
        if i % 3 == 0 {
            let action = actions[i / 3 % actions.len()].clone();
            if let Ok(id) = session.send(action, now) {
                sent.insert(id);
            }
            drain(&mut session, &mut answered, &sent);
        }
        now += Duration::from_millis(u64::from(part[0] % 64) * 10);
        if session.poll_timeout().is_some_and(|t| t <= now) {
            session.handle_timeout(now);
            drain(&mut session, &mut answered, &sent);
        }
    }
    session.handle_disconnect();
    drain(&mut session, &mut answered, &sent);
    assert_eq!(
        answered, sent,
        "every action answered once after the disconnect"
    );
});
