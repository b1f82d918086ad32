"""The analyst layer's modules on plain text: folding, matching, numbers, quantities,
speakers, topics, mentions. (The lake side is tests/test_analysis_lake.py.)"""

from __future__ import annotations

import pytest

from ingest.analysis.gazetteer import country_entries, matcher, read_table
from ingest.analysis.numbers import parse_number
from ingest.analysis.release import analyze
from ingest.analysis.speakers import parse_attribution
from ingest.analysis.text import fold


def countries(lang: str, body: str) -> list[tuple[str, str]]:
    a = analyze(lang, title=None, subtitle=None, dateline=None, body=body)
    out = []
    for m in a.mentions:
        if m.kind == "country":
            assert body[m.start : m.end] == m.text  # offsets index the original text
            out.append((m.code, m.text))
    return out


def quantities(lang: str, body: str) -> list[tuple]:
    a = analyze(lang, title=None, subtitle=None, dateline=None, body=body)
    for q in a.quantities:
        assert body[q.start : q.end] == q.text
    return [(q.kind, q.value, q.unit, q.item) for q in a.quantities]


def test_folding_keeps_offsets_into_the_original():
    text = "وقال عُمّان — Côte d’Ivoire ١٢٠"
    f = fold(text)
    assert "كوت" not in f.text and "cote d'ivoire" in f.text and f.text.endswith("120")
    i = f.text.index("cote")
    assert text[f.start(i) : f.end(i + len("cote d'ivoire"))] == "Côte d’Ivoire"
    j = f.text.index("عمان")
    assert text[f.start(j) : f.end(j + 4)] == "عُمّان"


@pytest.mark.parametrize(
    ("lang", "body", "want"),
    [
        ("ar", "وأفادت السلطات في نيوزيلندا يوم الأربعاء", [("NZ", "نيوزيلندا")]),
        (
            "ar",
            "وفد من الإمارات العربية المتحدة وللإمارات وبالمغرب ولنيوزيلندا",
            [
                ("AE", "الإمارات العربية المتحدة"),
                ("AE", "لإمارات"),
                ("MA", "المغرب"),
                ("NZ", "نيوزيلندا"),
            ],
        ),
        (
            "fr",
            "en Côte d’Ivoire, aux États-Unis et d'Italie",
            [("CI", "Côte d’Ivoire"), ("US", "États-Unis"), ("IT", "Italie")],
        ),
        (
            "es",
            "desde los Estados Unidos hacia la República Dominicana",
            [("US", "Estados Unidos"), ("DO", "República Dominicana")],
        ),
        (
            "en",
            "from Papua New Guinea, Guinea-Bissau and the Republic of Korea",
            [("PG", "Papua New Guinea"), ("GW", "Guinea-Bissau"), ("KR", "Republic of Korea")],
        ),
    ],
)
def test_countries_in_inflected_and_compound_forms(lang, body, want):
    assert countries(lang, body) == want


def test_weak_names_need_a_neighbour_or_a_preposition():
    assert countries("en", "Chad Smith said the plan works.") == []
    assert ("TD", "Chad") in countries("en", "Police in Chad and Niger arrested 12 people.")
    # مالي is also the adjective "financial"
    assert countries("ar", "قدم دعم مالي للضحايا") == []
    assert ("ML", "مالي") in countries("ar", "في مالي والنيجر")


def test_a_currency_sign_is_not_a_country():
    assert countries("en", "worth US$350 in the US") == [("US", "US")]


def test_amman_and_oman_are_told_apart_by_the_written_diacritics():
    a = analyze(
        "ar",
        title=None,
        subtitle=None,
        dateline=None,
        body="اجتمع الخبراء في عمّان بالأردن، ووصل وفد من سلطنة عُمان",
    )
    kinds = {(m.kind, m.code, m.text) for m in a.mentions if m.kind in ("country", "place")}
    assert ("place", "JO", "عمّان") in kinds
    assert ("country", "OM", "سلطنة عُمان") in kinds


def test_demonyms_but_not_language_names():
    assert countries("en", "Nigerian police arrested a Colombian national") == [
        ("NG", "Nigerian"),
        ("CO", "Colombian"),
    ]
    assert countries("fr", "le rapport est disponible en français") == []
    assert countries("ar", "السلطات المصرية") == [("EG", "المصرية")]


@pytest.mark.parametrize(
    ("token", "lang", "value"),
    [
        ("3,2", "ar", 3.2),
        ("1,500", "ar", 1500),
        ("1 900", "fr", 1900),
        ("1.900", "es", 1900),
        ("3,5", "es", 3.5),
        ("1,300", "en", 1300),
        ("9.7", "en", 9.7),
        ("1.234,5", "es", 1234.5),
        ("1,234.5", "en", 1234.5),
        ("12٫5", "ar", 12.5),
        ("1,234,567", "fr", 1234567),
    ],
)
def test_numbers_as_printed(token, lang, value):
    assert parse_number(fold(token).text, lang) == pytest.approx(value)


def test_quantities_from_the_seed_sentence():
    body = (
        "وشارك في الاجتماع الذي استغرق ثلاثة أيام (7-9 شباط/فبراير) أكثر من 150 من "
        "مسؤولي إنفاذ القانون من 42 بلدا في آسيا. وأفادت السلطات في نيوزيلندا بواحدة من "
        "أكبر الضبطيات بعد اعتراض 3,2 أطنان من الكوكايين في عرض المحيط."
    )
    got = quantities("ar", body)
    assert ("officials", 150.0, None, None) in got
    assert ("countries", 42.0, None, None) in got
    assert ("seizure", 3.2, "t", "cocaine") in got
    assert all(k != "duration" and v != 3.0 for k, v, _u, _i in got)  # ثلاثة أيام: a duration


@pytest.mark.parametrize(
    ("lang", "body", "want"),
    [
        (
            "en",
            "Police seized more than 4,000 kg of tramadol and arrested 769 people.",
            [("seizure", 4000.0, "kg", "tramadol"), ("arrests", 769.0, None, None)],
        ),
        (
            "fr",
            "ont saisi plus de trois tonnes d’écailles de pangolin et 2,5 millions d’euros.",
            [("seizure", 3.0, "t", "pangolin_scales"), ("seizure", 2500000.0, "EUR", None)],
        ),
        (
            "es",
            "Los agentes rescataron a 86 víctimas e incautaron 1.900 kilos de marihuana.",
            [("rescued", 86.0, None, None), ("seizure", 1900.0, "kg", "cannabis")],
        ),
        (
            "ar",
            "ضبطت الشرطة طنين من العاج و٨٠٠ ألف قرص من الكبتاغون.",
            [("seizure", 800000.0, "units", "captagon"), ("seizure", 2.0, "t", "ivory")],
        ),
        ("en", "The operation ran for three weeks in 2023 and trained 12 days later.", []),
        ("en", "He was wanted for the murder of two police officers.", []),
    ],
)
def test_quantities_in_four_languages(lang, body, want):
    assert sorted(quantities(lang, body)) == sorted(want)


@pytest.mark.parametrize(
    ("lang", "attribution", "want"),
    [
        (
            "en",
            "INTERPOL Secretary General Jürgen Stock",
            ("Jürgen Stock", "Secretary General", "INTERPOL"),
        ),
        (
            "en",
            "Neal Jetton, Director of the Cybercrime Directorate at INTERPOL",
            ("Neal Jetton", "Director of the Cybercrime Directorate", "INTERPOL"),
        ),
        (
            "fr",
            "le Secrétaire général d’INTERPOL, Jürgen Stock",
            ("Jürgen Stock", "Secrétaire général", "INTERPOL"),
        ),
        (
            "es",
            "María Fernanda López, fiscal contra la Trata de Personas del Ministerio Público",
            ("María Fernanda López", "fiscal contra la Trata de Personas", "Ministerio Público"),
        ),
        ("ar", "الأمين العام للإنتربول يورغن شتوك", ("يورغن شتوك", "الأمين العام", "الإنتربول")),
        (
            "ar",
            "العميد سامي الخطيب، مدير إدارة مكافحة التزوير",
            ("سامي الخطيب", "مدير إدارة مكافحة التزوير", None),
        ),
    ],
)
def test_attributions_split_into_name_role_organisation(lang, attribution, want):
    name, role, _role_en, org, _code = parse_attribution(attribution, matcher(lang))
    assert (name, role, org) == want


def test_surname_only_second_attribution_resolves_to_the_full_name():
    body = (
        "“We must act now, together with every partner,” said INTERPOL Secretary General "
        "Jürgen Stock.\n\n“No country can do it alone, and none should,” Mr Stock added."
    )
    from ingest.quotes import extract_quotes

    quotes = extract_quotes(body.split("\n\n"))
    a = analyze(
        "en",
        title=None,
        subtitle=None,
        dateline=None,
        body=body,
        quotes=[(q.text, q.speaker) for q in quotes],
    )
    assert [(s.name, s.role_en, s.organisation_code) for s in a.speakers] == [
        ("Jürgen Stock", "Secretary General", "INTERPOL")
    ] * 2
    assert a.speakers[0].attribution == "after" and a.speakers[1].resolved_from == "Stock"


def test_topics_need_more_than_a_passing_mention():
    a = analyze(
        "en",
        title="Drug trafficking: cocaine seized in three ports",
        subtitle=None,
        dateline=None,
        body="Police seized cocaine.\n\nThe networks, which also "
        "engaged in money laundering, were dismantled.",
    )
    assert "drug_trafficking" in a.topics and "financial_crime" not in a.topics
    score, evidence = a.topics["drug_trafficking"]
    assert {e.field for e in evidence} == {"title", "body"} and score >= 3


def test_operations_in_latin_scripts_and_arabic():
    a = analyze(
        "fr",
        title=None,
        subtitle=None,
        dateline=None,
        body="L’opération Pangea XVI, baptisée ainsi par INTERPOL, a visé 90 pays.",
    )
    assert [m.text for m in a.mentions if m.kind == "operation"] == ["Pangea XVI"]
    a = analyze(
        "ar",
        title=None,
        subtitle=None,
        dateline=None,
        body="وشاركت في عملية أوريون أجهزة الشرطة. وشملت العملية مصر.",
    )
    assert [m.text for m in a.mentions if m.kind == "operation"] == ["أوريون"]


def test_the_reviewed_tables_are_well_formed():
    for name, cols in (
        ("country_aliases.csv", {"lang", "name", "code", "form"}),
        ("places.csv", {"lang", "name", "code"}),
        ("organisations.csv", {"lang", "pattern", "code"}),
        ("roles.csv", {"lang", "pattern", "code"}),
        ("items.csv", {"lang", "pattern", "code"}),
        ("topics.csv", {"lang", "pattern", "code", "value"}),
        ("terms.csv", {"kind", "lang", "pattern"}),
    ):
        rows = read_table(name)
        assert rows and cols <= set(rows[0]), name
        assert all(r["lang"] in ("en", "fr", "es", "ar", "*") for r in rows), name
    codes = {e.code for e in country_entries("en")}
    assert {r["code"] for r in read_table("country_aliases.csv")} <= codes | {"XK"}


def test_the_lexicon_cache_is_private_and_equal_to_a_fresh_build(tmp_path, monkeypatch):
    import os
    import tempfile

    from ingest.analysis import gazetteer as g

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    fresh = g.entries_for("fr")
    assert g.cached_entries("fr") == fresh  # a miss: built and written
    folder = tmp_path / f"press-lake-lexicons-{os.getuid()}"
    assert len(list(folder.glob("*.pickle"))) == 1 and folder.stat().st_mode & 0o077 == 0
    assert g.cached_entries("fr") == fresh  # a hit
    folder.chmod(0o777)  # a folder others can write to is never read from
    (next(folder.glob("*.pickle"))).write_bytes(b"not a pickle")
    assert g.cached_entries("fr") == fresh


def test_a_matcher_from_its_cached_state_finds_what_a_fresh_one_finds(tmp_path, monkeypatch):
    import pickle
    import tempfile

    from ingest.analysis import gazetteer as g
    from ingest.analysis.matcher import Matcher

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    body = "تم ضبط 3,2 أطنان من الكوكايين في نيوزيلندا والإمارات العربية المتحدة"
    fresh = Matcher(g.entries_for("ar"))
    again = Matcher.from_state(pickle.loads(pickle.dumps(fresh.state())))
    assert again.patterns == fresh.patterns and again.entries == fresh.entries
    assert list(again.find(fold(body))) == list(fresh.find(fold(body)))
    g.matcher.cache_clear()
    try:
        assert list(g.matcher("ar").find(fold(body))) == list(fresh.find(fold(body)))  # miss
        g.matcher.cache_clear()
        assert list(g.matcher("ar").find(fold(body))) == list(fresh.find(fold(body)))  # hit
    finally:
        g.matcher.cache_clear()


def test_normalize_many_is_normalize_of_each() -> None:
    """The one-pass normalisation of a release's fields (NUL-joined) keeps each text's own
    result: whitespace runs, invisible characters, NFC, empties and a text holding a NUL."""
    from ingest.analysis.rows import normalize, normalize_many

    texts = [
        None,
        "  Lyon,\u00a0France \n",
        "",
        "e\u0301te\u0301\u200b  \t\u00adx",
        " \u200f",
        "a\u2028b",
        "plain text",
        "Ali\u3000 Ben",
    ]
    assert normalize_many(texts) == [normalize(t) for t in texts]
    assert normalize_many(["a\x00  b", "c"]) == [normalize("a\x00  b"), "c"]
    assert normalize("e\u0301\u200b  x ") == "\u00e9 x"


def test_operation_words_do_not_overlap() -> None:
    """The word search from its literal "p" finds the regex's own matches: the "o" that
    ends "operação" may not start the next word."""
    import re

    from ingest.analysis.mentions import _OP_AR, _op_ar_matches, _op_word_starts

    word = re.compile(r"[Oo]p[ée]ra(?:tions?|ción|ção|zione)")
    for text in ("operaçãopération Operation", "xoperationsOperazione", "pera Opération"):
        assert _op_word_starts(text) == [m.start() for m in word.finditer(text)]
    text = "وعملية أوريون عملية عملية و«عملية باندا» بعملية ليون"
    assert [m.span() for m in _op_ar_matches(text)] == [m.span() for m in _OP_AR.finditer(text)]


def test_sentence_ends_skip_decimal_points() -> None:
    from ingest.analysis.quantities import _Sentences

    s = _Sentences("Seized 9.7 t. Then 3.² more.5 and.x")
    s.at(0)
    assert s.ends == [12, 27, 33]  # 9.7 and 3.² are numbers (² is a digit to isdigit)
