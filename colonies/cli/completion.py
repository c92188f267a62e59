"""``colonies completion bash|zsh|fish``: the shell completion script."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the completion script for SHELL.

    \b
    Example:
      source <(colonies completion bash)
      colonies completion zsh > ~/.zfunc/_colonies
      colonies completion fish > ~/.config/fish/completions/colonies.fish
    """
    cls = get_completion_class(shell)
    if cls is None:  # pragma: no cover - click ships all three
        raise click.ClickException(f"no completion for {shell}")
    root = ctx.find_root().command
    click.echo(cls(root, {}, "colonies", "_COLONIES_COMPLETE").source())
