"""`yibao interfaces` / `yibao validate`: the registry from the command line takes what REST takes and says
no with the spec's codes and a non-zero exit."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from medical_insurance_sdk.cli import app

runner = CliRunner()
PERSON = {
    "mdtrt_cert_type": "02",
    "mdtrt_cert_no": "430302198507150012",
    "psn_cert_type": "01",
    "certno": "430302198507150012",
}


def _validate(tmp_path, infno, body):
    path = tmp_path / "input.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return runner.invoke(app, ["validate", infno, str(path)])


def test_validate_takes_the_flat_input_rest_takes(tmp_path):
    for body in (PERSON, {"data": PERSON}, {"input": {"data": PERSON}}):
        done = _validate(tmp_path, "1101", body)
        assert done.exit_code == 0, done.output
        assert "校验通过" in done.output


def test_validate_refuses_with_codes(tmp_path):
    done = _validate(tmp_path, "1101", {**PERSON, "mdtrt_cert_type": "0" * 50})
    assert done.exit_code == 1
    assert "30004" in done.output or "30006" in done.output
    flat_for_two_nodes = _validate(tmp_path, "2203", {"mdtrt_id": "1"})
    assert flat_for_two_nodes.exit_code == 1 and "30001" in flat_for_two_nodes.output
    not_an_object = _validate(tmp_path, "1101", "text")
    assert not_an_object.exit_code == 1 and "10002" in not_an_object.output


def test_interfaces_refuses_unknown_filters():
    done = runner.invoke(app, ["interfaces", "--safety", "bogus"])
    assert done.exit_code == 2 and "query / write / money" in done.output
    done = runner.invoke(app, ["interfaces", "--category", "不存在"])
    assert done.exit_code == 2 and "医保业务服务" in done.output
    done = runner.invoke(app, ["interfaces", "--safety", "money"])
    assert done.exit_code == 0 and "2207" in done.output
