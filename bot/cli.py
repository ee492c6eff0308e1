"""The `regbot` command: demo (terminal chat), serve (HTTP), pki and sign tools."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="regbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="chat with the bot in the terminal, all embedded")
    demo.add_argument("--lang", choices=("vi", "en"), default="vi")
    demo.add_argument("--data-dir", type=Path, default=None)
    serve = commands.add_parser("serve", help="serve /ussd, /healthz, /metrics over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--data-dir", type=Path, default=None)
    serve.add_argument(
        "--workers", type=int, default=1, help="processes sharing the port (needs Redis)"
    )
    dialogs = commands.add_parser(
        "dialogs", help="draw every registration route as a Mermaid diagram (docs/dialogs)"
    )
    dialogs.add_argument("--lang", choices=("vi", "en"), action="append")
    dialogs.add_argument("--out", type=Path, default=Path("docs/dialogs"))
    dialogs.add_argument(
        "--check", action="store_true", help="exit 1 when the committed drawings are stale"
    )
    agents = commands.add_parser("agents", help="support console accounts: add, disable, list")
    agents.add_argument("action", choices=("add", "disable", "list"))
    agents.add_argument("name", nargs="?")
    agents.add_argument("--role", choices=("agent", "supervisor"), default="agent")
    agents.add_argument("--data-dir", type=Path, default=None)
    purge = commands.add_parser(
        "purge", help="delete transcripts and events past retention (audit log: a year)"
    )
    purge.add_argument("--days", type=int, default=30)
    purge.add_argument("--audit-days", type=int, default=365)
    purge.add_argument("--data-dir", type=Path, default=None)
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
    if args.command == "demo":
        from bot.channels.console.demo import run_demo

        try:
            asyncio.run(run_demo(settings, args.lang))
        except KeyboardInterrupt:
            return 0
        return 0
    if args.command == "dialogs":
        from bot.dialogs.drawings import write_drawings

        return write_drawings(args.out, tuple(args.lang or ("vi", "en")), check=args.check)
    if args.command == "agents":
        from bot.support.commands import agents_command

        if args.action != "list" and not args.name:
            print("regbot agents add|disable needs a NAME", file=sys.stderr)
            return 2
        return asyncio.run(agents_command(settings, args.action, args.name, args.role))
    if args.command == "purge":
        from bot.support.commands import purge_command

        return asyncio.run(purge_command(settings, args.days, args.audit_days))
    if args.command == "serve":
        from bot.serve import serve

        return serve(settings, args.host, args.port, args.workers)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
