"""Rows are read into domain Structs by column name, from one declared list per table."""

from __future__ import annotations

import msgspec
import pytest
import sqlalchemy as sa

from lebrq.adapters.sql.rows import StructColumns

amounts = sa.Table(
    "amounts",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("subtotal_paise", sa.Integer),
    sa.Column("tax_paise", sa.Integer),
    sa.Column("total_paise", sa.Integer),
    sa.Column("kind", sa.String(10)),
)


class Amounts(msgspec.Struct, frozen=True):
    id: int
    subtotal_paise: int
    tax_paise: int
    total_paise: int
    label: str


class KeywordAmounts(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    total_paise: int


def test_columns_declared_in_any_order_land_in_the_fields_they_name() -> None:
    # Declared in an order unlike both the table's and the Struct's: three integer
    # columns side by side, the slip that positional unpacking would not notice.
    mapping = StructColumns(
        Amounts,
        {
            "total_paise": amounts.c.total_paise,
            "id": amounts.c.id,
            "tax_paise": amounts.c.tax_paise,
            "subtotal_paise": amounts.c.subtotal_paise,
            "label": amounts.c.kind,
        },
        convert={"label": str.upper},
    )
    assert [column.name for column in mapping.select] == ["total_paise", "id", "tax_paise", "subtotal_paise", "kind"]
    row = (118, 7, 18, 100, "gst", "page total rides along")
    assert mapping.read(row) == Amounts(id=7, subtotal_paise=100, tax_paise=18, total_paise=118, label="GST")


def test_computed_fields_are_passed_in_and_keyword_only_structs_work() -> None:
    mapping = StructColumns(
        Amounts,
        {"id": amounts.c.id, "total_paise": amounts.c.total_paise},
        computed=("subtotal_paise", "tax_paise", "label"),
    )
    assert mapping.read((1, 5), subtotal_paise=4, tax_paise=1, label="x") == Amounts(1, 4, 1, 5, "x")
    keywords = StructColumns(KeywordAmounts, {"total_paise": amounts.c.total_paise, "id": amounts.c.id})
    assert keywords.read((9, 3)) == KeywordAmounts(id=3, total_paise=9)


def test_a_field_without_a_column_or_a_column_without_a_field_is_refused_at_once() -> None:
    with pytest.raises(TypeError, match=r"none for \['label'\]"):
        StructColumns(
            Amounts,
            {
                "id": amounts.c.id,
                "subtotal_paise": amounts.c.subtotal_paise,
                "tax_paise": amounts.c.tax_paise,
                "total_paise": amounts.c.total_paise,
            },
        )
    with pytest.raises(TypeError, match=r"unknown fields \['kind'\]"):
        StructColumns(
            KeywordAmounts, {"id": amounts.c.id, "total_paise": amounts.c.total_paise, "kind": amounts.c.kind}
        )
