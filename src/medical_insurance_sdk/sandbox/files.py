"""Files the sandbox bureau hands out by `file_qury_no` (9102): uploads (9101), catalogues (13xx), results.

    stored = files.put_bytes(session, data, filename="detail.zip", fixmedins_code="H43028110001", now=now)
    stored.file_qury_no          # give this to the client; 9102 returns the bytes until dld_end_time

Small files live in the database row; files above `INLINE_LIMIT` bytes, and generated catalogues, live in
the sandbox's file directory and the row keeps the path.  Catalogue files are generated once per content
(they are deterministic) and shared by every download that asks for the same rows.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from medical_insurance_sdk.sandbox.handlers.base import Refusal
from medical_insurance_sdk.sandbox.state import StoredFile

INLINE_LIMIT = 1 << 20
PLATFORM = "plc"  # the fixmedins_code of platform-made files (13xx catalogues), reference §3 9102


@dataclass(frozen=True, slots=True)
class FileBody:
    """A handler's output that is a file, not JSON: 9102 answers it as application/octet-stream."""

    filename: str
    content: bytes | None = None
    path: Path | None = None

    @property
    def size(self) -> int:
        if self.content is not None:
            return len(self.content)
        return self.path.stat().st_size if self.path else 0


class FileStore:
    """Stores and finds sandbox files; the directory is created on first use."""

    def __init__(self, directory: Path, ttl: timedelta) -> None:
        self.directory = directory
        self.ttl = ttl

    def path_for(self, name: str) -> Path:
        """A path inside the file directory (created if needed)."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.directory / name

    @staticmethod
    def new_query_no(now: datetime) -> str:
        # 30 characters: time of issue + random hex, so numbers do not repeat after a reset.
        return f"{now:%Y%m%d%H%M%S}{secrets.token_hex(8)}"

    def put_bytes(
        self, session: Session, content: bytes, *, filename: str, fixmedins_code: str, now: datetime
    ) -> StoredFile:
        """Keep `content` for download; large contents go to disk."""
        query_no = self.new_query_no(now)
        path: Path | None = None
        if len(content) > INLINE_LIMIT:
            path = self.path_for(f"{query_no}.bin")
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
                out.write(content)
        stored = StoredFile(
            file_qury_no=query_no,
            filename=filename,
            fixmedins_code=fixmedins_code,
            created_at=now,
            dld_end_time=now + self.ttl,
            content=None if path else content,
            path=os.fspath(path) if path else None,
        )
        session.add(stored)
        return stored

    def put_path(
        self, session: Session, path: Path, *, filename: str, fixmedins_code: str, now: datetime
    ) -> StoredFile:
        """Offer a file already on disk (e.g. a cached catalogue) under a new file_qury_no."""
        stored = StoredFile(
            file_qury_no=self.new_query_no(now),
            filename=filename,
            fixmedins_code=fixmedins_code,
            created_at=now,
            dld_end_time=now + self.ttl,
            content=None,
            path=os.fspath(path),
        )
        session.add(stored)
        return stored

    @staticmethod
    def find(session: Session, file_qury_no: str, now: datetime) -> StoredFile:
        """The stored file, or a Refusal in the platform's words when it is unknown or expired."""
        stored = session.get(StoredFile, file_qury_no)
        if stored is None:
            raise Refusal(f"文件查询号[{file_qury_no}]不存在")
        if now > stored.dld_end_time:
            raise Refusal(f"文件查询号[{file_qury_no}]已过期，请重新获取")
        return stored

    @staticmethod
    def body(stored: StoredFile) -> FileBody:
        if stored.path is not None:
            path = Path(stored.path)
            if not path.is_file():
                raise Refusal(f"文件[{stored.filename}]已被清理，请重新获取")
            return FileBody(stored.filename, path=path)
        return FileBody(stored.filename, content=stored.content or b"")

    @staticmethod
    def read(stored: StoredFile) -> bytes:
        """The bytes of a stored file (for handlers that parse an uploaded file, e.g. 3202)."""
        body = FileStore.body(stored)
        return body.content if body.content is not None else body.path.read_bytes()  # type: ignore[union-attr]
