"""Full-text search of the embedded server: an SQLite FTS5 index over conversation names,
annotation text and message text.

The index is two tables: `search_items` (one row per indexed item: its kind, its id, its
conversation) and the FTS5 table `search_text` whose rowid is the item's `doc`. Triggers on
`conversations`, `messages` and `annotations` keep both in step inside the very transaction that
writes the row (a create, rename, message add or update, delete, and the cascade of a delete), so
no write path can forget the index and a search never sees a half-done change. `install` creates
what is missing and (re)fills the index from the tables when it had to create it: an older
database gets its index on first start, and later starts find it there.

Queries: the words of the query (runs of letters and digits, as the `unicode61` tokenizer cuts
them) each quoted as an FTS5 string, so no user text is ever read as FTS5 syntax; words of two or
more characters match as prefixes; case and diacritics are folded (`remove_diacritics 2`). `exact`
means the words as one phrase, in order. Ranking is FTS5's bm25; a conversation ranks by its best
item, and items holding the whole phrase rank above items holding the words apart. A query whose
words match very many items ranks the `CANDIDATES` most recent matching items of each kind
(recency decides what is looked at; bm25 orders it): the cost of a query stays bounded whatever
the size of the database.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

TOKENIZER = "unicode61 remove_diacritics 2"
CANDIDATES = 500  # most recent matching items ranked per query (see the module docstring)
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
CREATE VIRTUAL TABLE IF NOT EXISTS search_text USING fts5(
    body, tokenize='{TOKENIZER}', prefix='2 3'
);
"""


def _item_triggers(table: str, kind: str, text: str, when: str = "1") -> str:
    """AFTER INSERT / UPDATE / DELETE triggers indexing `table`'s `text` column as `kind`."""

    def add(ref: str) -> str:
        return (
            f"INSERT INTO search_items (kind, item_id, conversation_id)"
            f" VALUES ('{kind}', {ref}.id, {ref}.conversation_id);"
            f" INSERT INTO search_text (rowid, body) VALUES (last_insert_rowid(), {ref}.{text});"
        )

    def drop(ref: str) -> str:
        where = f"kind = '{kind}' AND item_id = {ref}.id"
        return (
            f"DELETE FROM search_text WHERE rowid = (SELECT doc FROM search_items WHERE {where});"
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
    INSERT INTO search_text (rowid, body)
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
    INSERT INTO search_text (rowid, body) VALUES (last_insert_rowid(), COALESCE(new.name, ''));
END;
CREATE TRIGGER IF NOT EXISTS search_conversations_rename AFTER UPDATE OF name ON conversations
WHEN old.name IS NOT new.name BEGIN
    UPDATE search_text SET body = COALESCE(new.name, '')
    WHERE rowid = (SELECT doc FROM search_items WHERE kind = 'name' AND item_id = new.id);
END;
CREATE TRIGGER IF NOT EXISTS search_conversations_delete AFTER DELETE ON conversations BEGIN
    DELETE FROM search_text
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
INSERT INTO search_text (rowid, body)
    SELECT i.doc, COALESCE(c.name, '') FROM search_items i
    JOIN conversations c ON i.kind = 'name' AND c.id = i.item_id;
INSERT INTO search_text (rowid, body)
    SELECT i.doc, a.text FROM search_items i
    JOIN annotations a ON i.kind = 'annotation' AND a.id = i.item_id;
INSERT INTO search_text (rowid, body)
    SELECT i.doc, m.raw FROM search_items i
    JOIN messages m ON i.kind = 'message' AND m.id = i.item_id;
"""


def install(conn: sqlite3.Connection) -> bool:
    """Create the index and its triggers where missing; True if the index was (re)built.

    Called once at start, before any other use of the connection (autocommit mode). If any part
    is missing (an older database, or a half-dropped index) the whole index is dropped and
    rebuilt from the tables, in one transaction."""
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    if names >= _TRIGGER_NAMES | {"search_items", "search_text"}:
        return False
    conn.execute("BEGIN IMMEDIATE")
    try:
        for trigger in sorted(_TRIGGER_NAMES & names):
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute("DROP TABLE IF EXISTS search_text")
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
    def match(self) -> str:
        """What finds candidates: the phrase when exact, else every word, each as a prefix."""
        if self.exact:
            return self.phrase
        return " ".join(f'"{w}"*' if len(w) > 1 else f'"{w}"' for w in self.words)

    def matches_word(self, folded: str) -> bool:
        return any(
            folded == w or (not self.exact and len(w) > 1 and folded.startswith(w))
            for w in self._folded
        )

    @property
    def _folded(self) -> tuple[str, ...]:
        return tuple(fold(w) for w in self.words)


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
    spans = [
        (m.start(), m.end()) for m in _WORD.finditer(text) if query.matches_word(fold(m.group()))
    ]
    if not spans:  # (a match the index saw in a form this scan does not; keep the start)
        head = text[: SNIPPET_BEFORE + SNIPPET_AFTER]
        return Snippet(head, [])
    first = spans[0][0]
    start = max(0, first - SNIPPET_BEFORE)
    end = min(len(text), first + SNIPPET_AFTER)
    if start > 0:  # do not start in the middle of a word
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", spans[0][1], end)
        end = space if space != -1 else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    inside = [(s + shift, e + shift) for s, e in spans if s >= start and e <= end]
    return Snippet(prefix + text[start:end] + suffix, inside)


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


def _where_kind(kinds: Sequence[str]) -> str:
    for kind in kinds:
        if kind not in {KIND_NAME, KIND_ANNOTATION, KIND_MESSAGE}:
            raise ValueError(f"unexpected item kind: {kind!r}")
    return "i.kind IN (" + ",".join(f"'{k}'" for k in kinds) + ")"


def _matching(
    read: Read,
    expression: str,
    kinds: Sequence[str],
    conversation_id: str | None,
    limit: int,
) -> list[sqlite3.Row]:
    """(doc, kind, item_id, conversation_id, bm25) of the most recent `limit` matching items."""
    sql = (
        "SELECT s.rowid, i.kind, i.item_id, i.conversation_id, bm25(search_text)"
        " FROM search_text s JOIN search_items i ON i.doc = s.rowid"
        f" WHERE search_text MATCH ? AND {_where_kind(kinds)}"
    )
    params: list[Any] = [expression]
    if conversation_id is not None:
        # Restrict the match to the conversation's own items (a handful of rowid lookups).
        sql += (
            " AND s.rowid IN (SELECT doc FROM search_items WHERE conversation_id = ?)"
            " AND i.conversation_id = ?"
        )
        params += [conversation_id, conversation_id]
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
    rows = _matching(read, query.match, kinds, conversation_id, candidates)
    for doc, kind, item_id, cid, rank in rows:
        hits[doc] = Hit(doc, kind, item_id, cid, -rank, query.exact)
    if not query.exact:
        # Items holding the words as typed, in order: marked exact; ranked first.
        for doc, kind, item_id, cid, rank in _matching(
            read, query.phrase, kinds, conversation_id, candidates
        ):
            hit = hits.get(doc)
            if hit is None:
                hits[doc] = Hit(doc, kind, item_id, cid, -rank, True)
            else:
                hit.exact = True
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
