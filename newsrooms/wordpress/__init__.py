"""A WordPress-like fixture newsroom (en/fr) served over HTTP on 127.0.0.1: shaped unlike
the INTERPOL-like one (`/YYYY/MM/DD/slug/` permalinks, RSS and Atom feeds as its discovery
path, no sitemap, a block theme's markup). Its source definition is `source.toml` beside
this file, kept with the fixture, not in the product.

    site = WordPressSite()
    with NewsroomServer(site) as srv:
        load_settings(source=SOURCE_FILE, base_url=srv.base_url, ...)
        site.expected_releases(), site.edit_post(path), site.add_post(...)
"""

from pathlib import Path

from newsrooms.server import NewsroomServer

from .site import FEED_SIZE, LANGS, WordPressSite

SOURCE_FILE = Path(__file__).resolve().parent / "source.toml"

__all__ = ["FEED_SIZE", "LANGS", "SOURCE_FILE", "NewsroomServer", "WordPressSite"]
