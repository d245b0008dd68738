"""Catalogue downloads: which transaction a catalogue type means, and its file read into rows.

    tx = catalog_transaction("medical_institution_preparations")     # → 【1303】
    rows = read_rows(tx, file_bytes)                                 # CatalogRows (a list) of CatalogRow

The spec names catalogues by their interface_type without "_catalog" (§11.2.1).  Files are read with
protocol.catalog_file; a catalogue whose column layout is not published is refused with 40002 rather than
read into columns nobody can name.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from medical_insurance_sdk.exceptions import FileError, UnsupportedInterfaceError
from medical_insurance_sdk.protocol.catalog_file import BadRow, CatalogReader, CatalogRow
from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS, CatalogLayout
from medical_insurance_sdk.registry import REGISTRY, Registry, Transaction

# Downloads whose file uses another kind's columns (27位医用耗材 shares 医用耗材's layout).
LAYOUT_OF: MappingProxyType[str, str] = MappingProxyType({"1306A": "1306"})


class CatalogRows(list[CatalogRow]):
    """The rows of one downloaded catalogue; `bad_rows` lists lines that could not be read."""

    def __init__(
        self,
        rows: Iterable[CatalogRow] = (),
        *,
        infno: str = "",
        bad_rows: Iterable[BadRow] = (),
        last_ver_name: str | None = None,
    ) -> None:
        super().__init__(rows)
        self.infno = infno
        self.bad_rows = list(bad_rows)
        self.last_ver_name = last_ver_name  # the `ver` of the next incremental download


def catalog_transaction(catalog_type: str, registry: Registry = REGISTRY) -> Transaction:
    """The 13xx transaction of a catalogue type ("drug", "tcm", "ethnic_drugs" …), infno or interface_type."""
    for key in (catalog_type, f"{catalog_type}_catalog"):
        tx = registry.get(key)
        if tx is not None and tx.interface_type.endswith("_catalog"):
            return tx
    raise UnsupportedInterfaceError(f"不支持的目录类型: {catalog_type}")


def layout(tx: Transaction) -> CatalogLayout:
    kind = LAYOUT_OF.get(tx.infno, tx.infno)
    try:
        return LAYOUTS[kind]
    except KeyError:
        raise FileError(f"【{tx.infno}】{tx.name}的文件列定义未公开，无法解析", code=40002) from None


def read_rows(tx: Transaction, content: bytes) -> CatalogRows:
    reader = CatalogReader(content, layout(tx))
    rows = list(reader.rows())
    return CatalogRows(rows, infno=tx.infno, bad_rows=reader.errors, last_ver_name=reader.last_ver_name)
