//! The UAS of the SIP load benchmark (`benches/sip-load/run.sh`): yeastar-sip's user agent on
//! one UDP socket and one thread, answering every INVITE with 200 and an SDP answer (no media),
//! taking the ACK and answering the BYE.
//!
//! ```text
//! sip_uas [LISTEN_ADDR]        (default 127.0.0.2:5070)
//! ```
//!
//! Every second it prints `answered=N live=N` to stderr.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use yeastar_sip::driver::{AgentConfig, AgentEvent, MediaOptions, UdpTransport, UserAgent};

/// Calls and transactions the endpoint may hold at once: far above what the load reaches.
const TABLE_LIMIT: usize = 1_000_000;

fn main() -> ExitCode {
    let arg = std::env::args().nth(1);
    let addr: SocketAddr = match arg.as_deref().unwrap_or("127.0.0.2:5070").parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("sip_uas: listen address: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sip_uas: runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(serve(addr))
}

async fn serve(addr: SocketAddr) -> ExitCode {
    let udp = match UdpTransport::bind(addr).await {
        Ok(u) => u,
        Err(e) => {
            eprintln!("sip_uas: bind {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    let mut config = AgentConfig::new(vec![Box::new(udp)]);
    config.endpoint.limits.max_calls = TABLE_LIMIT;
    config.endpoint.limits.max_transactions = TABLE_LIMIT;
    config.endpoint.limits.max_queued_events = TABLE_LIMIT;
    config.endpoint.session_timer.expires = None;
    config.event_queue = 1 << 16;
    let (agent, mut events) = match UserAgent::start(config) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("sip_uas: {e}");
            return ExitCode::from(1);
        }
    };
    let (mut answered, mut ended) = (0u64, 0u64);
    let mut report = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            event = events.next() => match event {
                Some(AgentEvent::Incoming(incoming)) => {
                    if incoming.call.answer(MediaOptions::default()).await.is_ok() {
                        answered += 1;
                    }
                }
                Some(AgentEvent::Completed(_)) => ended += 1,
                Some(_) => {}
                None => break,
            },
            _ = report.tick() => {
                eprintln!("answered={answered} live={}", answered.saturating_sub(ended));
            }
        }
    }
    drop(agent);
    ExitCode::SUCCESS
}
