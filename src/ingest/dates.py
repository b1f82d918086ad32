"""Find a calendar date in free text with a month-name table (en, fr, es, ar, and de, it, pt,
nl month names; ISO, numeric and CJK year-month-day forms for every language).

Why not dateparser: it costs milliseconds per call, tens of ms on a miss, and returns
nothing for Levantine month names ("7 شباط/فبراير 2023"). A compiled table is ~µs.

Numeric day/month forms are ambiguous; they are only read when the language says
which comes first (every language but English is day first, and so are en-GB and the
like; en-US is month first) or when one of the two numbers is above 12.

Also here: the date in a URL path (`/2019/11/19/`, `/2019-11-19-slug`), an HTTP date
(`Last-Modified`), and the words that make a visible date a decoy ("updated", "last
reviewed", a cookie notice) rather than a publication date.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import unicodedata

__all__ = [
    "find_date",
    "find_publication_date",
    "normalize_for_match",
    "parse_date",
    "parse_http_date",
    "to_ascii_digits",
    "url_date",
]

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
        "januar",
        "janner",
        "gennaio",
        "janeiro",
        "januari",
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
        "februar",
        "febbraio",
        "fevereiro",
        "februari",
    ),
    3: ("march", "mar", "mars", "marzo", "مارس", "اذار", "marz", "maerz", "marco", "maart"),
    4: ("april", "apr", "avril", "avr", "abril", "abr", "ابريل", "نيسان", "افريل", "aprile"),
    5: ("may", "mai", "mayo", "مايو", "ايار", "ماي", "maggio", "maio", "mei"),
    6: (
        "june",
        "jun",
        "juin",
        "junio",
        "يونيو",
        "يونيه",
        "حزيران",
        "جوان",
        "juni",
        "giugno",
        "junho",
    ),
    7: (
        "july",
        "jul",
        "juillet",
        "juil",
        "julio",
        "يوليو",
        "يوليه",
        "تموز",
        "جويليه",
        "يوليوز",
        "juli",
        "luglio",
        "julho",
    ),
    8: ("august", "aug", "aout", "agosto", "ago", "اغسطس", "اب", "اوت", "غشت", "augustus"),
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
        "settembre",
        "setembro",
    ),
    10: (
        "october",
        "oct",
        "octobre",
        "octubre",
        "اكتوبر",
        "تشرين الاول",
        "اكتوبر",
        "oktober",
        "okt",
        "ottobre",
        "outubro",
    ),
    11: ("november", "nov", "novembre", "noviembre", "نوفمبر", "تشرين الثاني", "نونبر", "novembro"),
    12: (
        "december",
        "dec",
        "decembre",
        "diciembre",
        "dic",
        "ديسمبر",
        "كانون الاول",
        "دجنبر",
        "dezember",
        "dez",
        "dicembre",
        "dezembro",
    ),
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
_DAY = r"(?P<d>[0-3]?\d)(?:er|eme|º|°|st|nd|rd|th|\.)?"
_YEAR = r"(?P<y>(?:19|20)\d\d)"

_ISO = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?!\d)")
_YMD = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[/.](?P<m>[01]?\d)[/.](?P<d>[0-3]?\d)(?!\d)")
_DMY_NAME = re.compile(
    rf"(?<![\w]){_DAY}\s*(?:de\s+|-\s*)?{_MONTH}(?![\w])\s*[,.]?\s*(?:de\s+|del\s+|-\s*)?{_YEAR}(?!\d)"
)
_MDY_NAME = re.compile(
    rf"(?<![\w]){_MONTH}(?![\w])\s*(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\s*,?\s*{_YEAR}(?!\d)"
)
_CJK = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*[年년]\s*(?P<m>[01]?\d)\s*[月월]\s*(?P<d>[0-3]?\d)\s*[日일]"
)
_NUMERIC = re.compile(
    r"(?<![\d/.])(?P<a>[0-3]?\d)[/.\-](?P<b>[01]?\d)[/.\-](?P<y>(?:19|20)\d\d)(?!\d)"
)

_SHORT_YEAR = re.compile(r"(?<![\d.,])(?P<a>[0-3]?\d)\.(?P<b>[01]?\d)\.(?P<y>\d\d)(?![\d.,])")

_ANY_DIGIT = re.compile(r"[0-9\u0660-\u0669\u06f0-\u06f9]")

_SPACES = re.compile(r"\s+")

_DAY_FIRST = {"fr", "es", "ar", "en-gb", "en-ie", "en-au", "en-nz", "en-in"}
_MONTH_FIRST = {"en-us"}


def _mk(y: int, m: int, d: int) -> _dt.date | None:
    try:
        return _dt.date(y, m, d)
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def find_date(text: str, language: str | None = None) -> tuple[_dt.date, int, int] | None:
    """Return the first date in `text` and its span in the matching copy (normalize_for_match).

    Spans are only meaningful when `text` is ASCII-foldable one-to-one; callers use them
    to measure how much of a short string the date covers, not to slice the original.
    """
    if not _ANY_DIGIT.search(text):
        return None  # every form read here has a digit: the cheap test first
    s = normalize_for_match(text)
    found: list[tuple[int, int, _dt.date]] = []
    for rx in (_ISO, _YMD, _CJK):
        for mt in rx.finditer(s):
            d = _mk(int(mt["y"]), int(mt["m"]), int(mt["d"]))
            if d:
                found.append((mt.start(), mt.end(), d))
                break
    for rx in (_DMY_NAME, _MDY_NAME):
        for mt in rx.finditer(s):
            month = _MONTH_NUM.get(_SPACES.sub("", mt["m"]))
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
        elif b > 12 >= a or lang in _MONTH_FIRST:
            d = _mk(y, a, b)
        elif lang in _DAY_FIRST or lang.split("-")[0] not in ("", "en", "und"):
            d = _mk(y, b, a)
        else:
            d = None  # ambiguous without a language that says which comes first
        if d:
            found.append((mt.start(), mt.end(), d))
            break
    if not found and lang.split("-")[0] not in ("", "en", "und"):
        # "Do 25.04.24 | 14:07 Uhr": a two-digit year, in day-first languages, with dots only
        for mt in _SHORT_YEAR.finditer(s):
            yy = int(mt["y"])
            d = _mk(2000 + yy if yy < 70 else 1900 + yy, int(mt["b"]), int(mt["a"]))
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


# --- where a date is, and is not, the publication date --------------------------------------

# Words before a visible date that make it some other date: an edit, a review, a policy.
_DECOY = re.compile(
    r"(?:updat|modifi|review|revis|edit|amend|mis a jour|mise a jour|actualiza|revisad|"
    r"aktualisiert|geandert|bearbeitet|cookie|privacy|consent|politique|politica|"
    r"datenschutz|terms|copyright|©)",
)


def find_publication_date(text: str, language: str | None = None) -> _dt.date | None:
    """The first date in `text` that is not a decoy ("Updated 4 May", "Last reviewed",
    a cookie notice): the words before it in the same text decide."""
    hit = find_date(text, language)
    if hit is None:
        return None
    d, start, _ = hit
    before = normalize_for_match(text)[max(0, start - 60) : start]
    if _DECOY.search(before):
        return None
    return d


_URL_DATE = re.compile(
    r"/(?P<y>(?:19|20)\d\d)/(?P<m>0?[1-9]|1[0-2])/(?P<d>0?[1-9]|[12]\d|3[01])(?=/|$|[-_.])"
    r"|(?<=[/_-])(?P<y2>(?:19|20)\d\d)-(?P<m2>0[1-9]|1[0-2])-(?P<d2>0[1-9]|[12]\d|3[01])"
    r"(?=[-_/.]|$)"
)


def url_date(url: str) -> _dt.date | None:
    """The full date written in a URL path (`/2019/11/19/`, `/2019-11-19-slug`); a year or
    a year and month alone is not a date."""
    path = re.split(r"[?#]", url, maxsplit=1)[0]
    path = path.split("//", 1)[-1]
    path = path[path.find("/") :] if "/" in path else ""
    for m in _URL_DATE.finditer(path):
        if m["y"]:
            d = _mk(int(m["y"]), int(m["m"]), int(m["d"]))
        else:
            d = _mk(int(m["y2"]), int(m["m2"]), int(m["d2"]))
        if d:
            return d
    return None


def parse_http_date(value: str | None) -> _dt.date | None:
    """The UTC date of an HTTP date header (`Last-Modified: Tue, 19 Nov 2019 08:00:00 GMT`)."""
    if not value:
        return None
    from email.utils import parsedate_to_datetime

    try:
        stamp = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(_dt.UTC)
    return stamp.date()
