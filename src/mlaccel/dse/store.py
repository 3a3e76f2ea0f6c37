"""The results store: one SQLite file, a versioned schema, one row per finished design point.

Each point is written in its own transaction as soon as it finishes (WAL journal), so a sweep
killed at any moment, SIGKILL included, keeps every finished point and no half-written one; a
resumed sweep skips the config hashes it finds. A store from a newer schema, or a file that is not
a store, is refused before anything is written; an older one is migrated in place.

Schema 2 added each point's area breakdown (``area``, mm^2 by component).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..version import __version__
from ..errors import MlaccelError

__all__ = ["Store", "StoreError", "SCHEMA_VERSION", "config_hash", "Point"]

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sweeps (id INTEGER PRIMARY KEY, name TEXT NOT NULL, space_digest TEXT NOT NULL,
    space TEXT NOT NULL, started TEXT NOT NULL DEFAULT (datetime('now')));
CREATE TABLE IF NOT EXISTS points (id INTEGER PRIMARY KEY, sweep INTEGER NOT NULL REFERENCES sweeps(id),
    config_hash TEXT NOT NULL, model_hash TEXT NOT NULL, code_version TEXT NOT NULL, config TEXT NOT NULL,
    metrics TEXT NOT NULL, models TEXT NOT NULL, layers TEXT NOT NULL, feasible INTEGER NOT NULL,
    area TEXT NOT NULL DEFAULT '{}', UNIQUE (sweep, config_hash));
"""


class StoreError(MlaccelError):
    """A store file that cannot be used: corrupt, not a store, or from a newer schema."""


def config_hash(values: dict) -> str:
    """A stable hash of a point's field values."""
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Point:
    """A stored design point."""

    id: int
    sweep: int
    config: dict
    metrics: dict
    models: dict
    layers: dict
    feasible: bool
    config_hash: str
    model_hash: str
    code_version: str
    area: dict


class Store:
    """A results store at ``path``: created if missing (``create``), or opened read-only
    (``create=False``: listing, showing and reporting never write, so a store the user may not write
    reads as well as any).
    """

    def __init__(self, path: str | os.PathLike, create: bool = True):
        self.path = Path(path)
        self.writable = create
        if not create and not self.path.is_file():
            raise StoreError(f"Results store '{self.path}' " + ("is a folder, not a file" if self.path.is_dir()
                                                                else "does not exist"))
        try:
            self.db = self._connect()
            tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.OperationalError as e:
            if "not a database" in str(e) or not create:
                raise StoreError(f"'{self.path}' is not a results store (SQLite says: {e}); it was left as it "
                                 f"is") from None
            raise StoreError(f"Results store '{self.path}' cannot be opened for writing ({e}); give a --store in a "
                             f"folder you may write") from None
        except sqlite3.DatabaseError as e:
            raise StoreError(f"'{self.path}' is not a results store (SQLite says: {e}); it was left as it is") from None
        if tables and "meta" not in tables:
            raise StoreError(f"'{self.path}' is an SQLite file but not a results store (tables: "
                             f"{', '.join(sorted(tables))}); it was left as it is")
        version = SCHEMA_VERSION
        if "meta" in tables:
            row = self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise StoreError(f"'{self.path}' has results schema {version}, newer than this mlaccel's "
                                 f"{SCHEMA_VERSION}; upgrade mlaccel to read it (the file was left as it is)")
        self.version = version
        if not create:
            if not tables:
                raise StoreError(f"'{self.path}' is an empty file, not a results store")
            return
        try:
            with self.db:
                self.db.executescript(_SCHEMA)
                if version < 2:  # schema 1 had no area column
                    self.db.execute("ALTER TABLE points ADD COLUMN area TEXT NOT NULL DEFAULT '{}'")
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.OperationalError as e:
            raise StoreError(f"Results store '{self.path}' cannot be written ({e}); give another --store") from None
        self.version = SCHEMA_VERSION

    def _connect(self) -> sqlite3.Connection:
        if self.writable:
            db = sqlite3.connect(self.path, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            return db
        uri = self.path.resolve().as_uri()
        try:
            db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30)
            db.execute("SELECT name FROM sqlite_master").fetchall()
            return db
        except sqlite3.OperationalError:  # a WAL store in a folder we may not write: read it as it stands
            return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True)

    def close(self) -> None:
        if self.writable:
            try:  # back to a rollback journal, so readers need no write access to the folder
                self.db.execute("PRAGMA journal_mode=DELETE")
            except sqlite3.OperationalError:
                pass  # another process still has it open
        self.db.close()

    def sweep(self, name: str, digest: str, space: dict, resume: bool) -> int:
        """The sweep's id: the latest one with this space digest when resuming, else a new one."""
        if resume:
            row = self.db.execute("SELECT id FROM sweeps WHERE space_digest=? ORDER BY id DESC LIMIT 1",
                                  (digest,)).fetchone()
            if row is None:
                raise StoreError(f"Nothing to resume in '{self.path}': no sweep of this space (digest {digest}); "
                                 f"run it without --resume")
            return int(row[0])
        with self.db:
            cur = self.db.execute("INSERT INTO sweeps (name, space_digest, space) VALUES (?, ?, ?)",
                                  (name, digest, json.dumps(space, default=str)))
        return int(cur.lastrowid)

    def done(self, sweep: int) -> set[str]:
        """Config hashes of the sweep's finished points."""
        return {r[0] for r in self.db.execute("SELECT config_hash FROM points WHERE sweep=?", (sweep,))}

    def add(self, sweep: int, values: dict, result: dict, feasible: bool, model_hash: str) -> None:
        """Store one finished point (its own transaction)."""
        with self.db:
            self.db.execute(
                "INSERT OR IGNORE INTO points (sweep, config_hash, model_hash, code_version, config, metrics, "
                "models, layers, feasible, area) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sweep, config_hash(values), model_hash, __version__, json.dumps(values, default=str),
                 json.dumps(result["metrics"]), json.dumps(result["models"]), json.dumps(result["layers"]),
                 int(feasible), json.dumps(result.get("area", {}))))

    def space(self, sweep: int) -> dict:
        """The space document a sweep was run from."""
        row = self.db.execute("SELECT space FROM sweeps WHERE id=?", (sweep,)).fetchone()
        if row is None:
            raise StoreError(f"'{self.path}' has no sweep {sweep}")
        return json.loads(row[0])

    def sweeps(self) -> list[tuple]:
        """``(id, name, started, points)`` of every sweep."""
        return self.db.execute("SELECT s.id, s.name, s.started, COUNT(p.id) FROM sweeps s LEFT JOIN points p "
                               "ON p.sweep = s.id GROUP BY s.id ORDER BY s.id").fetchall()

    def points(self, sweep: int | None = None) -> list[Point]:
        """The stored points of one sweep (default: the latest)."""
        if sweep is None:
            row = self.db.execute("SELECT MAX(id) FROM sweeps").fetchone()
            if row is None or row[0] is None:
                return []
            sweep = int(row[0])
        area = "area" if self.version >= 2 else "'{}'"
        rows = self.db.execute(f"SELECT id, sweep, config, metrics, models, layers, feasible, config_hash, model_hash, "
                               f"code_version, {area} FROM points WHERE sweep=? ORDER BY id", (sweep,)).fetchall()
        return [Point(r[0], r[1], json.loads(r[2]), json.loads(r[3]), json.loads(r[4]), json.loads(r[5]), bool(r[6]),
                      r[7], r[8], r[9], json.loads(r[10])) for r in rows]
