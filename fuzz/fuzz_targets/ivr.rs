//! The IVR of `pjsip-service` (`yeastar_examples::pjsip::ivr`), fed arbitrary digits, prompt
//! ends, transfer failures and clock advances.
//!
//! Invariants:
//! - no panic; at most `MAX_PENDING_ACTIONS` actions wait after any input;
//! - after `handle_timeout(now)` nothing is left due at or before `now`;
//! - echo and message start and stop in turn (never two starts, never a stop without a start);
//! - a transfer only with an operator, and to it; a hang-up at most once, and nothing after it.
#![no_main]

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use yeastar_examples::pjsip::ivr::{Ivr, IvrAction, IvrConfig, IvrState, MAX_PENDING_ACTIONS};

#[derive(Debug, Arbitrary)]
enum Op {
    Digit(u8),
    PromptFinished,
    Advance(u16),
    Timeout,
    TransferFailed,
}

#[derive(Debug, Arbitrary)]
struct Input {
    operator: bool,
    repeats: u8,
    menu_ms: u16,
    ops: Vec<Op>,
}

const DIGITS: &[u8] = b"0123456789*#ABCD";

fuzz_target!(|input: Input| {
    let mut config = IvrConfig::new(input.operator.then(|| "1000".to_owned()));
    config.max_menu_repeats = u32::from(input.repeats % 5).max(1);
    config.menu_timeout = Duration::from_millis(u64::from(input.menu_ms).max(1));
    let mut now = Instant::now();
    let mut ivr = Ivr::new(config);
    let (mut echo, mut message, mut hung_up) = (false, false, false);
    for op in input.ops.iter().take(512) {
        match op {
            Op::Digit(d) => ivr.on_digit(char::from(DIGITS[usize::from(*d) % DIGITS.len()]), now),
            Op::PromptFinished => ivr.on_prompt_finished(now),
            Op::Advance(ms) => now += Duration::from_millis(u64::from(*ms)),
            Op::Timeout => {
                ivr.handle_timeout(now);
                assert!(ivr.poll_timeout().is_none_or(|t| t > now), "left due");
            }
            Op::TransferFailed => ivr.on_transfer_failed(now),
        }
        let mut n = 0;
        while let Some(action) = ivr.poll_action() {
            n += 1;
            assert!(n <= MAX_PENDING_ACTIONS);
            assert!(!hung_up, "{action:?} after the hang-up");
            match action {
                IvrAction::StartEcho => {
                    assert!(!echo);
                    echo = true;
                }
                IvrAction::StopEcho => {
                    assert!(echo);
                    echo = false;
                }
                IvrAction::StartMessage => {
                    assert!(!message);
                    message = true;
                }
                IvrAction::StopMessage => {
                    assert!(message);
                    message = false;
                }
                IvrAction::Transfer(target) => {
                    assert!(input.operator);
                    assert_eq!(target, "1000");
                }
                IvrAction::Hangup => {
                    hung_up = true;
                    assert_eq!(ivr.state(), IvrState::Done);
                }
                _ => {}
            }
        }
        assert_eq!(echo, ivr.state() == IvrState::Echo);
        assert_eq!(message, ivr.state() == IvrState::Recording);
    }
});
