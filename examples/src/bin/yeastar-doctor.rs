//! `yeastar-doctor`: the troubleshooting checklist against the PBX the services are configured
//! for (the same environment variables), each check with PASS/FAIL/SKIP and, on failure, the fix.
//!
//! ```text
//! yeastar-doctor [--json] [--timeout SECONDS]
//! ```
//!
//! Exit code: 0 when no check failed, 1 when one did, 2 on a configuration error (the message
//! names the variable). `--json` prints one JSON document on stdout instead of the text.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use yeastar_core::config::PbxConfig;
use yeastar_core::diagnose::{self, Options};
use yeastar_examples::init_logging;
use yeastar_examples::sip::local_addr_from_env;

const USAGE: &str = "usage: yeastar-doctor [--json] [--timeout SECONDS]

Runs the troubleshooting checklist against the PBX named by YEASTAR_HOST/YEASTAR_PORT/
YEASTAR_USERNAME/YEASTAR_PASSWORD (AMI) and SIP_SERVER/SIP_PORT/SIP_TRANSPORT/SIP_USERS/
SIP_WEBSOCKET_URL/RTP_PORT_MIN/RTP_PORT_MAX (SIP). Exit 0: all passed, 1: a check failed,
2: configuration error.";

struct Args {
    json: bool,
    timeout: Duration,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        json: false,
        timeout: diagnose::DEFAULT_STEP_TIMEOUT,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => args.json = true,
            "--timeout" => {
                let value = it.next().ok_or("--timeout needs a number of seconds")?;
                let secs: f64 = value
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s <= 600.0)
                    .ok_or_else(|| format!("--timeout {value:?}: seconds between 0 and 600"))?;
                args.timeout = Duration::from_secs_f64(secs);
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

/// A configuration error: told on stderr, and as JSON on stdout with `--json`.
fn config_error(json: bool, variable: &str, reason: &str) -> ExitCode {
    eprintln!("yeastar-doctor: configuration error: {variable}: {reason}");
    if json {
        let doc = json!({ "passed": false, "error": { "variable": variable, "reason": reason } });
        println!("{doc}");
    }
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("yeastar-doctor: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = match PbxConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            let reason = match e.entry {
                Some(n) => format!("entry {n}: {}", e.reason),
                None => e.reason.clone(),
            };
            return config_error(args.json, e.setting, &reason);
        }
    };
    if config.ami.is_none() && config.sip.is_none() {
        return config_error(
            args.json,
            "YEASTAR_HOST",
            "nothing to check: set YEASTAR_HOST (AMI) and/or SIP_SERVER with SIP_USERS (SIP)",
        );
    }
    let mut options = Options::default().with_step_timeout(args.timeout);
    match local_addr_from_env() {
        Ok(Some(addr)) => options = options.with_local_ip(addr.ip()),
        Ok(None) => {}
        Err(e) => return config_error(args.json, e.variable, &e.reason),
    }
    let report = diagnose::run_with(&config, &options).await;
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{report}");
    }
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
