"""Every message of every catalog, and every `@variant` of it, renders with the arguments
the code passes, and no `{placeholder}` ever reaches a person.

The arguments are read from the code itself (its syntax tree): every call that names a
catalog key as a literal - `msg("otp.sent", phone=...)`, `invalid("...", count=...)`,
`line("ussd.resume")` - passes its keyword names. Keys the code builds (f-strings) or
hands around in variables are declared below, each with the keys it may be; a new
f-string key fails here until it is declared.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from bot.i18n import LANGUAGES, Msg, Translator

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "integrations", "pki_bridge")

# Keys the code builds from a pattern (`{}` stands for each formatted value) -> the keys
# it may build. Arguments: those of the call that builds it.
FORMED_KEYS: Mapping[str, tuple[str, ...]] = {
    "signing.kind_mismatch_{}": (
        "signing.kind_mismatch_citizen",
        "signing.kind_mismatch_business",
        "signing.kind_mismatch_official",
    ),
    "signing.{}": (
        "signing.kind_mismatch_citizen",
        "signing.kind_mismatch_business",
        "signing.kind_mismatch_official",
    ),
    "signing.page_{}": (
        "signing.page_title",
        "signing.page_intro",
        "signing.page_plugin",
        "signing.page_driver",
        "signing.page_plug_in",
        "signing.page_press_sign",
        "signing.page_sign_button",
        "signing.page_paste_title",
        "signing.page_paste_hint",
        "signing.page_phone",
    ),
    "signing.page_js_{}": (
        "signing.page_js_accepted",
        "signing.page_js_failed",
        "signing.page_js_no_plugin",
        "signing.page_js_signing",
    ),
    "signing.link_{}": ("signing.link_unknown", "signing.link_used", "signing.link_expired"),
    "dialogs.title.{}": (
        "dialogs.title.mobile",
        "dialogs.title.bhxh",
        "dialogs.title.sim",
        "dialogs.title.usb",
        "dialogs.title.official_usb",
        "dialogs.title.forgot",
        "dialogs.title.post_office",
    ),
    "dialogs.exit.{}": (
        "dialogs.exit.ok",
        "dialogs.exit.duplicate",
        "dialogs.exit.not_verified",
        "dialogs.exit.no_phone",
        "dialogs.exit.failed",
        "dialogs.exit.stopped",
        "dialogs.exit.resent",
        "dialogs.exit.new",
        "dialogs.exit.mismatch",
        "dialogs.exit.citizen",
        "dialogs.exit.business",
        "dialogs.exit.official",
        "dialogs.exit.language",
        "dialogs.exit.edit",
        "dialogs.exit.bhxh_code",
    ),
    "start.kind_{}": ("start.kind_citizen", "start.kind_business", "start.kind_official"),
    "start.methods_help_{}": (
        "start.methods_help_citizen",
        "start.methods_help_business",
        "start.methods_help_official",
    ),
    "start.methods_{}": (
        "start.methods_citizen",
        "start.methods_business",
        "start.methods_official",
    ),
    "pki.refused.{}": (
        "pki.refused.malformed_certificate",
        "pki.refused.self_signed",
        "pki.refused.ca_certificate",
        "pki.refused.key_usage",
        "pki.refused.extended_key_usage",
        "pki.refused.weak_key",
        "pki.refused.not_yet_valid",
        "pki.refused.expired",
        "pki.refused.untrusted",
        "pki.refused.revoked",
        "pki.refused.malformed_identity",
        "pki.refused.bad_signature",
        "pki.refused.malformed_signature",
        "pki.refused.no_revocation_info",
    ),
    "signing.os_{}": (
        "signing.os_windows",
        "signing.os_macos",
        "signing.os_linux",
        "signing.os_any",
    ),
    "id_type.{}": ("id_type.CCCD", "id_type.CMND", "id_type.MST", "id_type.HC", "id_type.MNS"),
    "login_id.{}": ("login_id.CCCD", "login_id.CMND"),
    "signing.done_method_{}": ("signing.done_method_sim", "signing.done_method_usb"),
    "signing.sms_method_{}": ("signing.sms_method_sim", "signing.sms_method_usb"),
    "signing.{}_intro": ("signing.usb_intro", "signing.official_intro"),
    "signing.{}_intro_help": ("signing.usb_intro_help", "signing.official_intro_help"),
    "validation.{}.not_digits": (
        "validation.id.not_digits",
        "validation.cccd.not_digits",
        "validation.cmnd.not_digits",
        "validation.mst.not_digits",
        "validation.mns.not_digits",
        "validation.bhxh.not_digits",
    ),
    "validation.password.weak.{}": tuple(f"validation.password.weak.{n}" for n in range(1, 6)),
    "pki.mssp.{}": (
        "pki.mssp.ok",
        "pki.mssp.user_refused",
        "pki.mssp.timeout",
        "pki.mssp.not_a_signing_sim",
        "pki.mssp.wrong_pin_locked",
        "pki.mssp.unavailable",
    ),
}

# The calls that render a key given as a positional argument (`line` and `text` are the
# USSD gateway's and the signing page's local shorthands).
RENDERERS = frozenset({"msg", "invalid", "ussd_text", "line", "text"})

# Keys the code hands around in a variable (a parameter's default, a table) before a
# call renders them, with the arguments that call passes.
HANDED_KEYS: Mapping[str, frozenset[str]] = {
    "otp.sms": frozenset({"code", "minutes"}),  # OtpCodes.send(sms_key=...)
    "forgot.sms": frozenset({"code", "minutes"}),
    "otp.prompt": frozenset({"phone"}),  # OtpCodes.step(prompt_key=...)
    "forgot.otp_prompt": frozenset({"phone"}),
    # BadUssdRequest(key, field) -> ussd_text(..., bad.key, ..., field=bad.field)
    "ussd.bad_request.missing": frozenset({"field"}),
    "ussd.bad_request.session": frozenset({"field"}),
    "ussd.bad_request.caller": frozenset({"field"}),
    "ussd.bad_request.too_long": frozenset({"field"}),
    "ussd.bad_request.form": frozenset({"field"}),
    "ussd.resume_sms": frozenset({"code", "minutes"}),  # proof.SMS_KEY -> OtpCodes.send
    "help.agent_message": frozenset({"text"}),  # Note(key, text) -> msg(note.key, text=...)
    # the console's sign-in page: t(error, attempts=..., minutes=...)
    "support.signin.failed": frozenset({"attempts", "minutes"}),
    "support.signin.locked": frozenset({"attempts", "minutes"}),
    # refused.html: t(reason, days=...); base.html: t(flash, minimum=...)
    "support.conversation.gone": frozenset({"days"}),
    "support.reveal.reason_short": frozenset({"minimum"}),
    # conversation.html: t('support.line.' ~ line.kind, agent=...)
    "support.line.take_over": frozenset({"agent"}),
    "support.line.hand_back": frozenset({"agent"}),
    "support.line.reset": frozenset({"agent"}),
    # invalid(f"validation.password.weak.{n}", **{"p1": ..., "pn": ...})
    **{
        f"validation.password.weak.{n}": frozenset(f"p{i}" for i in range(1, n + 1))
        for n in range(1, 6)
    },
}


@dataclass(frozen=True, slots=True)
class Use:
    """One place in the code that renders `key` with the keyword arguments `passes`."""

    key: str
    passes: frozenset[str]
    where: str


@cache
def translator() -> Translator:
    return Translator.load()


def catalog_keys() -> set[str]:
    """Every key of every language, variants (`key@ussd`) included."""
    return {key for lang in LANGUAGES for key in translator().keys(lang)}


def base_keys() -> set[str]:
    return {key.split("@")[0] for key in catalog_keys()}


def _pattern(node: ast.JoinedStr) -> str:
    return "".join(
        part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else "{}"
        for part in node.values
    )


def _modules() -> Iterator[tuple[str, ast.AST]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8"))


@cache
def scan() -> tuple[tuple[Use, ...], tuple[str, ...]]:
    """Every use of a catalog key in the code, and the keys nobody declared: f-strings,
    and calls that pass their arguments as `**params`."""
    keys = base_keys()
    uses: list[Use] = []
    undeclared: list[str] = []
    for where, tree in _modules():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _callee(node) in RENDERERS):
                continue
            line = f"{where}:{node.lineno}"
            named = _named_keys(node, keys)
            if named is None:
                continue
            pattern, found = named
            if found is None:
                undeclared.append(f"{line}: {pattern} (declare it in FORMED_KEYS)")
                continue
            if any(kw.arg is None for kw in node.keywords):  # **params
                unknown = [key for key in found if key not in HANDED_KEYS]
                undeclared += [f"{line}: {key} (declare it in HANDED_KEYS)" for key in unknown]
                continue
            passes = frozenset(kw.arg for kw in node.keywords if kw.arg)
            uses += [Use(key, passes, line) for key in found]
    uses += _template_uses(keys)
    for key, passes in HANDED_KEYS.items():
        uses.append(Use(key, passes, "HANDED_KEYS"))
    return tuple(uses), tuple(undeclared)


TEMPLATE_CALL = re.compile(r"""\bt\(\s*'([A-Za-z0-9_.@-]+)'\s*((?:,(?:[^()]|\([^()]*\))*)?)\)""")


def _template_uses(keys: set[str]) -> list[Use]:
    """The console's Jinja templates render keys with `t('key', name=value)`."""
    uses = []
    for path in sorted((ROOT / "bot").rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        for found in TEMPLATE_CALL.finditer(source):
            if found.group(1) in keys:
                passes = frozenset(re.findall(r"(\w+)\s*=", found.group(2)))
                line = source.count("\n", 0, found.start()) + 1
                uses.append(Use(found.group(1), passes, f"{path.relative_to(ROOT)}:{line}"))
    return uses


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _named_keys(node: ast.Call, keys: set[str]) -> tuple[str, tuple[str, ...] | None] | None:
    """The keys a call names: a literal key, or an f-string's declared keys (None when
    the f-string is not declared); None when it names no key."""
    for arg in node.args:
        if isinstance(arg, ast.Constant) and arg.value in keys:
            return arg.value, (arg.value,)
        if isinstance(arg, ast.JoinedStr) and _is_key_pattern(_pattern(arg), keys):
            pattern = _pattern(arg)
            return pattern, FORMED_KEYS.get(pattern)
    return None


def _is_key_pattern(pattern: str, keys: set[str]) -> bool:
    """An f-string that builds a catalog key (not a log line or a URL)."""
    regex = re.compile(".+".join(re.escape(p) for p in pattern.split("{}")))
    return any(regex.fullmatch(key) for key in keys)


def placeholders(template: str) -> set[str]:
    return {
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    }


class _Any(str):
    """An argument value that formats under any format spec."""

    def __format__(self, spec: str) -> str:
        return "ARG"


def templates(key: str) -> Iterator[tuple[str, str, str]]:
    """(language, catalog key, template) of a key and of each of its variants."""
    for lang in LANGUAGES:
        for name in sorted(translator().keys(lang)):
            if name == key or name.startswith(key + "@"):
                yield lang, name, translator().render_template(name, lang)


def test_every_key_the_code_builds_or_splats_is_declared():
    _, undeclared = scan()
    assert not undeclared, "\n".join(undeclared)


def test_every_declared_key_exists_in_every_language():
    declared = {key for keys in FORMED_KEYS.values() for key in keys} | set(HANDED_KEYS)
    for lang in LANGUAGES:
        missing = sorted(key for key in declared if not translator().has(key, lang))
        assert not missing, f"{lang} lacks {missing}"


def test_every_catalog_entry_uses_only_arguments_each_caller_passes():
    uses, _ = scan()
    problems = []
    for use in uses:
        for lang, name, template in templates(use.key):
            missing = placeholders(template) - use.passes
            if missing:
                problems.append(f"{use.where}: {lang} {name} needs {sorted(missing)}")
    assert not problems, "\n".join(problems)


def test_a_placeholder_only_appears_in_messages_some_code_renders_with_arguments():
    """A key with placeholders that no scanned call renders would show them raw."""
    uses, _ = scan()
    rendered = {use.key for use in uses}
    lonely = sorted(
        f"{lang} {name}"
        for lang in LANGUAGES
        for name in translator().keys(lang)
        if placeholders(translator().render_template(name, lang))
        and name.split("@")[0] not in rendered
    )
    assert not lonely, "no code renders these with their arguments:\n" + "\n".join(lonely)


@pytest.mark.parametrize("variant", [None, "ussd"])
def test_every_message_renders_without_a_placeholder_left(variant):
    uses, _ = scan()
    passed: dict[str, set[str]] = {}
    for use in uses:
        passed.setdefault(use.key, set()).update(use.passes)
    left = []
    for key in sorted(base_keys()):
        message = Msg(key, {name: _Any("ARG") for name in passed.get(key, ())})
        for lang in LANGUAGES:
            text = translator().render(message, lang, variant)
            if re.search(r"[{}]", text):
                left.append(f"{lang} {key}@{variant}: {text}")
    assert not left, "\n".join(left)
