"""Exceptions: one tree, every node tied to the error table of spec §5.2.

    MedicalInsuranceException                 code, message, retry, retry_after, http_status,
    │                                         infno, msgid, trace_id, details
    ├── RequestError                          10001 10002 10003 10006 20010 (malformed request)
    ├── AuthenticationError                   10007 10008 20008 20009
    ├── PermissionDeniedError                 10009
    ├── RateLimitError                        10004
    ├── ServiceUnavailableError               10005 10010
    ├── InterfaceError                        2xxxx; 20003 itself: no usable bureau answer
    │   ├── UnsupportedInterfaceError         20001 20002
    │   ├── BureauError                       20006 (the bureau answered infcode != 0: -1, system level)
    │   │   └── BureauRefusalError            5000x (infcode -2: the bureau refused for a business reason;
    │   │                                     also a BusinessError)
    │   ├── ResponseFormatError               20004
    │   ├── BureauTimeoutError                20005
    │   └── DuplicateMessageError             20007
    ├── DataValidationError                   3xxxx; .errors lists every FieldError of one message
    ├── FileError                             4xxxx
    ├── BusinessError                         5xxxx (BureauRefusalError when the bureau said it)
    ├── SystemError_                          6xxxx
    └── OutcomeUnknownError                   a write/money call whose outcome is not known yet;
                                              carries msgid and outcome ("unknown" | "reversed")

`exception_for(code, ...)` builds the right class for a code; it is the one place that maps codes to classes.
Retry hints come from the table, so `except MedicalInsuranceException as e: if e.retry: sleep(e.retry_after)`
works for every error (spec §11.3.1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from medical_insurance_sdk.protocol.errors import error


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field: `30002 - 必填字段缺失: mdtrtinfo.mdtrt_id`."""

    code: int
    path: str
    detail: str = ""

    @property
    def message(self) -> str:
        text = f"{self.code} - {error(self.code).message}: {self.path}"
        return f"{text} ({self.detail})" if self.detail else text

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.path, "message": self.message}


class MedicalInsuranceException(Exception):
    """Base of every error raised by this package."""

    default_code: ClassVar[int] = 20003

    def __init__(
        self,
        message: str | None = None,
        *,
        code: int | None = None,
        infno: str | None = None,
        msgid: str | None = None,
        trace_id: str | None = None,
        http_status: int | None = None,
        retry: bool | None = None,
        retry_after: float | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self.code = code if code is not None else self.default_code
        row = error(self.code)
        self.message = message or row.message
        self.retry = row.retry if retry is None else retry
        self.retry_after = row.retry_after if retry_after is None else retry_after
        self.max_retry = row.max_retry
        self.http_status = http_status or row.http_status
        self.infno = infno
        self.msgid = msgid
        self.trace_id = trace_id
        self.details = dict(details or {})
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f"【{self.infno}】" if self.infno else ""
        return f"{where}{self.code} - {self.message}"

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "retry": self.retry}
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        for key in ("infno", "msgid", "trace_id"):
            if getattr(self, key):
                body[key] = getattr(self, key)
        body.update(self.details)
        return body


class RequestError(MedicalInsuranceException):
    default_code = 10002


class AuthenticationError(MedicalInsuranceException):
    default_code = 10007


class PermissionDeniedError(MedicalInsuranceException):
    default_code = 10009


class RateLimitError(MedicalInsuranceException):
    default_code = 10004


class ServiceUnavailableError(MedicalInsuranceException):
    default_code = 10005


class InterfaceError(MedicalInsuranceException):
    default_code = 20003


class UnsupportedInterfaceError(InterfaceError):
    default_code = 20001


class BureauError(InterfaceError):
    """The bureau answered and said no.  `infcode` keeps -1 (system level) and -2 (business) apart."""

    default_code = 20006

    def __init__(self, message: str | None = None, *, infcode: int | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.infcode = infcode


class ResponseFormatError(InterfaceError):
    default_code = 20004


class BureauTimeoutError(InterfaceError):
    default_code = 20005


class DuplicateMessageError(InterfaceError):
    default_code = 20007


class DataValidationError(MedicalInsuranceException):
    """All field problems of one message, reported together."""

    default_code = 30010

    def __init__(self, errors: Iterable[FieldError] = (), *, message: str | None = None, **kw: Any) -> None:
        self.errors = tuple(errors)
        codes = {e.code for e in self.errors}
        code = kw.pop("code", None) or (codes.pop() if len(codes) == 1 else self.default_code)
        text = "; ".join(e.message for e in self.errors) or message
        super().__init__(text, code=code, **kw)

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["errors"] = [e.as_dict() for e in self.errors]
        return body


class FileError(MedicalInsuranceException):
    default_code = 40005


class BusinessError(MedicalInsuranceException):
    default_code = 50010


class BureauRefusalError(BureauError, BusinessError):
    """The bureau refused the request for a business reason (infcode -2): nothing took effect.

    Its code is one of 50001–50010 (the err_msg patterns of `protocol.result.MESSAGE_CODES`, else 50010
    业务流程异常), so its HTTP status is the table's 4xx: the client asked for something the business rules
    reject, sending it again gets the same answer.  It stays a BureauError because compensation tells a
    refused 2601 apart by `.infcode == -2` and reads the bureau's words in `.message`.
    """

    default_code = 50010

    def __init__(self, message: str | None = None, *, infcode: int | None = -2, **kw: Any) -> None:
        kw.setdefault("retry", False)
        super().__init__(message, infcode=infcode, **kw)


class SystemError_(MedicalInsuranceException):
    default_code = 60010


class OutcomeUnknownError(MedicalInsuranceException):
    """A write or money call may or may not have taken effect at the bureau.

    Never shown as success.  `msgid` is the message on the wire; `outcome` is "unknown" while compensation
    runs and "reversed" once a 2601 undid it.  Retrying blindly could settle twice: resolve it first.
    """

    default_code = 20005

    def __init__(self, message: str | None = None, *, outcome: str = "unknown", **kw: Any) -> None:
        kw.setdefault("retry", False)
        super().__init__(message, **kw)
        self.outcome = outcome
        self.details.setdefault("outcome", outcome)


_BY_CODE: dict[int, type[MedicalInsuranceException]] = {
    **dict.fromkeys((10001, 10002, 10003, 10006, 20010), RequestError),
    **dict.fromkeys((10007, 10008, 20008, 20009), AuthenticationError),
    10009: PermissionDeniedError,
    10004: RateLimitError,
    **dict.fromkeys((10005, 10010), ServiceUnavailableError),
    **dict.fromkeys((20001, 20002), UnsupportedInterfaceError),
    20003: InterfaceError,
    20006: BureauError,
    20004: ResponseFormatError,
    20005: BureauTimeoutError,
    20007: DuplicateMessageError,
}
_BY_FAMILY: dict[int, type[MedicalInsuranceException]] = {
    3: DataValidationError,
    4: FileError,
    5: BusinessError,
    6: SystemError_,
}


def exception_class(code: int) -> type[MedicalInsuranceException]:
    """The exception class for an error code of the table."""
    error(code)  # unknown codes fail loudly
    return _BY_CODE.get(code) or _BY_FAMILY.get(code // 10000, MedicalInsuranceException)


def exception_for(
    code: int, message: str | None = None, *, infcode: int | None = None, **kw: Any
) -> MedicalInsuranceException:
    """Build the exception for `code` (the single code → class mapping of this package).

    `infcode` is the bureau's answer code when the bureau answered: a business code (5xxxx) the bureau
    gave is a BureauRefusalError (still a BusinessError), and every BureauError keeps it as `.infcode`.
    Other classes have no such attribute; callers keep it in `details` as well.
    """
    cls = exception_class(code)
    if cls is BusinessError and infcode is not None:
        cls = BureauRefusalError
    if cls is DataValidationError:
        return DataValidationError(kw.pop("errors", ()), message=message, code=code, **kw)
    if issubclass(cls, BureauError):
        return cls(message, code=code, infcode=infcode, **kw)
    return cls(message, code=code, **kw)
