"""Errors that carry the HTTP status the reference server answers with.

ColoniesError                 500  base; .status, .message
├── BadRequest                400  bad JSON, msgtype mismatch, validation, most "not found"s
├── Forbidden                 403  bad signature, not owner, not member, unknown type
├── NotFound                  404  only where the reference answers 404
├── RequestTimeout            408  assign timed out while the colony was paused
├── Conflict                  409
├── PayloadTooLarge           413  a request body over COLONIES_MAX_REQUEST_BODY
├── Unavailable               503  assign without waiting while paused; database unavailable
└── RPCError                  client side: built from an error reply, keeps .status
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
