"""The container files point at what exists: entry point, ports, settings, config paths."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = (ROOT / "docker-compose.yml").read_text()
NGINX = (ROOT / "deploy" / "nginx.conf").read_text()
# the settings regbot reads: its own, and the URL of each external system (bot/systems.py)
CONFIG_SOURCE = (ROOT / "bot" / "config.py").read_text() + (ROOT / "bot" / "systems.py").read_text()


def _instruction(name: str) -> list[str]:
    return [
        line.split(None, 1)[1] for line in DOCKERFILE.splitlines() if line.startswith(name + " ")
    ]


def test_the_image_is_a_slim_python_running_as_a_non_root_user() -> None:
    assert re.fullmatch(r"python:3\.1[1-9]-slim", _instruction("FROM")[0])
    users = _instruction("USER")
    assert users and users[-1] not in ("root", "0")


def test_the_image_copies_only_the_app_and_every_copied_path_exists() -> None:
    copied = [shlex.split(args)[:-1] for args in _instruction("COPY")]
    sources = [source for paths in copied for source in paths]
    assert "tests" not in sources and "bench" not in sources
    for source in sources:
        assert (ROOT / source).exists(), source
    assert {"bot", "integrations", "locales"} <= set(sources)


def test_the_image_starts_regbot_serve_on_the_exposed_port() -> None:
    entry = _instruction("ENTRYPOINT")[0]
    command = _instruction("CMD")[-1]
    assert '"bot.cli"' in entry and (ROOT / "bot" / "cli.py").exists()
    args = build_parser().parse_args(json.loads(command))
    assert args.command == "serve"
    assert _instruction("EXPOSE") == [str(args.port)]


def test_compose_runs_two_regbots_behind_nginx_with_redis_and_postgres() -> None:
    for service in ("regbot1", "regbot2", "redis", "postgres", "nginx"):
        assert re.search(rf"^  {service}:$", COMPOSE, re.MULTILINE), service
    serve = re.search(r'command: (\[.*"serve".*\])', COMPOSE)
    assert serve is not None
    args = build_parser().parse_args(json.loads(serve.group(1)))
    upstreams = re.findall(r"server (\w+):(\d+)", NGINX)
    assert upstreams == [("regbot1", str(args.port)), ("regbot2", str(args.port))]
    mounted = re.search(r"\./(deploy/[\w.]+):/etc/nginx/conf.d/default.conf", COMPOSE)
    assert mounted is not None and (ROOT / mounted.group(1)).exists()


def test_compose_sets_only_settings_regbot_reads_and_runs_in_production() -> None:
    block = COMPOSE.split("  environment:", 1)[1].split("  expose:", 1)[0]
    names = re.findall(r"^    ([A-Z_]+):", block, re.MULTILINE)
    assert names
    for name in names:
        assert f'"{name}"' in CONFIG_SOURCE, f"{name} is not a regbot setting"
    assert "REGBOT_ENV: production" in block
    for required in ("REGBOT_SECRET_KEY", "REDIS_URL", "DATABASE_URL", "SMS_URL", "CARRIER_URL"):
        assert required in names
    assert "postgresql+asyncpg://" in block and "@postgres:5432/" in block
    assert "redis://redis:6379" in block


def test_compose_refuses_to_start_without_the_secrets_production_needs() -> None:
    """`${NAME:?why}`: docker compose itself stops when one is unset, and says why."""
    block = COMPOSE.split("  environment:", 1)[1].split("  expose:", 1)[0]
    for name in ("REGBOT_SECRET_KEY", "USSD_SECRET", "REGBOT_PUBLIC_URL", "PKI_TRUST_ANCHORS"):
        assert re.search(rf"^    {name}: \$\{{{name}:\?[^}}]+\}}$", block, re.MULTILINE), name
