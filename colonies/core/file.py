"""Colonies FS file metadata (MODEL §13): File, its S3 reference, Label and FileData."""

from __future__ import annotations

from pydantic import Field

from colonies.core._wire import ZERO_TIME, Bool, Int, Time, WireModel


class S3Object(WireModel):
    server: str = ""
    port: Int = 0
    tls: Bool = False
    access_key: str = ""
    secret_key: str = ""
    region: str = ""
    encryption_key: str = ""
    encryption_alg: str = ""
    object: str = ""
    bucket: str = ""


class Reference(WireModel):
    protocol: str = "s3"
    s3_object: S3Object = Field(default_factory=S3Object)


class File(WireModel):
    file_id: str = ""
    colony_name: str = ""
    label: str = ""
    name: str = ""
    size: Int = 0
    sequence_nr: Int = 0
    checksum: str = ""
    checksum_alg: str = ""
    ref: Reference = Field(default_factory=Reference)
    added: Time = ZERO_TIME


class Label(WireModel):
    name: str = ""
    files: Int = 0


class FileData(WireModel):
    name: str = ""
    checksum: str = ""
    size: Int = 0
    s3_filename: str = ""


def normalize_label(label: str) -> str:
    """``/`` + the label without leading and trailing slashes, as the clients send it."""
    return "/" + label.strip("/")
