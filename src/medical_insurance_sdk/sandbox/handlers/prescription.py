"""电子处方服务 (7101-7210): the prescription centre's lifecycle, institution side and pharmacy side.

    7101 预核验 → 7102 医保电子签名 → 7103 上传 (audited at once) → 7104 撤销
    7105 信息查询, 7106 审核结果查询, 7107 结算(取药)结果查询, 7108/7109 通知的回执
    7201 线下流转授权, 7202 线上流转查询, 7203 二维码解码, 7204 下载, 7205 信息核验, 7206 审方信息上传
    7207 出库(取药结算) → 7208 出库撤销;  7209 配送信息同步 → 7210 配送签收确认

Messages carry camelCase keys in one `data` object (the SM channel's body).  7101-7107 are checked against
the registry's tables before a handler runs, 7101's nested blocks (rxdrugdetail, mdtrtinfo, diseinfo)
included.  The pharmacy side has no public table: the handlers read the
national names (hiRxno, rxTraceCode, psnNo, certno …) and refuse what they need and do not get.  Answers use
the 7105 field names.  The audit is the sandbox's: a prescription passes unless a drug row's use ends
before it begins.  States and codes: `sandbox.prescription_state`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.sandbox.business.context import new_id
from medical_insurance_sdk.sandbox.business.shapes import parse_time
from medical_insurance_sdk.sandbox.handlers.base import Context, handles
from medical_insurance_sdk.sandbox.prescription_state import (
    CANCELLED,
    CHK_STAS,
    DISPENSED,
    RX_STAS,
    SIGNED,
    UPLOADED,
    USED_STAS,
    VERIFIED,
    Prescription,
)
from medical_insurance_sdk.sandbox.state import Person

_TIME = "%Y-%m-%d %H:%M:%S"


# ------------------------------------------------------------------------------------------ helpers


def _body(data: Mapping[str, Any]) -> dict[str, Any]:
    body = data.get("data")
    return dict(body) if isinstance(body, Mapping) else {}


def _text(value: Any) -> Any:
    """JSON-safe texts for the stored messages (Decimal and datetime as the bureau writes them)."""
    if isinstance(value, Mapping):
        return {str(k): _text(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_text(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.strftime(_TIME)
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _find(ctx: Context, body: Mapping[str, Any]) -> Prescription:
    """The prescription a message names: hiRxno, else the institution's own hospRxno, else the trace code."""
    hi_rxno = body.get("hiRxno")
    row: Prescription | None = None
    if not _blank(hi_rxno):
        row = ctx.session.get(Prescription, str(hi_rxno))
    elif not _blank(body.get("hospRxno")):
        row = ctx.session.scalars(
            select(Prescription)
            .where(Prescription.hosp_rxno == str(body["hospRxno"]))
            .order_by(Prescription.created_at.desc())
        ).first()
    elif not _blank(body.get("rxTraceCode")):
        row = ctx.session.scalars(
            select(Prescription).where(Prescription.rx_trace_code == str(body["rxTraceCode"]))
        ).first()
    else:
        ctx.refuse("医保处方编号不能为空")
    if row is None:
        ctx.refuse("处方不存在")
    return row


def _own(ctx: Context, rx: Prescription, body: Mapping[str, Any]) -> None:
    code = body.get("fixmedinsCode") or ctx.fixmedins_code
    if code and str(code) != rx.fixmedins_code:
        ctx.refuse("非本机构开具的处方")


def _same_person(ctx: Context, rx: Prescription, body: Mapping[str, Any]) -> None:
    certno, name = body.get("certno"), body.get("psnName")
    if (not _blank(certno) and str(certno) != rx.certno) or (not _blank(name) and str(name) != rx.psn_name):
        ctx.refuse("人员信息与处方信息不符")


def _valid_for_pharmacy(ctx: Context, rx: Prescription) -> None:
    """A pharmacy may use it: uploaded, audited, within its validity, not cancelled."""
    if rx.status == CANCELLED:
        ctx.refuse("处方已撤销")
    if rx.status in (VERIFIED, SIGNED):
        ctx.refuse("处方未上传")
    if rx.chk_stas != "1":
        ctx.refuse("处方审核未通过")
    if ctx.now > rx.vali_end_time:
        ctx.refuse("处方已超过有效期")


def _touch(ctx: Context, rx: Prescription, **changes: Any) -> None:
    for key, value in changes.items():
        setattr(rx, key, value)
    rx.updated_at = ctx.now


def _merge(rx: Prescription, column: str, **entries: Any) -> None:
    """Add entries to a JSON column (a new dict, so the change is seen)."""
    setattr(rx, column, {**(getattr(rx, column) or {}), **_text(entries)})


def _status(rx: Prescription) -> dict[str, Any]:
    return {"hiRxno": rx.hi_rxno, "rxStasCodg": rx.rx_stas, "rxStasName": RX_STAS[rx.rx_stas]}


def _shaped(infno: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of the registry's answer node, in its order ("" where the prescription has none)."""
    fields = REGISTRY[infno].schema.response[0].fields
    return {f.name: "" if values.get(f.name) is None else values[f.name] for f in fields}


def _detail(rx: Prescription) -> dict[str, Any]:
    """The 7105 answer (7204 hands the pharmacy the same prescription)."""
    info = rx.info
    mdtrt = info.get("mdtrtinfo") or {}
    taken = "1" if rx.status == DISPENSED else "0"
    drugs = [
        {k: v for k, v in row.items() if k != "extras"} | {"takeDrugFlag": taken}
        for row in info["rxdrugdetail"]
    ]
    otp_fields = ("medType", "iptOtpNo", "otpIptFlag", "patnName", "patnAge", "gend", "prscDeptName")
    otpinfo = {k: mdtrt[k] for k in otp_fields if k in mdtrt}
    otpinfo.update(
        insutype=str(info.get("insutype") or "310"),
        prscDrName=mdtrt.get("prscDrName"),
        pharName=rx.upload.get("pharName", ""),
        pharChkTime=rx.upload.get("pharChkTime", ""),
        mdtrtTime=mdtrt.get("mdtrtTime"),
        spDiseFlag=mdtrt.get("spDiseFlag"),
        maindiagCode=mdtrt.get("maindiagCode"),
        maindiagName=mdtrt.get("maindiagName"),
    )
    values = info | {
        "hiRxno": rx.hi_rxno,
        "fixmedinsCode": rx.fixmedins_code,
        "fixmedinsName": mdtrt.get("fixmedinsName", ""),
        "rxStasCodg": rx.rx_stas,
        "rxStasName": RX_STAS[rx.rx_stas],
        "rxUsedStasCodg": rx.used_stas,
        "rxUsedStasName": USED_STAS[rx.used_stas],
        "prscTime": rx.prsc_time.strftime(_TIME),
        "rxDrugCnt": info.get("rxDrugCnt"),
        "valiDays": info.get("valiDays"),
        "valiEndTime": rx.vali_end_time.strftime(_TIME),
        "reptFlag": info.get("reptFlag") or "0",
        "rxTypeCode": info.get("rxTypeCode"),
        "bizTypeCode": info.get("bizTypeCode"),
        "rxDetlList": drugs,
        "rxOtpinfo": otpinfo,
        "rxDiseList": info.get("diseinfo") or [],
    }
    return _shaped("7105", values)


def _audit(rows: list[dict[str, Any]]) -> tuple[str, str]:
    for number, row in enumerate(rows, start=1):
        begin, end = parse_time(row.get("medcBegntime")), parse_time(row.get("medcEndtime"))
        if begin is not None and end is not None and end < begin:
            return "2", f"第{number}条药品用药结束时间早于用药开始时间"
    return "1", "审核通过"


# ------------------------------------------------------------------------- institution side 7101-7109


@handles("7101")
def pre_verify(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7101】Check the prescription and issue hiRxno + rxTraceCode; a repeat before upload re-issues."""
    body = _body(data)
    if _blank(body.get("mdtrtCertNo")):
        ctx.refuse("就诊凭证编号不能为空")
    if str(body.get("mdtrtCertType")) == "03" and _blank(body.get("cardSn")):
        ctx.refuse("就诊凭证类型为03时卡识别码不能为空")
    drugs, mdtrt, diseases = body["rxdrugdetail"], body["mdtrtinfo"], body["diseinfo"]  # validated rows
    prsc_time, vali_end = parse_time(body["prscTime"]), parse_time(body["valiEndTime"])
    assert prsc_time is not None and vali_end is not None  # required DT fields, validated
    if vali_end <= prsc_time:
        ctx.refuse("有效截止时间应晚于开方时间")
    person = ctx.session.get(Person, str(mdtrt["psnNo"]))
    if person is None:
        ctx.refuse("人员信息不存在")
    if str(mdtrt["certno"]) != person.certno:
        ctx.refuse("证件号码与参保人信息不符")
    code = str(mdtrt.get("fixmedinsCode") or ctx.fixmedins_code)
    earlier = ctx.session.scalars(
        select(Prescription).where(
            Prescription.fixmedins_code == code,
            Prescription.hosp_rxno == str(body["hospRxno"]),
            Prescription.status != CANCELLED,
        )
    ).first()
    if earlier is not None and earlier.status not in (VERIFIED, SIGNED):
        ctx.refuse(f"定点医疗机构处方编号{body['hospRxno']}已上传，不能重复上传")
    info = _text({**body, "rxdrugdetail": drugs, "mdtrtinfo": mdtrt, "diseinfo": diseases})
    info["insutype"] = person.insutype
    trace = hashlib.sha256(f"{ctx.msgid}|{body['hospRxno']}".encode()).hexdigest()[:20].upper()
    if earlier is not None:  # not filed yet: the new check replaces the old one, the number stays
        _touch(ctx, earlier, info=info, rx_trace_code=trace, status=VERIFIED, sign_digest=None)
        _touch(ctx, earlier, prsc_time=prsc_time, vali_end_time=vali_end)
        return {"data": {"rxTraceCode": trace, "hiRxno": earlier.hi_rxno}}
    rx = Prescription(
        hi_rxno=new_id(ctx),
        rx_trace_code=trace,
        hosp_rxno=str(body["hospRxno"]),
        fixmedins_code=code,
        psn_no=person.psn_no,
        certno=person.certno,
        psn_name=str(mdtrt["patnName"]),
        mdtrt_id=str(mdtrt["mdtrtId"]),
        status=VERIFIED,
        prsc_time=prsc_time,
        vali_end_time=vali_end,
        info=info,
        created_msgid=ctx.msgid,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(rx)
    return {"data": {"rxTraceCode": rx.rx_trace_code, "hiRxno": rx.hi_rxno}}


def _signed_information(ctx: Context, original: str) -> dict[str, Any]:
    try:
        value = json.loads(base64.b64decode(original, validate=True).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        ctx.refuse("原始待签名处方信息不是有效的base64编码JSON")
    if not isinstance(value, dict):
        ctx.refuse("原始待签名处方信息不是有效的base64编码JSON")
    return value


def signature_of(fixmedins_code: str, original_value: str) -> str:
    """The sandbox's 医保电子签名 of a prescription's information (a digest bound to the institution)."""
    return hashlib.sha256(f"NHSA-SANDBOX|{fixmedins_code}|{original_value}".encode()).hexdigest()


@handles("7102")
def sign(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7102】Sign the prescription information (originalValue) and the file (originalRxFile)."""
    body = _body(data)
    signed = _signed_information(ctx, str(body.get("originalValue") or ""))
    rx = _find(ctx, signed)
    _own(ctx, rx, body)
    if rx.status not in (VERIFIED, SIGNED):
        ctx.refuse("处方已上传或已撤销，不能签名")
    if str(signed.get("rxTraceCode") or "") != rx.rx_trace_code:
        ctx.refuse("处方追溯码与预核验结果不符")
    digest = signature_of(rx.fixmedins_code, str(body["originalValue"]))
    _touch(ctx, rx, status=SIGNED, sign_digest=digest)
    return {
        "data": {
            "rxFile": body.get("originalRxFile"),
            "signDigest": digest,
            "signCertSn": digest[:32].upper(),
            "signCertDn": f"C=CN,O=NHSA,CN={rx.fixmedins_code}",
        }
    }


@handles("7103")
def upload(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7103】File a signed prescription; the sandbox audits it at once (7106 answers the result)."""
    body = _body(data)
    rx = _find(ctx, body)
    _own(ctx, rx, body)
    if rx.status == CANCELLED:
        ctx.refuse("处方已撤销")
    if rx.status in (UPLOADED, DISPENSED):
        ctx.refuse("处方已上传，不能重复上传")
    if str(body["rxTraceCode"]) != rx.rx_trace_code:
        ctx.refuse("处方追溯码与预核验结果不符")
    if rx.status != SIGNED:
        ctx.refuse("处方未进行医保电子签名")
    if str(body["signDigest"]) != rx.sign_digest:
        ctx.refuse("处方信息签名值与医保电子签名结果不一致")
    if str(body["certno"]) != rx.certno:
        ctx.refuse("证件号码与预核验的处方信息不符")
    if ctx.now > rx.vali_end_time:
        ctx.refuse("处方已超过有效期")
    chk, opinion = _audit(rx.info["rxdrugdetail"])
    kept = {k: v for k, v in body.items() if k != "rxFile"}
    _touch(ctx, rx, status=UPLOADED, rx_stas="1", chk_stas=chk, chk_opnn=opinion, chk_time=ctx.now)
    _merge(rx, "upload", **kept, uploadMsgid=ctx.msgid)
    return {"data": _status(rx)}


@handles("7104")
def cancel(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7104】Cancel a filed prescription that no pharmacy has dispensed."""
    body = _body(data)
    rx = _find(ctx, body)
    _own(ctx, rx, body)
    if rx.status == CANCELLED:
        ctx.refuse("处方已撤销，不能重复撤销")
    if rx.status == DISPENSED:
        ctx.refuse("处方已取药，不能撤销")
    if rx.status != UPLOADED:
        ctx.refuse("处方未上传，不能撤销")
    _touch(ctx, rx, status=CANCELLED, rx_stas="3")
    _merge(rx, "upload", undoRea=body.get("undoRea"), undoTime=body.get("undoTime"), undoMsgid=ctx.msgid)
    return {"data": _status(rx)}


@handles("7105")
def query_info(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7105】The prescription as filed, with its state (a cancelled one answers 已撤销)."""
    body = _body(data)
    rx = _find(ctx, body)
    _own(ctx, rx, body)
    _same_person(ctx, rx, body)
    if rx.status in (VERIFIED, SIGNED):
        ctx.refuse("处方未上传")
    return {"data": _detail(rx)}


@handles("7106")
def query_audit(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7106】The audit result of a filed prescription."""
    body = _body(data)
    rx = _find(ctx, body)
    _own(ctx, rx, body)
    _same_person(ctx, rx, body)
    if rx.chk_stas is None or rx.chk_time is None:
        ctx.refuse("处方未上传，暂无审核结果")
    return {
        "data": {
            "hiRxno": rx.hi_rxno,
            "pharName": rx.upload.get("pharName", ""),
            "pharCode": rx.upload.get("pharCode", ""),
            "rxChkStasCodg": rx.chk_stas,
            "rxChkOpnn": rx.chk_opnn or "",
            "rxChkTime": rx.chk_time.strftime(_TIME),
            "rxStasCodg": rx.rx_stas,
            "rxStasName": RX_STAS[rx.rx_stas],
            "rxChkStasName": CHK_STAS[rx.chk_stas],
        }
    }


def _settled(ctx: Context, rx: Prescription) -> datetime:
    if rx.status != DISPENSED or rx.setl_time is None:
        ctx.refuse("处方未取药，暂无结算结果")
    return rx.setl_time


@handles("7107")
def query_settlement(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7107】What the pharmacy dispensed and when it was settled."""
    body = _body(data)
    rx = _find(ctx, body)
    _own(ctx, rx, body)
    _same_person(ctx, rx, body)
    setl_time = _settled(ctx, rx)
    return {
        "data": {
            "hiRxno": rx.hi_rxno,
            "setlTime": setl_time.strftime(_TIME),
            "rxStasCodg": rx.rx_stas,
            "rxStasName": RX_STAS[rx.rx_stas],
            "rxUsedStasCodg": rx.used_stas,
            "rxUsedStasName": USED_STAS[rx.used_stas],
            "seltdelts": rx.sale.get("seltdelts", []),
        }
    }


@handles("7108", "7109")
def notification(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7108】审核结果通知 / 【7109】结算结果通知: the institution acknowledges a result the centre holds."""
    body = _body(data)
    rx = _find(ctx, body)
    _own(ctx, rx, body)
    if ctx.infno == "7108" and rx.chk_stas is None:
        ctx.refuse("处方未上传，暂无审核结果")
    if ctx.infno == "7109":
        _settled(ctx, rx)
    _merge(rx, "pharmacy", **{f"notified{ctx.infno}": ctx.now})
    _touch(ctx, rx)
    return {"data": {"hiRxno": rx.hi_rxno, "rxStasCodg": rx.rx_stas, "rxStasName": RX_STAS[rx.rx_stas]}}


# --------------------------------------------------------------------------- pharmacy side 7201-7210


def _pharmacy_find(ctx: Context, body: Mapping[str, Any]) -> Prescription:
    rx = _find(ctx, body)
    _same_person(ctx, rx, body)
    _valid_for_pharmacy(ctx, rx)
    return rx


@handles("7201")
def authorize_offline(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7201】Authorise a pharmacy to dispense the prescription offline: an authorisation number."""
    body = _body(data)
    rx = _pharmacy_find(ctx, body)
    if rx.status == DISPENSED:
        ctx.refuse("处方已取药，不能授权流转")
    auth = rx.pharmacy.get("authRxno") or new_id(ctx)
    _merge(rx, "pharmacy", authRxno=auth, authFixmedinsCode=body.get("fixmedinsCode") or ctx.fixmedins_code)
    _touch(ctx, rx)
    return {"data": {"hiRxno": rx.hi_rxno, "authRxno": auth, "rxTraceCode": rx.rx_trace_code}}


@handles("7202")
def online_flow_query(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7202】The person's prescriptions that may be dispensed now (uploaded, audited, valid)."""
    body = _body(data)
    psn_no, certno = body.get("psnNo"), body.get("certno")
    if _blank(psn_no) and _blank(certno):
        ctx.refuse("人员编号和证件号码不能同时为空")
    query = select(Prescription).where(
        Prescription.status == UPLOADED, Prescription.chk_stas == "1", Prescription.vali_end_time >= ctx.now
    )
    query = query.where(Prescription.psn_no == str(psn_no)) if not _blank(psn_no) else query
    query = query.where(Prescription.certno == str(certno)) if not _blank(certno) else query
    rows = ctx.session.scalars(query.order_by(Prescription.prsc_time)).all()
    return {
        "data": [
            {
                "hiRxno": rx.hi_rxno,
                "rxTraceCode": rx.rx_trace_code,
                "fixmedinsCode": rx.fixmedins_code,
                "prscTime": rx.prsc_time.strftime(_TIME),
                "valiEndTime": rx.vali_end_time.strftime(_TIME),
            }
            | _status(rx)
            for rx in rows
        ]
    }


@handles("7203")
def decode_qr(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7203】The prescription a QR code (its rxTraceCode) stands for."""
    body = _body(data)
    code = body.get("rxTraceCode") or body.get("qrCode")
    if _blank(code):
        ctx.refuse("二维码信息不能为空")
    rx = _pharmacy_find(ctx, {"rxTraceCode": code})
    return {"data": {"hiRxno": rx.hi_rxno, "rxTraceCode": rx.rx_trace_code, **_status(rx)}}


@handles("7204")
def download(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7204】The pharmacy downloads a valid prescription (hiRxno, or the prescriber's hospRxno)."""
    body = _body(data)
    rx = _pharmacy_find(ctx, body)
    if rx.status == DISPENSED:
        ctx.refuse("处方已取药")
    downloads = [*rx.pharmacy.get("downloads", []), body.get("fixmedinsCode") or ctx.fixmedins_code]
    _merge(rx, "pharmacy", downloads=downloads)
    _touch(ctx, rx)
    return {"data": {**_detail(rx), "rxTraceCode": rx.rx_trace_code}}


@handles("7205")
def verify_info(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7205】The pharmacy checks the person in front of it against the prescription."""
    body = _body(data)
    if _blank(body.get("certno")) and _blank(body.get("psnName")):
        ctx.refuse("证件号码和人员姓名不能同时为空")
    rx = _pharmacy_find(ctx, body)
    return {"data": {**_status(rx), "vrfRslt": "1", "rxUsedStasCodg": rx.used_stas}}


@handles("7206")
def upload_review(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7206】The pharmacy's pharmacist reviewed the prescription (审方): recorded, a review number back."""
    body = _body(data)
    rx = _pharmacy_find(ctx, body)
    for name, label in (("pharName", "审方药师姓名"), ("rxChkStasCodg", "处方审核状态代码")):
        if _blank(body.get(name)):
            ctx.refuse(f"{label}不能为空")
    review = new_id(ctx)
    _merge(rx, "pharmacy", review={**_text(body), "rxChkBizSn": review})
    _touch(ctx, rx)
    return {"data": {"msgCode": "0", "flag": "True", "rxChkBizSn": review}}  # the 7206 answer table


def _sale_rows(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The dispensed drugs, whichever list the message carries them in."""
    for key in ("seltdelts", "drugdetail", "saleDetail", "sale_items", "druginfo"):
        rows = body.get(key)
        if isinstance(rows, Mapping):
            rows = [rows]
        if isinstance(rows, list) and rows:
            return [_text(dict(row)) for row in rows if isinstance(row, Mapping)]
    return []


@handles("7207")
def dispense(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7207】Drugs handed out against the prescription: it is used, and settled now."""
    body = _body(data)
    rx = _find(ctx, body)
    if rx.status == DISPENSED:
        ctx.refuse("处方已取药，不能重复出库")
    _valid_for_pharmacy(ctx, rx)
    rows = _sale_rows(body)
    if not rows:
        ctx.refuse("药品销售出库明细不能为空")
    setl_id = new_id(ctx)
    _touch(ctx, rx, status=DISPENSED, used_stas="1", setl_time=ctx.now)
    rx.sale = {"setlId": setl_id, "seltdelts": rows, "fixmedinsCode": ctx.fixmedins_code, "msgid": ctx.msgid}
    return {"data": {**_status(rx), "setlId": setl_id, "rxUsedStasCodg": rx.used_stas}}


@handles("7208")
def undo_dispense(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7208】Undo a dispensing (before delivery is signed for): the prescription may be dispensed again."""
    body = _body(data)
    rx = _find(ctx, body)
    if rx.status != DISPENSED:
        ctx.refuse("处方未出库，无可撤销的出库明细")
    if rx.pharmacy.get("delivery", {}).get("signed"):
        ctx.refuse("药品已签收，不能撤销出库")
    _touch(ctx, rx, status=UPLOADED, used_stas="0", setl_time=None)
    rx.sale = {}
    return {"data": {**_status(rx), "rxUsedStasCodg": rx.used_stas}}


@handles("7209")
def sync_delivery(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7209】The delivery of dispensed drugs (courier, tracking number) is announced."""
    body = _body(data)
    rx = _find(ctx, body)
    if rx.status != DISPENSED:
        ctx.refuse("处方未出库，不能配送")
    delivery = rx.pharmacy.get("delivery", {})
    if delivery.get("signed"):
        ctx.refuse("药品已签收，不能修改配送信息")
    _merge(rx, "pharmacy", delivery={**delivery, **_text(body), "syncedAt": ctx.now.strftime(_TIME)})
    _touch(ctx, rx)
    return {"data": {"hiRxno": rx.hi_rxno, "dlvStas": "1"}}


@handles("7210")
def confirm_delivery(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """【7210】The patient signed for the delivery."""
    body = _body(data)
    rx = _find(ctx, body)
    delivery = rx.pharmacy.get("delivery")
    if rx.status != DISPENSED or not delivery:
        ctx.refuse("无配送信息，不能签收确认")
    if delivery.get("signed"):
        ctx.refuse("药品已签收，不能重复确认")
    signed_at = ctx.now.strftime(_TIME)
    _merge(rx, "pharmacy", delivery={**delivery, "signed": True, "signedAt": signed_at})
    _touch(ctx, rx)
    return {"data": {"hiRxno": rx.hi_rxno, "dlvStas": "2", "signTime": signed_at}}
