//! The root docker-compose.yml and Dockerfile, read as files: the services and their profiles,
//! every environment variable a name the binary really reads, the port mappings (the RTP range
//! on the native SIP service only), and that the image holds each binary the compose file runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_yaml_ng::{Mapping, Value};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn compose() -> Value {
    let text = std::fs::read_to_string(root().join("docker-compose.yml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

fn service<'a>(compose: &'a Value, name: &str) -> &'a Mapping {
    compose["services"][name]
        .as_mapping()
        .unwrap_or_else(|| panic!("no service {name}"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .map(|s| s.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn environment(service: &Mapping) -> Mapping {
    service
        .get("environment")
        .and_then(Value::as_mapping)
        .cloned()
        .unwrap_or_default()
}

fn env_names(service: &Mapping) -> BTreeSet<String> {
    environment(service)
        .keys()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect()
}

/// The value as written (`${VAR:-default}` left as is).
fn env_value(service: &Mapping, name: &str) -> String {
    match environment(service).get(name) {
        Some(Value::String(s)) => s.clone(),
        other => panic!("{name}: {other:?}"),
    }
}

/// Every Rust source file under `dir`.
fn sources(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// Variables read outside the examples' sources: the log filter.
const EXTERNAL: [&str; 1] = ["RUST_LOG"];

#[test]
fn services_and_profiles() {
    let compose = compose();
    let names: BTreeSet<&str> = compose["services"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "yeastar-service",
            "pjsip-native",
            "pjsip-websocket",
            "doctor"
        ])
    );
    let profiles = |name| strings(&compose["services"][name]["profiles"]);
    assert_eq!(profiles("yeastar-service"), ["ami", "combined"]);
    assert_eq!(profiles("pjsip-native"), ["native", "combined"]);
    assert_eq!(profiles("pjsip-websocket"), ["websocket"]);
    assert_eq!(profiles("doctor"), ["doctor"]);
    // The combined setup is AMI and native SIP: exactly the two services of its profile.
    let combined: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| profiles(n).iter().any(|p| p == "combined"))
        .collect();
    assert_eq!(combined, ["pjsip-native", "yeastar-service"]);
}

#[test]
fn every_variable_is_one_the_service_reads() {
    let compose = compose();
    let mut examples = String::new();
    sources(&root().join("examples/src"), &mut examples);
    let config = std::fs::read_to_string(root().join("yeastar-core/src/config.rs")).unwrap();
    for (name, _) in compose["services"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        for var in env_names(service(&compose, name)) {
            let quoted = format!("\"{var}\"");
            assert!(
                EXTERNAL.contains(&var.as_str())
                    || examples.contains(&quoted)
                    || config.contains(&quoted),
                "{name}: {var} is read by no service"
            );
        }
    }

    let ami = env_names(service(&compose, "yeastar-service"));
    for var in [
        "YEASTAR_HOST",
        "YEASTAR_PORT",
        "YEASTAR_USERNAME",
        "YEASTAR_PASSWORD",
        "HTTP_ADDR",
        "CONSOLE_TOKEN",
    ] {
        assert!(ami.contains(var), "yeastar-service lacks {var}");
    }
    assert!(!ami.iter().any(|v| v.starts_with("RTP_")), "{ami:?}");

    let native = service(&compose, "pjsip-native");
    for var in [
        "SIP_SERVER",
        "SIP_PORT",
        "SIP_TRANSPORT",
        "SIP_USERS",
        "RTP_PORT_MIN",
        "RTP_PORT_MAX",
    ] {
        assert!(env_names(native).contains(var), "pjsip-native lacks {var}");
    }
    assert_eq!(env_value(native, "SIP_TRANSPORT"), "UDP");
    assert_eq!(env_value(native, "SIP_PORT"), "${SIP_PORT:-5060}");
    assert_eq!(env_value(native, "RTP_PORT_MIN"), "${RTP_PORT_MIN:-5700}");
    assert_eq!(env_value(native, "RTP_PORT_MAX"), "${RTP_PORT_MAX:-5750}");

    let ws = service(&compose, "pjsip-websocket");
    assert_eq!(env_value(ws, "SIP_TRANSPORT"), "WSS");
    assert_eq!(env_value(ws, "SIP_USE_WEBSOCKET"), "true");
    assert_eq!(
        env_value(ws, "SIP_WEBSOCKET_URL"),
        "${SIP_WEBSOCKET_URL:-wss://192.168.1.10:8089/ws}"
    );
    assert!(
        !env_names(ws).iter().any(|v| v.starts_with("RTP_")),
        "signalling only: no RTP settings"
    );
    assert_eq!(
        env_value(service(&compose, "yeastar-service"), "YEASTAR_PORT"),
        "${YEASTAR_PORT:-5038}"
    );

    // Every interpolation has a default, so `docker compose config` needs no variable set.
    let text = std::fs::read_to_string(root().join("docker-compose.yml")).unwrap();
    for (at, _) in text.match_indices("${") {
        let end = text[at..].find('}').unwrap();
        let expr = &text[at + 2..at + end];
        assert!(expr.contains(":-"), "${{{expr}}} has no default");
    }
}

#[test]
fn ports_and_the_rtp_range_on_the_native_service_only() {
    let compose = compose();
    let ports = |name| strings(&compose["services"][name]["ports"]);
    assert_eq!(ports("yeastar-service"), ["${HTTP_PORT:-8080}:8080"]);
    assert_eq!(
        ports("pjsip-native"),
        [
            "${PJSIP_HTTP_PORT:-8081}:8080",
            "${RTP_PORT_MIN:-5700}-${RTP_PORT_MAX:-5750}:${RTP_PORT_MIN:-5700}-${RTP_PORT_MAX:-5750}/udp",
        ]
    );
    assert_eq!(
        ports("pjsip-websocket"),
        ["${PJSIP_WS_HTTP_PORT:-8082}:8080"]
    );
    assert!(ports("doctor").is_empty());
    let udp: Vec<String> = compose["services"]
        .as_mapping()
        .unwrap()
        .iter()
        .flat_map(|(name, _)| ports(name.as_str().unwrap()))
        .filter(|p| p.ends_with("/udp"))
        .collect();
    assert_eq!(
        udp.len(),
        1,
        "one UDP mapping, the native RTP range: {udp:?}"
    );
    // Host HTTP ports are distinct, so the combined setup starts both services.
    let hosts: BTreeSet<String> = ["yeastar-service", "pjsip-native", "pjsip-websocket"]
        .iter()
        .map(|n| ports(n)[0].split(':').next().unwrap().to_owned())
        .collect();
    assert_eq!(hosts.len(), 3);
}

#[test]
fn the_image_builds_every_binary_the_compose_file_runs() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let compose = compose();
    let bins = root().join("examples/src/bin");
    let mut commands = BTreeSet::new();
    for (name, service) in compose["services"].as_mapping().unwrap() {
        let command = strings(&service["command"]);
        let binary = command
            .first()
            .unwrap_or_else(|| panic!("{name:?} names no command"))
            .clone();
        assert_eq!(
            service["image"].as_str(),
            Some("yeastar-rs:latest"),
            "{name:?}"
        );
        assert_eq!(service["build"].as_str(), Some("."), "{name:?}");
        commands.insert(binary);
    }
    for binary in &commands {
        assert!(
            bins.join(format!("{binary}.rs")).is_file(),
            "{binary} is not an example binary"
        );
        assert!(
            dockerfile.contains(&format!("--bin {binary}")),
            "the Dockerfile does not build {binary}"
        );
        assert!(
            dockerfile.contains(&format!("target/release/{binary}"))
                && dockerfile.contains(&format!("/out/{binary}")),
            "the Dockerfile does not copy {binary} into the image"
        );
    }
    // Multi-stage, a slim runtime with the CA roots, and not root.
    assert!(dockerfile.contains("FROM rust:1.95-slim-bookworm AS builder"));
    assert!(dockerfile.contains("FROM debian:bookworm-slim"));
    assert!(dockerfile.contains("ca-certificates"));
    let user = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER line");
    assert_ne!(user.trim(), "root");
    assert!(dockerfile.contains("--release --locked"));

    let ignore = std::fs::read_to_string(root().join(".dockerignore")).unwrap();
    for pattern in ["target/", "fuzz/artifacts/", "fuzz/corpus/"] {
        assert!(ignore.lines().any(|l| l == pattern), "{pattern}");
    }
}
