"""A PostgreSQL server of its own, started from the installed binaries (unix socket only, no
network, fsync off): used by the tests' `backend` fixture and by `bench/run.py`.

    server = PgServer()          # initdb + pg_ctl start in a temporary directory
    server.admin("CREATE DATABASE x")
    url = server.url("x")        # a SQLAlchemy URL (psycopg)
    server.stop()
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def _pg_bin() -> Path | None:
    import glob

    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    return Path(dirs[-1]) if dirs else None


class PgServer:
    def __init__(self) -> None:
        import subprocess
        import tempfile

        self.bin = _pg_bin()
        if self.bin is None or not (self.bin / "initdb").exists():
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.dir = Path(tempfile.mkdtemp(prefix="djgj-pg-"))
        self.port = 54000 + os.getpid() % 1000
        self.user = None
        if os.geteuid() == 0:  # initdb refuses to run as root
            import pwd

            self.user = pwd.getpwnam("postgres")
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        data, sock = self.dir / "data", self.dir
        self._run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "djgj",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        opts = f"-k {sock} -p {self.port} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        self._run(
            [
                str(self.bin / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(self.dir / "log"),
                "-o",
                opts,
                "-w",
                "start",
            ]
        )
        self.base = f"postgresql+psycopg://djgj@/{{db}}?host={sock}&port={self.port}"
        self.subprocess = subprocess

    def _run(self, args: list[str]) -> None:
        import subprocess

        def demote() -> None:
            if self.user is not None:
                os.setgid(self.user.pw_gid)
                os.setuid(self.user.pw_uid)

        subprocess.run(args, check=True, capture_output=True, preexec_fn=demote, cwd=self.dir)

    def url(self, db: str) -> str:
        return self.base.format(db=db)

    def admin(self, sql: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(sql))
        engine.dispose()

    def stop(self) -> None:
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)
