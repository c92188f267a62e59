from __future__ import annotations

from colonies.core._wire import WireModel


class User(WireModel):
    colony_name: str = ""
    user_id: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
