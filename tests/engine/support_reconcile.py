"""A scripted bureau that keeps books and files: settlements (2207/2208), reconciliation (3201, 9101, 3202)
and the 13xx → 9102 catalogue downloads.  Tests plant discrepancies by editing `books` directly."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import httpx
from tests_engine_support import FAST, Bureau

from medical_insurance_sdk.engine.engine import BureauEngine
from medical_insurance_sdk.engine.flow import EngineFlow
from medical_insurance_sdk.protocol.catalog_file import CatalogReader, write_catalog, write_rows
from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS

DAY = "2025-07-14"
OPTINS = "430200"
CENT = Decimal("0.01")


def moving_clock(start: datetime):
    """A clock that starts at `start` (naive UTC) and runs at real speed, so deadlines still pass."""
    origin = datetime.now()
    return lambda: start + (datetime.now() - origin)


def engine_at(database, allocator, bureau, start: datetime = datetime(2025, 7, 14, 2, 0, 0)) -> BureauEngine:
    """An engine whose ledger clock says `start` (10:00 Beijing on the reconciliation day by default)."""
    flow = EngineFlow(FAST, clock=moving_clock(start))
    return BureauEngine(database, allocator, transport=httpx.MockTransport(bureau), settings=FAST, flow=flow)


def settle_input(mdtrt_id: str, amount: str, *, insutype: str = "310", med_type: str = "11") -> dict:
    return {
        "data": {
            "psn_no": "43000030281000128715",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": "430281199001010011",
            "med_type": med_type,
            "medfee_sumamt": amount,
            "psn_setlway": "01",
            "mdtrt_id": mdtrt_id,
            "chrg_bchno": "B" + mdtrt_id,
            "acct_used_flag": "1",
            "insutype": insutype,
            "fulamt_ownpay_amt": "0.00",
            "overlmt_selfpay": "0.00",
            "preselfpay_amt": "0.00",
            "inscp_scp_amt": amount,
        }
    }


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


@dataclass
class BooksBureau(Bureau):
    """The bureau's own settlement books, its file store, and scripted catalogue pages.

    `catalog_pages[kind][ver]` is the zip answered to a 13xx asking with `ver` (missing: nothing newer);
    `crash_downloads` makes the transport itself raise on the next 9102 calls, as a dying process would.
    """

    books: dict[str, dict] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    catalog_pages: dict[str, dict[str, bytes]] = field(default_factory=dict)
    crash_downloads: int = 0
    setl_day: str = DAY
    serial: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        message = json.loads(request.content)
        if message["infno"] != "9102":
            return super().__call__(request)
        self.seen.append(message)
        if self.crash_downloads > 0:
            self.crash_downloads -= 1
            raise RuntimeError("进程在下载目录文件时崩溃")
        wanted = message["input"]["fsDownloadIn"]
        stored = self.files.get(wanted["file_qury_no"])
        if stored is None:
            return self.answer(message, None, infcode=-1, err_msg="文件查询号不存在或已过期")
        name, content = stored
        headers = {"content-disposition": f'attachment; filename="{name}"'}
        return httpx.Response(
            200, content=content, headers=headers | {"content-type": "application/octet-stream"}
        )

    def next_id(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial:06d}"

    def store(self, name: str, content: bytes) -> str:
        file_qury_no = self.next_id("FQ")
        self.files[file_qury_no] = (name, content)
        return file_qury_no

    def process(self, message: dict) -> dict | None:
        infno, data = message["infno"], message["input"]
        handler = getattr(self, f"on_{infno}", None)
        if handler is None:
            return super().process(message)
        self.processed[message["msgid"]] = message
        return handler(message, data)

    # --------------------------------------------------------------------------------- settlements
    def on_2207(self, message: dict, data: dict) -> dict:
        d = data["data"]
        medfee = Decimal(str(d["medfee_sumamt"]))
        fund = (medfee * Decimal("0.6")).quantize(CENT)
        acct = (medfee * Decimal("0.1")).quantize(CENT)
        setl_id = self.next_id("SETL")
        self.settled.add(message["msgid"])
        self.books[setl_id] = {
            "setl_id": setl_id,
            "mdtrt_id": d["mdtrt_id"],
            "psn_no": d["psn_no"],
            "insutype": d["insutype"],
            "clr_type": "11",
            "refd_setl_flag": "0",
            "day": self.setl_day,
            "msgid": message["msgid"],
            "medfee_sumamt": medfee,
            "fund_pay_sumamt": fund,
            "acct_pay": acct,
            "psn_cash_pay": medfee - fund - acct,
        }
        book = self.books[setl_id]
        return {
            "setlinfo": {
                "setl_id": setl_id,
                "mdtrt_id": d["mdtrt_id"],
                "psn_no": d["psn_no"],
                "psn_name": "张三",
                "insutype": d["insutype"],
                "med_type": d["med_type"],
                "setl_time": f"{self.setl_day} 10:00:00",
                "clr_optins": OPTINS,
                "medins_setl_id": message["msgid"],
                **{
                    k: money(book[k])
                    for k in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay")
                },
            },
            "setldetail": [],
        }

    def on_2208(self, message: dict, data: dict) -> dict | None:
        original = self.books[data["data"]["setl_id"]]
        setl_id = self.next_id("SETL")
        amounts = {k: -original[k] for k in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay")}
        self.books[setl_id] = {
            **original,
            "setl_id": setl_id,
            "refd_setl_flag": "1",
            "msgid": message["msgid"],
            **amounts,
        }
        # like real 2208 answers: negative amounts, no insutype or med_type
        return {
            "setlinfo": {
                "setl_id": setl_id,
                "mdtrt_id": original["mdtrt_id"],
                "psn_no": original["psn_no"],
                "setl_time": f"{self.setl_day} 11:00:00",
                "medins_setl_id": message["msgid"],
                **{k: money(v) for k, v in amounts.items()},
            }
        }

    def on_2601(self, message: dict, data: dict) -> dict | None:
        omsgid = data["data"]["omsgid"]
        if omsgid not in self.processed:
            return None
        for setl_id, book in list(self.books.items()):
            if book["msgid"] == omsgid:
                del self.books[setl_id]
        self.settled.discard(omsgid)
        return {}

    # ------------------------------------------------------------------------------ reconciliation
    def day_books(self, optins: str, day: str, clr_type: str, insutype: str | None = None) -> list[dict]:
        """The books of one clearing office (every settlement here is cleared by OPTINS), day and class."""
        return [
            b
            for b in self.books.values()
            if optins == OPTINS
            and b["day"] == day
            and b["clr_type"] == clr_type
            and (insutype is None or b["insutype"] == insutype)
        ]

    def on_3201(self, message: dict, data: dict) -> dict:
        d = data["data"]
        books = self.day_books(d["setl_optins"], d["stmt_begndate"], d["clr_type"], d["insutype"])
        ours = (
            Decimal(str(d["medfee_sumamt"])),
            Decimal(str(d["fund_pay_sumamt"])),
            Decimal(str(d["acct_pay"])),
            int(d["fixmedins_setl_cnt"]),
        )
        theirs = (
            sum((b["medfee_sumamt"] for b in books), Decimal(0)),
            sum((b["fund_pay_sumamt"] for b in books), Decimal(0)),
            sum((b["acct_pay"] for b in books), Decimal(0)),
            sum(-1 if b["refd_setl_flag"] == "1" else 1 for b in books),  # net: a cancel takes one off
        )
        balanced = ours == theirs
        return {
            "stmtinfo": {
                "setl_optins": d["setl_optins"],
                "stmt_rslt": "0" if balanced else "1",
                "stmt_rslt_dscr": "对账平"
                if balanced
                else f"对账不平：中心 {theirs[3]} 笔，医药机构 {ours[3]} 笔",
            }
        }

    def on_9101(self, message: dict, data: dict) -> dict:
        upload = data["fsUploadIn"]
        file_qury_no = self.store(upload["filename"], base64.b64decode(upload["in"]))
        return {
            "file_qury_no": file_qury_no,
            "filename": upload["filename"],
            "fixmedins_code": upload["fixmedins_code"],
        }

    def on_3202(self, message: dict, data: dict) -> dict:
        d = data["data"]
        _, content = self.files[d["file_qury_no"]]
        uploaded = {
            (r.code, r["refd_setl_flag"] or "0"): r
            for r in CatalogReader(content, LAYOUTS["3202_upload"]).rows()
        }
        books = {
            (b["setl_id"], b["refd_setl_flag"]): b
            for b in self.day_books(d["setl_optins"], d["stmt_begndate"], d["clr_type"])
        }
        rows = []
        for key in sorted(uploaded.keys() | books.keys()):
            ours, book = uploaded.get(key), books.get(key)
            if book is None:
                rslt, memo, amounts = "1", "中心无此结算", (None, None, None)
            else:
                amounts = tuple(money(book[k]) for k in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay"))
                same = ours is not None and all(
                    Decimal(ours[k]) == book[k] for k in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")
                )
                rslt, memo = ("0", None) if same else ("1", "医药机构未上传" if ours is None else "金额不符")
            source = book or {"psn_no": ours["psn_no"], "mdtrt_id": ours["mdtrt_id"], "msgid": None}
            rows.append(
                [source["psn_no"], source["mdtrt_id"], key[0], source["msgid"], rslt, key[1], memo, *amounts]
            )
        buffer = io.BytesIO()
        write_catalog(buffer, LAYOUTS["3202_result"], rows, member_name="result.txt")
        file_qury_no = self.store("result.zip", buffer.getvalue())
        return {
            "fileinfo": {"file_qury_no": file_qury_no, "filename": "result.zip", "dld_endtime": "2025-07-15"}
        }

    # ---------------------------------------------------------------------------------- catalogues
    def catalog(self, message: dict, data: dict) -> dict:
        pages = self.catalog_pages.get(message["infno"], {})
        content = pages.get(data["data"]["ver"])
        if content is None:
            return {"file_qury_no": None, "filename": None, "data_cnt": 0}
        name = f"plc_{message['infno']}_{self.serial:04d}.zip"
        return {"file_qury_no": self.store(name, content), "filename": name, "data_cnt": count_lines(content)}

    on_1301 = catalog
    on_1302 = catalog
    on_1307 = catalog


def count_lines(content: bytes) -> int | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return sum(archive.read(name).count(b"\n") for name in archive.namelist())
    except zipfile.BadZipFile:
        return None  # a damaged file is still handed out: the client must notice


def drug_rows(codes: Iterable[int], *, ver_name: str, name: str = "阿莫西林胶囊") -> list[dict]:
    """1301 rows: code, generic name, flags and version; every other column null."""
    return [
        {
            "med_list_codg": f"XJ01CAA040A001010{code:05d}",
            "drug_genname": f"{name}{code}",
            "vali_flag": "1",
            "rid": f"RID{code:08d}",
            "ver": ver_name[:8],
            "ver_name": ver_name,
        }
        for code in codes
    ]


def catalog_zip(kind: str, rows: Iterable[Mapping], bad_lines: Iterable[str] = ()) -> bytes:
    """A 13xx zip written with the product's own writer, then (optionally) some malformed lines."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(f"{kind}.txt", "w") as member,
    ):
        write_rows(member, LAYOUTS[kind], rows)
        for line in bad_lines:
            member.write((line + "\n").encode("utf-8"))
    return buffer.getvalue()


# ------------------------------------------------------------------------------------ the sandbox bureau
def sandbox_engine(database, allocator, *, app=None, catalog_rows: int = 200, start=datetime(2025, 7, 14, 2)):
    """An engine talking to a sandbox app in process (a fresh one unless `app` is given); both clocks on
    the reconciliation day.  Returns (engine, app); close the app's state when done."""
    from medical_insurance_sdk.protocol.jsoncodec import BEIJING
    from medical_insurance_sdk.sandbox.app import create_sandbox_app
    from medical_insurance_sdk.sandbox.settings import SandboxSettings
    from medical_insurance_sdk.sandbox.transport import SyncSandboxTransport

    ours = moving_clock(start)
    if app is None:
        settings = SandboxSettings(catalog_rows=catalog_rows)
        app = create_sandbox_app(settings, clock=lambda: ours().replace(tzinfo=UTC).astimezone(BEIJING))
    flow = EngineFlow(FAST, clock=ours)
    transport = SyncSandboxTransport(app)
    return BureauEngine(database, allocator, transport=transport, settings=FAST, flow=flow), app


def settle_at_sandbox(engine, institution, person, visit: str, items: list[tuple[str, str, str]]) -> dict:
    """2201 → 2204 → 2206 → 2207 for one seed person; `items` are (med_list_codg, cnt, pric).  The 2207
    echoes the amounts the 2206 pre-settlement computed, as a HIS does."""
    options = {"institution": institution, "insuplc_admdvs": person.insuplc_admdvs}
    registered = engine.call(
        "2201",
        {
            "data": {
                "psn_no": person.psn_no,
                "insutype": person.insutype,
                "begntime": f"{DAY} 09:30:00",
                "mdtrt_cert_type": "02",
                "mdtrt_cert_no": person.certno,
                "ipt_otp_no": f"MZ{visit}",
                "atddr_no": "D430302000101",
                "dr_name": "李医生",
                "dept_code": "NK01",
                "dept_name": "普通内科",
                "caty": "A03",
            }
        },
        **options,
    )
    mdtrt_id = registered.output["data"]["mdtrt_id"]
    fees = [
        {
            "feedetl_sn": f"{visit}-{n}",
            "mdtrt_id": mdtrt_id,
            "psn_no": person.psn_no,
            "chrg_bchno": f"B{visit}",
            "rx_circ_flag": "0",
            "fee_ocur_time": f"{DAY} 09:45:00",
            "med_list_codg": code,
            "medins_list_codg": f"H{code[:10]}",
            "det_item_fee_sumamt": (Decimal(cnt) * Decimal(pric)).quantize(CENT),
            "cnt": Decimal(cnt),
            "pric": Decimal(pric),
            "bilg_dept_codg": "NK01",
            "bilg_dept_name": "普通内科",
            "bilg_dr_codg": "D430302000101",
            "bilg_dr_name": "李医生",
            "hosp_appr_flag": "1",
        }
        for n, (code, cnt, pric) in enumerate(items, 1)
    ]
    engine.call("2204", {"feedetail": fees}, **options)
    data = {
        "psn_no": person.psn_no,
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": person.certno,
        "med_type": "11",
        "medfee_sumamt": sum((f["det_item_fee_sumamt"] for f in fees), Decimal(0)),
        "psn_setlway": "01",
        "mdtrt_id": mdtrt_id,
        "chrg_bchno": f"B{visit}",
        "insutype": person.insutype,
        "acct_used_flag": "1",
    }
    trial = engine.call("2206", {"data": data}, **options).output["setlinfo"]
    parts = ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")
    settled = engine.call("2207", {"data": {**data, **{k: trial[k] for k in parts}}}, **options)
    return settled.output["setlinfo"]
