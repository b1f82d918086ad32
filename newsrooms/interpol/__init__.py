"""A synthetic INTERPOL-like newsroom (en/fr/es/ar) served over HTTP on 127.0.0.1.

The live site cannot be reached from here, so the product, its demo, tests and benchmark run
against this fixture. URL layout (imitating the live site):

    articles   /en/News-and-Events/News/<YEAR>/<slug>
               /fr/Actualites-et-evenements/Actualites/<YEAR>/<slug>
               /es/Noticias-y-acontecimientos/Noticias/<YEAR>/<slug>
               /ar/1/1/<YEAR>/<english-slug>
    listings   the same prefixes without year/slug, and /ar/News for Arabic; ?page=N, 10 a page
    home       /en /fr /es /ar
    discovery  /robots.txt, /sitemap.xml (index) -> /sitemaps/<lang>.xml or <lang>-<year>.xml

Usage:

    site = NewsroomSite()                      # hand-written corpus, 13 families
    site = NewsroomSite(families=2500, page_kb=100)   # ~10,000 generated pages
    with NewsroomServer(site) as srv:
        srv.base_url, srv.requests, site.expected_releases(), site.broken_paths()
"""

from newsrooms.server import NewsroomServer

from .site import NewsroomSite

__all__ = ["NewsroomServer", "NewsroomSite"]
