"""Full-text search of the embedded server: an SQLite FTS5 index over conversation names,
annotation text and message text.

The index is two tables: `search_items` (one row per indexed item: its kind, its id, its
conversation) and one FTS5 table per kind (`search_name`, `search_annotation`, `search_message`)
whose rowid is the item's `doc` (one table per kind keeps a query's scan to its kind). Triggers on
`conversations`, `messages` and `annotations` keep both in step inside the very transaction that
writes the row (a create, rename, message add or update, delete, and the cascade of a delete), so
no write path can forget the index and a search never sees a half-done change. `install` creates
what is missing and (re)fills the index from the tables when it had to create it: an older
database gets its index on first start, and later starts find it there.

Queries: the words of the query (runs of letters and digits, as the `unicode61` tokenizer cuts
them) each quoted as an FTS5 string, so no user text is ever read as FTS5 syntax; words of two or
more characters match as prefixes; case and diacritics are folded (`remove_diacritics 2`). `exact`
means the words as one phrase, in order. Ranking is FTS5's bm25; a conversation ranks by its best
item, and items holding the whole phrase rank above items holding the words apart (see
`Query.stages`). A query whose words match very many items ranks the `CANDIDATES` most recent
matching items of each kind (recency decides what is looked at; bm25 orders it), so the cost of a
query stays bounded whatever the size of the database; the per-conversation search looks at all
of that conversation's messages.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

TOKENIZER = "unicode61 remove_diacritics 2"
CANDIDATES = 200  # most recent matching items ranked per query (see the module docstring)
MAX_QUERY_CHARS = 1000
MAX_WORDS = 16
SNIPPET_BEFORE = 60  # characters of context before the first match
SNIPPET_AFTER = 140  # characters of context after it

KIND_NAME = "name"
KIND_ANNOTATION = "annotation"
KIND_MESSAGE = "message"

_INDEX_SQL = f"""
CREATE TABLE IF NOT EXISTS search_items (
    doc INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    UNIQUE (kind, item_id)
);
CREATE INDEX IF NOT EXISTS search_items_by_conversation ON search_items(conversation_id);
CREATE VIRTUAL TABLE IF NOT EXISTS search_name USING fts5(
    body, tokenize='{TOKENIZER}', prefix='2 3'
);
CREATE VIRTUAL TABLE IF NOT EXISTS search_annotation USING fts5(
    body, tokenize='{TOKENIZER}', prefix='2 3'
);
CREATE VIRTUAL TABLE IF NOT EXISTS search_message USING fts5(
    body, tokenize='{TOKENIZER}', prefix='2 3'
);
"""
FTS_TABLES = ("search_name", "search_annotation", "search_message")


def _item_triggers(table: str, kind: str, text: str, when: str = "1") -> str:
    """AFTER INSERT / UPDATE / DELETE triggers indexing `table`'s `text` column as `kind`."""

    def add(ref: str) -> str:
        return (
            f"INSERT INTO search_items (kind, item_id, conversation_id)"
            f" VALUES ('{kind}', {ref}.id, {ref}.conversation_id);"
            f" INSERT INTO search_{kind} (rowid, body) VALUES (last_insert_rowid(), {ref}.{text});"
        )

    def drop(ref: str) -> str:
        where = f"kind = '{kind}' AND item_id = {ref}.id"
        return (
            f"DELETE FROM search_{kind} WHERE rowid = (SELECT doc FROM search_items WHERE {where});"
            f" DELETE FROM search_items WHERE {where};"
        )

    new_when = when.replace("@", "new")
    old_when = when.replace("@", "old")
    return f"""
CREATE TRIGGER IF NOT EXISTS search_{table}_insert AFTER INSERT ON {table}
WHEN {new_when} BEGIN {add("new")} END;
CREATE TRIGGER IF NOT EXISTS search_{table}_update
AFTER UPDATE OF id, conversation_id, {text} ON {table} BEGIN
    {drop("old")}
    INSERT INTO search_items (kind, item_id, conversation_id)
    SELECT '{kind}', new.id, new.conversation_id WHERE {new_when};
    INSERT INTO search_{kind} (rowid, body)
    SELECT last_insert_rowid(), new.{text} WHERE {new_when};
END;
CREATE TRIGGER IF NOT EXISTS search_{table}_delete AFTER DELETE ON {table}
WHEN {old_when} BEGIN {drop("old")} END;
"""


_TRIGGERS_SQL = (
    # A conversation's name: item id and conversation id are both the conversation's id.
    """
CREATE TRIGGER IF NOT EXISTS search_conversations_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO search_items (kind, item_id, conversation_id) VALUES ('name', new.id, new.id);
    INSERT INTO search_name (rowid, body) VALUES (last_insert_rowid(), COALESCE(new.name, ''));
END;
CREATE TRIGGER IF NOT EXISTS search_conversations_rename AFTER UPDATE OF name ON conversations
WHEN old.name IS NOT new.name BEGIN
    UPDATE search_name SET body = COALESCE(new.name, '')
    WHERE rowid = (SELECT doc FROM search_items WHERE kind = 'name' AND item_id = new.id);
END;
CREATE TRIGGER IF NOT EXISTS search_conversations_delete AFTER DELETE ON conversations BEGIN
    DELETE FROM search_name
    WHERE rowid IN (SELECT doc FROM search_items WHERE conversation_id = old.id);
    DELETE FROM search_annotation
    WHERE rowid IN (SELECT doc FROM search_items WHERE conversation_id = old.id);
    DELETE FROM search_message
    WHERE rowid IN (SELECT doc FROM search_items WHERE conversation_id = old.id);
    DELETE FROM search_items WHERE conversation_id = old.id;
END;
"""
    + _item_triggers("messages", KIND_MESSAGE, "raw")
    + _item_triggers("annotations", KIND_ANNOTATION, "text", when="@.conversation_id IS NOT NULL")
)

_TRIGGER_NAMES = {
    f"search_{table}_{what}"
    for table in ("conversations", "messages", "annotations")
    for what in ("insert", "delete")
} | {"search_conversations_rename", "search_messages_update", "search_annotations_update"}

_REFILL_SQL = """
INSERT INTO search_items (kind, item_id, conversation_id) SELECT 'name', id, id FROM conversations;
INSERT INTO search_items (kind, item_id, conversation_id)
    SELECT 'annotation', id, conversation_id FROM annotations WHERE conversation_id IS NOT NULL;
INSERT INTO search_items (kind, item_id, conversation_id)
    SELECT 'message', id, conversation_id FROM messages;
INSERT INTO search_name (rowid, body)
    SELECT i.doc, COALESCE(c.name, '') FROM search_items i
    JOIN conversations c ON i.kind = 'name' AND c.id = i.item_id;
INSERT INTO search_annotation (rowid, body)
    SELECT i.doc, a.text FROM search_items i
    JOIN annotations a ON i.kind = 'annotation' AND a.id = i.item_id;
INSERT INTO search_message (rowid, body)
    SELECT i.doc, m.raw FROM search_items i
    JOIN messages m ON i.kind = 'message' AND m.id = i.item_id;
"""


def install(conn: sqlite3.Connection) -> bool:
    """Create the index and its triggers where missing; True if the index was (re)built.

    Called once at start, before any other use of the connection (autocommit mode). If any part
    is missing (an older database, or a half-dropped index) the whole index is dropped and
    rebuilt from the tables, in one transaction."""
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    if names >= _TRIGGER_NAMES | {"search_items", *FTS_TABLES}:
        return False
    conn.execute("BEGIN IMMEDIATE")
    try:
        for trigger in sorted(_TRIGGER_NAMES & names):
            conn.execute(f"DROP TRIGGER {trigger}")
        for table in FTS_TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute("DROP TABLE IF EXISTS search_items")
        for statement in _statements(_INDEX_SQL + _TRIGGERS_SQL + _REFILL_SQL):
            conn.execute(statement)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return True


def _statements(script: str) -> list[str]:
    """Split a script into complete statements (`executescript` would commit our transaction)."""
    out: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError(f"incomplete SQL statement: {current!r}")
    return out


# -- queries --------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")


class QueryError(ValueError):
    """A query the index cannot run; the message says why (answered as a 4xx)."""


def fold(word: str) -> str:
    """Case and diacritics folded, as `unicode61 remove_diacritics 2` folds them."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class Query:
    """A user query made safe for FTS5 MATCH: every word a quoted string, nothing else."""

    words: tuple[str, ...]
    exact: bool
    folded: tuple[str, ...] = field(init=False, compare=False)
    _pattern: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        folded = tuple(dict.fromkeys(fold(w) for w in self.words))
        object.__setattr__(self, "folded", folded)
        # What a matching word looks like in folded text: a whole word, or a word that starts
        # with a query word of two or more characters (unless exact).
        alternatives = "|".join(
            re.escape(w) + (r"[^\W_]*" if len(w) > 1 and not self.exact else "")
            for w in sorted(folded, key=len, reverse=True)
        )
        pattern = rf"(?<![^\W_])(?:{alternatives})(?![^\W_])" if folded else r"(?!x)x"
        object.__setattr__(self, "_pattern", re.compile(pattern))

    @classmethod
    def parse(cls, text: str, *, exact: bool = False) -> Query:
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"query too long: {len(text)} characters (at most {MAX_QUERY_CHARS})")
        words = tuple(_WORD.findall(unicodedata.normalize("NFC", text)))
        if len(words) > MAX_WORDS:
            raise QueryError(f"query has {len(words)} words (at most {MAX_WORDS})")
        return cls(words, exact)

    @property
    def empty(self) -> bool:
        return not self.words

    @property
    def phrase(self) -> str:
        """The words as one FTS5 phrase, in order (a word cannot hold a `"`: see `_WORD`)."""
        return '"' + " ".join(self.words) + '"'

    @property
    def stages(self) -> list[tuple[str, bool]]:
        """FTS5 expressions tried in turn, each with whether its hits hold the query as typed:
        the phrase; then (unless exact) every word whole, in any order; then every word as a
        prefix. A later stage runs only while the earlier ones found fewer than the candidates
        wanted: a prefix over a common word is the costly kind of query (FTS5 merges the
        doclists of every term it expands to), a whole word is read lazily."""
        out = [(self.phrase, True)]
        if self.exact:
            return out
        if len(self.words) > 1:
            out.append((" ".join(f'"{w}"' for w in self.words), False))
        if any(len(w) > 1 for w in self.words):
            out.append((" ".join(f'"{w}"*' if len(w) > 1 else f'"{w}"' for w in self.words), False))
        return out

    def spans(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """[start, end) of each matching word of `text` (between `start` and `end`)."""
        stop = len(text) if end is None else end
        if text.isascii():  # lower() keeps every offset: search the folded text directly
            lowered = text.lower()
            return [m.span() for m in self._pattern.finditer(lowered, start, stop)]
        return [
            m.span()
            for m in _WORD.finditer(text, start, stop)
            if self._pattern.fullmatch(fold(m.group()))
        ]


@dataclass
class Snippet:
    """Text around the first match of an item, with the [start, end) offsets (in characters of
    `text`) of each matching word in it. The text is the stored text, untrusted: data only."""

    text: str
    matches: list[tuple[int, int]]

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "matches": [list(m) for m in self.matches]}


def snippet(text: str, query: Query) -> Snippet:
    """The first matching word with some context each side, cut at word boundaries."""
    first_spans = _first_span(text, query)
    if first_spans is None:  # (a match the index saw in a form this scan does not)
        return Snippet(text[: SNIPPET_BEFORE + SNIPPET_AFTER], [])
    first, first_end = first_spans
    start = max(0, first - SNIPPET_BEFORE)
    end = min(len(text), max(first_end, first + SNIPPET_AFTER))
    if start > 0:  # do not start in the middle of a word
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", first_end, end)
        end = space if space != -1 else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    inside = [(s + shift, e + shift) for s, e in query.spans(text, start, end)]
    return Snippet(prefix + text[start:end] + suffix, inside)


def _first_span(text: str, query: Query) -> tuple[int, int] | None:
    """The first match, looked for in growing windows (most matches are near the start)."""
    size = 512
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):  # end the window at a word boundary
            space = text.rfind(" ", start, end)
            end = space if space > start else end
        spans = query.spans(text, start, end)
        if spans:
            return spans[0]
        start, size = end, size * 4
    return None


@dataclass
class Hit:
    """One indexed item that matched: its kind and id, its conversation, its score (higher is
    better: minus bm25) and whether it holds the whole query as a phrase."""

    doc: int
    kind: str
    item_id: str
    conversation_id: str
    score: float
    exact: bool

    @property
    def similarity(self) -> float:
        """The score mapped into [0, 1) (bm25 is unbounded): what the SDK calls similarity."""
        return round(self.score / (1.0 + self.score), 6) if self.score > 0 else 0.0

    def key(self) -> tuple[bool, float, int]:
        return (not self.exact, -self.score, -self.doc)


@dataclass
class ConversationHit:
    conversation_id: str
    best: Hit
    messages: list[Hit] = field(default_factory=list)
    annotations: list[Hit] = field(default_factory=list)
    name: Hit | None = None


Read = Callable[[str, Sequence[Any]], list[sqlite3.Row]]


def _matching(
    read: Read,
    expression: str,
    kind: str,
    conversation_id: str | None,
    limit: int,
) -> list[sqlite3.Row]:
    """(doc, kind, item_id, conversation_id, bm25) of the most recent `limit` matching items."""
    if kind not in {KIND_NAME, KIND_ANNOTATION, KIND_MESSAGE}:
        raise ValueError(f"unexpected item kind: {kind!r}")
    table = f"search_{kind}"
    sql = (
        f"SELECT s.rowid, i.kind, i.item_id, i.conversation_id, bm25({table})"
        f" FROM {table} s JOIN search_items i ON i.doc = s.rowid"
        f" WHERE {table} MATCH ?"
    )
    params: list[Any] = [expression]
    if conversation_id is not None:
        # Restrict the match to the conversation's own items (a handful of rowid lookups).
        sql += " AND s.rowid IN (SELECT doc FROM search_items WHERE conversation_id = ?)"
        params.append(conversation_id)
    sql += " ORDER BY s.rowid DESC LIMIT ?"
    params.append(limit)
    return read(sql, params)


def find(
    read: Read,
    query: Query,
    kinds: Sequence[str],
    *,
    conversation_id: str | None = None,
    candidates: int = CANDIDATES,
) -> list[Hit]:
    """Matching items, best first (whole-phrase hits above the others, then by bm25)."""
    if query.empty:
        return []
    hits: dict[int, Hit] = {}
    for kind in kinds:  # one table per kind: rowid order is recency within the kind
        found = 0
        for expression, exact in query.stages:
            if found >= candidates:
                break
            for doc, kind_, item_id, cid, rank in _matching(
                read, expression, kind, conversation_id, candidates
            ):
                if doc not in hits:
                    hits[doc] = Hit(doc, kind_, item_id, cid, -rank, exact)
                    found += 1
    return sorted(hits.values(), key=Hit.key)


def by_conversation(hits: Sequence[Hit]) -> list[ConversationHit]:
    """Group best-first hits into conversations, each ranked by its best hit."""
    groups: dict[str, ConversationHit] = {}
    for hit in hits:
        group = groups.get(hit.conversation_id)
        if group is None:
            group = groups[hit.conversation_id] = ConversationHit(hit.conversation_id, hit)
        if hit.kind == KIND_MESSAGE:
            group.messages.append(hit)
        elif hit.kind == KIND_ANNOTATION:
            group.annotations.append(hit)
        else:
            group.name = hit
    return list(groups.values())
