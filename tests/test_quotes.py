# ruff: noqa: E501
# (quoted sentences are kept on one line so they read as printed)
from __future__ import annotations

from ingest.quotes import Quote, extract_quotes


def q(*paras: str) -> list[tuple[str, str | None]]:
    return [(x.text, x.speaker) for x in extract_quotes(paras)]


# --- Arabic ---------------------------------------------------------------------------------


def test_arabic_seed_quotes_with_verb_first_attribution() -> None:
    got = q(
        "وقال الأمين العام للإنتربول يورغن شتوك: ’’تفيد بلداننا الأعضاء بأعداد قياسية من الضبطيات‘‘.",
        "واختتم الأمين العام شتوك قائلا: ’’إن الإنتربول هو المنصة المثالية لتنسيق الحوار العالمي‘‘.",
    )
    assert got == [
        ("تفيد بلداننا الأعضاء بأعداد قياسية من الضبطيات", "الأمين العام للإنتربول يورغن شتوك"),
        ("إن الإنتربول هو المنصة المثالية لتنسيق الحوار العالمي", "الأمين العام شتوك"),
    ]


def test_arabic_reversed_marks_and_guillemets() -> None:
    assert q("وأكد المدير العام: ‘‘نحن ملتزمون بمواصلة هذا العمل المشترك‘‘.") == [
        ("نحن ملتزمون بمواصلة هذا العمل المشترك", "المدير العام")
    ]
    assert q("وأوضح العميد سامي الخطيب: «استخدمت الشبكة معدات طباعة متطورة جدا».") == [
        ("استخدمت الشبكة معدات طباعة متطورة جدا", "العميد سامي الخطيب")
    ]


def test_arabic_pronoun_only_attribution_takes_previous_speaker() -> None:
    got = q(
        "وقال المفوض خالد بن عمر: ’’هذه العملية نجاح كبير لكل الفرق‘‘.",
        "وأضاف قائلا: ’’سنواصل العمل مع شركائنا في المنطقة‘‘.",
    )
    assert got[1] == ("سنواصل العمل مع شركائنا في المنطقة", "المفوض خالد بن عمر")


def test_arabic_speaker_cut_before_circumstance() -> None:
    got = q(
        "وقالت الوزيرة ليلى حداد في كلمة ألقاها أمام المشاركين: ’’الأمن مسؤولية مشتركة بين جميع الدول‘‘."
    )
    assert got == [("الأمن مسؤولية مشتركة بين جميع الدول", "الوزيرة ليلى حداد")]


def test_arabic_text_is_untouched() -> None:
    text = "’’اعترضت السلطات ٣,٢ أطنان من الكوكايين في عرض المحيط‘‘، قال المتحدث باسم الشرطة."
    got = q(text)
    assert got == [("اعترضت السلطات ٣,٢ أطنان من الكوكايين في عرض المحيط", "المتحدث باسم الشرطة")]


# --- English / French / Spanish -------------------------------------------------------------


def test_english_forms() -> None:
    assert q(
        "“We will never stop hunting these criminals,” said INTERPOL Secretary General Jürgen Stock."
    ) == [("We will never stop hunting these criminals", "INTERPOL Secretary General Jürgen Stock")]
    assert q(
        "Jürgen Stock, INTERPOL Secretary General, said: “Organized crime is a global threat.”"
    ) == [("Organized crime is a global threat.", "Jürgen Stock, INTERPOL Secretary General")]
    assert q('"The network was dismantled in a matter of weeks," Stock said.') == [
        ("The network was dismantled in a matter of weeks", "Stock")
    ]


def test_pronoun_and_same_paragraph_follow_up() -> None:
    got = q(
        "“Criminals do not respect borders at all,” Stock said. “Neither should our response.”",
        "“This is the second part of the same message,” he added.",
    )
    assert [s for _, s in got] == ["Stock", "Stock", "Stock"]


def test_pronoun_without_previous_speaker_is_none() -> None:
    assert q("“We acted as soon as the alert came in,” he said.") == [
        ("We acted as soon as the alert came in", None)
    ]


def test_french_guillemets_with_nbsp() -> None:
    got = q(
        "«\u00a0Cette opération montre la force de la coopération\u00a0», a déclaré Valdecy Urquiza, "
        "Secrétaire général d'INTERPOL.",
        "«\u202fNous devons agir ensemble maintenant\u202f», a-t-il ajouté.",
    )
    assert got == [
        (
            "Cette opération montre la force de la coopération",
            "Valdecy Urquiza, Secrétaire général d'INTERPOL",
        ),
        ("Nous devons agir ensemble maintenant", "Valdecy Urquiza, Secrétaire général d'INTERPOL"),
    ]


def test_spanish_verbs() -> None:
    for verb in ("dijo", "afirmó", "señaló", "declaró"):
        got = q(
            f"«La cooperación regional funciona cuando la información circula», {verb} el Secretario General."
        )
        assert got == [
            (
                "La cooperación regional funciona cuando la información circula",
                "el Secretario General",
            )
        ]


def test_multi_paragraph_quote_is_one_quote() -> None:
    got = q(
        "Speaking at the opening, Jürgen Stock said: “The first paragraph of a long speech goes here.",
        "“And the second paragraph continues the same quote here.”",
    )
    assert got == [
        (
            "The first paragraph of a long speech goes here. And the second paragraph continues the same quote here.",
            "Jürgen Stock",
        )
    ]


def test_scare_quotes_are_not_quotes() -> None:
    assert q("Officials described the seizure as a “turning point” for the region.") == []
    assert q("El director habló de una «gran noticia» para todos.") == []


def test_low_german_quotes() -> None:
    assert q("„Wir handeln schnell und entschlossen jetzt“, sagte er.")[0][0] == (
        "Wir handeln schnell und entschlossen jetzt"
    )


def test_quote_type() -> None:
    assert extract_quotes([]) == []
    assert Quote("a b c d", None).speaker is None
