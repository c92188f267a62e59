"""The exceptions of colonies, server and client, in one tree.

ColoniesError                   .status, .message; 500 when raised on the server
├── BadRequest            400   bad JSON, msgtype mismatch, validation, most "not found"s
├── Forbidden             403   bad signature, not owner, not member, unknown type
├── NotFound              404   only where the reference answers 404
├── RequestTimeout        408   assign timed out while the colony was paused
├── Conflict              409
├── PayloadTooLarge       413   a request body over COLONIES_MAX_REQUEST_BODY
├── Unavailable           503   assign without waiting while paused; database unavailable
├── RPCError                    client: the server answered with an error; .status is its
│                               HTTP status (pycolonies-like callers match on it)
├── ConfigError                 client: no key or colony for a call, a bad setting (also a
│                               ValueError)
└── TransportError        0     client: no usable reply; .url is the server
    ├── ConnectError            could not connect: refused (.refused), DNS, TLS
    ├── Timeout                 the server did not answer in time
    │   ├── ConnectTimeout      COLONIES_CONNECT_TIMEOUT
    │   └── ReadTimeout         COLONIES_READ_TIMEOUT, or a long poll's own timeout + margin
    ├── ConnectionLost          the connection broke during the request
    └── ProtocolError           the reply is not a colonies envelope, or its payload does
                                not validate against the reply's model

The server raises the status classes in handlers (the dispatcher turns them into error
replies); the client raises RPCError, ConfigError and the TransportError family, and maps
every aiohttp, socket, JSON and pydantic failure of a call into them.

Exceptions outside this tree, each on purpose:

- ``core.cron.CronError``, ``core.blueprint.BlueprintValidationError`` (ValueError): a bad
  value in a model, raised while validating; handlers turn them into BadRequest.
- ``executor_sdk.mounts.MountError``, ``executor_sdk.shell.CommandFailed``: a process's own
  failure in the executor, reported as the process's errors, never to a caller.
- ``fs.s3.S3Error``, ``fs.s3.Cancelled``, ``fs.transfer.ChecksumError``,
  ``fs.crypto.CryptoError``: the object store and file bytes (not the Colonies RPC), shown
  by the fs commands.
- ``fs.local_s3.S3DevUnavailable``, ``localpg.PostgresNotFound`` (RuntimeError): ``colonies
  dev`` cannot start a local S3 or PostgreSQL.
- ``db.files.SnapshotExists``: a store result the snapshot handler turns into BadRequest.
- ``cli.options.CliError`` (click.ClickException): the one sentence the CLI prints, made
  from the exceptions above.
"""

from __future__ import annotations


class ColoniesError(Exception):
    """Internal server error."""

    status = 500

    def __init__(self, message: str | None = None, status: int | None = None) -> None:
        self.message = message if message is not None else (type(self).__doc__ or "").strip()
        if status is not None:
            self.status = status
        super().__init__(self.message)


class BadRequest(ColoniesError):
    """Bad request."""

    status = 400


class Forbidden(ColoniesError):
    """Access denied."""

    status = 403


class NotFound(ColoniesError):
    """Not found."""

    status = 404


class RequestTimeout(ColoniesError):
    """Request timeout."""

    status = 408


class Conflict(ColoniesError):
    """Conflict."""

    status = 409


class PayloadTooLarge(ColoniesError):
    """Request body too large."""

    status = 413


class Unavailable(ColoniesError):
    """Service unavailable."""

    status = 503


class RPCError(ColoniesError):
    """The server answered with an error reply."""


class ConfigError(ColoniesError, ValueError):
    """The client is not set up for this call."""

    status = 0


class TransportError(ColoniesError):
    """No usable reply from the server."""

    status = 0

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class ConnectError(TransportError):
    """Could not connect to the server."""

    def __init__(self, message: str, url: str = "", *, refused: bool = False) -> None:
        super().__init__(message, url)
        self.refused = refused


class Timeout(TransportError):
    """The server did not answer in time."""


class ConnectTimeout(Timeout):
    """No connection within the connect timeout."""


class ReadTimeout(Timeout):
    """No reply within the read timeout."""


class ConnectionLost(TransportError):
    """The connection broke during the request."""


class ProtocolError(TransportError):
    """The reply is not a colonies reply."""
