//! Dialog state (RFC 3261 §12): identifiers, route set, remote target, sequence numbers, and
//! the request line and Route headers of requests inside the dialog.

use crate::message::Message;
use crate::typed::NameAddr;

/// Early (from a provisional response with a To tag) or confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogState {
    /// Created by a 1xx with a To tag (UAC) or by sending one (UAS).
    Early,
    /// Created or confirmed by a 2xx.
    Confirmed,
}

/// A request arrived with a CSeq lower than the last one: answer 500 (§12.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OutOfOrder;

/// One dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dialog {
    pub(crate) call_id: String,
    pub(crate) local_tag: String,
    pub(crate) remote_tag: String,
    /// The From value of our requests (tag included).
    pub(crate) local_header: String,
    /// The To value of our requests (tag included).
    pub(crate) remote_header: String,
    pub(crate) local_seq: u32,
    pub(crate) remote_seq: Option<u32>,
    pub(crate) remote_target: String,
    /// Route set, each entry a name-addr (`<sip:p1.example.com;lr>`), first hop first.
    pub(crate) route_set: Vec<String>,
    pub(crate) secure: bool,
    pub(crate) state: DialogState,
}

/// The parts of a request sent inside a dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DialogRequest {
    pub(crate) request_uri: String,
    pub(crate) routes: Vec<String>,
    /// The first hop is a strict router, now in the Request-URI.
    pub(crate) strict: bool,
}

/// A name-addr as a header value: `<uri>` followed by its parameters.
pub(crate) fn name_addr_value(na: &NameAddr<'_>) -> String {
    format!("<{}>{}", na.uri.as_str(), na.params.as_str())
}

/// The URI inside a name-addr value (`<sip:x;lr>;p` gives `sip:x;lr`; a bare URI is kept).
pub(crate) fn uri_of(value: &str) -> &str {
    match (value.find('<'), value.find('>')) {
        (Some(a), Some(b)) if a < b => value.get(a + 1..b).unwrap_or(value),
        _ => value.split(';').next().unwrap_or(value).trim(),
    }
}

fn route_list(msg: &Message<'_>) -> Vec<String> {
    msg.record_routes()
        .filter_map(Result::ok)
        .map(|na| name_addr_value(&na))
        .collect()
}

fn contact_uri(msg: &Message<'_>) -> Option<String> {
    msg.contacts()
        .filter_map(Result::ok)
        .find_map(|c| c.address().map(|a| a.uri.as_str().to_owned()))
}

/// Header value with any `tag` parameter removed, then `tag` added.
fn with_tag(value: &str, tag: &str) -> String {
    format!("{value};tag={tag}")
}

impl Dialog {
    /// UAS side (§12.1.1), from the dialog-creating request and the tag we chose.
    pub(crate) fn uas(
        request: &Message<'_>,
        local_tag: &str,
        local_seq: u32,
        secure: bool,
    ) -> Option<Self> {
        let from = request.from().ok()??;
        let to_raw = request
            .headers_of(crate::HeaderName::To)
            .next()?
            .value
            .to_owned();
        let from_raw = request
            .headers_of(crate::HeaderName::From)
            .next()?
            .value
            .to_owned();
        Some(Self {
            call_id: request.call_id().ok()??.to_owned(),
            local_tag: local_tag.to_owned(),
            remote_tag: from.tag().unwrap_or("").to_owned(),
            local_header: with_tag(&to_raw, local_tag),
            remote_header: from_raw,
            local_seq,
            remote_seq: Some(request.cseq().ok()??.seq),
            remote_target: contact_uri(request)?,
            route_set: route_list(request),
            secure,
            state: DialogState::Early,
        })
    }

    /// UAC side (§12.1.2), from our request's From value, Call-ID and CSeq and a response
    /// with a To tag (1xx gives an early dialog, 2xx a confirmed one).
    pub(crate) fn uac(
        local_header: &str,
        local_tag: &str,
        call_id: &str,
        local_seq: u32,
        response: &Message<'_>,
        secure: bool,
    ) -> Option<Self> {
        let to = response.to().ok()??;
        let remote_tag = to.tag()?.to_owned();
        let to_raw = response
            .headers_of(crate::HeaderName::To)
            .next()?
            .value
            .to_owned();
        let mut route_set = route_list(response);
        route_set.reverse();
        let status = response.status()?;
        Some(Self {
            call_id: call_id.to_owned(),
            local_tag: local_tag.to_owned(),
            remote_tag,
            local_header: local_header.to_owned(),
            remote_header: to_raw,
            local_seq,
            remote_seq: None,
            // A 1xx without Contact still makes an early dialog; the target comes later.
            remote_target: contact_uri(response).unwrap_or_default(),
            route_set,
            secure,
            state: if (200..300).contains(&status) {
                DialogState::Confirmed
            } else {
                DialogState::Early
            },
        })
    }

    /// A 2xx confirming an early UAC dialog: the route set is recomputed from it (§12.1.2)
    /// and the target refreshed.
    pub(crate) fn confirm_uac(&mut self, response: &Message<'_>) {
        let mut route_set = route_list(response);
        route_set.reverse();
        self.route_set = route_set;
        self.refresh_target(response);
        self.state = DialogState::Confirmed;
    }

    /// Target refresh (§12.2): a Contact in a re-INVITE, UPDATE or their 2xx replaces the
    /// remote target.
    pub(crate) fn refresh_target(&mut self, msg: &Message<'_>) {
        if let Some(c) = contact_uri(msg) {
            self.remote_target = c;
        }
    }

    /// True when `msg` (a request from the peer) belongs to this dialog.
    pub(crate) fn matches_request(&self, call_id: &str, to_tag: &str, from_tag: &str) -> bool {
        self.call_id == call_id && self.local_tag == to_tag && self.remote_tag == from_tag
    }

    /// Checks and records the CSeq of a request from the peer (§12.2.2). ACK and CANCEL
    /// repeat the INVITE's number and are not checked.
    pub(crate) fn check_remote_cseq(&mut self, seq: u32) -> Result<(), OutOfOrder> {
        match self.remote_seq {
            Some(last) if seq < last => Err(OutOfOrder),
            _ => {
                self.remote_seq = Some(seq);
                Ok(())
            }
        }
    }

    /// The CSeq of our next request (strictly increasing).
    pub(crate) fn next_local_seq(&mut self) -> u32 {
        self.local_seq = self.local_seq.wrapping_add(1).max(1);
        self.local_seq
    }

    /// Request-URI and Route headers (§12.2.1.1): loose routing keeps the remote target in
    /// the Request-URI; a strict first hop takes its place and the target goes last.
    pub(crate) fn request(&self) -> DialogRequest {
        match self.route_set.first() {
            None => DialogRequest {
                request_uri: self.remote_target.clone(),
                routes: Vec::new(),
                strict: false,
            },
            Some(first) if is_loose(first) => DialogRequest {
                request_uri: self.remote_target.clone(),
                routes: self.route_set.clone(),
                strict: false,
            },
            Some(first) => {
                let mut routes: Vec<String> = self.route_set.iter().skip(1).cloned().collect();
                routes.push(format!("<{}>", self.remote_target));
                DialogRequest {
                    request_uri: uri_of(first).to_owned(),
                    routes,
                    strict: true,
                }
            }
        }
    }
}

fn is_loose(route: &str) -> bool {
    crate::Uri::parse(uri_of(route))
        .ok()
        .and_then(|u| u.as_sip().map(crate::SipUri::is_loose_route))
        .unwrap_or(false)
}

impl DialogRequest {
    /// The URI the request is sent towards (§8.1.2): the first Route, else (and always
    /// with a strict first hop) the Request-URI.
    pub(crate) fn next_hop(&self) -> &str {
        match self.routes.first() {
            Some(r) if !self.strict => uri_of(r),
            _ => self.request_uri.as_str(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn invite(rr: &[&str]) -> Vec<u8> {
        let mut s = String::from(
            "INVITE sip:1001@192.0.2.9 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\
             From: \"Bob\" <sip:1002@pbx>;tag=rt\r\nTo: <sip:1001@pbx>\r\nCall-ID: c1\r\nCSeq: 7 INVITE\r\n\
             Contact: <sip:1002@192.0.2.1:5062>\r\n",
        );
        for r in rr {
            s.push_str(&format!("Record-Route: {r}\r\n"));
        }
        s.push_str("Content-Length: 0\r\n\r\n");
        s.into_bytes()
    }

    fn ok(rr: &[&str]) -> Vec<u8> {
        let mut s = String::from(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK1\r\n\
             From: <sip:1001@pbx>;tag=lt\r\nTo: <sip:1002@pbx>;tag=rt\r\nCall-ID: c1\r\nCSeq: 3 INVITE\r\n\
             Contact: <sip:1002@192.0.2.1:5062;transport=udp>\r\n",
        );
        for r in rr {
            s.push_str(&format!("Record-Route: {r}\r\n"));
        }
        s.push_str("Content-Length: 0\r\n\r\n");
        s.into_bytes()
    }

    #[test]
    fn uas_dialog_keeps_record_route_order() {
        let wire = invite(&["<sip:p1;lr>", "<sip:p2;lr>"]);
        let msg = Message::parse(&wire).unwrap();
        let d = Dialog::uas(&msg, "lt", 1, false).unwrap();
        assert_eq!(d.route_set, vec!["<sip:p1;lr>", "<sip:p2;lr>"]);
        assert_eq!(d.remote_target, "sip:1002@192.0.2.1:5062");
        assert_eq!(d.remote_seq, Some(7));
        assert_eq!(d.local_header, "<sip:1001@pbx>;tag=lt");
        assert_eq!(d.remote_header, "\"Bob\" <sip:1002@pbx>;tag=rt");
        let r = d.request();
        assert_eq!(r.request_uri, "sip:1002@192.0.2.1:5062");
        assert_eq!(r.next_hop(), "sip:p1;lr");
    }

    #[test]
    fn uac_dialog_reverses_record_route_and_handles_strict_routers() {
        let wire = ok(&["<sip:p2>", "<sip:p1;lr>"]);
        let msg = Message::parse(&wire).unwrap();
        let d = Dialog::uac("<sip:1001@pbx>;tag=lt", "lt", "c1", 3, &msg, false).unwrap();
        assert_eq!(d.state, DialogState::Confirmed);
        assert_eq!(d.route_set, vec!["<sip:p1;lr>", "<sip:p2>"]);
        assert_eq!(
            d.request().request_uri,
            "sip:1002@192.0.2.1:5062;transport=udp"
        );
        // Strict first hop.
        let wire = ok(&["<sip:p2;lr>", "<sip:p1>"]);
        let msg = Message::parse(&wire).unwrap();
        let d = Dialog::uac("<sip:1001@pbx>;tag=lt", "lt", "c1", 3, &msg, false).unwrap();
        let r = d.request();
        assert_eq!(r.request_uri, "sip:p1");
        assert_eq!(
            r.routes,
            vec!["<sip:p2;lr>", "<sip:1002@192.0.2.1:5062;transport=udp>"]
        );
        assert_eq!(r.next_hop(), "sip:p1");
    }

    #[test]
    fn out_of_order_requests_are_refused() {
        let wire = invite(&[]);
        let msg = Message::parse(&wire).unwrap();
        let mut d = Dialog::uas(&msg, "lt", 1, false).unwrap();
        assert_eq!(d.check_remote_cseq(8), Ok(()));
        assert_eq!(d.check_remote_cseq(6), Err(OutOfOrder));
        assert_eq!(d.remote_seq, Some(8));
        assert!(d.matches_request("c1", "lt", "rt"));
        assert!(!d.matches_request("c1", "rt", "lt"));
    }

    proptest::proptest! {
        #[test]
        fn uac_route_set_is_the_reversed_record_route(hosts in proptest::collection::vec("[a-z]{1,8}", 0..6)) {
            let rr: Vec<String> = hosts.iter().map(|h| format!("<sip:{h}.example;lr>")).collect();
            let refs: Vec<&str> = rr.iter().map(String::as_str).collect();
            let wire = ok(&refs);
            let msg = Message::parse(&wire).unwrap();
            let d = Dialog::uac("<sip:a@b>;tag=lt", "lt", "c1", 1, &msg, false).unwrap();
            let mut want = rr.clone();
            want.reverse();
            proptest::prop_assert_eq!(&d.route_set, &want);
            let req = d.request();
            proptest::prop_assert_eq!(&req.routes, &want);
            if let Some(first) = want.first() {
                proptest::prop_assert_eq!(req.next_hop(), uri_of(first));
            } else {
                proptest::prop_assert_eq!(req.next_hop(), req.request_uri.as_str());
            }
            // The UAS side of the same request keeps the order.
            let wire = invite(&refs);
            let msg = Message::parse(&wire).unwrap();
            let uas = Dialog::uas(&msg, "x", 1, false).unwrap();
            proptest::prop_assert_eq!(&uas.route_set, &rr);
        }

        #[test]
        fn cseq_invariants(start in 0u32..u32::MAX, steps in proptest::collection::vec(0u32..5, 1..30), remote in proptest::collection::vec(0u32..100, 1..30)) {
            let wire = ok(&[]);
            let msg = Message::parse(&wire).unwrap();
            let mut d = Dialog::uac("<sip:a@b>;tag=lt", "lt", "c1", start, &msg, false).unwrap();
            let mut last = start;
            for _ in steps {
                let next = d.next_local_seq();
                proptest::prop_assert!(next != last && next >= 1);
                if last < u32::MAX { proptest::prop_assert_eq!(next, last + 1); }
                last = next;
            }
            let mut highest: Option<u32> = None;
            for seq in remote {
                let accepted = d.check_remote_cseq(seq).is_ok();
                proptest::prop_assert_eq!(accepted, highest.is_none_or(|h| seq >= h));
                if accepted { highest = Some(seq); }
                proptest::prop_assert_eq!(d.remote_seq, highest);
            }
        }
    }
}
