"""Personal data at rest (spec §7.3.1): AES-256-GCM under a key ring, and keyed blind indexes.

    ring = KeyRing.generate()                      # or load_key_ring(data_dir, environment=…)
    sealed = ring.seal_json({"certno": "…"}, purpose="ledger_entry.request")
    ring.open_json(sealed, purpose="ledger_entry.request") == {"certno": "…"}
    ring.blind_index("430302199001010017")       # HMAC-SHA256: equality lookups without the plaintext

A sealed value is a small JSON object, so it fits the JSON columns the tables already have:
`{"enc": "A256GCM", "kid": "k2026…", "ct": "<base64 nonce‖ciphertext‖tag>"}`.  `kid` names the key that
sealed it, so after a rotation the old keys stay readable while the primary key seals everything new, and
`yibao data-key rotate` re-seals old rows in batches.  The column's name is the additional authenticated
data: a ciphertext copied into another column does not open.

Where the keys come from (never the database):
- `MEDICAL_INSURANCE_DATA_KEYS`: `kid:base64key[,kid:base64key…]`, the first one primary;
- else the JSON file named by `MEDICAL_INSURANCE_DATA_KEY_FILE`:
  `{"primary": kid, "keys": {kid: base64key, …}, "index_key": base64key}`;
- else, in development only, `<data dir>/data-keys.json`, generated on first use (mode 0600).  Production
  refuses to start without a configured key (`KeyRingError`).

The blind-index key is `MEDICAL_INSURANCE_DATA_INDEX_KEY` or the key file's `index_key`; without one it is
derived (HKDF) from the ring's oldest key, so that key must stay in the ring.  It never rotates: an index
computed with another key would no longer find its rows.

How the ring reaches the columns: every `Database` carries one (given by the assembly from the settings, or
loaded from the environment for a bare `Database(url)`) and hangs it on its engine's dialect, which
SQLAlchemy hands to every `EncryptedJSON` / `BlindIndex` bind and result.  So there is no process-wide key
state: two databases in one process may use two rings.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import JSON, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

KEYS_ENV = "MEDICAL_INSURANCE_DATA_KEYS"
KEY_FILE_ENV = "MEDICAL_INSURANCE_DATA_KEY_FILE"
INDEX_KEY_ENV = "MEDICAL_INSURANCE_DATA_INDEX_KEY"
DEV_KEY_FILE = "data-keys.json"
ALGORITHM = "A256GCM"
KEY_BYTES = 32
NONCE_BYTES = 12
_DIALECT_ATTRIBUTE = "yibao_key_ring"


class KeyRingError(RuntimeError):
    """The data keys are missing, malformed, or cannot open a stored value."""


def _b64decode(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyRingError(f"数据密钥格式错误: {what} 不是 Base64") from None
    if len(raw) != KEY_BYTES:
        raise KeyRingError(f"数据密钥格式错误: {what} 应为 32 字节（AES-256），实为 {len(raw)} 字节")
    return raw


def new_key_id(now: datetime | None = None) -> str:
    """A key id that sorts by creation: k20261207T172300-1a2b."""
    moment = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    return f"k{moment}-{secrets.token_hex(2)}"


@dataclass(frozen=True)
class KeyRing:
    """Named AES-256 keys, one of them primary (seals new values), and the blind-index key."""

    keys: Mapping[str, bytes]
    primary: str
    index_key: bytes = field(repr=False)
    source: str = "memory"

    def __post_init__(self) -> None:
        if self.primary not in self.keys:
            raise KeyRingError(f"数据密钥配置错误: 主密钥 {self.primary} 不在密钥环中")
        for kid, key in self.keys.items():
            if len(key) != KEY_BYTES:
                raise KeyRingError(f"数据密钥配置错误: {kid} 应为 32 字节（AES-256）")

    def __repr__(self) -> str:  # never the key bytes
        return f"KeyRing(primary={self.primary!r}, keys={sorted(self.keys)!r}, source={self.source!r})"

    # ---------------------------------------------------------------------------------- building
    @classmethod
    def generate(cls, kid: str | None = None) -> KeyRing:
        kid = kid or new_key_id()
        return cls({kid: AESGCM.generate_key(bit_length=256)}, kid, secrets.token_bytes(KEY_BYTES))

    @classmethod
    def from_document(cls, document: Mapping[str, Any], *, source: str = "file") -> KeyRing:
        """From the key file's JSON: {"primary": kid, "keys": {kid: base64}, "index_key": base64}."""
        raw_keys = document.get("keys")
        if not isinstance(raw_keys, Mapping) or not raw_keys:
            raise KeyRingError(f"数据密钥文件格式错误: {source} 缺少 keys")
        keys = {str(kid): _b64decode(str(value), f"密钥 {kid}") for kid, value in raw_keys.items()}
        primary = str(document.get("primary") or next(iter(keys)))
        index = document.get("index_key")
        index_key = _b64decode(str(index), "index_key") if index else _derive_index_key(keys)
        return cls(keys, primary, index_key, source)

    def to_document(self) -> dict[str, Any]:
        """The key file's JSON (keys in Base64)."""
        return {
            "primary": self.primary,
            "keys": {kid: base64.b64encode(key).decode() for kid, key in self.keys.items()},
            "index_key": base64.b64encode(self.index_key).decode(),
        }

    def with_new_primary(self, kid: str | None = None) -> KeyRing:
        """The ring with a fresh primary key added; every old key stays (to open what it sealed)."""
        kid = kid or new_key_id()
        if kid in self.keys:
            raise KeyRingError(f"数据密钥 {kid} 已存在")
        keys = {kid: AESGCM.generate_key(bit_length=256), **self.keys}
        return KeyRing(keys, kid, self.index_key, self.source)

    # ----------------------------------------------------------------------------------- sealing
    def seal(self, plaintext: bytes, *, purpose: str) -> dict[str, str]:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.primary]).encrypt(nonce, plaintext, purpose.encode())
        return {"enc": ALGORITHM, "kid": self.primary, "ct": base64.b64encode(nonce + sealed).decode()}

    def open(self, sealed: Mapping[str, Any], *, purpose: str) -> bytes:
        kid = str(sealed.get("kid"))
        key = self.keys.get(kid)
        if key is None:
            raise KeyRingError(
                f"无法解密 {purpose}: 数据密钥 {kid} 不在密钥环中"
                f"（轮换后旧密钥须保留在 {KEYS_ENV} 或密钥文件中）"
            )
        blob = base64.b64decode(str(sealed.get("ct", "")))
        try:
            return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], purpose.encode())
        except InvalidTag:
            raise KeyRingError(f"无法解密 {purpose}: 密文校验失败（数据被篡改或密钥不符）") from None

    def seal_json(self, value: Any, *, purpose: str) -> dict[str, str]:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
        return self.seal(text.encode(), purpose=purpose)

    def open_json(self, sealed: Mapping[str, Any], *, purpose: str) -> Any:
        return json.loads(self.open(sealed, purpose=purpose))

    def blind_index(self, value: str | int) -> str:
        """HMAC-SHA256 of the normalised value (trimmed, upper case: a trailing x of an ID number)."""
        normal = str(value).strip().upper().encode()
        return hmac.new(self.index_key, normal, hashlib.sha256).hexdigest()


def is_sealed(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get("enc") == ALGORITHM and "kid" in value and "ct" in value


def _derive_index_key(keys: Mapping[str, bytes]) -> bytes:
    oldest = min(keys)  # key ids sort by creation
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"yibao blind index")
    return hkdf.derive(keys[oldest])


def _parse_env_keys(text: str) -> KeyRing:
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        kid, sep, value = item.partition(":")
        if not sep or not kid.strip():
            raise KeyRingError(f"数据密钥格式错误: {KEYS_ENV} 应为 kid:base64[,kid:base64…]")
        keys[kid.strip()] = _b64decode(value, f"密钥 {kid.strip()}")
    if not keys:
        raise KeyRingError(f"数据密钥格式错误: {KEYS_ENV} 为空")
    primary = next(iter(keys))
    return KeyRing(keys, primary, _derive_index_key(keys), source=KEYS_ENV)


def read_key_file(path: Path) -> KeyRing:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeyRingError(f"数据密钥文件不存在: {path}") from None
    except (OSError, ValueError) as exc:
        raise KeyRingError(f"数据密钥文件无法读取: {path}: {exc}") from None
    if not isinstance(document, Mapping):
        raise KeyRingError(f"数据密钥文件格式错误: {path}")
    return KeyRing.from_document(document, source=str(path))


def write_key_file(path: Path, ring: KeyRing) -> None:
    """Write the ring atomically, readable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(ring.to_document(), handle, indent=2)
    os.replace(temp, path)


def _dev_key_file(path: Path) -> KeyRing:
    """The development ring in the data dir, generated once (of racing processes, the first one wins)."""
    if path.exists():
        return read_key_file(path)
    ring = KeyRing.generate()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_key_file(path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(ring.to_document(), handle, indent=2)
    return KeyRing.from_document(ring.to_document(), source=str(path))


def configured(environ: Mapping[str, str] | None = None) -> bool:
    """Whether keys are configured (variable or key file), rather than left to the development default."""
    env = os.environ if environ is None else environ
    return bool(env.get(KEYS_ENV, "").strip() or env.get(KEY_FILE_ENV, "").strip())


def load_key_ring(
    data_dir: Path | str,
    *,
    environment: str = "development",
    environ: Mapping[str, str] | None = None,
    key_file: Path | str | None = None,
) -> KeyRing:
    """The configured ring: MEDICAL_INSURANCE_DATA_KEYS, else the key file, else (development only) the
    generated `<data dir>/data-keys.json`; KeyRingError with a Chinese message otherwise."""
    env = os.environ if environ is None else environ
    explicit = env.get(KEYS_ENV, "").strip()
    named = key_file or env.get(KEY_FILE_ENV, "").strip() or None
    if explicit:
        ring = _parse_env_keys(explicit)
    elif named:
        ring = read_key_file(Path(named).expanduser())
    elif environment == "production":
        raise KeyRingError(
            f"生产环境必须配置数据加密密钥（规范 §7.3.1）: 设置 {KEYS_ENV}（kid:base64密钥）"
            f"或 {KEY_FILE_ENV}（密钥文件路径）；可用 `yibao data-key generate` 生成"
        )
    else:
        ring = _dev_key_file(Path(data_dir).expanduser().resolve() / DEV_KEY_FILE)
    index = env.get(INDEX_KEY_ENV, "").strip()
    if index:
        ring = KeyRing(ring.keys, ring.primary, _b64decode(index, INDEX_KEY_ENV), ring.source)
    return ring


# --------------------------------------------------------------------------------------------- files
# A sealed file: the magic line, a JSON header line ({"kid": …}), then chunks of nonce ‖ ciphertext ‖ tag,
# each sealed with its index and whether it is the last one as associated data: chunks cannot be
# reordered, dropped or cut off unnoticed, and a file of any size is sealed and opened in constant memory.
FILE_MAGIC = b"YBENC1\n"
FILE_CHUNK = 1024 * 1024
_SEALED_CHUNK = FILE_CHUNK + NONCE_BYTES + 16


def _chunk_aad(purpose: str, index: int, last: bool) -> bytes:
    return f"{purpose}|{index}|{int(last)}".encode()


def seal_file(ring: KeyRing, source: Path, target: Path, *, purpose: str) -> None:
    """Write `source` sealed to `target` (created 0600, replaced atomically)."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.sealing")
    aead = AESGCM(ring.keys[ring.primary])
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            out.write(FILE_MAGIC + json.dumps({"kid": ring.primary}).encode() + b"\n")
            chunk, index = src.read(FILE_CHUNK), 0
            while True:
                following = src.read(FILE_CHUNK)
                last = not following
                nonce = secrets.token_bytes(NONCE_BYTES)
                out.write(nonce + aead.encrypt(nonce, chunk, _chunk_aad(purpose, index, last)))
                if last:
                    break
                chunk, index = following, index + 1
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def is_sealed_file(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(FILE_MAGIC)) == FILE_MAGIC


def open_file(ring: KeyRing, path: Path, *, purpose: str) -> Iterator[bytes]:
    """The plaintext of a sealed file, chunk by chunk (a file stored before sealing: as it is)."""
    with path.open("rb") as handle:
        if handle.read(len(FILE_MAGIC)) != FILE_MAGIC:
            handle.seek(0)
            while chunk := handle.read(FILE_CHUNK):
                yield chunk
            return
        header = json.loads(handle.readline())
        kid = str(header.get("kid"))
        key = ring.keys.get(kid)
        if key is None:
            raise KeyRingError(f"无法解密文件 {path.name}: 数据密钥 {kid} 不在密钥环中")
        aead = AESGCM(key)
        sealed, index = handle.read(_SEALED_CHUNK), 0
        while True:
            following = handle.read(_SEALED_CHUNK)
            last = not following
            try:
                yield aead.decrypt(
                    sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _chunk_aad(purpose, index, last)
                )
            except InvalidTag:
                raise KeyRingError(f"无法解密文件 {path.name}: 密文校验失败（被篡改或截断）") from None
            if last:
                return
            sealed, index = following, index + 1


# ------------------------------------------------------------------------------------------- columns


def attach_key_ring(dialect: Dialect, ring: KeyRing) -> None:
    """Give an engine's columns their ring (Database does this for its engine)."""
    setattr(dialect, _DIALECT_ATTRIBUTE, ring)


def key_ring_of(dialect: Dialect) -> KeyRing:
    ring = getattr(dialect, _DIALECT_ATTRIBUTE, None)
    if ring is None:
        raise KeyRingError("数据库未配置数据密钥: 加密列只能经由 Database(url, key_ring=…) 读写")
    return ring


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON column whose values are sealed with AES-256-GCM; reads and writes stay plain Python values.

    `purpose` ("ledger_entry.request") is bound into each ciphertext.  A row written before encryption
    existed reads as it was, until `yibao data-key rotate` seals it.
    """

    impl = JSON
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return key_ring_of(dialect).seal_json(value, purpose=self.purpose)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if is_sealed(value):
            return key_ring_of(dialect).open_json(value, purpose=self.purpose)
        return value


class BlindIndex(TypeDecorator[str]):
    """A column holding the keyed HMAC of a value: assign (or compare with) the plain value, the database
    only ever sees its index, so `Model.cert_index == "430302…"` finds the rows without the plaintext."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or value == "":
            return None
        text = str(value)
        if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
            return text  # an index already (read back and written again)
        return key_ring_of(dialect).blind_index(text)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return value


def file_key_id(path: Path) -> str | None:
    """The key id a sealed file names in its header; None for a file stored before sealing."""
    with path.open("rb") as handle:
        if handle.read(len(FILE_MAGIC)) != FILE_MAGIC:
            return None
        return str(json.loads(handle.readline()).get("kid"))


def reseal_file(ring: KeyRing, path: Path, *, purpose: str) -> bool:
    """Seal a stored file again under the primary key (atomically); False when it already is."""
    if file_key_id(path) == ring.primary:
        return False
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.plain")
    try:
        with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            for chunk in open_file(ring, path, purpose=purpose):
                out.write(chunk)
        seal_file(ring, temp, path, purpose=purpose)
    finally:
        temp.unlink(missing_ok=True)
    return True
