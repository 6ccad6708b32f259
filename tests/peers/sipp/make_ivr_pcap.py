#!/usr/bin/env python3
"""Write the caller's side of an IVR walk as one RTP stream (one SSRC) for SIPp's
play_pcap_audio: RFC 4733 key presses and PCMU audio, timed as a caller would.

usage: make_ivr_pcap.py OUT.pcap STEP...
  wait:S          S seconds without packets (SIPp starts with the first packet: a leading
                  wait is lost, use silence)
  silence:S       S seconds of PCMU silence (PT 0), 20 ms packets
  key:D           the key D (0-9 * # A-D) as telephone-event PT 101: 8 packets 20 ms apart,
                  the end packet three times, as make_dtmf_pcap.py writes them
  tone:S:HZ       S seconds of a HZ sine, amplitude 8000, PCMU (PT 0), 20 ms packets
e.g. make_ivr_pcap.py ivr_record_1k.pcap silence:2 key:2 silence:1 tone:2:1000 silence:0.5
Stdlib only.
"""
import math
import struct
import sys

from make_dtmf_pcap import EVENTS, FRAME, UPDATES, ip_udp
from make_tone import lin2ulaw

SSRC = 0x1F2E3D4C
TE_PT = 101


def main() -> None:
    out = sys.argv[1]
    packets = []  # (time in microseconds, rtp bytes)
    seq, t_us = 2000, 0
    ts0 = 16000

    def ts_at(t):
        return (ts0 + t * 8000 // 1_000_000) & 0xFFFFFFFF

    for step in sys.argv[2:]:
        kind, *args = step.split(":")
        if kind == "wait":
            t_us += int(float(args[0]) * 1_000_000)
        elif kind == "key":
            event = EVENTS[args[0].upper()]
            start = ts_at(t_us)
            for i in range(UPDATES):
                end = i == UPDATES - 1
                for copy in range(3 if end else 1):
                    rtp = struct.pack(">BBHII", 0x80, (0x80 if i == 0 else 0) | TE_PT, seq, start, SSRC)
                    rtp += struct.pack(">BBH", event, (0x80 if end else 0) | 10, (i + 1) * FRAME)
                    packets.append((t_us + copy * 50, rtp))
                seq = (seq + 1) & 0xFFFF
                t_us += 20_000
        elif kind in ("tone", "silence"):
            seconds = float(args[0])
            hz = float(args[1]) if kind == "tone" else 0.0
            for n in range(int(seconds * 50)):
                samples = [8000 * math.sin(2 * math.pi * hz * (n * FRAME + k) / 8000) for k in range(FRAME)]
                payload = bytes(lin2ulaw(int(s)) for s in samples)
                rtp = struct.pack(">BBHII", 0x80, 0x80 if n == 0 else 0, seq, ts_at(t_us), SSRC) + payload
                packets.append((t_us, rtp))
                seq = (seq + 1) & 0xFFFF
                t_us += 20_000
        else:
            sys.exit(f"unknown step {step!r}")
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # Ethernet
        for t, rtp in packets:
            frame = b"\x00" * 12 + b"\x08\x00" + ip_udp(rtp)
            f.write(struct.pack("<IIII", 1_764_200_000 + t // 1_000_000, t % 1_000_000,
                                len(frame), len(frame)))
            f.write(frame)


if __name__ == "__main__":
    main()
