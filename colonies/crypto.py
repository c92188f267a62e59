"""secp256k1 identities and recoverable signatures, byte-identical to the Go reference.

An id is SHA3-256 of the lowercase hex text of the uncompressed public key. A signature is
65 bytes ``r || s || v`` (v = recovery id, not offset by 27) over SHA3-256 of the base64
payload text.
"""

from __future__ import annotations

import functools
import hashlib
import os

from coincurve import PrivateKey, PublicKey

from colonies.errors import Forbidden

CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HALF_ORDER = CURVE_ORDER // 2


def sha3_hex(text: str | bytes) -> str:
    """SHA3-256 of text (UTF-8) as 64 lowercase hex characters."""
    data = text.encode() if isinstance(text, str) else text
    return hashlib.sha3_256(data).hexdigest()


def random_id() -> str:
    """A fresh 64-hex id, as the reference makes process, graph and cron ids."""
    return sha3_hex(os.urandom(32).hex())


def new_private_key() -> str:
    """A new private key as 64 lowercase hex characters."""
    return PrivateKey().secret.hex()


@functools.lru_cache(maxsize=64)
def _private_key(prvkey: str) -> PrivateKey:
    """The key object for a hex key; cached, since a client signs every request with the
    same few keys and building the object costs more than the signature itself."""
    raw = bytes.fromhex(prvkey)
    if len(raw) != 32:
        raise ValueError("invalid private key length")
    return PrivateKey(raw)


def id_from_public_key(pub: PublicKey) -> str:
    """The colonies id of a public key."""
    return sha3_hex(pub.format(compressed=False).hex())


def id_from_private_key(prvkey: str) -> str:
    """The colonies id that belongs to a hex private key."""
    return id_from_public_key(_private_key(prvkey).public_key)


def sign(payload: str, prvkey: str) -> str:
    """Sign the base64 payload text; returns 130 hex characters (r || s || v)."""
    digest = hashlib.sha3_256(payload.encode()).digest()
    return _private_key(prvkey).sign_recoverable(digest, hasher=None).hex()


def recover_id(payload: str, signature: str) -> str:
    """Recover the signer's id from the payload text and hex signature; Forbidden if invalid."""
    try:
        sig = bytes.fromhex(signature)
    except ValueError as exc:
        raise Forbidden(f"encoding/hex: {exc}") from None
    if len(sig) != 65:
        raise Forbidden("Invalid signature length")
    r = int.from_bytes(sig[:32], "big")
    s = int.from_bytes(sig[32:64], "big")
    if r == 0:
        raise Forbidden("Failed to recover public key: invalid signature: R is 0")
    if s == 0:
        raise Forbidden("Failed to recover public key: invalid signature: S is 0")
    if r >= CURVE_ORDER or s >= CURVE_ORDER:
        raise Forbidden("Failed to recover public key: invalid signature: value overflows")
    if sig[64] > 7:
        raise Forbidden("Failed to recover public key: invalid recovery code")
    if s > _HALF_ORDER:
        raise Forbidden("Failed verify signature: Signature s value is over half the order")
    digest = hashlib.sha3_256(payload.encode()).digest()
    try:
        pub = PublicKey.from_signature_and_message(
            sig[:64] + bytes([sig[64] & 3]), digest, hasher=None
        )
    except Exception as exc:
        raise Forbidden(f"Failed to recover public key: {exc}") from None
    return id_from_public_key(pub)
