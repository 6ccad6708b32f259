//! The PBX simulator driven by a bare client: a plain tokio stream, the crate's `Decoder` and
//! `Action::encode`, in both dialects.
#![cfg(feature = "sim")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

#[allow(dead_code)]
mod client {

    use std::time::Duration;

    use bytes::BytesMut;
    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
    use tokio::time::timeout;
    use yeastar_ami::{Action, ActionIdGenerator, Decoder, Frame, FrameKind};

    pub(crate) const LIMIT: Duration = Duration::from_secs(10);

    pub(crate) struct Client<S> {
        pub(crate) stream: S,
        decoder: Decoder,
        buf: BytesMut,
        ids: ActionIdGenerator,
        /// Every frame read, in order (responses and events).
        pub(crate) seen: Vec<Frame>,
        pub(crate) banner: String,
    }

    impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
        pub(crate) async fn new(stream: S, prefix: &str) -> Client<S> {
            let mut c = Client {
                stream,
                decoder: Decoder::default(),
                buf: BytesMut::new(),
                ids: ActionIdGenerator::new(prefix),
                seen: Vec::new(),
                banner: String::new(),
            };
            let banner = c.next().await.expect("banner");
            assert_eq!(banner.kind(), FrameKind::Banner);
            c.banner = banner.message().raw_lines().next().unwrap().to_owned();
            c
        }

        /// The next frame, or `None` when the server closed.
        pub(crate) async fn next(&mut self) -> Option<Frame> {
            loop {
                if let Some(f) = self.decoder.decode(&mut self.buf).unwrap() {
                    self.seen.push(f.clone());
                    return Some(f);
                }
                let n = timeout(LIMIT, self.stream.read_buf(&mut self.buf))
                    .await
                    .expect("server went silent")
                    .unwrap_or(0);
                if n == 0 {
                    return None;
                }
            }
        }

        /// Sends an action; returns its ActionID.
        pub(crate) async fn send(&mut self, action: Action) -> String {
            let id = self.ids.next_id();
            let mut out = BytesMut::new();
            action.encode(&id, &mut out).unwrap();
            self.stream.write_all(&out).await.unwrap();
            id
        }

        /// Reads up to the response to `id`.
        pub(crate) async fn response(&mut self, id: &str) -> Frame {
            loop {
                let f = self.next().await.expect("closed before the response");
                let m = f.message();
                let is_response =
                    matches!(f.kind(), FrameKind::Response | FrameKind::CommandOutput);
                if is_response && m.action_id() == Some(id) {
                    return f;
                }
            }
        }

        /// Sends an action and reads its response.
        pub(crate) async fn call(&mut self, action: Action) -> Frame {
            let id = self.send(action).await;
            self.response(&id).await
        }

        /// Sends a list action; returns the items and the completion event.
        pub(crate) async fn list(
            &mut self,
            action: Action,
            complete: &str,
        ) -> (Frame, Vec<Frame>, Frame) {
            let id = self.send(action).await;
            let head = self.response(&id).await;
            let mut items = Vec::new();
            loop {
                let f = self.next().await.expect("closed inside a list");
                let m = f.message();
                if m.action_id() != Some(id.as_str()) {
                    continue;
                }
                if m.event() == Some(complete) {
                    return (head, items, f);
                }
                items.push(f);
            }
        }

        pub(crate) async fn login(&mut self, events: &str) -> Frame {
            let r = self
                .call(
                    Action::new("Login")
                        .field("Username", "ami_user")
                        .field("Secret", "ami_password")
                        .field("Events", events.to_owned()),
                )
                .await;
            assert_eq!(r.message().response(), Some("Success"), "{r:?}");
            r
        }

        /// Reads events until `name` arrives with every `(key, value)` of `with`; returns the frames
        /// read on the way, that one included.
        pub(crate) async fn until(&mut self, name: &str, with: &[(&str, &str)]) -> Vec<Frame> {
            let mut out = Vec::new();
            loop {
                let f = self
                    .next()
                    .await
                    .unwrap_or_else(|| panic!("closed before {name}"));
                out.push(f.clone());
                let m = f.message();
                if m.event() == Some(name) && with.iter().all(|(k, v)| m.get(k) == Some(*v)) {
                    return out;
                }
            }
        }

        /// Reads until every `(event, key, value)` has been seen since the last clear.
        pub(crate) async fn until_all(&mut self, want: &[(&str, &str, &str)]) {
            loop {
                let done = want.iter().all(|(e, k, v)| {
                    self.seen
                        .iter()
                        .any(|f| f.message().event() == Some(*e) && f.message().get(k) == Some(*v))
                });
                if done {
                    return;
                }
                if std::env::var_os("SIM_DEBUG").is_some() {
                    eprintln!("{:?}", names(&self.seen, &[]));
                }
                self.next().await.expect("closed");
            }
        }

        /// True when the server closes within the limit (frames before the close are kept).
        pub(crate) async fn closed(&mut self) -> bool {
            while self.next().await.is_some() {}
            true
        }
    }

    /// Event names of `frames`, leaving out the ones in `skip`.
    pub(crate) fn names(frames: &[Frame], skip: &[&str]) -> Vec<String> {
        frames
            .iter()
            .filter_map(|f| f.message().event().map(str::to_owned))
            .filter(|n| !skip.contains(&n.as_str()))
            .collect()
    }

    /// The first event named `name` with `key` = `value`.
    pub(crate) fn find<'a>(
        frames: &'a [Frame],
        name: &str,
        key: &str,
        value: &str,
    ) -> Option<&'a Frame> {
        frames
            .iter()
            .find(|f| f.message().event() == Some(name) && f.message().get(key) == Some(value))
    }

    /// Position of the first event named `name`.
    pub(crate) fn pos(frames: &[Frame], name: &str) -> usize {
        frames
            .iter()
            .position(|f| f.message().event() == Some(name))
            .unwrap_or_else(|| panic!("no {name}"))
    }
}

use std::time::Duration;

use client::{Client, LIMIT, find, names, pos};
use tokio::net::TcpStream;
use tokio::time::timeout;
use yeastar_ami::sim::{CallScript, CallStep, Dialect, Party, PbxSimulator, SimConfig};
use yeastar_ami::{Action, FrameKind};

const MS: Duration = Duration::from_millis(1);

fn config(dialect: Dialect) -> SimConfig {
    SimConfig::new(dialect)
        .with_answer_delay(Duration::from_millis(20))
        .with_auth_failure_delay(Duration::from_millis(10))
}

async fn sim(dialect: Dialect) -> PbxSimulator {
    PbxSimulator::start(config(dialect)).await.unwrap()
}

async fn connect(sim: &PbxSimulator) -> Client<TcpStream> {
    let tcp = TcpStream::connect(sim.addr()).await.unwrap();
    Client::new(tcp, "t").await
}

/// Events that carry no call flow, left out of sequence comparisons.
const NOISE: &[&str] = &[
    "FullyBooted",
    "SuccessfulAuth",
    "NewConnectedLine",
    "ExtensionStatus",
    "DeviceStateChange",
];

#[tokio::test]
async fn modern_login_ping_logoff() {
    let sim = sim(Dialect::Modern).await;
    let mut c = connect(&sim).await;
    assert_eq!(c.banner, "Asterisk Call Manager/11.0.0");
    let r = c.login("on").await;
    assert_eq!(r.message().get("Message"), Some("Authentication accepted"));
    c.until("SuccessfulAuth", &[("AccountID", "ami_user")])
        .await;
    assert!(find(&c.seen, "FullyBooted", "Status", "Fully Booted").is_some());
    let pong = c.call(Action::new("Ping")).await;
    assert_eq!(pong.message().get("Ping"), Some("Pong"));
    assert!(pong.message().get("Timestamp").is_some());
    let bye = c.call(Action::new("Logoff")).await;
    assert_eq!(bye.message().response(), Some("Goodbye"));
    assert_eq!(
        bye.message().get("Message"),
        Some("Thanks for all the fish.")
    );
    assert!(c.closed().await);
    sim.shutdown().await;
}

#[tokio::test]
async fn md5_login_and_failures_in_both_dialects() {
    for dialect in [Dialect::Modern, Dialect::Legacy] {
        let sim = sim(dialect).await;
        let mut c = connect(&sim).await;
        let ch = c
            .call(Action::new("Challenge").field("AuthType", "MD5"))
            .await;
        let challenge = ch.message().get("Challenge").unwrap().to_owned();
        let key = {
            use md5::{Digest, Md5};
            hex::encode(Md5::digest(format!("{challenge}ami_password").as_bytes()))
        };
        let ok = c
            .call(
                Action::new("Login")
                    .field("AuthType", "MD5")
                    .field("Username", "ami_user")
                    .field("Key", key),
            )
            .await;
        assert_eq!(ok.message().response(), Some("Success"), "{dialect:?}");

        // A wrong MD5 key: error, then the server closes.
        let mut bad = connect(&sim).await;
        bad.call(Action::new("Challenge").field("AuthType", "MD5"))
            .await;
        let r = bad
            .call(
                Action::new("Login")
                    .field("AuthType", "MD5")
                    .field("Username", "ami_user")
                    .field("Key", "00000000000000000000000000000000"),
            )
            .await;
        assert_eq!(r.message().response(), Some("Error"));
        assert_eq!(r.message().get("Message"), Some("Authentication failed"));
        assert!(bad.closed().await);

        // A wrong plain secret: same.
        let mut bad = connect(&sim).await;
        let r = bad
            .call(
                Action::new("Login")
                    .field("Username", "ami_user")
                    .field("Secret", "nope"),
            )
            .await;
        assert_eq!(r.message().get("Message"), Some("Authentication failed"));
        assert!(bad.closed().await);
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn actions_before_login_are_denied_and_the_connection_stays() {
    let sim = sim(Dialect::Legacy).await;
    let mut c = connect(&sim).await;
    assert_eq!(c.banner, "Asterisk Call Manager/1.1");
    for name in ["Ping", "CoreStatus"] {
        let r = c.call(Action::new(name)).await;
        assert_eq!(r.message().response(), Some("Error"));
        assert_eq!(r.message().get("Message"), Some("Permission denied"));
    }
    c.login("off").await;
    let r = c.call(Action::new("Ping")).await;
    assert_eq!(r.message().response(), Some("Success"));
}

async fn watch(dialect: Dialect) -> (PbxSimulator, Client<TcpStream>) {
    let sim = sim(dialect).await;
    let mut c = connect(&sim).await;
    c.login("on").await;
    // Wait until the login's own events are in.
    let pong = c.call(Action::new("Ping")).await;
    assert_eq!(pong.kind(), FrameKind::Response);
    c.seen.clear();
    (sim, c)
}

#[tokio::test]
async fn modern_answered_call_has_the_recorded_sequence() {
    let (sim, mut c) = watch(Dialect::Modern).await;
    sim.play(CallScript::answered("1001", "1002", 20 * MS, 30 * MS))
        .unwrap();
    c.until("Cdr", &[]).await;
    let seen = c.seen.clone();
    assert_eq!(
        names(&seen, &[NOISE, &["Newexten"]].concat()),
        [
            "Newchannel",
            "Newchannel",
            "DialBegin",
            "Newstate",
            "DialState",
            "Newstate",
            "DialEnd",
            "Newstate",
            "BridgeCreate",
            "BridgeEnter",
            "BridgeEnter",
            "HangupRequest",
            "BridgeLeave",
            "BridgeLeave",
            "BridgeDestroy",
            "SoftHangupRequest",
            "Hangup",
            "Hangup",
            "Cdr",
        ]
    );
    let caller = find(&seen, "Newchannel", "CallerIDNum", "1001").unwrap();
    let uid = caller.message().get("Uniqueid").unwrap().to_owned();
    assert_eq!(caller.message().get("Linkedid"), Some(uid.as_str()));
    let callee = find(&seen, "Newchannel", "CallerIDNum", "1002").unwrap();
    assert_eq!(callee.message().get("Linkedid"), Some(uid.as_str()));
    for h in seen
        .iter()
        .filter(|f| f.message().event() == Some("Hangup"))
    {
        assert_eq!(h.message().get("Cause"), Some("16"));
        assert_eq!(h.message().get("Cause-txt"), Some("Normal Clearing"));
    }
    let cdr = find(&seen, "Cdr", "Disposition", "ANSWERED")
        .unwrap()
        .message();
    assert_eq!(cdr.get("Source"), Some("1001"));
    assert_eq!(cdr.get("Destination"), Some("1002"));
    assert_eq!(cdr.get("UniqueID"), Some(uid.as_str()));
    let statuses: Vec<(&str, &str)> = seen
        .iter()
        .map(|f| f.message())
        .filter(|m| m.event() == Some("ExtensionStatus"))
        .map(|m| (m.get("Exten").unwrap(), m.get("Status").unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("1002", "8"),
            ("1001", "1"),
            ("1002", "1"),
            ("1002", "0"),
            ("1001", "0")
        ]
    );
    assert_eq!(sim.call_count(), 0);
    assert!(sim.channels().is_empty());
}

#[tokio::test]
async fn legacy_answered_call_has_the_recorded_sequence() {
    let (sim, mut c) = watch(Dialect::Legacy).await;
    sim.play(CallScript::answered("1001", "1002", 20 * MS, 30 * MS))
        .unwrap();
    c.until("Hangup", &[("Channel", "SIP/1001-00000000")]).await;
    let seen = c.seen.clone();
    assert_eq!(
        names(&seen, &[NOISE, &["Newexten"]].concat()),
        [
            "Newchannel",
            "Newstate",
            "Newchannel",
            "Dial",
            "Newstate",
            "Newstate",
            "Newstate",
            "Bridge",
            "Unlink",
            "Cdr",
            "Hangup",
            "Dial",
            "Hangup",
        ]
    );
    for f in &seen {
        assert!(f.message().get("Linkedid").is_none(), "{f:?}");
    }
    let begin = find(&seen, "Dial", "SubEvent", "Begin").unwrap().message();
    assert_eq!(begin.get("Destination"), Some("SIP/1002-00000001"));
    let end = find(&seen, "Dial", "SubEvent", "End").unwrap().message();
    assert_eq!(end.get("DialStatus"), Some("ANSWER"));
    let link = find(&seen, "Bridge", "Bridgestate", "Link")
        .unwrap()
        .message();
    assert_eq!(link.get("Channel2"), Some("SIP/1002-00000001"));
}

#[tokio::test]
async fn busy_cancel_noanswer_unregistered_in_both_dialects() {
    for dialect in [Dialect::Modern, Dialect::Legacy] {
        let (sim, mut c) = watch(dialect).await;
        let tech = if dialect == Dialect::Modern {
            "PJSIP"
        } else {
            "SIP"
        };

        // Busy: cause 17, CDR BUSY (before the Hangups on Asterisk 22).
        sim.play(CallScript::busy("1001", "1002")).unwrap();
        let caller = format!("{tech}/1001-00000000");
        c.until_all(&[
            ("Cdr", "Disposition", "BUSY"),
            ("Hangup", "Channel", &caller),
        ])
        .await;
        let seen = std::mem::take(&mut c.seen);
        let end = seen
            .iter()
            .find(|f| f.message().get("DialStatus") == Some("BUSY"));
        assert!(end.is_some(), "{dialect:?}");
        for h in seen
            .iter()
            .filter(|f| f.message().event() == Some("Hangup"))
        {
            assert_eq!(h.message().get("Cause"), Some("17"));
        }
        if dialect == Dialect::Modern {
            assert!(pos(&seen, "Cdr") < pos(&seen, "Hangup"));
        }

        // Cancel: caller hangs up while ringing.
        sim.play(CallScript::cancelled("1001", "1002", 20 * MS))
            .unwrap();
        c.until_all(&[
            ("Cdr", "Disposition", "NO ANSWER"),
            ("Hangup", "CallerIDNum", "1001"),
        ])
        .await;
        let seen = std::mem::take(&mut c.seen);
        assert!(
            seen.iter()
                .any(|f| f.message().get("DialStatus") == Some("CANCEL"))
        );
        let want = if dialect == Dialect::Modern {
            "127"
        } else {
            "0"
        };
        let caller_hangup = seen
            .iter()
            .filter(|f| f.message().event() == Some("Hangup"))
            .find(|f| f.message().get("CallerIDNum") == Some("1001"))
            .unwrap();
        assert_eq!(caller_hangup.message().get("Cause"), Some(want));

        // No answer: the dial timeout.
        sim.play(CallScript::no_answer("1001", "1002", 20 * MS))
            .unwrap();
        c.until_all(&[
            ("Cdr", "Disposition", "NO ANSWER"),
            ("Hangup", "CallerIDNum", "1001"),
        ])
        .await;
        let seen = std::mem::take(&mut c.seen);
        assert!(
            seen.iter()
                .any(|f| f.message().get("DialStatus") == Some("NOANSWER"))
        );

        // 1003 is not registered: cause 3, CDR FAILED, no dial.
        sim.play(CallScript::answered("1001", "1003", 20 * MS, 20 * MS))
            .unwrap();
        c.until_all(&[("Cdr", "Disposition", "FAILED"), ("Hangup", "Cause", "3")])
            .await;
        let seen = std::mem::take(&mut c.seen);
        let h = seen
            .iter()
            .find(|f| f.message().event() == Some("Hangup"))
            .unwrap();
        assert_eq!(h.message().get("Cause"), Some("3"));
        assert!(!names(&seen, &[]).iter().any(|n| n.starts_with("Dial")));
        tokio::time::sleep(50 * MS).await;
        assert_eq!(sim.call_count(), 0, "{dialect:?}");
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn originate_async_success_failure_and_sync() {
    for dialect in [Dialect::Modern, Dialect::Legacy] {
        let (sim, mut c) = watch(dialect).await;
        let tech = if dialect == Dialect::Modern {
            "PJSIP"
        } else {
            "SIP"
        };
        // Click-to-call 1001 → 1002.
        let r = c
            .call(
                Action::new("Originate")
                    .field("Channel", format!("{tech}/1001"))
                    .field("Exten", "1002")
                    .field("Context", "from-internal")
                    .field("Priority", "1")
                    .field("CallerID", "Click2Call <1001>")
                    .field("Async", "true"),
            )
            .await;
        let id = r.message().action_id().unwrap().to_owned();
        assert_eq!(
            r.message().get("Message"),
            Some("Originate successfully queued")
        );
        let seen = c.until("OriginateResponse", &[("ActionID", &id)]).await;
        let resp = seen.last().unwrap().message();
        assert_eq!(resp.get("Response"), Some("Success"));
        assert_eq!(resp.get("Reason"), Some("4"));
        assert_eq!(resp.get("CallerIDName"), Some("Click2Call"));
        let uid = resp.get("Uniqueid").unwrap().to_owned();
        assert!(find(&seen, "Newchannel", "Uniqueid", &uid).is_some());
        // The answered leg then dials 1002, which the simulator answers.
        c.until(
            "Newstate",
            &[("CallerIDNum", "1002"), ("ChannelState", "6")],
        )
        .await;
        let chans = sim.channels();
        assert_eq!(chans.len(), 2, "{dialect:?}");
        // Hang the callee up from AMI: the call ends with that cause.
        let callee = chans.iter().find(|c| c.extension == "1002").unwrap();
        let r = c
            .call(
                Action::new("Hangup")
                    .field("Channel", callee.name.clone())
                    .field("Cause", "16"),
            )
            .await;
        assert_eq!(r.message().get("Message"), Some("Channel Hungup"));
        c.until_all(&[
            ("Cdr", "Disposition", "ANSWERED"),
            ("Hangup", "Uniqueid", &uid),
        ])
        .await;
        assert_eq!(sim.call_count(), 0);

        // To an unregistered phone: queued, then a failed OriginateResponse.
        let r = c
            .call(
                Action::new("Originate")
                    .field("Channel", format!("{tech}/1003"))
                    .field("Exten", "600")
                    .field("Context", "from-internal")
                    .field("Priority", "1")
                    .field("Async", "true"),
            )
            .await;
        let id = r.message().action_id().unwrap().to_owned();
        let seen = c.until("OriginateResponse", &[("ActionID", &id)]).await;
        let resp = seen.last().unwrap().message();
        assert_eq!(resp.get("Response"), Some("Failure"));
        assert_eq!(resp.get("Reason"), Some("0"));
        let none = if dialect == Dialect::Modern {
            "<unknown>"
        } else {
            "<null>"
        };
        assert_eq!(resp.get("Uniqueid"), Some(none));
        assert_eq!(resp.get("Channel"), Some(format!("{tech}/1003").as_str()));

        // Synchronous to the same phone: an error response, no event.
        let r = c
            .call(
                Action::new("Originate")
                    .field("Channel", format!("{tech}/1003"))
                    .field("Exten", "600"),
            )
            .await;
        assert_eq!(r.message().response(), Some("Error"));
        assert_eq!(r.message().get("Message"), Some("Originate failed"));

        // Synchronous to 700 (playback): the response waits for the answer and the events
        // of the ringing come after it.
        c.seen.clear();
        let r = c
            .call(
                Action::new("Originate")
                    .field("Channel", format!("{tech}/1001"))
                    .field("Exten", "700")
                    .field("Context", "from-internal")
                    .field("Priority", "1"),
            )
            .await;
        assert_eq!(r.message().response(), Some("Success"));
        assert_eq!(c.seen.len(), 1, "nothing before the response: {:?}", c.seen);
        let seen = c.until("Newexten", &[("Application", "Playback")]).await;
        assert!(find(&seen, "Newchannel", "CallerIDNum", "1001").is_some());
        assert!(!names(&seen, &[]).contains(&"OriginateResponse".to_owned()));
        // Playback ends after 2 s and the PBX hangs up.
        c.until("Hangup", &[("CallerIDNum", "1001")]).await;
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn modern_actions_during_a_call() {
    let sim = sim(Dialect::Modern).await;
    let mut c = connect(&sim).await;
    c.login("off").await;
    sim.play(CallScript::new("1001", "1002").then(10 * MS, CallStep::Answer))
        .unwrap();
    timeout(LIMIT, async {
        while sim.channels().iter().filter(|c| c.state == 6).count() < 2 {
            tokio::time::sleep(5 * MS).await;
        }
    })
    .await
    .unwrap();

    let (head, items, done) = c
        .list(Action::new("CoreShowChannels"), "CoreShowChannelsComplete")
        .await;
    assert_eq!(head.message().get("EventList"), Some("start"));
    assert_eq!(items.len(), 2);
    assert_eq!(done.message().get("ListItems"), Some("2"));
    let bridge = items[0].message().get("BridgeId").unwrap().to_owned();
    assert!(!bridge.is_empty());
    assert_eq!(items[1].message().get("BridgeId"), Some(bridge.as_str()));

    let (head, items, done) = c.list(Action::new("Status"), "StatusComplete").await;
    assert_eq!(head.message().get("EventList"), Some("start"));
    assert_eq!(items.len(), 2);
    assert_eq!(done.message().get("Items"), Some("2"));

    let r = c
        .call(
            Action::new("ExtensionState")
                .field("Exten", "1002")
                .field("Context", "from-internal"),
        )
        .await;
    assert_eq!(r.message().get("Status"), Some("1"));
    assert_eq!(r.message().get("StatusText"), Some("InUse"));
    let r = c
        .call(Action::new("ExtensionState").field("Exten", "4242"))
        .await;
    assert_eq!(r.message().get("Status"), Some("-1"));

    let (_, items, _) = c
        .list(
            Action::new("ExtensionStateList"),
            "ExtensionStateListComplete",
        )
        .await;
    let states: Vec<_> = items
        .iter()
        .map(|f| f.message().get("Status").unwrap().to_owned())
        .collect();
    assert_eq!(states, ["1", "1", "4"]);

    let (_, items, _) = c
        .list(Action::new("PJSIPShowEndpoints"), "EndpointListComplete")
        .await;
    assert_eq!(items.len(), 3);
    assert_eq!(items[2].message().get("DeviceState"), Some("Unavailable"));

    let r = c
        .call(Action::new("Command").field("Command", "core show version"))
        .await;
    assert_eq!(
        r.message().command_output().next().unwrap(),
        "Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-11-26 21:18:08 UTC"
    );
    let r = c
        .call(Action::new("Command").field("Command", "no such cli command"))
        .await;
    assert_eq!(r.message().response(), Some("Error"));
    assert!(
        r.message()
            .get("Output")
            .unwrap()
            .starts_with("No such command 'no such cli command'")
    );
    let r = c.call(Action::new("SIPpeers")).await;
    assert!(
        r.message()
            .get("Message")
            .unwrap()
            .starts_with("Invalid/unknown command: SIPpeers.")
    );

    // Redirect the caller to 600: the callee is hung up, the caller runs Echo.
    let caller = sim
        .channels()
        .into_iter()
        .find(|c| c.extension == "1001")
        .unwrap();
    let r = c
        .call(
            Action::new("Redirect")
                .field("Channel", caller.name.clone())
                .field("Exten", "600")
                .field("Context", "from-internal")
                .field("Priority", "1"),
        )
        .await;
    assert_eq!(r.message().get("Message"), Some("Redirect successful"));
    let chans = sim.channels();
    assert_eq!(chans.len(), 1);
    assert_eq!(chans[0].name, caller.name);

    let r = c
        .call(Action::new("Hangup").field("Channel", caller.name.clone()))
        .await;
    assert_eq!(r.message().get("Message"), Some("Channel Hungup"));
    assert!(sim.channels().is_empty());
    let r = c
        .call(Action::new("Hangup").field("Channel", caller.name.clone()))
        .await;
    assert_eq!(r.message().get("Message"), Some("No such channel"));
    let r = c
        .call(Action::new("Status").field("Channel", caller.name.clone()))
        .await;
    assert_eq!(r.message().get("Message"), Some("No such channel"));
    let r = c.call(Action::new("NoSuchAction")).await;
    assert_eq!(
        r.message().get("Message"),
        Some(
            "Invalid/unknown command: NoSuchAction. Use Action: ListCommands to show available commands."
        )
    );
    // Events: off at login, so nothing but responses arrived.
    assert!(
        c.seen
            .iter()
            .all(|f| f.message().event().is_none() || f.message().action_id().is_some())
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn legacy_lists_and_command() {
    let sim = sim(Dialect::Legacy).await;
    let mut c = connect(&sim).await;
    c.login("off").await;
    let (head, items, done) = c.list(Action::new("SIPpeers"), "PeerlistComplete").await;
    assert_eq!(
        head.message().get("Message"),
        Some("Peer status list will follow")
    );
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].message().get("IPaddress"), Some("127.0.0.1"));
    assert_eq!(items[2].message().get("IPaddress"), Some("-none-"));
    assert_eq!(done.message().get("ListItems"), Some("3"));

    // Legacy Status: no EventList headers, StatusComplete with Items.
    let (head, items, done) = c.list(Action::new("Status"), "StatusComplete").await;
    assert!(head.message().get("EventList").is_none());
    assert!(items.is_empty());
    assert!(done.message().get("EventList").is_none());
    assert_eq!(done.message().get("Items"), Some("0"));

    let r = c
        .call(Action::new("Command").field("Command", "core show version"))
        .await;
    assert_eq!(r.kind(), FrameKind::CommandOutput);
    assert!(r.as_bytes().ends_with(b"UTC\n--END COMMAND--\r\n\r\n"));
    let r = c
        .call(Action::new("ExtensionState").field("Exten", "1001"))
        .await;
    assert_eq!(r.message().get("Status"), Some("0"));
    assert!(r.message().get("StatusText").is_none());
    let r = c.call(Action::new("ExtensionStateList")).await;
    assert_eq!(r.message().response(), Some("Error"));
    let r = c.call(Action::new("Events").field("EventMask", "on")).await;
    assert_eq!(r.message().get("Events"), Some("On"));
    sim.unregister("1002").unwrap();
    let seen = c.until("ExtensionStatus", &[("Exten", "1002")]).await;
    assert!(find(&seen, "PeerStatus", "PeerStatus", "Unregistered").is_some());
    assert_eq!(seen.last().unwrap().message().get("Status"), Some("4"));
    sim.shutdown().await;
}

#[tokio::test]
async fn registration_changes_follow_in_modern() {
    let (sim, mut c) = watch(Dialect::Modern).await;
    sim.register("1003").unwrap();
    c.until_all(&[
        ("PeerStatus", "PeerStatus", "Reachable"),
        ("ExtensionStatus", "Status", "0"),
        ("ContactStatus", "ContactStatus", "NonQualified"),
        ("DeviceStateChange", "State", "NOT_INUSE"),
    ])
    .await;
    c.seen.clear();
    sim.unregister("1003").unwrap();
    c.until_all(&[
        ("PeerStatus", "PeerStatus", "Unreachable"),
        ("ExtensionStatus", "Status", "4"),
        ("ContactStatus", "ContactStatus", "Removed"),
    ])
    .await;
    assert!(sim.register("9999").is_err());
}

#[tokio::test]
async fn hold_and_blind_transfer_in_both_dialects() {
    for dialect in [Dialect::Modern, Dialect::Legacy] {
        let (sim, mut c) = watch(dialect).await;
        sim.register("1003").unwrap();
        let script = CallScript::new("1001", "1002")
            .then(10 * MS, CallStep::Answer)
            .then(10 * MS, CallStep::Hold(Party::Callee))
            .then(10 * MS, CallStep::Unhold(Party::Callee))
            .then(
                10 * MS,
                CallStep::BlindTransfer {
                    by: Party::Callee,
                    to: "1003".into(),
                },
            )
            .then(10 * MS, CallStep::Answer)
            .then(10 * MS, CallStep::CallerHangup);
        sim.play(script).unwrap();
        let (transfer, key) = if dialect == Dialect::Modern {
            ("BlindTransfer", "Extension")
        } else {
            ("Transfer", "TransferExten")
        };
        c.until_all(&[
            ("ExtensionStatus", "Status", "16"),
            (transfer, key, "1003"),
            ("Hangup", "CallerIDNum", "1003"),
            ("Hangup", "CallerIDNum", "1001"),
        ])
        .await;
        let seen = c.seen.clone();
        if dialect == Dialect::Modern {
            assert!(find(&seen, "Hold", "CallerIDNum", "1002").is_some());
            assert!(find(&seen, "Unhold", "CallerIDNum", "1002").is_some());
            let t = find(&seen, "BlindTransfer", "Extension", "1003")
                .unwrap()
                .message();
            assert_eq!(t.get("TransfererCallerIDNum"), Some("1002"));
            assert_eq!(t.get("TransfereeCallerIDNum"), Some("1001"));
        } else {
            assert!(find(&seen, "Hold", "Status", "On").is_some());
            assert!(find(&seen, "Hold", "Status", "Off").is_some());
            let t = find(&seen, "Transfer", "TransferExten", "1003")
                .unwrap()
                .message();
            assert_eq!(t.get("TransferType"), Some("Blind"));
        }
        // The transferee talked to 1003 afterwards: a second bridge and CDR.
        let cdrs = seen
            .iter()
            .filter(|f| f.message().event() == Some("Cdr"))
            .count();
        assert!(cdrs >= 1);
        let to_1003 = seen
            .iter()
            .filter(|f| f.message().event() == Some("Newchannel"))
            .any(|f| f.message().get("CallerIDNum") == Some("1003"));
        assert!(to_1003);
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn dropped_connections_keep_the_pbx_state() {
    let (sim, mut c) = watch(Dialect::Modern).await;
    sim.play(CallScript::new("1001", "1002").then(10 * MS, CallStep::Answer))
        .unwrap();
    c.until("BridgeEnter", &[("CallerIDNum", "1001")]).await;
    sim.drop_all_connections();
    assert!(c.closed().await);
    // While nobody watches, the call ends and a new one starts.
    let first = sim.channels()[0].name.clone();
    sim.hangup(&first, 16).unwrap();
    sim.play(CallScript::new("1002", "1001")).unwrap();
    let mut c = connect(&sim).await;
    c.login("on").await;
    let (_, items, _) = c
        .list(Action::new("CoreShowChannels"), "CoreShowChannelsComplete")
        .await;
    let callers: Vec<_> = items
        .iter()
        .map(|f| f.message().get("CallerIDNum").unwrap().to_owned())
        .collect();
    assert_eq!(items.len(), 2, "{callers:?}");
    assert!(
        items
            .iter()
            .all(|f| f.message().get("Channel") != Some(first.as_str()))
    );
    assert_eq!(sim.connection_count(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn events_mask_is_respected() {
    let sim = sim(Dialect::Modern).await;
    let mut off = connect(&sim).await;
    off.login("off").await;
    let mut cdr_only = connect(&sim).await;
    cdr_only.login("cdr").await;
    sim.play(CallScript::busy("1001", "1002")).unwrap();
    cdr_only.until("Cdr", &[]).await;
    assert!(
        cdr_only
            .seen
            .iter()
            .filter_map(|f| f.message().event())
            .all(|e| e == "Cdr")
    );
    // Turn events on for the other session, then see the next call.
    let r = off
        .call(Action::new("Events").field("EventMask", "on"))
        .await;
    assert_eq!(r.message().get("Events"), Some("On"));
    assert!(off.seen.iter().all(|f| f.message().event().is_none()));
    sim.play(CallScript::busy("1001", "1002")).unwrap();
    off.until("Newchannel", &[]).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn tls_listener_with_a_private_ca() {
    use std::sync::Arc;
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::{
        CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName,
    };

    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, &ca_key);
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let chain = vec![CertificateDer::from(leaf.der().to_vec())];
    let sim = PbxSimulator::start(config(Dialect::Modern).with_tls(chain, key).unwrap())
        .await
        .unwrap();

    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(ca.der().to_vec())).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let tcp = TcpStream::connect(sim.addr()).await.unwrap();
    let tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    let mut c = Client::new(tls, "tls").await;
    assert_eq!(c.banner, "Asterisk Call Manager/11.0.0");
    c.login("off").await;
    let pong = c.call(Action::new("Ping")).await;
    assert_eq!(pong.message().get("Ping"), Some("Pong"));
    sim.shutdown().await;
}

/// The events that make up a call's flow, as compared with the captures.
const FLOW: &[&str] = &[
    "Newchannel",
    "Newstate",
    "DialBegin",
    "DialState",
    "DialEnd",
    "Dial",
    "BridgeCreate",
    "BridgeEnter",
    "BridgeLeave",
    "BridgeDestroy",
    "Bridge",
    "Unlink",
    "HangupRequest",
    "SoftHangupRequest",
    "Hangup",
    "Cdr",
];

fn flow(frames: &[yeastar_ami::Frame]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|f| {
            let m = f.message();
            let name = m.event()?;
            if !FLOW.contains(&name) {
                return None;
            }
            // Name the detail that tells the dialects' variants apart.
            let detail = ["SubEvent", "DialStatus", "Cause", "Disposition"]
                .iter()
                .find_map(|k| m.get(k));
            Some(match detail {
                Some(d) => format!("{name}:{d}"),
                None => name.to_owned(),
            })
        })
        .collect()
}

fn recorded_flow(dir: &str, name: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir)
        .join(format!("{name}.s2c.raw"));
    let mut buf = bytes::BytesMut::from(&std::fs::read(path).unwrap()[..]);
    let mut decoder = yeastar_ami::Decoder::default();
    let mut frames = Vec::new();
    while let Some(f) = decoder.decode(&mut buf).unwrap() {
        frames.push(f);
    }
    flow(&frames)
}

#[tokio::test]
async fn scripted_calls_match_the_captures_event_for_event() {
    let ring = 20 * MS;
    let cases = [
        (
            Dialect::Modern,
            "asterisk",
            "events_call_1001_to_1002_answered",
            CallScript::answered("1001", "1002", ring, ring),
        ),
        (
            Dialect::Modern,
            "asterisk",
            "events_call_1001_to_1002_busy",
            CallScript::busy("1001", "1002"),
        ),
        (
            Dialect::Modern,
            "asterisk",
            "events_call_1001_to_1002_cancel",
            CallScript::cancelled("1001", "1002", ring),
        ),
        (
            Dialect::Modern,
            "asterisk",
            "events_call_1001_to_1002_noanswer",
            CallScript::no_answer("1001", "1002", ring),
        ),
        (
            Dialect::Modern,
            "asterisk",
            "events_call_1001_to_1003_unregistered",
            CallScript::new("1001", "1003"),
        ),
        (
            Dialect::Legacy,
            "asterisk-legacy",
            "events_call_1001_to_1002_answered",
            CallScript::answered("1001", "1002", ring, ring),
        ),
        (
            Dialect::Legacy,
            "asterisk-legacy",
            "events_call_1001_to_1002_busy",
            CallScript::busy("1001", "1002"),
        ),
        (
            Dialect::Legacy,
            "asterisk-legacy",
            "events_call_1001_to_1002_cancel",
            CallScript::cancelled("1001", "1002", ring),
        ),
    ];
    for (dialect, dir, name, script) in cases {
        let (sim, mut c) = watch(dialect).await;
        sim.play(script).unwrap();
        timeout(LIMIT, async {
            while sim.call_count() > 0 {
                tokio::time::sleep(5 * MS).await;
            }
        })
        .await
        .unwrap();
        // Everything the call produced was queued before this response.
        c.call(Action::new("Ping")).await;
        assert_eq!(flow(&c.seen), recorded_flow(dir, name), "{dir}/{name}");
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn stalled_writes_resume_in_order() {
    let (sim, mut c) = watch(Dialect::Modern).await;
    sim.stall_writes(true);
    sim.play(CallScript::busy("1001", "1002")).unwrap();
    // Nothing arrives while stalled.
    let mut byte = [0u8; 1];
    let quiet = timeout(
        100 * MS,
        tokio::io::AsyncReadExt::read(&mut c.stream, &mut byte),
    )
    .await;
    assert!(quiet.is_err(), "bytes arrived while stalled");
    sim.stall_writes(false);
    c.until_all(&[
        ("Cdr", "Disposition", "BUSY"),
        ("Hangup", "CallerIDNum", "1001"),
    ])
    .await;
    assert_eq!(pos(&c.seen, "Newchannel"), 0);
    sim.shutdown().await;
}
