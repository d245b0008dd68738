"""Chinese national-standard primitives: SM3 hash, SM4-ECB with PKCS#7, SM3withSM2 sign/verify.

Bytes in, bytes out; no I/O, no encodings (Base64/hex belong to `sm_channel`).  Bad input raises ValueError.

- SM3 and SM4 come from `cryptography` (OpenSSL).
- SM2 uses gmssl's `CryptSM2` for the curve arithmetic only.  The digest e = SM3(Z ‖ M) is computed here,
  because gmssl's `sign_with_sm3` hard-codes the default user ID, and the NHSA channel signs with the
  appSecret as user ID.  The nonce k comes from `secrets` unless a test injects one.

      signature = sm2_sign(b"text", private_key, user_id=b"app-secret")   # 64 bytes r ‖ s
      assert sm2_verify(b"text", signature, sm2_public_key(private_key), user_id=b"app-secret")

gmssl is pure Python and not constant-time; that is acceptable for a client signing its own requests, not
for a signing service exposed to attackers who can time it.
"""

from __future__ import annotations

import secrets

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmssl.sm2 import CryptSM2, default_ecc_table

DEFAULT_USER_ID = b"1234567812345678"
"""The SM2 user ID of GB/T 35276 when the parties agree on none (sm-crypto's and BouncyCastle's default)."""

# Curve sm2p256v1 (GB/T 32918.5), taken from gmssl's table so that both use the very same parameters.
P = int(default_ecc_table["p"], 16)
A = int(default_ecc_table["a"], 16)
B = int(default_ecc_table["b"], 16)
N = int(default_ecc_table["n"], 16)
G_HEX = default_ecc_table["g"]
_SIZE = 32


# --- SM3 ----------------------------------------------------------------------------------------------


def sm3(data: bytes) -> bytes:
    """The 32-byte SM3 digest of `data`."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


# --- SM4 ----------------------------------------------------------------------------------------------


def sm4_ecb_encrypt(key: bytes, plaintext: bytes) -> bytes:
    """SM4-ECB with PKCS#7 padding (the only mode the NHSA channel uses); `key` is 16 bytes."""
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def sm4_ecb_decrypt(key: bytes, ciphertext: bytes) -> bytes:
    """Reverse of `sm4_ecb_encrypt`; a wrong key or damaged text raises ValueError (bad length/padding)."""
    decryptor = Cipher(algorithms.SM4(key), modes.ECB()).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


# --- SM2 keys -----------------------------------------------------------------------------------------


def _on_curve(x: int, y: int) -> bool:
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def public_key_xy(public_key: bytes) -> bytes:
    """The 64-byte x ‖ y of a public key given as 65-byte 04 ‖ x ‖ y or 64-byte x ‖ y; checks the curve."""
    if len(public_key) == 2 * _SIZE + 1 and public_key[0] == 0x04:
        public_key = public_key[1:]
    if len(public_key) != 2 * _SIZE:
        raise ValueError("SM2 public key must be 64 bytes x‖y or 65 bytes 04‖x‖y")
    x, y = int.from_bytes(public_key[:_SIZE], "big"), int.from_bytes(public_key[_SIZE:], "big")
    if not _on_curve(x, y):
        raise ValueError("SM2 public key is not a point of sm2p256v1")
    return public_key


def _private_scalar(private_key: bytes) -> int:
    if len(private_key) != _SIZE:
        raise ValueError("SM2 private key must be the raw 32-byte d")
    d = int.from_bytes(private_key, "big")
    # d = n-1 is excluded by the standard: signing needs (1 + d)^-1 mod n.
    if not 1 <= d <= N - 2:
        raise ValueError("SM2 private key is out of range")
    return d


def _engine(private_hex: str = "", public_xy_hex: str = "") -> CryptSM2:
    engine = CryptSM2(private_key=private_hex, public_key="")
    # Set after construction: gmssl strips a leading "04" with str.lstrip, which also eats leading
    # '0'/'4' digits of x, so passing x‖y to the constructor corrupts some keys.
    engine.public_key = public_xy_hex
    return engine


def sm2_public_key(private_key: bytes) -> bytes:
    """The 65-byte uncompressed public key 04 ‖ x ‖ y of a raw 32-byte private key."""
    d = _private_scalar(private_key)
    xy_hex = _engine()._kg(d, G_HEX)
    return b"\x04" + bytes.fromhex(xy_hex)


def sm2_generate_private_key() -> bytes:
    """A fresh raw 32-byte private key d from the OS CSPRNG."""
    d = 1 + secrets.randbelow(N - 2)
    return d.to_bytes(_SIZE, "big")


# --- SM3withSM2 ---------------------------------------------------------------------------------------


def sm2_z(public_key: bytes, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA), binding the signer's identity into the digest."""
    bits = len(user_id) * 8
    if bits > 0xFFFF:
        raise ValueError("SM2 user ID is longer than 8191 bytes")
    curve = bytes.fromhex(default_ecc_table["a"] + default_ecc_table["b"] + G_HEX)
    return sm3(bits.to_bytes(2, "big") + user_id + curve + public_key_xy(public_key))


def sm2_digest(message: bytes, public_key: bytes, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """e = SM3(Z ‖ M), the value SM2 actually signs."""
    return sm3(sm2_z(public_key, user_id) + message)


def sm2_sign(
    message: bytes,
    private_key: bytes,
    *,
    user_id: bytes = DEFAULT_USER_ID,
    public_key: bytes | None = None,
    k: int | None = None,
) -> bytes:
    """SM3withSM2 signature of `message` as 64 bytes r ‖ s.

    `public_key` saves recomputing it from `private_key`.  `k` fixes the per-signature nonce for known-answer
    tests only: reusing a k with the same key reveals the key.
    """
    d = _private_scalar(private_key)
    public_key = public_key if public_key is not None else sm2_public_key(private_key)
    e = sm2_digest(message, public_key, user_id)
    engine = _engine(private_hex=f"{d:064x}")
    while True:
        nonce = k if k is not None else 1 + secrets.randbelow(N - 1)
        if not 1 <= nonce < N:
            raise ValueError("SM2 nonce k is out of range")
        signature = engine.sign(e, f"{nonce:064x}")
        if signature is not None:
            return bytes.fromhex(signature)
        if k is not None:  # gmssl rejects r = 0, r + k = n and s = 0; a fixed k cannot be retried
            raise ValueError("SM2 nonce k gives a degenerate signature")


def sm2_verify(
    message: bytes, signature: bytes, public_key: bytes, *, user_id: bytes = DEFAULT_USER_ID
) -> bool:
    """True if `signature` (64 bytes r ‖ s) is a valid SM3withSM2 signature of `message`."""
    if len(signature) != 2 * _SIZE:
        return False
    r, s = int.from_bytes(signature[:_SIZE], "big"), int.from_bytes(signature[_SIZE:], "big")
    # gmssl does not check the ranges itself (GB/T 32918.2 §7.1 B1, B2).
    if not (1 <= r < N and 1 <= s < N):
        return False
    try:
        xy = public_key_xy(public_key)
    except ValueError:
        return False
    e = sm2_digest(message, xy, user_id)
    try:
        return bool(_engine(public_xy_hex=xy.hex()).verify(signature.hex(), e))
    except (TypeError, ValueError):  # gmssl fails this way when s·G + t·P is the point at infinity
        return False
