"""``colonies key generate``: a new private key and its id."""

from __future__ import annotations

import json

import click

from colonies.crypto import id_from_private_key, new_private_key


@click.group(name="key")
def key() -> None:
    """Manage secp256k1 keys (every colony, user and executor is a key)."""


@key.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def generate(as_json: bool) -> None:
    """Generate a private key and print its id and the key."""
    prvkey = new_private_key()
    ident = id_from_private_key(prvkey)
    if as_json:
        click.echo(json.dumps({"id": ident, "prvkey": prvkey}))
    else:
        click.echo(f"Id: {ident}\nPrvKey: {prvkey}")
