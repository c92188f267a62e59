from __future__ import annotations

from colonies.core import Attribute
from colonies.rpc.base import Msg


class AddAttributeMsg(
    Msg,
    payload_type="addattributemsg",
    action="add attribute",
    changes=True,
    target="attribute.target_id",
):
    attribute: Attribute | None = None


class GetAttributeMsg(Msg, payload_type="getattributemsg", action="get attribute"):
    attribute_id: str = ""
