"""Find a calendar date in free text (en, fr, es, ar) with a month-name table.

Why not dateparser: it costs milliseconds per call, tens of ms on a miss, and returns
nothing for Levantine month names ("7 شباط/فبراير 2023"). A compiled table is ~µs.

Numeric day/month forms are ambiguous; they are only read when the language says
which comes first (fr, es, ar, en-GB: day first; en-US: month first) or when one
of the two numbers is above 12.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata

__all__ = ["find_date", "normalize_for_match", "parse_date", "to_ascii_digits"]

# Arabic-Indic (U+0660..) and Extended Arabic-Indic / Persian (U+06F0..) digits.
_DIGITS = {0x0660 + i: 0x30 + i for i in range(10)} | {0x06F0 + i: 0x30 + i for i in range(10)}


def to_ascii_digits(s: str) -> str:
    """Return `s` with Arabic-Indic and Extended Arabic-Indic digits replaced by 0-9."""
    return s.translate(_DIGITS)


# Folding used only for matching: accents off (fevrier == février), Arabic letter
# variants merged (أ/إ/آ -> ا, ة -> ه, ى -> ي), harakat and tatweel dropped.
_AR_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ـ": None,
        "،": ",",
        "؛": ";",
    }
)


def normalize_for_match(s: str) -> str:
    """Lower-case, accent-free, Arabic-folded, ASCII-digit copy of `s` for pattern matching."""
    s = to_ascii_digits(s).translate(_AR_FOLD)
    if not s.isascii():
        s = "".join(ch for ch in unicodedata.normalize("NFD", s) if not unicodedata.combining(ch))
    return s.lower()


_MONTHS: dict[int, tuple[str, ...]] = {
    1: (
        "january",
        "jan",
        "janvier",
        "janv",
        "enero",
        "ene",
        "يناير",
        "كانون الثاني",
        "جانفي",
        "جانفيه",
    ),
    2: (
        "february",
        "feb",
        "fevrier",
        "fevr",
        "fev",
        "febrero",
        "فبراير",
        "شباط",
        "فيفري",
        "فبرير",
    ),
    3: ("march", "mar", "mars", "marzo", "مارس", "اذار"),
    4: ("april", "apr", "avril", "avr", "abril", "abr", "ابريل", "نيسان", "افريل"),
    5: ("may", "mai", "mayo", "مايو", "ايار", "ماي"),
    6: ("june", "jun", "juin", "junio", "يونيو", "يونيه", "حزيران", "جوان"),
    7: ("july", "jul", "juillet", "juil", "julio", "يوليو", "يوليه", "تموز", "جويليه", "يوليوز"),
    8: ("august", "aug", "aout", "agosto", "ago", "اغسطس", "اب", "اوت", "غشت"),
    9: (
        "september",
        "sept",
        "sep",
        "septembre",
        "septiembre",
        "setiembre",
        "set",
        "سبتمبر",
        "ايلول",
        "شتنبر",
    ),
    10: ("october", "oct", "octobre", "octubre", "اكتوبر", "تشرين الاول", "اكتوبر"),
    11: ("november", "nov", "novembre", "noviembre", "نوفمبر", "تشرين الثاني", "نونبر"),
    12: ("december", "dec", "decembre", "diciembre", "dic", "ديسمبر", "كانون الاول", "دجنبر"),
}
_MONTH_NUM: dict[str, int] = {}
for _num, _names in _MONTHS.items():
    for _name in _names:
        _MONTH_NUM[_name.replace(" ", "")] = _num

_month_alts = sorted({n for names in _MONTHS.values() for n in names}, key=len, reverse=True)
_MONTH_RE = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in _month_alts)
# A month name, optionally followed by a second one as in Levantine "شباط/فبراير" or
# "شباط (فبراير)"; the first is authoritative.
_MONTH = rf"(?P<m>{_MONTH_RE})\.?(?:\s*[/(\-]\s*(?:{_MONTH_RE})\s*\)?)?"
_DAY = r"(?P<d>[0-3]?\d)(?:er|eme|º|°|st|nd|rd|th)?"
_YEAR = r"(?P<y>(?:19|20)\d\d)"

_ISO = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?!\d)")
_YMD = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[/.](?P<m>[01]?\d)[/.](?P<d>[0-3]?\d)(?!\d)")
_DMY_NAME = re.compile(
    rf"(?<![\w]){_DAY}\s*(?:de\s+|-\s*)?{_MONTH}(?![\w])\s*[,.]?\s*(?:de\s+|del\s+|-\s*)?{_YEAR}(?!\d)"
)
_MDY_NAME = re.compile(
    rf"(?<![\w]){_MONTH}(?![\w])\s*(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\s*,?\s*{_YEAR}(?!\d)"
)
_NUMERIC = re.compile(
    r"(?<![\d/.])(?P<a>[0-3]?\d)[/.\-](?P<b>[01]?\d)[/.\-](?P<y>(?:19|20)\d\d)(?!\d)"
)

_DAY_FIRST = {"fr", "es", "ar", "en-gb", "en-ie", "en-au", "en-nz", "en-in"}
_MONTH_FIRST = {"en-us"}


def _mk(y: int, m: int, d: int) -> _dt.date | None:
    try:
        return _dt.date(y, m, d)
    except ValueError:
        return None


def find_date(text: str, language: str | None = None) -> tuple[_dt.date, int, int] | None:
    """Return the first date in `text` and its span in the matching copy (normalize_for_match).

    Spans are only meaningful when `text` is ASCII-foldable one-to-one; callers use them
    to measure how much of a short string the date covers, not to slice the original.
    """
    s = normalize_for_match(text)
    found: list[tuple[int, int, _dt.date]] = []
    for rx in (_ISO, _YMD):
        for mt in rx.finditer(s):
            d = _mk(int(mt["y"]), int(mt["m"]), int(mt["d"]))
            if d:
                found.append((mt.start(), mt.end(), d))
                break
    for rx in (_DMY_NAME, _MDY_NAME):
        for mt in rx.finditer(s):
            month = _MONTH_NUM.get(re.sub(r"\s+", "", mt["m"]))
            if month is None:
                continue
            d = _mk(int(mt["y"]), month, int(mt["d"]))
            if d:
                found.append((mt.start(), mt.end(), d))
                break
    lang = (language or "").lower().replace("_", "-")
    for mt in _NUMERIC.finditer(s):
        a, b, y = int(mt["a"]), int(mt["b"]), int(mt["y"])
        if a > 12 >= b:
            d = _mk(y, b, a)
        elif b > 12 >= a:
            d = _mk(y, a, b)
        elif lang in _DAY_FIRST or lang.split("-")[0] in {"fr", "es", "ar"}:
            d = _mk(y, b, a)
        elif lang in _MONTH_FIRST:
            d = _mk(y, a, b)
        else:
            d = None  # ambiguous without a language that says which comes first
        if d:
            found.append((mt.start(), mt.end(), d))
            break
    if not found:
        return None
    start, end, d = min(found, key=lambda t: t[0])
    return d, start, end


def parse_date(text: str, language: str | None = None) -> _dt.date | None:
    """Return the first calendar date written in `text`, or None.

    Reads ISO dates (also with a time), "9 February 2023", "February 9, 2023",
    "1er mars 2023", "9 de febrero de 2023", "٩ فبراير، ٢٠٢٣", "7 شباط/فبراير 2023",
    Maghreb month names, and day/month numeric forms when `language` settles the order.
    """
    if not text:
        return None
    hit = find_date(text, language)
    return hit[0] if hit else None
