"""formats/plain.py: hard-wrapped prose is one paragraph, stand-alone lines are one each."""

from __future__ import annotations

from dedup.formats import plain

WRAPPED = (
    "This is a paragraph of prose that an editor hard-wrapped at about\n"
    "seventy columns, so every line but the last is nearly full, and the\n"
    "next word would not have fitted on the line before it.\n"
)


def spans(text: str) -> list[tuple[int, int]]:
    return [(b.start_line, b.end_line) for b in plain.blocks(text)]


def test_wrapped_prose_is_joined_into_one_paragraph() -> None:
    (block,) = plain.blocks(WRAPPED)
    assert (block.start_line, block.end_line) == (1, 3)
    assert block.text == WRAPPED.rstrip("\n")  # the lines as they stand in the file
    assert block.prose == " ".join(line.strip() for line in WRAPPED.splitlines())


def test_stand_alone_lines_are_one_paragraph_each() -> None:
    # A headline over a photo caption: the caption's first word would have fitted on line 1.
    text = "A Title\nA photo caption that stands on its own line, however long it is.\n"
    assert [(b.start_line, b.prose) for b in plain.blocks(text)] == [
        (1, "A Title"),
        (2, "A photo caption that stands on its own line, however long it is."),
    ]
    address = "Jane Doe\n12 High Street\nSpringfield\n"
    assert spans(address) == [(1, 1), (2, 2), (3, 3)]


def test_blank_lines_separate_blocks_and_whitespace_only_lines_are_blank() -> None:
    text = "\n\nFirst block.\n \t\nSecond block.\n\n\n" + WRAPPED
    assert spans(text) == [(3, 3), (5, 5), (8, 10)]


def test_list_items_and_headings_start_their_own_paragraph() -> None:
    text = "Intro line:\n- item one\n* item two\n1. numbered\n2) also\n# heading\n> quote\n"
    assert spans(text) == [(i, i) for i in range(1, 8)]


def test_a_wrapped_list_item_keeps_its_continuation() -> None:
    text = (
        "- A list item long enough that the editor had to wrap it onto the\n"
        "  next line, where it goes on.\n"
        "- The next item.\n"
    )
    assert spans(text) == [(1, 2), (3, 3)]


def test_lines_wider_than_any_wrapper_are_never_joined() -> None:
    long_line = "word " * 30  # 150 columns
    assert spans(f"{long_line}\n{long_line}\n") == [(1, 1), (2, 2)]


def test_line_ends_are_crlf_cr_and_lf_only() -> None:
    text = "one\r\ntwo\u2028still two\rthree\n\nfour\x0cstill four\n"
    assert [(b.start_line, b.end_line, b.prose) for b in plain.blocks(text)] == [
        (1, 1, "one"),
        (2, 2, "two\u2028still two"),
        (3, 3, "three"),
        (5, 5, "four\x0cstill four"),
    ]


def test_empty_text_has_no_blocks() -> None:
    assert plain.blocks("") == []
    assert plain.blocks("\n \n\t\n") == []
