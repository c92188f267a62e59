"""Replay protection's decisions with an explicit clock, the client's stamp and the settings."""

from __future__ import annotations

import json
import time

import pytest

from colonies.config import Settings
from colonies.rpc.envelope import NONCE, SIGNED_AT, stamped
from colonies.server.replay import (
    NS,
    RecentNonces,
    Stamp,
    Verdict,
    freshness,
    nonce_key,
    read_stamp,
    refusal,
)

NOW = 1_800_000_000 * NS
NONCE_HEX = "0123456789abcdef0123456789abcdef"


def payload(**fields: object) -> str:
    return json.dumps({"msgtype": "getcoloniesmsg", **fields})


def test_client_stamp_is_a_fresh_nonce_and_the_signing_time_in_unix_nanoseconds() -> None:
    before = time.time_ns()
    first, second = stamped({"msgtype": "x"}), stamped({"msgtype": "x"})
    assert first["msgtype"] == "x"
    assert len(first[NONCE]) == 32 and int(first[NONCE], 16) >= 0
    assert first[NONCE] != second[NONCE]
    assert isinstance(first[SIGNED_AT], int)
    assert before <= first[SIGNED_AT] <= time.time_ns()
    assert read_stamp(json.dumps(first)) == Stamp(first[NONCE], first[SIGNED_AT])


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {NONCE: NONCE_HEX},
        {SIGNED_AT: NOW},
        {NONCE: "short", SIGNED_AT: NOW},
        {NONCE: "x" * 129, SIGNED_AT: NOW},
        {NONCE: 12345678901234567890, SIGNED_AT: NOW},
        {NONCE: NONCE_HEX, SIGNED_AT: str(NOW)},
        {NONCE: NONCE_HEX, SIGNED_AT: NOW / 1},
        {NONCE: NONCE_HEX, SIGNED_AT: True},
        {NONCE: NONCE_HEX, SIGNED_AT: None},
        {"Nonce": NONCE_HEX, "SignedAt": NOW},
    ],
)
def test_absent_or_malformed_fields_are_no_stamp(fields: dict[str, object]) -> None:
    assert read_stamp(payload(**fields)) is None
    assert freshness(read_stamp(payload(**fields)), NOW, 300, 30) is Verdict.MISSING


def test_a_payload_that_is_not_an_object_is_no_stamp() -> None:
    assert read_stamp("[1, 2]") is None
    assert read_stamp("not json") is None


@pytest.mark.parametrize(
    ("signed_at", "verdict"),
    [
        (NOW, Verdict.FRESH),
        (NOW - 300 * NS, Verdict.FRESH),  # exactly the window old
        (NOW - 300 * NS - 1, Verdict.STALE),
        (NOW - 3600 * NS, Verdict.STALE),
        (NOW + 30 * NS, Verdict.FRESH),  # exactly the allowed skew ahead
        (NOW + 30 * NS + 1, Verdict.FUTURE),
        (0, Verdict.STALE),
        (-1, Verdict.STALE),
        (2**63 - 1, Verdict.FUTURE),
    ],
)
def test_freshness_against_window_and_skew(signed_at: int, verdict: Verdict) -> None:
    assert freshness(Stamp(NONCE_HEX, signed_at), NOW, 300, 30) is verdict


def test_window_and_skew_are_the_settings_given() -> None:
    stamp = Stamp(NONCE_HEX, NOW - 10 * NS)
    assert freshness(stamp, NOW, 10, 0) is Verdict.FRESH
    assert freshness(stamp, NOW, 9.5, 0) is Verdict.STALE
    ahead = Stamp(NONCE_HEX, NOW + 1)
    assert freshness(ahead, NOW, 300, 0) is Verdict.FUTURE


def test_recent_nonces_refuse_a_key_seen_until_it_expires() -> None:
    recent = RecentNonces(size=10)
    key = nonce_key("caller", NONCE_HEX)
    assert recent.add(key, NOW + 5, NOW)
    assert not recent.add(key, NOW + 5, NOW + 1)
    assert not recent.add(key, NOW + 5, NOW + 5)
    # Expired: its request would be stale now, so the key may go (and is taken again).
    assert recent.add(key, NOW + 100, NOW + 6)


def test_recent_nonces_keep_at_most_size_dropping_the_oldest_and_the_expired() -> None:
    recent = RecentNonces(size=3)
    keys = [nonce_key("caller", f"{i:032x}") for i in range(5)]
    for key in keys:
        assert recent.add(key, NOW + 100, NOW)
    assert len(recent) == 3
    assert recent.add(keys[0], NOW + 100, NOW)  # dropped for room: only the database knows
    assert not recent.add(keys[4], NOW + 100, NOW)
    assert recent.add(nonce_key("caller", "late" * 8), NOW + 200, NOW + 150)
    assert len(recent) == 1  # the others expired at NOW + 100


def test_the_key_binds_nonce_to_signer() -> None:
    assert nonce_key("a", NONCE_HEX) != nonce_key("b", NONCE_HEX)
    assert nonce_key("a", NONCE_HEX) == nonce_key("a", NONCE_HEX)
    assert len(nonce_key("a", NONCE_HEX)) == 16


def test_refusals_say_why_with_the_figures() -> None:
    s = Settings(replay_window_s=300, replay_skew_s=30)
    missing = refusal(Verdict.MISSING, None, NOW, s)
    assert missing.status == 403
    assert "lacks nonce" in missing.message and "signedat" in missing.message
    stale = refusal(Verdict.STALE, Stamp(NONCE_HEX, NOW - 400 * NS), NOW, s)
    assert "signed 400 s ago, older than the 300 s window" in stale.message
    future = refusal(Verdict.FUTURE, Stamp(NONCE_HEX, NOW + 90 * NS), NOW, s)
    assert "signed 90 s in the future, more than the 30 s allowed" in future.message
    replayed = refusal(Verdict.REPLAYED, Stamp(NONCE_HEX, NOW), NOW, s)
    assert "nonce was used before" in replayed.message


def test_settings_read_mode_window_and_skew() -> None:
    default = Settings.from_env({})
    assert (default.replay_protection, default.replay_window_s, default.replay_skew_s) == (
        "warn",
        300.0,
        30.0,
    )
    env = {
        "COLONIES_REPLAY_PROTECTION": "Require",
        "COLONIES_REPLAY_WINDOW": "60",
        "COLONIES_REPLAY_SKEW": "0",
    }
    s = Settings.from_env(env)
    assert (s.replay_protection, s.replay_window_s, s.replay_skew_s) == ("require", 60.0, 0.0)
    assert Settings.from_env({"COLONIES_REPLAY_PROTECTION": "off"}).replay_protection == "off"


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("COLONIES_REPLAY_PROTECTION", "strict", "must be off, warn or require"),
        ("COLONIES_REPLAY_WINDOW", "0", "COLONIES_REPLAY_WINDOW must be > 0"),
        ("COLONIES_REPLAY_WINDOW", "-5", "COLONIES_REPLAY_WINDOW must be > 0"),
        ("COLONIES_REPLAY_SKEW", "-1", "COLONIES_REPLAY_SKEW must be ≥ 0"),
    ],
)
def test_bad_settings_are_refused_at_start(name: str, value: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Settings.from_env({name: value})
