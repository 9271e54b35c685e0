#!/usr/bin/env python3
"""Writes the libFuzzer seed corpus of one fuzz target from the golden vectors (Tests/Vectors).

usage: make_seeds.py frames|multipart VECTORS_DIR OUT_DIR

Standard library only. Seeds are named seed-<vector>-<what>; existing files are overwritten, other
files in OUT_DIR (what libFuzzer added) are left alone.
"""
import os
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


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("frames", "multipart"):
        sys.exit(__doc__)
    target, vectors_dir, out_dir = sys.argv[1:]
    vectors = load(vectors_dir)
    seeds = frames_seeds(vectors) if target == "frames" else multipart_seeds(vectors)
    os.makedirs(out_dir, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(out_dir, f"seed-{name}"), "wb") as handle:
            handle.write(data)
    print(f"{len(seeds)} seeds from {len(vectors)} vectors in {out_dir}")


if __name__ == "__main__":
    main()
