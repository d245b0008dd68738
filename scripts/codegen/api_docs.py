"""docs/api/: one page per category (spec §11.1.1), an index, and the dictionaries the field tables name.

    TARGETS = api_docs.TARGETS     # docs/api/README.md, docs/api/<category>.md × 11, docs/api/dictionaries.md

Everything comes from the registry: per transaction its route, safety, permission, timeout, sign-in need,
how an unknown outcome is resolved (confirm query, 2601, cancellation pair), how complete its field table
is, the request and response fields, an example input built by `registry/samples.py`, and the SDK method.
Page names follow the SDK's resource modules (`sdk.module_name`: basic.md, business.md …).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from codegen.docs import HEADER, SAFETY_ZH, cell
from codegen.sdk import module_name
from medical_insurance_sdk.exceptions import MedicalInsuranceException
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import API_PREFIX, CATEGORY_COUNTS, REGISTRY, Category, Transaction
from medical_insurance_sdk.registry.dictionaries import DICTIONARIES
from medical_insurance_sdk.registry.fields import ROOT, FieldSpec, Node
from medical_insurance_sdk.registry.policy import PERMISSIONS
from medical_insurance_sdk.registry.relations import relations
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.registry.schemas import UNPUBLISHED

DIR = "docs/api"

_SAFETY_NOTE = {
    "query": "只读，结果未知时可安全重发",
    "write": "写入记录；可能到达医保局后绝不重发",
    "money": "资金结算；可能到达医保局后绝不重发，结果未知时冲正或查询",
}
_LEVEL_ZH = {
    "full": "完整（字段表全部字段均校验）",
    "partial": "部分（公开资料中的字段校验，其余原样传递）",
    "generic": "通用（无公开字段表，只检查节点存在）",
}
_KIND_ZH = {
    "str": "字符",
    "decimal": "数值",
    "int": "整数",
    "date": "日期",
    "datetime": "日期时间",
    "json": "JSON",
}


def page_name(category: Category) -> str:
    return f"{module_name(category)}.md"


# --- the index ----------------------------------------------------------------------------------------


def render_index() -> str:
    txs = REGISTRY.transactions
    out = [HEADER, "\n# 接口文档 / API reference\n\n"]
    out.append(
        f"全部 **{len(txs)}** 个医保交易按规范 §11.1.1 的 {len(CATEGORY_COUNTS)} 大类分页，"
        f"每页由接口登记表生成（`scripts/generate.py`）。REST 路径均相对于 `{API_PREFIX}`；"
        "总览见 [接口清单](../interfaces.md)，"
        "机器可读的接口描述见 [openapi.yaml](../openapi.yaml)，字段的字典取值见 [数据字典](dictionaries.md)，"
        "错误码见 [故障排除](../troubleshooting/README.md)。\n\n"
    )
    out.append("| 分类 | 页面 | 交易数 | 交易编号 |\n|---|---|---|---|\n")
    for category, count in CATEGORY_COUNTS.items():
        infnos = sorted(t.infno for t in REGISTRY.in_category(category))
        span = infnos[0] if len(infnos) == 1 else f"{infnos[0]}–{infnos[-1]}"
        out.append(f"| {category} | [{page_name(category)}]({page_name(category)}) | {count} | {span} |\n")
    out.append(
        "\n每个交易一节，包括：方法与路径、SDK 方法、安全等级、权限、超时、是否需要签到、结果未知时如何确认"
        "（确认查询、2601 冲正、撤销配对）、字段表完整度、请求字段与应答字段（已知时），以及由字段表生成的"
        "示例入参（只含必填字段，或必须时的全部字段；均通过该交易的校验）。\n\n"
        "## 阅读说明\n\n"
        "- **安全等级**：`query` 查询，可重发；`write` 写入与 `money` 资金，报文可能到达医保局后绝不重发，"
        "结果未知时由补偿（2601 冲正或确认查询）给出结论（见 [引擎说明](../engine.md)）。\n"
        "- **字段表**：`full` 完整、`partial` 部分、`generic` 通用；“未公开”表示没有找到公开的字段表，"
        "写明了查找过的资料。\n"
        "- **类型与长度**：字符的长度是最多字符数；数值的长度写作“总位数,小数位数”（如 16,2）；"
        "日期 `yyyy-MM-dd`，日期时间 `yyyy-MM-dd HH:mm:ss`。\n"
        '- **请求体**：平铺字段，或按节点 `{"<节点>": {...}}`；另可带 `insuplc_admdvs`、`operator`、'
        "`operator_name`。\n"
    )
    return "".join(out)


# --- one category ---------------------------------------------------------------------------------------


def render_category(category: Category) -> str:
    members = REGISTRY.in_category(category)
    out = [HEADER, f"\n# {category}（{len(members)}个）\n\n"]
    out.append(
        f"[← 接口文档索引](README.md) · REST 路径相对于 `{API_PREFIX}` · "
        "[数据字典](dictionaries.md) · [错误码](../troubleshooting/README.md)\n\n"
    )
    out.append("| infno | 名称 | 方法与路径 | 安全等级 | 字段表 |\n|---|---|---|---|---|\n")
    for t in members:
        out.append(
            f"| [{t.infno}](#{_anchor(t)}) | {cell(t.name)} | `{t.route}` | {t.safety.value} "
            f"| {_level(t)} |\n"
        )
    for t in members:
        out.append(_transaction(t))
    return "".join(out)


def _anchor(t: Transaction) -> str:
    return f"tx-{t.infno.lower()}"


def _level(t: Transaction) -> str:
    return f"未公开（{t.schema_level}）" if t.infno in UNPUBLISHED else t.schema_level


def _transaction(t: Transaction) -> str:
    out = [f'\n<a id="{_anchor(t)}"></a>\n\n## {cell(t.title)}\n\n', "| 项目 | 内容 |\n|---|---|\n"]
    for label, value in _facts(t):
        out.append(f"| {label} | {value} |\n")
    if t.notes:
        out.append(f"\n登记表备注：{t.notes}\n")
    if t.infno in UNPUBLISHED:
        out.append(f"\n未公开字段表（查找记录）：{UNPUBLISHED[t.infno]}\n")
    out.append(_request(t))
    if t.schema.response:
        out.append("\n<details><summary>应答字段（output）</summary>\n\n")
        out.extend(_node_table(n) for n in t.schema.response)
        out.append("\n</details>\n")
    return "".join(out)


def _facts(t: Transaction) -> Iterator[tuple[str, str]]:
    yield "方法与路径", "<br>".join(f"`{r.method} {r.full_path}`" for r in t.routes)
    yield "interface_type", f"`{t.interface_type}`"
    yield (
        "SDK 方法",
        f"`sdk.{t.sdk_method}(...)`、`sdk.{t.sdk_method}_async(...)`（结果类型 `{t.result_type}`）",
    )
    yield "安全等级", f"`{t.safety.value}` {SAFETY_ZH[t.safety.value]}：{_SAFETY_NOTE[t.safety.value]}"
    yield "权限", f"`{t.permission}`（{PERMISSIONS[t.permission]}）"
    yield "超时", f"{t.timeout_s:g} 秒（目标 ≤ {t.target_s:g} 秒）"
    yield "签到", "需要（引擎自动 9001 签到）" if t.needs_sign_in else "不需要（本交易即签到）"
    if t.safety.value != "query":
        yield "结果未知时", _unknown_outcome(t)
    pair = _pair(t)
    if pair:
        yield "撤销配对", pair
    yield "字段表", _level_text(t)
    if t.file_output:
        yield "应答", "文件查询号（file_qury_no），用 9102 下载文件"
    if t.answer_is_file:
        yield "应答", "文件本身（不是 JSON）"


def _unknown_outcome(t: Transaction) -> str:
    parts: list[str] = []
    if t.effect_free:
        parts.append("医保局不保留结果，判为未生效，可重新办理")
    if t.reversible:
        parts.append("可 2601 冲正")
    if t.confirm_by:
        parts.append(f"用 {_link(t.confirm_by)} 查询确认")
    return "；".join(parts) if parts else "无自动手段，保持“结果未知”，人工核对"


def _pair(t: Transaction) -> str:
    parts = [f"撤销 {_link(t.undoes)}"] if t.undoes else []
    parts += [f"由 {_link(c.infno)} 撤销" for c in REGISTRY.transactions if c.undoes == t.infno]
    return "；".join(parts)


def _link(infno: str) -> str:
    other = REGISTRY[infno]
    return f"[{infno} {cell(other.name)}]({page_name(other.category)}#{_anchor(other)})"


def _level_text(t: Transaction) -> str:
    text = f"`{t.schema_level}` {_LEVEL_ZH[t.schema_level]}"
    return f"未公开 · {text}" if t.infno in UNPUBLISHED else text


def _request(t: Transaction) -> str:
    nodes = t.request_nodes
    if not any(n.fields for n in nodes):
        names = "、".join(f"`{n.name}`" for n in nodes)
        return f"\n请求节点：{names}（无公开字段表，节点内容原样发送）。\n"
    out = ["\n### 请求字段（input）\n"]
    out.extend(_node_table(n) for n in nodes)
    out.append(_relations(t.infno))
    what, body = example_input(t)
    out.append(f"\n<details><summary>示例入参（{what}，由字段表生成）</summary>\n\n```json\n")
    out.append(pretty_json(body))
    out.append("\n```\n\n</details>\n")
    return "".join(out)


def _relations(infno: str) -> str:
    """The transaction's cross-field rules (registry/relations.py), refused with 30005 before sending."""
    ons = relations(infno)
    if not ons:
        return ""
    out = ["\n关联校验（发送前检查，不符为 30005；金额允许 0.01 元舍入差）：\n\n"]
    for on in ons:
        for rule in on.rules:
            out.append(f"- `{on.node or '根字段'}`：`{rule.text}`\n")
    return "".join(out)


def example_input(t: Transaction) -> tuple[str, Any]:
    """The shortest sample input that passes the transaction's own validation: the required fields, or
    every field when a required node has no required field of its own (an empty node is refused)."""
    body = sample_message(t.request_nodes, optional=False)
    try:
        t.validate_input(body)
    except MedicalInsuranceException:
        return "全部字段", sample_message(t.request_nodes)
    return "只含必填字段", body


def _node_table(n: Node) -> str:
    shape = f"列表，最多 {n.max_items} 行" if n.many and n.max_items else "列表" if n.many else "对象"
    if n.name == ROOT:
        heading = "根字段（直接位于报文中" + ("，报文是行的列表）" if n.many else "）")
    else:
        label = f" {cell(n.label)}" if n.label else ""
        heading = f"节点 `{n.name}`{label}（{shape}{'' if n.required else '，可省略'}）"
    out = [f"\n{heading}\n\n"]
    if not n.fields:
        return out[0] + "\n无公开字段表，内容原样传递。\n"
    out.append("| 字段 | 名称 | 类型 | 长度 | 必填 | 字典 |\n|---|---|---|---|---|---|\n")
    for path, spec in _fields(n.fields, ""):
        out.append(
            f"| `{path}` | {cell(spec.label)} | {_KIND_ZH[spec.kind]} | {_length(spec)} "
            f"| {'是' if spec.required else ''} | {_dictionary(spec)} |\n"
        )
    return "".join(out)


def _fields(specs: tuple[FieldSpec, ...], prefix: str) -> Iterator[tuple[str, FieldSpec]]:
    """Every field with its path inside the node; nested rows as `patient_dtos[].mdtrt_id`."""
    for spec in specs:
        yield prefix + spec.name, spec
        if spec.rows is not None:
            yield from _fields(spec.rows.fields, f"{prefix}{spec.name}{'[]' if spec.rows.many else ''}.")


def _length(spec: FieldSpec) -> str:
    if spec.kind == "decimal":
        return f"{spec.length},{spec.scale}"
    return str(spec.length or "")


def _dictionary(spec: FieldSpec) -> str:
    return f"[{spec.dictionary}](dictionaries.md#{spec.dictionary})" if spec.dictionary else ""


def pretty_json(value: Any, indent: str = "") -> str:
    """Indented JSON whose scalars are written by the wire codec (exact decimals, as the bureau gets them)."""
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = [f"{inner}{jsoncodec.dumps(k).decode()}: {pretty_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and value:
        return "[\n" + ",\n".join(inner + pretty_json(v, inner) for v in value) + f"\n{indent}]"
    return jsoncodec.dumps(value).decode()


# --- dictionaries ---------------------------------------------------------------------------------------


def _dictionary_users() -> dict[str, list[tuple[str, str]]]:
    """Dictionary name → (infno, field label) of the request and response fields that name it."""
    users: dict[str, list[tuple[str, str]]] = {}
    for t in REGISTRY.transactions:
        for n in (*t.schema.request, *t.schema.response):
            for _, spec in _fields(n.fields, ""):
                if spec.dictionary:
                    users.setdefault(spec.dictionary, []).append((t.infno, spec.label))
    return users


def render_dictionaries() -> str:
    users = _dictionary_users()
    out = [HEADER, "\n# 数据字典 / Code dictionaries\n\n"]
    out.append(
        f"字段表引用的 {len(DICTIONARIES)} 个字典及其取值（`registry/dictionaries.py`）。取值不在字典中的字段"
        "报 30003 字段格式错误；各省可能另有取值，以 1901 字典表下载的结果为准。\n\n"
        "[← 接口文档索引](README.md)\n"
    )
    for name in sorted(DICTIONARIES):
        out.append(f"\n## {name}\n\n")
        used = users.get(name, [])
        labels = sorted({label for _, label in used})
        infnos = sorted({infno for infno, _ in used})
        if used:
            out.append(f"字段：{cell('、'.join(labels))}；用于 {len(infnos)} 个交易：{'、'.join(infnos)}\n\n")
        out.append("| 值 | 含义 |\n|---|---|\n")
        out.extend(f"| `{code}` | {cell(text)} |\n" for code, text in DICTIONARIES[name].items())
    return "".join(out)


TARGETS: tuple[tuple[str, Callable[[], str]], ...] = (
    (f"{DIR}/README.md", render_index),
    *((f"{DIR}/{page_name(c)}", partial(render_category, c)) for c in Category),
    (f"{DIR}/dictionaries.md", render_dictionaries),
)
