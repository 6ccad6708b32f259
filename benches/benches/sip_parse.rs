//! SIP parsing throughput on the realistic PBX mix (`yeastar-sip/tests/data/mix.txt`), all in
//! one run: yeastar-sip three ways (lenient on demand, lenient with every known header typed,
//! strict), sofia-sip 1.12 (the eager typed C parser: `msg_extract`), rsip 0.4 with its typed
//! headers, and a bare memchr line splitter as the floor. Plus per-message times for
//! INVITE+SDP, REGISTER and 200 OK.
//!
//! sofia-sip is linked when `build.rs` finds it (`libsofia-sip-ua-dev`); otherwise the bench
//! says so and runs without it.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rsip::prelude::{HasHeaders, ToTypedHeader};

/// Messages in the expanded mix (the weights are percentages).
const MIX_LEN: usize = 1000;
/// Fixed seed so every parser and every run sees the same order.
const SHUFFLE_SEED: u64 = 0x5eed_0f51_9b3c_0001;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../yeastar-sip/tests/data")
}

fn load(name: &str) -> Vec<u8> {
    fs::read(corpus_dir().join("realistic").join(name)).expect("corpus file")
}

/// Expands `mix.txt` into `MIX_LEN` messages (largest-remainder rounding), then shuffles
/// them deterministically.
fn mix() -> Vec<Vec<u8>> {
    let text = fs::read_to_string(corpus_dir().join("mix.txt")).expect("mix.txt");
    let mut shares: Vec<(String, f64)> = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let mut parts = line.split_whitespace();
        let Some(weight) = parts.next().and_then(|w| w.parse::<f64>().ok()) else {
            continue;
        };
        let files: Vec<&str> = parts.collect();
        for f in &files {
            shares.push(((*f).to_string(), weight / files.len() as f64));
        }
    }
    let total: f64 = shares.iter().map(|s| s.1).sum();
    let mut counts: Vec<(String, usize, f64)> = shares
        .iter()
        .map(|(f, w)| {
            let exact = w / total * MIX_LEN as f64;
            (f.clone(), exact.floor() as usize, exact - exact.floor())
        })
        .collect();
    let assigned: usize = counts.iter().map(|c| c.1).sum();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by(|&a, &b| counts[b].2.total_cmp(&counts[a].2).then(a.cmp(&b)));
    for &i in order.iter().take(MIX_LEN - assigned) {
        counts[i].1 += 1;
    }
    let mut seq: Vec<Vec<u8>> = Vec::with_capacity(MIX_LEN);
    for (file, n, _) in &counts {
        let bytes = load(file);
        seq.extend(std::iter::repeat_n(bytes, *n));
    }
    // Fisher-Yates with splitmix64.
    let mut state = SHUFFLE_SEED;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for i in (1..seq.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        seq.swap(i, j);
    }
    seq
}

/// yeastar-sip, lenient: parse, then type every known header (all values of list headers).
fn ours(bytes: &[u8]) -> usize {
    match yeastar_sip::Message::parse(bytes) {
        Ok(msg) => {
            let typed = msg.validate_headers().is_ok();
            black_box(&msg);
            msg.header_count() + usize::from(typed)
        }
        Err(_) => 0,
    }
}

/// yeastar-sip, lenient and on demand: parse, then read what a transaction and dialog layer
/// reads of every message (top Via branch, From and To tags, Call-ID, CSeq); other headers
/// stay as located text.
fn ours_on_demand(bytes: &[u8]) -> usize {
    let Ok(msg) = yeastar_sip::Message::parse(bytes) else {
        return 0;
    };
    let branch = msg.top_via().ok().flatten().and_then(|v| v.branch());
    let from_tag = msg.from().ok().flatten().and_then(|f| f.tag());
    let to_tag = msg.to().ok().flatten().and_then(|t| t.tag());
    let call_id = msg.call_id().ok().flatten();
    let cseq = msg.cseq().ok().flatten().map(|c| c.seq);
    black_box((branch, from_tag, to_tag, call_id, cseq));
    msg.header_count()
}

/// yeastar-sip, strict: the parse itself types every known header and checks the RFC 3261
/// grammar (CRLF, single spaces, SIP/2.0, CSeq method).
fn ours_strict(bytes: &[u8]) -> usize {
    match yeastar_sip::Message::parse_strict(bytes) {
        Ok(msg) => {
            black_box(&msg);
            msg.header_count() + 1
        }
        Err(_) => 0,
    }
}

/// sofia-sip: `msg_extract` types every header it knows while parsing (see `sofia/shim.c`).
fn sofia(bytes: &[u8]) -> usize {
    match yeastar_benches::sofia::parse(bytes) {
        Some(yeastar_benches::sofia::SofiaOutcome::Typed) => 2,
        Some(_) => 1,
        None => 0,
    }
}

/// rsip 0.4: parse, then convert every header that has a typed form.
fn rsip_typed(bytes: &[u8]) -> usize {
    let Ok(msg) = rsip::SipMessage::try_from(bytes) else {
        return 0;
    };
    let mut ok = 0;
    for h in msg.headers().iter() {
        use rsip::Header as H;
        let typed = match h {
            H::Via(v) => v.typed().map(black_box).is_ok(),
            H::From(v) => v.typed().map(black_box).is_ok(),
            H::To(v) => v.typed().map(black_box).is_ok(),
            H::Contact(v) => v.typed().map(black_box).is_ok(),
            H::CSeq(v) => v.typed().map(black_box).is_ok(),
            H::Route(v) => v.typed().map(black_box).is_ok(),
            H::RecordRoute(v) => v.typed().map(black_box).is_ok(),
            H::ContentType(v) => v.typed().map(black_box).is_ok(),
            H::Allow(v) => v.typed().map(black_box).is_ok(),
            H::Accept(v) => v.typed().map(black_box).is_ok(),
            H::Authorization(v) => v.typed().map(black_box).is_ok(),
            H::ProxyAuthorization(v) => v.typed().map(black_box).is_ok(),
            H::WwwAuthenticate(v) => v.typed().map(black_box).is_ok(),
            H::ProxyAuthenticate(v) => v.typed().map(black_box).is_ok(),
            H::Warning(v) => v.typed().map(black_box).is_ok(),
            H::ContentLength(v) => v.length().is_ok(),
            H::Expires(v) => v.seconds().is_ok(),
            H::MinExpires(v) => v.seconds().is_ok(),
            H::MaxForwards(v) => v.num().is_ok(),
            // No typed form in rsip: the parsed untyped header is all there is.
            other => {
                black_box(other);
                true
            }
        };
        ok += usize::from(typed);
    }
    black_box(&msg);
    ok
}

/// Floor: find each line end and each colon with memchr, nothing else.
fn memchr_lines(bytes: &[u8]) -> usize {
    let mut start = 0;
    let mut fields = 0;
    for nl in memchr::memchr_iter(b'\n', bytes) {
        let line = &bytes[start..nl];
        start = nl + 1;
        if line.len() <= 1 {
            break;
        }
        if let Some(colon) = memchr::memchr(b':', line) {
            fields += black_box(colon) & 1;
        }
    }
    fields + start
}

/// `SIP_PARSE_ONCE=<function>` (`yeastar`, `yeastar-on-demand`, `yeastar-strict`,
/// `sofia-sip`, `rsip`, `memchr-lines`, `none`) runs one function once over the mix and exits, so an
/// instruction counter (`valgrind --tool=callgrind`) can compare them exactly on a busy
/// machine; `none` builds the mix only, to subtract. `SIP_PARSE_FILE=<file>` replaces the
/// mix by `MIX_LEN` copies of one corpus message.
fn run_once_if_asked(seq: &[Vec<u8>]) {
    let Ok(which) = std::env::var("SIP_PARSE_ONCE") else {
        return;
    };
    let single: Vec<Vec<u8>>;
    let seq = match std::env::var("SIP_PARSE_FILE") {
        Ok(file) => {
            single = vec![load(&file); MIX_LEN];
            &single[..]
        }
        Err(_) => seq,
    };
    let f: fn(&[u8]) -> usize = match which.as_str() {
        "yeastar" => ours,
        "yeastar-on-demand" => ours_on_demand,
        "yeastar-strict" => ours_strict,
        "sofia-sip" if yeastar_benches::sofia::AVAILABLE => sofia,
        "sofia-sip" => panic!("built without sofia-sip (see benches/build.rs)"),
        "rsip" => rsip_typed,
        "memchr-lines" => memchr_lines,
        "none" => |_| 0,
        other => panic!("unknown function {other}"),
    };
    let total: usize = seq.iter().map(|m| f(black_box(m))).sum();
    // scripts/instr-gate divides by the message count printed here.
    eprintln!("{which}: {total} ({} messages)", seq.len());
    std::process::exit(0);
}

fn bench(c: &mut Criterion) {
    let seq = mix();
    run_once_if_asked(&seq);
    let total_bytes: usize = seq.iter().map(Vec::len).sum();
    let rejected = |f: fn(&[u8]) -> usize| seq.iter().filter(|m| f(m) == 0).count();
    let ours_failures = seq
        .iter()
        .filter(|m| {
            yeastar_sip::Message::parse(m)
                .and_then(|msg| msg.validate_headers())
                .is_err()
        })
        .count();
    eprintln!(
        "mix: {} messages, {total_bytes} bytes (avg {:.0} B); rejected: yeastar-sip {ours_failures}, \
         yeastar-sip strict {}, rsip {}",
        seq.len(),
        total_bytes as f64 / seq.len() as f64,
        rejected(ours_strict),
        seq.iter()
            .filter(|m| rsip::SipMessage::try_from(m.as_slice()).is_err())
            .count(),
    );
    let with_sofia = yeastar_benches::sofia::AVAILABLE;
    if with_sofia {
        let outcomes = |want| {
            seq.iter()
                .filter(|m| yeastar_benches::sofia::parse(m) == Some(want))
                .count()
        };
        use yeastar_benches::sofia::SofiaOutcome as S;
        eprintln!(
            "sofia-sip: {} typed, {} with erroneous headers, {} rejected",
            outcomes(S::Typed),
            outcomes(S::WithErroneousHeaders),
            outcomes(S::Rejected)
        );
    } else {
        eprintln!(
            "sofia-sip: NOT MEASURED, the bench was built without it \
             (apt-get install libsofia-sip-ua-dev pkg-config, then rebuild)"
        );
    }

    let mut group = c.benchmark_group("sip_parse/mix");
    group.throughput(Throughput::Elements(seq.len() as u64));
    let mut on_mix = |name: &str, f: fn(&[u8]) -> usize| {
        group.bench_function(name, |b| {
            b.iter(|| seq.iter().map(|m| f(black_box(m))).sum::<usize>());
        });
    };
    on_mix("yeastar_sip_on_demand", ours_on_demand);
    on_mix("yeastar_sip_typed", ours);
    on_mix("yeastar_sip_strict", ours_strict);
    if with_sofia {
        on_mix("sofia_sip", sofia);
    }
    on_mix("rsip_typed", rsip_typed);
    on_mix("memchr_lines", memchr_lines);
    group.finish();

    let mut group = c.benchmark_group("sip_parse/mix_bytes");
    group.throughput(Throughput::Bytes(total_bytes as u64));
    group.bench_function("yeastar_sip_typed", |b| {
        b.iter(|| seq.iter().map(|m| ours(black_box(m))).sum::<usize>());
    });
    group.finish();

    for (label, file) in [
        ("invite_sdp", "07_invite_sdp_yealink.sip"),
        ("register", "03_register_auth_md5_yealink.sip"),
        ("200_ok", "06_200_register_asterisk.sip"),
    ] {
        let bytes = load(file);
        let mut group = c.benchmark_group(format!("sip_parse/{label}"));
        group.throughput(Throughput::Elements(1));
        group.bench_function("yeastar_sip_typed", |b| b.iter(|| ours(black_box(&bytes))));
        group.bench_function("yeastar_sip_strict", |b| {
            b.iter(|| ours_strict(black_box(&bytes)))
        });
        if with_sofia {
            group.bench_function("sofia_sip", |b| b.iter(|| sofia(black_box(&bytes))));
        }
        group.bench_function("rsip_typed", |b| b.iter(|| rsip_typed(black_box(&bytes))));
        group.bench_function("memchr_lines", |b| {
            b.iter(|| memchr_lines(black_box(&bytes)))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
