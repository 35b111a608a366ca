"""docs/architecture.md names real code: every file, module and function it points to exists (a split or a rename
that forgets the document fails here)."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
PACKAGES = ("core", "ui", "web", "db", "demo", "pages", "scripts", "tests", "bench")
# `name` in backticks: a path (`core/x.py`, `locale/`) or a dotted name (`core.x.y`, `Class.method`).
QUOTED = re.compile(r"`([^`\s]+)")
# `core/x.py` (`a`, `b`): the names in brackets are defined in that file.
NAMED_IN_FILE = re.compile(r"`([\w/]+\.py)` \(((?:`[\w.]+`(?:\(\.\.\.\))?,? ?(?:and )?)+)\)")


def defined(path: Path, dotted: str) -> bool:
    """Whether `dotted` (a name, or Class.attribute) is defined at the top of the module in `path`."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    for part in dotted.split("."):
        found: ast.stmt | None = None
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == part:
                found = node
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == part for t in targets):
                    found = node
        if found is None:
            return False
        body = getattr(found, "body", [])
    return True


def resolves(reference: str) -> bool:
    """A path exists; a dotted name is a module, or a module and a name defined in it."""
    reference = reference.rstrip(".,;:").removesuffix("()")
    if "/" in reference or reference.endswith(".py"):
        return (ROOT / reference).exists()
    parts = reference.split(".")
    for cut in range(len(parts), 0, -1):
        module = ROOT.joinpath(*parts[:cut])
        if module.with_suffix(".py").is_file():
            return cut == len(parts) or defined(module.with_suffix(".py"), ".".join(parts[cut:]))
        if module.is_dir() and cut == len(parts):
            return True
    return False


def references(text: str) -> list[str]:
    found = []
    for quoted in QUOTED.findall(text):
        quoted = quoted.split("(")[0].split("?")[0]
        if (quoted.split("/")[0].split(".")[0] in PACKAGES and re.fullmatch(r"[\w./]+", quoted)) or (
            quoted.endswith(".py") and re.fullmatch(r"[\w./]+", quoted)
        ):
            found.append(quoted)
    for path, names in NAMED_IN_FILE.findall(text):
        for name in re.findall(r"`([\w.]+)`", names):
            full = name.split(".")[0] in PACKAGES  # a full dotted name in the brackets stands for itself
            found.append(name if full else f"{path.removesuffix('.py').replace('/', '.')}.{name}")
    return found


def test_every_file_module_and_function_the_architecture_names_exists():
    text = DOC.read_text(encoding="utf-8")
    checked = references(text)
    assert len(checked) > 80  # the check reads the document's references, not nothing
    assert [r for r in checked if not resolves(r)] == []


def test_the_check_catches_a_stale_name():
    assert resolves("core/consumers.py") and resolves("core.consumers.register")
    assert not resolves("core/nowhere.py")
    assert not resolves("core.consumers.no_such_function")
    assert not resolves("core.nowhere.register")
    assert "core.consumers._verify" in references("`core/consumers.py` (`_verify`, `last_payments`)")
