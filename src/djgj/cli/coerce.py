"""Options of plain types converted without pydantic.

Typer 0.29 converts every option's value through a pydantic ``TypeAdapter`` built when the command
runs, even an option left out: importing pydantic and building the adapters costs a command more
than answering from kept figures. Options of plain types (text, whole numbers, paths, and lists of
them) are converted here as the adapter would (the same values accepted, the same message for the
rest, which `djgj.cli.zh` puts into Chinese); any other type is left to Typer.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

#: A whole number as pydantic reads one: a sign, digits with single underscores (after a leading zero,
#: any run of zeros and underscores), and a fraction of zeros ("2014.0").
_WHOLE = re.compile(r"[+-]?(?:0[0_]*[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*)(?:\.0+)?")
_MESSAGES = {
    int: "Input should be a valid integer, unable to parse string as an integer",
    str: "Input should be a valid string",
    Path: "Input is not a valid path",
}


def _whole(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if not _WHOLE.fullmatch(text):
        raise ValueError(text)
    return int(text.split(".")[0].replace("_", ""))


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(value)
    return value


def _path(value: Any) -> Path:
    if isinstance(value, Path):
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    return Path(value)


_CONVERT: dict[Any, Callable[[Any], Any]] = {int: _whole, str: _text, Path: _path}


class Plain:
    """What Typer's runtime parameter does for one option, for a plain type."""

    def __init__(self, kind: Any, many: bool) -> None:
        self.convert, self.message, self.many = _CONVERT[kind], _MESSAGES[kind], many

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        multi = param.multiple or param.nargs == -1
        if value is None:
            return () if multi else None
        try:
            if self.many:
                return [self.convert(v) for v in value]
            return self.convert(value)
        except (TypeError, ValueError):
            raise typer.BadParameter(self.message, ctx=ctx, param=param) from None


def plain(annotation: Any) -> Plain | None:
    """A converter for ``annotation`` (``X``, ``X | None``, ``list[X] | None`` with X text, whole
    number or path), or None to leave it to Typer."""
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1:
            return None
        annotation, args = rest[0], typing.get_args(rest[0])
    if typing.get_origin(annotation) is list and len(args) == 1 and args[0] in _CONVERT:
        return Plain(args[0], many=True)
    return Plain(annotation, many=False) if annotation in _CONVERT else None


def install(command: Any) -> None:
    """Give a command's plain options (and its subcommands') the converters above."""
    for param in getattr(command, "params", []):
        desc = getattr(param, "type_descriptor", None)
        if (
            desc is None
            or desc.file_annotation is not None
            or getattr(param, "_runtime_param", 0) is not None
        ):
            continue
        converter = plain(desc.annotation)
        if converter is not None:
            param._runtime_param = converter
    for sub in getattr(command, "commands", {}).values():
        install(sub)


__all__ = ["Plain", "install", "plain"]
