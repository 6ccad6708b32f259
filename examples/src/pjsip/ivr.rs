//! The IVR of `pjsip-service` as a sans-IO state machine: digits, the end of prompts and time
//! go in ([`Ivr::on_digit`], [`Ivr::on_prompt_finished`], [`Ivr::handle_timeout`],
//! [`Ivr::on_transfer_failed`]); what to do comes out ([`Ivr::poll_action`]), and when to call
//! again ([`Ivr::poll_timeout`]). It plays no audio and knows no call: the driver plays the
//! prompt an action names, echoes or records the caller's audio, transfers or hangs up.
//!
//! The menu: a greeting, then the menu prompt; `1` an echo test (your voice comes back; `#` or
//! `*` returns to the menu), `2` records a message (after a beep; `#` ends it), `0` transfers to
//! the operator (when one is configured). A digit during a menu prompt cuts it short. After
//! [`IvrConfig::max_menu_repeats`] menus without an answer the IVR says goodbye and hangs up.
//!
//! Run-loop contract: after every input drain [`Ivr::poll_action`] until `None`, then wait for
//! the next input or [`Ivr::poll_timeout`].

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Default wait for a digit after the menu prompt.
pub const DEFAULT_MENU_TIMEOUT: Duration = Duration::from_secs(6);
/// Default number of menus played without an answer before goodbye.
pub const DEFAULT_MAX_MENU_REPEATS: u32 = 3;
/// Default longest echo test.
pub const DEFAULT_MAX_ECHO: Duration = Duration::from_secs(60);
/// Default longest message.
pub const DEFAULT_MAX_MESSAGE: Duration = Duration::from_secs(120);
/// Most actions waiting to be polled; one input queues at most three.
pub const MAX_PENDING_ACTIONS: usize = 8;

/// The IVR's prompts; a service maps each to a WAV file or a tone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PromptId {
    /// Played once when the call is answered (`greeting.wav`).
    Greeting,
    /// The menu: 1 echo, 2 message, 0 operator (`menu.wav`).
    Menu,
    /// Before the echo test (`echo.wav`).
    EchoIntro,
    /// Before a message is recorded: the beep (`record.wav`).
    RecordIntro,
    /// After a message (`saved.wav`).
    Saved,
    /// Before the transfer to the operator (`transfer.wav`).
    Transfer,
    /// A digit the menu does not know, or a failed transfer (`invalid.wav`).
    Invalid,
    /// Before the IVR hangs up (`goodbye.wav`).
    Goodbye,
}

impl PromptId {
    /// Every prompt.
    pub const ALL: [PromptId; 8] = [
        PromptId::Greeting,
        PromptId::Menu,
        PromptId::EchoIntro,
        PromptId::RecordIntro,
        PromptId::Saved,
        PromptId::Transfer,
        PromptId::Invalid,
        PromptId::Goodbye,
    ];

    /// Its file name in `IVR_PROMPTS_DIR`.
    pub fn file_name(self) -> &'static str {
        match self {
            PromptId::Greeting => "greeting.wav",
            PromptId::Menu => "menu.wav",
            PromptId::EchoIntro => "echo.wav",
            PromptId::RecordIntro => "record.wav",
            PromptId::Saved => "saved.wav",
            PromptId::Transfer => "transfer.wav",
            PromptId::Invalid => "invalid.wav",
            PromptId::Goodbye => "goodbye.wav",
        }
    }
}

/// What the driver does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IvrAction {
    /// Play this prompt, in place of any other; report its end with
    /// [`Ivr::on_prompt_finished`].
    Play(PromptId),
    /// Stop the prompt being played (a digit cut it short).
    StopPrompt,
    /// Send the caller's audio back to them.
    StartEcho,
    /// Stop echoing.
    StopEcho,
    /// Start recording the caller's audio into a message.
    StartMessage,
    /// Close the message.
    StopMessage,
    /// Transfer the call to this extension (REFER).
    Transfer(String),
    /// Hang up.
    Hangup,
}

/// Where the IVR is (for logs and the JSON lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IvrState {
    /// Playing a prompt.
    Prompt(PromptId),
    /// Waiting for a menu digit.
    Menu,
    /// The echo test.
    Echo,
    /// Recording a message.
    Recording,
    /// Transferred to the operator.
    Transferring,
    /// Hung up.
    Done,
}

impl IvrState {
    /// The JSON spelling: `prompt`, `menu`, `echo`, `recording`, `transferring`, `done`.
    pub fn as_str(self) -> &'static str {
        match self {
            IvrState::Prompt(_) => "prompt",
            IvrState::Menu => "menu",
            IvrState::Echo => "echo",
            IvrState::Recording => "recording",
            IvrState::Transferring => "transferring",
            IvrState::Done => "done",
        }
    }
}

/// The IVR's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IvrConfig {
    /// The operator's extension for `0` (`IVR_OPERATOR`); without it `0` is an invalid digit.
    pub operator: Option<String>,
    /// Wait for a digit after the menu ([`DEFAULT_MENU_TIMEOUT`]).
    pub menu_timeout: Duration,
    /// Menus without an answer before goodbye ([`DEFAULT_MAX_MENU_REPEATS`]).
    pub max_menu_repeats: u32,
    /// Longest echo test ([`DEFAULT_MAX_ECHO`]).
    pub max_echo: Duration,
    /// Longest message ([`DEFAULT_MAX_MESSAGE`]).
    pub max_message: Duration,
}

impl IvrConfig {
    /// The defaults, with `operator` for `0`.
    pub fn new(operator: Option<String>) -> IvrConfig {
        IvrConfig {
            operator,
            menu_timeout: DEFAULT_MENU_TIMEOUT,
            max_menu_repeats: DEFAULT_MAX_MENU_REPEATS,
            max_echo: DEFAULT_MAX_ECHO,
            max_message: DEFAULT_MAX_MESSAGE,
        }
    }
}

/// What follows the prompt being played.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Then {
    /// Play the menu.
    Menu,
    /// Wait for a digit (this prompt is the menu).
    WaitDigit,
    Echo,
    Record,
    Transfer,
    Hangup,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Prompt(PromptId, Then),
    WaitDigit { until: Instant },
    Echo { until: Instant },
    Recording { until: Instant },
    Transferring,
    Done,
}

/// One call's IVR.
#[derive(Debug)]
pub struct Ivr {
    config: IvrConfig,
    mode: Mode,
    /// Menus played in a row without a digit.
    unanswered: u32,
    actions: VecDeque<IvrAction>,
}

impl Ivr {
    /// The IVR of a call answered now: it starts with the greeting.
    pub fn new(config: IvrConfig) -> Ivr {
        let mut ivr = Ivr {
            config,
            mode: Mode::Done,
            unanswered: 0,
            actions: VecDeque::with_capacity(MAX_PENDING_ACTIONS),
        };
        ivr.play(PromptId::Greeting, Then::Menu);
        ivr
    }

    /// Where it is.
    pub fn state(&self) -> IvrState {
        match self.mode {
            Mode::Prompt(id, _) => IvrState::Prompt(id),
            Mode::WaitDigit { .. } => IvrState::Menu,
            Mode::Echo { .. } => IvrState::Echo,
            Mode::Recording { .. } => IvrState::Recording,
            Mode::Transferring => IvrState::Transferring,
            Mode::Done => IvrState::Done,
        }
    }

    /// The next action, if any.
    pub fn poll_action(&mut self) -> Option<IvrAction> {
        self.actions.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.mode {
            Mode::WaitDigit { until } | Mode::Echo { until } | Mode::Recording { until } => {
                Some(until)
            }
            _ => None,
        }
    }

    fn push(&mut self, action: IvrAction) {
        if self.actions.len() < MAX_PENDING_ACTIONS {
            self.actions.push_back(action);
        }
    }

    fn play(&mut self, prompt: PromptId, then: Then) {
        self.push(IvrAction::Play(prompt));
        self.mode = Mode::Prompt(prompt, then);
    }

    fn menu(&mut self) {
        self.play(PromptId::Menu, Then::WaitDigit);
    }

    /// A DTMF digit from the caller (RFC 4733 or SIP INFO).
    pub fn on_digit(&mut self, digit: char, now: Instant) {
        let _ = now;
        match self.mode {
            Mode::Prompt(_, Then::Menu | Then::WaitDigit) | Mode::WaitDigit { .. } => {
                if matches!(self.mode, Mode::Prompt(..)) {
                    self.push(IvrAction::StopPrompt);
                }
                self.choose(digit);
            }
            Mode::Prompt(_, Then::Echo | Then::Record) if matches!(digit, '#' | '*') => {
                self.push(IvrAction::StopPrompt);
                self.menu();
            }
            Mode::Echo { .. } if matches!(digit, '#' | '*') => {
                self.push(IvrAction::StopEcho);
                self.menu();
            }
            Mode::Recording { .. } => {
                self.push(IvrAction::StopMessage);
                self.play(PromptId::Saved, Then::Menu);
            }
            _ => {}
        }
    }

    fn choose(&mut self, digit: char) {
        self.unanswered = 0;
        match digit {
            '1' => self.play(PromptId::EchoIntro, Then::Echo),
            '2' => self.play(PromptId::RecordIntro, Then::Record),
            '0' if self.config.operator.is_some() => self.play(PromptId::Transfer, Then::Transfer),
            _ => self.play(PromptId::Invalid, Then::Menu),
        }
    }

    /// The prompt of the last [`IvrAction::Play`] has been played to its end.
    pub fn on_prompt_finished(&mut self, now: Instant) {
        let Mode::Prompt(_, then) = self.mode else {
            return;
        };
        match then {
            Then::Menu => self.menu(),
            Then::WaitDigit => {
                self.mode = Mode::WaitDigit {
                    until: now + self.config.menu_timeout,
                };
            }
            Then::Echo => {
                self.push(IvrAction::StartEcho);
                self.mode = Mode::Echo {
                    until: now + self.config.max_echo,
                };
            }
            Then::Record => {
                self.push(IvrAction::StartMessage);
                self.mode = Mode::Recording {
                    until: now + self.config.max_message,
                };
            }
            Then::Transfer => match self.config.operator.clone() {
                Some(operator) => {
                    self.push(IvrAction::Transfer(operator));
                    self.mode = Mode::Transferring;
                }
                None => self.play(PromptId::Invalid, Then::Menu),
            },
            Then::Hangup => {
                self.push(IvrAction::Hangup);
                self.mode = Mode::Done;
            }
        }
    }

    /// Time passed: a menu unanswered, an echo test or a message at its limit.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.mode {
            Mode::WaitDigit { until } if now >= until => {
                self.unanswered += 1;
                if self.unanswered >= self.config.max_menu_repeats {
                    self.play(PromptId::Goodbye, Then::Hangup);
                } else {
                    self.menu();
                }
            }
            Mode::Echo { until } if now >= until => {
                self.push(IvrAction::StopEcho);
                self.menu();
            }
            Mode::Recording { until } if now >= until => {
                self.push(IvrAction::StopMessage);
                self.play(PromptId::Saved, Then::Menu);
            }
            _ => {}
        }
    }

    /// The transfer was refused or failed: back to the menu.
    pub fn on_transfer_failed(&mut self, now: Instant) {
        let _ = now;
        if self.mode == Mode::Transferring {
            self.play(PromptId::Invalid, Then::Menu);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(ivr: &mut Ivr) -> Vec<IvrAction> {
        std::iter::from_fn(|| ivr.poll_action()).collect()
    }

    fn ivr(operator: Option<&str>) -> (Ivr, Instant) {
        let now = Instant::now();
        (Ivr::new(IvrConfig::new(operator.map(str::to_owned))), now)
    }

    #[test]
    fn greeting_then_menu_then_wait() {
        let (mut ivr, t0) = ivr(None);
        assert_eq!(drain(&mut ivr), [IvrAction::Play(PromptId::Greeting)]);
        assert_eq!(ivr.poll_timeout(), None);
        ivr.on_prompt_finished(t0);
        assert_eq!(drain(&mut ivr), [IvrAction::Play(PromptId::Menu)]);
        ivr.on_prompt_finished(t0);
        assert_eq!(ivr.state(), IvrState::Menu);
        assert_eq!(ivr.poll_timeout(), Some(t0 + DEFAULT_MENU_TIMEOUT));
        assert!(drain(&mut ivr).is_empty());
    }

    #[test]
    fn a_digit_cuts_the_greeting_short() {
        let (mut ivr, t0) = ivr(None);
        drain(&mut ivr);
        ivr.on_digit('1', t0);
        assert_eq!(
            drain(&mut ivr),
            [IvrAction::StopPrompt, IvrAction::Play(PromptId::EchoIntro)]
        );
    }

    #[test]
    fn echo_test_until_pound_or_its_limit() {
        let (mut ivr, t0) = ivr(None);
        ivr.on_prompt_finished(t0);
        ivr.on_prompt_finished(t0);
        drain(&mut ivr);
        ivr.on_digit('1', t0);
        assert_eq!(drain(&mut ivr), [IvrAction::Play(PromptId::EchoIntro)]);
        ivr.on_prompt_finished(t0);
        assert_eq!(drain(&mut ivr), [IvrAction::StartEcho]);
        assert_eq!(ivr.state(), IvrState::Echo);
        // Digits other than # and * are the caller's business during the echo.
        ivr.on_digit('5', t0);
        assert!(drain(&mut ivr).is_empty());
        ivr.on_digit('#', t0);
        assert_eq!(
            drain(&mut ivr),
            [IvrAction::StopEcho, IvrAction::Play(PromptId::Menu)]
        );
        ivr.on_prompt_finished(t0);
        ivr.on_digit('1', t0);
        ivr.on_prompt_finished(t0);
        drain(&mut ivr);
        let limit = t0 + DEFAULT_MAX_ECHO;
        assert_eq!(ivr.poll_timeout(), Some(limit));
        ivr.handle_timeout(limit - Duration::from_millis(1));
        assert!(drain(&mut ivr).is_empty(), "not yet");
        ivr.handle_timeout(limit);
        assert_eq!(
            drain(&mut ivr),
            [IvrAction::StopEcho, IvrAction::Play(PromptId::Menu)]
        );
    }

    #[test]
    fn message_after_the_beep_until_a_digit_or_the_limit() {
        let (mut ivr, t0) = ivr(None);
        ivr.on_digit('2', t0);
        assert_eq!(
            drain(&mut ivr),
            [
                IvrAction::Play(PromptId::Greeting),
                IvrAction::StopPrompt,
                IvrAction::Play(PromptId::RecordIntro)
            ]
        );
        ivr.on_prompt_finished(t0);
        assert_eq!(drain(&mut ivr), [IvrAction::StartMessage]);
        assert_eq!(ivr.state(), IvrState::Recording);
        let t1 = t0 + Duration::from_secs(3);
        ivr.on_digit('#', t1);
        assert_eq!(
            drain(&mut ivr),
            [IvrAction::StopMessage, IvrAction::Play(PromptId::Saved)]
        );
        ivr.on_prompt_finished(t1);
        assert_eq!(drain(&mut ivr), [IvrAction::Play(PromptId::Menu)]);
        ivr.on_digit('2', t1);
        ivr.on_prompt_finished(t1);
        drain(&mut ivr);
        ivr.handle_timeout(t1 + DEFAULT_MAX_MESSAGE);
        assert_eq!(
            drain(&mut ivr),
            [IvrAction::StopMessage, IvrAction::Play(PromptId::Saved)]
        );
    }

    #[test]
    fn zero_transfers_to_the_operator_and_back_on_failure() {
        let (mut ivr, t0) = ivr(Some("1000"));
        drain(&mut ivr);
        ivr.on_digit('0', t0);
        assert_eq!(
            drain(&mut ivr),
            [IvrAction::StopPrompt, IvrAction::Play(PromptId::Transfer)]
        );
        ivr.on_prompt_finished(t0);
        assert_eq!(drain(&mut ivr), [IvrAction::Transfer("1000".into())]);
        assert_eq!(ivr.state(), IvrState::Transferring);
        ivr.on_digit('1', t0);
        assert!(drain(&mut ivr).is_empty(), "digits wait for the transfer");
        ivr.on_transfer_failed(t0);
        assert_eq!(drain(&mut ivr), [IvrAction::Play(PromptId::Invalid)]);
        ivr.on_prompt_finished(t0);
        assert_eq!(drain(&mut ivr), [IvrAction::Play(PromptId::Menu)]);
    }

    #[test]
    fn zero_without_an_operator_and_unknown_digits_are_invalid() {
        let (mut ivr, t0) = ivr(None);
        ivr.on_prompt_finished(t0);
        ivr.on_prompt_finished(t0);
        drain(&mut ivr);
        for digit in ['0', '9', '*', '#'] {
            ivr.on_digit(digit, t0);
            assert_eq!(drain(&mut ivr), [IvrAction::Play(PromptId::Invalid)]);
            ivr.on_prompt_finished(t0);
            assert_eq!(drain(&mut ivr), [IvrAction::Play(PromptId::Menu)]);
            ivr.on_prompt_finished(t0);
        }
    }

    #[test]
    fn unanswered_menus_end_in_goodbye_and_hangup() {
        let (mut ivr, mut now) = ivr(None);
        ivr.on_prompt_finished(now);
        drain(&mut ivr);
        for round in 1..=DEFAULT_MAX_MENU_REPEATS {
            ivr.on_prompt_finished(now);
            let due = ivr.poll_timeout().unwrap();
            now = due;
            ivr.handle_timeout(now);
            let expected = if round < DEFAULT_MAX_MENU_REPEATS {
                PromptId::Menu
            } else {
                PromptId::Goodbye
            };
            assert_eq!(
                drain(&mut ivr),
                [IvrAction::Play(expected)],
                "round {round}"
            );
        }
        ivr.on_digit('1', now);
        assert!(drain(&mut ivr).is_empty(), "goodbye is not cut short");
        ivr.on_prompt_finished(now);
        assert_eq!(drain(&mut ivr), [IvrAction::Hangup]);
        assert_eq!(ivr.state(), IvrState::Done);
        assert_eq!(ivr.poll_timeout(), None);
    }

    #[test]
    fn a_digit_resets_the_unanswered_count() {
        let (mut ivr, mut now) = ivr(None);
        ivr.on_prompt_finished(now);
        for _ in 0..10 {
            ivr.on_prompt_finished(now);
            now = ivr.poll_timeout().unwrap();
            ivr.handle_timeout(now);
            // One short of goodbye, a digit starts the count again.
            if ivr.unanswered + 1 == DEFAULT_MAX_MENU_REPEATS {
                ivr.on_digit('7', now);
                ivr.on_prompt_finished(now);
            }
            assert!(!drain(&mut ivr).contains(&IvrAction::Play(PromptId::Goodbye)));
        }
    }
}
