"""The answer cache (§9.2.1): catalog, dictionary and institution queries only, for `ttl` seconds."""

from __future__ import annotations

import pytest
from sdk_support import failure, ok

from medical_insurance_sdk.exceptions import ServiceUnavailableError
from medical_insurance_sdk.sdk._cache import AnswerCache

DICTIONARY = {"data": {"type": "insutype", "date": "2025-07-14"}}
PERSON = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "X", "psn_cert_type": "01"}}


def test_catalog_dictionary_and_institution_queries_are_cached(gateway, sdk) -> None:
    gateway.default = lambda request: ok({"list": [{"type": "insutype", "value": "310"}]})
    first = sdk.call("1901", DICTIONARY)
    second = sdk.call("1901", DICTIONARY)
    assert first is second and len(gateway.requests) == 1
    sdk.query_institution_info("H43028110001")
    sdk.query_institution_info("H43028110001")
    sdk.call("1312", {"data": {"hilist_code": "X", "page_num": 1, "page_size": 10}})
    sdk.call("1312", {"data": {"hilist_code": "X", "page_num": 1, "page_size": 10}})
    assert len(gateway.requests) == 3
    sdk.call("1901", {"data": {"type": "med_type", "date": "2025-07-14"}})  # another input: another entry
    assert len(gateway.requests) == 4


def test_person_and_money_data_are_never_cached(gateway, sdk) -> None:
    sdk.call("1101", PERSON)
    sdk.call("1101", PERSON)
    sdk.call("5203", {"data": {"psn_no": "P", "setl_id": "S", "mdtrt_id": "M"}})
    sdk.call("5203", {"data": {"psn_no": "P", "setl_id": "S", "mdtrt_id": "M"}})
    assert len(gateway.requests) == 4


def test_cache_can_be_disabled_and_bypassed(gateway, make_sdk) -> None:
    off = make_sdk(cache_enabled=False)
    off.call("1901", DICTIONARY)
    off.call("1901", DICTIONARY)
    assert len(gateway.requests) == 2
    on = make_sdk()
    on.call("1901", DICTIONARY)
    on.call("1901", DICTIONARY, options={"use_cache": False})
    assert len(gateway.requests) == 4


def test_failures_are_not_cached(gateway, make_sdk) -> None:
    sdk = make_sdk(max_attempts=1)
    gateway.script(failure(10005, "服务暂时不可用", status=503))
    with pytest.raises(ServiceUnavailableError):
        sdk.call("1901", DICTIONARY)
    sdk.call("1901", DICTIONARY)
    assert len(gateway.requests) == 2


def test_entries_expire_after_ttl() -> None:
    now = [1000.0]
    cache = AnswerCache(ttl=300, clock=lambda: now[0], max_entries=2)
    cache.put("a", 1)
    now[0] += 299
    assert cache.get("a") == 1
    now[0] += 2
    assert cache.get("a") is None
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)  # over max_entries: the least recently used goes
    assert cache.get("a") is None and cache.get("c") == 3
