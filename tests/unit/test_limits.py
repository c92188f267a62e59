"""The pure parts of the server's limits: JSON depth without parsing, cutting log lines,
the websocket mask check, and the settings that configure them."""

from __future__ import annotations

import json
import os
import random
import struct
from typing import Any

import pytest

from colonies.config import Settings
from colonies.server.codec import too_deep
from colonies.server.limits import _MaskCheck, clip_line

PIECES = ['"[{"', '"\\\\"', '"\\"]"', '"a\\\\\\"{"', "1", "true", '"x"', '"}]\\\\"']


def document(rng: random.Random, depth: int) -> Any:
    """A random JSON value nested exactly ``depth`` deep, strings full of brackets."""
    if depth == 0:
        return json.loads(rng.choice(PIECES))
    inner = [document(rng, rng.randrange(depth)) for _ in range(rng.randrange(3))]
    inner.insert(rng.randrange(len(inner) + 1), document(rng, depth - 1))
    if rng.random() < 0.5:
        return inner
    return {f"k{i}[": v for i, v in enumerate(inner)}


def measured(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((measured(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((measured(v) for v in value.values()), default=0)
    return 0


@pytest.mark.parametrize("seed", range(200))
def test_too_deep_agrees_with_the_parsed_depth(seed: int) -> None:
    rng = random.Random(seed)
    depth = rng.randrange(1, 12)
    value = document(rng, depth)
    assert measured(value) == depth
    text = json.dumps(value, indent=rng.choice([None, 1])).encode()
    for limit in (depth - 1, depth, depth + 1):
        assert too_deep(text, max(limit, 0)) == (depth > limit)


def test_too_deep_is_quick_on_hostile_and_large_documents() -> None:
    assert too_deep(b"[" * 5_000_000 + b"]" * 5_000_000, 64)
    assert too_deep(b'{"a":' * 100 + b"1" + b"}" * 100, 64)
    assert not too_deep(json.dumps({"s": '\\"[{' * 1_000_000}).encode(), 2)
    assert not too_deep(json.dumps([[i, [i]] for i in range(200_000)]).encode(), 3)


@pytest.mark.parametrize(
    ("message", "limit", "expected"),
    [
        ("short\n", 100, "short\n"),
        ("x" * 100, 40, "x" * 12 + " [truncated 100 bytes to 40]"),
        ("x" * 100 + "\n", 40, "x" * 11 + " [truncated 101 bytes to 40]\n"),
        ("é" * 30, 40, "é" * 6 + " [truncated 60 bytes to 40]"),  # not mid-character
    ],
)
def test_clip_line(message: str, limit: int, expected: str) -> None:
    assert clip_line(message, limit) == expected
    assert len(expected.encode()) <= limit


def frame(payload: bytes, masked: bool = True) -> bytes:
    length = len(payload)
    if length < 126:
        head = bytes([0x81, length | (0x80 if masked else 0)])
    elif length < 65536:
        head = bytes([0x81, 126 | (0x80 if masked else 0)]) + struct.pack(">H", length)
    else:
        head = bytes([0x81, 127 | (0x80 if masked else 0)]) + struct.pack(">Q", length)
    return head + (os.urandom(4) if masked else b"") + payload


class Recorder:
    """Stands in for aiohttp's frame parser: keeps what it is fed."""

    def __init__(self) -> None:
        self.fed = b""

    def feed_data(self, data: bytes) -> tuple[bool, bytes]:
        self.fed += data
        return False, b""

    def feed_eof(self) -> None:
        pass


def feed_in_pieces(check: _MaskCheck, data: bytes, rng: random.Random) -> list[bool]:
    results = []
    pos = 0
    while pos < len(data):
        step = rng.choice([1, 2, 3, 7, 100, 5000])
        results.append(check.feed_data(data[pos : pos + step])[0])
        pos += step
    return results


@pytest.mark.parametrize("seed", range(20))
def test_masked_frames_pass_through_whatever_the_pieces(seed: int) -> None:
    rng = random.Random(seed)
    data = b"".join(frame(os.urandom(n)) for n in (0, 5, 125, 126, 200, 65535, 70000))
    refused: list[bool] = []
    parser = Recorder()
    check = _MaskCheck(parser, lambda: refused.append(True))
    assert not any(feed_in_pieces(check, data, rng))
    assert parser.fed == data and refused == []


@pytest.mark.parametrize("seed", range(20))
def test_an_unmasked_frame_is_refused_even_after_masked_ones(seed: int) -> None:
    rng = random.Random(seed)
    good = frame(b"x" * rng.choice([3, 300, 70000]))
    refused: list[bool] = []
    check = _MaskCheck(Recorder(), lambda: refused.append(True))
    results = feed_in_pieces(check, good + frame(b"hello", masked=False) + good, rng)
    assert refused == [True]
    assert results[-1] is True  # the connection is failed from there on


def test_limits_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "COLONIES_MAX_REQUEST_BODY": "1000",
            "COLONIES_BODY_BUDGET": "5000",
            "COLONIES_MAX_JSON_DEPTH": "20",
            "COLONIES_MAX_LOG_LINE": "300",
            "COLONIES_MAX_LOG_VOLUME": "9000",
            "COLONIES_LOG_PAGE": "700",
            "COLONIES_IDLE_TIMEOUT": "2.5",
            "COLONIES_BODY_TIMEOUT": "4",
            "COLONIES_SUBSCRIBE_TIMEOUT": "3",
            "COLONIES_WS_MAX_FRAME": "2048",
            "COLONIES_WS_HEARTBEAT": "15",
            "COLONIES_HEALTH_CACHE": "0.5",
        }
    )
    assert (settings.max_body, settings.body_budget, settings.max_json_depth) == (1000, 5000, 20)
    assert (settings.max_log_line, settings.max_log_volume, settings.log_page) == (300, 9000, 700)
    assert (settings.idle_timeout_s, settings.body_timeout_s) == (2.5, 4.0)
    assert (settings.subscribe_timeout_s, settings.ws_max_frame) == (3.0, 2048)
    assert (settings.ws_heartbeat_s, settings.health_cache_s) == (15.0, 0.5)
    defaults = Settings.from_env({})
    assert (defaults.max_body, defaults.max_json_depth, defaults.idle_timeout_s) == (
        32 * 1024 * 1024,
        64,
        10.0,
    )


@pytest.mark.parametrize("depth", ["0", "129"])
def test_a_json_depth_the_server_cannot_render_is_refused_at_start(depth: str) -> None:
    with pytest.raises(ValueError, match=r"COLONIES_MAX_JSON_DEPTH must be 1\.\.128"):
        Settings.from_env({"COLONIES_MAX_JSON_DEPTH": depth})
