"""A small lake for the analyst-layer tests, landed by the real pipeline.

The recorded golden pages (the two Arabic seed pages among them) plus one story written
for these tests in four languages, linked as translations (hreflang), and one more English
story a year later: enough for family counting, operations and topics over time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from ingest import pipeline
from ingest.fetch import FetchResult
from ingest.settings import load_settings

GOLDEN = Path(__file__).parent / "golden"
BASE = "https://www.interpol.int"
NOW = datetime(2026, 11, 29, 6, 30, tzinfo=UTC)

PATHS = {
    "en": "/en/News-and-Events/News/2024/Operation-Jade-Tide",
    "fr": "/fr/Actualites-et-evenements/Actualites/2024/Operation-Jade-Tide",
    "es": "/es/Noticias-y-acontecimientos/Noticias/2024/Operacion-Jade-Tide",
    "ar": "/ar/4/2024/Operation-Jade-Tide",
}
STORY = {
    "en": (
        "Operation Jade Tide: 320 arrests and 12 tonnes of cocaine seized",
        "LYON, France",
        [
            "Police and customs in 24 countries, among them Brazil, Colombia and Spain, "
            "seized 12 tonnes of cocaine and USD 3 million in cash during Operation Jade "
            "Tide, a drug trafficking operation coordinated by INTERPOL.",
            "The operation led to 320 arrests.",
            "“Drug traffickers use every route they can find,” said INTERPOL Secretary "
            "General Valdecy Urquiza.",
        ],
    ),
    "fr": (
        "Opération Jade Tide : 320 arrestations et 12 tonnes de cocaïne saisies",
        "LYON (France)",
        [
            "Les services de police et de douane de 24 pays, dont le Brésil, la Colombie et "
            "l’Espagne, ont saisi 12 tonnes de cocaïne et 3 millions de dollars en espèces "
            "lors de l’opération Jade Tide contre le trafic de drogue, coordonnée par "
            "INTERPOL.",
            "L’opération a permis 320 arrestations.",
            "« Les trafiquants de drogue utilisent toutes les routes possibles », a déclaré "
            "le Secrétaire général d’INTERPOL, Valdecy Urquiza.",
        ],
    ),
    "es": (
        "Operación Jade Tide: 320 detenciones y 12 toneladas de cocaína incautadas",
        "LYON (Francia)",
        [
            "La policía y las aduanas de 24 países, entre ellos Brasil, Colombia y España, "
            "incautaron 12 toneladas de cocaína y 3 millones de dólares en efectivo durante "
            "la operación Jade Tide contra el narcotráfico, coordinada por INTERPOL.",
            "La operación se saldó con 320 detenciones.",
            "«Los narcotraficantes usan todas las rutas que encuentran», afirmó el "
            "Secretario General de INTERPOL, Valdecy Urquiza.",
        ],
    ),
    "ar": (
        "عملية جيد تايد: توقيف 320 شخصا وضبط 12 طنا من الكوكايين",
        "ليون (فرنسا)",
        [
            "ضبطت أجهزة الشرطة والجمارك في 24 بلدا، من بينها البرازيل وكولومبيا وإسبانيا، "
            "12 طنا من الكوكايين خلال عملية لمكافحة الاتجار بالمخدرات نسقها الإنتربول.",
            "وأسفرت العملية عن توقيف 320 شخصا.",
            "وقال الأمين العام للإنتربول فالديسي أوركيزا: «يستخدم مهربو المخدرات كل الطرق "
            "التي يجدونها».",
        ],
    ),
}
CYBER = (
    "/en/News-and-Events/News/2025/Cyber-Harbour",
    "Cybercrime: 88 arrests in West Africa",
    "DAKAR, Senegal",
    "2025-06-10",
    [
        "Police in Nigeria and Ghana arrested 88 suspects in a cybercrime operation "
        "against online fraud, with the support of INTERPOL.",
        "The phishing networks had defrauded victims of more than USD 4 million.",
        "“Cybercriminals can no longer hide behind borders,” said Neal Jetton, Director "
        "of Cybercrime at INTERPOL.",
    ],
)


def _html(
    lang: str, title: str, dateline: str, date: str, paras: list[str], alternates: dict[str, str]
) -> bytes:
    links = "".join(
        f'<link rel="alternate" hreflang="{k}" href="{BASE}{v}">' for k, v in alternates.items()
    )
    body = "".join(
        f"<p>{dateline} – {p}</p>" if i == 0 else f"<p>{p}</p>" for i, p in enumerate(paras)
    )
    direction = ' dir="rtl"' if lang == "ar" else ""
    return (
        f'<html lang="{lang}"{direction}><head><title>{title}</title>{links}</head>'
        f'<body><article><h1>{title}</h1><time datetime="{date}">{date}</time>{body}'
        "</article></body></html>"
    ).encode()


def _page(path: str, lang: str, body: bytes) -> pipeline.FetchedPage:
    plan = pipeline.PagePlan(path=path, url=BASE + path, language=lang, reason="new")
    res = FetchResult(
        url=plan.url,
        final_url=plan.url,
        status=200,
        body=body,
        headers={},
        fetched_at=NOW,
        elapsed_s=0.01,
    )
    return pipeline.FetchedPage(plan, result=res)


def pages() -> list[pipeline.FetchedPage]:
    out = []
    for f in sorted((GOLDEN / "expected").glob("*.json")):
        exp = json.loads(f.read_text(encoding="utf-8"))
        if not isinstance(exp, dict) or "url" not in exp or "language" not in exp:
            continue
        html = (GOLDEN / "pages" / f"{f.stem}.html").read_bytes()
        out.append(_page(urlsplit(exp["url"]).path, exp["language"], html))
    for lang, (title, dateline, paras) in STORY.items():
        alternates = {k: v for k, v in PATHS.items() if k != lang}
        out.append(
            _page(PATHS[lang], lang, _html(lang, title, dateline, "2024-03-05", paras, alternates))
        )
    path, title, dateline, date, paras = CYBER
    out.append(_page(path, "en", _html("en", title, dateline, date, paras, {})))
    return out


def build(lake: Path) -> Path:
    settings = load_settings(lake=lake, base_url=BASE, env={})
    pipeline.land_pages(
        pages(), settings, run_id="analysis-fixture", now=NOW, unit="analysis-fixture/1"
    )
    return lake
