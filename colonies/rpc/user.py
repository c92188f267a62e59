from __future__ import annotations

from colonies.core import User
from colonies.rpc.base import Msg


class AddUserMsg(
    Msg,
    payload_type="addusermsg",
    action="add user",
    changes=True,
    target="user.name",
    colony="user.colony_name",
):
    user: User | None = None


class GetUsersMsg(Msg, payload_type="getusersmsg", action="get users"):
    colony_name: str = ""


class GetUserMsg(Msg, payload_type="getusermsg", action="get user"):
    colony_name: str = ""
    name: str = ""


class GetUserByIdMsg(Msg, payload_type="getuserbyidmsg", action="get user"):
    colony_name: str = ""
    user_id: str = ""


class RemoveUserMsg(Msg, payload_type="removeusermsg", action="remove user", changes=True):
    colony_name: str = ""
    name: str = ""


class ChangeUserIdMsg(
    Msg, payload_type="changeuseridmsg", action="change user id", changes=True, target="user_id"
):
    colony_name: str = ""
    user_id: str = ""
