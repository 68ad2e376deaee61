"""Fill empty msgstr entries of a .po file from JSON objects {msgid: translation}.

    python -m tools.fill_po locale/en/LC_MESSAGES/django.po locale/en/translations/*.json

Each area of the code keeps its English strings in its own JSON file, so that
`make messages-update` (makemessages + this) never makes two people edit one file.
Prints the msgids that are still untranslated, so a new string is never missed.
"""

import json
import re
import sys
from pathlib import Path

# msgid "…" or msgid ""\n"…"\n"…" (long strings wrap), followed by an empty msgstr
ENTRY = re.compile(r'msgid ((?:"(?:[^"\\]|\\.)*"\n)+)msgstr ""\n(?!")')
PART = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _msgid(block: str) -> str:
    return "".join(json.loads(f'"{part}"') for part in PART.findall(block))


def fill(po_text: str, mapping: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        key = _msgid(match.group(1))
        if not key or key not in mapping:
            return match.group(0)
        return f"msgid {match.group(1)}msgstr {json.dumps(mapping[key], ensure_ascii=False)}\n"

    return ENTRY.sub(replace, po_text)


def untranslated(po_text: str) -> list[str]:
    return [k for k in (_msgid(m.group(1)) for m in ENTRY.finditer(po_text)) if k]


def main(po_path: str, *json_paths: str) -> None:
    po = Path(po_path)
    mapping: dict[str, str] = {}
    for path in json_paths:
        mapping.update(json.loads(Path(path).read_text(encoding="utf-8")))
    text = fill(po.read_text(encoding="utf-8"), mapping)
    po.write_text(text, encoding="utf-8")
    for msgid in untranslated(text):
        print(f"untranslated: {msgid}")


if __name__ == "__main__":
    main(*sys.argv[1:])
