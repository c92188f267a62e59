"""Optional client-side encryption of file contents: AES-256-GCM in 1 MiB chunks.

Layout: ``CFS1`` + 8-byte random nonce prefix, then per chunk ``ciphertext ‖ 16-byte tag``
where the nonce is the prefix + the chunk's 4-byte counter and the associated data marks the
final chunk, so reordering, truncation and extension all fail to decrypt. Memory use is one
chunk, whatever the file size. The key is 32 bytes, given as 64 hex characters.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from colonies.config import FS_ENCRYPTION_KEY, fs_encryption_key

ALGORITHM = "AES-256-GCM-CHUNKED"
MAGIC = b"CFS1"
PLAIN_CHUNK = 1024 * 1024
TAG = 16
KEY_ENV = FS_ENCRYPTION_KEY


class CryptoError(Exception):
    """Decryption is impossible: no key, a wrong key, or damaged contents."""


def parse_key(text: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise CryptoError(f"{KEY_ENV} must be 64 hex characters (a 256-bit key)") from None
    if len(key) != 32:
        raise CryptoError(f"{KEY_ENV} must be 64 hex characters (a 256-bit key)")
    return key


def key_from_env(env: Mapping[str, str] | None = None) -> bytes | None:
    """The key of ``COLONIES_FS_ENCRYPTION_KEY``, or None when it is not set."""
    text = fs_encryption_key(env)
    return parse_key(text) if text else None


def key_id(key: bytes) -> str:
    """A fingerprint stored with the file (never the key): tells a wrong key apart."""
    return "sha256:" + hashlib.sha256(b"colonies-fs-key" + key).hexdigest()[:16]


def _nonce(prefix: bytes, counter: int) -> bytes:
    return prefix + counter.to_bytes(4, "big")


def encrypt_file(key: bytes, src: Path, dst: Path) -> None:
    aes = AESGCM(key)
    prefix = os.urandom(8)
    with src.open("rb") as fin, dst.open("wb") as fout:
        fout.write(MAGIC + prefix)
        counter = 0
        block = fin.read(PLAIN_CHUNK)
        while True:
            nxt = fin.read(PLAIN_CHUNK) if len(block) == PLAIN_CHUNK else b""
            final = not nxt
            fout.write(aes.encrypt(_nonce(prefix, counter), block, b"\x01" if final else b"\x00"))
            if final:
                return
            block, counter = nxt, counter + 1


def decrypt_file(key: bytes, src: Path, dst: Path) -> None:
    aes = AESGCM(key)
    size = PLAIN_CHUNK + TAG
    with src.open("rb") as fin, dst.open("wb") as fout:
        head = fin.read(len(MAGIC) + 8)
        if len(head) != len(MAGIC) + 8 or not head.startswith(MAGIC):
            raise CryptoError("not a Colonies FS encrypted object")
        prefix = head[len(MAGIC) :]
        counter = 0
        block = fin.read(size)
        while True:
            nxt = fin.read(size) if len(block) == size else b""
            final = not nxt
            try:
                plain = aes.decrypt(_nonce(prefix, counter), block, b"\x01" if final else b"\x00")
            except InvalidTag:
                raise CryptoError("decryption failed: wrong key or damaged object") from None
            fout.write(plain)
            if final:
                return
            block, counter = nxt, counter + 1
