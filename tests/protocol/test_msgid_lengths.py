"""msgid lengths other than the national 30 (issue 15 §3): a province profile's `envelope.msgid_length`.

The same code, second and sequence, laid out in the province's length: 30 or more pads the sequence, 28 and
29 drop the century; under 28 the serial no longer fits and the profile is refused when it is loaded.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from medical_insurance_sdk.exceptions import DataValidationError
from medical_insurance_sdk.protocol.jsoncodec import BEIJING
from medical_insurance_sdk.protocol.msgid import (
    MAX_SEQUENCE,
    MIN_MSGID_LENGTH,
    MemorySequenceAllocator,
    MsgIdGenerator,
    fit_msgid,
    parse_msgid,
)
from medical_insurance_sdk.protocol.profiles import ProfileError, load_profile

CODE = "H12345678901"
NATIONAL = f"{CODE}202507141030054767"  # 2025-07-14 10:30:05, number 4767


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (30, NATIONAL),
        (28, f"{CODE}250714103005" + "4767"),
        (29, f"{CODE}250714103005" + "04767"),
        (32, f"{CODE}20250714103005" + "004767"),
        (64, f"{CODE}20250714103005" + "4767".zfill(38)),
    ],
)
def test_a_msgid_is_laid_out_in_the_provinces_length(length: int, expected: str) -> None:
    fitted = fit_msgid(NATIONAL, length)
    assert fitted == expected and len(fitted) == length
    code, moment, seq = parse_msgid(fitted, length)
    assert (code, moment, seq) == (CODE, datetime(2025, 7, 14, 10, 30, 5, tzinfo=BEIJING), 4767)


@pytest.mark.parametrize("length", [28, 29, 31, 40])
def test_distinct_national_msgids_stay_distinct_in_every_length(length: int) -> None:
    seconds = [f"{CODE}20250714103005", f"{CODE}20250714103006", f"{CODE}20260714103005"]
    national = [f"{second}{seq:04d}" for second in seconds for seq in (1, 2, 999, MAX_SEQUENCE)]
    fitted = {fit_msgid(m, length) for m in national}
    assert len(fitted) == len(national)


def test_the_generator_issues_the_provinces_length_from_the_shared_allocator() -> None:
    clock = FakeClock(datetime(2025, 7, 14, 2, 30, 0, tzinfo=UTC))  # 10:30 in Beijing
    allocator = MemorySequenceAllocator()
    short = MsgIdGenerator(allocator, CODE, clock=clock, sleep=clock.sleep, length=28)
    national = MsgIdGenerator(allocator, CODE, clock=clock, sleep=clock.sleep)
    assert [short.generate(), national.generate(), short.generate()] == [
        f"{CODE}2507141030000001",
        f"{CODE}202507141030000002",  # one allocator: the numbers are shared, never reissued
        f"{CODE}2507141030000003",
    ]


@pytest.mark.parametrize("length", [1, 17, MIN_MSGID_LENGTH - 1])
def test_a_length_that_cannot_carry_the_serial_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match=f"至少 {MIN_MSGID_LENGTH} 位"):
        MsgIdGenerator(MemorySequenceAllocator(), CODE, length=length)
    with pytest.raises(ValueError, match="无法保证报文ID不重复"):
        fit_msgid(NATIONAL, length)


def test_a_msgid_of_another_length_or_layout_does_not_parse() -> None:
    with pytest.raises(DataValidationError) as refused:
        parse_msgid(NATIONAL, 28)
    assert refused.value.errors[0].detail == "报文ID应为 12 位机构编号 + yyMMddHHmmss + 4 位序号，共 28 位"
    with pytest.raises(DataValidationError):
        parse_msgid(f"{CODE}251314103005" + "4767", 28)  # month 13
    with pytest.raises(DataValidationError):
        parse_msgid(NATIONAL[:-1] + "X", 30)


def _profile(tmp_path: Path, length: int) -> Path:
    base = (Path(load_profile.__code__.co_filename).parent / "profiles" / "national.yaml").read_text("utf-8")
    path = tmp_path / "province.yaml"
    text = base.replace("name: national", "name: province").replace(
        "msgid_length: 30", f"msgid_length: {length}"
    )
    path.write_text(text, encoding="utf-8")
    return path


def test_a_profile_whose_msgid_length_cannot_carry_the_serial_is_refused_at_load(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as refused:
        load_profile(_profile(tmp_path, 20))
    message = str(refused.value)
    assert "envelope.msgid_length" in message and "发送方报文ID长度 20 位容纳不下" in message
    assert load_profile(_profile(tmp_path, MIN_MSGID_LENGTH)).envelope.msgid_length == MIN_MSGID_LENGTH
