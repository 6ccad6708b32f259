//! Registration on the simulated network: digest (MD5, SHA-256), stale nonces, wrong
//! passwords, 403, 423, refresh timing, NAT re-registration, keep-alives, unregistration.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::time::Duration;

use support::{Net, Registrar, addr, config, header};
use yeastar_sip::ua::digest::DigestAlgorithm;
use yeastar_sip::ua::{
    AccountConfig, Event, Outbound, RegistrationError, RegistrationEvent, Remote, TransportKind,
    refresh_delay,
};

fn reg_events(events: &[Event]) -> Vec<RegistrationEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Registration { event, .. } => Some(event.clone()),
            _ => None,
        })
        .collect()
}

fn setup(
    registrar: Registrar,
    password: &str,
) -> (Net, usize, usize, yeastar_sip::ua::AccountHandle) {
    let mut net = Net::new(7);
    let ua = net.ua("192.0.2.7:5060", config(1));
    let reg = net.registrar("192.0.2.10:5060", registrar);
    let now = net.now;
    let account = net
        .ep(ua)
        .add_account(
            AccountConfig::new(
                "1001",
                "pbx.example.com",
                password,
                Remote::udp(addr("192.0.2.10:5060")),
            ),
            now,
        )
        .unwrap();
    (net, ua, reg, account)
}

#[test]
fn challenge_then_registered_md5_and_sha256() {
    for alg in [
        DigestAlgorithm::Md5,
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha512_256,
    ] {
        let mut r = Registrar::new("asterisk", "1001", "secret");
        r.algorithm = alg;
        let (mut net, ua, reg, _) = setup(r, "secret");
        net.run_for(Duration::from_secs(2));
        let ev = reg_events(&net.events(ua));
        assert_eq!(
            ev,
            vec![RegistrationEvent::Registered {
                expires: Duration::from_secs(3600),
                contact: "<sip:1001@192.0.2.7:5060>".into(),
            }],
            "{alg:?}"
        );
        assert_eq!(net.reg(reg).log, vec![401, 200]);
        let registers = net.wire_lines("REGISTER");
        let auth = header(&registers[1].3, "Authorization").unwrap();
        assert!(
            auth.contains(&format!("algorithm={}", alg.as_str())),
            "{auth}"
        );
        assert!(auth.contains("nc=00000001"));
        // Same Call-ID, next CSeq (§10.2.4 / §22.2).
        assert_eq!(
            header(&registers[0].3, "Call-ID"),
            header(&registers[1].3, "Call-ID")
        );
        assert_eq!(header(&registers[0].3, "CSeq").unwrap(), "1 REGISTER");
        assert_eq!(header(&registers[1].3, "CSeq").unwrap(), "2 REGISTER");
    }
}

#[test]
fn refresh_follows_the_documented_rule_and_stale_nonce_is_retried_silently() {
    let mut r = Registrar::new("asterisk", "1001", "secret");
    r.max_expires = 120;
    let (mut net, ua, reg, _) = setup(r, "secret");
    net.run_for(Duration::from_secs(1));
    assert!(matches!(
        reg_events(&net.events(ua))[..],
        [RegistrationEvent::Registered { expires, .. }] if expires == Duration::from_secs(120)
    ));
    let registered_at = net.wire_lines("REGISTER")[1].0;
    // The registrar forgets the nonce: the refresh is challenged with stale=true.
    net.reg(reg).rotate_nonce();
    net.run_for(Duration::from_secs(100));
    let registers = net.wire_lines("REGISTER");
    assert_eq!(registers.len(), 4, "refresh, challenged, answered");
    let refresh_at = registers[2].0 - registered_at;
    let want = refresh_delay(Duration::from_secs(120));
    assert!(
        refresh_at >= want && refresh_at < want + Duration::from_millis(100),
        "{refresh_at:?}"
    );
    assert_eq!(net.reg(reg).log, vec![401, 200, 401, 200]);
    let ev = reg_events(&net.events(ua));
    assert_eq!(ev.len(), 1, "no failure reported for a stale nonce: {ev:?}");
    assert!(matches!(ev[0], RegistrationEvent::Registered { .. }));
}

#[test]
fn wrong_password_is_a_typed_error_then_retry_with_backoff() {
    let (mut net, ua, reg, _) = setup(Registrar::new("asterisk", "1001", "secret"), "wrong");
    net.run_for(Duration::from_secs(2));
    let ev = reg_events(&net.events(ua));
    assert_eq!(
        ev[0],
        RegistrationEvent::Failed(RegistrationError::AuthRejected { status: 401 })
    );
    let RegistrationEvent::Retrying { after } = ev[1] else {
        panic!("{ev:?}")
    };
    assert!(
        after >= Duration::from_secs(15) && after <= Duration::from_secs(30),
        "{after:?}"
    );
    assert_eq!(net.reg(reg).log, vec![401, 401], "one answer, then give up");
    // It comes back after the backoff; the second failure waits about twice as long.
    net.run_for(after + Duration::from_secs(1));
    let ev = reg_events(&net.events(ua));
    let RegistrationEvent::Retrying { after: second } = ev[1] else {
        panic!("{ev:?}")
    };
    assert!(
        second >= Duration::from_secs(30) && second <= Duration::from_secs(60),
        "{second:?}"
    );
}

#[test]
fn forbidden_is_auth_rejected() {
    let mut r = Registrar::new("asterisk", "1001", "secret");
    r.forbid_bad = true;
    let (mut net, ua, _, _) = setup(r, "wrong");
    net.run_for(Duration::from_secs(2));
    let ev = reg_events(&net.events(ua));
    assert_eq!(
        ev[0],
        RegistrationEvent::Failed(RegistrationError::AuthRejected { status: 403 })
    );
}

#[test]
fn interval_too_brief_retries_with_min_expires() {
    let mut r = Registrar::new("asterisk", "1001", "secret");
    r.min_expires = 7200;
    r.max_expires = 7200;
    let (mut net, ua, reg, _) = setup(r, "secret");
    net.run_for(Duration::from_secs(2));
    // The retry carries credentials for the same nonce: no second challenge.
    assert_eq!(net.reg(reg).log, vec![401, 423, 200]);
    let registers = net.wire_lines("REGISTER");
    assert_eq!(
        header(&registers.last().unwrap().3, "Expires").unwrap(),
        "7200"
    );
    let ev = reg_events(&net.events(ua));
    assert!(
        matches!(ev[..], [RegistrationEvent::Registered { expires, .. }] if expires == Duration::from_secs(7200))
    );
}

#[test]
fn nat_learns_public_address_and_replaces_the_binding() {
    let mut net = Net::new(3);
    let ua = net.ua("10.0.0.2:5060", config(2));
    net.hosts[ua].public = Some(addr("203.0.113.9:40123"));
    let reg = net.registrar(
        "192.0.2.10:5060",
        Registrar::new("asterisk", "1001", "secret"),
    );
    let now = net.now;
    net.ep(ua)
        .add_account(
            AccountConfig::new(
                "1001",
                "pbx.example.com",
                "secret",
                Remote::udp(addr("192.0.2.10:5060")),
            ),
            now,
        )
        .unwrap();
    net.run_for(Duration::from_secs(2));
    let ev = reg_events(&net.events(ua));
    assert_eq!(
        ev,
        vec![RegistrationEvent::Registered {
            expires: Duration::from_secs(3600),
            contact: "<sip:1001@203.0.113.9:40123>".into()
        }]
    );
    let registers = net.wire_lines("REGISTER");
    let last = &registers.last().unwrap().3;
    let contact = header(last, "Contact").unwrap();
    assert!(
        contact.contains("<sip:1001@10.0.0.2:5060>;expires=0"),
        "{contact}"
    );
    assert!(
        contact.contains("<sip:1001@203.0.113.9:40123>"),
        "{contact}"
    );
    assert_eq!(
        net.reg(reg).bindings,
        vec![("sip:1001@203.0.113.9:40123".to_owned(), 3600)]
    );
}

#[test]
fn udp_keepalive_is_options_to_the_registrar() {
    let (mut net, ua, reg, _) = setup(Registrar::new("asterisk", "1001", "secret"), "secret");
    net.run_for(Duration::from_secs(100));
    let options = net.wire_lines("OPTIONS");
    assert_eq!(options.len(), 3, "every 25 s");
    assert_eq!(net.reg(reg).options, 3);
    assert!(options.iter().all(|o| o.2 == addr("192.0.2.10:5060")));
    assert!(reg_events(&net.events(ua)).len() == 1);
}

#[test]
fn tcp_keepalive_pings_and_a_missing_pong_fails_the_flow() {
    let mut net = Net::new(5);
    let ua = net.ua("192.0.2.7:5060", config(4));
    let mut r = Registrar::new("asterisk", "1001", "secret");
    r.outbound = true;
    let reg = net.registrar("192.0.2.10:5060", r);
    let now = net.now;
    let mut acc = AccountConfig::new(
        "1001",
        "pbx.example.com",
        "secret",
        Remote::new(addr("192.0.2.10:5060"), TransportKind::Tcp),
    );
    acc.outbound = Some(Outbound {
        instance: "urn:uuid:00000000-0000-1000-8000-000000000001".into(),
        reg_id: 1,
    });
    acc.keepalive = Some(Duration::from_secs(30));
    net.ep(ua).add_account(acc, now).unwrap();
    net.run_for(Duration::from_secs(65));
    let registers = net.wire_lines("REGISTER");
    let contact = header(&registers[0].3, "Contact").unwrap();
    assert!(
        contact.contains(";ob>")
            && contact.contains("reg-id=1")
            && contact.contains("+sip.instance=\"<urn:uuid:"),
        "{contact}"
    );
    assert!(registers.iter().all(|r| r.2 == addr("192.0.2.10:5060")));
    let pings = net.wire.iter().filter(|w| &w.4[..] == b"\r\n\r\n").count();
    let pongs = net.wire.iter().filter(|w| &w.4[..] == b"\r\n").count();
    assert_eq!((pings, pongs), (2, 2));
    assert_eq!(reg_events(&net.events(ua)).len(), 1);
    // The registrar stops answering pings: the flow fails after PONG_TIMEOUT and the
    // account registers again.
    net.reg(reg).outbound = false;
    net.run_for(Duration::from_secs(45));
    let ev = reg_events(&net.events(ua));
    assert_eq!(
        ev[0],
        RegistrationEvent::Failed(RegistrationError::FlowFailed)
    );
    assert!(matches!(ev[1], RegistrationEvent::Retrying { .. }));
}

#[test]
fn silent_registrar_times_out_with_timer_e_and_f() {
    let mut r = Registrar::new("asterisk", "1001", "secret");
    r.silent = true;
    let (mut net, ua, _, _) = setup(r, "secret");
    net.run_for(Duration::from_secs(33));
    let times: Vec<u128> = net
        .wire_lines("REGISTER")
        .iter()
        .map(|w| w.0.as_millis())
        .collect();
    assert_eq!(
        times,
        vec![
            0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500
        ]
    );
    let ev = reg_events(&net.events(ua));
    assert_eq!(ev[0], RegistrationEvent::Failed(RegistrationError::Timeout));
}

#[test]
fn unregister_sends_expires_zero() {
    let (mut net, ua, reg, account) = setup(Registrar::new("asterisk", "1001", "secret"), "secret");
    net.run_for(Duration::from_secs(2));
    net.events(ua);
    let now = net.now;
    net.ep(ua).unregister(account, now).unwrap();
    net.run_for(Duration::from_secs(2));
    assert_eq!(
        reg_events(&net.events(ua)),
        vec![RegistrationEvent::Unregistered]
    );
    let last = net.wire_lines("REGISTER").last().unwrap().3.clone();
    assert_eq!(header(&last, "Expires").unwrap(), "0");
    assert!(net.reg(reg).bindings.is_empty());
    assert!(net.ep(ua).is_idle());
}

#[test]
fn websocket_binding_names_the_invalid_host_and_keeps_the_contact() {
    let mut net = Net::new(11);
    let ua = net.ua("192.0.2.7:5060", config(11));
    net.ep(ua)
        .add_binding(yeastar_sip::ua::LocalBinding::websocket(
            true,
            "df7jal23ls0d",
        ));
    let reg = net.registrar(
        "192.0.2.10:443",
        Registrar::new("asterisk", "1001", "secret"),
    );
    let now = net.now;
    net.ep(ua)
        .add_account(
            AccountConfig::new(
                "1001",
                "pbx.example.com",
                "secret",
                Remote::new(addr("192.0.2.10:443"), TransportKind::Wss),
            ),
            now,
        )
        .unwrap();
    net.run_for(Duration::from_secs(2));
    let first = &net.wire_lines("REGISTER")[0].3;
    assert!(
        header(first, "Via")
            .unwrap()
            .starts_with("SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK")
    );
    assert_eq!(
        header(first, "Contact").unwrap(),
        "<sip:1001@df7jal23ls0d.invalid;transport=wss>"
    );
    // The registrar saw 192.0.2.7 but a WebSocket Contact names no address: no rewrite.
    assert_eq!(net.reg(reg).log, vec![401, 200]);
    assert!(matches!(
        &reg_events(&net.events(ua))[..],
        [RegistrationEvent::Registered { contact, .. }] if contact == "<sip:1001@df7jal23ls0d.invalid;transport=wss>"
    ));
}

#[test]
fn refresh_reuses_the_nonce_with_the_next_count() {
    let mut r = Registrar::new("asterisk", "1001", "secret");
    r.max_expires = 60;
    let (mut net, ua, reg, _) = setup(r, "secret");
    net.run_for(Duration::from_secs(100));
    assert_eq!(
        net.reg(reg).log,
        vec![401, 200, 200, 200, 200],
        "refreshes at 30, 60 and 90 s need no challenge"
    );
    let registers = net.wire_lines("REGISTER");
    let counts: Vec<String> = registers[1..]
        .iter()
        .map(|r| {
            header(&r.3, "Authorization")
                .unwrap()
                .split("nc=")
                .nth(1)
                .unwrap()[..8]
                .to_owned()
        })
        .collect();
    assert_eq!(counts, vec!["00000001", "00000002", "00000003", "00000004"]);
    assert_eq!(reg_events(&net.events(ua)).len(), 4);
}
