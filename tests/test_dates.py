from __future__ import annotations

import datetime as dt

import pytest

from ingest.dates import parse_date, to_ascii_digits

D = dt.date


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        # Arabic first: Arabic-Indic digits, Arabic comma, Egyptian/Gulf names
        ("٩ فبراير، ٢٠٢٣", "ar", D(2023, 2, 9)),
        ("9 فبراير 2023", None, D(2023, 2, 9)),
        ("الإثنين ١٢ إبريل ٢٠٢١", None, D(2021, 4, 12)),
        ("12 أبريل 2021", None, D(2021, 4, 12)),
        ("١٤ يونية ٢٠٢٠", None, D(2020, 6, 14)),
        ("3 يوليو 2019", None, D(2019, 7, 3)),
        ("21 اغسطس 2018", None, D(2018, 8, 21)),
        ("21 أغسطس 2018", None, D(2018, 8, 21)),
        # Levantine / Syro-Mesopotamian names, alone and combined
        ("7 شباط/فبراير 2023", "ar", D(2023, 2, 7)),
        ("7 شباط (فبراير) 2023", "ar", D(2023, 2, 7)),
        ("1 كانون الثاني 2024", None, D(2024, 1, 1)),
        ("3 كانون الأول/ديسمبر 2022", None, D(2022, 12, 3)),
        ("15 تشرين الأول 2021", None, D(2021, 10, 15)),
        ("30 تشرين الثاني 2021", None, D(2021, 11, 30)),
        ("2 آذار 2020", None, D(2020, 3, 2)),
        ("2 اذار 2020", None, D(2020, 3, 2)),
        ("۱۲ أيار ۲۰۲۲", None, D(2022, 5, 12)),  # Extended Arabic-Indic (Persian) digits
        ("10 آب 2017", None, D(2017, 8, 10)),
        ("9 أيلول 2016", None, D(2016, 9, 9)),
        ("4 نيسان 2015", None, D(2015, 4, 4)),
        ("25 حزيران 2014", None, D(2014, 6, 25)),
        ("14 تموز 2013", None, D(2013, 7, 14)),
        # Maghreb names
        ("تونس في ۱۵ جوان ۲۰۲۲", None, D(2022, 6, 15)),
        ("5 جويلية 2021", None, D(2021, 7, 5)),
        ("20 أوت 2020", None, D(2020, 8, 20)),
        ("1 جانفي 2020", None, D(2020, 1, 1)),
        ("8 فيفري 2020", None, D(2020, 2, 8)),
        ("6 أفريل 2020", None, D(2020, 4, 6)),
        ("1 ماي 2020", None, D(2020, 5, 1)),
        # ISO
        ("2023-02-09", None, D(2023, 2, 9)),
        ("2023-02-09T10:00:00Z", None, D(2023, 2, 9)),
        ("2022-11-30T17:45:00-05:00", None, D(2022, 11, 30)),
        # English
        ("9 February 2023", "en", D(2023, 2, 9)),
        ("February 9, 2023", "en", D(2023, 2, 9)),
        ("Feb. 9th, 2023", None, D(2023, 2, 9)),
        ("Thu, 09 Feb 2023 10:00:00 GMT", None, D(2023, 2, 9)),
        ("Posted on Monday, 6 March 2023 | Lyon", None, D(2023, 3, 6)),
        # French, accents optional
        ("9 février 2023", "fr", D(2023, 2, 9)),
        ("9 fevrier 2023", "fr", D(2023, 2, 9)),
        ("1er mars 2023", "fr", D(2023, 3, 1)),
        ("15 août 2023", None, D(2023, 8, 15)),
        ("15 aout 2023", None, D(2023, 8, 15)),
        ("3 décembre 2021", None, D(2021, 12, 3)),
        # Spanish
        ("9 de febrero de 2023", "es", D(2023, 2, 9)),
        ("9 febrero 2023", "es", D(2023, 2, 9)),
        ("7 de mayo de 2024", None, D(2024, 5, 7)),
        ("1 de septiembre del 2020", None, D(2020, 9, 1)),
        # numeric: only when unambiguous or the language says day-first
        ("09/02/2023", "fr", D(2023, 2, 9)),
        ("09/02/2023", "ar", D(2023, 2, 9)),
        ("09/02/2023", "en-GB", D(2023, 2, 9)),
        ("09/02/2023", "en-US", D(2023, 9, 2)),
        ("24/09/2024", None, D(2024, 9, 24)),
        ("09/02/2023", None, None),
        ("٠٩/٠٢/٢٠٢٣", "ar", D(2023, 2, 9)),
        # no date at all / not a full date
        ("in 2023 we met", None, None),
        ("(7-9 شباط/فبراير)", None, None),
        ("", None, None),
        ("31 February 2023", None, None),
    ],
)
def test_parse_date(text: str, lang: str | None, expected: dt.date | None) -> None:
    assert parse_date(text, lang) == expected


def test_to_ascii_digits() -> None:
    assert to_ascii_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert to_ascii_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert to_ascii_digits("٩ فبراير، ٢٠٢٣") == "9 فبراير، 2023"
    assert to_ascii_digits("no digits") == "no digits"
