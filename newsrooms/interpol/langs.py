"""Per-language facts of the fixture newsroom: URL layout, date formats, quote marks, slugs."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

LANGS: tuple[str, ...] = ("en", "fr", "es", "ar")

# Article URL prefixes imitate the live site; the Arabic site reuses the English slug.
ARTICLE_PREFIX: dict[str, str] = {
    "en": "/en/News-and-Events/News",
    "fr": "/fr/Actualites-et-evenements/Actualites",
    "es": "/es/Noticias-y-acontecimientos/Noticias",
    "ar": "/ar/1/1",
}

# Listing pages. The live Arabic listing path is unknown to us, so `/ar/News` is our invention;
# it is deliberately NOT the article prefix so that listing URLs and article URLs never overlap.
LISTING_PATH: dict[str, str] = {
    "en": "/en/News-and-Events/News",
    "fr": "/fr/Actualites-et-evenements/Actualites",
    "es": "/es/Noticias-y-acontecimientos/Noticias",
    "ar": "/ar/News",
}

DIR: dict[str, str] = {"en": "ltr", "fr": "ltr", "es": "ltr", "ar": "rtl"}

MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
    "ar": (
        "يناير",
        "فبراير",
        "مارس",
        "أبريل",
        "مايو",
        "يونيو",
        "يوليو",
        "أغسطس",
        "سبتمبر",
        "أكتوبر",
        "نوفمبر",
        "ديسمبر",
    ),
}
# Levantine (Syriac-derived) month names, used on part of the Arabic pages.
AR_LEVANTINE: tuple[str, ...] = (
    "كانون الثاني",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين الأول",
    "تشرين الثاني",
    "كانون الأول",
)

_AR_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def ar_digits(text: str) -> str:
    """Western digits -> Arabic-Indic digits."""
    return text.translate(_AR_DIGITS)


def format_date(d: date, lang: str, style: int = 0) -> str:
    """The visible date of a release, as the live site writes it.

    `style` only matters for Arabic: 0 = "٩ فبراير، ٢٠٢٣", 1 = "٩ شباط/فبراير ٢٠٢٣",
    2 = "٩ شباط ٢٠٢٣" (Levantine only).
    """
    m = d.month - 1
    if lang == "en":
        return f"{d.day} {MONTHS['en'][m]} {d.year}"
    if lang == "fr":
        day = "1er" if d.day == 1 else str(d.day)
        return f"{day} {MONTHS['fr'][m]} {d.year}"
    if lang == "es":
        return f"{d.day} de {MONTHS['es'][m]} de {d.year}"
    if style == 1:
        return ar_digits(f"{d.day} {AR_LEVANTINE[m]}/{MONTHS['ar'][m]} {d.year}")
    if style == 2:
        return ar_digits(f"{d.day} {AR_LEVANTINE[m]} {d.year}")
    return ar_digits(f"{d.day} {MONTHS['ar'][m]}، {d.year}")


def quote(text: str, lang: str, style: int = 0) -> str:
    """Wrap quoted words in the marks each language edition uses."""
    if lang == "en":
        return f"“{text}”"
    if lang == "fr":
        return f"« {text} »"
    if lang == "es":
        return f"«{text}»"
    return f"’’{text}‘‘" if style % 2 == 0 else f"«{text}»"


def slugify(title: str) -> str:
    """A URL slug in the live site's style: words joined by hyphens, accents dropped."""
    norm = unicodedata.normalize("NFKD", title)
    ascii_only = norm.encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[A-Za-z0-9]+", ascii_only)
    return "-".join(words)


def article_path(lang: str, year: int, slug: str) -> str:
    return f"{ARTICLE_PREFIX[lang]}/{year}/{slug}"


_ARTICLE_RE = {
    lang: re.compile(re.escape(prefix) + r"/(\d{4})/([A-Za-z0-9][A-Za-z0-9-]*)$")
    for lang, prefix in ARTICLE_PREFIX.items()
}


def parse_article_path(path: str) -> tuple[str, int, str] | None:
    """(lang, year, slug) when `path` has the shape of an article URL, else None."""
    for lang, rx in _ARTICLE_RE.items():
        m = rx.match(path)
        if m:
            return lang, int(m.group(1)), m.group(2)
    return None
