"""How SQL repositories turn results into domain values: rows read by column name."""

from __future__ import annotations

import inspect
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeAlias, TypeVar

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


class StructColumns(Generic[S]):
    """The one declared list that maps a domain Struct's fields to a table's columns.

    `columns` names, for each field, the column that stores it: the SELECT list is built
    from it and rows are read back by those names, so neighbouring columns of one type
    (subtotal, tax, total) cannot be swapped by an ordering slip. Fields computed from
    other data (an enum from its stored value, a composite from several columns, a
    booking's item lines) are listed in `computed` and passed to `read`. A field that is
    neither (one added to the entity but not to its table) fails at import.

    Reading stays as fast as unpacking by position: the names are resolved to positions
    once, here, and a row is taken apart by one `itemgetter` call."""

    def __init__(
        self,
        struct: type[S],
        columns: Mapping[str, sa.ColumnElement[Any]],
        *,
        convert: Mapping[str, Callable[[Any], Any]] | None = None,
        computed: Sequence[str] = (),
    ) -> None:
        fields = [field.name for field in msgspec.structs.fields(struct)]
        declared = [*columns, *computed]
        unknown = sorted(set(declared) - set(fields))
        missing = [name for name in fields if name not in declared]
        if unknown or missing or len(declared) != len(set(declared)):
            raise TypeError(f"{struct.__name__}: columns for unknown fields {unknown}, none for {missing}")
        self.struct = struct
        self.select: tuple[sa.ColumnElement[Any], ...] = tuple(columns.values())
        self._columns = dict(columns)
        position = {name: index for index, name in enumerate(columns)}
        # Computed fields take a placeholder (position 0) until `read` fills them in.
        self._take = operator.itemgetter(*(position.get(name, 0) for name in fields))
        self._converters = [(fields.index(name), function) for name, function in (convert or {}).items()]
        self._computed = {name: fields.index(name) for name in computed}
        self._fields = fields
        parameters = inspect.signature(struct).parameters.values()
        self._keywords_only = any(parameter.kind is inspect.Parameter.KEYWORD_ONLY for parameter in parameters)

    def read(self, row: Sequence[Any], **computed: Any) -> S:
        """The Struct from a row (or a slice of one) whose first columns are `select`;
        more may follow (a page's total)."""
        values = list(self._take(row))
        for index, function in self._converters:
            values[index] = function(values[index])
        for name, value in computed.items():
            values[self._computed[name]] = value
        if self._keywords_only:
            return self.struct(**dict(zip(self._fields, values, strict=True)))
        return self.struct(*values)

    def values(self, entity: S, *, leave_out: Sequence[str] = ()) -> dict[str, Any]:
        """Column name -> value for an INSERT or UPDATE of `entity`'s stored fields."""
        return {
            column.name: getattr(entity, name)
            for name, column in self._columns.items()
            if name not in leave_out and isinstance(column, sa.Column)
        }


def same_named_columns(
    struct: type[msgspec.Struct], table: sa.Table, *, leave_out: Sequence[str] = ()
) -> dict[str, sa.ColumnElement[Any]]:
    """Each field of `struct` (but `leave_out`) with the column of `table` named like it:
    for the tables whose columns are their entity's fields."""
    fields = [field.name for field in msgspec.structs.fields(struct) if field.name not in leave_out]
    missing = [name for name in fields if name not in table.c]
    if missing:
        raise TypeError(f"{struct.__name__}: table {table.name} has no column for {missing}")
    return {name: table.c[name] for name in fields}
