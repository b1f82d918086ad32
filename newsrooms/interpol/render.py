"""HTML for the fixture newsroom: two article templates, listings, home pages and heavy chrome.

Chrome is cached per language and padded with link farms so that a page weighs about `page_kb`;
the article itself is rendered fresh on each request.
"""

from __future__ import annotations

import bisect
import json
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from html import escape

from .content import DATELINE_SEP, Release
from .langs import DIR, LANGS, LISTING_PATH, format_date

PRIVATE_PATH = "/private/staff-directory"

UI: dict[str, dict[str, str]] = {
    "en": {
        "news": "News",
        "related": "Related news",
        "share": "Share",
        "home": "Home",
        "cookie": "We use cookies to improve your experience on our website.",
        "accept": "Accept all",
        "search": "Search",
        "next": "Next",
        "prev": "Previous",
        "staff": "Staff directory",
        "newsroom": "Newsroom",
        "read": "Read more",
        "latest": "Latest news",
        "page": "Page",
    },
    "fr": {
        "news": "Actualités",
        "related": "Actualités liées",
        "share": "Partager",
        "home": "Accueil",
        "cookie": "Nous utilisons des cookies pour améliorer votre expérience sur notre site.",
        "accept": "Tout accepter",
        "search": "Rechercher",
        "next": "Suivant",
        "prev": "Précédent",
        "staff": "Annuaire du personnel",
        "newsroom": "Salle de presse",
        "read": "Lire la suite",
        "latest": "Dernières actualités",
        "page": "Page",
    },
    "es": {
        "news": "Noticias",
        "related": "Noticias relacionadas",
        "share": "Compartir",
        "home": "Inicio",
        "cookie": "Utilizamos cookies para mejorar su experiencia en nuestro sitio web.",
        "accept": "Aceptar todas",
        "search": "Buscar",
        "next": "Siguiente",
        "prev": "Anterior",
        "staff": "Directorio del personal",
        "newsroom": "Sala de prensa",
        "read": "Leer más",
        "latest": "Últimas noticias",
        "page": "Página",
    },
    "ar": {
        "news": "الأخبار",
        "related": "أخبار ذات صلة",
        "share": "مشاركة",
        "home": "الصفحة الرئيسية",
        "cookie": "نستخدم ملفات تعريف الارتباط لتحسين تجربتك على موقعنا.",
        "accept": "قبول الكل",
        "search": "بحث",
        "next": "التالي",
        "prev": "السابق",
        "staff": "دليل الموظفين",
        "newsroom": "غرفة الأخبار",
        "read": "اقرأ المزيد",
        "latest": "آخر الأخبار",
        "page": "صفحة",
    },
}
LANG_NAMES = {"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}

_MENU = {
    "en": ["Crimes", "How we work", "Our partners", "Who we are", "Careers", "Resources"],
    "fr": [
        "Infractions",
        "Notre action",
        "Nos partenaires",
        "Qui sommes-nous",
        "Carrières",
        "Ressources",
    ],
    "es": ["Delitos", "Cómo trabajamos", "Nuestros socios", "Quiénes somos", "Empleo", "Recursos"],
    "ar": ["الجرائم", "أسلوب عملنا", "شركاؤنا", "من نحن", "الوظائف", "الموارد"],
}
_TOPICS = {
    "en": [
        "Terrorism",
        "Cybercrime",
        "Drug trafficking",
        "Human trafficking",
        "Firearms",
        "Environmental crime",
        "Financial crime",
        "Cultural heritage",
        "Maritime crime",
        "Vehicle crime",
        "Counterfeiting",
        "Corruption",
    ],
    "fr": [
        "Terrorisme",
        "Cybercriminalité",
        "Trafic de drogue",
        "Traite d'êtres humains",
        "Armes à feu",
        "Criminalité environnementale",
        "Criminalité financière",
        "Patrimoine culturel",
        "Criminalité maritime",
        "Véhicules volés",
        "Contrefaçon",
        "Corruption",
    ],
    "es": [
        "Terrorismo",
        "Ciberdelincuencia",
        "Tráfico de drogas",
        "Trata de personas",
        "Armas de fuego",
        "Delitos contra el medio ambiente",
        "Delincuencia financiera",
        "Patrimonio cultural",
        "Delincuencia marítima",
        "Vehículos robados",
        "Falsificación",
        "Corrupción",
    ],
    "ar": [
        "الإرهاب",
        "الجريمة السيبرية",
        "الاتجار بالمخدرات",
        "الاتجار بالبشر",
        "الأسلحة النارية",
        "الجرائم البيئية",
        "الجرائم المالية",
        "التراث الثقافي",
        "الجرائم البحرية",
        "سرقة المركبات",
        "التزييف",
        "الفساد",
    ],
}


@lru_cache(maxsize=8)
def _mega_menu(lang: str) -> str:
    parts = ['<nav class="zq-mega" aria-label="main"><ul class="zq-mega__bar">']
    topics = _TOPICS[lang]
    for si, section in enumerate(_MENU[lang]):
        parts.append(
            f'<li class="zq-mega__sec"><button class="zq-mega__btn">{escape(section)}'
            f'</button><div class="zq-mega__panel"><ul>'
        )
        for ti, topic in enumerate(topics):
            href = f"/{lang}/s{si}/t{ti}"
            parts.append(
                f'<li><a href="{href}" class="zq-mega__lnk">{escape(topic)}</a>'
                f'<p class="zq-mega__hint">{escape(section)} · {escape(topic)}</p></li>'
            )
        parts.append("</ul></div></li>")
    parts.append("</ul></nav>")
    return "".join(parts)


@lru_cache(maxsize=8)
def _farm(lang: str) -> tuple[list[str], list[int]]:
    """Footer link-farm items and their cumulative UTF-8 sizes, for padding pages to page_kb."""
    items: list[str] = []
    cum: list[int] = []
    total = 0
    topics = _TOPICS[lang]
    for k in range(6000):
        t = topics[k % len(topics)]
        s = (
            f'<li class="zq-farm__i"><a href="/{lang}/Resources/Documents/{k}">{escape(t)} '
            f"— {k}</a></li>"
        )
        items.append(s)
        total += len(s.encode("utf-8"))
        cum.append(total)
    return items, cum


def _padding(lang: str, need: int) -> str:
    if need <= 0:
        return ""
    items, cum = _farm(lang)
    n = min(bisect.bisect_left(cum, need) + 1, len(items))
    return '<ul class="zq-farm">' + "".join(items[:n]) + "</ul>"


def _head(lang: str, title: str, extra: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}" dir="{DIR[lang]}"><head><meta charset="utf-8">'
        f"<title>{escape(title)} - INTERPOL</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="stylesheet" href="/static/site.css">'
        f"{extra}<script>window.__zq={{consent:false}};</script></head>"
    )


def _top(lang: str, switcher: str) -> str:
    ui = UI[lang]
    return (
        f'<body class="zq-body zq-{lang}"><div class="zq-cookie" role="dialog">'
        f'<p>{escape(ui["cookie"])}</p><button class="zq-cookie__ok">{escape(ui["accept"])}'
        f'</button></div><header class="zq-hdr"><a class="zq-logo" href="/{lang}">INTERPOL</a>'
        f'<form class="zq-search" action="/{lang}/search"><input name="q" placeholder="'
        f'{escape(ui["search"])}"></form>{switcher}</header>{_mega_menu(lang)}'
    )


def _home_switcher(lang: str) -> str:
    # Plain home-page links without hreflang: they are chrome, not translations of the page.
    links = "".join(
        f'<li><a href="/{x}" class="zq-lang__a">{LANG_NAMES[x]}</a></li>' for x in LANGS
    )
    return f'<ul class="zq-lang">{links}</ul>'


def _footer(lang: str) -> str:
    ui = UI[lang]
    return (
        f'<footer class="zq-ftr"><div class="zq-ftr__cols"><a href="{PRIVATE_PATH}">'
        f'{escape(ui["staff"])}</a> · <a href="/{lang}/Legal">Legal</a> · '
        f'<a href="/{lang}/Contact">Contact</a></div><p class="zq-ftr__c">© INTERPOL</p>'
        "<!--PAD--></footer></body></html>"
    )


def _finish(html: str, lang: str, page_kb: int) -> str:
    need = page_kb * 1024 - len(html.encode("utf-8"))
    return html.replace("<!--PAD-->", _padding(lang, need), 1)


def _share(lang: str, url: str) -> str:
    u = escape(url, quote=True)
    return (
        f'<div class="zq-share"><span>{escape(UI[lang]["share"])}</span>'
        f'<a href="https://twitter.example/share?u={u}">X</a>'
        f'<a href="https://facebook.example/sharer?u={u}">Facebook</a>'
        f'<a href="https://linkedin.example/share?u={u}">LinkedIn</a></div>'
    )


@dataclass
class ArticleView:
    """Everything one article page needs; `published` None renders an undated page."""

    base: str
    path: str
    release: Release
    published: date | None
    modified: datetime
    template: int
    alternates: dict[str, str]  # lang -> path, other language versions only
    related: list[tuple[str, date | None, str]]
    page_kb: int


def _body_blocks(view: ArticleView, tpl: int) -> str:
    rel = view.release
    lang = rel.lang
    out: list[str] = []
    first = True
    for b in rel.blocks:
        if b.kind == "p":
            text = escape(b.text)
            if first:
                text = f"{escape(rel.dateline)}{DATELINE_SEP[lang]}{text}"
                first = False
            out.append(f"<p>{text}</p>")
        elif b.kind == "quote":
            cls = ' class="nwx-q"' if tpl == 0 else ""
            out.append(f"<p{cls}>{escape(b.text)}</p>")
        elif b.kind == "h":
            out.append(
                f"<h2>{escape(b.text)}</h2>"
                if tpl == 0
                else f'<h3 class="pb-sub">{escape(b.text)}</h3>'
            )
        elif b.kind == "ul":
            lis = "".join(f"<li>{escape(i)}</li>" for i in b.items)
            out.append(f"<ul>{lis}</ul>")
        elif b.kind == "figure":
            img = f'<img src="/media/{zlib.crc32(b.text.encode()) % 10**8}.jpg" alt="">'
            cap = escape(b.text)
            if tpl == 0:
                out.append(
                    f"<figure>{img}"
                    + (f"<figcaption>{cap}</figcaption>" if cap else "")
                    + "</figure>"
                )
            else:
                out.append(
                    f'<div class="pb-img">{img}'
                    + (f'<span class="pb-cap">{cap}</span>' if cap else "")
                    + "</div>"
                )
    return "".join(out)


def _related(view: ArticleView, tpl: int) -> str:
    lang = view.release.lang
    items = []
    for title, d, path in view.related:
        ds = format_date(d, lang, view.release.date_style) if d and view.published else ""
        if tpl == 0:
            items.append(
                f'<li><a href="{path}">{escape(title)}</a>'
                + (f'<span class="nwx-more__d">{ds}</span>' if ds else "")
                + "</li>"
            )
        else:
            items.append(
                f'<div class="pb-rel__i"><a href="{path}">{escape(title)}</a>'
                + (f"<em>{ds}</em>" if ds else "")
                + "</div>"
            )
    head = escape(UI[lang]["related"])
    if tpl == 0:
        return f'<aside class="nwx-more"><h2>{head}</h2><ul>{"".join(items)}</ul></aside>'
    return f'<div class="pb-rel"><div class="pb-rel__h">{head}</div>{"".join(items)}</div>'


def render_article(view: ArticleView) -> str:
    rel = view.release
    lang = rel.lang
    url = view.base + view.path
    if view.template == 0:
        links = "".join(
            f'<link rel="alternate" hreflang="{x}" href="{view.base}{p}">'
            for x, p in sorted(view.alternates.items())
        )
        links += f'<link rel="canonical" href="{url}">'
        if view.published:
            ld = {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": rel.title,
                "inLanguage": lang,
                "datePublished": view.published.isoformat(),
                "dateModified": view.modified.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "publisher": {"@type": "Organization", "name": "INTERPOL"},
            }
            links += (
                '<script type="application/ld+json">'
                + json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
                + "</script>"
            )
        html = [
            _head(lang, rel.title, links),
            _top(lang, _home_switcher(lang)),
            f'<main class="nwx-main"><ol class="nwx-crumbs"><li><a href="/{lang}">'
            f'{escape(UI[lang]["home"])}</a></li><li><a href="{LISTING_PATH[lang]}">'
            f'{escape(UI[lang]["news"])}</a></li></ol><article class="nwx-release">'
            f'<h1 class="nwx-headline">{escape(rel.title)}</h1>',
        ]
        if view.published:
            html.append(
                f'<time class="nwx-stamp" datetime="{view.published.isoformat()}">'
                f"{format_date(view.published, lang, rel.date_style)}</time>"
            )
        html.append(
            f'<p class="nwx-lede">{escape(rel.standfirst)}</p>'
            f'<div class="nwx-copy">{_body_blocks(view, 0)}</div></article>'
            f"{_share(lang, url)}{_related(view, 0)}</main>{_footer(lang)}"
        )
    else:
        sw = []
        for x in LANGS:
            if x in view.alternates:
                sw.append(
                    f'<a hreflang="{x}" href="{view.alternates[x]}" class="pb-sw__a">'
                    f"{LANG_NAMES[x]}</a>"
                )
            elif x != lang:
                sw.append(f'<a href="/{x}" class="pb-sw__a pb-sw__a--off">{LANG_NAMES[x]}</a>')
        switcher = f'<div class="pb-sw">{"".join(sw)}</div>'
        html = [
            _head(lang, rel.title),
            _top(lang, switcher),
            f'<div class="pb-wrap"><div class="pb-c7"><div class="pb-c7__hd">'
            f'<span class="pb-kicker">{escape(UI[lang]["news"])}</span>'
            f'<div class="pb-h">{escape(rel.title)}</div>',
        ]
        if view.published:
            html.append(
                f'<div class="pb-meta">{format_date(view.published, lang, rel.date_style)}</div>'
            )
        html.append(
            f'</div><div class="pb-sf">{escape(rel.standfirst)}</div>'
            f'<div class="pb-rt">{_body_blocks(view, 1)}</div></div>'
            f'<div class="pb-side">{_related(view, 1)}{_share(lang, url)}</div></div>'
            f"{_footer(lang)}"
        )
    return _finish("".join(html), lang, view.page_kb)


def render_listing(
    base: str,
    lang: str,
    items: list[tuple[str, date | None, str, str, int]],
    page: int,
    last_page: int,
    page_kb: int,
) -> str:
    """items: (title, date or None, path, teaser, date_style)."""
    ui = UI[lang]
    lp = LISTING_PATH[lang]
    extra = ""
    if page < last_page:
        extra += f'<link rel="next" href="{base}{lp}?page={page + 1}">'
    if page > 1:
        extra += f'<link rel="prev" href="{base}{lp}?page={page - 1}">'
    rows = []
    for title, d, path, teaser, ds in items:
        dtxt = f'<span class="nl-item__d">{format_date(d, lang, ds)}</span>' if d else ""
        rows.append(
            f'<div class="nl-item"><a class="nl-item__t" href="{path}">{escape(title)}</a>'
            f'{dtxt}<p class="nl-item__x">{escape(teaser)}</p></div>'
        )
    nav = []
    if page > 1:
        nav.append(f'<a rel="prev" href="{lp}?page={page - 1}">{escape(ui["prev"])}</a>')
    nav.append(f"<span>{escape(ui['page'])} {page} / {last_page}</span>")
    if page < last_page:
        nav.append(f'<a rel="next" href="{lp}?page={page + 1}">{escape(ui["next"])}</a>')
    html = (
        _head(lang, f"{ui['news']} ({page})", extra)
        + _top(lang, _home_switcher(lang))
        + f'<main class="nl-main"><h1>{escape(ui["newsroom"])}</h1><div class="nl-list">'
        + "".join(rows)
        + f'</div><div class="nl-pager">{"".join(nav)}</div></main>'
        + _footer(lang)
    )
    return _finish(html, lang, page_kb)


def render_home(
    lang: str, items: list[tuple[str, date | None, str, str, int]], page_kb: int
) -> str:
    ui = UI[lang]
    rows = "".join(f'<li><a href="{p}">{escape(t)}</a></li>' for t, _d, p, _x, _s in items)
    html = (
        _head(lang, "INTERPOL")
        + _top(lang, _home_switcher(lang))
        + f'<main class="hp-main"><section class="hp-news"><h2>{escape(ui["latest"])}</h2>'
        f'<ul>{rows}</ul><a href="{LISTING_PATH[lang]}">{escape(ui["read"])}</a></section>'
        "</main>" + _footer(lang)
    )
    return _finish(html, lang, page_kb)


def render_error(status: int) -> str:
    return (
        f"<!DOCTYPE html><html><head><title>{status}</title></head><body>"
        f"<h1>{status}</h1><p>The page could not be served.</p></body></html>"
    )


def garbage(html: str) -> str:
    """A page cut off mid-tag with binary noise, like a broken upstream cache."""
    cut = html[: max(200, len(html) // 3)]
    return cut + '<div cla\ufffd\ufffd\x00\x07s="nwx-c <p>\ufffd%%\x1b[0m</di'
