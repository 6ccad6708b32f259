//! Unit tests of the model on a virtual clock.

use super::*;
use crate::{Action, Frame};

struct Harness {
    model: PbxModel,
    now: Instant,
    sid: SessionId,
    decoder: Decoder,
    buf: BytesMut,
    frames: Vec<Frame>,
    closed: bool,
}

impl Harness {
    fn new(cfg: SimConfig) -> Harness {
        let now = Instant::now();
        let wall = UNIX_EPOCH + Duration::from_secs(1_795_728_803);
        let mut model = PbxModel::new(cfg, now, wall);
        let sid = model.connect(None, None).unwrap();
        let mut h = Harness {
            model,
            now,
            sid,
            decoder: Decoder::default(),
            buf: BytesMut::new(),
            frames: Vec::new(),
            closed: false,
        };
        h.drain();
        h
    }

    fn drain(&mut self) {
        while let Some(out) = self.model.poll_output() {
            match out {
                Output::Send { session, bytes } if session == self.sid => {
                    self.buf.extend_from_slice(&bytes);
                }
                Output::Close { session } if session == self.sid => self.closed = true,
                _ => {}
            }
        }
        while let Some(f) = self.decoder.decode(&mut self.buf).unwrap() {
            self.frames.push(f);
        }
    }

    fn send(&mut self, action: Action, id: &str) {
        let mut out = BytesMut::new();
        action.encode(id, &mut out).unwrap();
        self.model.receive(self.sid, &out, self.now);
        self.drain();
    }

    /// Advances the clock timer by timer up to `until`.
    fn run_until(&mut self, until: Instant) {
        while let Some(at) = self.model.poll_timeout().filter(|t| *t <= until) {
            self.now = at;
            self.model.handle_timeout(at);
            self.drain();
        }
        self.now = until;
    }

    fn events(&self, name: &str) -> Vec<&Frame> {
        self.frames
            .iter()
            .filter(|f| f.message().event() == Some(name))
            .collect()
    }
}

fn login(h: &mut Harness) {
    h.send(
        Action::new("Login")
            .field("Username", "ami_user")
            .field("Secret", "ami_password"),
        "x-1",
    );
}

#[test]
fn answered_call_on_a_virtual_clock() {
    let mut h = Harness::new(SimConfig::modern());
    assert_eq!(h.frames[0].kind(), crate::FrameKind::Banner);
    login(&mut h);
    let start = h.now;
    h.model
        .play(
            CallScript::answered(
                "1001",
                "1002",
                Duration::from_secs(1),
                Duration::from_secs(4),
            ),
            h.now,
        )
        .unwrap();
    h.drain();
    h.run_until(start + Duration::from_secs(60));
    let cdr = h.events("Cdr");
    assert_eq!(cdr.len(), 1);
    let cdr = cdr[0].message();
    assert_eq!(cdr.get("Disposition"), Some("ANSWERED"));
    assert_eq!(cdr.get("StartTime"), Some("2026-11-26 21:33:23"));
    assert_eq!(cdr.get("AnswerTime"), Some("2026-11-26 21:33:24"));
    assert_eq!(cdr.get("EndTime"), Some("2026-11-26 21:33:28"));
    assert_eq!(cdr.get("Duration"), Some("5"));
    assert_eq!(cdr.get("BillableSeconds"), Some("4"));
    let first = h.events("Newchannel")[0].message();
    assert_eq!(first.get("Uniqueid"), Some("1795728803.0"));
    assert_eq!(first.get("Channel"), Some("PJSIP/1001-00000000"));
    assert_eq!(h.model.call_count(), 0);
    assert!(h.model.poll_timeout().is_none());
}

#[test]
fn refused_login_waits_then_closes() {
    let mut h = Harness::new(SimConfig::legacy());
    h.send(
        Action::new("Login")
            .field("Username", "ami_user")
            .field("Secret", "wrong"),
        "x-1",
    );
    assert_eq!(h.frames.len(), 1, "nothing before the delay");
    // Input after a refused login is ignored.
    h.send(Action::new("Ping"), "x-2");
    assert!(!h.closed);
    let at = h.now + Duration::from_secs(1);
    h.run_until(at);
    assert!(h.closed);
    let last = h.frames.last().unwrap().message();
    assert_eq!(last.get("Message"), Some("Authentication failed"));
    assert_eq!(last.action_id(), Some("x-1"));
    assert_eq!(h.model.session_count(), 0);
}

#[test]
fn a_denied_address_is_refused_like_a_wrong_secret() {
    let from: std::net::SocketAddr = "192.0.2.7:40000".parse().unwrap();
    let cfg = SimConfig::modern().with_denied_address(from.ip());
    let mut h = Harness::new(cfg);
    h.sid = h.model.connect(None, Some(from)).unwrap();
    h.drain();
    login(&mut h);
    let at = h.now + Duration::from_secs(1);
    h.run_until(at);
    assert!(
        h.closed,
        "the right secret from a denied address is refused"
    );
    let last = h.frames.last().unwrap().message();
    assert_eq!(last.get("Message"), Some("Authentication failed"));
}

#[test]
fn write_classes_gate_actions() {
    let mut h = Harness::new(SimConfig::modern().with_write_classes(&["reporting"]));
    login(&mut h);
    h.send(Action::new("CoreStatus"), "x-2");
    h.send(Action::new("Hangup").field("Channel", "PJSIP/none"), "x-3");
    h.send(Action::new("Originate"), "x-4");
    h.send(Action::new("Ping"), "x-5");
    let answer = |id: &str| {
        let frame = h
            .frames
            .iter()
            .find(|f| f.message().action_id() == Some(id))
            .unwrap();
        let m = frame.message();
        (
            m.get("Response").unwrap_or_default().to_owned(),
            m.get("Message").unwrap_or_default().to_owned(),
        )
    };
    assert_eq!(answer("x-2").0, "Success");
    assert_eq!(answer("x-3").1, "Permission denied");
    assert_eq!(answer("x-4").1, "Permission denied");
    assert_eq!(answer("x-5").0, "Success");
}

#[test]
fn bad_input_is_bounded() {
    let mut h = Harness::new(SimConfig::modern());
    let junk = vec![b'x'; MAX_SESSION_INPUT + 1];
    h.model.receive(h.sid, &junk, h.now);
    h.drain();
    assert!(h.closed);
    assert_eq!(
        h.model.play(CallScript::new("9999", "1002"), h.now),
        Err(SimError::UnknownExtension("9999".into()))
    );
}

#[test]
fn mask_parsing() {
    assert_eq!(Mask::parse("on"), Mask::All);
    assert_eq!(Mask::parse("OFF"), Mask::Off);
    assert!(Mask::parse("call,cdr").allows(Class::Cdr));
    assert!(!Mask::parse("call,cdr").allows(Class::System));
    assert_eq!(
        parse_caller_id("\"Click2Call\" <1001>"),
        ("1001".into(), "Click2Call".into())
    );
    assert_eq!(parse_caller_id("1001"), ("1001".into(), String::new()));
}
