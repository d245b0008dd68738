"""The SQL of the trigger queue, per database: the queue tables and one trigger per mapping.

    table_statements("postgresql")              # CREATE TABLE / INDEX … IF NOT EXISTS (for --dry-run)
    install_statements(resolved, "mysql")       # DROP TRIGGER IF EXISTS + CREATE TRIGGER (re-run: replaced)
    uninstall_statements(resolved, "mysql")     # the triggers (and functions); never the tables
    script(statements, "mssql")                 # one text for the database's own client (psql, mysql …)

Each trigger fires AFTER INSERT (or UPDATE) FOR EACH ROW and inserts one queue row: the operation, the
registry's interface_type, `data_json` (the transaction input in node form, built by the database's JSON
functions), the group key as text, the mapping's name, the database's now() and status 'pending'.

Values: a field the registry declares as a datetime/date is formatted in SQL as the bureau writes it
(yyyy-MM-dd HH:mm:ss / yyyy-MM-dd) whatever type the HIS column has; text and decimal fields are sent as
text (exact decimals, no float rounding); integers and fields of nodes without a field table as stored.
Constants become SQL literals, quoted so that no value can end them.

PostgreSQL and MySQL 8 / MariaDB ≥ 10.6 are installed and tested; SQL Server and Oracle are templates
(printed by --dry-run) for a DBA to review and run.
"""

from __future__ import annotations

from collections.abc import Sequence
from textwrap import indent
from typing import Literal, get_args

from sqlalchemy.dialects import mssql, mysql, oracle, postgresql
from sqlalchemy.engine import Dialect as SaDialect
from sqlalchemy.schema import CreateIndex, CreateTable

from medical_insurance_sdk.integrate.dbqueue import tables
from medical_insurance_sdk.integrate.dbqueue.mapping import Constant, ResolvedField, ResolvedMapping
from medical_insurance_sdk.registry.fields import ROOT

Dialect = Literal["postgresql", "mysql", "mssql", "oracle"]
DIALECTS: tuple[Dialect, ...] = get_args(Dialect)
TESTED: tuple[Dialect, ...] = ("postgresql", "mysql")

# the queue columns a trigger fills, in the order of its VALUES
_QUEUE_COLUMNS = (
    "operation_type",
    "interface_type",
    "data_json",
    "group_key",
    "mapping_name",
    "created_at",
    "status",
)
# PostgreSQL functions take at most 100 arguments: a JSON object is built in chunks of 50 pairs
_PG_PAIRS = 50


def trigger_name(m: ResolvedMapping) -> str:
    return f"trigger_{m.name}"


def function_name(m: ResolvedMapping) -> str:
    """The PostgreSQL trigger function (the spec's medical_insurance_<name>)."""
    return f"medical_insurance_{m.name}"


class _Sql:
    """What differs between databases: quoting, casts, date formats, JSON, the trigger statements."""

    dialect: SaDialect
    row = "NEW."  # how the trigger body names the new row
    now = "CURRENT_TIMESTAMP"

    def ident(self, name: str) -> str:
        return str(self.dialect.identifier_preparer.quote(name))

    def table(self, qualified: str) -> str:
        return ".".join(self.ident(p) for p in qualified.split("."))

    def literal(self, value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    def column(self, name: str) -> str:
        return self.row + self.ident(name)

    def value(self, f: ResolvedField) -> str:
        if isinstance(f.source, Constant):
            number = f.source.number
            keep_number = number is not None and f.kind in ("decimal", "int", None)
            return str(number) if keep_number else self.literal(str(f.source.value))
        col = self.column(f.source)
        if f.kind in ("str", "decimal"):
            return self.text(col)
        if f.kind == "datetime":
            return self.datetime(col)
        if f.kind == "date":
            return self.date(col)
        return col

    def text(self, expr: str) -> str:
        raise NotImplementedError

    def datetime(self, expr: str) -> str:
        raise NotImplementedError

    def date(self, expr: str) -> str:
        raise NotImplementedError

    def json(self, fields: Sequence[ResolvedField]) -> str:
        raise NotImplementedError

    def values(self, m: ResolvedMapping, queue_schema: str | None) -> tuple[str, list[str]]:
        """(the queue table as the trigger names it, the values of _QUEUE_COLUMNS)."""
        queue = self.table(f"{queue_schema}.{tables.QUEUE_TABLE}" if queue_schema else tables.QUEUE_TABLE)
        group = self.text(self.column(m.mapping.group_key)) if m.mapping.group_key else "NULL"
        values = [
            self.literal(m.mapping.operation),
            self.literal(m.tx.interface_type),
            self.json(m.fields),
            group,
            self.literal(m.name),
            self.now,
            self.literal(tables.QueueStatus.PENDING.value),
        ]
        return queue, values

    def insert(self, m: ResolvedMapping, queue_schema: str | None) -> str:
        queue, values = self.values(m, queue_schema)
        columns = ", ".join(self.ident(c) for c in _QUEUE_COLUMNS)
        rows = ",\n        ".join(values)
        return f"INSERT INTO {queue} ({columns})\n    VALUES (\n        {rows}\n    )"

    def install(self, m: ResolvedMapping, queue_schema: str | None) -> list[str]:
        raise NotImplementedError

    def uninstall(self, m: ResolvedMapping) -> list[str]:
        raise NotImplementedError

    def create_tables(self) -> list[str]:
        """CREATE TABLE / CREATE INDEX, each only when absent."""
        out: list[str] = []
        for table in tables.metadata.sorted_tables:
            out.append(str(CreateTable(table, if_not_exists=True).compile(dialect=self.dialect)).strip())
            out.extend(
                str(CreateIndex(index, if_not_exists=True).compile(dialect=self.dialect)).strip()
                for index in sorted(table.indexes, key=lambda i: str(i.name))
            )
        return out

    def script(self, statements: Sequence[str]) -> str:
        return "".join(f"{s};\n\n" for s in statements)


def _nodes(fields: Sequence[ResolvedField]) -> dict[str, list[ResolvedField]]:
    grouped: dict[str, list[ResolvedField]] = {}
    for f in fields:
        grouped.setdefault(f.node, []).append(f)
    return grouped


class _Postgres(_Sql):
    dialect = postgresql.dialect()
    now = "now()"

    def literal(self, value: str) -> str:
        if (
            "\\" in value
        ):  # an E'' string reads backslashes the same whatever standard_conforming_strings says
            return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
        return super().literal(value)

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS text)"

    def datetime(self, expr: str) -> str:
        return f"to_char(CAST({expr} AS timestamp), 'YYYY-MM-DD HH24:MI:SS')"

    def date(self, expr: str) -> str:
        return f"to_char(CAST({expr} AS date), 'YYYY-MM-DD')"

    def _object(self, pairs: list[tuple[str, str]]) -> str:
        chunks = [pairs[i : i + _PG_PAIRS] for i in range(0, len(pairs), _PG_PAIRS)] or [[]]
        built = [
            "jsonb_build_object(" + ", ".join(f"{self.literal(k)}, {v}" for k, v in chunk) + ")"
            for chunk in chunks
        ]
        return built[0] if len(built) == 1 else "(" + " || ".join(built) + ")"

    def json(self, fields: Sequence[ResolvedField]) -> str:
        pairs: list[tuple[str, str]] = []
        for node, members in _nodes(fields).items():
            inner = [(f.field, self.value(f)) for f in members]
            pairs.extend(inner if node == ROOT else [(node, self._object(inner))])
        return f"CAST({self._object(pairs)} AS text)"

    def install(self, m: ResolvedMapping, queue_schema: str | None) -> list[str]:
        body = f"BEGIN\n    {self.insert(m, queue_schema)};\n    RETURN NULL;\nEND\n"
        tag = "$mi$"
        while tag in body:
            tag = f"$mi{len(tag)}$"
        when = f"\n    WHEN ({m.mapping.when})" if m.mapping.when else ""
        function = self.ident(function_name(m))
        return [
            # SET search_path FROM CURRENT: the queue table is found where install created it, whatever
            # search_path the HIS application's sessions use
            f"CREATE OR REPLACE FUNCTION {function}()\nRETURNS trigger\nLANGUAGE plpgsql\n"
            f"SET search_path FROM CURRENT\nAS {tag}\n{body}{tag}",
            f"DROP TRIGGER IF EXISTS {self.ident(trigger_name(m))} ON {self.table(m.mapping.table)}",
            f"CREATE TRIGGER {self.ident(trigger_name(m))}\n    AFTER {m.mapping.operation} ON "
            f"{self.table(m.mapping.table)}\n    FOR EACH ROW{when}\n    EXECUTE FUNCTION {function}()",
        ]

    def uninstall(self, m: ResolvedMapping) -> list[str]:
        return [
            f"DROP TRIGGER IF EXISTS {self.ident(trigger_name(m))} ON {self.table(m.mapping.table)}",
            f"DROP FUNCTION IF EXISTS {self.ident(function_name(m))}()",
        ]


class _MySql(_Sql):
    """MySQL 8 and MariaDB ≥ 10.6: the same SQL."""

    dialect = mysql.dialect()
    now = "NOW()"

    def literal(self, value: str) -> str:
        if "\\" in value:  # a hex literal reads the same whatever sql_mode (NO_BACKSLASH_ESCAPES) says
            return f"CONVERT(X'{value.encode('utf-8').hex()}' USING utf8mb4)"
        return super().literal(value)

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS CHAR CHARACTER SET utf8mb4)"

    def datetime(self, expr: str) -> str:
        return f"DATE_FORMAT({expr}, '%Y-%m-%d %H:%i:%s')"

    def date(self, expr: str) -> str:
        return f"DATE_FORMAT({expr}, '%Y-%m-%d')"

    def json(self, fields: Sequence[ResolvedField]) -> str:
        pairs: list[str] = []
        for node, members in _nodes(fields).items():
            inner = [f"{self.literal(f.field)}, {self.value(f)}" for f in members]
            pairs.extend(
                inner if node == ROOT else [f"{self.literal(node)}, JSON_OBJECT({', '.join(inner)})"]
            )
        return f"JSON_OBJECT({', '.join(pairs)})"

    def _trigger(self, m: ResolvedMapping) -> str:
        schema = m.mapping.schema_name  # a trigger lives in its table's database
        return self.table(f"{schema}.{trigger_name(m)}" if schema else trigger_name(m))

    def install(self, m: ResolvedMapping, queue_schema: str | None) -> list[str]:
        insert = self.insert(m, queue_schema) + ";"
        if m.mapping.when:  # a MySQL trigger has no WHEN clause
            insert = f"IF ({m.mapping.when}) THEN\n{indent(insert, '    ')}\nEND IF;"
        return [
            f"DROP TRIGGER IF EXISTS {self._trigger(m)}",
            f"CREATE TRIGGER {self._trigger(m)}\n"
            f"    AFTER {m.mapping.operation} ON {self.table(m.mapping.table)}\n"
            f"    FOR EACH ROW\nBEGIN\n{indent(insert, '    ')}\nEND",
        ]

    def uninstall(self, m: ResolvedMapping) -> list[str]:
        return [f"DROP TRIGGER IF EXISTS {self._trigger(m)}"]

    def create_tables(self) -> list[str]:
        # MySQL 8 has no CREATE INDEX IF NOT EXISTS: the indexes are declared inside CREATE TABLE
        out = []
        for table in tables.metadata.sorted_tables:
            ddl = str(CreateTable(table, if_not_exists=True).compile(dialect=self.dialect)).strip()
            head, close, options = ddl.rpartition("\n)")
            indexes = "".join(
                f", \n\tINDEX {self.ident(str(i.name))} ({', '.join(self.ident(c.name) for c in i.columns)})"
                for i in sorted(table.indexes, key=lambda i: str(i.name))
            )
            out.append(head + indexes + close + options)
        return out

    def script(self, statements: Sequence[str]) -> str:
        # the mysql client ends a statement at ';' unless told otherwise: trigger bodies contain ';'
        return "DELIMITER //\n\n" + "".join(f"{s}\n//\n\n" for s in statements) + "DELIMITER ;\n"


class _SqlServer(_Sql):
    """A template: SQL Server 2016 SP1+ (CREATE OR ALTER, DROP … IF EXISTS, FOR JSON)."""

    dialect = mssql.dialect()
    now = "GETDATE()"

    def literal(self, value: str) -> str:
        return "N" + super().literal(value)

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS nvarchar(max))"

    def datetime(self, expr: str) -> str:
        return f"CONVERT(varchar(19), CAST({expr} AS datetime2), 120)"

    def date(self, expr: str) -> str:
        return f"CONVERT(varchar(10), CAST({expr} AS date), 23)"

    def json(self, fields: Sequence[ResolvedField]) -> str:
        # FOR JSON PATH nests on the dots of the column aliases: [data.psn_no] → {"data": {"psn_no": …}}
        columns = ", ".join(
            f"{self.value(f)} AS [{f.field if f.node == ROOT else f.node + '.' + f.field}]" for f in fields
        )
        return f"(SELECT {columns} FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES)"

    def _trigger(self, m: ResolvedMapping) -> str:
        schema = m.mapping.schema_name
        return self.table(f"{schema}.{trigger_name(m)}" if schema else trigger_name(m))

    def install(self, m: ResolvedMapping, queue_schema: str | None) -> list[str]:
        # statement-level: one queue row per row of `inserted`, aliased NEW so that `when:` reads NEW.col
        queue, values = self.values(m, queue_schema)
        columns = ", ".join(self.ident(c) for c in _QUEUE_COLUMNS)
        where = f"\n    WHERE ({m.mapping.when})" if m.mapping.when else ""
        if m.mapping.when and "OLD." in m.mapping.when.upper():
            # SQL Server has no OLD row: the DBA joins `deleted` on the table's key
            where = f"\n    JOIN deleted AS OLD ON /* 请按主键关联，如 */ OLD.id = NEW.id{where}"
        rows = ",\n        ".join(values)
        return [
            f"CREATE OR ALTER TRIGGER {self._trigger(m)}\nON {self.table(m.mapping.table)}\n"
            f"AFTER {m.mapping.operation}\nAS\nBEGIN\n    SET NOCOUNT ON;\n"
            f"    INSERT INTO {queue} ({columns})\n    SELECT\n        {rows}\n"
            f"    FROM inserted AS NEW{where};\nEND"
        ]

    def uninstall(self, m: ResolvedMapping) -> list[str]:
        return [f"DROP TRIGGER IF EXISTS {self._trigger(m)}"]

    def create_tables(self) -> list[str]:
        out = []
        for table in tables.metadata.sorted_tables:
            ddl = str(CreateTable(table).compile(dialect=self.dialect)).strip()
            indexes = "".join(
                f"\n    {str(CreateIndex(i).compile(dialect=self.dialect)).strip()};"
                for i in sorted(table.indexes, key=lambda i: str(i.name))
            )
            inner = ddl.replace("\n", "\n    ")
            out.append(f"IF OBJECT_ID(N'{table.name}', N'U') IS NULL\nBEGIN\n    {inner};{indexes}\nEND")
        return out

    def script(self, statements: Sequence[str]) -> str:
        return "".join(f"{s}\nGO\n\n" for s in statements)


class _Oracle(_Sql):
    """A template: Oracle 12.2+ (JSON_OBJECT, identity columns)."""

    dialect = oracle.dialect()
    row = ":NEW."
    now = "SYSDATE"

    def text(self, expr: str) -> str:
        return f"TO_CHAR({expr})"

    def datetime(self, expr: str) -> str:
        return f"TO_CHAR({expr}, 'YYYY-MM-DD HH24:MI:SS')"

    def date(self, expr: str) -> str:
        return f"TO_CHAR({expr}, 'YYYY-MM-DD')"

    def json(self, fields: Sequence[ResolvedField]) -> str:
        pairs: list[str] = []
        for node, members in _nodes(fields).items():
            inner = [f"{self.literal(f.field)} VALUE {self.value(f)}" for f in members]
            if node == ROOT:
                pairs.extend(inner)
            else:
                pairs.append(
                    f"{self.literal(node)} VALUE JSON_OBJECT({', '.join(inner)} NULL ON NULL RETURNING CLOB)"
                )
        return f"JSON_OBJECT({', '.join(pairs)} NULL ON NULL RETURNING CLOB)"

    def install(self, m: ResolvedMapping, queue_schema: str | None) -> list[str]:
        when = f"\nWHEN ({m.mapping.when})" if m.mapping.when else ""
        return [
            f"CREATE OR REPLACE TRIGGER {self.ident(trigger_name(m))}\nAFTER {m.mapping.operation} ON "
            f"{self.table(m.mapping.table)}\nFOR EACH ROW{when}\n"
            f"BEGIN\n    {self.insert(m, queue_schema)};\nEND;"
        ]

    def uninstall(self, m: ResolvedMapping) -> list[str]:
        return [self._ignoring(f"DROP TRIGGER {self.ident(trigger_name(m))}", -4080)]  # ORA-04080: no trigger

    def _ignoring(self, statement: str, code: int) -> str:
        return (
            f"BEGIN\n    EXECUTE IMMEDIATE {self.literal(statement)};\nEXCEPTION WHEN OTHERS THEN\n"
            f"    IF SQLCODE != {code} THEN RAISE; END IF;\nEND;"
        )

    def create_tables(self) -> list[str]:
        out = []
        for table in tables.metadata.sorted_tables:
            ddl = [str(CreateTable(table).compile(dialect=self.dialect)).strip()]
            ddl += [str(CreateIndex(i).compile(dialect=self.dialect)).strip() for i in table.indexes]
            run = "".join(f"\n    EXECUTE IMMEDIATE {self.literal(s)};" for s in ddl)
            # ORA-00955: the name is already used (the table exists): keep it and its rows
            out.append(
                f"BEGIN{run}\nEXCEPTION WHEN OTHERS THEN\n    IF SQLCODE != -955 THEN RAISE; END IF;\nEND;"
            )
        return out

    def script(self, statements: Sequence[str]) -> str:
        # SQL*Plus: no &-substitution in constants; each statement run by the '/' after it
        return "SET DEFINE OFF\n\n" + "".join(f"{s}\n/\n\n" for s in statements)


_RENDERERS: dict[Dialect, _Sql] = {
    "postgresql": _Postgres(),
    "mysql": _MySql(),
    "mssql": _SqlServer(),
    "oracle": _Oracle(),
}


def dialect_of(backend: str) -> Dialect | None:
    """The SQL dialect for a SQLAlchemy backend name (mariadb → mysql), None for an unsupported one."""
    name = "mysql" if backend == "mariadb" else backend
    return next((d for d in DIALECTS if d == name), None)


def table_statements(dialect: Dialect) -> list[str]:
    """The queue and result tables with their indexes, each created only when absent."""
    return _RENDERERS[dialect].create_tables()


def install_statements(m: ResolvedMapping, dialect: Dialect, *, queue_schema: str | None = None) -> list[str]:
    """The mapping's trigger (and PostgreSQL function), replacing an earlier one of the same name.

    `queue_schema`: the schema/database holding the queue table, when the trigger's own would not find it
    (MySQL: a trigger resolves names in its table's database)."""
    return _RENDERERS[dialect].install(m, queue_schema)


def uninstall_statements(m: ResolvedMapping, dialect: Dialect) -> list[str]:
    """The mapping's trigger (and function) dropped if present; the queue tables are never dropped."""
    return _RENDERERS[dialect].uninstall(m)


def queue_name_statement(name: str, dialect: Dialect) -> str:
    """Store the queue's identity (identity.py) unless one is stored: a re-run script keeps the first."""
    table, key, value = tables.META_TABLE, sql_literal(tables.QUEUE_NAME, dialect), sql_literal(name, dialect)
    if dialect == "postgresql":
        return f"INSERT INTO {table} (name, value) VALUES ({key}, {value}) ON CONFLICT (name) DO NOTHING"
    if dialect == "mysql":
        return f"INSERT IGNORE INTO {table} (name, value) VALUES ({key}, {value})"
    if dialect == "mssql":
        return (
            f"IF NOT EXISTS (SELECT 1 FROM {table} WHERE name = {key})\n"
            f"    INSERT INTO {table} (name, value) VALUES ({key}, {value})"
        )
    return (
        f"MERGE INTO {table} m USING (SELECT {key} AS name FROM dual) s ON (m.name = s.name)\n"
        f"WHEN NOT MATCHED THEN INSERT (name, value) VALUES ({key}, {value})"
    )


def script(statements: Sequence[str], dialect: Dialect) -> str:
    """The statements as one script for the database's own client (psql, mysql, sqlcmd, SQL*Plus)."""
    return _RENDERERS[dialect].script(statements)


def sql_literal(value: str, dialect: Dialect) -> str:
    """A string as a SQL literal of `dialect` (no value can end it early)."""
    return _RENDERERS[dialect].literal(value)


__all__ = [
    "DIALECTS",
    "TESTED",
    "Dialect",
    "dialect_of",
    "function_name",
    "install_statements",
    "queue_name_statement",
    "script",
    "sql_literal",
    "table_statements",
    "trigger_name",
    "uninstall_statements",
]
