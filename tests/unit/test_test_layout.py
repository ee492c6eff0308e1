"""What tests share lives in modules made to be shared (tests/e2e/stories.py, the worlds,
tests/support): a test file imports no other test file, so moving or deleting one test
breaks no other, and pytest never collects a test file's tests twice."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def is_test_module(dotted: str) -> bool:
    parts = dotted.split(".")
    return parts[0] == "tests" and parts[-1].startswith("test_")


def is_module_file(dotted: str) -> bool:
    """Whether `dotted` names a module file (`from tests.e2e import test_x`), not a name
    inside a module (`from tests.e2e.signing_world import test_pki_fixture`)."""
    return TESTS.parent.joinpath(*dotted.split(".")).with_suffix(".py").is_file()


def imports_of_test_files(path: Path) -> list[str]:
    """`line: module` of every import in `path` of a `tests...test_*` module, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: tests import by absolute name"
            base = node.module or ""
            inside = [f"{base}.{alias.name}" for alias in node.names]
            modules = [base, *filter(is_module_file, inside)]
        else:
            continue
        found += [f"{node.lineno}: {m}" for m in modules if is_test_module(m)]
    return found


def test_no_file_under_tests_imports_a_test_file() -> None:
    offenders = {
        str(path.relative_to(TESTS)): found
        for path in sorted(TESTS.rglob("*.py"))
        if (found := imports_of_test_files(path))
    }
    assert offenders == {}, "import it from tests/e2e/stories.py (or tests/support) instead"


def test_the_rule_sees_every_way_of_importing_a_test_file(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import tests.e2e.test_serve\n"
        "from tests.e2e import test_serve\n"
        "from tests.e2e.test_serve import serve_env\n"
        "def f():\n"
        "    from tests.e2e.test_mobile_registration import AN\n"
        "from tests.e2e.stories import AN\n"
        "from tests.support.fakes import fake_world\n"
    )
    assert [line.split(":")[0] for line in imports_of_test_files(sample)] == ["1", "2", "3", "5"]
