"""RedisSequenceAllocator on a real Redis: 1..9999 per second, never reissued, earlier seconds refused."""

from __future__ import annotations

import pickle
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis import Redis

from medical_insurance_sdk.protocol.msgid import MAX_SEQUENCE, SECOND_FORMAT, MemorySequenceAllocator
from medical_insurance_sdk.storage.allocators import RedisSequenceAllocator

PREFIX = "H43028110001"
START = datetime(2025, 7, 14, 10, 30, 0)


def _second(offset: float) -> str:
    return (START + timedelta(seconds=offset)).strftime(SECOND_FORMAT)


@pytest.fixture
def allocator(redis_url: str, redis_namespace: str) -> Iterator[RedisSequenceAllocator]:
    allocator = RedisSequenceAllocator(redis_url, namespace=redis_namespace)
    yield allocator
    allocator.close()


@pytest.fixture
def client(redis_url: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    client.close()


def test_a_second_counts_from_1_to_9999_then_is_exhausted(allocator: RedisSequenceAllocator) -> None:
    assert [allocator.allocate(PREFIX, _second(0)) for _ in range(MAX_SEQUENCE)] == list(range(1, 10_000))
    assert allocator.allocate(PREFIX, _second(0)) is None
    assert allocator.allocate(PREFIX, _second(1)) == 1


def test_an_earlier_second_is_refused(allocator: RedisSequenceAllocator) -> None:
    assert allocator.allocate(PREFIX, _second(5)) == 1
    assert allocator.allocate(PREFIX, _second(4)) is None  # the clock stepped back
    assert allocator.allocate(PREFIX, _second(5)) == 2
    assert allocator.allocate("H43028110002", _second(4)) == 1  # another prefix has its own history


def test_counters_expire_and_the_latest_second_does_not(
    allocator: RedisSequenceAllocator, client: Redis, redis_namespace: str
) -> None:
    allocator.allocate(PREFIX, _second(0))
    counter, latest = f"{redis_namespace}:{{{PREFIX}}}:{_second(0)}", f"{redis_namespace}:{{{PREFIX}}}:latest"
    assert 2 * 86_400 - 5 < client.ttl(counter) <= 2 * 86_400
    assert client.ttl(latest) == -1  # no expiry
    assert client.get(latest) == _second(0).encode()


def test_a_lost_counter_of_the_latest_second_refuses_that_second(
    allocator: RedisSequenceAllocator, client: Redis, redis_namespace: str
) -> None:
    """An expired or evicted counter must not restart at 1 while its second is still the latest."""
    assert allocator.allocate(PREFIX, _second(0)) == 1
    client.delete(f"{redis_namespace}:{{{PREFIX}}}:{_second(0)}")
    assert allocator.allocate(PREFIX, _second(0)) is None
    assert allocator.allocate(PREFIX, _second(1)) == 1


def test_a_restarted_process_continues_after_the_last_number(
    allocator: RedisSequenceAllocator, redis_url: str, redis_namespace: str
) -> None:
    assert [allocator.allocate(PREFIX, _second(0)) for _ in range(3)] == [1, 2, 3]
    restarted = RedisSequenceAllocator(redis_url, namespace=redis_namespace)
    try:
        assert restarted.allocate(PREFIX, _second(0)) == 4
        assert restarted.allocate(PREFIX, _second(-1)) is None
    finally:
        restarted.close()


_STEPS = st.lists(st.tuples(st.sampled_from("AB"), st.sampled_from([0, 1, 2, 3, 2 * 86_400])), max_size=25)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_STEPS)
def test_behaves_like_the_reference_allocator(
    allocator: RedisSequenceAllocator, steps: list[tuple[str, int]]
) -> None:
    run = secrets.token_hex(5)  # fresh prefixes: Redis outlives the examples
    reference = MemorySequenceAllocator()
    for letter, offset in steps:
        prefix, second = f"{letter}{run}", _second(offset)
        assert allocator.allocate(prefix, second) == reference.allocate(prefix, second)


def test_malformed_keys_are_rejected(allocator: RedisSequenceAllocator) -> None:
    with pytest.raises(ValueError):
        allocator.allocate("H 1", _second(0))
    with pytest.raises(ValueError):
        allocator.allocate(PREFIX, "2025")


def test_an_allocator_built_from_a_url_pickles(allocator: RedisSequenceAllocator) -> None:
    assert allocator.allocate(PREFIX, _second(0)) == 1
    copy = pickle.loads(pickle.dumps(allocator))
    try:
        assert copy.namespace == allocator.namespace
        assert copy.allocate(PREFIX, _second(0)) == 2
    finally:
        copy.close()


def test_an_allocator_on_a_given_client_uses_it_but_does_not_pickle(
    client: Redis, redis_namespace: str
) -> None:
    allocator = RedisSequenceAllocator(client, namespace=redis_namespace)
    assert allocator.allocate(PREFIX, _second(0)) == 1
    with pytest.raises(TypeError, match="URL"):
        pickle.dumps(allocator)
    allocator.close()  # leaves the caller's client open
    assert client.ping()
