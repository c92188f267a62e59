"""Known-answer vectors of PROTOCOL §2."""

from __future__ import annotations

import pytest

from colonies.crypto import (
    CURVE_ORDER,
    id_from_private_key,
    new_private_key,
    recover_id,
    sha3_hex,
    sign,
)
from colonies.errors import Forbidden


@pytest.mark.parametrize(
    ("prvkey", "ident"),
    [
        (
            "6d2fb6f546bacfd98c68769e61e0b44a697a30596c018a50e28200aa59b01c0a",
            "4fef2b5a82d134d058c1883c72d6d9caf77cd59ca82d73105017590dea3dcb87",
        ),
        (
            "fcc79953d8a751bf41db661592dc34d30004b1a651ffa0725b03ac227641499d",
            "039231c7644e04b6895471dd5335cf332681c54e27f81fac54f9067b3f2c0103",
        ),
        (
            "ba949fa134981372d6da62b6a56f336ab4d843b22c02a4257dcf7d0d73097514",
            "4787a5071856a4acf702b2ffcea422e3237a679c681314113d86139461290cf4",
        ),
        (
            "ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05",
            "3fc05cf3df4b494e95d6a3d297a34f19938f7daa7422ab0d4f794454133341ac",
        ),
    ],
)
def test_id_vectors(prvkey: str, ident: str) -> None:
    assert id_from_private_key(prvkey) == ident


def test_sha3_vector() -> None:
    assert sha3_hex("hello world") == (
        "644bcc7e564373040999aac89e7622f3ca71fba1d972fd94a31c3bfbf24e3938"
    )


PAYLOAD = "eyJtc2d0eXBlIjogImdldGNvbG9uaWVzbXNnIn0="
SERVER_KEY = "fcc79953d8a751bf41db661592dc34d30004b1a651ffa0725b03ac227641499d"
SIGNATURE = (
    "82a2287f7fa7aad2f7a476c2b91743d67792c4f1f580f7cad92ecc6c3504bc6f"
    "2f542e984ed0d7d8b5a90a6fc1a381bb18e29dceabb6e97600395d37706732af01"
)


def test_signature_vector_is_byte_identical() -> None:
    assert sha3_hex(PAYLOAD) == "eadda7cf07edf81c2803ef44e180181d037cc68dfce136f18b91891f1e39be17"
    assert sign(PAYLOAD, SERVER_KEY) == SIGNATURE


def test_recover_vector() -> None:
    assert recover_id(PAYLOAD, SIGNATURE) == id_from_private_key(SERVER_KEY)


def test_sign_and_recover_round_trip_with_fresh_key() -> None:
    key = new_private_key()
    assert recover_id("abc", sign("abc", key)) == id_from_private_key(key)


def test_other_payload_recovers_another_id() -> None:
    assert recover_id(PAYLOAD + "x", SIGNATURE) != id_from_private_key(SERVER_KEY)


def _high_s(signature: str) -> str:
    raw = bytes.fromhex(signature)
    s = int.from_bytes(raw[32:64], "big")
    flipped = (CURVE_ORDER - s).to_bytes(32, "big")
    return (raw[:32] + flipped + bytes([raw[64] ^ 1])).hex()


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("", "Invalid signature length"),
        ("abcd", "Invalid signature length"),
        ("zz" * 65, "encoding/hex"),
        ("00" * 65, "Failed to recover public key: invalid signature: R is 0"),
        (_high_s(SIGNATURE), "Signature s value is over half the order"),
        (SIGNATURE[:-2] + "09", "Failed to recover public key"),
    ],
)
def test_bad_signatures_are_forbidden(signature: str, message: str) -> None:
    with pytest.raises(Forbidden, match=message) as err:
        recover_id(PAYLOAD, signature)
    assert err.value.status == 403
