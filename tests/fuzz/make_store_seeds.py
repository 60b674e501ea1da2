#!/usr/bin/env python3
"""Writes the binary seeds of store_file_fuzzer and store_body_fuzzer (docs/store-format.md).

Little-endian integers, u32-counted strings; the values are examples, no one's credentials.
Run from anywhere: python3 tests/fuzz/make_store_seeds.py
"""
import os
import struct

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def counted(text):
    data = text.encode()
    return struct.pack("<I", len(data)) + data


def entry(kind, key, label, username, origin, secret, expires=None, extras=()):
    out = struct.pack("<BBQQ", kind, 1 if expires is not None else 0, 1700000000, 1700000100)
    if expires is not None:
        out += struct.pack("<Q", expires)
    for field in (key, label, username, origin, secret):
        out += counted(field)
    out += struct.pack("<H", len(extras))
    for name, value in extras:
        out += counted(name) + counted(value)
    return out


def table(*entries):
    return struct.pack("<I", len(entries)) + b"".join(entries)


def header(protector=b"passphrase", params=b"\x01" * 40):
    size = 8 + 2 + 2 + 16 + 8 + 1 + len(protector) + 2 + len(params) + 24
    return (b"KEYHOLD\x1a" + struct.pack("<HH", 1, size) + bytes(range(16)) + struct.pack("<Q", 3) +
            bytes([len(protector)]) + protector + struct.pack("<H", len(params)) + params + b"\x24" * 24)


def write(target, name, data):
    os.makedirs(os.path.join(here, target), exist_ok=True)
    with open(os.path.join(here, target, name), "wb") as out:
        out.write(data)


registry = entry(1, "ghcr.io/team-a", "https://ghcr.io/team-a", "bot", "user", "example-token")
git = entry(2, "https\ngit.example.com\n\nalice", "https://alice@git.example.com", "alice", "acme-org",
            "example-password", expires=1800000000, extras=[("oauth_refresh_token", "example-refresh")])
build_secret = entry(3, "NPM_TOKEN", "NPM_TOKEN", "", "acme-org", "example-npm")
source_token = entry(4, "acme-org", "acme-org", "", "user", "example-org-token")

write("store_body_fuzzer", "empty.bin", table())
write("store_body_fuzzer", "registry.bin", table(registry))
write("store_body_fuzzer", "all-kinds.bin", table(registry, git, build_secret, source_token))

# The ciphertext is not authentic (no key made it): the parser's work ends at the header.
write("store_file_fuzzer", "passphrase.bin", header() + bytes(48))
write("store_file_fuzzer", "secret-service.bin", header(b"secret-service", b"") + bytes(16))
write("store_file_fuzzer", "truncated.bin", header()[:30])
