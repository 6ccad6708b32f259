//! The AMI mode: an `AmiClient` (which reconnects by itself) pumped into the join; the
//! `Getvar`s the join asks for; `Originate`, `Hangup` and the extension board.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use yeastar_ami::Action;
use yeastar_ami::actions::originate_reason_text;
use yeastar_ami::client::{AmiClient, ClientError};
use yeastar_ami::monitor::{AmiEvent, LinkError};
use yeastar_ami::session::ActionError;
use yeastar_calls::{Call, ExtensionStatus, PbxEvent};

use super::{ClickToCall, Event, PbxError, Shared};
use crate::config::AmiConfig;
use crate::join::{CHAN_SIP_CALL_ID_VARIABLE, CallIdQuery, Mode};

/// Time allowed for one `Getvar` of a leg's Call-ID.
pub(super) const CALL_ID_QUERY_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) struct AmiSide {
    client: AmiClient,
    context: String,
}

impl AmiSide {
    pub(super) fn start(
        config: &AmiConfig,
        shared: Arc<Shared>,
    ) -> Result<(AmiSide, JoinHandle<()>), PbxError> {
        let client = AmiClient::start(config.client_config()).map_err(|e| PbxError::Setup {
            mode: Mode::Ami,
            reason: e.to_string(),
        })?;
        let task = tokio::spawn(pump(client.clone(), shared));
        Ok((
            AmiSide {
                client,
                context: config.context.clone(),
            },
            task,
        ))
    }

    pub(super) fn client(&self) -> &AmiClient {
        &self.client
    }

    pub(super) async fn close(&self) {
        self.client.close().await;
    }

    pub(super) async fn extensions(&self) -> Vec<(String, ExtensionStatus)> {
        self.client.extensions().await.unwrap_or_default()
    }

    pub(super) async fn originate(
        &self,
        from: &str,
        to: &str,
        timeout: Duration,
    ) -> Result<ClickToCall, PbxError> {
        let status = self.client.status();
        if !status.connected {
            return Err(PbxError::NotConnected {
                mode: Mode::Ami,
                reason: status.last_error.map(|e| e.to_string()),
            });
        }
        let tech = if status.legacy == Some(true) {
            "SIP"
        } else {
            "PJSIP"
        };
        let action = Action::new("Originate")
            .field("Channel", format!("{tech}/{from}"))
            .field("Exten", to)
            .field("Context", self.context.clone())
            .field("Priority", "1")
            // The name tells the ringing phone whom it is about to call; the number stays the
            // caller so the call is tracked and billed as made by `from`.
            .field("CallerID", format!("\"Call {to}\" <{from}>"))
            .field("Async", "true");
        match self.client.send_with_timeout(action, timeout).await {
            Ok(reply) => {
                let event = reply.originate.as_ref().map(|f| f.message());
                let field = |key: &str| {
                    event
                        .as_ref()
                        .and_then(|m| m.get(key))
                        .filter(|v| !v.is_empty())
                        .map(str::to_owned)
                };
                Ok(ClickToCall {
                    mode: Mode::Ami,
                    call_id: field("Uniqueid"),
                    channel: field("Channel"),
                })
            }
            Err(ClientError::Action(ActionError::OriginateFailed { reason, .. })) => {
                Err(PbxError::OriginateFailed {
                    reason,
                    reason_text: originate_reason_text(reason),
                })
            }
            Err(ClientError::Action(ActionError::Refused { message, .. })) => {
                Err(PbxError::Refused(message))
            }
            Err(ClientError::Action(ActionError::Timeout(limit))) => Err(PbxError::Timeout(limit)),
            Err(e) => Err(e.into()),
        }
    }

    /// Hangs up every live channel of `call`.
    pub(super) async fn hangup(&self, call: &Call) -> Result<Vec<String>, PbxError> {
        let mut hung_up = Vec::new();
        let mut refusal = None;
        for leg in call.legs.iter().filter(|l| !l.hung_up) {
            let action = Action::new("Hangup").field("Channel", leg.name.to_string());
            match self.client.send(action).await {
                Ok(_) => hung_up.push(leg.name.to_string()),
                Err(e) => {
                    tracing::warn!(channel = %leg.name, error = %e, "hangup refused");
                    refusal = Some(e);
                }
            }
        }
        match (hung_up.is_empty(), refusal) {
            (false, _) => Ok(hung_up),
            (true, Some(ClientError::Action(ActionError::Refused { message, .. }))) => {
                Err(PbxError::Refused(message))
            }
            (true, Some(e)) => Err(e.into()),
            (true, None) => Err(PbxError::NoSuchCall(call.id.to_string())),
        }
    }
}

/// A `VarSet` of chan_sip's `SIPCALLID` (also inherited as `__SIPCALLID`): the leg's
/// `Uniqueid` and its Call-ID.
fn sip_call_id_of(frame: &yeastar_ami::Frame) -> Option<(String, String)> {
    let m = frame.message();
    if !m.get("Event")?.eq_ignore_ascii_case("VarSet") {
        return None;
    }
    let variable = m.get("Variable")?.trim_start_matches('_');
    if !variable.eq_ignore_ascii_case(CHAN_SIP_CALL_ID_VARIABLE) {
        return None;
    }
    Some((m.get("Uniqueid")?.to_owned(), m.get("Value")?.to_owned()))
}

fn login_refused(error: &LinkError) -> bool {
    matches!(error, LinkError::LoginRefused(_))
}

/// Asks the PBX for a leg's Call-ID and feeds the answer to the join.
fn ask_call_id(client: &AmiClient, shared: &Arc<Shared>, query: CallIdQuery) {
    let client = client.clone();
    let shared = shared.clone();
    tokio::spawn(async move {
        let action = Action::new("Getvar")
            .field("Channel", query.channel.to_string())
            .field("Variable", query.variable);
        match client
            .send_with_timeout(action, CALL_ID_QUERY_TIMEOUT)
            .await
        {
            Ok(reply) => {
                let message = reply.response.message();
                let value = message.get("Value").unwrap_or_default();
                tracing::debug!(channel = %query.channel, call_id = value, "call id of a leg");
                shared.call_id(&query.uniqueid, value);
            }
            Err(e) => {
                tracing::debug!(channel = %query.channel, error = %e, "call id query failed");
                shared.query_failed(&query.uniqueid);
            }
        }
    });
}

async fn pump(client: AmiClient, shared: Arc<Shared>) {
    while let Some(event) = client.next_event().await {
        match event {
            AmiEvent::Call(event) => {
                for query in shared.call_event(event) {
                    ask_call_id(&client, &shared, query);
                }
            }
            AmiEvent::Extension(event) => shared.push(Event::Pbx {
                mode: Mode::Ami,
                event: PbxEvent::Extension(event),
            }),
            AmiEvent::Completed(record) => shared.completed(*record),
            AmiEvent::Event(frame) => {
                if let Some((uniqueid, call_id)) = sip_call_id_of(&frame) {
                    shared.call_id(&uniqueid, &call_id);
                }
            }
            AmiEvent::Connected {
                version, legacy, ..
            } => {
                tracing::info!(%version, legacy, "AMI logged in");
                shared.update_status(Mode::Ami, |s, _| {
                    s.connected = true;
                    s.last_error = None;
                    s.credentials_refused = false;
                    s.failed_attempts = 0;
                    s.version = Some(version);
                });
            }
            AmiEvent::ConnectFailed { error, attempt, .. } => {
                shared.update_status(Mode::Ami, |s, _| {
                    s.connected = false;
                    s.credentials_refused = login_refused(&error);
                    s.last_error = Some(error.to_string());
                    s.failed_attempts = attempt;
                });
            }
            AmiEvent::Disconnected { error, .. } => {
                shared.update_status(Mode::Ami, |s, _| {
                    s.connected = false;
                    s.last_error = Some(error.to_string());
                    s.failed_attempts = s.failed_attempts.saturating_add(1);
                });
            }
            AmiEvent::Lagged { missed } => {
                tracing::warn!(missed, "AMI events dropped before the facade read them");
                shared.push(Event::Lagged { missed });
            }
            AmiEvent::Closed => break,
            _ => {}
        }
    }
}
