//! SDP (RFC 8866, offer/answer RFC 3264) parsing and building, with the attributes a PBX and
//! a WebRTC client exchange typed: rtpmap, fmtp, ptime, maxptime, direction, rtcp, rtcp-mux,
//! telephone-event, ICE credentials and candidates, DTLS fingerprint and setup, mid, msid.
//! Values borrow from the body.
#![warn(clippy::indexing_slicing)]

use core::fmt;

use crate::error::{ErrorKind, ParseError};

/// Most lines accepted in one SDP body; real offers have well under 100.
pub const MAX_SDP_LINES: usize = 1024;

/// `o=` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin<'a> {
    /// Username (`-` when none).
    pub username: &'a str,
    /// Session id (digits, may exceed 64 bits in theory; kept as text).
    pub session_id: &'a str,
    /// Session version.
    pub session_version: &'a str,
    /// Network type (`IN`).
    pub net_type: &'a str,
    /// Address type (`IP4` / `IP6`).
    pub addr_type: &'a str,
    /// Address.
    pub address: &'a str,
}

/// `c=` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connection<'a> {
    /// Network type (`IN`).
    pub net_type: &'a str,
    /// Address type (`IP4` / `IP6`).
    pub addr_type: &'a str,
    /// Address, with `/ttl` or `/count` suffixes as written.
    pub address: &'a str,
}

/// `a=` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// Name.
    pub name: &'a str,
    /// Value after the colon; `None` for a property attribute such as `rtcp-mux`.
    pub value: Option<&'a str>,
}

/// Media direction (RFC 3264 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `sendrecv` (the default when none is given).
    SendRecv,
    /// `sendonly`.
    SendOnly,
    /// `recvonly`.
    RecvOnly,
    /// `inactive`.
    Inactive,
}

impl Direction {
    /// The attribute name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SendRecv => "sendrecv",
            Self::SendOnly => "sendonly",
            Self::RecvOnly => "recvonly",
            Self::Inactive => "inactive",
        }
    }
}

/// `a=rtpmap:<pt> <encoding>/<clock>[/<channels>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpMap<'a> {
    /// Payload type.
    pub payload_type: u8,
    /// Encoding name (`PCMU`, `opus`, `telephone-event`).
    pub encoding: &'a str,
    /// Clock rate in Hz.
    pub clock_rate: u32,
    /// Channels, when given.
    pub channels: Option<u16>,
}

/// `a=rtcp:<port> [IN IP4 addr]` (RFC 3605).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rtcp<'a> {
    /// Port.
    pub port: u16,
    /// Connection address, when given.
    pub connection: Option<Connection<'a>>,
}

/// `a=candidate:` (RFC 8839).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate<'a> {
    /// Foundation.
    pub foundation: &'a str,
    /// Component id (1 RTP, 2 RTCP).
    pub component: u16,
    /// Transport (`udp`, `tcp`).
    pub transport: &'a str,
    /// Priority.
    pub priority: u32,
    /// Address (IP or mDNS name).
    pub address: &'a str,
    /// Port.
    pub port: u16,
    /// Type (`host`, `srflx`, `prflx`, `relay`).
    pub kind: &'a str,
    /// Related address.
    pub related_address: Option<&'a str>,
    /// Related port.
    pub related_port: Option<u16>,
}

/// `a=fingerprint:<hash> <value>` (RFC 8122).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint<'a> {
    /// Hash function (`sha-256`).
    pub hash: &'a str,
    /// Colon-separated hex value.
    pub value: &'a str,
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media<'a> {
    /// Media type (`audio`, `video`, `application`).
    pub kind: &'a str,
    /// Port.
    pub port: u16,
    /// Number of ports (`m=audio 49170/2 ...`).
    pub port_count: Option<u16>,
    /// Transport protocol (`RTP/AVP`, `UDP/TLS/RTP/SAVPF`).
    pub protocol: &'a str,
    /// Formats (payload types for RTP).
    pub formats: Vec<&'a str>,
    /// `i=` line.
    pub title: Option<&'a str>,
    /// `c=` line.
    pub connection: Option<Connection<'a>>,
    /// `b=` lines as `(type, value)`.
    pub bandwidths: Vec<(&'a str, &'a str)>,
    /// `a=` lines.
    pub attributes: Vec<Attribute<'a>>,
}

fn attr<'a>(attrs: &[Attribute<'a>], name: &str) -> Option<Attribute<'a>> {
    attrs
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
        .copied()
}

fn attr_value<'a>(attrs: &[Attribute<'a>], name: &str) -> Option<&'a str> {
    attr(attrs, name).and_then(|a| a.value)
}

fn direction_of(attrs: &[Attribute<'_>]) -> Option<Direction> {
    attrs.iter().find_map(|a| match a.name {
        "sendrecv" => Some(Direction::SendRecv),
        "sendonly" => Some(Direction::SendOnly),
        "recvonly" => Some(Direction::RecvOnly),
        "inactive" => Some(Direction::Inactive),
        _ => None,
    })
}

fn fingerprint_of<'a>(attrs: &[Attribute<'a>]) -> Option<Fingerprint<'a>> {
    let (hash, value) = attr_value(attrs, "fingerprint")?.split_once(' ')?;
    Some(Fingerprint {
        hash,
        value: value.trim(),
    })
}

impl<'a> Media<'a> {
    /// `a=rtpmap` entries.
    pub fn rtpmaps(&self) -> impl Iterator<Item = RtpMap<'a>> + '_ {
        self.attributes
            .iter()
            .filter(|a| a.name == "rtpmap")
            .filter_map(|a| parse_rtpmap(a.value?))
    }

    /// The rtpmap of payload type `pt`.
    #[must_use]
    pub fn rtpmap(&self, pt: u8) -> Option<RtpMap<'a>> {
        self.rtpmaps().find(|r| r.payload_type == pt)
    }

    /// The `a=fmtp` parameters of payload type `pt`.
    #[must_use]
    pub fn fmtp(&self, pt: u8) -> Option<&'a str> {
        self.attributes
            .iter()
            .filter(|a| a.name == "fmtp")
            .filter_map(|a| a.value?.split_once(' '))
            .find(|(p, _)| p.parse::<u8>().ok() == Some(pt))
            .map(|(_, params)| params.trim())
    }

    /// `a=ptime` in milliseconds.
    #[must_use]
    pub fn ptime(&self) -> Option<u32> {
        attr_value(&self.attributes, "ptime").and_then(|v| v.trim().parse().ok())
    }

    /// `a=maxptime` in milliseconds.
    #[must_use]
    pub fn maxptime(&self) -> Option<u32> {
        attr_value(&self.attributes, "maxptime").and_then(|v| v.trim().parse().ok())
    }

    /// Direction attribute of this section, when present.
    #[must_use]
    pub fn direction(&self) -> Option<Direction> {
        direction_of(&self.attributes)
    }

    /// `a=rtcp`.
    #[must_use]
    pub fn rtcp(&self) -> Option<Rtcp<'a>> {
        let v = attr_value(&self.attributes, "rtcp")?;
        let mut parts = v.split_ascii_whitespace();
        let port = parts.next()?.parse().ok()?;
        let connection = match (parts.next(), parts.next(), parts.next()) {
            (Some(net_type), Some(addr_type), Some(address)) => Some(Connection {
                net_type,
                addr_type,
                address,
            }),
            _ => None,
        };
        Some(Rtcp { port, connection })
    }

    /// `a=rtcp-mux` present.
    #[must_use]
    pub fn rtcp_mux(&self) -> bool {
        attr(&self.attributes, "rtcp-mux").is_some()
    }

    /// Payload types of `telephone-event` (RFC 4733), with their clock rates.
    pub fn telephone_events(&self) -> impl Iterator<Item = RtpMap<'a>> + '_ {
        self.rtpmaps()
            .filter(|r| r.encoding.eq_ignore_ascii_case("telephone-event"))
    }

    /// `a=ice-ufrag` (media level).
    #[must_use]
    pub fn ice_ufrag(&self) -> Option<&'a str> {
        attr_value(&self.attributes, "ice-ufrag")
    }

    /// `a=ice-pwd` (media level).
    #[must_use]
    pub fn ice_pwd(&self) -> Option<&'a str> {
        attr_value(&self.attributes, "ice-pwd")
    }

    /// `a=candidate` entries.
    pub fn candidates(&self) -> impl Iterator<Item = Candidate<'a>> + '_ {
        self.attributes
            .iter()
            .filter(|a| a.name == "candidate")
            .filter_map(|a| parse_candidate(a.value?))
    }

    /// `a=fingerprint` (media level).
    #[must_use]
    pub fn fingerprint(&self) -> Option<Fingerprint<'a>> {
        fingerprint_of(&self.attributes)
    }

    /// `a=setup` (`actpass`, `active`, `passive`).
    #[must_use]
    pub fn setup(&self) -> Option<&'a str> {
        attr_value(&self.attributes, "setup")
    }

    /// `a=mid`.
    #[must_use]
    pub fn mid(&self) -> Option<&'a str> {
        attr_value(&self.attributes, "mid")
    }

    /// `a=msid` as `(stream id, track id)`.
    #[must_use]
    pub fn msid(&self) -> Option<(&'a str, Option<&'a str>)> {
        let v = attr_value(&self.attributes, "msid")?;
        Some(match v.split_once(' ') {
            Some((s, t)) => (s, Some(t)),
            None => (v, None),
        })
    }
}

/// A session description.
///
/// ```
/// use yeastar_sip::sdp::{Direction, Sdp};
/// let body = "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n\
///     m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n\
///     a=ptime:20\r\na=sendonly\r\n";
/// let sdp = Sdp::parse(body)?;
/// let audio = &sdp.media[0];
/// assert_eq!(audio.port, 4000);
/// assert_eq!(audio.telephone_events().next().map(|t| t.payload_type), Some(101));
/// assert_eq!(audio.fmtp(101), Some("0-16"));
/// assert_eq!(sdp.direction(0), Direction::SendOnly);
/// assert_eq!(Sdp::parse(&sdp.to_string())?, sdp);
/// # Ok::<(), yeastar_sip::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sdp<'a> {
    /// `o=` line.
    pub origin: Origin<'a>,
    /// `s=` line.
    pub session_name: &'a str,
    /// `i=`, `u=`, `e=`, `p=` lines as `(letter, value)`, in order.
    pub info: Vec<(char, &'a str)>,
    /// Session-level `c=`.
    pub connection: Option<Connection<'a>>,
    /// Session-level `b=` lines.
    pub bandwidths: Vec<(&'a str, &'a str)>,
    /// `t=` lines as `(start, stop)`.
    pub times: Vec<(&'a str, &'a str)>,
    /// `r=`, `z=`, `k=` lines as `(letter, value)`.
    pub timing_extra: Vec<(char, &'a str)>,
    /// Session-level `a=` lines.
    pub attributes: Vec<Attribute<'a>>,
    /// Media sections.
    pub media: Vec<Media<'a>>,
}

fn sdp_err(what: &'static str, offset: usize) -> ParseError {
    ParseError::new(ErrorKind::InvalidSdp { what }, offset)
}

impl<'a> Sdp<'a> {
    /// Parses an SDP body (CRLF or LF line ends).
    pub fn parse(body: &'a str) -> Result<Self, ParseError> {
        let mut sdp = Sdp {
            origin: Origin {
                username: "-",
                session_id: "0",
                session_version: "0",
                net_type: "IN",
                addr_type: "IP4",
                address: "0.0.0.0",
            },
            session_name: "-",
            info: Vec::new(),
            connection: None,
            bandwidths: Vec::new(),
            times: Vec::new(),
            timing_extra: Vec::new(),
            attributes: Vec::new(),
            media: Vec::new(),
        };
        let mut saw_version = false;
        let mut saw_origin = false;
        let mut offset = 0usize;
        for (n, raw_line) in body.split_inclusive('\n').enumerate() {
            let at = offset;
            offset += raw_line.len();
            if n >= MAX_SDP_LINES {
                return Err(sdp_err("too many lines", at));
            }
            let line = raw_line.strip_suffix('\n').unwrap_or(raw_line);
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            // RFC 8866 `byte-string` excludes NUL, CR and LF.
            if line.bytes().any(|b| b == b'\r' || b == 0) {
                return Err(sdp_err("CR or NUL inside a line", at));
            }
            let mut chars = line.chars();
            let (Some(letter), Some('=')) = (chars.next(), chars.next()) else {
                return Err(sdp_err("line is not <type>=<value>", at));
            };
            let value = line.get(2..).unwrap_or("");
            if !saw_version {
                if letter != 'v' || value.trim() != "0" {
                    return Err(sdp_err("first line must be v=0", at));
                }
                saw_version = true;
                continue;
            }
            match (letter, sdp.media.last_mut()) {
                ('m', _) => sdp
                    .media
                    .push(parse_media(value).ok_or(sdp_err("invalid m= line", at))?),
                ('o', None) => {
                    sdp.origin = parse_origin(value).ok_or(sdp_err("invalid o= line", at))?;
                    saw_origin = true;
                }
                ('s', None) => sdp.session_name = value,
                ('i' | 'u' | 'e' | 'p', None) => sdp.info.push((letter, value)),
                ('c', None) => {
                    sdp.connection =
                        Some(parse_connection(value).ok_or(sdp_err("invalid c= line", at))?)
                }
                ('b', None) => sdp.bandwidths.push(
                    value
                        .split_once(':')
                        .ok_or(sdp_err("invalid b= line", at))?,
                ),
                ('t', None) => sdp.times.push(
                    value
                        .split_once(' ')
                        .ok_or(sdp_err("invalid t= line", at))?,
                ),
                ('r' | 'z' | 'k', None) => sdp.timing_extra.push((letter, value)),
                ('a', None) => sdp.attributes.push(parse_attribute(value)),
                ('i', Some(m)) => m.title = Some(value),
                ('c', Some(m)) => {
                    m.connection =
                        Some(parse_connection(value).ok_or(sdp_err("invalid c= line", at))?)
                }
                ('b', Some(m)) => m.bandwidths.push(
                    value
                        .split_once(':')
                        .ok_or(sdp_err("invalid b= line", at))?,
                ),
                ('a', Some(m)) => m.attributes.push(parse_attribute(value)),
                ('k', Some(_)) => {}
                _ => return Err(sdp_err("unexpected line type", at)),
            }
        }
        if !saw_version {
            return Err(sdp_err("empty SDP", 0));
        }
        if !saw_origin {
            return Err(sdp_err("missing o= line", 0));
        }
        Ok(sdp)
    }

    /// Session-level attribute value.
    #[must_use]
    pub fn attribute(&self, name: &str) -> Option<&'a str> {
        attr_value(&self.attributes, name)
    }

    /// Effective direction of media section `index`: its own attribute, else the session's,
    /// else sendrecv (RFC 3264 §5.1).
    #[must_use]
    pub fn direction(&self, index: usize) -> Direction {
        self.media
            .get(index)
            .and_then(Media::direction)
            .or_else(|| direction_of(&self.attributes))
            .unwrap_or(Direction::SendRecv)
    }

    /// Effective connection of media section `index` (its own `c=`, else the session's).
    #[must_use]
    pub fn connection_of(&self, index: usize) -> Option<Connection<'a>> {
        self.media
            .get(index)
            .and_then(|m| m.connection)
            .or(self.connection)
    }

    /// ICE ufrag of media section `index`, falling back to the session level.
    #[must_use]
    pub fn ice_ufrag(&self, index: usize) -> Option<&'a str> {
        self.media
            .get(index)
            .and_then(Media::ice_ufrag)
            .or_else(|| self.attribute("ice-ufrag"))
    }

    /// ICE password of media section `index`, falling back to the session level.
    #[must_use]
    pub fn ice_pwd(&self, index: usize) -> Option<&'a str> {
        self.media
            .get(index)
            .and_then(Media::ice_pwd)
            .or_else(|| self.attribute("ice-pwd"))
    }

    /// DTLS fingerprint of media section `index`, falling back to the session level.
    #[must_use]
    pub fn fingerprint(&self, index: usize) -> Option<Fingerprint<'a>> {
        self.media
            .get(index)
            .and_then(Media::fingerprint)
            .or_else(|| fingerprint_of(&self.attributes))
    }
}

fn parse_origin(v: &str) -> Option<Origin<'_>> {
    let mut p = v.split(' ');
    let o = Origin {
        username: p.next()?,
        session_id: p.next()?,
        session_version: p.next()?,
        net_type: p.next()?,
        addr_type: p.next()?,
        address: p.next()?,
    };
    p.next().is_none().then_some(o)
}

fn parse_connection(v: &str) -> Option<Connection<'_>> {
    let mut p = v.split(' ');
    let c = Connection {
        net_type: p.next()?,
        addr_type: p.next()?,
        address: p.next()?,
    };
    (p.next().is_none() && !c.address.is_empty()).then_some(c)
}

fn parse_attribute(v: &str) -> Attribute<'_> {
    match v.split_once(':') {
        Some((name, value)) => Attribute {
            name,
            value: Some(value),
        },
        None => Attribute {
            name: v,
            value: None,
        },
    }
}

fn parse_media(v: &str) -> Option<Media<'_>> {
    let mut p = v.split(' ');
    let kind = p.next().filter(|k| !k.is_empty())?;
    let ports = p.next()?;
    let (port, port_count) = match ports.split_once('/') {
        Some((port, count)) => (port.parse().ok()?, Some(count.parse().ok()?)),
        None => (ports.parse().ok()?, None),
    };
    let protocol = p.next().filter(|k| !k.is_empty())?;
    let formats: Vec<&str> = p.filter(|f| !f.is_empty()).collect();
    Some(Media {
        kind,
        port,
        port_count,
        protocol,
        formats,
        title: None,
        connection: None,
        bandwidths: Vec::new(),
        attributes: Vec::new(),
    })
}

fn parse_rtpmap(v: &str) -> Option<RtpMap<'_>> {
    let (pt, rest) = v.split_once(' ')?;
    let mut p = rest.trim().split('/');
    let encoding = p.next()?;
    let clock_rate = p.next()?.parse().ok()?;
    let channels = match p.next() {
        Some(c) => Some(c.parse().ok()?),
        None => None,
    };
    Some(RtpMap {
        payload_type: pt.parse().ok()?,
        encoding,
        clock_rate,
        channels,
    })
}

fn parse_candidate(v: &str) -> Option<Candidate<'_>> {
    let mut p = v.split_ascii_whitespace();
    let foundation = p.next()?;
    let component = p.next()?.parse().ok()?;
    let transport = p.next()?;
    let priority = p.next()?.parse().ok()?;
    let address = p.next()?;
    let port = p.next()?.parse().ok()?;
    if p.next()? != "typ" {
        return None;
    }
    let kind = p.next()?;
    let mut related_address = None;
    let mut related_port = None;
    while let Some(key) = p.next() {
        let value = p.next();
        match key {
            "raddr" => related_address = value,
            "rport" => related_port = value.and_then(|v| v.parse().ok()),
            _ => {}
        }
    }
    Some(Candidate {
        foundation,
        component,
        transport,
        priority,
        address,
        port,
        kind,
        related_address,
        related_port,
    })
}

impl fmt::Display for Connection<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.net_type, self.addr_type, self.address)
    }
}

impl fmt::Display for Attribute<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value {
            Some(v) => write!(f, "a={}:{v}\r\n", self.name),
            None => write!(f, "a={}\r\n", self.name),
        }
    }
}

impl fmt::Display for Sdp<'_> {
    /// Serialises in RFC 8866 order with CRLF line ends.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.origin;
        write!(
            f,
            "v=0\r\no={} {} {} {} {} {}\r\ns={}\r\n",
            o.username,
            o.session_id,
            o.session_version,
            o.net_type,
            o.addr_type,
            o.address,
            self.session_name
        )?;
        for (letter, v) in &self.info {
            write!(f, "{letter}={v}\r\n")?;
        }
        if let Some(c) = &self.connection {
            write!(f, "c={c}\r\n")?;
        }
        for (t, v) in &self.bandwidths {
            write!(f, "b={t}:{v}\r\n")?;
        }
        for (start, stop) in &self.times {
            write!(f, "t={start} {stop}\r\n")?;
        }
        for (letter, v) in &self.timing_extra {
            write!(f, "{letter}={v}\r\n")?;
        }
        for a in &self.attributes {
            write!(f, "{a}")?;
        }
        for m in &self.media {
            write!(f, "m={} {}", m.kind, m.port)?;
            if let Some(n) = m.port_count {
                write!(f, "/{n}")?;
            }
            write!(f, " {}", m.protocol)?;
            for fmt_ in &m.formats {
                write!(f, " {fmt_}")?;
            }
            f.write_str("\r\n")?;
            if let Some(t) = m.title {
                write!(f, "i={t}\r\n")?;
            }
            if let Some(c) = &m.connection {
                write!(f, "c={c}\r\n")?;
            }
            for (t, v) in &m.bandwidths {
                write!(f, "b={t}:{v}\r\n")?;
            }
            for a in &m.attributes {
                write!(f, "{a}")?;
            }
        }
        Ok(())
    }
}
