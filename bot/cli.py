"""The `regbot` command: demo (terminal chat), serve (HTTP), simulators, accounts (audit),
pki and sign tools."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from bot.config import ConfigError, Settings


def port(text: str) -> int:
    """A TCP port to listen on, refused by argparse (one usage line) when it is none."""
    try:
        number = int(text)
    except ValueError:
        number = -1
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: use a number from 1 to 65535")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="regbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="chat with the bot in the terminal, all embedded")
    demo.add_argument("--lang", choices=("vi", "en"), default="vi")
    demo.add_argument("--data-dir", type=Path, default=None)
    serve = commands.add_parser("serve", help="serve /ussd, /healthz over HTTP; /metrics apart")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=port, default=8080)
    serve.add_argument("--data-dir", type=Path, default=None)
    serve.add_argument(
        "--workers", type=int, default=1, help="processes sharing the port (needs Redis)"
    )
    serve.add_argument(
        "--metrics-port", type=port, default=None, help="serve /metrics on this port (off if unset)"
    )
    serve.add_argument(
        "--metrics-host", default="127.0.0.1", help="address of the metrics port (loopback)"
    )
    dialogs = commands.add_parser(
        "dialogs", help="draw every registration route as a Mermaid diagram (docs/dialogs)"
    )
    dialogs.add_argument("--lang", choices=("vi", "en"), action="append")
    dialogs.add_argument("--out", type=Path, default=Path("docs/dialogs"))
    dialogs.add_argument(
        "--check", action="store_true", help="exit 1 when the committed drawings are stale"
    )
    sims = commands.add_parser(
        "simulators", help="serve the /sim/... simulators on their own (never in production)"
    )
    sims.add_argument("--host", default="127.0.0.1")
    sims.add_argument("--port", type=port, default=8090)
    sims.add_argument(
        "--empty", action="store_true", help="start with empty registers (no sample people)"
    )
    sims.add_argument(
        "--zalo-webhook",
        default="http://127.0.0.1:8080/zalo",
        help="regbot's /zalo, where the Zalo simulator delivers its users' events",
    )
    sims.add_argument(
        "--open",
        action="store_true",
        help="answer other machines too (a test network's partners); by default they get 404",
    )
    from bot.accounts.command import add_parser as add_accounts
    from bot.support.commands import add_parsers as add_support

    add_accounts(commands)
    add_support(commands)
    # The plugin's and the CA's part (pki_bridge); their own parsers read the arguments.
    pki = commands.add_parser("pki", help="`regbot pki test-ca DIR`: a test PKI for demos")
    pki.add_argument("tool", choices=("test-ca",))
    commands.add_parser(
        "sign", help="`regbot sign URL (--pkcs11-lib PATH | --p12 FILE) --pin PIN`: sign a link"
    )
    return parser


def run_tool(argv: Sequence[str]) -> int | None:
    """`regbot pki test-ca ...` and `regbot sign ...` run pki_bridge's tools (no settings
    needed); None for every other command."""
    if argv[:2] == ["pki", "test-ca"]:
        from pki_bridge.testing.testca import main_test_ca

        return main_test_ca(argv[2:])
    if argv[:1] == ["sign"]:
        from pki_bridge.testing.signer import main_sign

        return main_sign(argv[1:])
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(argv)
    except OSError as exc:
        if exc.filename is None:  # not a file the command was given (a socket...)
            raise
        # e.g. a data directory in a read-only place, or one a container made as root
        hint = ""
        if argv[:1] and argv[0] in DATA_COMMANDS:
            hint = " (the data directory is --data-dir or REGBOT_DATA_DIR, default ./data)"
        print(f"regbot: cannot use {exc.filename}: {exc.strerror}{hint}", file=sys.stderr)
        return 2


DATA_COMMANDS: Final = ("demo", "serve", "accounts", "agents", "purge")


def _main(argv: list[str]) -> int:
    tool = run_tool(argv)
    if tool is not None:
        return tool
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if getattr(args, "data_dir", None):
        settings = dataclasses.replace(settings, data_dir=args.data_dir)
    try:
        return run_command(args, settings)
    except ConfigError as exc:  # a database or store the settings name does not answer
        print(exc, file=sys.stderr)
        return 2
    except BrokenPipeError:  # `regbot demo | head`: the reader left, so leave quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error
        return 1


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """The subcommand's exit status."""
    if args.command == "demo":
        from bot.channels.console.demo import run_demo

        try:
            asyncio.run(run_demo(settings, args.lang))
        except KeyboardInterrupt:  # Ctrl-C: the way out at any prompt
            print()  # the shell's prompt on a line of its own, not after "> ^C"
            return 0
        return 0
    if args.command == "dialogs":
        from bot.dialogs.drawings import write_drawings

        return write_drawings(args.out, tuple(args.lang or ("vi", "en")), check=args.check)
    if args.command == "accounts":
        from bot.accounts.command import run as run_accounts

        return run_accounts(settings, args)
    if args.command in ("agents", "purge"):
        from bot.support.commands import run as run_support

        return run_support(settings, args)
    if args.command == "serve":
        from bot.serve import Listener, serve

        metrics = Listener(args.metrics_host, args.metrics_port) if args.metrics_port else None
        return serve(settings, args.host, args.port, args.workers, metrics=metrics)
    if args.command == "simulators":
        from bot.simulators import run_simulators

        return run_simulators(
            settings,
            args.host,
            args.port,
            samples=not args.empty,
            zalo_webhook=args.zalo_webhook,
            open_to_network=args.open,
        )
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
