"""In-process mode: an httpx transport that answers the SDK's gateway requests by running the engine here.

    transport = InProcessTransport(config)                 # no api_base_url configured
    httpx.Client(transport=transport)                      # the SDK's only seam, as for the gateway

It decodes a request the way the gateway does (route → transaction, node-form body or flat query, the
X-Operator / X-Insuplc-Admdvs headers), calls `BureauEngine.call`, and encodes the outcome in the gateway's
shapes (`answer_shapes`, the module the gateway answers with): §1.3 on success, the error table's status
and `{msgid, outcome}` / `{errors}` data on failure, the 9102 file as bytes.  So everything above the
transport — retries, errors, results — is one code path.
The engine (database, sandbox or bureau) opens on first use; the async side runs it on a worker thread.

Not reproduced: the gateway's §1.4 paging split (a paged answer arrives whole here; `Result.rows()` reads
both), and the gateway's own policies (API keys, RBAC, rate limits), which have no meaning in process.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import anyio.to_thread
import httpx

from medical_insurance_sdk.answer_shapes import error_body, file_name, new_request_id, success_body
from medical_insurance_sdk.exceptions import MedicalInsuranceException, exception_for
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import API_PREFIX, REGISTRY, Registry, Transaction
from medical_insurance_sdk.sdk._config import SDKConfig
from medical_insurance_sdk.sdk._core import PROXY_PREFIX

if TYPE_CHECKING:
    from medical_insurance_sdk.engine.engine import BureauEngine
    from medical_insurance_sdk.engine.flow import CallResult
    from medical_insurance_sdk.engine.settings import InstitutionConfig
    from medical_insurance_sdk.storage.database import Database

APP_DIR = "yibao"  # the SDK's directory under the user's data directory

log = logging.getLogger(__name__)


class InProcessTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The gateway's contract, served by an engine in this process."""

    def __init__(
        self,
        config: SDKConfig,
        *,
        registry: Registry = REGISTRY,
        bureau_transport: httpx.BaseTransport | None = None,
    ) -> None:
        """`bureau_transport` (tests: a fake bureau) replaces the embedded sandbox or the bureau's network."""
        from medical_insurance_sdk.engine.bootstrap import institution_config

        self.config = config
        self.registry = registry
        self.bureau_transport = bureau_transport
        self.settings = bootstrap_settings(config)
        self.institution: InstitutionConfig = institution_config(self.settings)
        self._engine: BureauEngine | None = None
        self._lock = threading.Lock()

    @property
    def institution_code(self) -> str:
        return self.institution.code

    def engine(self) -> BureauEngine:
        with self._lock:
            if self._engine is None:
                from medical_insurance_sdk.engine.bootstrap import open_engine

                database = None if self.config.in_process.database_url else default_database()
                self._engine, _ = open_engine(
                    self.settings, database=database, transport=self.bureau_transport
                )
            return self._engine

    # ------------------------------------------------------------------------------------------ httpx
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request_id = request.headers.get("x-request-id") or new_request_id()
        tx: Transaction | None = None
        try:
            infno, tx = self._transaction(request)
            input_ = self._input(tx, request)
            code = request.headers.get("x-institution-code")
            if code and code != self.institution.code:
                raise exception_for(10007, f"机构信息无效: 本进程只代表 {self.institution.code}")
            result = self.engine().call(
                infno,
                input_,
                institution=self.institution,
                operator=_header(request, "x-operator"),
                operator_name=_header(request, "x-operator-name"),
                insuplc_admdvs=_header(request, "x-insuplc-admdvs"),
                request_id=request_id,
                idempotency_key=request.headers.get("idempotency-key"),
            )
        except MedicalInsuranceException as exc:
            return error_response(exc, request_id, tx)
        except Exception as exc:  # as the gateway: no internals in the answer, the traceback in the log
            log.error("in-process call failed", exc_info=exc)
            return error_response(exception_for(60010, "服务进程异常: 进程内调用失败"), request_id, tx)
        return success_response(tx, result, request_id)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # the engine is synchronous (ledger, sandbox portal): keep the event loop free
        return await anyio.to_thread.run_sync(self.handle_request, request)

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None

    async def aclose(self) -> None:
        await anyio.to_thread.run_sync(self.close)

    # ---------------------------------------------------------------------------------------- decoding
    def _transaction(self, request: httpx.Request) -> tuple[str, Transaction]:
        """(the code to send, the transaction) a request names: by its route, or on the proxy route
        (`/api/medical-insurance/<name>`, where the SDK sends a province variant code) by its name, as
        the institution's profile resolves it."""
        path = request.url.path
        if API_PREFIX not in path and PROXY_PREFIX in path:
            return self.institution.profile.resolve(unquote(path.split(PROXY_PREFIX, 1)[1]), self.registry)
        relative = path.split(API_PREFIX, 1)[1] if API_PREFIX in path else path.lstrip("/")
        try:
            tx = self.registry.by_route(request.method, relative)
        except KeyError:
            raise exception_for(20001, f"不支持的接口类型: {request.method} {path}") from None
        return tx.infno, tx

    @staticmethod
    def _input(tx: Transaction, request: httpx.Request) -> dict[str, Any]:
        if request.method == "GET":
            flat = dict(request.url.params.multi_items())
            return {tx.request_nodes[0].name: flat} if len(tx.request_nodes) == 1 else flat
        try:
            body = jsoncodec.loads(request.content) if request.content.strip() else {}
        except ValueError:
            raise exception_for(10002, "请求参数格式错误: 请求体不是有效的 JSON") from None
        if not isinstance(body, dict):
            raise exception_for(10002, "请求参数格式错误: 请求体应为 JSON 对象")
        return body


def user_data_dir() -> Path:
    """The user's own data directory for the SDK: %LOCALAPPDATA%\\yibao on Windows, ~/Library/Application
    Support/yibao on macOS, $XDG_DATA_HOME/yibao (~/.local/share/yibao) elsewhere."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base).expanduser() / APP_DIR


def in_process_data_dir() -> Path:
    """Where in-process mode keeps its ledger, sandbox and development data key when no database is
    configured: $MEDICAL_INSURANCE_DATA_DIR (shared with `yibao` and the gateway), else `user_data_dir()`
    — never the working directory of the script."""
    from medical_insurance_sdk.storage.database import DATA_DIR_ENV

    given = os.environ.get(DATA_DIR_ENV)
    return (Path(given) if given else user_data_dir()).expanduser().resolve()


def default_database() -> Database:
    """The in-process ledger without configuration: the SQLite file of `in_process_data_dir()`, sealed with
    the configured data keys or that directory's development key; migrated."""
    from medical_insurance_sdk.storage.database import DATABASE_FILE, Database, data_dir_key_ring

    data_dir = in_process_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    database = Database(data_dir / DATABASE_FILE, key_ring=data_dir_key_ring(data_dir))
    database.migrate()
    return database


def bootstrap_settings(config: SDKConfig) -> Any:
    """The engine bootstrap's settings from the SDK's (the SDK's config is the only source here)."""
    from medical_insurance_sdk.engine.bootstrap import BootstrapSettings
    from medical_insurance_sdk.engine.sm_request import SM_SETTINGS

    bureau = config.bureau
    credentials = {"access_key": bureau.ak, "secret_key": bureau.sk} if bureau.ak and bureau.sk else {}
    local = config.in_process
    return BootstrapSettings(
        database_url=local.database_url,
        bureau_url=bureau.api_url,
        profile=local.profile,
        credentials=MappingProxyType(credentials),
        institution_code=config.institution_code,
        institution_name=local.institution_name,
        admdvs=local.admdvs,
        operator=local.operator,
        operator_name=local.operator_name,
        timeout_s=bureau.timeout if bureau.api_url else None,
        # the SM4/SM2 channel: `medical_bureau` names its four settings as the bootstrap does
        **{name: getattr(bureau, name) for name in SM_SETTINGS},
    )


# -------------------------------------------------------------------------------------------- encoding


def _header(request: httpx.Request, name: str) -> str | None:
    value = request.headers.get(name)
    return unquote(value) if value else None


def _json(
    body: Mapping[str, Any], status: int = 200, headers: Mapping[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(
        status,
        content=jsoncodec.dumps(body),
        headers={"content-type": "application/json", **(headers or {})},
    )


def success_response(tx: Transaction, result: CallResult, request_id: str) -> httpx.Response:
    if result.file is not None:
        headers = {
            "content-type": "application/octet-stream",
            "content-disposition": f"attachment; filename*=UTF-8''{quote(file_name(tx, result))}",
            "x-msgid": result.msgid,
            "x-request-id": request_id,
        }
        return httpx.Response(200, content=result.file.content, headers=headers)
    return _json(success_body(tx, result, request_id))


def error_response(exc: MedicalInsuranceException, request_id: str, tx: Transaction | None) -> httpx.Response:
    headers = {"retry-after": str(int(exc.retry_after))} if exc.retry_after is not None else {}
    return _json(error_body(exc, request_id, tx), exc.http_status, headers)
