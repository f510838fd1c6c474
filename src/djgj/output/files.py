"""Writing output files safely: all or nothing, and private when they hold personal information.

An export is written to a temporary file in the same folder, flushed to disk (fsync) and renamed
over the target, so a full disk, a `kill -9` or a power cut leaves the previous good file (or no
file), never a truncated one. The temporary file is created readable by its owner only; the
result keeps that mode when it holds unmasked personal information (`private`), and otherwise
gets the ordinary mode for a new file (0644 under the usual umask).
Every failure is an `OutputError` naming the file and saying what to do.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from djgj.errors import DjgjError


class OutputError(DjgjError):
    """An output file cannot be written; nothing was left half-written."""


@dataclass
class Written:
    path: Path
    #: Whether a file of that name was there before (and has now been replaced).
    replaced: bool


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def os_error(path: Path, exc: OSError) -> OutputError:
    """An `OSError` on ``path`` as a Chinese message saying what to do."""
    code = exc.errno
    if code == errno.ENOENT:
        why = f"文件夹 {path.parent} 不存在；请先建立该文件夹，或换一个输出路径"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "没有写入权限（文件夹只读或文件被占用）；请换一个可写的文件夹"
    elif code in (errno.ENOSPC, errno.EDQUOT):
        why = "磁盘已满；请清理磁盘空间或换一个磁盘后重试"
    elif code == errno.EISDIR:
        why = "这是一个文件夹；请给出文件名，如 -o 报告.xlsx"
    elif code == errno.ENOTDIR:
        why = "路径中有一段不是文件夹；请检查输出路径"
    else:
        why = f"写入失败（{exc.strerror or type(exc).__name__}）；请检查磁盘和路径后重试"
    return OutputError(f"无法写入 {path}：{why}")


def write_atomic(path: str | Path, data: bytes, *, private: bool = False) -> Written:
    """Write ``data`` to ``path`` all or nothing (temporary file, fsync, rename).

    A target that exists but is not a regular file (``/dev/null``, a FIFO, a terminal) is written
    directly: renaming over it would replace the device. A folder as target is refused.
    """
    target = Path(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise os_error(target, exc) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise os_error(target, OSError(errno.EISDIR, "is a directory"))
    if st is not None and not stat.S_ISREG(st.st_mode):
        try:
            with open(target, "wb") as f:
                f.write(data)
        except OSError as exc:
            raise os_error(target, exc) from None
        return Written(target, replaced=False)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise os_error(target, OSError(errno.ENOENT, "no such directory"))
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)  # 0600
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if not private:  # a replaced file keeps its mode; a new one gets the usual mode
            os.chmod(tmp, stat.S_IMODE(st.st_mode) if st is not None else _umask_mode())
        os.replace(tmp, target)
        tmp = None
        _fsync_dir(folder)
    except OSError as exc:
        raise os_error(target, exc) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return Written(target, replaced=st is not None)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows has no directory handles to sync."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
