"""Fixture newsrooms for development: synthetic sites served over real HTTP on 127.0.0.1.

This package is NOT part of the product: the wheel (`pip install .`) carries only
`src/ingest` and `flows`, and no module there imports it (tests/test_packaging.py guards
both). The editable install of the development environment (`make install`) puts the
repository root on `sys.path`, which is how tests, the benchmark and `make demo` import it.

    newsrooms.server      NewsroomServer: a threaded HTTP server on 127.0.0.1 for any site
    newsrooms.interpol    an INTERPOL-like newsroom: en/fr/es/ar, sitemaps, listings
    newsrooms.demo        `make demo`: serve the fixtures, run the daily flow, show the lake
"""
