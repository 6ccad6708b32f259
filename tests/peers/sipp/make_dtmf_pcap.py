#!/usr/bin/env python3
"""Write a pcap of RFC 4733 telephone-event RTP packets for SIPp's play_pcap_audio.

usage: make_dtmf_pcap.py OUT.pcap [DIGITS] [PT]      (defaults: 159*0# and 101)

Each key: 8 packets 20 ms apart (durations 160..1280 samples, marker on the
first), the last one sent three times with the end bit (RFC 4733 2.5.1.4),
then 200 ms of silence before the next key. One SSRC, increasing sequence
numbers and timestamps, as a real sender. SIPp rewrites the addresses and
ports and keeps the RTP bytes and the packet spacing. Stdlib only.
"""
import struct
import sys

EVENTS = {**{str(d): d for d in range(10)}, "*": 10, "#": 11, "A": 12, "B": 13, "C": 14, "D": 15}
SSRC = 0x59A57A12
FRAME = 160          # samples per 20 ms packet at 8 kHz
UPDATES = 8          # packets per key press (160 ms)
GAP = 1600           # samples between key presses (200 ms)


def ip_udp(payload: bytes) -> bytes:
    udp = struct.pack(">HHHH", 16000, 17000, 8 + len(payload), 0) + payload
    total = 20 + len(udp)
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0xB8, total, 0, 0x4000, 64, 17, 0,
                      bytes([127, 0, 0, 2]), bytes([127, 0, 0, 3]))
    s = sum(struct.unpack(">10H", hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    hdr = hdr[:10] + struct.pack(">H", ~s & 0xFFFF) + hdr[12:]
    return hdr + udp


def main() -> None:
    out = sys.argv[1]
    digits = sys.argv[2] if len(sys.argv) > 2 else "159*0#"
    pt = int(sys.argv[3]) if len(sys.argv) > 3 else 101
    packets = []  # (time in microseconds, rtp bytes)
    seq, ts, t_us = 1000, 8000, 0
    for digit in digits:
        event = EVENTS[digit.upper()]
        for i in range(UPDATES):
            end = i == UPDATES - 1
            duration = (i + 1) * FRAME
            for copy in range(3 if end else 1):
                rtp = struct.pack(">BBHII", 0x80, (0x80 if i == 0 else 0) | pt, seq, ts, SSRC)
                rtp += struct.pack(">BBH", event, (0x80 if end else 0) | 10, duration)
                packets.append((t_us + copy * 50, rtp))
            seq = (seq + 1) & 0xFFFF
            t_us += 20_000
        ts += UPDATES * FRAME + GAP
        t_us += GAP * 1_000_000 // 8000
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # Ethernet
        for t, rtp in packets:
            frame = b"\x00" * 12 + b"\x08\x00" + ip_udp(rtp)
            f.write(struct.pack("<IIII", 1_764_200_000 + t // 1_000_000, t % 1_000_000,
                                len(frame), len(frame)))
            f.write(frame)


if __name__ == "__main__":
    main()
