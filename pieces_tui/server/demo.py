"""Deterministic demo data (fixed uuid5 ids and timestamps) and a synthetic generator for scale."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from pieces_tui.server.db import Database
from pieces_tui.server.demo_content import (
    LONG_ACTIONS,
    LONG_NAME,
    LONG_STEPS,
    LONG_SUMMARY,
    TOPICS,
    Topic,
)
from pieces_tui.server.records import NewAnnotation, NewConversation, NewMessage, iso

NAMESPACE = uuid.UUID("6f1c2b8e-8d0a-5c7e-9a51-7c3e0f6b2d41")
BASE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def stable_id(kind: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}/{key}"))


ASSETS: list[tuple[str, str, str]] = [
    (
        "retry_decorator.py",
        "py",
        "import random\nimport time\nfrom functools import wraps\n\n\n"
        "def retry(times=5, base=0.2, cap=5.0):\n    def decorate(func):\n"
        "        @wraps(func)\n        def wrapper(*args, **kwargs):\n"
        "            for attempt in range(times):\n                try:\n"
        "                    return func(*args, **kwargs)\n"
        "                except ConnectionError:\n"
        "                    if attempt == times - 1:\n                        raise\n"
        "                    time.sleep(random.uniform(0, min(cap, base * 2**attempt)))\n"
        "        return wrapper\n    return decorate\n",
    ),
    (
        "useDebouncedValue.ts",
        "ts",
        'import { useEffect, useState } from "react";\n\n'
        "export function useDebouncedValue<T>(value: T, delayMs = 300): T {\n"
        "  const [debounced, setDebounced] = useState(value);\n  useEffect(() => {\n"
        "    const timer = setTimeout(() => setDebounced(value), delayMs);\n"
        "    return () => clearTimeout(timer);\n  }, [value, delayMs]);\n  return debounced;\n}\n",
    ),
    (
        "config_error.rs",
        "rs",
        "#[derive(Debug, thiserror::Error)]\npub enum ConfigError {\n"
        '    #[error("config file not found: {0}")]\n    Missing(std::path::PathBuf),\n'
        '    #[error("invalid TOML")]\n    Parse(#[from] toml::de::Error),\n}\n',
    ),
    (
        "worker_pool.go",
        "go",
        "func process(ctx context.Context, jobs []Job, workers int) error {\n"
        "\tg, ctx := errgroup.WithContext(ctx)\n\tg.SetLimit(workers)\n"
        "\tfor _, job := range jobs {\n\t\tjob := job\n"
        "\t\tg.Go(func() error { return handle(ctx, job) })\n\t}\n\treturn g.Wait()\n}\n",
    ),
    (
        "latest_order_per_customer.sql",
        "sql",
        "SELECT DISTINCT ON (customer_id) *\nFROM orders\nORDER BY customer_id, created_at DESC;\n",
    ),
    (
        "strict_mode.sh",
        "sh",
        "#!/usr/bin/env bash\nset -euo pipefail\nIFS=$'\\n\\t'\n"
        "trap 'echo \"error on line $LINENO\" >&2' ERR\n",
    ),
    (
        "probes.yaml",
        "yaml",
        "readinessProbe:\n  httpGet: { path: /ready, port: 8080 }\n  periodSeconds: 5\n"
        "livenessProbe:\n  httpGet: { path: /healthz, port: 8080 }\n  failureThreshold: 3\n",
    ),
    (
        "groupBy.ts",
        "ts",
        "export function groupBy<T, K extends PropertyKey>(\n  items: readonly T[],\n"
        "  key: (item: T) => K,\n): Record<K, T[]> {\n  const out = {} as Record<K, T[]>;\n"
        "  for (const item of items) {\n    (out[key(item)] ??= []).push(item);\n  }\n"
        "  return out;\n}\n",
    ),
]

WEBSITES: list[tuple[str, str]] = [
    (
        "AWS Architecture Blog: Exponential Backoff And Jitter",
        "https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/",
    ),
    ("PostgreSQL: SELECT DISTINCT ON", "https://www.postgresql.org/docs/current/sql-select.html"),
    ("SQLite: Write-Ahead Logging", "https://www.sqlite.org/wal.html"),
    ("Go: errgroup package", "https://pkg.go.dev/golang.org/x/sync/errgroup"),
    (
        "Kubernetes: Configure Liveness, Readiness and Startup Probes",
        "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
    ),
    ("zod documentation", "https://zod.dev/"),
]

# Which demo conversations link which assets / websites (by topic key and list index).
ASSET_LINKS: dict[str, list[int]] = {
    "py-retry": [0], "ts-debounce": [1], "rust-errors": [2], "go-worker-pool": [3],
    "sql-window": [4], "bash-strict": [5], "k8s-probes": [6], "ts-generics": [7],
}  # fmt: skip
WEBSITE_LINKS: dict[str, list[int]] = {
    "py-retry": [0], "sql-window": [1], "sqlite-wal": [2], "go-worker-pool": [3],
    "k8s-probes": [4], "ts-zod": [5],
}  # fmt: skip
EXTRA_ANNOTATIONS: dict[str, list[tuple[str, str]]] = {
    "py-retry": [("COMMENT", "Used this in the payments client; works with httpx too.")],
    "sql-window": [("DESCRIPTION", "Two ways to pick the newest row per customer.")],
    "sqlite-wal": [("COMMENT", "Matches what the embedded server does.")],
    "go-worker-pool": [("DESCRIPTION", "Bounded concurrency with errgroup.")],
    "rust-errors": [("COMMENT", "Convert the CLI crate to anyhow next sprint.")],
}


def _long_turns() -> list[str]:
    turns: list[str] = []
    for index in range(30):
        part, lang, snippet = LONG_STEPS[index % len(LONG_STEPS)]
        ask, answer = LONG_ACTIONS[index // len(LONG_STEPS)]
        turns.append(f"Step {index + 1}. " + ask.format(part=part))
        body = f"```{lang}\n{snippet}\n```"
        turns.append(f"{answer.format(part=part)}\n\n{body}\n\nRun `pytest tests/billing -q`.")
    return turns


def demo_conversations() -> list[NewConversation]:
    """~30 realistic Copilot conversations, newest first (BASE going backwards)."""
    topics = list(TOPICS)
    topics.insert(3, Topic("billing", LONG_NAME, "gpt-4o", _long_turns(), LONG_SUMMARY))
    out: list[NewConversation] = []
    asset_ids = [stable_id("asset", name) for name, _, _ in ASSETS]
    website_ids = [stable_id("website", url) for _, url in WEBSITES]
    for rank, topic in enumerate(topics):
        key, name, model, turns, summary = topic
        last = BASE - timedelta(hours=7 * rank, minutes=13 * rank)
        start = last - timedelta(minutes=3 * (len(turns) - 1))
        messages = [
            NewMessage(
                id=stable_id("message", f"{key}/{pos}"),
                role="USER" if pos % 2 == 0 else "ASSISTANT",
                raw=text,
                created=iso(start + timedelta(minutes=3 * pos)),
                model_id=None if pos % 2 == 0 else model,
            )
            for pos, text in enumerate(turns)
        ]
        notes = [NewAnnotation(stable_id("annotation", f"{key}/summary"), "SUMMARY", summary)]
        notes += [
            NewAnnotation(stable_id("annotation", f"{key}/{n}"), kind, text)
            for n, (kind, text) in enumerate(EXTRA_ANNOTATIONS.get(key, []))
        ]
        out.append(
            NewConversation(
                id=stable_id("conversation", key),
                created=iso(start),
                updated=iso(last),
                name=name,
                favorited=rank % 7 == 1,
                demo=True,
                model_id=model,
                messages=messages,
                annotations=notes,
                asset_ids=[asset_ids[i] for i in ASSET_LINKS.get(key, [])],
                website_ids=[website_ids[i] for i in WEBSITE_LINKS.get(key, [])],
            )
        )
    return out


def synthetic_conversations(count: int) -> list[NewConversation]:
    """`count` small deterministic conversations, older than the demo set, for scale tests."""
    origin = BASE - timedelta(days=30)
    out = []
    for n in range(count):
        at = iso(origin - timedelta(minutes=n))
        key = f"{n:05d}"
        out.append(
            NewConversation(
                id=stable_id("synthetic", key),
                created=at,
                updated=at,
                name=f"Synthetic conversation {key}",
                model_id="llama-3-8b-local",
                messages=[
                    NewMessage(stable_id("synthetic-message", f"{key}/0"), "USER",
                               f"Question number {n}?", at),
                    NewMessage(stable_id("synthetic-message", f"{key}/1"), "ASSISTANT",
                               f"Answer number {n}.", at, "llama-3-8b-local"),
                ],
            )
        )  # fmt: skip
    return out


def populate(db: Database, *, demo: bool, seed: int) -> None:
    """Fill an (empty) database with the demo set and/or `seed` synthetic conversations."""
    if demo:
        created = iso(BASE - timedelta(days=10))
        db.insert_assets(
            [
                (stable_id("asset", name), name, ext, raw, created, created)
                for name, ext, raw in ASSETS
            ]
        )
        db.insert_websites(
            [(stable_id("website", url), name, url, created, created) for name, url in WEBSITES]
        )
        db.insert_conversations(demo_conversations())
    if seed:
        db.insert_conversations(synthetic_conversations(seed))
