"""Colonies FS client side: S3 store, file transfers, the sync planner and snapshots.

The server keeps file metadata only (colonies.server.handlers.files); this package moves the
bytes. It must not import colonies.db or colonies.server.
"""

from __future__ import annotations

from colonies.fs.crypto import CryptoError
from colonies.fs.s3 import S3Config, S3Error, S3Store
from colonies.fs.sync import DirPlan, Entry, SyncPlan, apply_plan, make_plan, plan_sync, sync
from colonies.fs.transfer import ChecksumError, Fs

__all__ = [
    "ChecksumError",
    "CryptoError",
    "DirPlan",
    "Entry",
    "Fs",
    "S3Config",
    "S3Error",
    "S3Store",
    "SyncPlan",
    "apply_plan",
    "make_plan",
    "plan_sync",
    "sync",
]
