"""Bases of the generated resource classes: a generated method only calls `self._call(infno, input_, …)`.

    class Basic(SyncResource):                       # resources/basic.py, generated
        def query_person_info(self, data=None, *, options=None, **fields) -> PersonInfo:
            return self._call("1101", {**(data or {}), **fields}, options)

A resource is bound to a client (`sdk.resources.basic`); the clients inherit the generated classes too,
being their own client, so `sdk.query_institution_info(...)` and `sdk.resources.basic.…` are one method.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from medical_insurance_sdk.sdk._core import CallOptions

Options = CallOptions | Mapping[str, Any] | None


class _SyncClient(Protocol):
    def _request(self, infno: str, input_: Mapping[str, Any], options: Options) -> Any: ...

    async def _request_async(self, infno: str, input_: Mapping[str, Any], options: Options) -> Any: ...


class _AsyncClient(Protocol):
    async def _request_async(self, infno: str, input_: Mapping[str, Any], options: Options) -> Any: ...


class SyncResource:
    """Generated blocking methods and their `*_async` twins."""

    def __init__(self, client: _SyncClient) -> None:
        self._client = client

    def _call(self, infno: str, input_: Mapping[str, Any], options: Options = None) -> Any:
        return self._client._request(infno, input_, options)

    async def _call_async(self, infno: str, input_: Mapping[str, Any], options: Options = None) -> Any:
        return await self._client._request_async(infno, input_, options)


class AsyncResource:
    """Generated coroutine methods of the async client."""

    def __init__(self, client: _AsyncClient) -> None:
        self._client = client

    async def _call(self, infno: str, input_: Mapping[str, Any], options: Options = None) -> Any:
        return await self._client._request_async(infno, input_, options)
