//! RFC 3263 server location against a small authoritative DNS server on loopback that answers
//! from a fixed zone (NAPTR, SRV, A, AAAA), built with hickory's own message types.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hickory_resolver::proto::op::{Message, ResponseCode};
use hickory_resolver::proto::rr::rdata::{A, AAAA, NAPTR, SRV};
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use tokio::net::UdpSocket;
use yeastar_sip::driver::SipResolver;
use yeastar_sip::ua::{Remote, TransportKind};

fn name(s: &str) -> Name {
    Name::from_ascii(s).unwrap()
}

/// The zone's answers to one question.
fn answers(qname: &str, qtype: RecordType) -> Vec<RData> {
    let qname = qname.trim_end_matches('.').to_ascii_lowercase();
    match (qname.as_str(), qtype) {
        // NAPTR prefers TCP, then UDP.
        ("pbx.test", RecordType::NAPTR) => vec![
            RData::NAPTR(NAPTR::new(
                20,
                10,
                b"s".to_vec().into(),
                b"SIP+D2U".to_vec().into(),
                Box::default(),
                name("_sip._udp.pbx.test."),
            )),
            RData::NAPTR(NAPTR::new(
                10,
                10,
                b"s".to_vec().into(),
                b"SIP+D2T".to_vec().into(),
                Box::default(),
                name("_sip._tcp.pbx.test."),
            )),
        ],
        ("_sip._tcp.pbx.test", RecordType::SRV) => vec![
            RData::SRV(SRV::new(20, 0, 5080, name("backup.pbx.test."))),
            RData::SRV(SRV::new(10, 10, 5070, name("edge1.pbx.test."))),
            RData::SRV(SRV::new(10, 50, 5071, name("edge2.pbx.test."))),
        ],
        ("_sip._udp.pbx.test", RecordType::SRV) => {
            vec![RData::SRV(SRV::new(10, 0, 5060, name("edge1.pbx.test.")))]
        }
        // No NAPTR: SRV for UDP.
        ("_sip._udp.srv-only.test", RecordType::SRV) => {
            vec![RData::SRV(SRV::new(0, 0, 5062, name("edge1.pbx.test.")))]
        }
        // sips: TLS only.
        ("_sips._tcp.secure.test", RecordType::SRV) => {
            vec![RData::SRV(SRV::new(0, 0, 5063, name("edge2.pbx.test.")))]
        }
        ("edge1.pbx.test", RecordType::A) => vec![RData::A(A(Ipv4Addr::new(127, 0, 0, 21)))],
        ("edge2.pbx.test", RecordType::A) => vec![RData::A(A(Ipv4Addr::new(127, 0, 0, 22)))],
        ("backup.pbx.test", RecordType::A) => vec![RData::A(A(Ipv4Addr::new(127, 0, 0, 23)))],
        ("plain.test", RecordType::A) => vec![RData::A(A(Ipv4Addr::new(127, 0, 0, 24)))],
        ("v6.test", RecordType::AAAA) => vec![RData::AAAA(AAAA(Ipv6Addr::LOCALHOST))],
        _ => Vec::new(),
    }
}

/// Serves the zone on a loopback UDP port; counts the queries.
async fn zone_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    let queries = Arc::new(AtomicUsize::new(0));
    let count = queries.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                return;
            };
            let Ok(query) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            count.fetch_add(1, Ordering::SeqCst);
            let mut reply = Message::response(query.metadata.id, query.metadata.op_code);
            reply.metadata.authoritative = true;
            reply.metadata.recursion_desired = query.metadata.recursion_desired;
            reply.metadata.recursion_available = true;
            for q in &query.queries {
                reply.add_query(q.clone());
                let found = answers(&q.name().to_ascii(), q.query_type());
                for data in found {
                    reply.add_answer(Record::from_rdata(q.name().clone(), 60, data));
                }
            }
            if reply.answers.is_empty() {
                reply.metadata.response_code = ResponseCode::NXDomain;
            }
            let _ = socket.send_to(&reply.to_vec().unwrap(), from).await;
        }
    });
    (addr, queries)
}

fn remote(addr: &str, transport: TransportKind) -> Remote {
    Remote::new(addr.parse().unwrap(), transport)
}

#[tokio::test]
async fn naptr_then_srv_then_addresses() {
    let (dns, queries) = zone_server().await;
    let resolver = SipResolver::with_name_server(dns).unwrap();
    // NAPTR picks TCP (order 10); SRV priority 10 with the heavier weight first, then the
    // priority 20 backup.
    let found = resolver
        .locate("pbx.test", None, None, false)
        .await
        .unwrap();
    assert_eq!(
        found,
        [
            remote("127.0.0.22:5071", TransportKind::Tcp),
            remote("127.0.0.21:5070", TransportKind::Tcp),
            remote("127.0.0.23:5080", TransportKind::Tcp),
        ]
    );
    assert!(queries.load(Ordering::SeqCst) >= 5);
    // An explicit transport skips NAPTR: SRV for UDP.
    let found = resolver
        .locate("pbx.test", None, Some(TransportKind::Udp), false)
        .await
        .unwrap();
    assert_eq!(found, [remote("127.0.0.21:5060", TransportKind::Udp)]);
    // An explicit port skips SRV: A only.
    let found = resolver
        .locate("edge2.pbx.test", Some(5099), None, false)
        .await
        .unwrap();
    assert_eq!(found, [remote("127.0.0.22:5099", TransportKind::Udp)]);
}

#[tokio::test]
async fn srv_without_naptr_and_plain_addresses() {
    let (dns, _) = zone_server().await;
    let resolver = SipResolver::with_name_server(dns).unwrap();
    let found = resolver
        .locate("srv-only.test", None, None, false)
        .await
        .unwrap();
    assert_eq!(found, [remote("127.0.0.21:5062", TransportKind::Udp)]);
    let found = resolver
        .locate("secure.test", None, None, true)
        .await
        .unwrap();
    assert_eq!(found, [remote("127.0.0.22:5063", TransportKind::Tls)]);
    // Neither NAPTR nor SRV: A at 5060 over UDP.
    let found = resolver
        .locate("plain.test", None, None, false)
        .await
        .unwrap();
    assert_eq!(found, [remote("127.0.0.24:5060", TransportKind::Udp)]);
    let found = resolver
        .locate("v6.test", None, Some(TransportKind::Tcp), false)
        .await
        .unwrap();
    assert_eq!(found, [remote("[::1]:5060", TransportKind::Tcp)]);
    // IP literals need no DNS.
    let found = resolver.locate("[::1]", None, None, true).await.unwrap();
    assert_eq!(found, [remote("[::1]:5061", TransportKind::Tls)]);
    // A name with no record at all is a typed error naming it.
    let err = resolver
        .locate("nowhere.test", None, None, false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nowhere.test"), "{err}");
}
