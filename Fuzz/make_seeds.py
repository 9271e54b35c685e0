#!/usr/bin/env python3
"""Writes the libFuzzer seed corpus of one fuzz target from the golden vectors (Tests/Vectors).

usage: make_seeds.py frames|multipart|hlog|canonical|http VECTORS_DIR OUT_DIR

Standard library only. Seeds are named seed-<vector>-<what>; existing files are overwritten, other
files in OUT_DIR (what libFuzzer added) are left alone.
"""
import base64
import os
import struct
import sys
import zlib

BOUNDARY = b"--aAbBcCdDv1234567890VxXyYzZ"
CONTENT_TYPE = b'multipart/mixed; boundary="aAbBcCdDv1234567890VxXyYzZ"'


def load(vectors_dir):
    vectors = {}
    for name in sorted(os.listdir(vectors_dir)):
        if name.endswith(".hex"):
            with open(os.path.join(vectors_dir, name)) as handle:
                vectors[name[:-4]] = bytes.fromhex(handle.read().strip())
    return vectors


def http_body(message):
    head, separator, body = message.partition(b"\r\n\r\n")
    return body if separator else None


def multipart_parts(body):
    """The part bodies of a ConfigMgr multipart body (CRLF before each delimiter removed)."""
    parts = []
    for chunk in body.split(BOUNDARY)[1:]:
        if chunk.startswith(b"--"):
            break
        _, _, content = chunk.partition(b"\r\n\r\n")
        parts.append(content[:-2] if content.endswith(b"\r\n") else content)
    return parts


def utf16_text(data):
    if data.startswith(b"\xff\xfe"):
        data = data[2:]
    text = data.decode("utf-16-le", errors="replace")
    return text.split("\x00", 1)[0]


def frames_seeds(vectors):
    seeds = {}
    stream = b""
    for name, data in vectors.items():
        if name.startswith("tcp-"):
            seeds[f"{name}-frame"] = data
            seeds[f"{name}-payload"] = data[14:]
            stream += data
        elif name.startswith("http-"):
            seeds[f"{name}-message"] = data
            body = http_body(data)
            if body:
                seeds[f"{name}-body"] = body
    seeds["tcp-stream"] = stream
    # Hand-written shapes the vectors lack: comments, CDATA, entities, a declaration, Disconnect,
    # NegotiationNeeded, an empty frame.
    xml = (
        b'<?xml version="1.0"?><!-- c --><BgbRequestMessage TimeStamp="2026-11-26T17:46:02.1234567+01:00">'
        b"<PushID> 7 </PushID><TaskID>-2147483648</TaskID><TaskGuid>{a43dd1b3-a006-4604-b012-5529380b3b6f}</TaskGuid>"
        b"<TaskType>&#49;</TaskType><TaskParam><![CDATA[ab&c]]>&amp;&lt;&#x41;</TaskParam></BgbRequestMessage>"
    )
    seeds["hand-request-xml"] = xml
    header = lambda size, channel: size.to_bytes(4, "little") + b"\x01\x00\x01\x00\x00\x00\x00\x00" + channel.to_bytes(2, "little")
    disconnect = b'<BgbDisconnectMessage TimeStamp="2026-11-26T17:46:02Z"/>'
    seeds["hand-disconnect-frame"] = header(len(disconnect), 5) + disconnect
    seeds["hand-negotiation-frame"] = header(3, 6) + b"abc"
    seeds["hand-empty-frames"] = header(0, 7) + header(0, 9)
    return seeds


def multipart_seeds(vectors):
    seeds = {}
    for name in ("registration-request", "registration-reply"):
        if name not in vectors:
            continue
        body = http_body(vectors[name])
        seeds[f"{name}-body"] = body
        seeds[f"{name}-ctline-body"] = CONTENT_TYPE + b"\n" + body
        parts = multipart_parts(body)
        if len(parts) == 2:
            envelope, compressed = parts
            seeds[f"{name}-envelope-utf16"] = envelope
            seeds[f"{name}-envelope-utf8"] = utf16_text(envelope).encode()
            seeds[f"{name}-zlib"] = compressed
            try:
                inflated = zlib.decompress(compressed)
            except zlib.error:
                continue
            seeds[f"{name}-payload-utf16"] = inflated
            seeds[f"{name}-payload-utf8"] = utf16_text(inflated).encode()
    return seeds


def zigzag_leb128(value):
    v = (value << 1) ^ (value >> 63)
    v &= (1 << 64) - 1
    out = bytearray()
    for _ in range(8):
        if v >> 7 == 0:
            out.append(v)
            return bytes(out)
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v & 0xFF)
    return bytes(out)


def v2_histogram(counts, lowest=1000, highest=3_600_000_000_000, digits=3):
    """HdrHistogram V2 uncompressed encoding of `counts` (zero runs as negative values)."""
    payload = bytearray()
    index = 0
    while index < len(counts):
        if counts[index] == 0:
            run = 0
            while index < len(counts) and counts[index] == 0:
                run += 1
                index += 1
            payload += zigzag_leb128(-run if run > 1 else 0)
        else:
            payload += zigzag_leb128(counts[index])
            index += 1
    header = struct.pack(">IIiiqqd", 0x1C849313, len(payload), 0, digits, lowest, highest, 1.0)
    return header + bytes(payload)


def v2_compressed(counts, **layout):
    deflated = zlib.compress(v2_histogram(counts, **layout), 9)
    return struct.pack(">II", 0x1C849314, len(deflated)) + deflated


def hlog_seeds(vectors):
    seeds = {}
    shapes = {"empty": [], "one": [0, 3], "spread": [1, 0, 0, 0, 5, 2] + [0] * 40 + [7], "big": [2**40, 1]}
    lines = []
    for number, (name, counts) in enumerate(shapes.items()):
        compressed = v2_compressed(counts)
        seeds[f"v2-{name}-compressed"] = compressed
        seeds[f"v2-{name}"] = v2_histogram(counts)
        lines.append(f"{number}.000,1.000,0.0,{base64.b64encode(compressed).decode()}")
    seeds["v2-p256-layout"] = v2_compressed([4, 4], lowest=1, highest=2**40, digits=5)
    head = ("#[Histogram log format version 1.3]\n#[StartTime: 1700000000.000 (seconds since epoch), 2023-11-14]\n"
            "#[BaseTime: 1700000000.000 (seconds since epoch)]\n\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n")
    seeds["log"] = (head + "\n".join(lines) + "\n").encode()
    seeds["log-tagged-crlf"] = (head + "\r\n".join("Tag=response," + line for line in lines) + "\r\n").encode()
    seeds["log-relative-no-base"] = ("#[StartTime: 1700000000.000]\n" + lines[1] + "\n").encode()
    return seeds


def canonical_seeds(vectors):
    seeds = {}
    if "tcp-request" in vectors:
        payload = vectors["tcp-request"][14:]
        seeds["tcp-request-payload"] = payload
        seeds["tcp-request-spaced"] = payload.replace(b"><", b">\n  <")
        seeds["tcp-request-param"] = payload.replace(b"<TaskParam></TaskParam>", b"<TaskParam>PFNjcmlwdENvbnRlbnQ+</TaskParam>")
        seeds["tcp-request-entity"] = payload.replace(b"<TaskParam></TaskParam>", b"<TaskParam>a&amp;b</TaskParam>")
    seeds["reordered"] = (b'<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><TaskType>1</TaskType><TaskGuid>{A43DD1B3-A006-4604-B012-5529380B3B6F}</TaskGuid>'
                          b"<TaskID>-2147483648</TaskID><PushID>2147483647</PushID></BgbRequestMessage>")
    seeds["empty-element"] = (b'<BgbRequestMessage TimeStamp="2026-11-26T17:46:02.1234567+01:00"><PushID>1</PushID><TaskID>2</TaskID>'
                              b"<TaskGuid>g</TaskGuid><TaskType>1</TaskType><TaskParam/></BgbRequestMessage>")
    return seeds


def http_seeds(vectors):
    seeds = {}
    requests = b""
    answers = b""
    for name, data in vectors.items():
        if not name.startswith("http-") and not name.startswith("registration-"):
            continue
        seeds[name] = data
        if b"CCM_POST" in data.split(b"\r\n", 1)[0]:
            requests += data
        else:
            answers += data
    seeds["pipelined-requests"] = requests
    seeds["pipelined-answers"] = answers
    seeds["continue-then-answer"] = b"HTTP/1.1 100 Continue\r\n\r\n" + vectors.get("http-logout-answer-200", b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    seeds["until-close"] = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody until the close"
    seeds["chunked"] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    seeds["expect-100"] = b"CCM_POST /bgb/handler.ashx?RequestType=LogOut HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nabcd"
    seeds["no-content"] = b"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 990 Fallback\r\nContent-Length: 1\r\n\r\nx"
    return seeds


TARGETS = {
    "frames": lambda v: frames_seeds(v),
    "multipart": lambda v: multipart_seeds(v),
    "hlog": lambda v: hlog_seeds(v),
    "canonical": lambda v: canonical_seeds(v),
    "http": lambda v: http_seeds(v),
}


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in TARGETS:
        sys.exit(__doc__)
    target, vectors_dir, out_dir = sys.argv[1:]
    vectors = load(vectors_dir)
    seeds = TARGETS[target](vectors)
    os.makedirs(out_dir, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(out_dir, f"seed-{name}"), "wb") as handle:
            handle.write(data)
    print(f"{len(seeds)} seeds from {len(vectors)} vectors in {out_dir}")


if __name__ == "__main__":
    main()
