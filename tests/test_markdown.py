"""formats/markdown.py: prose units with their source spans; code and front matter are not prose."""

from __future__ import annotations

from pathlib import Path

from dedup.config import Config
from dedup.formats import markdown
from dedup.formats.plain import blocks as plain_blocks
from dedup.models import Kind
from dedup.normalize import words
from dedup.pipeline import scan


def spans(text: str) -> list[tuple[int, int, str]]:
    return [(b.start_line, b.end_line, b.prose) for b in markdown.blocks(text)]


def test_headings_paragraphs_list_items_and_quotes_are_units_with_their_lines() -> None:
    text = (
        "# The heading\n"
        "\n"
        "A paragraph that an editor wrapped\n"
        "onto a second line.\n"
        "\n"
        "- first item of the list\n"
        "- second item\n"
        "  continued\n"
        "\n"
        "> a quoted line\n"
        "> that goes on\n"
        "\n"
        "Setext heading\n"
        "==============\n"
    )
    assert spans(text) == [
        (1, 1, "The heading"),
        (3, 4, "A paragraph that an editor wrapped onto a second line."),
        (6, 6, "first item of the list"),
        (7, 8, "second item continued"),
        (10, 11, "a quoted line that goes on"),
        (13, 14, "Setext heading"),  # the span covers the underline
    ]


def test_code_and_comments_are_not_prose_and_html_blocks_are_read_as_html() -> None:
    text = (
        "Before the code.\n"
        "\n"
        "```python\n"
        "print('this is code, not prose')\n"
        "```\n"
        "\n"
        "    indented code is not prose either\n"
        "\n"
        "<div>an html block</div>\n"
        "\n"
        "<!-- a comment -->\n"
        "\n"
        "~~~\n"
        "tilde fence\n"
        "~~~\n"
        "After the code.\n"
    )
    assert spans(text) == [
        (1, 1, "Before the code."),
        (9, 9, "an html block"),
        (16, 16, "After the code."),
    ]


def test_front_matter_is_skipped_and_line_numbers_still_count_it() -> None:
    yaml = "---\ntitle: A title that is long enough to be prose\ntags: [a, b]\n---\n\nBody text.\n"
    assert spans(yaml) == [(6, 6, "Body text.")]
    toml = '+++\ntitle = "x"\n+++\nBody text.\n'
    assert spans(toml) == [(4, 4, "Body text.")]
    yaml_dots = "---\ntitle: x\n...\nBody text.\n"
    assert spans(yaml_dots) == [(4, 4, "Body text.")]


def test_an_unclosed_front_matter_fence_is_not_front_matter() -> None:
    # A lone "---" at the top is a thematic break; the text after it stays prose.
    assert spans("---\nStill prose here.\n") == [(2, 2, "Still prose here.")]


def test_table_cells_of_five_words_or_more_are_units() -> None:
    text = (
        "| name | description |\n"
        "|------|-------------|\n"
        "| yes | a cell of at least five words |\n"
        "| no | four words only here |\n"
    )
    assert spans(text) == [(3, 3, "a cell of at least five words")]


def test_markup_does_not_stop_a_paragraph_matching_its_plain_text_copy() -> None:
    marked = "Some *emphasised* and **strong** text, a [link](https://example.org) and `code`.\n"
    plain = "Some emphasised and strong text, a link and code.\n"
    (md_block,) = markdown.blocks(marked)
    (plain_block,) = plain_blocks(plain)
    assert words(md_block.prose) == words(plain_block.prose)
    assert md_block.text == marked.rstrip("\n")  # the text as it stands in the file


def test_image_alt_text_is_not_prose_and_hard_breaks_are_spaces() -> None:
    text = "An ![alt words](pic.png) inside,\\\nthen a hard break.\n"
    ((start, end, prose),) = spans(text)
    assert (start, end) == (1, 2)
    assert words(prose) == words("An inside, then a hard break.")


def test_crlf_and_empty_documents() -> None:
    assert spans("# Title\r\n\r\nText.\r\n") == [(1, 1, "Title"), (3, 3, "Text.")]
    assert spans("") == []
    assert spans("\n\n   \n") == []


def test_a_markdown_paragraph_and_its_plain_text_copy_are_an_exact_cluster(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.md").write_text(
        "---\ntitle: Notes\n---\n\n# Notes\n\nThe *committee* met on **Tuesday** to discuss\n"
        "the [budget](https://example.org) for the `coming` year.\n"
    )
    (tmp_path / "b.txt").write_text(
        "The committee met on Tuesday to discuss the budget for the coming year.\n"
    )
    (cluster,) = scan([str(tmp_path)], Config(root=tmp_path)).clusters
    assert cluster.kind is Kind.EXACT
    assert [(m.path, m.start_line, m.end_line) for m in cluster.members] == [
        ("a.md", 7, 8),
        ("b.txt", 1, 1),
    ]
