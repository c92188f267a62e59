from __future__ import annotations

from pydantic import Field

from colonies.core import Function
from colonies.rpc.base import Msg


class AddFunctionMsg(
    Msg,
    payload_type="addfunctionmsg",
    action="add function",
    changes=True,
    target=("reply.function_id", "function.func_name"),
    colony="function.colony_name",
):
    function: Function | None = Field(default=None, alias="fun")


class GetFunctionsMsg(Msg, payload_type="getfunctionsmsg", action="get functions"):
    colony_name: str = ""
    executor_name: str = ""


class RemoveFunctionMsg(
    Msg, payload_type="removefunctionmsg", action="remove function", changes=True
):
    function_id: str = ""
