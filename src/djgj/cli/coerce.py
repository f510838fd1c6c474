"""Options of plain types converted without pydantic.

Typer 0.29 converts every option's value through a pydantic ``TypeAdapter`` built when the command
runs, even an option left out: importing pydantic and building the adapters costs a command more
than answering from kept figures. An option left out needs no conversion at all;
text, whole numbers and paths (and lists of them, through the option's own parser if it has one) are
converted here as the adapter would (the same values accepted, the same message for the rest, which
`djgj.cli.zh` puts into Chinese); any other value is handed to Typer's own conversion.
"""

from __future__ import annotations

import os
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
    """A path as pydantic's adapter makes one: any text (or path) as it is, nothing checked here
    (the option's own click.Path has checked what it was asked to)."""
    if not isinstance(value, str | os.PathLike):
        raise ValueError(value)
    return Path(value)


_CONVERT: dict[Any, Callable[[Any], Any]] = {int: _whole, str: _text, Path: _path}


class Plain:
    """What Typer's runtime parameter does for one option: nothing to convert when the option is left
    out; a whole number, text or a path (through the option's own parser, if it has one) converted here;
    anything else handed to Typer's own conversion, built only then."""

    def __init__(self, kind: Any, many: bool, parser: Callable[[Any], Any] | None) -> None:
        self.convert = parser or _CONVERT.get(kind)
        self.message, self.many = _MESSAGES.get(kind, ""), many

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        multi = param.multiple or param.nargs == -1
        if value is None:
            return () if multi else None
        if self.convert is None:
            param._runtime_param = None  # Typer builds its own (pydantic) for this value
            return param.get_runtime_param().coerce(value, param=param, ctx=ctx)
        try:
            if self.many:
                return [self.convert(v) for v in (value if isinstance(value, list | tuple) else [value])]
            return self.convert(value)
        except (TypeError, ValueError) as exc:
            raise typer.BadParameter(self.message or str(exc), ctx=ctx, param=param) from None


def plain(annotation: Any, info: Any = None) -> Plain:
    """The converter of an option of type ``annotation`` with Typer's ``info`` (its parser, bounds)."""
    parser = getattr(info, "parser", None)
    bounded = any(getattr(info, k, None) not in (None, False) for k in ("min", "max", "clamp"))
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        rest = [a for a in args if a is not type(None)]
        annotation = rest[0] if len(rest) == 1 else annotation
        args = typing.get_args(annotation)
    many = typing.get_origin(annotation) is list and len(args) == 1
    kind = args[0] if many else annotation
    if bounded or (parser is None and kind not in _CONVERT):
        return Plain(None, many, None)
    return Plain(kind, many, parser)


def install(command: Any) -> None:
    """Give a command's options (and its subcommands') the converters above."""
    for param in getattr(command, "params", []):
        desc = getattr(param, "type_descriptor", None)
        if (
            desc is None
            or desc.file_annotation is not None
            or getattr(param, "_runtime_param", 0) is not None
        ):
            continue
        param._runtime_param = plain(desc.annotation, desc.parameter_info)
    for sub in getattr(command, "commands", {}).values():
        install(sub)


__all__ = ["Plain", "install", "plain"]
