"""The analyst layer: what a release says, from its original text in en, fr, es and ar.

Small pure modules, text in, rows out (no I/O but reading the reviewed tables in `data/`):

- `text`: folding for matching (case, diacritics, Arabic letter variants) with offsets that
  map back into the original;
- `matcher`: one Aho-Corasick automaton per language over every lexicon, word and Arabic
  clitic boundaries;
- `gazetteer`: the lexicons (CLDR via Babel, ISO 3166 via pycountry, reviewed CSV tables);
- `mentions`: countries, places, organisations, operations and persons, with offsets;
- `numbers`, `quantities`: arrests, seizures (amount, unit, item), rescues, counts;
- `speakers`: name, role and organisation of the person behind each quote;
- `topics`: crime-area topics with the evidence spans that triggered them;
- `release`: all of the above for one release, as plain rows for the lake tables.

Offsets are 0-based character positions, end exclusive, into the field named by the row
(`body` = `releases.body_text`), so `body_text[start:end] == text`.
"""

ANALYSIS_VERSION = "1.0.0"
