"""Amounts written for people the way Indian invoices write them: figures grouped in
lakh and crore (12,34,567.89) and words with rupees and paise.

    1_23_45_678 paise -> "Rupees One Lakh Twenty-Three Thousand Four Hundred Fifty-Six
                          and Seventy-Eight Paise Only"
"""

from __future__ import annotations

_ONES = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
]
_TENS = ["_", "_", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety"]

# Indian grouping: crore (10^7) over lakh (10^5) over thousand (10^3) over hundred.
_SCALES = ((10_000_000, "Crore"), (100_000, "Lakh"), (1_000, "Thousand"), (100, "Hundred"))


def _below_hundred(n: int) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] if ones == 0 else f"{_TENS[tens]}-{_ONES[ones]}"


def number_in_words(n: int) -> str:
    """A non-negative whole number in Indian English words ("One Crore Five Lakh ...")."""
    if n < 0:
        raise ValueError("number_in_words takes a non-negative number")
    if n < 100:
        return _below_hundred(n)
    words: list[str] = []
    for scale, name in _SCALES:
        count, n = divmod(n, scale)
        if count:
            # Above 99 crore the crore count itself is spelled the Indian way ("One Hundred Crore").
            words.append(f"{number_in_words(count)} {name}")
    if n:
        words.append(_below_hundred(n))
    return " ".join(words)


def amount_in_words(paise: int) -> str:
    """An amount in paise as written on an invoice; rupees and paise parts each appear
    only when non-zero ("Rupees Zero Only" for nothing at all)."""
    if paise < 0:
        raise ValueError("amount_in_words takes a non-negative amount")
    rupees, rest = divmod(paise, 100)
    if rupees and rest:
        return f"Rupees {number_in_words(rupees)} and {number_in_words(rest)} Paise Only"
    if rest:
        return f"{number_in_words(rest)} Paise Only"
    return f"Rupees {number_in_words(rupees)} Only"


def format_inr(paise: int) -> str:
    """Figures with Indian digit grouping: 1234567_89 paise -> '12,34,567.89'."""
    sign = "-" if paise < 0 else ""
    rupees, rest = divmod(abs(paise), 100)
    digits = str(rupees)
    head, tail = digits[:-3], digits[-3:]
    groups: list[str] = []
    while len(head) > 2:
        head, group = head[:-2], head[-2:]
        groups.insert(0, group)
    if head:
        groups.insert(0, head)
    return f"{sign}{','.join([*groups, tail])}.{rest:02d}"
