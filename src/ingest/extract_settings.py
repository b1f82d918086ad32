"""Every threshold of extraction, named once, in one frozen object (`ExtractionSettings`).

Evidence is weighed, never a veto: each number below is one named threshold of a score or
a window. The walker (ingest.extract_dom) and the body locator (ingest.extract_body) read
their share of it through their own protocols.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ExtractionSettings:
    """Every threshold of extraction, named once. Evidence is weighed, never a veto."""

    # prose: a block that reads like running text
    prose_min_chars: int = 40
    prose_max_link_density: float = 0.35
    # boilerplate score = class/id word (1.0 chrome, 0.5 meta, less 0.5 for a content word)
    # + link-text share + non-prose share; an element scoring this much is boilerplate.
    # Prose counts in full from prose_full_chars (a caption line is only partly prose).
    boilerplate_score: float = 1.5
    prose_full_chars: int = 200
    # ...unless it holds the h1 or more than wrapper_share of the page's prose (a wrapper);
    # text the page repeats word for word adds repeat_weight x its share
    wrapper_share: float = 0.5
    repeat_weight: float = 0.5
    # a container inside the body whose text is this much repeated elsewhere is a box
    repeated_box_share: float = 0.5
    # the walker judges a chrome-named element without walking it only when it holds less
    # than this share of the page's text
    walker_wrapper_share: float = 0.35
    # the walker: a wholly bold line up to this long is a heading (old markup); a box named
    # as a standfirst up to this long is one; an image box with at most caption_max_blocks
    # blocks and caption_max_chars characters is a caption
    bold_heading_max_chars: int = 100
    standfirst_box_max_chars: int = 600
    caption_max_blocks: int = 2
    caption_max_chars: int = 250
    # text the page repeats counts from this length (shorter lines repeat by chance)
    repeat_min_chars: int = 20
    # prose inside an element named as chrome counts (1 - hint_damping x strength) as much
    hint_damping: float = 0.7
    # body location (extract_body): a semantic container holding region_share of the
    # content score is the region; a prose block scores for candidate_levels containers
    # above it; sibling subtrees of the top container join it with sibling_share of its
    # prose and less link text than sibling_max_link_density (see extract_body)
    region_share: float = 0.5
    titled_region_share: float = 0.25  # ...or this much when it also holds the h1
    candidate_levels: int = 5
    sibling_share: float = 0.2
    sibling_max_link_density: float = 0.3
    sibling_hint_factor: float = 4.0  # a chrome-named sibling needs (1 + 4 x strength) times
    # a single sibling block joins when it reads as a paragraph: longer than this with
    # less link text than that (readability's sibling <p> test)
    sibling_paragraph_chars: int = 80
    sibling_paragraph_max_link_density: float = 0.25
    block_max_link_density: float = 0.6  # a body block with more link text is navigation
    # the contract: a body of at least this many characters
    body_min_chars: int = 80
    # fallbacks: a DOM body shorter than thin_body_chars is thin; a fallback body replaces
    # it when it is fallback_gain times longer (and passes the contract)
    thin_body_chars: int = 400
    fallback_gain: float = 2.0
    fallback_min_prose_share: float = 0.6  # and this share of it must read as prose
    use_trafilatura: bool = True
    # not a release: an error heading with less body than this; a listing has this many
    # linked headings (three times as many on a page that says it is an article), at
    # least half as many as its paragraphs
    error_page_max_body_chars: int = 1500
    listing_min_linked_headings: int = 3
    listing_body_share: float = 0.5  # a body with less of the region's prose is one teaser
    # visible dates: lines this short only, searched this many blocks around the title
    date_line_max_chars: int = 100
    date_only_max_chars: int = 60
    date_window_after_title: int = 15
    date_window_before_title: int = 5
    date_window_no_title: int = 10  # without a title block: this many blocks above the body
    # standfirst: at most this long, with at most this share of link text
    standfirst_max_chars: int = 400
    standfirst_max_link_density: float = 0.5
    # title without an h1: a heading-like block of at most title_max_chars and
    # title_max_link_density, title_min_words..title_max_words, within title_window blocks
    # above the body; the body starts at the first long prose block (long_prose_chars,
    # less link text than long_prose_max_link_density)
    title_max_chars: int = 300
    title_max_link_density: float = 0.5
    title_min_words: int = 3
    title_max_words: int = 40
    title_window: int = 8
    long_prose_chars: int = 120
    long_prose_max_link_density: float = 0.2
    # date and title echoes cut from the top of the body: date-only lines up to this long
    date_echo_max_chars: int = 80
    # a linked heading (a teaser) has more link text than this
    linked_heading_min_link_density: float = 0.6


DEFAULT_SETTINGS = ExtractionSettings()
