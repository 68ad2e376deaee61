"""The app graph is a tree of layers: an app imports only apps of a lower layer.

Read from the code's imports (every import, also inside functions; migrations left out), so a new
import that points upwards — the start of a cycle — fails here, naming the file.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# lower number = lower layer (ARCHITECTURE.md: base → reference data → domain → interface)
LAYER = {
    "backend.common": 0,
    "geo": 1,
    "backend.accounts": 1,
    "backend.units": 2,  # reference data of handling: categories, units, routing, SLA, calendar
    "backend.incidents": 3,
    "backend.notifications": 4,
    "backend.staff": 5,
    "backend.open311": 5,
    "backend.transparency": 5,
    "backend.contact": 5,  # the contact centre: an interface with its own log of contacts
    "mobile_api": 5,
    "backend.portal": 5,  # the residents' portal: public map, report pages, web reporting
    # the chat channels: above the contact centre, whose triage inbox and knowledge base they use
    "backend.conversations": 6,
    # the 1022 mailbox: an intake channel that also hands incomplete mails to the contact
    # centre's triage inbox, so it sits above the interface apps
    "backend.mailbox": 6,
}


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "backend" and len(parts) > 1:
        name = f"backend.{parts[1]}"
        return name if name in LAYER else None
    return parts[0] if parts[0] in LAYER else None


def imports(path: Path, module: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: -node.level]
                found.add(".".join([*base, *([node.module] if node.module else [])]))
            elif node.module:
                found.add(node.module)
    return found


def upward_imports() -> list[str]:
    wrong = []
    for top in ("backend", "geo", "mobile_api"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            src = app_of(module)
            if src is None:
                continue
            for name in imports(path, module):
                dst = app_of(name)
                if dst and dst != src and LAYER[dst] >= LAYER[src]:
                    wrong.append(f"{path.relative_to(ROOT)}: {src} imports {dst}")
    return wrong


def test_every_app_has_a_layer() -> None:
    apps = {f"backend.{p.name}" for p in (ROOT / "backend").iterdir() if (p / "apps.py").exists()}
    assert apps - set(LAYER) == set()


def test_no_app_imports_an_app_of_its_own_or_a_higher_layer() -> None:
    assert upward_imports() == []
