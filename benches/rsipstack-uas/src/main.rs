//! rsipstack's UAS for the load benchmark, as its own `bench_ua` server mode does it: every
//! INVITE gets a server dialog that answers 200 with an SDP answer, the ACK confirms it, a BYE
//! is answered 200. One UDP socket, a current-thread runtime (one core, like sip_uas).
//!
//! ```text
//! rsipstack-uas [PORT]     (default 5072, bound on 127.0.0.2)
//! ```

use std::sync::Arc;

use rsipstack::dialog::DialogId;
use rsipstack::dialog::dialog::{Dialog, DialogState, DialogStateReceiver};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::transaction::TransactionReceiver;
use rsipstack::transport::TransportLayer;
use rsipstack::transport::udp::UdpConnection;
use rsipstack::{EndpointBuilder, Error, Result};
use tokio_util::sync::CancellationToken;

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n";

async fn serve_requests(
    dialog_layer: Arc<DialogLayer>,
    mut incoming: TransactionReceiver,
    state_sender: rsipstack::dialog::dialog::DialogStateSender,
    contact: rsipstack::sip::Uri,
) -> Result<()> {
    while let Some(mut tx) = incoming.recv().await {
        match tx.original.method {
            rsipstack::sip::Method::Invite => {
                let Ok(mut dialog) = dialog_layer.get_or_create_server_invite(
                    &tx,
                    state_sender.clone(),
                    None,
                    Some(contact.clone()),
                ) else {
                    continue;
                };
                tokio::spawn(async move {
                    dialog.handle(&mut tx).await.ok();
                });
            }
            rsipstack::sip::Method::Bye => {
                if let Ok(id) = DialogId::try_from(&tx) {
                    tx.reply(rsipstack::sip::StatusCode::OK).await.ok();
                    dialog_layer.remove_dialog(&id);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

async fn answer_calls(dialog_layer: Arc<DialogLayer>, mut states: DialogStateReceiver) {
    while let Some(state) = states.recv().await {
        match state {
            DialogState::Calling(id) => {
                if let Some(Dialog::Invite(dialog)) = dialog_layer.get_dialog(&id) {
                    dialog.accept(None, Some(SDP.as_bytes().to_vec())).ok();
                }
            }
            DialogState::Terminated(id, _) => dialog_layer.remove_dialog(&id),
            _ => {}
        }
    }
}

async fn run(port: u16) -> Result<()> {
    let token = CancellationToken::new();
    let transport_layer = TransportLayer::new(token.clone());
    let addr = format!("127.0.0.2:{port}");
    let connection = UdpConnection::create_connection(
        addr.parse().map_err(|e| Error::Error(format!("{e}")))?,
        None,
        Some(token.child_token()),
    )
    .await?;
    transport_layer.add_transport(connection.into());
    let endpoint = EndpointBuilder::new()
        .with_cancel_token(token.clone())
        .with_transport_layer(transport_layer)
        .build();
    let first = endpoint
        .get_addrs()
        .first()
        .cloned()
        .ok_or(Error::Error("no address".into()))?;
    let contact = rsipstack::sip::Uri {
        scheme: Some(rsipstack::sip::Scheme::Sip),
        auth: None,
        host_with_port: first.addr,
        params: vec![],
        headers: vec![],
    };
    let incoming = endpoint.incoming_transactions()?;
    let dialog_layer = Arc::new(DialogLayer::new(endpoint.inner.clone()));
    let (state_sender, states) = dialog_layer.new_dialog_state_channel();
    tokio::select! {
        _ = endpoint.serve() => {}
        r = serve_requests(dialog_layer.clone(), incoming, state_sender, contact) => r?,
        () = answer_calls(dialog_layer.clone(), states) => {}
    }
    Ok(())
}

fn main() {
    let port = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(5072);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    if let Err(e) = runtime.block_on(run(port)) {
        eprintln!("rsipstack-uas: {e}");
        std::process::exit(1);
    }
}
