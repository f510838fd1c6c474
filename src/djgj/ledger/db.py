"""The ledger database: where it is, how it is opened, and how its schema is kept current.

`DJGJ_DB` or `--db` names it (a file path or any SQLAlchemy URL); the default is ``ledger.db`` in
the user data directory (platformdirs). On SQLite every write runs in one ``BEGIN IMMEDIATE``
transaction (WAL, ``synchronous=FULL``, foreign keys on, a busy timeout), because Python's sqlite3
would otherwise send no BEGIN before a read that is followed by a write. The schema is brought to
the Alembic head on first use, with a backup of an existing SQLite file before any migration.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import sqlite3
import stat
import tempfile
from importlib import resources
from pathlib import Path
from sqlite3 import register_adapter
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError, OperationalError

from djgj.errors import BusyError, LedgerError, UsageError
from djgj.ledger.location import HEAD, resolve_url, sqlite_path

BUSY_TIMEOUT_MS = 10_000
SQLITE_MAGIC = b"SQLite format 3\x00"


def display_url(url: str) -> str:
    """A database URL as it may be shown: the password replaced by ***."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not even a URL: hide whatever sits between : and @
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def busy_timeout_ms() -> int:
    """`DJGJ_BUSY_TIMEOUT_MS`, checked: a whole number of milliseconds, 0 to one hour."""
    raw = os.environ.get("DJGJ_BUSY_TIMEOUT_MS")
    if raw is None or raw.strip() == "":
        return BUSY_TIMEOUT_MS
    try:
        value = int(raw.strip())
    except ValueError:
        value = -1
    if not 0 <= value <= 3_600_000:
        raise UsageError(
            f"环境变量 DJGJ_BUSY_TIMEOUT_MS={raw[:20]} 无效；应为 0 到 3600000 之间的毫秒数（如 10000），或删除该变量"
        )
    return value


#: Bytes per database page of a new SQLite ledger.
PAGE_SIZE = 16384


def fast_binds() -> None:
    """Python's sqlite3 binds int, float, str and bytes directly, but sends every other value — None
    and bool included — through its adapter protocol (a key tuple, a registry miss, two attribute
    lookups): ~0.5 µs a value, more than half of the driver's time for a snapshot row, a third of
    whose values are unknown (measured: 200,000 snapshot rows 2.9 s → 1.3 s). Registered adapters
    are found at the first step; these two give SQLite exactly what it got before (NULL; 1/0, as a
    bool is an int), only sooner. Idempotent; process-wide, like the sqlite3 registry itself."""
    register_adapter(type(None), {}.get)  # type: ignore[arg-type]  # C: None for None
    register_adapter(bool, int)


def _configure_sqlite(engine: Engine, *, write: bool) -> None:
    timeout = busy_timeout_ms()
    fast_binds()

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={timeout}")
        cur.execute("PRAGMA foreign_keys=ON")
        if write:
            # A new ledger's pages are 16 KiB (SQLite's default is 4 KiB): a province-sized import
            # writes its rows and builds its indexes with a quarter of the pages to split, link and
            # checkpoint (measured: the database's share of a 200,000-unit import 5.4 s → 4.1 s).
            # It applies only to a file not yet written; an existing ledger keeps its page size.
            cur.execute(f"PRAGMA page_size={PAGE_SIZE}")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
        if os.environ.get("DJGJ_MAX_PAGE_COUNT"):  # tests simulate a full disk with it
            cur.execute(f"PRAGMA max_page_count={int(os.environ['DJGJ_MAX_PAGE_COUNT'])}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _check_sqlite_file(path: Path) -> None:
    """Refuse, before anything is written, a path that is not a djgj ledger: a folder, a device, a
    foreign file, or another program's SQLite database (which djgj would otherwise convert in place)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise LedgerError(f"无法访问台账数据库 {path}（{exc.strerror}）；请检查 --db / DJGJ_DB") from None
    if stat.S_ISDIR(st.st_mode):
        raise LedgerError(
            f"{path} 是文件夹，不是台账数据库文件；请在 --db / DJGJ_DB 中给出文件名，如 {path / 'ledger.db'}"
        )
    if not stat.S_ISREG(st.st_mode):
        raise LedgerError(f"{path} 不是普通文件（设备或管道），不能作为台账数据库；请检查 --db / DJGJ_DB")
    if st.st_size == 0:
        return
    try:
        with open(path, "rb") as f:
            magic = f.read(16)
    except OSError as exc:
        raise LedgerError(f"无法读取台账数据库 {path}（{exc.strerror}）；请检查文件权限") from None
    if magic != SQLITE_MAGIC:
        raise LedgerError(
            f"{path} 不是 djgj 台账数据库（也不是 SQLite 文件），已拒绝打开；请检查 --db / DJGJ_DB"
        )
    refuse_foreign_sqlite(path)


def known_revisions() -> set[str]:
    """The schema revisions this djgj knows (shipped migrations), read from their files."""
    found = set()
    versions = resources.files("djgj").joinpath("ledger/migrations/versions")
    for part in versions.iterdir():
        if part.name.endswith(".py"):
            m = re.search(
                r'^revision\s*(?::\s*str\s*)?=\s*["\']([^"\']+)', part.read_text(encoding="utf-8"), re.M
            )
            if m:
                found.add(m.group(1))
    return found


def sqlite_facts(path: Path) -> tuple[set[str], str | None]:
    """The tables of an SQLite file and its djgj schema revision, read without writing anything."""
    con = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        rev = None
        if "alembic_version" in tables:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
            rev = row[0] if row else None
        return tables, rev
    finally:
        con.close()


def refuse_foreign_sqlite(path: Path, *, verb: str = "使用") -> None:
    """An SQLite file with tables but no djgj schema, or with a schema newer than this djgj, is refused."""
    try:
        tables, rev = sqlite_facts(path)
    except sqlite3.Error:
        return  # unreadable here (WAL in a read-only folder, corruption): the open itself will say so
    if not tables:
        return
    if "alembic_version" not in tables or not {"units", "import_batches"} <= tables:
        raise LedgerError(
            f"{path} 是 SQLite 数据库，但不是 djgj 台账（含有 {len(tables)} 个其他程序的表），"
            f"已拒绝{verb}且未做任何改动；请用 --db 指定台账文件，或换一个新文件名"
        )
    if rev is not None and rev != HEAD and rev not in known_revisions():
        raise LedgerError(
            f"{path} 由更新版本的 djgj 创建（数据库结构版本 {rev}），当前版本无法{verb}；请升级 djgj"
        )


def _create_private(path: Path) -> None:
    """A new ledger file readable by its owner only: it will hold personal information."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


def open_engine(db: str | None = None, *, write: bool = True, migrate: bool = True) -> Engine:
    """An engine on the ledger, its schema at the head. Raises `LedgerError` on a foreign file."""
    url = resolve_url(db)
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_file(path)
        if not path.exists():
            if not write:
                raise LedgerError(f"台账数据库 {path} 还不存在；请先用 djgj import 导入数据")
            try:
                _create_private(path)
            except OSError as exc:
                raise LedgerError(
                    f"无法创建台账数据库 {path}（{exc.strerror}）；请换一个可写的位置"
                ) from None
        elif write and not os.access(path, os.W_OK):
            raise LedgerError(
                f"台账数据库 {path} 是只读的，不能写入；只读命令（report、gaps、check）仍可使用"
            )
        elif write and not _folder_writable(path):
            raise LedgerError(
                f"台账数据库所在的文件夹 {path.parent} 不可写（SQLite 写入时要在台账旁建立日志文件），不能写入；"
                "请把台账移到可写的文件夹；只读命令（report、gaps、check、members list）仍可使用"
            )
        elif not write and not _folder_writable(path):
            url = read_only_url(path)
    try:
        engine = create_engine(url)
    except Exception as exc:  # an unknown dialect, a missing driver or a bad URL; never the password
        shown = display_url(url)
        why = str(exc).replace(url, shown)
        raise LedgerError(f"无法连接台账数据库 {shown}：{why}") from None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, write=write)
    if migrate:
        # A reading command upgrades a ledger it could write (a new djgj on an older ledger should
        # not refuse to report); a ledger it cannot write is refused with the reason.
        writable = path is None or (os.access(path, os.W_OK) and _folder_writable(path))
        ensure_schema(engine, read_only=not (write or writable))
    return engine


def _folder_writable(path: Path) -> bool:
    """Whether SQLite can create its -wal/-shm files beside the ledger (reads need them in WAL mode)."""
    return os.access(path.parent, os.W_OK | os.X_OK)


def read_only_url(path: Path) -> str:
    """A URL that reads the ledger without creating anything beside it: read-only when a -wal file
    exists (its shared memory must then be readable), immutable when the ledger was closed cleanly
    (no -wal: everything is in the main file, and nobody can write it in this folder)."""
    uri = path.absolute().as_uri()
    wal = Path(str(path) + "-wal")
    mode = "mode=ro" if wal.exists() and wal.stat().st_size > 0 else "immutable=1"
    return f"sqlite:///{uri}?{mode}&uri=true"


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except OperationalError as exc:
        if "no such table" in str(exc) or "does not exist" in str(exc) or "UndefinedTable" in str(exc):
            return None
        raise translate(exc) from None
    except DatabaseError as exc:
        if "does not exist" in str(exc) or "UndefinedTable" in str(exc):
            return None
        raise translate(exc) from None


def ensure_schema(engine: Engine, *, read_only: bool = False) -> None:
    rev = current_revision(engine)
    if rev == HEAD:
        return
    if rev is not None and rev not in known_revisions():  # any backend: never migrate what we do not know
        shown = engine.url.render_as_string(hide_password=True)
        raise LedgerError(
            f"台账数据库 {shown} 由更新版本的 djgj 创建（数据库结构版本 {rev}），当前版本无法使用；请升级 djgj"
        )
    if read_only:
        raise LedgerError(
            "台账数据库的结构需要升级，但当前以只读方式打开；请先运行一次写入命令（如 djgj import）"
        )
    upgrade(engine, rev)


def alembic_config(engine: Engine | None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("djgj").joinpath("ledger/migrations")))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, from_rev: str | None, target: str = "head") -> Path | None:
    """Migrate to ``target`` in one transaction; back up an existing SQLite ledger first."""
    backup = None
    path = sqlite_path(str(engine.url))
    if from_rev is not None and path is not None:
        backup = unique_path(path.parent, f"{path.name}.before-{target}", ".bak")
        backup_sqlite(path, backup)
    _migrate(engine, "upgrade", target, backup)
    return backup


def downgrade(engine: Engine, target: str) -> None:
    """Migrate down to ``target`` (for developers and the migration tests), as carefully as upgrade."""
    _migrate(engine, "downgrade", target, None)


def _migrate(engine: Engine, action: str, target: str, backup: Path | None) -> None:
    """Run Alembic in one transaction; on SQLite with foreign keys off (a batch rebuild of a parent
    table would otherwise cascade deletes into its children) and a foreign-key check before commit."""
    from alembic import command

    cfg = alembic_config(engine)
    try:
        with engine.connect() as conn:
            sqlite = engine.dialect.name == "sqlite"
            raw = conn.connection.driver_connection
            if sqlite:
                raw.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            try:
                with conn.begin():
                    cfg.attributes["connection"] = conn
                    getattr(command, action)(cfg, target)
                    if sqlite:
                        bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if bad:
                            raise LedgerError(f"迁移后外键检查失败（{len(bad)} 处），已回滚；备份在 {backup}")
            finally:
                if sqlite:
                    raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    except LedgerError:
        raise
    except Exception as exc:
        where = f"；迁移前的备份在 {backup}" if backup else ""
        raise LedgerError(f"台账数据库结构升级失败，已回滚、未做任何改动：{exc}{where}") from None


def unique_path(folder: Path, stem: str, suffix: str) -> Path:
    """A new, owner-only (0600) empty file named ``stem-YYYYmmdd-HHMMSS[-N]suffix``: never an
    existing file, even for two copies made in the same second."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(1, 10_000):
        candidate = folder / f"{stem}-{stamp}{'' if n == 1 else f'-{n}'}{suffix}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            continue
        except OSError as exc:
            raise LedgerError(f"无法在 {folder} 中建立备份：{_io_reason(exc)}；台账本身未改动") from None
        os.close(fd)
        return candidate
    raise LedgerError(f"{folder} 中同名备份过多，无法另起文件名；请清理旧备份")


def backup_sqlite(src: Path, dest: Path) -> None:
    """A consistent copy of a live SQLite ledger through the backup API, readable by its owner only
    from the first byte: it is written to a 0600 temporary file beside ``dest`` (with SQLite's own
    journal, also 0600) and renamed into place only when complete, so a killed backup leaves no
    readable partial copy under the backup's name. ``dest`` must not exist or be an empty file."""
    folder = dest.parent
    tmp: Path | None = None
    old_umask = os.umask(0o077)  # the temporary file and any journal SQLite creates beside it
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=folder)
        os.close(fd)
        tmp = Path(name)
        source = sqlite3.connect(f"{src.absolute().as_uri()}?mode=ro", uri=True)
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dest)
        tmp = None
    except (OSError, sqlite3.Error) as exc:
        raise LedgerError(f"无法写入备份 {dest}：{_io_reason(exc)}；台账本身未改动") from None
    finally:
        os.umask(old_umask)
        if tmp is not None:
            for leftover in (tmp, Path(str(tmp) + "-journal")):
                leftover.unlink(missing_ok=True)


def _io_reason(exc: BaseException) -> str:
    msg = str(exc).lower()
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT) or "full" in msg:
        return "磁盘已满，请清理空间或换一个磁盘"
    if code in (errno.EACCES, errno.EPERM, errno.EROFS) or "readonly" in msg or "permission" in msg:
        return "文件夹不可写，请换一个可写的文件夹"
    if code == errno.ENOENT:
        return "文件夹不存在"
    return f"写入失败（{getattr(exc, 'strerror', None) or exc}）"


def translate(exc: Exception) -> LedgerError:
    """A database exception as the user should read it."""
    msg = str(exc)
    if "database is locked" in msg or "database is busy" in msg:
        return BusyError("台账数据库正被另一个 djgj 进程写入，等待超时；请稍后重试")
    if "file is not a database" in msg or "malformed" in msg:
        return LedgerError("台账数据库文件已损坏或不是数据库，已拒绝使用；请从备份恢复（djgj restore）")
    if "unable to open database file" in msg:
        return LedgerError(
            "无法打开台账数据库文件写入（所在文件夹不可写、已满或路径不存在）；只读命令（report、gaps、check）仍可使用"
        )
    if "readonly" in msg or "read-only" in msg:
        return LedgerError("台账数据库是只读的，不能写入")
    if "full" in msg or ("disk" in msg and "I/O" in msg):
        return LedgerError("磁盘已满或写入失败，本次操作已回滚，台账未改变")
    return LedgerError(f"台账数据库错误：{msg.splitlines()[0] if msg else type(exc).__name__}")
