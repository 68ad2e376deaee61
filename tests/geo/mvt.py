"""A minimal Mapbox Vector Tile reader for tests: layers → point features with properties."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _fields(buf: bytes) -> Iterator[tuple[int, Any]]:
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 1:
            value, i = buf[i : i + 8], i + 8
        elif wire == 2:
            size, i = _varint(buf, i)
            value, i = buf[i : i + size], i + size
        elif wire == 5:
            value, i = buf[i : i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield number, value


def _packed(buf: bytes) -> list[int]:
    out, i = [], 0
    while i < len(buf):
        v, i = _varint(buf, i)
        out.append(v)
    return out


def _zigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def _value(buf: bytes) -> Any:
    for number, v in _fields(buf):
        if number == 1:
            return v.decode()
        if number == 2:
            return struct.unpack("<f", v)[0]
        if number == 3:
            return struct.unpack("<d", v)[0]
        if number in (4, 5):
            return v
        if number == 6:
            return _zigzag(v)
        if number == 7:
            return bool(v)
    return None


def _points(commands: list[int]) -> list[tuple[int, int]]:
    points, i, x, y = [], 0, 0, 0
    while i < len(commands):
        cmd, count = commands[i] & 7, commands[i] >> 3
        i += 1
        for _ in range(count):
            if cmd == 7:  # ClosePath has no parameters
                continue
            x += _zigzag(commands[i])
            y += _zigzag(commands[i + 1])
            i += 2
            points.append((x, y))
    return points


def decode(tile: bytes) -> dict[str, list[dict[str, Any]]]:
    """{layer name: [{"id", "type", "points", "properties"}]}"""
    layers: dict[str, list[dict[str, Any]]] = {}
    for number, layer_buf in _fields(tile):
        if number != 3:
            continue
        name, keys, values, raw = "", [], [], []
        for n, v in _fields(layer_buf):
            if n == 1:
                name = v.decode()
            elif n == 2:
                raw.append(v)
            elif n == 3:
                keys.append(v.decode())
            elif n == 4:
                values.append(_value(v))
        features = []
        for feature_buf in raw:
            feature: dict[str, Any] = {"id": None, "properties": {}}
            for n, v in _fields(feature_buf):
                if n == 1:
                    feature["id"] = v
                elif n == 2:
                    tags = _packed(v)
                    feature["properties"] = {
                        keys[tags[j]]: values[tags[j + 1]] for j in range(0, len(tags), 2)
                    }
                elif n == 3:
                    feature["type"] = v
                elif n == 4:
                    feature["points"] = _points(_packed(v))
            features.append(feature)
        layers[name] = features
    return layers
