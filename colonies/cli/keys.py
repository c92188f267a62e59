"""``colonies key`` (alias ``security``): generate private keys and show their ids."""

from __future__ import annotations

import json

import click

from colonies.cli.options import CliError, json_option, valid_key
from colonies.crypto import id_from_private_key, new_private_key


@click.group(name="key")
def key() -> None:
    """Manage secp256k1 keys (every colony, user and executor is a key)."""


@key.command()
@json_option
def generate(as_json: bool) -> None:
    """Generate a private key and print its id and the key.

    \b
    Example:
      colonies key generate
    """
    prvkey = new_private_key()
    ident = id_from_private_key(prvkey)
    if as_json:
        click.echo(json.dumps({"id": ident, "prvkey": prvkey}))
    else:
        click.echo(f"Id: {ident}\nPrvKey: {prvkey}")


@key.command(name="id")
@click.option("--prvkey", envvar="COLONIES_PRVKEY", help="Private key [env COLONIES_PRVKEY].")
@json_option
def key_id(prvkey: str | None, as_json: bool) -> None:
    """Print the id of a private key.

    \b
    Example:
      colonies key id --prvkey $COLONIES_COLONY_PRVKEY
    """
    if not prvkey:
        raise CliError("Give the key: pass --prvkey or set COLONIES_PRVKEY.")
    ident = id_from_private_key(valid_key(prvkey, "That"))
    if as_json:
        click.echo(json.dumps({"id": ident}))
    else:
        click.echo(ident)


security = click.Group(
    name="security",
    commands={"generate": generate, "id": key_id},
    help="Keys, as the reference names the group (same as `colonies key`).",
)
