"""Numbers and dates the way a Russian reader expects them: «1 234,5», «12,3 %», «1 ноября 2024 г.»."""

from __future__ import annotations

import datetime as dt
import math

THIN_SPACE = "\u2009"
MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
NO_DATA = "нет данных"


def is_missing(value: float | None) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | None, decimals: int = 0) -> str:
    """«20 709», «64,75», with a thin space between thousands; «нет данных» for a missing value."""
    if value is None or is_missing(value):
        return NO_DATA
    text = f"{value:,.{decimals}f}"
    return text.replace(",", THIN_SPACE).replace(".", ",")


def short_number(value: float | None, decimals: int = 1) -> str:
    """«60», «141,3», «0,75» (``decimals=2``): at most ``decimals`` decimals, trailing zeros dropped."""
    if value is None or is_missing(value):
        return NO_DATA
    text = number(value, decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


def signed(value: float, decimals: int = 1) -> str:
    """«+2,3», «−1,0», «±0,0»: a change with its sign (a real minus), zero as «±»."""
    rounded = round(value, decimals)
    sign = "+" if rounded > 0 else "\u2212" if rounded < 0 else "±"
    return f"{sign}{number(abs(rounded), decimals)}"


def plural(count: float, forms: tuple[str, str, str]) -> str:
    """The Russian form of a noun after ``count``: (1 ставка, 2 ставки, 5 ставок); a fraction takes the second."""
    if not float(count).is_integer():
        return forms[1]
    whole = abs(int(count))
    if whole % 10 == 1 and whole % 100 != 11:
        return forms[0]
    if 2 <= whole % 10 <= 4 and not 12 <= whole % 100 <= 14:
        return forms[1]
    return forms[2]


def percent(value: float | None, decimals: int = 1) -> str:
    """«19,5 %» (a non-breaking space before the sign, as Russian typography asks)."""
    if value is None or is_missing(value):
        return NO_DATA
    return f"{number(value, decimals)}\u00a0%"


def long_date(value: dt.date) -> str:
    """«1 ноября 2024 г.»"""
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year} г."


def short_date(value: dt.date) -> str:
    """«01.11.2024»"""
    return value.strftime("%d.%m.%Y")
