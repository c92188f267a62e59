"""CPU and memory strings as the reference normalises them (MODEL §5.1), deterministically."""

from __future__ import annotations

from colonies.errors import BadRequest

_MEM_UNITS: tuple[tuple[str, int], ...] = tuple(
    sorted(
        {
            "Ki": 1024,
            "KiB": 1024,
            "Mi": 1024**2,
            "MiB": 1024**2,
            "Gi": 1024**3,
            "GiB": 1024**3,
            "TiB": 1024**4,
            "K": 1000,
            "KB": 1000,
            "Kb": 1000,
            "M": 1000**2,
            "MB": 1000**2,
            "Mb": 1000**2,
            "G": 1000**3,
            "Gb": 1000**3,
            "TB": 1000**4,
            "Tb": 1000**4,
        }.items(),
        key=lambda item: -len(item[0]),
    )
)


def parse_cpu(text: str) -> int:
    """Millicores of ``"<n>m"``; any string not ending in ``m`` is 0, as in the reference."""
    if not text.endswith("m"):
        return 0
    try:
        return int(text[:-1])
    except ValueError:
        raise BadRequest("Error converting CPU to int") from None


def render_cpu(millicores: int) -> str:
    return f"{millicores}m"


def parse_memory(text: str) -> int:
    """Bytes of ``"<integer><unit>"``; the longest unit suffix wins, case-sensitive."""
    if text == "":
        return 0
    for unit, factor in _MEM_UNITS:
        if text.endswith(unit):
            number = text[: -len(unit)]
            if number.isdigit():
                return int(number) * factor
            break
    raise BadRequest(f"error converting memory to int: invalid memory value <{text}>")


def render_memory(num_bytes: int) -> str:
    return f"{num_bytes // 1048576}Mi"
