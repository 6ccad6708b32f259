//! `quickstart`: live calls of a PBX as a refreshing table.
//!
//! With no configuration it starts the embedded PBX simulator in-process, connects to it, plays
//! a short scripted scenario (a call rings, is answered, held, transferred and ends; a second
//! call gets busy) and exits 0 once every call has ended. With `YEASTAR_HOST` set it watches
//! that PBX instead (same variables as `yeastar-service`) until Ctrl-C.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use yeastar_ami::calls::{CallEvent, ExtensionEvent};
use yeastar_ami::client::{AmiClient, ClientConfig};
use yeastar_ami::monitor::AmiEvent;
use yeastar_ami::sim::{CallScript, CallStep, Party, PbxSimulator, SimConfig};
use yeastar_examples::{ami_config_from_env, init_logging, pbx_configured};

/// The simulated scenario must finish within this time.
const SCENARIO_LIMIT: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    if pbx_configured() {
        let config = match ami_config_from_env() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("quickstart: configuration error: {e}");
                return ExitCode::from(2);
            }
        };
        return watch(config, None).await;
    }
    println!("No YEASTAR_HOST set: starting the embedded PBX simulator (Asterisk 22 dialect).");
    let sim = match PbxSimulator::start(SimConfig::modern()).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("quickstart: cannot start the simulator: {e}");
            return ExitCode::from(1);
        }
    };
    let mut config = ClientConfig::new("127.0.0.1", "ami_user", "ami_password");
    config.port = sim.addr().port();
    let code = watch(config, Some(&sim)).await;
    sim.shutdown().await;
    code
}

async fn watch(config: ClientConfig, sim: Option<&PbxSimulator>) -> ExitCode {
    let target = format!("{}:{}", config.host, config.port);
    let client = match AmiClient::connect(config).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("quickstart: {target}: {e}");
            return ExitCode::from(1);
        }
    };
    let started = Instant::now();
    if let Some(sim) = sim
        && let Err(e) = play_scenario(sim)
    {
        eprintln!("quickstart: simulator refused the scenario: {e}");
        return ExitCode::from(1);
    }
    let mut ended = 0;
    let mut log: Vec<String> = Vec::new();
    loop {
        let next = tokio::time::timeout(Duration::from_millis(500), client.next_event());
        let event = tokio::select! {
            e = next => e.ok().flatten(),
            _ = tokio::signal::ctrl_c() => break,
        };
        match &event {
            Some(AmiEvent::Call(event)) => {
                if matches!(event, CallEvent::Ended { .. }) {
                    ended += 1;
                }
                log.push(describe(event, started));
                render(&client, &log, &target).await;
            }
            Some(AmiEvent::Extension(event)) => {
                log.push(describe_extension(event, started));
                render(&client, &log, &target).await;
            }
            _ => {}
        }
        if sim.is_some() {
            let calls = client.calls().await.unwrap_or_default();
            if ended >= 2 && calls.is_empty() {
                println!("Scenario complete: {ended} calls ended.");
                client.close().await;
                return ExitCode::SUCCESS;
            }
            if started.elapsed() > SCENARIO_LIMIT {
                eprintln!("quickstart: the scenario did not finish within {SCENARIO_LIMIT:?}");
                return ExitCode::from(1);
            }
        }
    }
    client.close().await;
    ExitCode::SUCCESS
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

fn describe_extension(event: &ExtensionEvent, started: Instant) -> String {
    let t = started.elapsed().as_secs_f32();
    format!(
        "{t:5.1}s  extension {} is {}",
        event.extension,
        event.status.state.as_str()
    )
}

fn describe(event: &CallEvent, started: Instant) -> String {
    let t = started.elapsed().as_secs_f32();
    match event {
        CallEvent::Ended {
            call,
            cause,
            duration,
            ..
        } => format!(
            "{t:5.1}s  {:<11} {} -> {} (cause {}, {} s)",
            "ended",
            call.from_number.as_deref().unwrap_or("?"),
            call.to.as_deref().unwrap_or("?"),
            cause.map_or("-".to_string(), |c| c.to_string()),
            duration.as_secs()
        ),
        other => {
            let call = other.call();
            format!(
                "{t:5.1}s  {:<11} {} -> {}",
                other.name(),
                call.from_number.as_deref().unwrap_or("?"),
                call.to.as_deref().unwrap_or("?"),
            )
        }
    }
}

async fn render(client: &AmiClient, log: &[String], target: &str) {
    let calls = client.calls().await.unwrap_or_default();
    let mut extensions = client.extensions().await.unwrap_or_default();
    let mut out = std::io::stdout().lock();
    if std::io::stdout().is_terminal() {
        let _ = write!(out, "\x1b[2J\x1b[H");
    } else {
        let _ = writeln!(out, "{}", "-".repeat(72));
    }
    let _ = writeln!(out, "PBX {target}");
    let _ = writeln!(
        out,
        "{:<22} {:<12} {:<9} {:<8} {:<8} {:>5}",
        "CALL", "STATE", "DIRECTION", "FROM", "TO", "SECS"
    );
    for call in calls {
        let _ = writeln!(
            out,
            "{:<22} {:<12} {:<9} {:<8} {:<8} {:>5}",
            call.id,
            format!("{:?}", call.state).to_lowercase(),
            call.direction.as_str(),
            call.from_number.as_deref().unwrap_or("?"),
            call.to.as_deref().unwrap_or("?"),
            call.duration(std::time::SystemTime::now()).as_secs()
        );
    }
    extensions.sort_by(|a, b| a.0.cmp(&b.0));
    let line: Vec<String> = extensions
        .iter()
        .map(|(e, s)| {
            let reg = match s.registered {
                Some(true) => "",
                Some(false) => " (unregistered)",
                None => "",
            };
            format!("{e}: {}{reg}", s.state.as_str())
        })
        .collect();
    let _ = writeln!(out, "EXTENSIONS  {}", line.join("  "));
    let _ = writeln!(out, "EVENTS");
    for entry in log.iter().rev().take(8).rev() {
        let _ = writeln!(out, "  {entry}");
    }
    let _ = out.flush();
}
