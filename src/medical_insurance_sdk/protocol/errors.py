"""The error-code table of spec §5.2 and the HTTP status mapping of §5.1.

Every error this product reports carries one of these codes.  The table is data: message (Chinese, shown to
users as is), whether a retry can help, how long to wait (`retry_after`, seconds) and how often to try
(`max_retry`).  The retry policy of the engine and the SDK read it; nothing else decides retryability.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: int
    message: str
    retry: bool = False
    retry_after: int | None = None
    max_retry: int | None = None
    http_status: int = 400

    @property
    def family(self) -> str:
        return _FAMILIES[self.code // 10000]


_FAMILIES = {1: "common", 2: "interface", 3: "data", 4: "file", 5: "business", 6: "system"}


def _e(code: int, message: str, http: int, **kw: int | bool) -> ErrorCode:
    return ErrorCode(code, message, http_status=http, **kw)  # type: ignore[arg-type]


# HTTP statuses follow §5.1: 400 bad request, 401 auth, 403 permission, 404 missing, 409 conflict,
# 413 too large (the one status §5.1 lacks; 10003 needs it), 422 validation, 429 rate, 500 internal,
# 502 bureau error, 503 unavailable, 504 bureau timeout.
_TABLE: tuple[ErrorCode, ...] = (
    # 5.2.1 通用错误码
    _e(10001, "请求参数缺失", 400),
    _e(10002, "请求参数格式错误", 400),
    _e(10003, "请求数据过大", 413),
    _e(10004, "请求频率过高", 429, retry=True, retry_after=60),
    _e(10005, "服务暂时不可用", 503, retry=True, retry_after=300),
    _e(10006, "接口版本不支持", 400),
    _e(10007, "机构信息无效", 401),
    _e(10008, "认证信息过期", 401),
    _e(10009, "权限不足", 403),
    _e(10010, "系统维护中", 503, retry=True, retry_after=1800),
    # 5.2.2 接口相关错误码
    _e(20001, "不支持的接口类型", 404),
    _e(20002, "接口配置不存在", 404),
    _e(20003, "接口调用失败", 502, retry=True, max_retry=3),
    _e(20004, "接口响应格式错误", 502),
    _e(20005, "接口超时", 504, retry=True, max_retry=3),
    _e(20006, "医保局接口异常", 502, retry=True, max_retry=3),
    _e(20007, "报文ID重复", 409, retry=True, max_retry=1),
    _e(20008, "签名验证失败", 401),
    _e(20009, "AK/SK配置错误", 500),
    _e(20010, "接口版本不匹配", 400),
    # 5.2.3 数据相关错误码
    _e(30001, "数据节点缺失", 422),
    _e(30002, "必填字段缺失", 422),
    _e(30003, "字段格式错误", 422),
    _e(30004, "字段长度超限", 422),
    _e(30005, "数据关联性错误", 422),
    _e(30006, "数据重复", 409),
    _e(30007, "数据不存在", 404),
    _e(30008, "数据已过期", 422),
    _e(30009, "数据解析失败", 422),
    _e(30010, "数据验证失败", 422),
    # 5.2.4 文件相关错误码
    _e(40001, "文件不存在", 404),
    _e(40002, "文件格式不支持", 400),
    _e(40003, "文件大小超限", 413),
    _e(40004, "文件下载失败", 502, retry=True, max_retry=3),
    _e(40005, "文件解析失败", 422),
    _e(40006, "文件已过期", 404),
    _e(40007, "文件上传失败", 502, retry=True, max_retry=3),
    _e(40008, "文件损坏", 422),
    _e(40009, "文件查询号无效", 404),
    _e(40010, "文件压缩解压失败", 422),
    # 5.2.5 业务流程错误码
    _e(50001, "患者信息不存在", 404),
    _e(50002, "医保状态异常", 409),
    _e(50003, "医保余额不足", 409),
    _e(50004, "超出医保限额", 409),
    _e(50005, "药品不在医保目录", 409),
    _e(50006, "诊疗项目不支持", 409),
    _e(50007, "结算状态错误", 409),
    _e(50008, "重复结算", 409),
    _e(50009, "结算已撤销", 409),
    _e(50010, "业务流程异常", 409),
    # 5.2.6 系统相关错误码
    _e(60001, "数据库连接失败", 503, retry=True, max_retry=3),
    _e(60002, "缓存服务异常", 503, retry=True, max_retry=3),
    _e(60003, "消息队列异常", 503, retry=True, max_retry=3),
    _e(60004, "文件存储异常", 503, retry=True, max_retry=3),
    _e(60005, "网络连接异常", 503, retry=True, max_retry=3),
    _e(60006, "内存不足", 503, retry=True, retry_after=60),
    _e(60007, "磁盘空间不足", 503),
    _e(60008, "CPU使用率过高", 503, retry=True, retry_after=30),
    _e(60009, "系统负载过高", 503, retry=True, retry_after=60),
    _e(60010, "服务进程异常", 500, retry=True, max_retry=1),
)

ERRORS: MappingProxyType[int, ErrorCode] = MappingProxyType({e.code: e for e in _TABLE})

# §5.1 lists the statuses the gateway may answer with; each error maps onto one of them.
HTTP_STATUS_TEXT: MappingProxyType[int, str] = MappingProxyType(
    {
        200: "请求成功",
        201: "资源创建成功",
        202: "请求已接受，异步处理中",
        400: "请求参数错误",
        401: "认证失败",
        403: "权限不足",
        404: "资源不存在",
        405: "请求方法不允许",
        409: "资源冲突",
        413: "请求数据过大",
        422: "数据验证失败",
        429: "请求频率过高",
        500: "服务器内部错误",
        502: "医保局接口异常",
        503: "服务不可用",
        504: "医保局接口超时",
    }
)


def error(code: int) -> ErrorCode:
    """The table row for `code`; an unknown code is a programming error and fails loudly."""
    try:
        return ERRORS[code]
    except KeyError:
        raise KeyError(f"error code {code} is not in the table of spec §5.2") from None
