"""A bureau that costs nothing: the floor of the capacity benchmark (issue 16), not a product stub.

    python benchmarks/null_bureau.py --port 0 --lifetime 600      # prints "PORT <n>", then serves

A Starlette app on uvicorn (httptools + uvloop) that answers 9001 (sign-in), 1101 (person query) and 2207
(outpatient settlement) on any POST path with a valid answer in the bureau's envelope (reference §1.2):
infcode 0, a fresh `inf_refmsgid`, refmsg_time / respond_time, and an `output` built once at start from the
registry's full response table of that transaction (`registry/samples.py`).  2207 copies `mdtrt_id` and
`psn_no` of the request into `setlinfo`, so the answer belongs to the message it answers.  Any other infno
gets infcode -1 with a Chinese err_msg.  It keeps no state and does no I/O: whatever time a call through the
gateway takes beyond a call straight to this app is the gateway's own.

The envelope and its JSON are the product's own code (`sandbox/answers.py`, `protocol/jsoncodec.py`).
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import uvicorn
from _serve import LOOPBACK, watchdog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from medical_insurance_sdk.protocol.jsoncodec import beijing, dumps, loads
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sandbox.answers import JSON, RefMsgIds, envelope, trace_suffix

INFNOS = ("9001", "1101", "2207")
ADMDVS = "430200"


def canned_outputs(infnos: tuple[str, ...] = INFNOS) -> dict[str, Any]:
    """The `output` of each answered infno: a sample built from its full response table."""
    outputs: dict[str, Any] = {}
    for infno in infnos:
        schema = REGISTRY[infno].schema
        if schema is None:
            raise RuntimeError(f"{infno} has no response table in the registry")
        outputs[infno] = sample_message(schema.response, optional=True, items=1)
    return outputs


def _now() -> datetime:
    return beijing(datetime.now().astimezone()).replace(tzinfo=None)


def _input_data(message: Mapping[str, Any]) -> Mapping[str, Any]:
    node = message.get("input")
    data = node.get("data") if isinstance(node, Mapping) else None
    return data if isinstance(data, Mapping) else {}


def create_null_bureau(admdvs: str = ADMDVS) -> Starlette:
    outputs = canned_outputs()
    refmsgids = RefMsgIds(admdvs)

    async def answer(request: Request) -> Response:
        received = _now()
        try:
            message = loads(await request.body())
            infno = str(message.get("infno", ""))
        except (ValueError, AttributeError):
            message, infno = {}, ""
        output = outputs.get(infno)
        if output is None:
            body = envelope(
                infcode=-1,
                output=None,
                err_msg=f"交易编号[{infno}]不存在或未开通{trace_suffix('127.0.0.1')}",
                inf_refmsgid=refmsgids.next(received),
                received=received,
                responded=_now(),
            )
            return Response(dumps(body), media_type=JSON)
        if infno == "2207":
            data = _input_data(message)
            info = dict(output["setlinfo"])
            for name in ("mdtrt_id", "psn_no"):
                if data.get(name):
                    info[name] = data[name]
            output = {**output, "setlinfo": info}
        body = envelope(
            infcode=0,
            output=output,
            err_msg=None,
            inf_refmsgid=refmsgids.next(received),
            received=received,
            responded=_now(),
        )
        return Response(dumps(body), media_type=JSON)

    return Starlette(routes=[Route("/{path:path}", answer, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--lifetime", type=float, default=3600.0)
    args = parser.parse_args()
    threading.Thread(target=watchdog, args=(args.lifetime,), daemon=True).start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, args.port))
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(
        create_null_bureau(),
        http="httptools",
        loop="uvloop",
        log_level="warning",
        access_log=False,
        backlog=2048,
    )
    uvicorn.Server(config).run(sockets=[sock])
    sys.exit(0)


if __name__ == "__main__":
    main()
