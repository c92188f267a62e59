"""``colonies dashboard``: a live web dashboard served on this machine.

An aiohttp app that talks to the Colonies server only through ``colonies.client`` (the
import contract forbids ``server`` and ``db``), signing each request itself with the keys
of the environment: the browser never sees a key. Pages are rendered here (Jinja2) and kept
live with server-sent events; the front-end libraries are vendored under ``static/vendor``.
"""
