"""Litestar CLI plugin: ``litestar tokens …``, ``litestar users …``, ``litestar db …``
(the Convex import and export: ``app/cli_convex.py``).

Run as ``scripts/manage tokens create NAME --scope users:read`` (``app/manage.py``:
from any shell, with the database found or started for the command); a bare
``litestar`` in the project environment reaches only an engine already running.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import click
from litestar import Litestar
from litestar.plugins import CLIPluginProtocol

from app.cli_convex import add_convex_commands
from app.cli_indexes import add_index_commands
from app.config import get_settings
from app.container import Container
from app.errors import MESSAGES, AppError, ValidationError
from app.security.principal import Caller, ClientInfo
from app.service_tokens.service import SCOPES

CLI_CALLER = Caller(actor="system:cli", client=ClientInfo(ip_address=None, user_agent="cli"))


def _run(app: Litestar, work: Callable[[Container], Awaitable[Any]]) -> Any:
    """Build the services from the same settings as the app (never from the
    app's state), bind the database in a fresh event loop, run ``work``, close."""
    services = Container(get_settings())

    async def main() -> Any:
        await services.database.initialize()
        try:
            return await work(services)
        finally:
            await services.database.close()

    try:
        return asyncio.run(main())
    except AppError as exc:
        raise click.ClickException(exc.message or MESSAGES[exc.code][0]) from exc


class ManagementCLI(CLIPluginProtocol):
    def on_cli_init(self, cli: click.Group) -> None:
        @cli.group(help="Service tokens for internal callers.")
        def tokens() -> None:
            pass

        @tokens.command("create", help="Create a token; it is printed once and stored hashed.")
        @click.argument("name")
        @click.option(
            "--scope", "scopes", multiple=True, required=True, type=click.Choice(sorted(SCOPES))
        )
        def create_token(app: Litestar, name: str, scopes: tuple[str, ...]) -> None:
            token = _run(app, lambda s: s.service_tokens.create(name, list(scopes)))
            click.echo(token)

        @tokens.command("list", help="List tokens (names, scopes, state; never the token).")
        def list_tokens(app: Litestar) -> None:
            for item in _run(app, lambda s: s.service_tokens.list()):
                state = "active" if item["is_active"] else "revoked"
                click.echo(f"{item['name']}\t{','.join(item['scopes'])}\t{state}")

        @tokens.command("revoke", help="Revoke every token with this name.")
        @click.argument("name")
        def revoke_token(app: Litestar, name: str) -> None:
            count = _run(app, lambda s: s.service_tokens.revoke(name))
            click.echo(f"revoked {count} token(s)")

        @cli.group(help="Users.")
        def users() -> None:
            pass

        @users.command(
            "create-admin",
            help="Create an active admin (the password is asked once the database is"
            " found, and not echoed); --promote makes an existing user an admin instead.",
        )
        @click.option("--email", required=True)
        @click.option("--name", default="Administrator", show_default=True)
        @click.option("--promote", is_flag=True, help="If the user exists, make them an admin.")
        @click.option(
            "--password-stdin",
            is_flag=True,
            help="Read the password from the first line of stdin instead of asking"
            " (for scripts; never put a password on the command line).",
        )
        def create_admin(
            app: Litestar, email: str, name: str, promote: bool, password_stdin: bool
        ) -> None:
            try:
                if _run(app, lambda s: s.users.exists(email)):
                    if not promote:
                        raise click.ClickException(
                            "a user with that email exists already (--promote makes them an admin)"
                        )
                    _run(app, lambda s: s.users.promote_admin(email, CLI_CALLER))
                    click.echo(f"{email} is now an admin")
                    return
                # A prompt reads the terminal, not a pipe (getpass opens /dev/tty).
                password = (
                    sys.stdin.readline().rstrip("\r\n")
                    if password_stdin
                    else click.prompt("Password", hide_input=True, confirmation_prompt=True)
                )
                created = _run(app, lambda s: s.users.ensure_admin(email, password, name))
            except ValidationError as exc:
                raise click.ClickException(exc.message or exc.code) from exc
            click.echo("admin created" if created else "a user with that email exists already")

        @users.command("unlock", help="Clear an account's lockout (every client address).")
        @click.argument("email")
        def unlock(app: Litestar, email: str) -> None:
            cleared = _run(app, lambda s: s.credentials.unlock_email(email, CLI_CALLER))
            click.echo(f"unlocked {email} ({cleared} counter(s) cleared)")

        @cli.group(help="Database.")
        def db() -> None:
            pass

        @db.command("init", help="Create the collections' indexes and exit.")
        def init_db(app: Litestar) -> None:
            async def nothing(_: Container) -> None:
                return None

            _run(app, nothing)
            click.echo("indexes ready")

        @db.command("reindex-search", help="Recompute every user's name-search helpers.")
        def reindex_search(app: Litestar) -> None:
            count = _run(app, lambda s: s.users.reindex_search())
            click.echo(f"re-indexed {count} user(s)")

        add_convex_commands(db, _run)
        add_index_commands(db)
