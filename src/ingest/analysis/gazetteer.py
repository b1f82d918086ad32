"""The lexicons: country names from CLDR (Babel) and ISO 3166 (pycountry), plus the
reviewed tables kept as data in `analysis/data/` (aliases, demonyms, places, organisations,
roles, items, units, topic keywords...).

Country names, measured (`python -m ingest.analysis.gazetteer`, the README has the table):
CLDR through Babel names every ISO 3166-1 country in all four languages (249 codes, short
common names: "Czechia", "نيوزيلندا"); pycountry translates fewer in fr/es (182 and 166
of 249) but adds official and common names ("Czech Republic", "Republic of Korea",
"République démocratique du Congo"). Both are combined: a surface form that would name
two countries ("Korea", "Congo") is left out unless the alias table says which one.
"""

from __future__ import annotations

import csv
import functools
import gettext
import hashlib
import os
import pickle
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar, cast

from ingest.analysis.matcher import ARTOPT, CASED, EXACT, NO_CLITIC, STEM, WEAK, Entry, Matcher
from ingest.analysis.text import fold_pattern, is_arabic

DATA = Path(__file__).parent / "data"
_T = TypeVar("_T")
LANGS = ("en", "fr", "es", "ar")
EXTRA_CODES = {"XK"}  # Kosovo: user-assigned in ISO 3166, named by CLDR and INTERPOL


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of a reviewed CSV table in `analysis/data/` (lines starting with # skipped)."""
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(lines)]


def _flags(spec: str) -> int:
    flags = 0
    for ch in spec:
        flags |= {"C": CASED, "X": EXACT, "S": STEM, "N": NO_CLITIC, "W": WEAK, "A": ARTOPT}.get(
            ch, 0
        )
    return flags


# ---- countries ---------------------------------------------------------------------------


@functools.cache
def _iso_codes() -> frozenset[str]:
    import pycountry

    return frozenset({c.alpha_2 for c in pycountry.countries} | EXTRA_CODES)


def _variants(name: str) -> Iterator[str]:
    """'Myanmar (Burma)' -> Myanmar, Burma; 'Korea, Republic of' -> Republic of Korea, Korea;
    'St. Kitts & Nevis' -> Saint Kitts and Nevis."""
    name = name.strip()
    yield name
    m = re.match(r"^(.*?)\s*\(([^)]+)\)$", name)
    if m:
        yield m.group(1)
        yield m.group(2)
    for sep in (", ", "، "):
        if sep in name:
            head, tail = name.split(sep, 1)
            yield head
            if fold_pattern(head) in fold_pattern(tail):
                yield tail
            else:
                joiner = "" if tail.endswith(("'", "’")) else " "
                inverted = f"{tail}{joiner}{head}"
                yield re.sub(r"^(?:The|the) ", "", inverted)
    if "&" in name:
        for word in ("and", "et", "y", "و"):
            yield name.replace("&", word)
    if name.startswith("St. "):
        yield "Saint " + name[4:]


def babel_country_names(lang: str) -> dict[str, str]:
    """CLDR territory names in `lang`: name -> ISO code."""
    from babel import Locale

    codes = _iso_codes()
    return {name: code for code, name in Locale.parse(lang).territories.items() if code in codes}


def pycountry_country_names(lang: str) -> dict[str, str]:
    """ISO 3166 names (name, official and common names) translated to `lang`."""
    import pycountry

    tr = (
        gettext.NullTranslations()
        if lang == "en"
        else gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True
        )
    )
    out: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            name = getattr(c, attr, None)
            if not name:
                continue
            local = tr.gettext(name)
            if lang != "en" and local == name:
                continue  # untranslated: the English name, not this language's
            out[local] = c.alpha_2
    return out


def country_entries(
    lang: str,
    sources: tuple[str, ...] = ("babel", "pycountry", "aliases"),
) -> list[Entry]:
    """Every country surface form for `lang`, ambiguous ones left out."""
    forms: dict[str, set[str]] = {}
    surface: dict[str, str] = {}

    def add(name: str, code: str) -> None:
        for v in _variants(name):
            key = fold_pattern(v)
            if len(key) < 2:
                continue
            forms.setdefault(key, set()).add(code)
            surface.setdefault(key, v)

    if "babel" in sources:
        for name, code in babel_country_names(lang).items():
            add(name, code)
    if "pycountry" in sources:
        for name, code in pycountry_country_names(lang).items():
            add(name, code)
    entries: dict[str, Entry] = {}
    for key, codes in forms.items():
        if len(codes) == 1:
            (code,) = codes
            entries[key] = Entry(
                "country", code, surface[key], _name_flags(surface[key]), form="name"
            )
    if "aliases" in sources:
        for row in read_table("country_aliases.csv"):
            if row["lang"] not in (lang, "*"):
                continue
            key = fold_pattern(row["name"])
            if row["form"] == "exclude":
                entries.pop(key, None)
                continue
            flags = _flags(row.get("flags", "")) or _name_flags(row["name"])
            if row["form"] == "demonym":
                for form in demonym_forms(row["name"], row["lang"]):
                    k = fold_pattern(form)
                    entries.setdefault(
                        k, Entry("country", row["code"], form, flags, form="demonym")
                    )
            else:
                entries[key] = Entry("country", row["code"], row["name"], flags, form="alias")
    return list(entries.values())


def _name_flags(name: str) -> int:
    if not name or is_arabic(name[0]):
        return 0
    if len(name) <= 4 and name.replace(".", "").isupper():
        return EXACT
    return CASED if name[0].isupper() else 0


def demonym_forms(word: str, lang: str) -> list[str]:
    """Inflected forms of a nationality adjective given in the masculine singular."""
    if lang == "en":
        return [word] + ([word + "s"] if not word.endswith(("ese", "ss", "sh", "ch")) else [])
    if lang == "fr":
        if word.endswith("ien"):
            return [word, word + "s", word + "ne", word + "nes"]
        if word.endswith(("ais", "ois")):
            return [word, word + "e", word + "es"]
        if word.endswith("e"):
            return [word, word + "s"]
        return [word, word + "s", word + "e", word + "es"]
    if lang == "es":
        if word.endswith("o"):
            return [word, word[:-1] + "a", word + "s", word[:-1] + "as"]
        if word.endswith("és"):
            stem = word[:-2] + "es"
            return [word, stem + "a", stem + "es", stem + "as"]
        if word.endswith("án"):
            stem = word[:-2] + "an"
            return [word, stem + "a", stem + "es", stem + "as"]
        if word.endswith("e"):
            return [word, word + "s"]
        return [word, word + "a", word + "es", word + "as"]
    if lang == "ar":
        return [word, word + "ة", word + "ون", word + "ين", word + "ات"]
    return [word]


# ---- places ------------------------------------------------------------------------------

_TZ_SKIP = re.compile(r"^(?:Antarctica|Arctic|Etc|America/(?:North_Dakota|Indiana|Kentucky))/")


def place_entries(lang: str) -> list[Entry]:
    """Cities: CLDR exemplar cities of the time zones (Babel) and the reviewed places table."""
    from babel.core import get_global
    from babel.dates import get_timezone_location

    skip = {
        fold_pattern(r["name"])
        for r in read_table("places.csv")
        if r["lang"] in (lang, "*") and r["code"] == "-"
    }
    out: dict[str, Entry] = {}
    for tz, code in get_global("zone_territories").items():
        if _TZ_SKIP.match(tz) or code not in _iso_codes():
            continue
        try:
            city = get_timezone_location(tz, locale=lang, return_city=True)
        except (KeyError, ValueError, LookupError):
            continue
        key = fold_pattern(city)
        if city and key not in skip and len(key) > 2:
            out.setdefault(key, Entry("place", code, city, _name_flags(city), form="cldr"))
    for row in read_table("places.csv"):
        if row["lang"] not in (lang, "*") or row["code"] == "-":
            continue
        out[fold_pattern(row["name"])] = Entry(
            "place", row["code"], row["name"], _name_flags(row["name"]), form="table"
        )
    return list(out.values())


# ---- the other reviewed tables -----------------------------------------------------------


def table_entries(name: str, kind_col: str | None, lang: str, *, kind: str = "") -> list[Entry]:
    """Entries of a reviewed table with columns lang, pattern, code[, flags, value, form]."""
    out = []
    for row in read_table(name):
        if row["lang"] not in (lang, "*"):
            continue
        pattern = row["pattern"]
        flags = _flags(row.get("flags", ""))
        if is_arabic(pattern[0]) and not flags & NO_CLITIC:
            flags |= ARTOPT  # common nouns take the article or not
        value = float(row["value"]) if row.get("value") else 0.0
        out.append(
            Entry(
                row[kind_col] if kind_col else kind,
                row.get("code", ""),
                pattern,
                flags,
                value,
                row.get("form", ""),
            )
        )
    return out


def entries_for(lang: str) -> list[Entry]:
    """Every lexicon entry of one language."""
    out = country_entries(lang) + place_entries(lang)
    out += table_entries("organisations.csv", None, lang, kind="organisation")
    out += table_entries("roles.csv", None, lang, kind="role")
    out += table_entries("items.csv", None, lang, kind="item")
    out += table_entries("terms.csv", "kind", lang)
    out += table_entries("topics.csv", None, lang, kind="topic")
    out += currency_entries(lang)
    if lang != "ar":
        from ingest.analysis.mentions import ORG_HEADS

        # head nouns of organisation names ("Police", "Ministerio"), capitalised
        out += [Entry("orghead", "", w, EXACT) for w in ORG_HEADS]
    return out


_CURRENCIES = (
    "USD",
    "EUR",
    "GBP",
    "CHF",
    "JPY",
    "CNY",
    "CAD",
    "AUD",
    "INR",
    "BRL",
    "MXN",
    "COP",
    "ARS",
    "CLP",
    "PEN",
    "ZAR",
    "NGN",
    "KES",
    "GHS",
    "EGP",
    "MAD",
    "DZD",
    "TND",
    "SAR",
    "AED",
    "QAR",
    "KWD",
    "JOD",
    "TRY",
    "RUB",
    "KRW",
    "THB",
    "PHP",
    "IDR",
    "MYR",
    "SGD",
    "HKD",
    "XOF",
    "XAF",
    "VND",
    "PKR",
    "BDT",
    "NZD",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "UAH",
)


def currency_entries(lang: str) -> list[Entry]:
    """ISO 4217 codes, and CLDR currency names (singular and plural) in `lang`."""
    from babel import Locale

    loc = Locale.parse(lang)
    names = loc._data["currency_names"]
    plurals = loc._data["currency_names_plural"]
    out = []
    for code in _CURRENCIES:
        out.append(Entry("currency", code, code, EXACT, form="code"))
        forms = {names.get(code, "")} | set((plurals.get(code) or {}).values())
        for f in forms:
            if f and len(f) > 3:
                out.append(Entry("currency", code, f, 0, form="name"))
    return out


@functools.cache
def matcher(lang: str) -> Matcher:
    """The automaton of one language, built once per process (its patterns and entries
    kept between processes, see `cached_entries`)."""
    return Matcher.from_state(
        _cached(f"matcher-{_cache_key(lang)}", lambda: Matcher(entries_for(lang)).state())
    )


def _cache_key(lang: str) -> str:
    """What the lexicon of `lang` is made of: the tables, this code, the data packages."""
    from importlib.metadata import version

    h = hashlib.blake2b(digest_size=16)
    h.update(f"{lang}|{version('babel')}|{version('pycountry')}".encode())
    here = Path(__file__)
    code = [here, *(here.with_name(n) for n in ("matcher.py", "text.py", "mentions.py"))]
    for path in [*sorted(DATA.glob("*.csv")), *code]:
        h.update(path.read_bytes())
    return h.hexdigest()


def _private(folder: Path) -> bool:
    try:
        st = folder.stat()
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & 0o077


def cached_entries(lang: str) -> list[Entry]:
    """`entries_for(lang)`, kept in a pickle under the temp dir between processes.

    Loading Babel's CLDR data and pycountry's translations is most of a parse worker's
    start (~0.5 s); the pickle loads in ~5 ms. The key covers everything the lexicon is
    built from, so an edited table or a new Babel builds it again. The folder is this
    user's own (0700, checked), since a pickle another user planted would run code. A
    cache that cannot be read or written is only a miss."""
    return _cached(_cache_key(lang), lambda: entries_for(lang))


def _cached(name: str, build: Callable[[], _T]) -> _T:
    """`build()`, or what it returned in an earlier process (see `cached_entries`)."""
    folder = Path(tempfile.gettempdir()) / f"press-lake-lexicons-{os.getuid()}"
    path = folder / f"{name}.pickle"
    if _private(folder):
        try:
            with open(path, "rb") as fh:
                return cast(_T, pickle.load(fh))
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
            pass
    value = build()
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        if not _private(folder):
            return value
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # whole or not at all, for workers starting side by side
    except OSError:
        pass
    return value


def coverage() -> list[dict[str, object]]:
    """Country codes named, and surface forms, per source and language (for the README)."""
    rows = []
    for lang in LANGS:
        b = babel_country_names(lang)
        p = pycountry_country_names(lang)
        combined = country_entries(lang, ("babel", "pycountry"))
        full = country_entries(lang)
        rows.append(
            {
                "lang": lang,
                "babel_codes": len(set(b.values())),
                "babel_forms": len(b),
                "pycountry_codes": len(set(p.values())),
                "pycountry_forms": len(p),
                "combined_codes": len({e.code for e in combined}),
                "combined_forms": len(combined),
                "with_aliases_forms": len(full),
            }
        )
    return rows


if __name__ == "__main__":  # pragma: no cover - a measurement, printed for the README
    for r in coverage():
        print(r)
