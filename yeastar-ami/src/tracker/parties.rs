//! Who the parties of a call are: direction, extension, outside number, answerer.

use std::sync::Arc;
use yeastar_calls::{Call, CallLeg, Direction};

use super::config::TrackerConfig;

/// Channel technologies whose channels are phones or trunks (a peer name follows the `/`).
const DEVICE_TECHS: [&str; 6] = ["SIP", "PJSIP", "IAX2", "DAHDI", "WebRTC", "Motif"];

/// The endpoint name inside a channel name, for device technologies only: `1001` for
/// `PJSIP/1001-00000000`, `my-trunk` for `SIP/my-trunk-0000002a`; `None` for `Local/…`,
/// conference announcers and other internal channels.
pub fn peer_of_channel(name: &str) -> Option<&str> {
    let (tech, rest) = name.split_once('/')?;
    // The spellings Asterisk uses first; other case variants after.
    let device = matches!(tech, "PJSIP" | "SIP")
        || DEVICE_TECHS.iter().any(|t| t.eq_ignore_ascii_case(tech));
    if !device {
        return None;
    }
    // The suffix after the last '-' is a hex sequence number; device names may contain '-'.
    let peer = match rest.rsplit_once('-') {
        Some((peer, seq)) if !seq.is_empty() && seq.bytes().all(|b| b.is_ascii_hexdigit()) => peer,
        _ => rest,
    };
    (!peer.is_empty()).then_some(peer)
}

/// `PJSIP/1002` or `SIP/1002` (a device or queue member interface) → `1002`.
pub(crate) fn device_name(device: &str) -> &str {
    device.rsplit_once('/').map_or(device, |(_, n)| n)
}

/// True for a leg that is a phone or a trunk (not a `Local` half or an internal channel).
pub(crate) fn is_device_leg(leg: &CallLeg) -> bool {
    peer_of_channel(&leg.name).is_some()
}

/// The party a leg stands for: its peer when that is one of our extensions, else its caller
/// ID number, else its peer (a trunk).
pub(crate) fn party_of_leg(config: &TrackerConfig, leg: &CallLeg) -> Option<Arc<str>> {
    let peer = peer_of_channel(&leg.name);
    if let Some(peer) = peer.filter(|p| config.extensions.is_extension(p)) {
        return Some(peer.into());
    }
    if peer.is_some() {
        return leg.caller_number.clone().or_else(|| peer.map(Arc::from));
    }
    None
}

/// Number-based guess: digits that are not an extension are outside numbers; names and
/// feature codes (`*97`, `voicemail`) are PBX-internal.
fn number_is_external(config: &TrackerConfig, number: &str) -> bool {
    let digits = number.strip_prefix('+').unwrap_or(number);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !config.extensions.is_extension(number)
}

fn leg_is_external(config: &TrackerConfig, leg: &CallLeg) -> Option<bool> {
    let peer = peer_of_channel(&leg.name)?;
    if config.is_trunk(peer) {
        Some(true)
    } else if config.extensions.is_extension(peer) {
        Some(false)
    } else {
        None
    }
}

/// Recomputes direction, extension and external number from what is known now.
pub(crate) fn refresh_parties(config: &TrackerConfig, call: &mut Call) {
    let caller_external = call
        .legs
        .first()
        .and_then(|c| leg_is_external(config, c))
        .or_else(|| {
            call.from_number
                .as_deref()
                .map(|n| number_is_external(config, n))
        })
        .unwrap_or(false);
    let dialled = call.dialled.as_deref().or(call.to.as_deref());
    let callee_external = call
        .legs
        .iter()
        .skip(1)
        .find_map(|c| leg_is_external(config, c))
        .or_else(|| dialled.map(|n| number_is_external(config, n)))
        .unwrap_or(false);
    call.direction = if caller_external {
        Direction::Inbound
    } else if callee_external {
        Direction::Outbound
    } else {
        Direction::Internal
    };
    match call.direction {
        Direction::Inbound => {
            call.external_number = call.from_number.clone();
            call.extension = call
                .answered_by
                .clone()
                .filter(|n| config.extensions.is_extension(n))
                .or_else(|| {
                    call.legs
                        .iter()
                        .skip(1)
                        .filter_map(|l| peer_of_channel(&l.name))
                        .find(|p| config.extensions.is_extension(p))
                        .map(Arc::from)
                })
                .or_else(|| {
                    dialled
                        .filter(|n| config.extensions.is_extension(n))
                        .map(Arc::from)
                });
        }
        Direction::Outbound => {
            call.extension = call.from_number.clone();
            call.external_number = dialled.map(Arc::from);
        }
        Direction::Internal => {
            call.extension = call.from_number.clone();
            call.external_number = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::ExtensionPlan;
    use std::time::UNIX_EPOCH;
    use yeastar_calls::{LegState, Source};

    fn call(from: &str, to: &str, legs: &[&str]) -> Call {
        let mut c = Call::new("1.0", Source::Ami, UNIX_EPOCH);
        c.from_number = Some(from.into());
        c.to = Some(to.into());
        c.legs = legs
            .iter()
            .enumerate()
            .map(|(i, n)| CallLeg::new(format!("1.{i}"), *n, LegState::Up))
            .collect();
        c
    }

    #[test]
    fn direction_classification() {
        let config = TrackerConfig {
            trunks: vec!["provider".into(), "sip-trunk".into()],
            ..TrackerConfig::default()
        };
        let cases: [(&str, &str, &[&str], Direction); 9] = [
            (
                "1001",
                "1002",
                &["PJSIP/1001-00000001", "PJSIP/1002-00000002"],
                Direction::Internal,
            ),
            ("1001", "600", &["PJSIP/1001-00000001"], Direction::Internal),
            ("1001", "*97", &["SIP/1001-00000001"], Direction::Internal),
            // Trunk peer on the caller side, even with a short caller number.
            (
                "123",
                "0311",
                &["PJSIP/provider-0000000a", "PJSIP/1002-0000000b"],
                Direction::Inbound,
            ),
            // Trunk names containing '-' keep it.
            (
                "0612345678",
                "1002",
                &["SIP/sip-trunk-0000000a"],
                Direction::Inbound,
            ),
            (
                "1001",
                "0612345678",
                &["PJSIP/1001-0000000a", "PJSIP/provider-0000000b"],
                Direction::Outbound,
            ),
            // No trunk configured for the peer: the dialled digits decide.
            (
                "1001",
                "+33612345678",
                &["PJSIP/1001-0000000a"],
                Direction::Outbound,
            ),
            ("0612345678", "1002", &["IAX2/other-1"], Direction::Inbound),
            // Local channels say nothing; the numbers do.
            (
                "1001",
                "1002",
                &["Local/1002@from-internal-00000001;1"],
                Direction::Internal,
            ),
        ];
        for (from, to, legs, expected) in cases {
            let mut c = call(from, to, legs);
            refresh_parties(&config, &mut c);
            assert_eq!(c.direction, expected, "{from} -> {to} {legs:?}");
        }
        let mut inbound = call("0612345678", "0311", &["PJSIP/provider-1", "PJSIP/1002-2"]);
        refresh_parties(&config, &mut inbound);
        assert_eq!(inbound.extension.as_deref(), Some("1002"));
        assert_eq!(inbound.external_number.as_deref(), Some("0612345678"));
    }

    #[test]
    fn extension_plan_prefixes_and_explicit() {
        let plan = ExtensionPlan {
            min_digits: 3,
            max_digits: 5,
            prefixes: vec!["2".into(), "80".into()],
            explicit: vec!["reception".into()],
        };
        assert!(plan.is_extension("200"));
        assert!(plan.is_extension("80123"));
        assert!(plan.is_extension("reception"));
        assert!(!plan.is_extension("1001"));
        assert!(!plan.is_extension("20"));
        assert!(!plan.is_extension("200000"));
        assert!(!plan.is_extension("2a0"));
    }

    #[test]
    fn peers_and_parties() {
        assert_eq!(peer_of_channel("PJSIP/1001-00000000"), Some("1001"));
        assert_eq!(peer_of_channel("SIP/my-trunk-0000002a"), Some("my-trunk"));
        assert_eq!(peer_of_channel("Local/1002@ctx-00000001;1"), None);
        assert_eq!(peer_of_channel("CBAnn/6000-00000001;1"), None);
        assert_eq!(peer_of_channel("garbage"), None);
        assert_eq!(device_name("SIP/1003"), "1003");
        let config = TrackerConfig::default();
        let mut agent = CallLeg::new("1.1", "SIP/1003-00000004", LegState::Up);
        // A queue agent's leg may carry the caller's number: the peer is the party.
        agent.caller_number = Some("0612345678".into());
        assert_eq!(party_of_leg(&config, &agent).as_deref(), Some("1003"));
        let mut trunk = CallLeg::new("1.2", "PJSIP/provider-00000005", LegState::Up);
        trunk.caller_number = Some("0612345678".into());
        assert_eq!(party_of_leg(&config, &trunk).as_deref(), Some("0612345678"));
        let local = CallLeg::new("1.3", "Local/1002@from-internal-00000001;2", LegState::Up);
        assert_eq!(party_of_leg(&config, &local), None);
    }
}
