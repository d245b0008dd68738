"""其他功能 (spec §2.9): 4 transactions, in the spec's order (data only)."""

from __future__ import annotations

from medical_insurance_sdk.registry.transaction import Category, Safety, Transaction, tx

_C = Category.OTHER

TRANSACTIONS: tuple[Transaction, ...] = (
    tx(
        "9001",
        "签到",
        "sign_in",
        _C,
        "POST other/sign-in",
        safety=Safety.WRITE,
        permission="person_info:read",
        perf="person_info",
        sdk_method="sign_in",
        input_nodes=("signIn",),
        needs_sign_in=False,  # sign-in itself: sent without a sign_no
        notes="Returns sign_no, reused as the envelope's sign_no.",
        effect_free=True,  # a sign-in/out with a lost answer changes no business state
    ),
    tx(
        "9002",
        "签退",
        "sign_out",
        _C,
        "POST other/sign-out",
        safety=Safety.WRITE,
        permission="person_info:read",
        perf="person_info",
        sdk_method="sign_out",
        input_nodes=("signOut",),
        effect_free=True,  # a sign-in/out with a lost answer changes no business state
    ),
    tx(
        "9101",
        "文件上传",
        "file_upload",
        _C,
        "POST other/file-upload",
        safety=Safety.WRITE,
        own_institution_fields=("fixmedins_code",),
        result_type="FileQueryResult",
        permission="file:upload",
        perf="file_upload",
        sdk_method="upload_file",
        input_nodes=("fsUploadIn",),
        notes="Returns file_qury_no (used by 3202 and others).",
        effect_free=True,  # uploading the same file again is harmless; the answer names the new file
    ),
    tx(
        "9102",
        "文件下载",
        "file_download",
        _C,
        "GET other/file-download",
        safety=Safety.QUERY,
        answer_is_file=True,
        own_institution_fields=("fixmedins_code",),
        result_type="FileResult",
        permission="file:download",
        perf="file_upload",
        sdk_method="download_file",
        input_nodes=("fsDownloadIn",),
        notes="The answer body is the zip itself (octet-stream).",
    ),
)
