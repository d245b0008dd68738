"""Province profiles: the shipped YAML files load, URLs come out right for each style, bad YAML is refused."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest
from pydantic import ValidationError

from medical_insurance_sdk.exceptions import RequestError, UnsupportedInterfaceError
from medical_insurance_sdk.protocol.profiles import (
    CATALOG_INFNOS,
    Profile,
    ProfileError,
    builtin_profiles,
    load_profile,
)

BASE = "http://10.1.2.3:8080"
CUSTOM = """
name: hubei-test
label: 湖北测试
endpoint:
  style: dispatcher
  path: /hsa/fsi/api/rsfComIfsService/callService
signer:
  kind: tif
  credentials: [paasid, token]
content_type: text/plain
infver: "V1.0"
recer_sys_code: MBS_LOCAL
file_upload_mode: multipart
plc:
  target: filename
dictionaries:
  clr_type:
    "51": 暂缓结算
  mdtrt_cert_type:
    "04": 澳门证件
"""


def write(tmp_path: Path, text: str, name: str = "province.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["national", "tif", "aksk", "shenzhen"])
def test_each_shipped_profile_loads(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert profile.label
    assert profile.content_type == "application/json"
    assert profile.plc.target == "fixmedins_code" and profile.plc.value == "plc"
    assert set(builtin_profiles()) >= {"national", "tif", "aksk", "shenzhen"}


def test_signers_name_their_credentials_only() -> None:
    assert load_profile("national").signer.kind == "none"
    assert load_profile("national").credentials == ()
    assert load_profile("tif").signer.kind == "tif"
    assert set(load_profile("tif").credentials) == {"paasid", "token"}
    aksk = load_profile("aksk")
    assert (aksk.signer.kind, set(aksk.credentials)) == ("aksk", {"access_key", "secret_key"})
    assert aksk.signer.options["api_version"] == "1.0.0"
    assert set(load_profile("shenzhen").credentials) == {"paasid", "token"}


def test_dispatcher_url_is_one_for_every_infno() -> None:
    for name in ("national", "aksk"):
        profile = load_profile(name)
        assert profile.endpoint.style == "dispatcher"
        url = f"{BASE}/fsi/api/rsfComIfsService/callService"
        assert profile.url_for("2207", BASE) == profile.url_for("1101", BASE + "/") == url


def test_per_service_url_follows_the_path_table() -> None:
    tif = load_profile("tif")
    base = f"{BASE}/ebus/rio_fsi"
    assert tif.url_for("9001", base) == f"{base}/fsi/api/signInSignOutService/signIn"
    assert tif.url_for("2207", base) == f"{base}/fsi/api/outpatientSettleService/saveSettletmentV2"
    assert tif.url_for("2207A", base) == f"{base}/fsi/api/outpatientSettleService/saveSettletment"
    assert tif.url_for("1306", base) == f"{base}/fsi/api/catalogdownservice/downCatalog1306"
    assert tif.url_for("3202", base + "/") == f"{base}/fsi/api/ybSettlementStmtService/stmtDetail"
    with pytest.raises(UnsupportedInterfaceError) as caught:
        tif.url_for("4101", base)
    assert caught.value.code == 20001 and caught.value.infno == "4101"


def test_shenzhen_url_is_templated_with_the_paasid() -> None:
    sz = load_profile("shenzhen")
    credentials = {"paasid": "sztest_hosp", "token": "never-in-the-url"}
    url = sz.url_for("1101", "https://sz.example", credentials)
    assert url == "https://sz.example/ebus/sztest_hosp/poc/hsa/hgs/1101"
    assert "never-in-the-url" not in url
    assert sz.url_for("1101", "https://sz.example", {"paasid": "a/b"}).count("/") == url.count("/")
    with pytest.raises(RequestError) as caught:
        sz.url_for("1101", "https://sz.example")
    assert "paasid" in caught.value.message


def test_plc_rule_applies_to_catalogue_files_only() -> None:
    national = load_profile("national")
    fields = {"file_qury_no": "Q1", "filename": "plc_1301.zip", "fixmedins_code": "H11010000001"}
    assert national.download_input("1301", **fields)["fixmedins_code"] == "plc"
    assert national.download_input("3202", **fields) == fields
    assert "1319" in CATALOG_INFNOS and "1320" not in CATALOG_INFNOS


def test_custom_yaml_file_loads(tmp_path: Path) -> None:
    path = write(tmp_path, CUSTOM)
    for source in (path, str(path)):
        profile = load_profile(source)
        assert profile.name == "hubei-test"
        assert profile.content_type == "text/plain"
        assert profile.file_upload_mode == "multipart"
        assert profile.recer_sys_code == "MBS_LOCAL"
        assert profile.url_for("2207", BASE) == f"{BASE}/hsa/fsi/api/rsfComIfsService/callService"
        assert profile.dictionary("clr_type") == {"51": "暂缓结算"}
        assert profile.dictionary("mdtrt_cert_type")["04"] == "澳门证件"
        assert profile.dictionary("gend") == {}
    fields = {"file_qury_no": "Q1", "filename": "f.zip", "fixmedins_code": "H1"}
    assert load_profile(path).download_input("1306", **fields) == {**fields, "filename": "plc"}


def test_profile_is_immutable_and_serialisable() -> None:
    tif = load_profile("tif")
    with pytest.raises(ValidationError):
        tif.name = "other"
    with pytest.raises(TypeError):
        tif.endpoint.paths["9999"] = "x"  # type: ignore[index]
    dumped = tif.model_dump()
    assert dumped["endpoint"]["paths"]["2207"] == "outpatientSettleService/saveSettletmentV2"
    assert Profile.model_validate(dumped) == tif
    assert copy.deepcopy(tif) == tif == pickle.loads(pickle.dumps(tif))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (CUSTOM + "timeout: 30\n", "timeout: 未知配置项"),
        (CUSTOM.replace("[paasid, token]", "[paasid, token]\n  token: s3cret"), "signer.token: 未知配置项"),
        (CUSTOM.replace('"51"', "51"), "字典代码必须"),
        (CUSTOM.replace("credentials: [paasid, token]", "credentials: [paasid]"), "token"),
        (CUSTOM.replace("style: dispatcher", "style: gateway"), "endpoint.style"),
        (CUSTOM.replace("path: /hsa", "path: hsa"), "path"),
        (CUSTOM.replace("name: hubei-test\n", ""), "name: 缺少必填项"),
        (CUSTOM.replace("  style: dispatcher\n  path: /hsa/fsi/api/rsfComIfsService/callService",
                        "  style: shenzhen\n  url_template: '{base}/{region}/{infno}'"), "region"),
    ],
)  # fmt: skip
def test_invalid_profiles_are_refused(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile(write(tmp_path, text))
    assert expected in str(caught.value)


def test_unknown_builtin_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="national"):
        load_profile("atlantis")
    with pytest.raises(ProfileError, match="无法读取"):
        load_profile(tmp_path / "missing.yaml")
    with pytest.raises(ProfileError, match="顶层"):
        load_profile(write(tmp_path, "- a\n- b\n"))
    with pytest.raises(ProfileError, match="YAML"):
        load_profile(write(tmp_path, "name: [unclosed\n"))
