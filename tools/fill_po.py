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

ENTRY = re.compile(r'msgid "((?:[^"\\]|\\.)*)"\nmsgstr ""(?!\n")')


def fill(po_text: str, mapping: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        msgid = match.group(1)
        key = json.loads(f'"{msgid}"')
        if key not in mapping:
            return match.group(0)
        return f'msgid "{msgid}"\nmsgstr {json.dumps(mapping[key], ensure_ascii=False)}'

    return ENTRY.sub(replace, po_text)


def untranslated(po_text: str) -> list[str]:
    return re.findall(r'msgid "((?:[^"\\]|\\.)+)"\nmsgstr ""\n(?!")', po_text)


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
