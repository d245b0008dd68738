"""Bureau answers: read them tolerantly (reference §9), classify them, and raise for failures in one place.

`parse_http_answer` turns what came back over HTTP into one of three values:

    BureauResult      a JSON answer from the bureau (or from the gateway in front of it)
    FileAnswer        9102 returned the file itself (reference §2.2)
    TransportAnswer   no bureau answer at all: an HTTP error without a bureau JSON body (nginx 502 page,
                      gateway 504 …); the engine treats a write as outcome-unknown unless it was rejected

`BureauResult.kind` classifies `infcode` (reference §1.2, §5):

    0            "success"
    -2           "business"  the bureau refused the request for a business reason; nothing took effect
    -1, other    "system"    a system-level failure after which the bureau's state is not known: the engine
                             must reconcile writes (query, 2601 冲正) before anything else.  Every other
                             non-zero value, and an answer without a readable infcode, is put here too:
                             when the meaning is unknown, assuming "maybe done" is the side that cannot
                             settle twice or leave a 单边账.

`raise_for_result` is the one function that maps a failed answer onto the exception tree: -1 (system) is
BureauError 20006 / HTTP 502, -2 (business) a BureauRefusalError 5000x / HTTP 4xx.  The err_msg patterns
it knows (duplicate msgid, signature failure, and for -2 the business codes 50001–50009) are the table
`MESSAGE_CODES`.

    answer = parse_http_answer(200, "application/json", body, infno="1101")
    result = raise_for_answer(answer, infno="1101", msgid=msgid)
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from email.message import Message
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import IO, Any, Literal

from medical_insurance_sdk.exceptions import (
    BureauError,
    MedicalInsuranceException,
    ResponseFormatError,
    exception_class,
    exception_for,
)
from medical_insurance_sdk.protocol.jsoncodec import loads

Kind = Literal["success", "system", "business"]


# err_msg text → error code of spec §5.2; the first pattern that matches wins.  The business codes (5xxxx)
# apply to a business refusal (infcode -2) only: a system failure (-1) whose text names a person or a
# settlement is still a failure with an unknown outcome (20006), never a business verdict.  Order matters
# where texts overlap: "已结算，不能重复结算" is 50008 before "已结算" is 50007.
_NOT = r"(不|未|无|非|没有)"
MESSAGE_CODES: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"(报文\s*ID|msgid)\s*(重复|已存在|已使用)|duplicate\s+msgid", re.IGNORECASE), 20007),
    (
        re.compile(
            r"(验签|签名(验证|校验)?)\s*(失败|错误|异常|不通过|未通过|不正确|不一致|无效)"
            r"|(invalid|bad)\s+signature|signature\s+(verification\s+)?(failed|invalid|mismatch)",
            re.IGNORECASE,
        ),
        20008,
    ),
    # 重复结算: the visit or document was settled already and this asks to settle it again
    (re.compile(r"重复结算|已结算[^。；;]{0,12}再次结算"), 50008),
    # 结算已撤销: the settlement was cancelled or reversed before
    (re.compile(r"结算[^，。；;]{0,4}已(被)?(撤销|冲正|回退|退费)|已撤销结算"), 50009),
    # 结算状态错误: the step does not fit the settlement state (settled already, nothing to settle …)
    (re.compile(r"已结算|未结算|无待结算|结算状态|未办理出院[^。；;]{0,10}结算"), 50007),
    # 医保余额不足
    (re.compile(r"余额不足"), 50003),
    # 超出医保限额: ceilings, caps, per-day or per-visit limits
    (
        re.compile(
            r"超(出|过)[^，。；;]{0,12}(限额|限价|限量|封顶|最高支付|起付|支付限)|已达[^，。；;]{0,8}(封顶|限额)"
        ),
        50004,
    ),
    # 药品不在医保目录: an item outside the catalogue, or not mapped to it
    (
        re.compile(
            rf"{_NOT}在[^，。；;]{{0,6}}医保目录|目录[^，。；;]{{0,8}}(不存在|未找到|已失效|无效)"
            rf"|{_NOT}(对照|对码|匹配)|非医保(药品|目录|项目)|医保目录外|自费(药品|项目)"
        ),
        50005,
    ),
    # 诊疗项目不支持: the treatment, item or medical category is not covered for this business
    (
        re.compile(
            rf"(诊疗项目|医疗服务项目|医疗类别|险种类型)[^，。；;]{{0,16}}({_NOT}(能|可|允许|支持)办理"
            rf"|{_NOT}(支持|允许|在[^，。；;]{{0,16}}范围))"
        ),
        50006,
    ),
    # 医保状态异常: insurance suspended, stopped, in arrears, not insured for this insurance type
    (
        re.compile(
            rf"(参保|医保|待遇|人员)状态[^，。；;]{{0,4}}(异常|不正常|无效)|停保|暂停参保|中止参保|终止参保|欠费"
            rf"|{_NOT}(享受|享有)[^，。；;]{{0,4}}待遇|待遇(暂停|中止|终止)|{_NOT}[^，。；;]{{0,4}}参保信息"
        ),
        50002,
    ),
    # 患者信息不存在: the person is unknown to the bureau, or has no basic data
    (
        re.compile(
            r"(人员|参保人|患者|病人)[^，。；;]{0,4}信息[^，。；;]{0,2}(不存在|未找到|查询不到|为空)"
            r"|(人员|参保人|患者|病人)(不存在|未找到)|查无(此|该)?(人|人员|参保人)"
            r"|未查询到[^，。；;]{0,6}(人员|参保人)"
        ),
        50001,
    ),
)

# HTTP status of a non-answer → error code; anything else is 20003 接口调用失败.
STATUS_CODES: MappingProxyType[int, int] = MappingProxyType({408: 20005, 504: 20005, 429: 10004, 503: 10005})

# Statuses with which a gateway refuses a request before forwarding it: the bureau never saw it.
REJECTED_STATUSES = frozenset({400, 401, 403, 404, 405, 411, 413, 414, 415, 429, 431})

# The platform appends "(traceId@ip)" to err_msg (reference §1.2); some gateways use full-width brackets.
_TRACE_SUFFIX = re.compile(r"\s*[(（]\s*([\w\-]+)@([\w.:\-\[\]]+)\s*[)）]\s*$")
_MESSAGE_KEYS = ("err_msg", "errMsg", "message", "msg", "error")
# Words some gateways put into err_msg on success (reference §9); not an error to show anyone.
_SUCCESS_WORDS = frozenset({"success", "succeed", "ok", "成功", "交易成功", "处理成功", "操作成功"})
_INT_TEXT = re.compile(r"[+-]?\d+")
_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:\-]+)", re.IGNORECASE)
_EXCERPT = 500


def kind_of(infcode: int) -> Kind:
    """ "success" (0), "business" (-2, a refusal) or "system" (-1 and every other value)."""
    if infcode == 0:
        return "success"
    return "business" if infcode == -2 else "system"


@dataclass(frozen=True, slots=True)
class BureauResult:
    """One JSON answer, normalised.  `output` and `raw` are the parsed JSON as given (Decimal numbers)."""

    infcode: int
    output: Any = None
    err_msg: str = ""  # without the "(traceId@ip)" suffix; "" when none
    trace_id: str | None = None
    server_ip: str | None = None
    inf_refmsgid: str | None = None
    refmsg_time: str | None = None  # yyyyMMddHHmmssSSS, as given
    respond_time: str | None = None
    warn_msg: str = ""
    from_gateway: bool = False  # no readable infcode: a gateway in front of the bureau answered
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def success(self) -> bool:
        return self.infcode == 0

    @property
    def kind(self) -> Kind:
        return kind_of(self.infcode)


@dataclass(frozen=True, slots=True)
class FileAnswer:
    """The body of a 9102 download: the file's bytes and, if the server named it, its file name.

    A download the caller asked to spool (`engine.runner.spooled_downloads`) is in `spool`, a temporary
    file, and `content` is empty: read it with `open()`, which works for both.
    """

    content: bytes = field(repr=False)
    filename: str | None = None
    content_type: str = ""
    spool: IO[bytes] | None = field(default=None, repr=False, compare=False)

    @property
    def size(self) -> int:
        """The file's length in bytes."""
        if self.spool is None:
            return len(self.content)
        return os.fstat(self.spool.fileno()).st_size

    def open(self) -> IO[bytes]:
        """A binary stream of the file from its start (the spool itself, or the bytes)."""
        if self.spool is None:
            return io.BytesIO(self.content)
        self.spool.seek(0)
        return self.spool


@dataclass(frozen=True, slots=True)
class TransportAnswer:
    """No bureau answer: HTTP `status_code` came back without a bureau JSON body.

    `message` is the text of a JSON error body if there was one; `body_excerpt` is for logs.
    """

    status_code: int
    content_type: str = ""
    message: str = ""
    body_excerpt: str = ""

    @property
    def outcome_unknown(self) -> bool:
        """Whether the request may have reached the bureau (and a write may have taken effect)."""
        return self.status_code not in REJECTED_STATUSES


Answer = BureauResult | FileAnswer | TransportAnswer


def _infcode(value: Any) -> int | None:
    """infcode as an int from 0, "0", -1, "-1", 0.0 …; None when it is absent or not a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return int(value.strip())
    if isinstance(value, str | float | Decimal):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return None
        if number.is_finite() and number == number.to_integral_value():
            return int(number)
    return None


def _text(value: Any) -> str | None:
    """A short text field: stripped, None when absent or empty; numbers become their text."""
    if value is None or isinstance(value, Mapping | list | tuple):
        return None
    text = value.strip() if isinstance(value, str) else str(value)
    return text or None


def _message(raw: Mapping[str, Any]) -> str:
    for key in _MESSAGE_KEYS:
        text = _text(raw.get(key))
        if text:
            return text
    return ""


def split_trace(text: str) -> tuple[str, str | None, str | None]:
    """("就诊凭证编号不能为空", traceId, ip) from "就诊凭证编号不能为空(traceId@ip)"."""
    match = _TRACE_SUFFIX.search(text)
    if match is None:
        return text, None, None
    return text[: match.start()], match[1], match[2]


def parse_result(answer: Mapping[str, Any] | bytes | str) -> BureauResult:
    """Normalise one JSON answer; JSON text that is not an object raises ResponseFormatError (20004)."""
    raw = _parse_json(answer) if isinstance(answer, bytes | str) else answer
    if not isinstance(raw, Mapping):
        raise ResponseFormatError("医保局应答不是 JSON 对象", code=20004)
    infcode = _infcode(raw.get("infcode"))
    err_msg, trace_id, server_ip = split_trace(_message(raw))
    if infcode == 0 and err_msg.lower() in _SUCCESS_WORDS:
        err_msg = ""
    return BureauResult(
        infcode=-1 if infcode is None else infcode,
        output=raw.get("output"),
        err_msg=err_msg,
        trace_id=trace_id,
        server_ip=server_ip,
        inf_refmsgid=_text(raw.get("inf_refmsgid")),
        refmsg_time=_text(raw.get("refmsg_time")),
        respond_time=_text(raw.get("respond_time")),
        warn_msg=_text(raw.get("warn_msg")) or "",
        from_gateway=infcode is None,
        raw=raw,
    )


def _parse_json(body: bytes | str, charset: str = "utf-8", infno: str | None = None) -> Any:
    try:
        return loads(body, encoding=charset)
    except (ValueError, LookupError) as exc:
        # Only the reason and size go into details: a truncated answer may carry personal data.
        raise ResponseFormatError(
            "医保局应答无法解析为 JSON",
            code=20004,
            infno=infno,
            details={"reason": str(exc), "body_length": len(body)},
        ) from exc


def _excerpt(body: bytes) -> str:
    return body[: _EXCERPT * 4].decode("utf-8", "replace")[:_EXCERPT]


def code_for_message(text: str, *, business: bool = False) -> int | None:
    """The error code an err_msg pattern of `MESSAGE_CODES` assigns to `text`, if any.

    `business`: the text is a business refusal (infcode -2), so the business codes (5xxxx) may apply.
    """
    for pattern, code in MESSAGE_CODES:
        if (business or code // 10000 != 5) and pattern.search(text):
            return code
    return None


def raise_for_result(result: BureauResult, *, infno: str, msgid: str) -> BureauResult:
    """Return a successful result; raise the matching exception for any other.

    A system failure (-1, or any other non-zero code) is BureauError 20006, HTTP 502: the bureau could not
    do it and the outcome of a write is not known.  A business refusal (-2) is BureauRefusalError with the
    5000x code its err_msg pattern names, else 50010 业务流程异常 — an HTTP 4xx, never retried: the bureau
    decided.  Both carry `.infcode` and `details["kind"]`; for either, err_msg patterns may pick
    DuplicateMessageError (20007) or AuthenticationError (20008) instead.
    """
    if result.success:
        return result
    business = result.kind == "business"
    code = code_for_message(result.err_msg, business=business) or (50010 if business else 20006)
    details: dict[str, Any] = {"infcode": result.infcode, "kind": result.kind}
    if result.server_ip:
        details["server_ip"] = result.server_ip
    if result.from_gateway:
        details["from_gateway"] = True
    kw: dict[str, Any] = {"infno": infno, "msgid": msgid, "trace_id": result.trace_id, "details": details}
    if business and issubclass(exception_class(code), BureauError):
        kw["retry"] = False  # the bureau decided; sending it again gets the same answer
    raise exception_for(code, result.err_msg or None, infcode=result.infcode, **kw)


def transport_error(answer: TransportAnswer, *, infno: str, msgid: str) -> MedicalInsuranceException:
    """The exception for a non-answer (details: upstream_status, bureau_answered=False, outcome_unknown).

    Message patterns first (a gateway saying 签名错误 is 20008), then the HTTP status table, else 20003.
    """
    code = code_for_message(answer.message) or STATUS_CODES.get(answer.status_code, 20003)
    text = f"医保局未应答（HTTP {answer.status_code}）"
    return exception_for(
        code,
        f"{text}: {answer.message}" if answer.message else text,
        infno=infno,
        msgid=msgid,
        details={
            "upstream_status": answer.status_code,
            "bureau_answered": False,
            "outcome_unknown": answer.outcome_unknown,
        },
    )


def raise_for_answer(
    answer: Answer, *, infno: str, msgid: str, file: bool = False
) -> BureauResult | FileAnswer:
    """Return a successful result or file; raise for everything else, including JSON where a file was due."""
    if isinstance(answer, TransportAnswer):
        raise transport_error(answer, infno=infno, msgid=msgid)
    if isinstance(answer, FileAnswer):
        return answer
    raise_for_result(answer, infno=infno, msgid=msgid)
    if file:
        raise exception_for(40004, f"【{infno}】应答为 JSON，未返回文件", infno=infno, msgid=msgid)
    return answer


def _filename(content_disposition: str | None) -> str | None:
    if not content_disposition:
        return None
    header = Message()
    header["Content-Disposition"] = content_disposition
    name = header.get_filename()  # handles filename*=UTF-8''… (RFC 2231) as well
    if not name:
        return None
    # Only the last path component: the name may end up in a storage path.
    return PurePosixPath(name.replace("\\", "/")).name or None


def _looks_like_json(body: bytes) -> bool:
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def parse_http_answer(
    status_code: int,
    content_type: str | None,
    body: bytes,
    *,
    infno: str,
    file: bool = False,
    content_disposition: str | None = None,
) -> Answer:
    """Classify one HTTP answer from the bureau.

    - a JSON object with `infcode` is a BureauResult whatever the HTTP status;
    - where a file is due (`file`: the registry's `answer_is_file`, 9102) a non-JSON 2xx body is the file
      (the demo branches on the content type; sniffing the body
      also copes with error JSON sent as text/plain or octet-stream);
    - a non-2xx answer without a bureau JSON body is a TransportAnswer;
    - a 2xx answer that is not a JSON object raises ResponseFormatError (20004).
    """
    content_type = content_type or ""
    ok = 200 <= status_code < 300
    if file and not _looks_like_json(body):
        if ok:
            return FileAnswer(body, _filename(content_disposition), content_type)
        return TransportAnswer(status_code, content_type, "", _excerpt(body))
    charset_match = _CHARSET.search(content_type)
    try:
        data = _parse_json(body, charset_match[1] if charset_match else "utf-8", infno)
    except ResponseFormatError:
        if ok:
            raise
        return TransportAnswer(status_code, content_type, "", _excerpt(body))
    if isinstance(data, Mapping) and data.get("infcode") is not None:
        return parse_result(data)
    if not ok:
        message = _message(data) if isinstance(data, Mapping) else ""
        return TransportAnswer(status_code, content_type, message, _excerpt(body))
    if isinstance(data, Mapping):
        return parse_result(data)
    raise ResponseFormatError(
        "医保局应答不是 JSON 对象", code=20004, infno=infno, details={"body_length": len(body)}
    )
