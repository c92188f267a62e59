"""The wire protocol: one Msg class per payload type, registered in MESSAGES on import."""

from __future__ import annotations

from colonies.rpc import (  # noqa: F401  (importing registers the classes)
    attribute,
    audit,
    blueprint,
    channel,
    colony,
    cron,
    executor,
    file,
    function,
    generator,
    location,
    log,
    process,
    server,
    ticket,
    user,
    workflow,
)
from colonies.rpc.attribute import *  # noqa: F403
from colonies.rpc.audit import *  # noqa: F403
from colonies.rpc.base import MESSAGES, Msg
from colonies.rpc.blueprint import *  # noqa: F403
from colonies.rpc.channel import *  # noqa: F403
from colonies.rpc.colony import *  # noqa: F403
from colonies.rpc.cron import *  # noqa: F403
from colonies.rpc.executor import *  # noqa: F403
from colonies.rpc.file import *  # noqa: F403
from colonies.rpc.function import *  # noqa: F403
from colonies.rpc.generator import *  # noqa: F403
from colonies.rpc.location import *  # noqa: F403
from colonies.rpc.log import *  # noqa: F403
from colonies.rpc.process import *  # noqa: F403
from colonies.rpc.server import *  # noqa: F403
from colonies.rpc.ticket import *  # noqa: F403
from colonies.rpc.user import *  # noqa: F403
from colonies.rpc.workflow import *  # noqa: F403

__all__ = ["MESSAGES", "Msg"]
