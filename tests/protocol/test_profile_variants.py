"""Province variant codes (issue 15 §3): `Profile.resolve`, the one place a code becomes (sent, transaction).

A registered transaction is sent as its own infno; a variant code the profile declares (`2206A: "2206"`) is
sent as itself with its base's record; anything else is 20001, the spec's code for an unknown interface.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medical_insurance_sdk.exceptions import UnsupportedInterfaceError
from medical_insurance_sdk.protocol.profiles import Profile, ProfileError, load_profile, variant_base
from medical_insurance_sdk.registry import REGISTRY


def _province(tmp_path: Path, variants: str) -> Profile:
    base = (Path(load_profile.__code__.co_filename).parent / "profiles" / "national.yaml").read_text("utf-8")
    path = tmp_path / "province.yaml"
    text = base.replace("name: national", "name: province").replace("variants: {}", variants)
    path.write_text(text, encoding="utf-8")
    return load_profile(path)


def test_a_declared_variant_is_sent_as_itself_with_its_bases_record(tmp_path: Path) -> None:
    province = _province(tmp_path, "variants:\n  2206A: '2206'\n  2201A: 2201\n")
    assert province.resolve("2206A", REGISTRY) == ("2206A", REGISTRY["2206"])
    assert province.resolve("2201A", REGISTRY) == ("2201A", REGISTRY["2201"])


def test_registered_names_resolve_as_before(tmp_path: Path) -> None:
    province = _province(tmp_path, "variants:\n  2203A: '2203'\n")
    tx = REGISTRY["2201"]
    for key in ("2201", tx.interface_type, tx.sdk_method):
        assert province.resolve(key, REGISTRY) == ("2201", tx)
    # a variant the registry knows keeps its own record, declared or not
    assert province.resolve("2203A", REGISTRY) == ("2203A", REGISTRY["2203A"])
    assert REGISTRY["2203A"] is not REGISTRY["2203"]


def test_an_undeclared_code_is_20001(tmp_path: Path) -> None:
    province = _province(tmp_path, "variants:\n  2206A: '2206'\n")
    with pytest.raises(UnsupportedInterfaceError) as undeclared:
        province.resolve("2206B", REGISTRY)
    assert undeclared.value.code == 20001
    told = undeclared.value.message
    assert told == "不支持的接口类型: 2206B（未登记，省份配置 province 也未声明该变体交易）"
    with pytest.raises(UnsupportedInterfaceError) as national:
        load_profile("national").resolve("2206A", REGISTRY)
    assert "省份配置 national 也未声明" in national.value.message
    with pytest.raises(UnsupportedInterfaceError) as other:
        province.resolve("no_such_interface", REGISTRY)
    assert other.value.message == "不支持的接口类型: no_such_interface"


def test_a_declared_variant_of_an_unknown_base_is_20001(tmp_path: Path) -> None:
    province = _province(tmp_path, "variants:\n  9899A: '9899'\n")
    with pytest.raises(UnsupportedInterfaceError, match="声明的基础交易 9899 不存在"):
        province.resolve("9899A", REGISTRY)


@pytest.mark.parametrize("variants", ["variants:\n  2206A: '2207'\n", "variants:\n  2206: '2206'\n"])
def test_a_variant_is_its_base_with_a_letter_suffix(tmp_path: Path, variants: str) -> None:
    with pytest.raises(ProfileError, match="去掉后缀的基础交易编号"):
        _province(tmp_path, variants)


def test_variant_base() -> None:
    assert [variant_base(c) for c in ("2206A", "3401A", "2206", "2206AB", "2206a", "2206A\n")] == [
        "2206",
        "3401",
        None,
        None,
        None,
        None,
    ]
