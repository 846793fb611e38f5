"""What `y` and `c` copy, as plain functions: the code blocks of a message, the toast, the cap."""

from __future__ import annotations

from pieces_tui.widgets.detail.copying import (
    MAX_COPY_BYTES,
    CodeBlock,
    code_blocks,
    copied_note,
    message_source,
    too_big,
)


def test_code_blocks_are_their_content_only_in_order() -> None:
    text = (
        "Intro\n\n```python title\nprint(1)\n\n\nprint(2)\n```\n\n"
        "    indented code\n    second line\n\n"
        "> quoted:\n> ```\n> inside a quote\n> ```\n\n"
        "````md\n```\nnot a block of its own\n```\n````\n"
        "`inline` is not a block\n"
    )
    assert code_blocks(text) == [
        CodeBlock("python", "print(1)\n\n\nprint(2)"),
        CodeBlock("", "indented code\nsecond line"),
        CodeBlock("", "inside a quote"),
        CodeBlock("md", "```\nnot a block of its own\n```"),
    ]


def test_a_long_block_is_copied_whole_not_cut_as_shown() -> None:
    code = "\n".join(f"line {k}" for k in range(1000))
    (block,) = code_blocks(f"```\n{code}\n```")
    assert block.code == code and block.lines == 1000


def test_an_unclosed_fence_runs_to_the_end() -> None:
    assert code_blocks("```sh\necho 1\necho 2\n") == [CodeBlock("sh", "echo 1\necho 2")]


def test_no_code_block() -> None:
    assert code_blocks("Just *prose*, and `inline`.") == []


def test_the_source_is_cleaned_and_otherwise_untouched() -> None:
    assert message_source("  **bold**  \n\n\tindent\n") == "  **bold**  \n\n\tindent\n"
    assert message_source("a\x1b]52;c;ZXZpbA==\x07b\x1b[201~c\r\nd") == "abc\nd"


def test_the_note_names_the_first_line_and_the_size() -> None:
    assert copied_note("The message", "\n\nFirst line\nsecond") == (
        "The message: “First line” (4 lines, 19 characters)"
    )
    long = "x" * 80
    assert copied_note("Code block 2 of 3", long) == (
        f"Code block 2 of 3: “{'x' * 49}…” (1 line, 80 characters)"
    )
    assert copied_note("The code block", "") == "The code block (0 lines, 0 characters)"


def test_too_big_for_one_osc52_sequence() -> None:
    assert too_big("é" * (MAX_COPY_BYTES // 2)) is None
    refusal = too_big("é" * (MAX_COPY_BYTES // 2 + 1))
    assert refusal is not None and refusal.startswith("Not copied: 1.0 MB")


def test_picker_labels_are_one_clean_line() -> None:
    (block,) = code_blocks("```py\n\n  \x1b[31mdef f():\x1b[0m\n    pass\n```")
    assert block.label == "py · 3 lines · def f():"
