"""A mail read part by part: its structure (IMAP BODYSTRUCTURE) → what to fetch, and the fetched
parts → a *light* copy of the mail for parse.py plus its photos, decoded here.

Why: a mail with a 3 MB photo is ~55,000 lines of base64, and the standard library's MIME parser
reads them line by line in Python (~60 ms a mail, more than half of what the mail path adds to
the photo cleaning). The server knows the structure already, so the photos' bodies are fetched on
their own (`BODY.PEEK[n]`) and decoded with `binascii` in one call, and the parser only sees the
rest: the header, the text parts and every photo part's own MIME header, with an empty body.

The light copy is the same MIME tree the server sees (same headers, same parts in the same
order; a subtree without a photo is copied verbatim), so parse.py reads it exactly as the whole
mail; only the multipart preambles and epilogues (never read) are left out.

Not read this way (`plan` returns None; imap.py fetches the whole mail as before): a mail that is
not multipart, that carries no base64 image, that contains a message/* part (a forwarded mail:
its inner photos are parts the stdlib parser walks into), or whose structure is not understood.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from dataclasses import dataclass

Atom = object  # what the IMAP client's BODYSTRUCTURE is made of: bytes, int, None, tuples, lists


class PartsUnusable(Exception):
    """The parts do not add up (a missing part, base64 that is not clean): read the whole mail."""


@dataclass(frozen=True)
class Node:
    path: str  # the IMAP part specifier: "" for the mail itself, "1", "2.1", ...
    maintype: str
    encoding: str = ""
    boundary: bytes = b""  # multiparts only
    children: tuple[Node, ...] = ()
    photo: bool = False  # a base64 image: its body is fetched and decoded on its own

    @property
    def has_photo(self) -> bool:
        return self.photo or any(child.has_photo for child in self.children)


@dataclass(frozen=True)
class Plan:
    """What to fetch for one mail, then how to put it together (`light_mail`)."""

    root: Node
    items: tuple[str, ...]  # FETCH items, in a fixed order (mails alike are fetched together)


def _text(atom: Atom) -> str:
    return atom.decode("ascii", "replace").lower() if isinstance(atom, bytes) else ""


def _param(params: Atom, name: str) -> bytes:
    if not isinstance(params, (tuple, list)):
        return b""
    for key, value in zip(params[::2], params[1::2], strict=False):
        if _text(key) == name and isinstance(value, bytes):
            return value
    return b""


def _node(structure: Atom, path: str) -> Node | None:
    if not isinstance(structure, (tuple, list)) or not structure:
        return None
    if isinstance(structure[0], list):  # multipart: (parts, subtype, params, ...)
        children = []
        for n, part in enumerate(structure[0], 1):
            child = _node(part, f"{path}.{n}" if path else str(n))
            if child is None:
                return None
            children.append(child)
        boundary = _param(structure[2], "boundary") if len(structure) > 2 else b""
        if not children or not boundary or b"\r" in boundary or b"\n" in boundary:
            return None
        return Node(path, "multipart", boundary=boundary, children=tuple(children))
    if len(structure) < 7:
        return None
    maintype, encoding = _text(structure[0]), _text(structure[5])
    if maintype == "message":  # a mail inside the mail: read the whole thing
        return None
    return Node(path, maintype, encoding, photo=maintype == "image" and encoding == "base64")


def plan(structure: Atom) -> Plan | None:
    """What to fetch for a mail of this BODYSTRUCTURE, or None: fetch the whole mail."""
    root = _node(structure, "")
    if root is None or root.maintype != "multipart" or not root.has_photo:
        return None
    items = ["BODY.PEEK[HEADER]"]

    def add(node: Node) -> None:
        if node.path:
            items.append(f"BODY.PEEK[{node.path}.MIME]")
        if node.children and node.has_photo:
            for child in node.children:
                add(child)
        else:  # a photo, or a subtree without one: its body as it is
            items.append(f"BODY.PEEK[{node.path}]")

    add(root)
    return Plan(root, tuple(items))


def _fetched(data: Mapping[bytes, object], item: str) -> bytes:
    value = data.get(item.replace(".PEEK", "").encode())
    if not isinstance(value, bytes):
        raise PartsUnusable(f"{item} missing")
    return value


def _header(data: Mapping[bytes, object], node: Node) -> bytes:
    head = _fetched(data, f"BODY.PEEK[{node.path}.MIME]" if node.path else "BODY.PEEK[HEADER]")
    return head if head.endswith(b"\r\n\r\n") else head.rstrip(b"\r\n") + b"\r\n\r\n"


def _images(node: Node) -> int:
    return int(node.maintype == "image") + sum(_images(child) for child in node.children)


@dataclass(frozen=True)
class LightMail:
    raw: bytes  # the mail without its photos' bodies (see the module docstring)
    photos: dict[int, bytes]  # decoded bodies by rank among the image parts, in document order
    images: int  # how many image parts the mail has (photos or not)


def light_mail(mail_plan: Plan, data: Mapping[bytes, object]) -> LightMail:
    """Put the mail together from `data`, the FETCH answer for `mail_plan.items`."""
    photos: dict[int, bytes] = {}
    rank = 0

    def build(node: Node) -> bytes:
        nonlocal rank
        head = _header(data, node)
        if node.photo:
            try:
                photos[rank] = binascii.a2b_base64(_fetched(data, f"BODY.PEEK[{node.path}]"))
            except binascii.Error as exc:  # not clean: the stdlib's lenient decoding
                raise PartsUnusable(f"part {node.path}: {exc}") from exc
            rank += 1
            return head
        if not (node.children and node.has_photo):
            rank += _images(node)
            return head + _fetched(data, f"BODY.PEEK[{node.path}]")
        delimiter = b"--" + node.boundary
        inner = b"".join(delimiter + b"\r\n" + build(child) + b"\r\n" for child in node.children)
        return head + inner + delimiter + b"--\r\n"

    raw = build(mail_plan.root)
    return LightMail(raw, photos, rank)
