#!/usr/bin/env python3
"""Generates src/events.rs: one typed struct per AMI event.

Fields come from the events seen in tests/data (real Asterisk 22 and 1.8 captures, and the
corpus), plus EXTRA below for events the captures do not hold, with keys from the Asterisk
documentation of each event. Run from the crate root: python3 scripts/gen_events.py
"""
import collections, glob, keyword, re

# Events documented by Asterisk but absent from the captures: name -> (dialect note, keys).
EXTRA = {
    "DTMF": ("Legacy (1.8) DTMF digit, `Begin`/`End` flags.", ["Channel", "Uniqueid", "Digit", "Direction", "Begin", "End"]),
    "QueueCallerLeave": ("A caller left a queue (modern).", ["Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum", "CallerIDName", "ConnectedLineNum", "ConnectedLineName", "Language", "AccountCode", "Context", "Exten", "Priority", "Uniqueid", "Linkedid", "Queue", "Position", "Count"]),
    "Join": ("A caller joined a queue (legacy 1.8).", ["Channel", "CallerIDNum", "CallerIDName", "ConnectedLineNum", "ConnectedLineName", "Queue", "Position", "Count", "Uniqueid"]),
    "Leave": ("A caller left a queue (legacy 1.8).", ["Channel", "Queue", "Count", "Position", "Uniqueid"]),
    "BlindTransfer": ("A blind transfer (modern).", ["Result", "TransfererChannel", "TransfererChannelState", "TransfererCallerIDNum", "TransfererCallerIDName", "TransfererUniqueid", "TransfererLinkedid", "TransfereeChannel", "TransfereeChannelState", "TransfereeCallerIDNum", "TransfereeCallerIDName", "TransfereeUniqueid", "TransfereeLinkedid", "BridgeUniqueid", "BridgeType", "IsExternal", "Context", "Extension"]),
    "AttendedTransfer": ("An attended transfer (modern).", ["Result", "OrigTransfererChannel", "OrigTransfererUniqueid", "OrigTransfererLinkedid", "OrigBridgeUniqueid", "SecondTransfererChannel", "SecondTransfererUniqueid", "SecondTransfererLinkedid", "SecondBridgeUniqueid", "TransfereeChannel", "TransfereeUniqueid", "TransfereeLinkedid", "TransferTargetChannel", "TransferTargetUniqueid", "TransferTargetLinkedid", "IsExternal", "DestType", "DestBridgeUniqueid", "DestApp", "DestExten", "DestContext", "LocalOneChannel", "LocalOneUniqueid", "LocalTwoChannel", "LocalTwoUniqueid", "DestTransfererChannel", "DestTransfererUniqueid"]),
    "Transfer": ("A transfer (legacy 1.8 chan_sip).", ["TransferMethod", "TransferType", "Channel", "Uniqueid", "SIP-Callid", "TargetChannel", "TargetUniqueid", "TransferExten", "TransferContext", "Transfer2Parking"]),
    "Link": ("Two channels bridged (legacy 1.4).", ["Channel1", "Channel2", "Uniqueid1", "Uniqueid2", "CallerID1", "CallerID2"]),
    "Shutdown": ("Asterisk is stopping.", ["Shutdown", "Restart"]),
    "Reload": ("A module or the configuration was reloaded.", ["Module", "Status", "Message"]),
    "MusicOnHoldStop": ("Music on hold stopped on a channel.", ["Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum", "CallerIDName", "ConnectedLineNum", "ConnectedLineName", "Language", "AccountCode", "Context", "Exten", "Priority", "Uniqueid", "Linkedid"]),
    "MixMonitorStart": ("MixMonitor started recording a channel.", ["Channel", "Uniqueid", "Linkedid"]),
    "MixMonitorStop": ("MixMonitor stopped recording a channel.", ["Channel", "Uniqueid", "Linkedid"]),
    "Registry": ("Outbound registration state of a trunk.", ["ChannelType", "Username", "Domain", "Status", "Cause"]),
    "ExtensionStateListComplete": None,
}

DOCS = {
    "Newchannel": "A channel was created.",
    "Newstate": "A channel changed state (ringing, up, …).",
    "Hangup": "A channel hung up, with its Q.850 cause.",
    "Cdr": "A call detail record.",
    "DialBegin": "A dial attempt started (modern; legacy uses `Dial` with `SubEvent: Begin`).",
    "DialEnd": "A dial attempt ended with its `DialStatus` (modern).",
    "Dial": "A dial attempt (legacy 1.8): `SubEvent: Begin` or `End`.",
    "Bridge": "Two channels bridged or unbridged (legacy 1.8, `Bridgestate`).",
    "Unlink": "Two channels unbridged (legacy).",
    "OriginateResponse": "The outcome of an asynchronous `Originate`.",
}

NUMERIC = {  # key -> Rust type; only keys Asterisk always writes as integers
    "Cause": "u16", "ChannelState": "u8", "Priority": "u32", "Uptime": "u64", "LastReload": "u64",
    "Duration": "u64", "BillableSeconds": "u64", "ListItems": "u32", "Items": "u32",
    "Count": "u32", "Position": "u32", "DurationMs": "u64", "Reason": "u32",
}
NUMERIC_PER_EVENT = {("ExtensionStatus", "Status"): "i32", ("ExtensionStateListComplete", "ListItems"): "u32"}
# Structs with more fields than this are boxed in `Event`: the enum stays small (moving a
# 500-byte event struct through `Event::parse` costs more than one allocation).
BOX_FIELDS = 12
REQUIRED = {"Channel", "Uniqueid", "Peer", "Device"}

def frames(data):
    for block in re.split(rb"\r?\n\r?\n", data):
        fields = []
        for line in block.split(b"\n"):
            line = line.rstrip(b"\r")
            if b":" in line:
                k, v = line.split(b":", 1)
                fields.append((k.decode(), v[1:].decode("utf-8", "replace") if v.startswith(b" ") else v.decode()))
        if fields:
            yield fields

seen = collections.OrderedDict()
count = collections.Counter()
for path in sorted(glob.glob("tests/data/*/*.s2c.raw") + glob.glob("tests/data/corpus/*/*.ami")):
    for fields in frames(open(path, "rb").read()):
        ev = [v for k, v in fields if k == "Event"]
        if not ev:
            continue
        name = ev[0]
        norm = name.lower()
        count[norm] += 1
        entry = seen.setdefault(norm, {"names": collections.Counter(), "keys": collections.OrderedDict(), "n": 0})
        entry["names"][name] += 1
        entry["n"] += 1
        for k in dict.fromkeys(k for k, _ in fields):
            if k in ("Event", "Privilege") or "(" in k or k in ("Variable",):
                continue
            e = entry["keys"].setdefault(k.lower(), {"spell": collections.Counter(), "n": 0, "ints": True})
            e["spell"][k] += 1
            e["n"] += 1
            value = dict(fields).get(k, "")
            if value and not re.fullmatch(r"-?[0-9]+", value):
                e["ints"] = False

for name, extra in EXTRA.items():
    if extra is None or name.lower() in seen:
        continue
    doc, keys = extra
    DOCS[name] = doc
    seen[name.lower()] = {"names": collections.Counter({name: 1}), "n": 0,
                          "keys": collections.OrderedDict((k.lower(), {"spell": collections.Counter({k: 1}), "n": -1}) for k in keys)}

def snake(key):
    s = key.replace("-", "_")
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = s.lower()
    if s[:1].isdigit():
        s = "x_" + s
    return "r#" + s if keyword.iskeyword(s) or s in ("type", "match", "async", "ref", "mod", "use") else s

def pascal(snake_name):
    return "".join(p[:1].upper() + p[1:] for p in snake_name.replace("r#", "").split("_"))

def rust_type_name(event):
    special = {"CEL": "Cel", "DTMF": "Dtmf", "DTMFBegin": "DtmfBegin", "DTMFEnd": "DtmfEnd", "RTCPSent": "RtcpSent"}
    return special.get(event, event[:1].upper() + event[1:])

out = []
w = out.append
w("//! Typed AMI events, one struct per event, borrowing from the message.")
w("//!")
w("//! Generated by `scripts/gen_events.py` from the events in `tests/data` (Asterisk 22 and 1.8")
w("//! captures) and the Asterisk documentation; every field a struct does not name stays in the")
w("//! [`Message`].")
w("#![allow(missing_docs)] // field names are the AMI keys; the struct docs say what the event is")
w("")
w("use serde::Deserialize;")
w("")
w("use crate::serde_de::{DeError, from_message_indexed};")
w("use crate::typed::{key_hash, opt_num, opt_str, req_str, same, typed};")
w("use crate::wire::{Message, Span};")
w("")
variants = []
structs = []
for norm, entry in sorted(seen.items(), key=lambda kv: kv[1]["names"].most_common(1)[0][0].lower()):
    name = entry["names"].most_common(1)[0][0]
    tname = rust_type_name(name)
    boxed = len(entry["keys"]) > BOX_FIELDS
    variants.append((name, tname, [n for n in entry["names"]], boxed))
    doc = DOCS.get(name) or f"The `{name}` event."
    w(f"/// {doc}")
    w("#[derive(Debug, Clone, PartialEq, Deserialize)]")
    w('#[serde(rename_all = "PascalCase")]')
    w(f"pub struct {tname}<'a> {{")
    used = set()
    fields = []
    structs.append((tname, fields))
    for kl, k in entry["keys"].items():
        spell = k["spell"].most_common(1)[0][0]
        field = snake(spell)
        if field in used:
            continue
        used.add(field)
        ty = NUMERIC_PER_EVENT.get((name, spell)) or NUMERIC.get(spell)
        if not k.get("ints", True):
            ty = None  # seen with a non-integer value (CoreShowChannel's Duration is 00:00:02)
        always = k["n"] == entry["n"] and entry["n"] > 0
        required = always and spell in REQUIRED and ty is None
        attrs = []
        # Spelled exactly as on the wire so the usual key matches without a case-folding search.
        if pascal(field) != spell:
            attrs.append(f'rename = "{spell}"')
        if ty:
            rust = f"Option<{ty}>"
        elif required:
            rust = "&'a str"
        else:
            rust = "Option<&'a str>"
            attrs.append("borrow")
        if not required:
            attrs.append("default")
        if attrs:
            w(f"    #[serde({', '.join(attrs)})]")
        w(f"    pub {field}: {rust},")
        fields.append((field, spell, "num" if ty else ("req" if required else "str")))
    w("}")
    w("")

def key_hash(key):
    """The generated `key_hash`: length, first and last byte, ASCII case folded (a filter)."""
    b = key.encode()
    return ((len(b) & 0xFFFF) << 16) | ((b[0] | 0x20) << 8) | (b[-1] | 0x20)

# The serde path matches a key to the one name equal to it ignoring ASCII case: the names of a
# struct must differ ignoring case for the generated matcher to agree with it.
for tname, fields in structs:
    spells = [spell.lower() for _, spell, _ in fields]
    assert len(spells) == len(set(spells)), tname
    w(f"impl<'a> {tname}<'a> {{")
    w("    /// The fields of `m` in one pass, without serde; `None` when a value does not fit the")
    w("    /// type (the serde path then says why).")
    w("    fn from_fields(m: &Message<'a>) -> Option<Self> {")
    for i, _ in enumerate(fields):
        w(f"        let mut f{i}: Option<Span> = None;")
    w("        for (key, value) in m.raw_fields() {")
    w("            let slot = match key_hash(key) {")
    # One arm per hash value (no guards), so the match compiles to a jump table or a search.
    arms = collections.OrderedDict()
    for i, (field, spell, kind) in enumerate(fields):
        arms.setdefault(key_hash(spell), []).append((i, spell))
    for h, names in arms.items():
        chain = " else ".join(f'if same(key, b"{spell}") {{ &mut f{i} }}' for i, spell in names)
        w(f"                0x{h:08x} => {chain} else {{ continue }},")
    w("                _ => continue,")
    w("            };")
    w("            // The first of repeated keys wins, as in the serde path.")
    w("            if slot.is_none() {")
    w("                *slot = Some(value);")
    w("            }")
    w("        }")
    w(f"        Some({tname} {{")
    for i, (field, spell, kind) in enumerate(fields):
        if kind == "req":
            w(f"            {field}: req_str(m, f{i})?,")
        elif kind == "num":
            w(f"            {field}: opt_num(m, f{i})?,")
        else:
            w(f"            {field}: opt_str(m, f{i}),")
    w("        })")
    w("    }")
    w("}")
    w("")

w("/// An AMI event, typed when its name is known and its fields fit, raw otherwise.")
w("///")
w("/// Matching ignores ASCII case (`NewCallerid` on 1.8, `Newcallerid` on 1.4).")
w("#[derive(Debug, Clone)]")
w("#[non_exhaustive]")
w("pub enum Event<'a> {")
for name, tname, _, boxed in variants:
    w(f"    /// `{name}`")
    w(f"    {tname}(Box<{tname}<'a>>)," if boxed else f"    {tname}({tname}<'a>),")
w("    /// An event this crate has no type for, or whose fields did not fit the type.")
w("    Unknown(Message<'a>),")
w("}")
w("")
w("impl<'a> Event<'a> {")
w("    /// Types `message` if it is a known event; otherwise (or if a field does not parse) keeps")
w("    /// it as [`Event::Unknown`].")
w("    pub fn parse(message: &Message<'a>) -> Event<'a> {")
w("        Event::try_parse(message).unwrap_or_else(|_| Event::Unknown(message.clone()))")
w("    }")
w("")
w("    /// Types `message`, or says why it could not. Unknown event names are `Ok(Unknown)`.")
w("    pub fn try_parse(message: &Message<'a>) -> Result<Event<'a>, DeError> {")
w("        match Kind::of(message) {")
w("            Some(kind) => kind.parse(message),")
w("            None => Ok(Event::Unknown(message.clone())),")
w("        }")
w("    }")
w("")
w("    /// [`Event::try_parse`] through the serde [`Deserializer`](serde::Deserializer) over")
w("    /// [`Message`] alone: the same result, slower. `try_parse` matches the keys of the crate's")
w("    /// own types in one generated pass and falls back to this path when a value does not fit.")
w("    pub fn try_parse_serde(message: &Message<'a>) -> Result<Event<'a>, DeError> {")
w("        match Kind::of(message) {")
w("            Some(kind) => kind.parse_serde(message),")
w("            None => Ok(Event::Unknown(message.clone())),")
w("        }")
w("    }")
w("")
w("    /// The event name as this crate spells it (`Unknown` gives the name on the wire).")
w("    pub fn name(&self) -> &str {")
w("        match self {")
for name, tname, _, _ in variants:
    w(f'            Event::{tname}(_) => "{name}",')
w('            Event::Unknown(m) => m.event().unwrap_or_default(),')
w("        }")
w("    }")
w("")
w("    /// True when the event was typed.")
w("    pub fn is_typed(&self) -> bool {")
w("        !matches!(self, Event::Unknown(_))")
w("    }")
w("}")
w("")
w("#[derive(Debug, Clone, Copy)]")
w("enum Kind {")
for name, tname, _, _ in variants:
    w(f"    {tname},")
w("}")
w("use Kind::*;")
w("")
w("const KINDS: &[(&str, Kind)] = &[")
for name, tname, _, _ in variants:
    w(f'    ("{name}", {tname}),')
w("];")
w("")
w("impl Kind {")
w("    /// The type of the event `m` names, if the crate has one.")
w("    fn of(m: &Message<'_>) -> Option<Kind> {")
w("        // `Event` is the first key of nearly every event: look there before searching.")
w("        let name = match m.field(0) {")
w('            Some(("Event", name)) => name,')
w("            _ => m.event()?,")
w("        };")
w("        // The usual spellings first, then any other ASCII case.")
w("        let known = match name {")
for name, tname, spellings, _ in variants:
    pats = " | ".join(f'"{s}"' for s in dict.fromkeys([name] + spellings))
    w(f"            {pats} => Some({tname}),")
w("            _ => None,")
w("        };")
w("        known.or_else(|| {")
w("            KINDS")
w("                .iter()")
w("                .find(|(n, _)| n.eq_ignore_ascii_case(name))")
w("                .map(|(_, kind)| *kind)")
w("        })")
w("    }")
w("")
w("    fn parse<'a>(self, m: &Message<'a>) -> Result<Event<'a>, DeError> {")
w("        Ok(match self {")
for name, tname, _, boxed in variants:
    w(f"            {tname} => Event::{tname}(Box::new(typed({tname}::from_fields(m), m)?)),"  if boxed else f"            {tname} => Event::{tname}(typed({tname}::from_fields(m), m)?),")
w("        })")
w("    }")
w("")
w("    fn parse_serde<'a>(self, m: &Message<'a>) -> Result<Event<'a>, DeError> {")
w("        Ok(match self {")
for name, tname, _, boxed in variants:
    w(f"            {tname} => Event::{tname}(Box::new(from_message_indexed(m)?)),"  if boxed else f"            {tname} => Event::{tname}(from_message_indexed(m)?),")
w("        })")
w("    }")
w("}")
w("")
w("/// Every event name with a type, as this crate spells it.")
w("pub const TYPED_EVENTS: &[&str] = &[")
for name, tname, _, _ in variants:
    w(f'    "{name}",')
w("];")
open("src/events.rs", "w").write("\n".join(out) + "\n")
print(len(variants), "events")
