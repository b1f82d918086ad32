"""The benchmark (`make bench` = `python -m bench.run`): see bench/README.md.

Not part of the product and never imported by it or by the tests.
"""
