"""Configuration of the sandbox bureau: immutable, from arguments or `MEDICAL_SANDBOX_*` variables.

    settings = SandboxSettings(profile="tif", credentials={"paasid": "sztest_hosp", "token": "T0K3N"})
    app = create_sandbox_app(settings)

Precedence is argument > environment variable > default (e.g. `MEDICAL_SANDBOX_CATALOG_ROWS=100000`;
dict and list fields such as `credentials` and `faults` are read from JSON text).  The defaults give an
offline bureau in memory that needs no configuration at all: no gateway signature, sign-in required.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from medical_insurance_sdk.protocol.profiles import ProfileError, load_profile
from medical_insurance_sdk.protocol.signing import Signer, make_signer
from medical_insurance_sdk.sandbox.faults import FaultRule

IN_MEMORY = "sqlite://"


class SandboxSettings(BaseSettings):
    """Everything the sandbox bureau can be told; a frozen value, copied with `model_copy(update=...)`."""

    model_config = SettingsConfigDict(env_prefix="MEDICAL_SANDBOX_", frozen=True, extra="forbid")

    database_url: str = Field(
        default=IN_MEMORY,
        description="SQLAlchemy URL; the default is one in-memory SQLite database shared by all threads",
    )
    profile: str = Field(
        default="national", description="protocol profile whose gateway signature is checked"
    )
    credentials: dict[str, str] = Field(
        default_factory=dict,
        description="what the profile's signer verifies with: paasid/token (tif) or access_key/secret_key",
    )
    trace_ip: str = Field(
        default="10.8.0.21", description="the server address err_msg names after the trace id"
    )
    admdvs: Annotated[str, Field(pattern=r"^\d{6}$")] = Field(
        default="430200", description="the bureau's own admdvs, first 6 characters of inf_refmsgid"
    )
    catalog_rows: int = Field(
        default=200, ge=1, le=1_000_000, description="rows of each generated 13xx catalogue"
    )
    file_dir: Path | None = Field(
        default=None, description="where large files go; None = a private temp directory"
    )
    file_ttl_hours: float = Field(
        default=24, gt=0, description="how long a file_qury_no can be downloaded (9102)"
    )
    seed: int = Field(
        default=0, description="seed of the fault plan's random numbers (reproducible decisions)"
    )
    faults: tuple[FaultRule, ...] = Field(default=(), description="fault rules active from the start")
    sign_in_required: bool = Field(default=True, description="business messages need a live 9001 sign_no")
    admin_token: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="what the admin API (/sandbox/admin/…, /sandbox/) asks for as a Bearer token or "
        "X-Sandbox-Admin-Token; None = a random one per app (`app.state.admin_token`)",
    )
    hang_s: float = Field(
        default=30.0, ge=0, description="how long the timeout faults keep a request waiting"
    )
    # The SM4/SM2 channel of 62xx-64xx and 71xx-72xx (reference §2.5): the bureau's side of one channel.
    sm_app_id: str | None = Field(default=None, description="the channel's appId")
    sm_app_secret: str | None = Field(default=None, description="the channel's appSecret")
    sm_private_key: str | None = Field(
        default=None, description="the bureau's SM2 private key (Base64 of raw d)"
    )
    sm_peer_public_key: str | None = Field(
        default=None, description="the institution's SM2 public key (Base64)"
    )

    @classmethod
    def embedded(
        cls, data_dir: Path, *, profile: str = "national", credentials: dict[str, str] | None = None
    ) -> SandboxSettings:
        """The embedded sandbox of a data directory: its state in a file there, so every process on that
        directory (the gateway, its workers, `yibao compensate`, a restart) talks to the same bureau.
        The profile and credentials are the gateway's; other fields come from MEDICAL_SANDBOX_*."""
        directory = data_dir.expanduser().resolve()
        directory.mkdir(parents=True, exist_ok=True)
        settings = cls(profile=profile, credentials=dict(credentials or {}))
        # the data directory is the default: MEDICAL_SANDBOX_DATABASE_URL / _FILE_DIR, when set, win
        given = settings.model_fields_set
        defaults: dict[str, Any] = {
            "database_url": f"sqlite:///{directory / 'sandbox.sqlite3'}",
            "file_dir": directory / "sandbox-files",
        }
        return settings.model_copy(update={k: v for k, v in defaults.items() if k not in given})

    @field_validator("profile")
    @classmethod
    def _profile_exists(cls, value: str) -> str:
        try:
            load_profile(value)
        except ProfileError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _credentials_complete(self) -> SandboxSettings:
        missing = set(load_profile(self.profile).credentials) - set(self.credentials)
        if missing:
            raise ValueError(f"profile {self.profile} needs credentials: {', '.join(sorted(missing))}")
        sm = (self.sm_app_id, self.sm_app_secret, self.sm_private_key, self.sm_peer_public_key)
        if any(sm) and not all(sm):
            raise ValueError(
                "the SM channel needs sm_app_id, sm_app_secret, sm_private_key, sm_peer_public_key"
            )
        return self

    @property
    def sm_configured(self) -> bool:
        return self.sm_app_id is not None

    def verifier(self) -> Signer:
        """The signer that checks incoming gateway headers, as the configured profile names it."""
        profile = load_profile(self.profile)
        options: dict[str, Any] = dict(profile.signer.options)
        creds = {name: self.credentials[name] for name in profile.credentials}
        return make_signer(profile.signer.kind, **creds, **options)
