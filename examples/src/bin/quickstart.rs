//! `quickstart`: live calls of a PBX as a refreshing table, through `yeastar_core::Pbx`.
//!
//! - Without `YEASTAR_HOST` it starts the embedded PBX simulator in-process and watches it
//!   over AMI, plays a short scripted scenario (a call rings, is answered, held, transferred
//!   and ends; a second call gets busy) and exits 0 once every call has ended.
//! - With `YEASTAR_HOST` (and `YEASTAR_USERNAME`, `YEASTAR_PASSWORD`) it watches that PBX
//!   over AMI instead, until Ctrl-C.
//! - With `SIP_SERVER` and `SIP_USERS` it also registers those extensions (native SIP, or
//!   WebSocket with `SIP_TRANSPORT=WS|WSS`) and shows the SIP side: each account's
//!   registration and our own calls, joined with the AMI's view when the PBX names their
//!   Call-ID; it then runs until Ctrl-C, unregistering on the way out. `SIP_LOCAL_ADDR` picks
//!   the local address. Calls to our extensions are refused (480): the quickstart only
//!   watches.
//!
//! The variables are those of `yeastar_core::config`; a wrong one exits 2 naming it.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use yeastar_ami::sim::{CallScript, CallStep, Party, PbxSimulator, SimConfig};
use yeastar_core::calls::{CallEvent, PbxEvent, RegistrationState, Source};
use yeastar_core::config::RawSettings;
use yeastar_core::pbx::{Event, ModeStatus, Pbx, PbxOptions};
use yeastar_core::{ActiveCall, Mode};
use yeastar_examples::init_logging;
use yeastar_examples::sip::local_addr_from_env;

/// The simulated scenario must finish within this time.
const SCENARIO_LIMIT: Duration = Duration::from_secs(30);
/// The simulator's manager user.
const SIM_USER: (&str, &str) = ("ami_user", "ami_password");

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let mut settings = match RawSettings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("quickstart: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let sim = if settings.ami.host.is_none() {
        println!("No YEASTAR_HOST set: starting the embedded PBX simulator (Asterisk 22 dialect).");
        let sim = match PbxSimulator::start(SimConfig::modern()).await {
            Ok(sim) => sim,
            Err(e) => {
                eprintln!("quickstart: cannot start the simulator: {e}");
                return ExitCode::from(1);
            }
        };
        settings.ami.host = Some("127.0.0.1".into());
        settings.ami.port = Some(sim.addr().port());
        settings.ami.username = Some(SIM_USER.0.into());
        settings.ami.password = Some(yeastar_core::config::Secret::new(SIM_USER.1));
        settings.ami.tls = None;
        settings.ami.ca_file = None;
        Some(sim)
    } else {
        None
    };
    let config = match settings.resolve() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("quickstart: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut options = PbxOptions::default();
    match local_addr_from_env() {
        Ok(local) => options.sip_local_addr = local,
        Err(e) => {
            eprintln!("quickstart: configuration error: {e}");
            return ExitCode::from(2);
        }
    }
    if let Some(sip) = &config.sip {
        println!(
            "SIP configured: registering {} at {} over {}.",
            sip.users
                .iter()
                .map(|u| u.extension.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            sip.websocket_url
                .clone()
                .or_else(|| sip.server.clone())
                .unwrap_or_default(),
            sip.transport
        );
    }
    let watch_forever = sim.is_none() || config.sip.is_some();
    let pbx = match Pbx::start_with(config, options).await {
        Ok(pbx) => pbx,
        Err(e) => {
            eprintln!("quickstart: {e}");
            return ExitCode::from(2);
        }
    };
    let code = watch(&pbx, sim.as_ref(), watch_forever).await;
    pbx.shutdown().await;
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    code
}

async fn watch(pbx: &Pbx, sim: Option<&PbxSimulator>, watch_forever: bool) -> ExitCode {
    let started = Instant::now();
    let mut scenario_played = false;
    let mut scenario_done = false;
    let mut ended = 0;
    let mut log: Vec<String> = Vec::new();
    loop {
        let next = tokio::time::timeout(Duration::from_millis(500), pbx.next_event());
        let event = tokio::select! {
            e = next => e.ok().flatten(),
            _ = tokio::signal::ctrl_c() => return ExitCode::SUCCESS,
        };
        if let Some(event) = event {
            if let Event::Pbx {
                event: PbxEvent::Call(CallEvent::Ended { call, .. }),
                ..
            } = &event
                && call.source == Source::Ami
            {
                ended += 1;
            }
            if let Some(line) = describe(&event, started) {
                log.push(line);
            }
            render(pbx, &log).await;
        }
        // The scenario starts once the AMI is logged in to the simulator.
        if let Some(sim) = sim
            && !scenario_played
            && pbx.status().mode(Mode::Ami).is_some_and(|s| s.connected)
        {
            scenario_played = true;
            if let Err(e) = play_scenario(sim) {
                eprintln!("quickstart: simulator refused the scenario: {e}");
                return ExitCode::from(1);
            }
        }
        if sim.is_some() && !scenario_done {
            let ami_calls = pbx
                .active_calls()
                .iter()
                .filter(|c| c.ami_id.is_some())
                .count();
            if ended >= 2 && ami_calls == 0 {
                scenario_done = true;
                println!("Scenario complete: {ended} calls ended.");
                if !watch_forever {
                    return ExitCode::SUCCESS;
                }
                println!("Watching the SIP side until Ctrl-C.");
            } else if started.elapsed() > SCENARIO_LIMIT {
                eprintln!("quickstart: the scenario did not finish within {SCENARIO_LIMIT:?}");
                return ExitCode::from(1);
            }
        }
    }
}

fn play_scenario(sim: &PbxSimulator) -> Result<(), yeastar_ami::sim::SimError> {
    let s = Duration::from_millis(700);
    sim.register("1003")?;
    sim.play(
        CallScript::new("1001", "1002")
            .caller_name("Front desk")
            .then(s, CallStep::Answer)
            .then(s, CallStep::Hold(Party::Callee))
            .then(s, CallStep::Unhold(Party::Callee))
            .then(
                s,
                CallStep::BlindTransfer {
                    by: Party::Callee,
                    to: "1003".into(),
                },
            )
            .then(s * 2, CallStep::CallerHangup),
    )?;
    sim.play(CallScript::new("1003", "1002").then(s * 8, CallStep::Busy))?;
    Ok(())
}

/// One line of the event log, for the events worth one.
fn describe(event: &Event, started: Instant) -> Option<String> {
    let t = started.elapsed().as_secs_f32();
    Some(match event {
        Event::Pbx {
            mode,
            event: PbxEvent::Call(call),
        } => {
            let mode = mode.as_str();
            let c = call.call();
            let from = c.from_number.as_deref().unwrap_or("?");
            let to = c.to.as_deref().unwrap_or("?");
            match call {
                CallEvent::Ended {
                    cause, duration, ..
                } => format!(
                    "{t:5.1}s  {mode:<9} {:<11} {from} -> {to} (cause {}, {} s)",
                    "ended",
                    cause.map_or("-".to_string(), |c| c.to_string()),
                    duration.as_secs()
                ),
                other => format!("{t:5.1}s  {mode:<9} {:<11} {from} -> {to}", other.name()),
            }
        }
        Event::Pbx {
            mode,
            event: PbxEvent::Extension(e),
        } => format!(
            "{t:5.1}s  {:<9} extension {} is {}",
            mode.as_str(),
            e.extension,
            e.status.state.as_str()
        ),
        Event::Pbx {
            mode,
            event: PbxEvent::Registration(r),
        } => format!(
            "{t:5.1}s  {:<9} {} {}{}",
            mode.as_str(),
            r.account,
            r.state.as_str(),
            match (&r.state, &r.reason) {
                (RegistrationState::Failed, Some(reason)) => format!(": {reason}"),
                _ => String::new(),
            }
        ),
        Event::Joined { call, absorbed, .. } => {
            format!(
                "{t:5.1}s  joined    AMI call {absorbed} is our SIP call {}",
                call.id
            )
        }
        Event::Status(s) => format!("{t:5.1}s  {:<9} {}", s.mode.as_str(), status_text(s)),
        Event::Incoming(call) => format!(
            "{t:5.1}s  incoming  {} -> {} (refused: the quickstart only watches)",
            call.from, call.to
        ),
        Event::Lagged { missed } => format!("{t:5.1}s  {missed} events missed"),
        _ => return None,
    })
}

fn status_text(s: &ModeStatus) -> String {
    let mut text = format!(
        "{} {}",
        s.target,
        if s.connected {
            "connected"
        } else {
            "not connected"
        }
    );
    if !s.accounts.is_empty() {
        let accounts: Vec<String> = s
            .accounts
            .iter()
            .map(|a| {
                format!(
                    "{} {}",
                    a.extension,
                    if a.registered {
                        "registered"
                    } else {
                        "unregistered"
                    }
                )
            })
            .collect();
        text.push_str(&format!(" ({})", accounts.join(", ")));
    }
    if let Some(e) = &s.last_error
        && !s.connected
    {
        text.push_str(&format!(": {e}"));
    }
    text
}

fn sources(call: &ActiveCall) -> &'static str {
    match (call.ami_id.is_some(), call.sip_call_ids.is_empty()) {
        (true, false) => "ami+sip",
        (true, true) => "ami",
        _ if call.call.source == Source::WebSocket => "websocket",
        _ => "sip",
    }
}

async fn render(pbx: &Pbx, log: &[String]) {
    let calls = pbx.active_calls();
    let board: BTreeMap<String, _> = pbx.extension_status().await;
    let status = pbx.status();
    let mut out = std::io::stdout().lock();
    if std::io::stdout().is_terminal() {
        let _ = write!(out, "\x1b[2J\x1b[H");
    } else {
        let _ = writeln!(out, "{}", "-".repeat(72));
    }
    for mode in &status.modes {
        let _ = writeln!(out, "{:<9} {}", mode.mode.as_str(), status_text(mode));
    }
    let _ = writeln!(
        out,
        "{:<26} {:<8} {:<12} {:<9} {:<8} {:<8} {:>5}",
        "CALL", "SEEN BY", "STATE", "DIRECTION", "FROM", "TO", "SECS"
    );
    for call in &calls {
        let c = &call.call;
        let _ = writeln!(
            out,
            "{:<26} {:<8} {:<12} {:<9} {:<8} {:<8} {:>5}",
            c.id,
            sources(call),
            format!("{:?}", c.state).to_lowercase(),
            c.direction.as_str(),
            c.from_number.as_deref().unwrap_or("?"),
            c.to.as_deref().unwrap_or("?"),
            c.duration(SystemTime::now()).as_secs()
        );
    }
    let line: Vec<String> = board
        .iter()
        .map(|(e, s)| {
            let reg = match s.registered {
                Some(false) => " (unregistered)",
                _ => "",
            };
            format!("{e}: {}{reg}", s.state.as_str())
        })
        .collect();
    let _ = writeln!(out, "EXTENSIONS  {}", line.join("  "));
    let _ = writeln!(out, "EVENTS");
    for entry in log.iter().rev().take(10).rev() {
        let _ = writeln!(out, "  {entry}");
    }
    let _ = out.flush();
}
