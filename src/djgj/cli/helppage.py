"""A `--help` page kept as Typer printed it, and printed again without importing Typer.

Importing Typer and building djgj's commands is most of a `--help`'s time; a page once printed is
kept in the user cache directory (platformdirs' ``user_cache_dir``, ``XDG_CACHE_HOME`` on Linux)
and printed again from there. It is kept under a key naming everything that shapes it: the command
line and program name, every installed file of djgj and of Typer (path, size, modification time),
the Python, the terminal width (``COLUMNS``, or the terminal's own), the output stream (encoding,
error handling, terminal or not) and the environment variables Typer and djgj read. A page is
printed only when its whole key is the same and the page is whole (length and CRC); a line Typer did
not answer with its help page and exit 0 is never kept. Anything amiss (no cache directory, a file
unreadable, unwritable or corrupt) falls back to Typer silently.

Until a page is missing only the standard library is imported (and platformdirs only where the
usual cache directory cannot be named from the environment).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TextIO

#: Bumped when the key or the file's layout changes.
LAYOUT = "djgj-help 1"
#: The help option (djgj's context settings).
HELP_OPTIONS = ("--help", "-h")
#: Environment that shapes a page or how it reaches the terminal, besides these prefixes'.
ENV = ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "TERM", "CLICOLOR", "CLICOLOR_FORCE", "PYTHONIOENCODING")
ENV_PREFIXES = ("DJGJ_", "TYPER_", "_TYPER_")
#: Pages kept at most; older ones (by modification time) are removed when a page is kept.
MAX_PAGES = 200


def asks_help(args: list[str]) -> bool:
    """Whether Typer may read ``args`` as a help request: a help option before any ``--``, and no
    shell completion under way. Only a line Typer then answers with its help page is kept."""
    if any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return False
    for a in args:
        if a == "--":
            return False
        if a in HELP_OPTIONS:
            return True
    return False


def _tree(top: str) -> list[str]:
    """Every file under ``top`` (bytecode caches aside) as ``path:size:mtime``, sorted."""
    out: list[str] = []
    with os.scandir(top) as entries:
        for e in sorted(entries, key=lambda e: e.name):
            if e.is_dir(follow_symlinks=False):
                if e.name != "__pycache__":
                    out += _tree(e.path)
            else:
                st = e.stat()
                out.append(f"{e.path}:{st.st_size}:{st.st_mtime_ns}")
    return out


def _typer_dir() -> str | None:
    """Where ``import typer`` would find Typer, without importing it (a regular package on sys.path)."""
    for entry in sys.path:
        path = os.path.join(entry or os.getcwd(), "typer")
        if os.path.isfile(os.path.join(path, "__init__.py")):
            return path
    return None


def fingerprint() -> tuple[str, ...]:
    """The installed code that shapes a page: all of djgj (its help texts, vocabulary and data) and Typer."""
    import djgj

    typer_dir = _typer_dir()
    if typer_dir is None:
        raise OSError("typer not found on sys.path")
    return (*_tree(os.path.dirname(os.path.abspath(djgj.__file__))), *_tree(typer_dir))


def _width() -> int | None:
    """The terminal's own width, as `shutil.get_terminal_size` reads it when COLUMNS is not set."""
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return None


def key(args: list[str]) -> str | None:
    """Everything that shapes the page ``args`` asks for, as one line; None when it cannot be kept
    (no stdout, an ASCII stream that Click would re-encode, a line that cannot be written down)."""
    import codecs

    try:
        out = sys.stdout
        encoding = out.encoding
        if not encoding or codecs.lookup(encoding).name == "ascii":
            return None
        main = sys.modules.get("__main__")
        stream = (type(out).__name__, encoding, out.errors, out.isatty(), _width())
        program = (
            sys.argv[0],
            getattr(main, "__package__", None),
            getattr(getattr(main, "__spec__", None), "name", None),
        )
        env = sorted((k, v) for k, v in os.environ.items() if k in ENV or k.startswith(ENV_PREFIXES))
        parts = (
            LAYOUT,
            sys.version,
            sys.executable,
            sys.platform,
            program,
            tuple(args),
            stream,
            env,
            fingerprint(),
        )
        line = repr(parts)
        line.encode("utf-8")  # a line with lone surrogates (undecodable argv) is not kept
    except Exception:  # noqa: BLE001 - never kept, Typer answers
        return None
    return line


def _usual_cache_dir() -> str | None:
    """platformdirs' ``user_cache_dir("djgj", appauthor=False)`` in the usual cases, without importing
    it (platformdirs loads pathlib, re and tempfile: most of a kept page's time); None otherwise."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA", "")
        if os.environ.get("WIN_PD_OVERRIDE_LOCAL_APPDATA") or not os.path.isabs(base):
            return None
        return os.path.join(os.path.normpath(base), "djgj", "Cache")
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg.startswith("/"):
        return os.path.join(xdg, "djgj")
    home = os.environ.get("HOME", "")
    if not home.startswith("/"):
        return None
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "djgj")
    return os.path.join(home, ".cache", "djgj")


def directory() -> str:
    """Where pages are kept: ``help`` in djgj's user cache directory (platformdirs)."""
    base = _usual_cache_dir()
    if base is None:
        from platformdirs import user_cache_dir

        base = user_cache_dir("djgj", appauthor=False)
    return os.path.join(base, "help")


def _file(line: str) -> str:
    import zlib

    data = line.encode("utf-8")
    return os.path.join(directory(), f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}.txt")


def _check(page: str) -> str:
    """The page's length and CRC-32: a page cut short or spoilt is not printed."""
    import zlib

    return f"{len(page)} {zlib.crc32(page.encode('utf-8')):08x}"


def kept(line: str) -> str | None:
    """The page kept under ``line``; None when there is none, or it is unreadable or not whole."""
    try:
        with open(_file(line), "rb") as f:
            data = f.read()
        head, sep, page = data.decode("utf-8").partition("\n")
        if not sep or head != line:
            return None
        check, sep, page = page.partition("\n")
        return page if sep and check == _check(page) else None
    except Exception:  # noqa: BLE001 - unreadable or corrupt: Typer answers
        return None


def serve(line: str) -> bool:
    """Print the page kept under ``line``, as Typer printed it; False when there is none."""
    page = kept(line)
    if page is None:
        return False
    sys.stdout.write(page)
    sys.stdout.flush()
    return True


def keep(line: str, page: str) -> None:
    """Keep ``page`` under ``line`` (written aside, then renamed into place); silent on any failure."""
    try:
        path = _file(line)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.part"  # this process's own: another may be keeping the same page
        try:
            with open(tmp, "wb") as f:
                f.write(f"{line}\n{_check(page)}\n{page}".encode())
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        _prune(os.path.dirname(path))
    except Exception:  # noqa: BLE001 - a page not kept is only slower next time
        return


def _prune(folder: str) -> None:
    pages = [e for e in os.scandir(folder) if e.name.endswith(".txt")]
    if len(pages) <= MAX_PAGES:
        return
    pages.sort(key=lambda e: e.stat().st_mtime_ns)
    for e in pages[: len(pages) - MAX_PAGES // 2]:
        os.unlink(e.path)


class Tee:
    """sys.stdout for a help line: every text written is also recorded. Everything else (encoding,
    isatty, fileno, buffer) is the stream's own, so Click and the terminal see no difference; whether
    ``buffer`` was asked for (Click writing around the text stream, as on a Windows console) is noted."""

    #: Text recorded at most: more is no help page (a command ran, `--help` being a value).
    LIMIT = 1 << 20

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.parts: list[str] = []
        self.size = 0
        self.around = False

    def write(self, s: str) -> int:
        n = self.stream.write(s)
        if isinstance(s, str) and self.size <= self.LIMIT:
            self.size += len(s)
            self.parts.append(s)
            if self.size > self.LIMIT:
                self.parts.clear()
        return n

    def writelines(self, lines: list[str]) -> None:
        for s in lines:
            self.write(s)

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":
            self.around = True
        return getattr(self.stream, name)


def page_of(tee: Tee, shown: list[str]) -> str | None:
    """What Typer printed for a help line, if it printed one help page and nothing else."""
    if len(shown) != 1 or "\x1b" in shown[0] or tee.size > tee.LIMIT:
        return None
    page = shown[0] + "\n"
    written = "".join(tee.parts)
    if written == page and not tee.around:
        return page
    # A Windows console: Click writes the same text through the console API, around sys.stdout.
    if not written and tee.around and sys.platform == "win32" and tee.stream.isatty():
        return page
    return None


def keeping(run: Callable[[], object], line: str) -> None:
    """Run Typer (``run``, which exits) for a help line, keeping the page it prints when it exits 0."""
    from djgj.cli import zh

    tee = Tee(sys.stdout)
    sys.stdout = tee
    try:
        with zh.pages_shown() as shown:
            run()
    except SystemExit as done:
        if sys.stdout is tee:
            sys.stdout = tee.stream
        page = page_of(tee, shown) if done.code in (0, None) else None
        if page is not None:
            keep(line, page)
        raise
    finally:
        if sys.stdout is tee:
            sys.stdout = tee.stream
