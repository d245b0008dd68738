"""SM3/SM4/SM2 primitives and the SM4 + SM2 envelope (reference §2.5).

Known answers come from the national standards and the reference; `@pytest.mark.node` tests check every
primitive both ways against sm-crypto, an independent JavaScript implementation (tests/protocol/interop).
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medical_insurance_sdk.exceptions import AuthenticationError, RequestError, ResponseFormatError
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.protocol.sm_channel import (
    SmChannel,
    decrypt_data,
    derive_sm4_key,
    encrypt_data,
    generate_keypair,
    public_key_of,
    sign_text,
)
from medical_insurance_sdk.protocol.sm_crypto import (
    DEFAULT_USER_ID,
    N,
    public_key_xy,
    sm2_digest,
    sm2_generate_private_key,
    sm2_public_key,
    sm2_sign,
    sm2_verify,
    sm2_z,
    sm3,
    sm4_ecb_decrypt,
    sm4_ecb_encrypt,
)

# Synthetic channel credentials of the reference's test vector.
APP_ID = "ABCDEFGHIJKLMNOPQRSTUVWX12345678"
APP_SECRET = "0123456789ABCDEF0123456789ABCDEF"
SM4_KEY = b"B5761CEB9AECB766"

# GB/T 32918.5-2017 (GM/T 0003.5) example on sm2p256v1: ID 1234567812345678, message "message digest".
STD_D = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
STD_PUB = bytes.fromhex(
    "04"
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
STD_Z = bytes.fromhex("B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3")
STD_K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
STD_SIG = bytes.fromhex(
    "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
)

# d = 11: its public x starts with hex "04", which gmssl's constructor would strip (see sm_crypto._engine).
D_04 = (11).to_bytes(32, "big")

HIS_KEY = base64.b64encode(STD_D).decode()
BUREAU_KEY = base64.b64encode(sm3(b"bureau test key")).decode()
T0 = 1_700_000_000


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def channel(side: str = "his", **kw: Any) -> SmChannel:
    """The hospital end or the bureau end of one test channel."""
    own, peer = (HIS_KEY, BUREAU_KEY) if side == "his" else (BUREAU_KEY, HIS_KEY)
    settings = {
        "app_id": APP_ID,
        "app_secret": APP_SECRET,
        "private_key": own,
        "peer_public_key": public_key_of(peer),
        "clock": lambda: T0,
    }
    return SmChannel(**{**settings, **kw})


def rejected(exc_type: type[Exception], code: int, call: Callable[..., Any], *args: Any, **kw: Any) -> None:
    with pytest.raises(exc_type) as caught:
        call(*args, **kw)
    assert caught.value.code == code  # type: ignore[attr-defined]


# --- SM3, SM4 -------------------------------------------------------------------------------------------


def test_sm3_standard_vector() -> None:
    # GB/T 32905-2016 example 1.
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm4_standard_vector_and_padding() -> None:
    # GB/T 32907-2016 example 1 (one block); PKCS#7 then adds a full padding block.
    block = bytes.fromhex("0123456789abcdeffedcba9876543210")
    ciphertext = sm4_ecb_encrypt(block, block)
    assert len(ciphertext) == 32
    assert ciphertext[:16].hex() == "681edf34d206965e86b3e94f536e4246"
    assert sm4_ecb_decrypt(block, ciphertext) == block


def test_sm4_decrypt_rejects_damaged_text() -> None:
    with pytest.raises(ValueError):
        sm4_ecb_decrypt(SM4_KEY, b"\x00" * 15)
    with pytest.raises(ValueError):
        sm4_ecb_decrypt(SM4_KEY, sm4_ecb_encrypt(SM4_KEY, b"x")[:-1] + b"\x00")


def test_key_derivation_and_enc_data_reference_vector() -> None:
    assert derive_sm4_key(APP_ID, APP_SECRET) == SM4_KEY
    assert encrypt_data({"a": "1"}, SM4_KEY) == "27044D82D1CA0C72BF0037F9B4B9BD76"
    assert decrypt_data("27044D82D1CA0C72BF0037F9B4B9BD76", SM4_KEY) == {"a": "1"}
    assert decrypt_data("27044d82d1ca0c72bf0037f9b4b9bd76", SM4_KEY) == {"a": "1"}


def test_key_derivation_uses_only_the_first_block_of_the_secret() -> None:
    assert derive_sm4_key(APP_ID, APP_SECRET[:16] + "anything else") == SM4_KEY
    assert derive_sm4_key(APP_ID, "F" + APP_SECRET[1:]) != SM4_KEY
    with pytest.raises(ValueError):
        derive_sm4_key("short", APP_SECRET)


def test_enc_data_json_form() -> None:
    data = {"name": "张三", "amt": Decimal("12.50"), "n": 3, "ok": True, "none": None, "l": []}
    plaintext = sm4_ecb_decrypt(SM4_KEY, bytes.fromhex(encrypt_data(data, SM4_KEY)))
    assert plaintext == '{"name":"张三","amt":12.50,"n":3,"ok":true,"none":null,"l":[]}'.encode()
    assert decrypt_data(encrypt_data(data, SM4_KEY), SM4_KEY)["amt"] == Decimal("12.50")


# --- SM2 ------------------------------------------------------------------------------------------------


def test_sm2_standard_vector() -> None:
    assert sm2_public_key(STD_D) == STD_PUB
    assert sm2_z(STD_PUB) == STD_Z
    assert sm2_sign(b"message digest", STD_D, k=STD_K) == STD_SIG
    assert sm2_verify(b"message digest", STD_SIG, STD_PUB)


def test_sm2_z_binds_the_user_id() -> None:
    assert sm2_z(STD_PUB, DEFAULT_USER_ID) == STD_Z
    assert sm2_z(STD_PUB, APP_SECRET.encode()) != STD_Z
    assert sm2_digest(b"m", STD_PUB) == sm3(STD_Z + b"m")


def test_sm2_sign_verify_with_random_k_and_any_user_id() -> None:
    d = sm2_generate_private_key()
    pub = sm2_public_key(d)
    uid = APP_SECRET.encode()
    one, two = sm2_sign(b"text", d, user_id=uid), sm2_sign(b"text", d, user_id=uid)
    assert one != two  # fresh k each time
    assert sm2_verify(b"text", one, pub, user_id=uid)
    assert sm2_verify(b"text", two, pub[1:], user_id=uid)  # 64-byte x||y works too
    assert not sm2_verify(b"text", one, pub)  # default ID
    assert not sm2_verify(b"texT", one, pub, user_id=uid)
    assert not sm2_verify(b"text", one, sm2_public_key(sm2_generate_private_key()), user_id=uid)


def test_sm2_key_whose_x_starts_with_04() -> None:
    pub = sm2_public_key(D_04)
    assert pub[1:].hex().startswith("04")
    signature = sm2_sign(b"m", D_04)
    assert sm2_verify(b"m", signature, pub)
    assert sm2_verify(b"m", signature, pub[1:])


@pytest.mark.parametrize(
    "signature",
    [
        STD_SIG[:63],
        STD_SIG + b"\x00",
        bytes(32) + STD_SIG[32:],  # r = 0
        STD_SIG[:32] + N.to_bytes(32, "big"),  # s = n
        STD_SIG[:32] + bytes(32),  # s = 0
        bytes(64),
    ],
)
def test_sm2_verify_rejects_malformed_signatures(signature: bytes) -> None:
    assert not sm2_verify(b"message digest", signature, STD_PUB)


def test_sm2_key_checks() -> None:
    for bad in (STD_PUB[:64], b"\x02" + STD_PUB[1:], b"\x04" + (1).to_bytes(32, "big") * 2):
        with pytest.raises(ValueError):
            public_key_xy(bad)
        assert not sm2_verify(b"message digest", STD_SIG, bad)
    for bad_d in (bytes(32), (N - 1).to_bytes(32, "big"), STD_D[:31]):
        with pytest.raises(ValueError):
            sm2_public_key(bad_d)
    with pytest.raises(ValueError):
        sm2_sign(b"m", STD_D, k=0)
    with pytest.raises(ValueError):
        sm2_sign(b"m", STD_D, k=N)


def test_generate_keypair_formats() -> None:
    private, public = generate_keypair()
    assert len(base64.b64decode(private)) == 32
    assert base64.b64decode(public)[0] == 4 and len(base64.b64decode(public)) == 65
    assert public_key_of(private) == public


# --- sign text ------------------------------------------------------------------------------------------


def test_sign_text_rules() -> None:
    envelope: dict[str, Any] = {
        "appId": "APP",
        "encType": "SM4",
        "signType": "SM2",
        "timestamp": "1700000000000",
        "version": "2.0.1",
        "encData": "ABCD",
        "signData": "xyz",
        "extra": {"ignored": 1},
        "message": None,
        "note": "",
        "code": 0,
        "raw": 'a&b=c "q"',
        "data": {
            "psnNo": "P001",
            "medfeeSumamt": Decimal("12.50"),
            "cnt": 2,
            "acctUsedFlag": True,
            "memo": "",
            "idNo": None,
            "diseinfoList": [],
            "feedetailList": [{"z": "", "b": 1, "a": None, "A": '中文"'}, "", None, [], {}, False],
            "extData": {},
            "Zeta": "x",
        },
    }
    data = (
        '{"Zeta":"x","acctUsedFlag":"true","cnt":"2","extData":{},'
        '"feedetailList":[{"A":"中文\\"","b":"1"},{},"false"],"medfeeSumamt":"12.50","psnNo":"P001"}'
    )
    assert sign_text(envelope, "SECRET") == (
        f'appId=APP&code=0&data={data}&encType=SM4&raw=a&b=c "q"&signType=SM2'
        "&timestamp=1700000000000&version=2.0.1&key=SECRET"
    )


def test_sign_text_keeps_a_list_emptied_by_cleaning() -> None:
    # The NHSA SignUtil judges emptiness before cleaning: [null, ""] is not empty, its cleaned form is [].
    assert sign_text({"data": {"l": [None, ""]}}, "S") == 'data={"l":[]}&key=S'
    assert sign_text({"data": [None]}, "S") == "data=[]&key=S"
    assert sign_text({"data": []}, "S") == "key=S"


def test_sign_text_sorts_by_utf16_code_units() -> None:
    # U+1F600 is the surrogate pair D83D DE00, which sorts before U+FF21 in Java and JavaScript.
    text = sign_text({"\uff21": "1", "\U0001f600": "2", "B": "3", "a": "4"}, "S")
    assert text == "B=3&a=4&\U0001f600=2&\uff21=1&key=S"


def test_sign_text_numbers_and_booleans_at_top_level() -> None:
    assert (
        sign_text({"n": 10, "d": Decimal("1E+2"), "t": True, "f": False}, "S")
        == "d=100&f=false&n=10&t=true&key=S"
    )


# --- the channel ----------------------------------------------------------------------------------------

DATA = {"payOrdId": "ORD001", "orgCodg": "H12345678901", "feeSumamt": Decimal("100.50"), "name": "张三"}


def test_seal_builds_the_envelope() -> None:
    envelope = channel().seal(DATA, k=STD_K)
    assert list(envelope) == ["appId", "encType", "signType", "timestamp", "version", "encData", "signData"]
    assert envelope["appId"] == APP_ID
    assert (envelope["encType"], envelope["signType"], envelope["version"]) == ("SM4", "SM2", "2.0.1")
    assert envelope["timestamp"] == "1700000000000"
    assert envelope["encData"] == encrypt_data(DATA, SM4_KEY)
    assert len(base64.b64decode(envelope["signData"])) == 64
    assert channel().seal(DATA, k=STD_K) == envelope  # deterministic with a fixed k
    assert channel().seal(DATA)["signData"] != channel().seal(DATA)["signData"]


def test_seal_then_open_round_trip() -> None:
    assert channel("bureau").open(channel("his").seal(DATA)) == DATA
    response = channel("bureau").seal({"ordStas": "6"}, envelope_fields={"code": 0, "message": "成功"})
    assert response["code"] == 0
    assert channel("his").open(response) == {"ordStas": "6"}


@pytest.mark.parametrize("key", ["data", "encData", "signData"])
def test_envelope_fields_cannot_replace_the_sealed_parts(key: str) -> None:
    with pytest.raises(ValueError):
        channel().seal(DATA, envelope_fields={key: "x"})


def test_version_can_be_omitted() -> None:
    envelope = channel(version=None).seal(DATA)
    assert "version" not in envelope
    assert channel("bureau").open(envelope) == DATA


def test_signature_covers_the_plaintext_data() -> None:
    envelope = channel().seal(DATA)
    expected = sign_text({**envelope, "data": DATA}, APP_SECRET).encode()
    his_public = base64.b64decode(channel().public_key)
    assert sm2_verify(
        expected, base64.b64decode(envelope["signData"]), his_public, user_id=APP_SECRET.encode()
    )


@pytest.mark.parametrize(
    "tamper",
    [
        {"timestamp": "1700000000001"},
        {"appId": APP_ID[:-1] + "9"},
        {"version": "1.0.0"},
        {"code": 0},
        {"encData": encrypt_data({**DATA, "payOrdId": "ORD002"}, SM4_KEY)},
        {"signData": channel().seal(DATA)["signData"][::-1]},
        {"signData": "not base64!"},
        {"signData": ""},
    ],
)
def test_open_rejects_a_bad_signature(tamper: dict[str, Any]) -> None:
    envelope = {**channel().seal(DATA), **tamper}
    rejected(AuthenticationError, 20008, channel("bureau").open, envelope)


def test_open_rejects_a_missing_signature_and_another_signer() -> None:
    envelope = channel().seal(DATA)
    del envelope["signData"]
    rejected(AuthenticationError, 20008, channel("bureau").open, envelope)
    stranger = channel(private_key=b64(sm2_generate_private_key())).seal(DATA)
    rejected(AuthenticationError, 20008, channel("bureau").open, stranger)


def test_user_id_must_agree() -> None:
    nhsa_style = channel().seal(DATA)
    portal_style = channel(user_id=DEFAULT_USER_ID).seal(DATA)
    assert channel("bureau", user_id="1234567812345678").open(portal_style) == DATA
    rejected(AuthenticationError, 20008, channel("bureau").open, portal_style)
    rejected(AuthenticationError, 20008, channel("bureau", user_id=DEFAULT_USER_ID).open, nhsa_style)


@pytest.mark.parametrize(
    "tamper",
    [
        {"encData": None},
        {"encData": ""},
        {"encData": "XYZ"},
        {"encData": "00" * 16},
        {"encType": "AES"},
        {"signType": "RSA"},
    ],
)
def test_open_rejects_an_unreadable_envelope(tamper: dict[str, Any]) -> None:
    envelope = {**channel().seal(DATA), **tamper}
    rejected(ResponseFormatError, 20004, channel("bureau").open, envelope)
    rejected(RequestError, 10002, channel("bureau").open, envelope, malformed_code=10002)


def test_open_with_the_wrong_app_secret_cannot_decrypt() -> None:
    envelope = channel().seal(DATA)
    rejected(ResponseFormatError, 20004, channel("bureau", app_secret="F" + APP_SECRET[1:]).open, envelope)


@pytest.mark.parametrize(
    "settings",
    [
        {"app_id": "SHORT"},
        {"app_secret": ""},
        {"private_key": "not base64!"},
        {"private_key": b64(bytes(32))},
        {"private_key": b64(STD_D[:16])},
        {"peer_public_key": b64(STD_PUB[:40])},
        {"peer_public_key": b64(b"\x04" + bytes(64))},
    ],
)
def test_bad_channel_config(settings: dict[str, str]) -> None:
    base = {
        "app_id": APP_ID,
        "app_secret": APP_SECRET,
        "private_key": HIS_KEY,
        "peer_public_key": b64(STD_PUB),
    }
    rejected(AuthenticationError, 20009, SmChannel, **{**base, **settings})


def test_channel_repr_hides_secrets() -> None:
    text = repr(channel())
    assert APP_SECRET not in text and HIS_KEY not in text


# --- properties -----------------------------------------------------------------------------------------

keys = st.text(max_size=6)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**15), max_value=10**15)
    | st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=12,
)
data_dicts = st.dictionaries(keys, json_values, max_size=6)


def _reordered_with_empties(value: Any) -> Any:
    if isinstance(value, dict):
        flipped = {k: _reordered_with_empties(v) for k, v in reversed(value.items())}
        return {**flipped, "\x00none": None, "\x00blank": "", "\x00list": []}
    if isinstance(value, list):
        # Only a non-empty list may gain empty items: [] is dropped, but [None] is kept as [].
        return [_reordered_with_empties(v) for v in value] + ([None, ""] if value else [])
    return value


@settings(max_examples=60, deadline=None)
@given(data=data_dicts)
def test_property_seal_open_round_trip(data: dict[str, Any]) -> None:
    assert channel("bureau").open(channel("his").seal(data)) == data


@given(data=data_dicts)
def test_property_sign_text_ignores_key_order_and_empty_values(data: dict[str, Any]) -> None:
    envelope = {"appId": APP_ID, "data": data}
    assert sign_text(envelope, APP_SECRET) == sign_text(
        {"data": _reordered_with_empties(data), "appId": APP_ID, "none": None}, APP_SECRET
    )


@settings(max_examples=30, deadline=None)
@given(data=data_dicts, extra=st.text(min_size=1, max_size=4))
def test_property_changed_data_fails_verification(data: dict[str, Any], extra: str) -> None:
    envelope = channel().seal(data)
    changed = {**data, "\uffffadded": extra}
    forged = {**envelope, "encData": encrypt_data(changed, SM4_KEY)}
    rejected(AuthenticationError, 20008, channel("bureau").open, forged)


# --- interop with sm-crypto (JavaScript) ----------------------------------------------------------------

INTEROP = Path(__file__).parent / "interop"
JsRunner = Callable[[list[dict[str, Any]]], list[Any]]


@pytest.fixture(scope="session")
def sm_crypto_js() -> JsRunner:
    """Runs calls through tests/protocol/interop/sm_interop.js, installing sm-crypto on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("sm-crypto interop needs Node.js (17.4 or later) and npm on PATH")
    if not (INTEROP / "node_modules" / "sm-crypto").is_dir():
        install = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund"],
            cwd=INTEROP,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if install.returncode:
            pytest.fail(f"npm install failed in {INTEROP}:\n{install.stdout}\n{install.stderr}")

    def run(calls: list[dict[str, Any]]) -> list[Any]:
        done = subprocess.run(
            [node, "sm_interop.js"],
            cwd=INTEROP,
            input=json.dumps(calls),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        results: list[Any] = json.loads(done.stdout)
        return results

    return run


def _js_user_id(user_id: bytes | None) -> dict[str, str]:
    # sm-crypto applies its default ID only when userId is absent (null would break it).
    return {} if user_id is None else {"userId": user_id.decode()}


MESSAGES = [b"", b"abc", "医保移动支付 appId=X&key=Y".encode(), bytes(range(256)) * 4]
SIGN_TEXT = sign_text({"appId": APP_ID, "data": DATA, "timestamp": "1700000000000"}, APP_SECRET)


@pytest.mark.node
def test_interop_sm3(sm_crypto_js: JsRunner) -> None:
    results = sm_crypto_js([{"op": "sm3", "hex": m.hex()} for m in MESSAGES])
    assert results == [sm3(m).hex() for m in MESSAGES]


@pytest.mark.node
def test_interop_sm4_both_ways(sm_crypto_js: JsRunner) -> None:
    plaintexts = [*MESSAGES, b'{"a":"1"}', b"0123456789abcdef"]
    ours = [sm4_ecb_encrypt(SM4_KEY, p) for p in plaintexts]
    key = SM4_KEY.hex()
    js_cipher = sm_crypto_js([{"op": "sm4Encrypt", "keyHex": key, "hex": p.hex()} for p in plaintexts])
    js_plain = sm_crypto_js([{"op": "sm4Decrypt", "keyHex": key, "hex": c.hex()} for c in ours])
    assert js_cipher == [c.hex() for c in ours]  # ECB is deterministic, so equal texts prove both ways
    assert js_plain == [p.hex() for p in plaintexts]
    assert [sm4_ecb_decrypt(SM4_KEY, bytes.fromhex(c)) for c in js_cipher] == plaintexts
    assert js_cipher[4].upper() == "27044D82D1CA0C72BF0037F9B4B9BD76"


@pytest.mark.node
def test_interop_sm4_key_derivation(sm_crypto_js: JsRunner) -> None:
    (k0,) = sm_crypto_js(
        [{"op": "sm4Encrypt", "keyHex": APP_ID[:16].encode().hex(), "hex": APP_SECRET.encode().hex()}]
    )
    assert k0.upper()[:16].encode() == derive_sm4_key(APP_ID, APP_SECRET)


@pytest.mark.node
def test_interop_sm2_public_key(sm_crypto_js: JsRunner) -> None:
    privates = [STD_D, D_04, sm2_generate_private_key()]
    results = sm_crypto_js([{"op": "sm2PublicKey", "privateHex": d.hex()} for d in privates])
    assert results == [sm2_public_key(d).hex() for d in privates]


@pytest.mark.node
@pytest.mark.parametrize("user_id", [APP_SECRET.encode(), None], ids=["appSecret", "default"])
def test_interop_sm2_signature_made_here_verifies_in_sm_crypto(
    sm_crypto_js: JsRunner, user_id: bytes | None
) -> None:
    uid = DEFAULT_USER_ID if user_id is None else user_id
    other = None if user_id is not None else APP_SECRET.encode()
    calls = []
    for d in (STD_D, D_04):
        signature = sm2_sign(SIGN_TEXT.encode(), d, user_id=uid).hex()
        base = {
            "op": "sm2Verify",
            "message": SIGN_TEXT,
            "signatureHex": signature,
            "publicHex": sm2_public_key(d).hex(),
        }
        calls += [{**base, **_js_user_id(user_id)}, {**base, **_js_user_id(other)}]
    calls.append({**calls[0], "publicHex": sm2_public_key(D_04).hex()})  # STD_D's signature, D_04's key
    assert sm_crypto_js(calls) == [True, False, True, False, False]


@pytest.mark.node
@pytest.mark.parametrize("user_id", [APP_SECRET.encode(), None], ids=["appSecret", "default"])
def test_interop_sm2_signature_made_by_sm_crypto_verifies_here(
    sm_crypto_js: JsRunner, user_id: bytes | None
) -> None:
    uid = DEFAULT_USER_ID if user_id is None else user_id
    calls = [
        {"op": "sm2Sign", "message": SIGN_TEXT, "privateHex": d.hex(), "publicHex": sm2_public_key(d).hex()}
        | _js_user_id(user_id)
        for d in (STD_D, D_04, STD_D)
    ]
    signatures = [bytes.fromhex(s) for s in sm_crypto_js(calls)]
    assert signatures[0] != signatures[2]  # sm-crypto draws a fresh k too
    for d, signature in zip((STD_D, D_04, STD_D), signatures, strict=True):
        assert sm2_verify(SIGN_TEXT.encode(), signature, sm2_public_key(d), user_id=uid)
        assert not sm2_verify(SIGN_TEXT.encode(), signature, sm2_public_key(d), user_id=b"someone else")
        assert not sm2_verify(SIGN_TEXT.encode() + b" ", signature, sm2_public_key(d), user_id=uid)


@pytest.mark.node
def test_interop_envelope_sealed_here_opens_in_sm_crypto(sm_crypto_js: JsRunner) -> None:
    envelope = channel().seal(DATA)
    plain_hex, valid = sm_crypto_js(
        [
            {"op": "sm4Decrypt", "keyHex": SM4_KEY.hex(), "hex": envelope["encData"].lower()},
            {
                "op": "sm2Verify",
                "message": sign_text({**envelope, "data": DATA}, APP_SECRET),
                "signatureHex": base64.b64decode(envelope["signData"]).hex(),
                "publicHex": base64.b64decode(channel().public_key).hex(),
                "userId": APP_SECRET,
            },
        ]
    )
    assert jsoncodec.loads(bytes.fromhex(plain_hex)) == DATA
    assert valid is True


@pytest.mark.node
def test_interop_envelope_sealed_by_sm_crypto_opens_here(sm_crypto_js: JsRunner) -> None:
    data = {"payOrdId": "ORD009", "name": "李四", "feedetailList": [{"cnt": 2, "pric": "3.50"}]}
    fields = {"appId": APP_ID, "encType": "SM4", "signType": "SM2", "timestamp": "1700000000000"}
    enc_hex, signature_hex = sm_crypto_js(
        [
            {
                "op": "sm4Encrypt",
                "keyHex": SM4_KEY.hex(),
                "hex": json.dumps(data, ensure_ascii=False).encode().hex(),
            },
            {
                "op": "sm2Sign",
                "message": sign_text({**fields, "data": data}, APP_SECRET),
                "privateHex": STD_D.hex(),
                "userId": APP_SECRET,
            },
        ]
    )
    envelope = {**fields, "encData": enc_hex.upper(), "signData": b64(bytes.fromhex(signature_hex))}
    assert channel("bureau").open(envelope) == data
