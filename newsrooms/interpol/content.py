"""The language-level content of one release, independent of any HTML template."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Block:
    """One body element. kind: p | h | ul | quote | figure.

    A `quote` block is a whole paragraph carrying a quotation and its attribution, because that
    is how the live site writes them; it counts as a paragraph.
    """

    kind: str
    text: str = ""
    items: tuple[str, ...] = ()
    speaker: str = ""


@dataclass(frozen=True)
class Release:
    """One language version of a release family."""

    lang: str
    title: str
    standfirst: str
    dateline: str
    blocks: tuple[Block, ...]
    slug: str
    date_style: int = 0
    quote_style: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def paragraphs(self) -> list[str]:
        return [b.text for b in self.blocks if b.kind in ("p", "quote")]

    @property
    def speakers(self) -> list[str]:
        seen: list[str] = []
        for b in self.blocks:
            if b.kind == "quote" and b.speaker and b.speaker not in seen:
                seen.append(b.speaker)
        return seen

    @property
    def teaser(self) -> str:
        return self.standfirst


# The dash between dateline and first sentence differs per edition on the live site.
DATELINE_SEP: dict[str, str] = {"en": " – ", "fr": " – ", "es": " – ", "ar": " - "}


def with_revision(rel: Release, rev: int) -> Release:
    """Apply `rev` editorial edits: every edit amends the last paragraph; even ones the title."""
    if rev <= 0:
        return rel
    note = {
        "en": "This article was updated with information received from member countries "
        "(rev. {n}).",
        "fr": "Cet article a été mis à jour avec des informations reçues des pays membres "
        "(rév. {n}).",
        "es": "Este artículo se actualizó con información recibida de los países miembros "
        "(rev. {n}).",
        "ar": "حُدّث هذا المقال بمعلومات وردت من البلدان الأعضاء (التحديث {n}).",
    }[rel.lang].format(n=rev)
    blocks = list(rel.blocks)
    for i in range(len(blocks) - 1, -1, -1):
        if blocks[i].kind == "p":
            blocks[i] = Block("p", blocks[i].text + " " + note)
            break
    else:
        blocks.append(Block("p", note))
    title = rel.title
    if rev % 2 == 0:
        title += {
            "en": " (updated)",
            "fr": " (mise à jour)",
            "es": " (actualización)",
            "ar": " (محدّث)",
        }[rel.lang]
    return Release(
        rel.lang,
        title,
        rel.standfirst,
        rel.dateline,
        tuple(blocks),
        rel.slug,
        rel.date_style,
        rel.quote_style,
        rel.extra,
    )
