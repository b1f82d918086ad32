"""HTML and feeds of the WordPress-like newsroom: a block theme's markup (article.post,
.entry-content, time.entry-date, widgets, comments form), Polylang's language links, and
WordPress's RSS 2.0 and Atom feeds. A different chrome from the INTERPOL-like fixture on
purpose: nothing here shares a class name with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from newsrooms.interpol.langs import MONTHS  # the same month names, one table

SITE = {"en": "North Sea Customs Agency", "fr": "Agence des douanes de la mer du Nord"}
TAGLINE = {"en": "Newsroom", "fr": "Salle de presse"}
LOCALE = {"en": "en-GB", "fr": "fr-FR"}
LANG_NAME = {"en": "English", "fr": "Français"}
UI = {
    "en": {
        "skip": "Skip to content",
        "published": "Published",
        "by": "By",
        "cat": "Categorised as",
        "prev": "Previous post",
        "next": "Next post",
        "recent": "Recent Posts",
        "archives": "Archives",
        "reply": "Leave a comment",
        "notes": "Your email address will not be published. Required fields are marked *",
        "comment": "Comment",
        "post": "Post Comment",
        "older": "Older posts",
        "newer": "Newer posts",
        "powered": "Proudly powered by",
        "search": "Search",
        "menu": ["About us", "Press releases", "Statistics", "Contact the press office"],
        "author": "Press Office",
        "nf": "Nothing here",
        "nf_text": "It looks like nothing was found at this location. Maybe try a search?",
    },
    "fr": {
        "skip": "Aller au contenu",
        "published": "Publié le",
        "by": "Par",
        "cat": "Classé dans",
        "prev": "Article précédent",
        "next": "Article suivant",
        "recent": "Articles récents",
        "archives": "Archives",
        "reply": "Laisser un commentaire",
        "notes": "Votre adresse e-mail ne sera pas publiée. Les champs obligatoires sont "
        "indiqués avec *",
        "comment": "Commentaire",
        "post": "Laisser un commentaire",
        "older": "Articles plus anciens",
        "newer": "Articles plus récents",
        "powered": "Fièrement propulsé par",
        "search": "Rechercher",
        "menu": ["Qui sommes-nous", "Communiqués", "Statistiques", "Contact presse"],
        "author": "Service de presse",
        "nf": "Rien ici",
        "nf_text": "Il semble que rien n’ait été trouvé à cette adresse. Essayez une recherche ?",
    },
}
QUOTES = {"en": ("“", "”"), "fr": ("« ", " »")}
GENERATOR = "6.4.3"


def shown_date(when: datetime, lang: str) -> str:
    """The visible date as WordPress's default date format writes it per locale."""
    if lang == "en":
        return f"{MONTHS['en'][when.month - 1]} {when.day}, {when.year}"
    return f"{'1er' if when.day == 1 else when.day} {MONTHS['fr'][when.month - 1]} {when.year}"


def w3c(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def rfc822(when: datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


@dataclass
class PostView:
    """What a page needs to know about one post in one language."""

    post_id: int
    lang: str
    href: str  # path with its trailing slash, as WordPress links it
    title: str
    dateline: str
    paragraphs: list[str]
    published: datetime
    modified: datetime
    category: str
    heading: str | None = None
    items: list[str] = field(default_factory=list)
    quote: tuple[str, str] | None = None
    translations: dict[str, str] = field(default_factory=dict)  # lang -> href

    @property
    def excerpt(self) -> str:
        return self.paragraphs[0][:140].rsplit(" ", 1)[0] + " [&hellip;]"


def _head(base: str, lang: str, title: str, extra: str = "") -> str:
    feed = f"{base}/feed/" if lang == "en" else f"{base}/fr/feed/"
    return (
        f'<!doctype html>\n<html lang="{LOCALE[lang]}">\n<head>\n<meta charset="UTF-8" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        "<meta name='robots' content='index, follow, max-image-preview:large' />\n"
        f"<title>{escape(title)} &#8211; {escape(SITE[lang])}</title>\n"
        f'<link rel="alternate" type="application/rss+xml" title="{escape(SITE[lang])} '
        f'&raquo; Feed" href="{feed}" />\n'
        f"<link rel='stylesheet' id='wp-block-library-css' href='{base}/wp-includes/css/"
        f"dist/block-library/style.min.css?ver={GENERATOR}' media='all' />\n"
        f"<link rel='stylesheet' id='twenty-twenty-one-style-css' href='{base}/wp-content/"
        "themes/twentytwentyone/style.css?ver=2.1' media='all' />\n"
        f"{extra}"
        '<script>window._wpemojiSettings = {"baseUrl":"https:\\/\\/s.w.org\\/images\\/'
        'core\\/emoji\\/14.0.0\\/72x72\\/","ext":".png"};</script>\n'
        f'<meta name="generator" content="WordPress {GENERATOR}" />\n</head>\n'
    )


def _masthead(base: str, lang: str, switch: dict[str, str]) -> str:
    home = f"{base}/" if lang == "en" else f"{base}/fr/"
    menu = "".join(
        f'<li class="menu-item menu-item-type-post_type menu-item-{20 + i}">'
        f'<a href="{home}{escape(m.lower().replace(" ", "-"))}/">{escape(m)}</a></li>'
        for i, m in enumerate(UI[lang]["menu"])
    )
    langs = "".join(
        f'<li class="lang-item lang-item-{x}{" current-lang" if x == lang else ""}">'
        f'<a lang="{LOCALE[x]}" hreflang="{LOCALE[x]}" href="{base}{href}">{LANG_NAME[x]}</a>'
        "</li>"
        for x, href in sorted(switch.items())
    )
    return (
        '<body class="{body_class}">\n<div id="page" class="site">\n'
        f'<a class="skip-link screen-reader-text" href="#content">{UI[lang]["skip"]}</a>\n'
        '<header id="masthead" class="site-header has-title-and-tagline has-menu" '
        'role="banner">\n<div class="site-branding"><p class="site-title">'
        f'<a href="{home}" rel="home">{escape(SITE[lang])}</a></p>'
        f'<p class="site-description">{TAGLINE[lang]}</p></div>\n'
        '<nav id="site-navigation" class="primary-navigation" aria-label="Primary menu">'
        '<div class="primary-menu-container"><ul id="primary-menu-list" '
        f'class="menu-wrapper">{menu}{langs}</ul></div></nav>\n</header>\n'
        '<div id="content" class="site-content"><div id="primary" class="content-area">'
        '<main id="main" class="site-main">\n'
    )


def _sidebar(base: str, lang: str, recent: list[PostView]) -> str:
    items = "".join(
        f'<li><a class="wp-block-latest-posts__post-title" href="{base}{p.href}">'
        f'{escape(p.title)}</a><time datetime="{w3c(p.published)}" '
        f'class="wp-block-latest-posts__post-date">{shown_date(p.published, lang)}</time></li>'
        for p in recent
    )
    months = sorted({(p.published.year, p.published.month) for p in recent}, reverse=True)
    prefix = "" if lang == "en" else "/fr"
    archive = "".join(
        f'<li><a href="{base}{prefix}/{y}/{m:02d}/">{MONTHS[lang][m - 1]} {y}</a></li>'
        for y, m in months
    )
    return (
        '</main></div></div>\n<aside class="widget-area" role="complementary">'
        '<section id="block-3" class="widget widget_block"><h2 class="wp-block-heading">'
        f'{UI[lang]["recent"]}</h2><ul class="wp-block-latest-posts__list '
        f'has-dates wp-block-latest-posts">{items}</ul></section>'
        '<section id="block-4" class="widget widget_block widget_archive"><h2 '
        f'class="wp-block-heading">{UI[lang]["archives"]}</h2><ul>{archive}</ul></section>'
        '<section class="widget widget_search"><form role="search" method="get" '
        f'class="search-form" action="{base}/"><input type="search" name="s" />'
        f'<input type="submit" value="{UI[lang]["search"]}" /></form></section></aside>\n'
    )


def _footer(lang: str) -> str:
    return (
        '<footer id="colophon" class="site-footer" role="contentinfo"><div class="site-info">'
        f'<div class="site-name">{escape(SITE[lang])}</div><div class="powered-by">'
        f'{UI[lang]["powered"]} <a href="https://wordpress.org/">WordPress</a>.</div></div>'
        "</footer>\n</div>\n<script src='/wp-includes/js/wp-emoji-release.min.js?ver="
        f"{GENERATOR}' id='wp-emoji-js'></script>\n</body>\n</html>\n"
    )


def render_post(
    base: str, post: PostView, prev: PostView | None, nxt: PostView | None, recent: list[PostView]
) -> str:
    lang = post.lang
    links = "".join(
        f'<link rel="alternate" href="{base}{href}" hreflang="{x}" />\n'
        for x, href in sorted({lang: post.href, **post.translations}.items())
    )
    extra = (
        f'<link rel="canonical" href="{base}{post.href}" />\n'
        f"<link rel='shortlink' href='{base}/?p={post.post_id}' />\n{links}"
        f'<meta property="og:locale" content="{LOCALE[lang].replace("-", "_")}" />\n'
        '<meta property="og:type" content="article" />\n'
        f'<meta property="og:title" content="{escape(post.title)}" />\n'
        f'<meta property="article:published_time" content="{w3c(post.published)}" />\n'
        f'<meta property="article:modified_time" content="{w3c(post.modified)}" />\n'
    )
    open_q, close_q = QUOTES[lang]
    body = [f"<p><strong>{escape(post.dateline)}</strong> &#8211; {escape(post.paragraphs[0])}</p>"]
    body += [f"<p>{escape(p)}</p>" for p in post.paragraphs[1:2]]
    if post.quote:
        text, speaker = post.quote
        body.append(
            f'<blockquote class="wp-block-quote"><p>{open_q}{escape(text)}{close_q}'
            f"</p><cite>{escape(speaker)}</cite></blockquote>"
        )
    if post.heading:
        body.append(f'<h2 class="wp-block-heading">{escape(post.heading)}</h2>')
        body.append(
            '<ul class="wp-block-list">'
            + "".join(f"<li>{escape(i)}</li>" for i in post.items)
            + "</ul>"
        )
    body += [f"<p>{escape(p)}</p>" for p in post.paragraphs[2:]]
    body.append(
        '<figure class="wp-block-image size-large"><img decoding="async" '
        f'src="{base}/wp-content/uploads/{post.published:%Y/%m}/photo-{post.post_id}'
        '.jpg" alt="" /><figcaption class="wp-element-caption">'
        f"{escape(SITE[lang])}</figcaption></figure>"
    )
    nav = ""
    for rel, other, cls in (("prev", prev, "nav-previous"), ("next", nxt, "nav-next")):
        if other is not None:
            label = UI[lang][rel]
            nav += (
                f'<div class="{cls}"><a href="{base}{other.href}" rel="{rel}"><p '
                f'class="meta-nav">{label}</p><p class="post-title">{escape(other.title)}'
                "</p></a></div>"
            )
    page = (
        _head(base, lang, post.title, extra)
        + _masthead(base, lang, {lang: post.href, **post.translations}).replace(
            "{body_class}",
            f"post-template-default single single-post postid-{post.post_id} "
            "single-format-standard wp-embed-responsive",
        )
        + f'<article id="post-{post.post_id}" class="post-{post.post_id} post type-post '
        f'status-publish format-standard hentry category-{post.category} entry">\n'
        '<header class="entry-header alignwide">'
        f'<h1 class="entry-title">{escape(post.title)}</h1></header>\n'
        '<div class="entry-content">\n' + "\n".join(body) + "\n</div>\n"
        '<footer class="entry-footer default-max-width"><div class="posted-by">'
        f'<span class="posted-on">{UI[lang]["published"]} <time class="entry-date '
        f'published updated" datetime="{w3c(post.published)}">'
        f"{shown_date(post.published, lang)}</time></span>"
        f'<span class="byline">{UI[lang]["by"]} <a href="{base}/author/press-office/" '
        f'rel="author">{UI[lang]["author"]}</a></span></div><div class="post-taxonomies">'
        f'<span class="cat-links">{UI[lang]["cat"]} <a href="{base}/category/'
        f'{post.category}/" rel="category tag">{post.category.title()}</a></span></div>'
        "</footer>\n</article>\n"
        '<nav class="navigation post-navigation" aria-label="Posts"><h2 '
        'class="screen-reader-text">Post navigation</h2><div class="nav-links">'
        f"{nav}</div></nav>\n"
        '<div id="comments" class="comments-area default-max-width show-avatars">'
        '<div id="respond" class="comment-respond"><h2 id="reply-title" '
        f'class="comment-reply-title">{UI[lang]["reply"]}</h2><form action="{base}/'
        'wp-comments-post.php" method="post" id="commentform" class="comment-form">'
        f'<p class="comment-notes">{UI[lang]["notes"]}</p><p class="comment-form-comment">'
        f'<label for="comment">{UI[lang]["comment"]} *</label><textarea id="comment" '
        'name="comment" rows="5" required></textarea></p><p class="form-submit">'
        f'<input name="submit" type="submit" class="submit" value="{UI[lang]["post"]}" />'
        "</p></form></div></div>\n" + _sidebar(base, lang, recent) + _footer(lang)
    )
    return page


def render_index(
    base: str, lang: str, posts: list[PostView], page: int, last: int, recent: list[PostView]
) -> str:
    """The blog index (/, /page/N/; /fr/, /fr/page/N/): excerpts, newest first."""
    home = "/" if lang == "en" else "/fr/"

    def page_path(n: int) -> str:
        return home if n == 1 else f"{home}page/{n}/"

    rels = ""
    if page < last:
        rels += f'<link rel="next" href="{base}{page_path(page + 1)}" />\n'
    if page > 1:
        rels += f'<link rel="prev" href="{base}{page_path(page - 1)}" />\n'
    cards = "".join(
        f'<article id="post-{p.post_id}" class="post-{p.post_id} post type-post '
        'status-publish format-standard hentry entry"><header class="entry-header">'
        f'<h2 class="entry-title default-max-width"><a href="{base}{p.href}">'
        f'{escape(p.title)}</a></h2></header><div class="entry-content"><p>{p.excerpt}</p>'
        '</div><footer class="entry-footer default-max-width"><span class="posted-on">'
        f'<time class="entry-date published" datetime="{w3c(p.published)}">'
        f"{shown_date(p.published, lang)}</time></span></footer></article>\n"
        for p in posts
    )
    pager = ""
    if page < last:
        pager += (
            f'<a class="next page-numbers" href="{base}{page_path(page + 1)}">'
            f"{UI[lang]['older']}</a>"
        )
    if page > 1:
        pager += (
            f'<a class="prev page-numbers" href="{base}{page_path(page - 1)}">'
            f"{UI[lang]['newer']}</a>"
        )
    switch = {"en": "/", "fr": "/fr/"}
    return (
        _head(base, lang, TAGLINE[lang], rels)
        + _masthead(base, lang, switch).replace("{body_class}", "home blog hfeed")
        + cards
        + '<nav class="navigation pagination" aria-label="Posts"><div '
        f'class="nav-links">{pager}</div></nav>\n' + _sidebar(base, lang, recent) + _footer(lang)
    )


def render_not_found(base: str, lang: str) -> str:
    return (
        _head(base, lang, UI[lang]["nf"])
        + _masthead(base, lang, {"en": "/", "fr": "/fr/"}).replace("{body_class}", "error404 hfeed")
        + f'<header class="page-header alignwide"><h1 class="page-title">{UI[lang]["nf"]}'
        f'</h1></header><div class="page-content"><p>{UI[lang]["nf_text"]}</p></div>\n'
        + _sidebar(base, lang, [])
        + _footer(lang)
    )


def render_rss(base: str, lang: str, posts: list[PostView], feed_path: str, built: datetime) -> str:
    """WordPress's RSS 2.0 feed (/feed/, /fr/feed/): no next link; ?paged=N pages it."""
    items = "".join(
        f"\t<item>\n\t\t<title>{escape(p.title)}</title>\n\t\t<link>{base}{p.href}</link>\n"
        f"\t\t<comments>{base}{p.href}#respond</comments>\n"
        f"\t\t<dc:creator><![CDATA[{UI[lang]['author']}]]></dc:creator>\n"
        f"\t\t<pubDate>{rfc822(p.published)}</pubDate>\n"
        f"\t\t<category><![CDATA[{p.category.title()}]]></category>\n"
        f'\t\t<guid isPermaLink="false">{base}/?p={p.post_id}</guid>\n'
        f"\t\t<description><![CDATA[{p.excerpt}]]></description>\n"
        f"\t\t<content:encoded><![CDATA[<p>{escape(p.paragraphs[0])}</p>]]></content:encoded>\n"
        f"\t\t<wfw:commentRss>{base}{p.href}feed/</wfw:commentRss>\n"
        "\t\t<slash:comments>0</slash:comments>\n\t</item>\n"
        for p in posts
    )
    home = "/" if lang == "en" else "/fr/"
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"\n'
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '\txmlns:atom="http://www.w3.org/2005/Atom"\n'
        '\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"\n'
        '\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"\n\t>\n\n<channel>\n'
        f"\t<title>{escape(SITE[lang])}</title>\n"
        f'\t<atom:link href="{base}{feed_path}" rel="self" type="application/rss+xml" />\n'
        f"\t<link>{base}{home}</link>\n\t<description>{TAGLINE[lang]}</description>\n"
        f"\t<lastBuildDate>{rfc822(built)}</lastBuildDate>\n"
        f"\t<language>{LOCALE[lang]}</language>\n"
        "\t<sy:updatePeriod>\n\thourly\t</sy:updatePeriod>\n"
        "\t<sy:updateFrequency>\n\t1\t</sy:updateFrequency>\n"
        f"\t<generator>https://wordpress.org/?v={GENERATOR}</generator>\n"
        f"{items}</channel>\n</rss>\n"
    )


def render_atom(
    base: str, lang: str, posts: list[PostView], feed_path: str, built: datetime
) -> str:
    """WordPress's Atom feed (/feed/atom/, /fr/feed/atom/): entries carry `updated`."""
    home = "/" if lang == "en" else "/fr/"
    entries = "".join(
        "\t<entry>\n\t\t<author>\n\t\t\t<name>" + UI[lang]["author"] + "</name>\n\t\t</author>\n"
        f'\t\t<title type="html"><![CDATA[{p.title}]]></title>\n'
        f'\t\t<link rel="alternate" type="text/html" href="{base}{p.href}" />\n'
        + "".join(
            f'\t\t<link rel="alternate" hreflang="{x}" type="text/html" href="{base}{href}" />\n'
            for x, href in sorted(p.translations.items())
        )
        + f"\t\t<id>{base}/?p={p.post_id}</id>\n"
        f"\t\t<updated>{p.modified:%Y-%m-%dT%H:%M:%SZ}</updated>\n"
        f"\t\t<published>{p.published:%Y-%m-%dT%H:%M:%SZ}</published>\n"
        f'\t\t<category scheme="{base}" term="{p.category.title()}" />\n'
        f'\t\t<summary type="html"><![CDATA[{p.excerpt}]]></summary>\n'
        f'\t\t<link rel="replies" type="text/html" href="{base}{p.href}#comments" '
        'thr:count="0" />\n\t</entry>\n'
        for p in posts
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed\n'
        '  xmlns="http://www.w3.org/2005/Atom"\n'
        '  xmlns:thr="http://purl.org/syndication/thread/1.0"\n'
        f'  xml:lang="{LOCALE[lang]}"\n  >\n'
        f'\t<title type="text">{escape(SITE[lang])}</title>\n'
        f'\t<subtitle type="text">{TAGLINE[lang]}</subtitle>\n\n'
        f"\t<updated>{built:%Y-%m-%dT%H:%M:%SZ}</updated>\n\n"
        f'\t<link rel="alternate" type="text/html" href="{base}{home}" />\n'
        f"\t<id>{base}{feed_path}</id>\n"
        f'\t<link rel="self" type="application/atom+xml" href="{base}{feed_path}" />\n\n'
        f'\t<generator uri="https://wordpress.org/" version="{GENERATOR}">WordPress'
        f"</generator>\n{entries}</feed>\n"
    )
