"""Gateway signers (reference §2.3–2.4): known answers, round trips, and what verify rejects."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medical_insurance_sdk.exceptions import AuthenticationError
from medical_insurance_sdk.protocol.signing import (
    SIGNERS,
    AkSkSigner,
    NoSigner,
    Signer,
    TifSigner,
    aksk_sign_text,
    aksk_signature,
    make_signer,
    tif_signature,
)
from medical_insurance_sdk.utils import generate_signature

T0 = 1_700_000_000
TIF_KAT = "b60449e6940168381479b75553dd1e636b932d8a96498ceb0373e2874254f226"
AKSK_KAT = "qMJzw+cidxZsQyTMuUw6yHjozxE="
CSB_GO_KAT = "FJZJ2EhieLec7iJQXe8XzuE9kL4="


def fixed(value: float):
    return lambda: value


def assert_rejected(code: int, call, *args, **kwargs) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    return caught.value


# --- x-tif ----------------------------------------------------------------------------------------------


def tif(**kw) -> TifSigner:
    settings = {
        "paasid": "sztest_hosp",
        "token": "EXAMPLE_TOKEN",
        "clock": fixed(T0),
        "nonce": lambda: "a1b2c3",
    }
    return TifSigner(**{**settings, **kw})


def test_tif_signature_known_answer() -> None:
    assert tif_signature("1700000000", "EXAMPLE_TOKEN", "a1b2c3") == TIF_KAT


def test_tif_headers_known_answer() -> None:
    assert tif().headers("2207", b"{}") == {
        "x-tif-paasid": "sztest_hosp",
        "x-tif-timestamp": "1700000000",
        "x-tif-nonce": "a1b2c3",
        "x-tif-signature": TIF_KAT,
    }


def test_tif_timestamp_is_whole_seconds() -> None:
    assert tif(clock=fixed(T0 + 0.999)).headers("2207")["x-tif-timestamp"] == "1700000000"


def test_tif_default_nonce_is_fresh_per_call() -> None:
    signer = TifSigner("p", "t")
    assert signer.headers("2207")["x-tif-nonce"] != signer.headers("2207")["x-tif-nonce"]


def test_tif_verify_accepts_own_headers_in_any_case() -> None:
    headers = tif().headers("2207")
    tif().verify(headers)
    tif().verify({name.upper(): value for name, value in headers.items()})
    tif().verify({**headers, "x-tif-signature": TIF_KAT.upper()})


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("x-tif-signature", "0" * 64),
        ("x-tif-signature", "签名"),
        ("x-tif-nonce", "a1b2c4"),
        ("x-tif-timestamp", "1700000001"),
        ("x-tif-timestamp", "17e8"),
        ("x-tif-paasid", "other_hosp"),
        ("x-tif-nonce", ""),
    ],
)
def test_tif_verify_rejects_tampered_header(header: str, value: str) -> None:
    headers = {**tif().headers("2207"), header: value}
    assert_rejected(20008, tif().verify, headers)


@pytest.mark.parametrize("missing", ["x-tif-paasid", "x-tif-timestamp", "x-tif-nonce", "x-tif-signature"])
def test_tif_verify_rejects_missing_header(missing: str) -> None:
    headers = tif().headers("2207")
    del headers[missing]
    error = assert_rejected(20008, tif().verify, headers)
    assert missing in error.message


def test_tif_verify_rejects_wrong_token() -> None:
    assert_rejected(20008, tif(token="OTHER").verify, tif().headers("2207"))


def test_tif_verify_rejects_stale_and_future_timestamps() -> None:
    headers = tif().headers("2207")
    tif(clock=fixed(T0 + 300)).verify(headers)
    tif(clock=fixed(T0 - 300)).verify(headers)
    assert_rejected(20008, tif(clock=fixed(T0 + 301)).verify, headers)
    assert_rejected(20008, tif(clock=fixed(T0 - 301)).verify, headers)
    assert_rejected(20008, tif(clock=fixed(T0 + 11), max_skew=10).verify, headers)


def test_tif_signature_does_not_cover_the_body() -> None:
    # A protocol fact, not a wish: x-tif authenticates the caller only.  Content integrity needs TLS
    # (or the SM2 channel, which signs the data).
    headers = tif().headers("2207", b'{"a":1}')
    tif().verify(headers, b'{"a":2}')


# --- AK/SK ----------------------------------------------------------------------------------------------


def aksk(**kw) -> AkSkSigner:
    return AkSkSigner(**{"ak": "AK", "sk": "SK", "clock": fixed(T0), **kw})


def test_aksk_known_answer() -> None:
    params = {
        "_api_access_key": "AK",
        "_api_name": "2207",
        "_api_timestamp": "1700000000000",
        "_api_version": "1.0.0",
    }
    assert (
        aksk_sign_text(params)
        == "_api_access_key=AK&_api_name=2207&_api_timestamp=1700000000000&_api_version=1.0.0"
    )
    assert aksk_signature(params, "SK") == AKSK_KAT


def test_aksk_go_csb_known_answer_with_form_params() -> None:
    params = {
        "a": "1",
        "b": "2",
        "_api_name": "PING",
        "_api_version": "vcsb",
        "_api_timestamp": "1234567890123",
        "_api_access_key": "ak",
    }
    assert aksk_signature(params, "sk") == CSB_GO_KAT
    signer = AkSkSigner("ak", "sk", api_version="vcsb")
    assert signer.sign("PING", 1234567890123, form={"a": "1", "b": "2"})["_api_signature"] == CSB_GO_KAT


def test_aksk_signature_ignores_a_signature_param() -> None:
    params = {"_api_name": "PING", "_api_signature": "whatever"}
    assert aksk_sign_text(params) == "_api_name=PING"


def test_aksk_headers_known_answer() -> None:
    assert aksk().headers("2207", b"{}") == {
        "_api_access_key": "AK",
        "_api_name": "2207",
        "_api_timestamp": "1700000000000",
        "_api_version": "1.0.0",
        "_api_signature": AKSK_KAT,
    }


def test_aksk_fixed_api_name_overrides_infno() -> None:
    headers = aksk(api_name="hssServives").headers("3101")
    assert headers["_api_name"] == "hssServives"
    aksk(api_name="hssServives").verify(headers)
    assert_rejected(20008, aksk(api_name="hssServives").verify, aksk().headers("3101"))


def test_aksk_api_name_template_from_a_profile() -> None:
    # The aksk profile names its credentials access_key/secret_key and sets api_name: "{infno}".
    signer = make_signer("aksk", access_key="AK", secret_key="SK", api_name="{infno}", clock=fixed(T0))
    assert signer.headers("2207") == aksk().headers("2207")
    signer.verify(aksk().headers("2208"))
    assert aksk(api_name="hsa.{infno}").headers("2207")["_api_name"] == "hsa.2207"


def test_aksk_verify_accepts_own_headers_and_form() -> None:
    aksk().verify(aksk().headers("2207"))
    form = {"jsonStr": "{}", "infno": "9101"}
    aksk().verify(aksk().headers("9101", form=form), form=form)
    assert_rejected(20008, aksk().verify, aksk().headers("9101", form=form), form={**form, "infno": "9102"})


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("_api_signature", AKSK_KAT.replace("q", "Q", 1)),
        ("_api_signature", "签名"),
        ("_api_name", "2208"),
        ("_api_version", "2.0.0"),
        ("_api_timestamp", "1700000000001"),
        ("_api_timestamp", "-1"),
        ("_api_access_key", "AK2"),
        ("_api_extra", "sneaked-in"),
    ],
)
def test_aksk_verify_rejects_tampered_header(header: str, value: str) -> None:
    headers = {**aksk().headers("2207"), header: value}
    assert_rejected(20008, aksk().verify, headers)


def test_aksk_verify_rejects_wrong_secret_and_stale_timestamp() -> None:
    headers = aksk().headers("2207")
    assert_rejected(20008, aksk(sk="OTHER").verify, headers)
    aksk(clock=fixed(T0 + 300)).verify(headers)
    assert_rejected(20008, aksk(clock=fixed(T0 + 300.001)).verify, headers)
    assert_rejected(20008, aksk(clock=fixed(T0 - 301)).verify, headers)


@given(
    infno=st.from_regex(r"\A[0-9]{4}[A-Z]?\Z"),
    now=st.floats(min_value=1e9, max_value=4e9),
    body=st.binary(max_size=64),
)
def test_signers_verify_what_they_sign(infno: str, now: float, body: bytes) -> None:
    for signer in (tif(clock=fixed(now), nonce=lambda: "n"), aksk(clock=fixed(now))):
        signer.verify(signer.headers(infno, body), body)


# --- generate_signature (spec §7.1.3, §11.4) ------------------------------------------------------------


def test_generate_signature_as_the_spec_calls_it() -> None:
    signature = generate_signature(
        api_name="2207", api_version="1.0.0", timestamp=1700000000000, ak="AK", sk="SK"
    )
    assert signature == AKSK_KAT
    assert generate_signature("2207", "1.0.0", "1700000000000", "AK", "SK") == AKSK_KAT


@pytest.mark.parametrize(("ak", "sk"), [("", "SK"), ("AK", "")])
def test_generate_signature_without_credentials_is_a_config_error(ak: str, sk: str) -> None:
    assert_rejected(20009, generate_signature, "2207", "1.0.0", 1700000000000, ak, sk)


# --- none, registry -------------------------------------------------------------------------------------


def test_no_signer() -> None:
    assert NoSigner().headers("2207", b"{}") == {}
    NoSigner().verify({}, b"")


def test_make_signer_builds_each_kind() -> None:
    assert set(SIGNERS) == {"none", "tif", "aksk"}
    assert isinstance(make_signer("none"), NoSigner)
    built = make_signer(
        "TIF", paasid="sztest_hosp", token="EXAMPLE_TOKEN", clock=fixed(T0), nonce=lambda: "a1b2c3"
    )
    assert built.headers("2207") == tif().headers("2207")
    assert make_signer("aksk", ak="AK", sk="SK", clock=fixed(T0)).headers("2207") == aksk().headers("2207")
    typed: list[Signer] = [NoSigner(), tif(), aksk()]  # mypy checks that each kind fits the protocol
    assert all(isinstance(signer, Signer) for signer in typed)
    for kind, settings in (
        ("none", {}),
        ("tif", {"paasid": "p", "token": "t"}),
        ("aksk", {"ak": "a", "sk": "s"}),
    ):
        assert isinstance(make_signer(kind, **settings), Signer)


@pytest.mark.parametrize(
    ("kind", "settings"),
    [
        ("rsa", {}),
        ("tif", {"paasid": "p"}),
        ("tif", {"paasid": "p", "token": ""}),
        ("tif", {"paasid": "p", "token": "t", "sk": "s"}),
        ("aksk", {"ak": "a"}),
        ("none", {"token": "t"}),
    ],
)
def test_make_signer_rejects_bad_config(kind: str, settings: dict[str, str]) -> None:
    assert_rejected(20009, make_signer, kind, **settings)


def test_secrets_stay_out_of_repr() -> None:
    assert "EXAMPLE_TOKEN" not in repr(tif())
    assert "'SK'" not in repr(aksk())
