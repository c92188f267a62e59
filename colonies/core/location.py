from __future__ import annotations

from colonies.core._wire import WireModel


class Location(WireModel):
    location_id: str = ""
    name: str = ""
    colony_name: str = ""
    description: str = ""
    long: float = 0.0
    lat: float = 0.0
