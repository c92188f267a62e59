"""A stand-in for the Go reference server, which cannot run here: our server with every
payload type the reference lacks refused as the reference refuses an unknown type (403
``invalid rpcMsg.PayloadType: <type>``), and without our ``Colonies-Features`` header."""

from __future__ import annotations

from aiohttp import web

from colonies.config import Settings
from colonies.rpc.envelope import FEATURES_HEADER
from colonies.server import keys
from colonies.server.app import create_app

REFERENCE_TYPES = frozenset(
    [
        "addattributemsg",
        "addblueprintdefinitionmsg",
        "addblueprintmsg",
        "addchildmsg",
        "addcolonymsg",
        "addcronmsg",
        "addexecutorlogmsg",
        "addexecutormsg",
        "addfilemsg",
        "addfunctionmsg",
        "addgeneratormsg",
        "addlocationmsg",
        "addlogmsg",
        "addusermsg",
        "approveexecutormsg",
        "assignprocessmsg",
        "cancelprocessgraphmsg",
        "cancelprocessmsg",
        "changecolonyidmsg",
        "changeexecutoridmsg",
        "changeserveridmsg",
        "changeuseridmsg",
        "channelappendmsg",
        "channelreadmsg",
        "closefailedmsg",
        "closesuccessfulmsg",
        "createsnapshotmsg",
        "getattributemsg",
        "getblueprintdefinitionmsg",
        "getblueprintdefinitionsmsg",
        "getblueprinthistorymsg",
        "getblueprintmsg",
        "getblueprintsmsg",
        "getclustermsg",
        "getcoloniesmsg",
        "getcolonymsg",
        "getcolonystatsmsg",
        "getcronmsg",
        "getcronsmsg",
        "getexecutorbyidmsg",
        "getexecutormsg",
        "getexecutorsmsg",
        "getfilelabelsmsg",
        "getfilemsg",
        "getfilesmsg",
        "getfunctionsmsg",
        "getgeneratormsg",
        "getgeneratorsmsg",
        "getlocationmsg",
        "getlocationsmsg",
        "getlogsmsg",
        "getpausestatusmsg",
        "getprocessesmsg",
        "getprocessgraphmsg",
        "getprocessgraphsmsg",
        "getprocesshistmsg",
        "getprocessmsg",
        "getserverinfomsg",
        "getsnapshotmsg",
        "getsnapshotsmsg",
        "getstatisticsmsg",
        "getusermsg",
        "getuserbyidmsg",
        "getusersmsg",
        "packgeneratormsg",
        "pauseassignmentsmsg",
        "reconcileblueprintmsg",
        "rejectexecutormsg",
        "removeallprocessesmsg",
        "removeallprocessgraphsmsg",
        "removeallsnapshotmsg",
        "removeblueprintdefinitionmsg",
        "removeblueprintmsg",
        "removecolonymsg",
        "removecronmsg",
        "removeexecutormsg",
        "removefilemsg",
        "removefunctionmsg",
        "removegeneratormsg",
        "removelocationmsg",
        "removeprocessgraphmsg",
        "removeprocessmsg",
        "removesnapshotmsg",
        "removeusermsg",
        "reportallocationmsg",
        "resolvegeneratormsg",
        "resumeassignmentsmsg",
        "runcronmsg",
        "searchlogsmsg",
        "setoutputmsg",
        "submitfuncspecmsg",
        "submitworkflowspecmsg",
        "subscribechannelmsg",
        "subscribeprocessesmsg",
        "subscribeprocessmsg",
        "updateblueprintmsg",
        "updateblueprintstatusmsg",
        "updateexecutormsg",
        "versionmsg",
    ]
)
"""The request types of the Go reference server (its protocol, section 7: 94 over HTTP,
``versionmsg`` and ``getserverinfomsg``, and 3 websocket subscriptions)."""


async def _no_features(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.pop(FEATURES_HEADER, None)


def reference_app(settings: Settings) -> web.Application:
    """Our server answering only the reference's payload types."""
    app = create_app(settings, background_loops=False)
    routes = app[keys.ROUTES]
    for payload_type in [t for t in routes if t not in REFERENCE_TYPES]:
        del routes[payload_type]
    app.on_response_prepare.append(_no_features)
    return app
