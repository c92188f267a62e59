"""Channel messages (PROTOCOL §7.14)."""

from __future__ import annotations

from pydantic import Field

from colonies.core._wire import Int
from colonies.core.channel import GoBytes
from colonies.rpc.base import Msg

__all__ = [
    "ChannelAppendMsg",
    "ChannelReadMsg",
    "SubscribeChannelMsg",
]


class ChannelAppendMsg(
    Msg, payload_type="channelappendmsg", action="append to channel", changes=True
):
    process_id: str = ""
    name: str = ""
    sequence: Int = 0
    in_reply_to: Int = 0
    payload: GoBytes = b""
    entry_type: str = Field(default="", alias="payloadtype")


class ChannelReadMsg(Msg, payload_type="channelreadmsg", action="read from channel", changes=False):
    process_id: str = ""
    name: str = ""
    after_seq: Int = 0
    limit: Int = 0


class SubscribeChannelMsg(
    Msg, payload_type="subscribechannelmsg", action="subscribe to channel", websocket=True
):
    process_id: str = ""
    name: str = ""
    after_seq: Int = 0
    timeout: Int = 0
