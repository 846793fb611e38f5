"""Export rendering: Markdown against a golden file, JSON read back by the official SDK."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pieces_tui.client import PiecesClient
from pieces_tui.export import Format, render
from pieces_tui.server import EmbeddedServer
from pieces_tui.server.demo import stable_id

GOLDEN = Path(__file__).parent / "golden"
# Demo data: fixed uuid5 ids and timestamps, so the rendering is the same on every machine.
RETRY = stable_id("conversation", "py-retry")
SQL = stable_id("conversation", "sql-window")
LONG = stable_id("conversation", "billing")


@pytest.mark.parametrize(("conversation_id", "golden"), [(RETRY, "retry.md"), (SQL, "sql.md")])
async def test_markdown_matches_the_golden_file(
    demo_server: EmbeddedServer, conversation_id: str, golden: str
) -> None:
    async with PiecesClient(demo_server.url) as client:
        rendered = await render(client, conversation_id, Format.MARKDOWN)
    path = GOLDEN / golden
    if os.environ.get("UPDATE_GOLDEN") == "1":  # regenerate after a deliberate change
        path.write_text(rendered.text, encoding="utf-8", newline="\n")
    assert rendered.text == path.read_text(encoding="utf-8")
    assert rendered.file_name == rendered.document.conversation.name + ".md"


async def test_markdown_keeps_code_fences_as_written(demo_server: EmbeddedServer) -> None:
    async with PiecesClient(demo_server.url) as client:
        rendered = await render(client, LONG, Format.MARKDOWN)
        messages = await client.messages(LONG)
    for message in messages:
        assert message.text.strip() in rendered.text  # verbatim, fences and all
    assert rendered.text.count("\n### ") == len(messages) == 60


async def test_json_is_read_back_by_the_official_sdk_models(demo_server: EmbeddedServer) -> None:
    from pieces_os_client.models.annotation import Annotation as SdkAnnotation
    from pieces_os_client.models.conversation import Conversation as SdkConversation
    from pieces_os_client.models.conversation_message import (
        ConversationMessage as SdkConversationMessage,
    )
    from pieces_os_client.models.conversation_messages import (
        ConversationMessages as SdkConversationMessages,
    )

    async with PiecesClient(demo_server.url) as client:
        rendered = await render(client, RETRY, Format.JSON)
        expected = await client.messages(RETRY)
    document = json.loads(rendered.text)
    assert document["format"] == "pieces-tui.export/1"
    conversation = SdkConversation.from_dict(document["conversation"])
    assert conversation is not None
    assert conversation.id == RETRY
    assert conversation.name == "Retry with exponential backoff in Python"
    messages = [SdkConversationMessage.from_dict(m) for m in document["messages"]["iterable"]]
    assert [m.id for m in messages if m] == [m.id for m in expected]
    assert [m.fragment.string.raw for m in messages if m and m.fragment and m.fragment.string] == [
        m.text for m in expected
    ]
    assert SdkConversationMessages.from_dict(document["messages"]) is not None
    annotations = [SdkAnnotation.from_dict(a) for a in document["annotations"]["iterable"]]
    assert {str(a.type.value) for a in annotations if a} == {"SUMMARY", "COMMENT"}
    assert rendered.file_name.endswith(".json")


async def test_hostile_text_is_kept_exactly_in_json_and_cleaned_in_markdown(
    server: EmbeddedServer,
) -> None:
    hostile = "red \x1b[31malert\x1b]0;title\x07 \u202eevil\u202c \x9b2J end"
    async with PiecesClient(server.url) as client:
        created = await client.create_conversation(hostile, [("USER", hostile)])
        as_json = await render(client, created.id, Format.JSON)
        as_md = await render(client, created.id, Format.MARKDOWN)
    for char in "\x1b\x07\u202e\u202c\x9b":
        assert char not in as_json.text
        assert char not in as_md.text
    document = json.loads(as_json.text)
    assert document["conversation"]["name"] == hostile
    assert document["messages"]["iterable"][0]["fragment"]["string"]["raw"] == hostile
    assert "# red alert evil end\n" in as_md.text  # the 8-bit CSI goes with its "2J"
    assert "\nred alert evil  end\n" in as_md.text


async def test_an_unclosed_code_fence_is_closed_so_the_next_message_stays_a_message(
    server: EmbeddedServer,
) -> None:
    cut_off = "Here is the script:\n\n```bash\nset -euo pipefail\necho 'cut off mid-block"
    async with PiecesClient(server.url) as client:
        created = await client.create_conversation(
            "Cut off", [("USER", "Write a script"), ("ASSISTANT", cut_off), ("USER", "Thanks")]
        )
        rendered = await render(client, created.id, Format.MARKDOWN)
    assert cut_off + "\n```\n\n### User · " in rendered.text
    assert rendered.text.endswith("\nThanks\n")


def test_export_and_the_commands_import_no_ui() -> None:
    from tests.test_boundaries import PACKAGE, files, imported_modules

    forbidden = ("textual", "rich", "pieces_os_client", "pieces_tui.app", "pieces_tui.screens")
    forbidden += ("pieces_tui.widgets", "pieces_tui.views")
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in files("export") + files("commands")
        if path.name != "web.py"  # web mode serves the app: it runs it in child processes
        for module in imported_modules(path)
        if any(module == name or module.startswith(name + ".") for name in forbidden)
    ]
    assert not offenders, offenders
