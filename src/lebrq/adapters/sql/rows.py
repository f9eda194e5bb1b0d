"""How SQL repositories turn results into domain values: rows read by column name."""

from __future__ import annotations

import inspect
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, NamedTuple, TypeAlias, TypeVar

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import CursorResult, Row


def inserted_id(result: CursorResult[Any]) -> int:
    """The id the database gave the row a single-row INSERT just wrote."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the INSERT returned no primary key")
    return int(key[0])


# A result row of any width: repositories read columns by name.
AnyRow: TypeAlias = Row[*tuple[Any, ...]]


S = TypeVar("S", bound=msgspec.Struct)


class Part(NamedTuple):
    """A Struct field stored in several columns of the same row (a throttle's key; a
    booking's refund, a document's PDF file, a message's attachment, all nullable): read
    by `columns`, None while the column of its field `present` is NULL."""

    columns: StructColumns[Any]
    present: str


class StructColumns(Generic[S]):
    """The one declared list that maps a domain Struct's fields to a table's columns.

    `columns` names, for each field, the column that stores it: the SELECT list is built
    from it and rows are read back by those names, so neighbouring columns of one type
    (subtotal, tax, total) cannot be swapped by an ordering slip. A field stored in
    several columns of the row (a booking's refund) is a `Part`: its columns follow the
    Struct's own in `select`. Fields computed from other data (a booking's item lines, a count from
    another table) are listed in `computed` and passed to `read`. A field that is none of
    these (one added to the entity but not to its table) fails at import.

    Reading stays as fast as unpacking by position: the names are resolved to positions
    once, here, and a row is taken apart by one `itemgetter` call."""

    def __init__(
        self,
        struct: type[S],
        columns: Mapping[str, sa.ColumnElement[Any]],
        *,
        convert: Mapping[str, Callable[[Any], Any]] | None = None,
        parts: Mapping[str, Part] | None = None,
        computed: Sequence[str] = (),
    ) -> None:
        parts = parts or {}
        fields = [field.name for field in msgspec.structs.fields(struct)]
        declared = [*columns, *parts, *computed]
        unknown = sorted(set(declared) - set(fields))
        missing = [name for name in fields if name not in declared]
        if unknown or missing or len(declared) != len(set(declared)):
            raise TypeError(f"{struct.__name__}: columns for unknown fields {unknown}, none for {missing}")
        self.struct = struct
        select = list(columns.values())
        self._parts = []
        for name, part in parts.items():
            start = len(select)
            present = start + part.columns.position(part.present)
            self._parts.append((fields.index(name), part.columns, start, present))
            select += part.columns.select
        self.select: tuple[sa.ColumnElement[Any], ...] = tuple(select)
        self._columns = dict(columns)
        self._position = {name: index for index, name in enumerate(columns)}
        # Parts and computed fields take a placeholder (position 0) until `read` fills them in.
        self._take = operator.itemgetter(*(self._position.get(name, 0) for name in fields))
        self._converters = [(fields.index(name), function) for name, function in (convert or {}).items()]
        self._computed = {name: fields.index(name) for name in computed}
        self._fields = fields
        parameters = inspect.signature(struct).parameters.values()
        self._keywords_only = any(parameter.kind is inspect.Parameter.KEYWORD_ONLY for parameter in parameters)

    @classmethod
    def same_named(
        cls,
        struct: type[S],
        table: sa.Table,
        *,
        convert: Mapping[str, Callable[[Any], Any]] | None = None,
        parts: Mapping[str, Part] | None = None,
        computed: Sequence[str] = (),
    ) -> StructColumns[S]:
        """For a table whose columns are named like its entity's fields: each field that
        is not a part or computed is stored in the column of its name."""
        stored = [field.name for field in msgspec.structs.fields(struct)]
        stored = [name for name in stored if name not in (parts or {}) and name not in computed]
        missing = [name for name in stored if name not in table.c]
        if missing:
            raise TypeError(f"{struct.__name__}: table {table.name} has no column for {missing}")
        columns = {name: table.c[name] for name in stored}
        return cls(struct, columns, convert=convert, parts=parts, computed=computed)

    def position(self, field: str) -> int:
        """Where the column of `field` stands in `select`."""
        return self._position[field]

    def read(self, row: Sequence[Any], **computed: Any) -> S:
        """The Struct from a row (or a slice of one) whose first columns are `select`;
        more may follow (a page's total)."""
        values = list(self._take(row))
        for index, function in self._converters:
            values[index] = function(values[index])
        for index, part, start, present in self._parts:
            values[index] = None if row[present] is None else part.read(row[start:])
        for name, value in computed.items():
            values[self._computed[name]] = value
        if self._keywords_only:
            return self.struct(**dict(zip(self._fields, values, strict=True)))
        return self.struct(*values)

    def values(self, entity: S, *, leave_out: Sequence[str] = ()) -> dict[str, Any]:
        """Column name -> value for an INSERT or UPDATE of `entity`'s fields stored in
        columns of their own (not its parts)."""
        return {
            column.name: getattr(entity, name)
            for name, column in self._columns.items()
            if name not in leave_out and isinstance(column, sa.Column)
        }
