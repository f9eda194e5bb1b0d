"""Rows are read into domain Structs by column name, from one declared list per table."""

from __future__ import annotations

import msgspec
import pytest
import sqlalchemy as sa

from lebrq.adapters.sql.rows import Part, StructColumns

amounts = sa.Table(
    "amounts",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("subtotal_paise", sa.Integer),
    sa.Column("tax_paise", sa.Integer),
    sa.Column("total_paise", sa.Integer),
    sa.Column("kind", sa.String(10)),
    sa.Column("refund_paise", sa.Integer),
    sa.Column("credit_note", sa.String(20)),
)


class Amounts(msgspec.Struct, frozen=True):
    id: int
    subtotal_paise: int
    tax_paise: int
    total_paise: int
    label: str


class Refund(msgspec.Struct, frozen=True):
    amount_paise: int | None
    credit_note: str


class Refunded(msgspec.Struct, frozen=True):
    id: int
    total_paise: int
    refund: Refund | None


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


def test_a_part_reads_from_its_own_columns_after_the_structs_and_is_none_while_its_marker_is_null() -> None:
    refund = StructColumns(Refund, {"credit_note": amounts.c.credit_note, "amount_paise": amounts.c.refund_paise})
    mapping = StructColumns(
        Refunded,
        {"total_paise": amounts.c.total_paise, "id": amounts.c.id},
        parts={"refund": Part(refund, present="credit_note")},
    )
    assert [column.name for column in mapping.select] == ["total_paise", "id", "credit_note", "refund_paise"]
    assert mapping.read((118, 7, "CN-1", None, "page total")) == Refunded(7, 118, Refund(None, "CN-1"))
    assert mapping.read((118, 8, None, 50)) == Refunded(8, 118, None)
