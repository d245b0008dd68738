"""Small public helpers that the spec's examples import from `medical_insurance_sdk.utils` (spec §11.4)."""

from __future__ import annotations

from medical_insurance_sdk.protocol.signing import AKSK_SIGNATURE, AkSkSigner


def generate_signature(api_name: str, api_version: str, timestamp: int | str, ak: str, sk: str) -> str:
    """The AK/SK `_api_signature` of one call (spec §7.1.3, reference §2.4).

    `timestamp` is Unix milliseconds.  Empty `ak`/`sk` raise AuthenticationError(20009).

        generate_signature(api_name="1101", api_version="1.0.0", timestamp=1700000000000, ak="AK", sk="SK")
    """
    signer = AkSkSigner(ak=ak, sk=sk, api_version=api_version)
    return signer.sign(api_name, timestamp)[AKSK_SIGNATURE]
