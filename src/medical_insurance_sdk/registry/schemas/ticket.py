"""Field tables of the 电子票据 category: 4901/4905 electronic settlement vouchers (电子结算凭证) and their
queries 4902/5501.

No public field table was found for any of them (see UNPUBLISHED); they stay generic.  Data only.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema

SCHEMAS: dict[str, Schema] = {}

_SEARCHED = (
    "searched the code and pages corpora (infno with 电子结算凭证, 上传结果查询, 凭证状态; field "
    "names bill_code, bill_chkcode, elec_setl_cert, rel_elec_setl_cert_code) and newtouch-cloud/openhis, "
    "fengzaiqishi11/hsa-his, liutao2019/IBORN_HIS_ALL: the only hits write a voucher platform's middle "
    "tables (mid_bsw_*), not the bureau's {infno} message; second round: exact-string search of the whole "
    "index for 【{infno}】, 电子结算凭证, 医保电子结算凭证, elecSetlCert, setl_cert, bill_chkcode (only HIS "
    "database tables such as BillMasterRecord/MdtrtRecord, no message), the docs corpus (an apifox page "
    "titled 5501 whose body is a 1101 example) and the Inner Mongolia models of newtouch-cloud/openhis (none "
    "for 49xx/5501)"
)

# Transactions of this module for which no public field table was found: infno -> what was searched.
UNPUBLISHED: dict[str, str] = {
    infno: _SEARCHED.format(infno=infno) for infno in ("4901", "4902", "4905", "5501")
}
