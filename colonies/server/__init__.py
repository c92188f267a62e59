"""The colonies server: aiohttp app, RPC dispatch, handlers, background loops."""
