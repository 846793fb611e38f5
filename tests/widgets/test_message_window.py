"""`MessageWindow`: the detail pane's paging arithmetic, without the Pilot."""

from __future__ import annotations

from pieces_tui.widgets.detail import (
    FETCH_BATCH,
    MAX_CACHED,
    MAX_MOUNTED,
    MESSAGE_BATCH,
    MessageView,
    MessageWindow,
)
from pieces_tui.widgets.detail.window import estimated_rows, screenful


def ids(count: int) -> list[str]:
    return [f"m{i:05d}" for i in range(count)]


def views(message_ids: list[str]) -> list[MessageView]:
    return [MessageView(id=i, role="USER", text=i) for i in message_ids]


def test_a_short_conversation_at_hand_is_placed_in_batches_from_the_top() -> None:
    window = MessageWindow()
    all_ids = ids(20)
    window.open(all_ids, views(all_ids))
    assert (window.lo, window.hi, window.above, window.below) == (0, 0, 0, 20)
    batch = window.next_batch("after")
    assert batch == all_ids[:MESSAGE_BATCH]
    assert window.at_hand("after", batch) == batch
    assert window.place("after", batch) == set()
    assert (window.lo, window.hi) == (0, MESSAGE_BATCH)
    assert window.next_batch("before") == []
    assert window.next_batch("after") == all_ids[MESSAGE_BATCH:]


def test_only_the_run_next_to_the_window_counts_as_at_hand() -> None:
    window = MessageWindow()
    all_ids = ids(40)
    window.open(all_ids, views(all_ids[:3] + all_ids[5:8]))
    assert window.at_hand("after", window.next_batch("after")) == all_ids[:3]
    window.start_at(20)
    window.add(views(all_ids[17:20]))
    assert window.at_hand("before", window.next_batch("before")) == all_ids[17:20]


def test_a_fetch_asks_for_a_fetch_batch_next_to_the_window() -> None:
    window = MessageWindow()
    all_ids = ids(100)
    window.open(all_ids, ())
    window.start_at(50)
    after = window.to_fetch("after", window.next_batch("after"))
    before = window.to_fetch("before", window.next_batch("before"))
    assert after == all_ids[50 : 50 + FETCH_BATCH]
    assert before == all_ids[50 - FETCH_BATCH : 50]
    assert window.touches("after", after) and window.touches("before", before)
    window.place("after", after)
    assert not window.touches("after", after)  # placed already: a late duplicate is dropped


def test_placing_past_the_limit_trims_the_far_end() -> None:
    window = MessageWindow()
    all_ids = ids(200)
    window.open(all_ids, views(all_ids))
    while window.hi - window.lo < MAX_MOUNTED:
        assert window.place("after", window.next_batch("after")) == set()
    dropped = window.place("after", window.next_batch("after"))
    assert window.hi - window.lo == MAX_MOUNTED
    assert dropped == set(all_ids[: window.lo])
    dropped = window.place("before", window.next_batch("before"))
    assert window.hi - window.lo == MAX_MOUNTED
    assert dropped and all(all_ids.index(i) >= window.hi for i in dropped)


def test_the_cache_is_trimmed_to_the_neighbourhood_of_the_window() -> None:
    window = MessageWindow()
    all_ids = ids(MAX_CACHED + 100)
    window.open(all_ids, views(all_ids))
    window.start_at(300)
    window.place("after", window.next_batch("after"))
    kept = set(window.cache)
    assert len(kept) <= MAX_CACHED
    assert set(all_ids[window.lo : window.hi]) <= kept


def test_an_update_appends_or_asks_for_a_reset() -> None:
    window = MessageWindow()
    all_ids = ids(5)
    window.open(all_ids, views(all_ids))
    window.place("after", window.next_batch("after"))
    assert window.at_end
    grown = [*all_ids, "new-1", "new-2"]
    assert window.update(grown, views(["new-1", "new-2"])) == ["new-1", "new-2"]
    assert window.is_cached(["new-1", "new-2"])
    assert window.update(grown, ()) == []
    assert window.update(grown[1:], ()) is None  # the first message went: start again


def test_the_end_starts_a_batch_before_the_last_message() -> None:
    window = MessageWindow()
    all_ids = ids(1000)
    window.open(all_ids, ())
    assert window.end_start() == 1000 - FETCH_BATCH
    window.add(views(all_ids[-1:]))
    assert window.end_start() == 1000 - MESSAGE_BATCH


def test_forgetting_fetches_starts_a_new_epoch() -> None:
    window = MessageWindow()
    window.open(ids(50), ())
    epoch = window.epoch
    window.fetching.add("after")
    window.failed["before"] = "boom"
    window.forget_fetches()
    assert window.epoch != epoch
    assert not window.fetching and not window.failed


# -- the first screenful --------------------------------------------------------------------------


def text_message(k: int, text: str) -> MessageView:
    return MessageView(id=f"m{k}", role="USER", text=text)


def test_estimated_rows_wraps_prose_and_not_code() -> None:
    assert estimated_rows("short", 40, 100) == 4  # margin, role line, one line, blank row
    assert estimated_rows("x" * 100, 40, 100) == 3 + 3  # wrapped over three rows
    code = "```python\n" + "y = 1  # " + "z" * 200 + "\n```"
    assert estimated_rows(code, 40, 100) == 3 + 3  # fences and one unwrapped line of code
    assert estimated_rows("a\n\nb", 40, 100) == 3 + 3  # the blank line is the paragraph gap


def test_estimated_rows_stops_counting_at_enough() -> None:
    huge = "A line of a very large message.\n" * 200_000
    assert estimated_rows(huge, 80, 30) == 30


def test_screenful_is_what_fills_the_height_up_to_a_batch() -> None:
    tall = [text_message(k, "line\n" * 20) for k in range(20)]  # 23 rows each
    assert screenful(tall, 80, 30) == 2
    assert screenful(tall, 80, 46) == 2
    assert screenful(tall, 80, 47) == 3
    short = [text_message(k, "one line") for k in range(20)]  # 4 rows each
    assert screenful(short, 80, 300) == MESSAGE_BATCH
    assert screenful(short[:4], 80, 300) == 4  # fewer at hand than fill it: all of them
    assert screenful([text_message(0, "x" * 10_000)], 80, 30) == 1
