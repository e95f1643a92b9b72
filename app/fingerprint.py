"""What identifies the running code and configuration, for the validators of cached answers."""

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path

from sqlalchemy.engine import make_url

from app.settings import Settings

APP_PACKAGE = Path(__file__).parent
# Libraries whose version can change the bytes of an answer (serialization, OpenAPI, SQL JSON).
SHAPING_LIBRARIES = ("fastapi", "starlette", "pydantic", "sqlalchemy", "orjson")


@dataclass(frozen=True)
class Fingerprint:
    """`digest` changes with the code, the shaping libraries and the settings; `code_time` is
    the newest modification time of the code (UTC, whole seconds)."""

    digest: bytes
    code_time: datetime


def deployment_fingerprint(settings: Settings, package: Path = APP_PACKAGE) -> Fingerprint:
    """Fingerprint the code under `package` as it is on disk, the library versions and `settings`.

    The code is hashed rather than a version number trusted, so that any change of the code
    that runs (a deployment that forgot to bump the version, an edited checkout) changes every
    ETag. Every setting counts, not only the few known to shape answers today: at worst a
    restart with new settings revalidates answers that did not change. The database password is
    never part of it.
    """
    digest = hashlib.sha256()
    newest = 0.0
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(source.read_bytes() + b"\0")
        newest = max(newest, source.stat().st_mtime)
    digest.update(_library_versions().encode())
    configured = settings.model_dump(mode="json")
    configured["database_url"] = make_url(settings.database_url).render_as_string(
        hide_password=True
    )
    digest.update(json.dumps(configured, sort_keys=True).encode())
    code_time = datetime.fromtimestamp(int(newest), UTC).replace(tzinfo=None)
    return Fingerprint(digest.digest(), code_time)


@cache
def _library_versions() -> str:
    # Looking versions up costs tens of milliseconds, and they cannot change under a process.
    versions = [f"sqlite={sqlite3.sqlite_version}"]
    for library in SHAPING_LIBRARIES:
        try:
            versions.append(f"{library}={metadata.version(library)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{library}=absent")
    return "\0".join(versions)
