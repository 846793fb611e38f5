"""The text of the demo data set: Copilot conversations, assets and websites (no logic here)."""

from __future__ import annotations

from typing import NamedTuple

F = "```"


class Topic(NamedTuple):
    key: str
    name: str
    model: str
    turns: list[str]  # USER, ASSISTANT, USER, ASSISTANT...
    summary: str


def code(lang: str, body: str) -> str:
    return f"{F}{lang}\n{body.strip()}\n{F}"


TOPICS: list[Topic] = [
    Topic(
        "py-retry",
        "Retry with exponential backoff in Python",
        "gpt-4o",
        [
            "How do I retry an HTTP call with exponential backoff and jitter in Python?",
            "A small decorator keeps the policy in one place:\n\n"
            + code(
                "python",
                """
import random
import time
from functools import wraps


def retry(times: int = 5, base: float = 0.2, cap: float = 5.0):
    def decorate(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            for attempt in range(times):
                try:
                    return func(*args, **kwargs)
                except ConnectionError:
                    if attempt == times - 1:
                        raise
                    time.sleep(random.uniform(0, min(cap, base * 2**attempt)))
        return wrapper
    return decorate
""",
            )
            + "\n\nThis is *full jitter*: each wait is uniform in `[0, min(cap, base·2ⁿ)]`, "
            "which spreads retries from many clients.",
            "Can it work with async functions too?",
            "Yes: the same loop with `await asyncio.sleep(...)`:\n\n"
            + code(
                "python",
                """
async def call_with_retry(fetch, times=5, base=0.2, cap=5.0):
    for attempt in range(times):
        try:
            return await fetch()
        except (httpx.ConnectError, httpx.ReadTimeout):
            if attempt == times - 1:
                raise
            await asyncio.sleep(random.uniform(0, min(cap, base * 2**attempt)))
""",
            )
            + "\n\nOnly retry idempotent requests (GET, PUT, DELETE) unless the server "
            "supports idempotency keys.",
        ],
        "Full-jitter exponential backoff as a sync decorator and an async helper.",
    ),
    Topic(
        "ts-debounce",
        "Typed debounce hook for React",
        "claude-3-5-sonnet",
        [
            "Write a `useDebouncedValue` hook in TypeScript.",
            code(
                "typescript",
                """
import { useEffect, useState } from "react";

export function useDebouncedValue<T>(value: T, delayMs = 300): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}
""",
            )
            + "\n\nThe cleanup cancels the pending timer whenever `value` changes, so only the "
            "last value within the window is committed.",
            "How would I test it?",
            "With fake timers from Vitest and `renderHook`:\n\n"
            + code(
                "typescript",
                """
vi.useFakeTimers();
const { result, rerender } = renderHook(({ v }) => useDebouncedValue(v, 200), {
  initialProps: { v: "a" },
});
rerender({ v: "ab" });
expect(result.current).toBe("a");
act(() => vi.advanceTimersByTime(200));
expect(result.current).toBe("ab");
""",
            ),
        ],
        "A generic React hook that debounces a value, with a fake-timer test.",
    ),
    Topic(
        "rust-errors",
        "Error handling with thiserror and anyhow",
        "claude-3-5-sonnet",
        [
            "When should I use `thiserror` and when `anyhow` in Rust?",
            "Use **thiserror** in libraries, where callers match on variants, and **anyhow** in "
            "binaries, where you mostly add context and print.\n\n"
            + code(
                "rust",
                """
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file not found: {0}")]
    Missing(std::path::PathBuf),
    #[error("invalid TOML")]
    Parse(#[from] toml::de::Error),
}

fn main() -> anyhow::Result<()> {
    let cfg = load("app.toml").context("loading configuration")?;
    run(cfg)
}
""",
            ),
        ],
        "thiserror for library error enums, anyhow with context in binaries.",
    ),
    Topic(
        "go-worker-pool",
        "Bounded worker pool in Go",
        "gpt-4o",
        [
            "Show me a worker pool in Go that processes jobs with at most N goroutines.",
            code(
                "go",
                """
func process(ctx context.Context, jobs []Job, workers int) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, job := range jobs {
		job := job
		g.Go(func() error {
			return handle(ctx, job)
		})
	}
	return g.Wait()
}
""",
            )
            + "\n\n`errgroup.SetLimit` blocks `Go` once `workers` goroutines are running, and the "
            "first error cancels `ctx` for the rest.",
            "And if I need the results in order?",
            "Write into a pre-sized slice by index; each goroutine owns one slot, so no mutex "
            "is needed:\n\n"
            + code(
                "go",
                """
results := make([]Result, len(jobs))
for i, job := range jobs {
	i, job := i, job
	g.Go(func() (err error) {
		results[i], err = handle(ctx, job)
		return err
	})
}
""",
            ),
        ],
        "errgroup with SetLimit as a bounded pool; ordered results by index.",
    ),
    Topic(
        "sql-window",
        "Latest row per group in PostgreSQL",
        "gpt-4o",
        [
            "How do I get the latest order per customer in Postgres?",
            "Two idiomatic options. `DISTINCT ON` is the shortest:\n\n"
            + code(
                "sql",
                """
SELECT DISTINCT ON (customer_id) *
FROM orders
ORDER BY customer_id, created_at DESC;
""",
            )
            + "\n\nA window function is portable to other databases:\n\n"
            + code(
                "sql",
                """
SELECT *
FROM (
  SELECT o.*, row_number() OVER (PARTITION BY customer_id ORDER BY created_at DESC) AS rn
  FROM orders o
) ranked
WHERE rn = 1;
""",
            )
            + "\n\nAn index on `(customer_id, created_at DESC)` makes both fast.",
        ],
        "DISTINCT ON versus row_number() for the newest row per group.",
    ),
    Topic(
        "bash-strict",
        "Safer bash scripts",
        "llama-3-8b-local",
        [
            "What should every bash script start with?",
            code(
                "bash",
                """
#!/usr/bin/env bash
set -euo pipefail
IFS=$'\\n\\t'
trap 'echo "error on line $LINENO" >&2' ERR
""",
            )
            + "\n\n- `-e` exits on errors, `-u` on unset variables, `pipefail` fails a pipeline if "
            'any stage fails.\n- Quote every expansion: `"$file"`.',
        ],
        "Strict mode, IFS and an ERR trap for bash scripts.",
    ),
    Topic(
        "py-dataclass-vs-pydantic",
        "dataclasses or pydantic?",
        "gemini-1-5-pro",
        [
            "Should I use dataclasses or pydantic models for my domain objects?",
            "Use **pydantic at the edges** (parsing JSON, config, HTTP bodies) and plain "
            "**dataclasses inside**, where data is already trusted.\n\n"
            + code(
                "python",
                """
class OrderIn(BaseModel):
    sku: str
    quantity: int = Field(gt=0)


@dataclass(frozen=True, slots=True)
class Order:
    sku: str
    quantity: int
""",
            ),
        ],
        "Validate with pydantic at boundaries, keep dataclasses in the core.",
    ),
    Topic(
        "ts-zod",
        "Validating API responses with zod",
        "claude-3-5-sonnet",
        [
            "How do I validate a fetch response with zod and get the type for free?",
            code(
                "typescript",
                """
import { z } from "zod";

const User = z.object({
  id: z.string().uuid(),
  name: z.string(),
  email: z.string().email().optional(),
});
type User = z.infer<typeof User>;

export async function getUser(id: string): Promise<User> {
  const res = await fetch(`/api/users/${id}`);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return User.parse(await res.json());
}
""",
            ),
        ],
        "A zod schema doubles as the runtime validator and the static type.",
    ),
    Topic(
        "docker-multistage",
        "Slim multi-stage Dockerfile for Go",
        "gpt-4o",
        [
            "My Go image is 900 MB. How do I shrink it?",
            "Build in one stage, copy only the binary into a distroless image:\n\n"
            + code(
                "dockerfile",
                """
FROM golang:1.23 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app ./cmd/app

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
USER nonroot:nonroot
ENTRYPOINT ["/app"]
""",
            )
            + "\n\nExpect roughly 10-20 MB.",
        ],
        "Multi-stage build into distroless/static for a small Go image.",
    ),
    Topic(
        "git-bisect",
        "Finding a regression with git bisect",
        "llama-3-8b-local",
        [
            "A test started failing sometime in the last 200 commits. Fastest way to find it?",
            "Let `git bisect run` drive the test:\n\n"
            + code(
                "bash",
                """
git bisect start HEAD v2.3.0
git bisect run pytest tests/test_invoices.py -x -q
git bisect reset
""",
            )
            + "\n\nThat is about 8 test runs for 200 commits. Exit code 125 marks a commit as "
            "untestable (skip).",
        ],
        "Automating regression hunting with git bisect run.",
    ),
    Topic(
        "rust-lifetimes",
        "Returning references from a struct method",
        "claude-3-5-sonnet",
        [
            "Why does this not compile?\n\n"
            + code(
                "rust",
                """
fn longest(a: &str, b: &str) -> &str {
    if a.len() > b.len() { a } else { b }
}
""",
            ),
            "The compiler cannot tell whether the result borrows from `a` or `b`. Name the "
            "lifetime so both inputs must outlive the output:\n\n"
            + code(
                "rust",
                """
fn longest<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.len() > b.len() { a } else { b }
}
""",
            ),
        ],
        "Explicit lifetime parameters when a result may borrow from either input.",
    ),
    Topic(
        "py-asyncio-gather",
        "Limiting concurrency with asyncio",
        "gpt-4o",
        [
            "I need to fetch 5,000 URLs but at most 20 at a time.",
            code(
                "python",
                """
async def fetch_all(urls: list[str], limit: int = 20) -> list[bytes]:
    semaphore = asyncio.Semaphore(limit)
    async with httpx.AsyncClient(timeout=10) as client:

        async def one(url: str) -> bytes:
            async with semaphore:
                response = await client.get(url)
                response.raise_for_status()
                return response.content

        return await asyncio.gather(*(one(u) for u in urls))
""",
            )
            + "\n\nOn Python 3.11+, `asyncio.TaskGroup` cancels the rest on the first failure, "
            "which `gather` does not.",
        ],
        "A semaphore bounds in-flight requests; TaskGroup for fail-fast.",
    ),
    Topic(
        "sql-migration",
        "Zero-downtime column rename",
        "gemini-1-5-pro",
        [
            "How do I rename a column in a busy Postgres table without downtime?",
            "Expand and contract, over several deploys:\n\n"
            "1. Add the new column; write to both.\n2. Backfill in batches.\n"
            "3. Read from the new column.\n4. Stop writing the old one, then drop it.\n\n"
            + code(
                "sql",
                """
ALTER TABLE users ADD COLUMN display_name text;
UPDATE users SET display_name = full_name
WHERE id IN (SELECT id FROM users WHERE display_name IS NULL LIMIT 10000);
""",
            ),
        ],
        "Expand/contract migration with batched backfill.",
    ),
    Topic(
        "k8s-probes",
        "Liveness vs readiness probes",
        "gpt-4o",
        [
            "What's the difference between liveness and readiness probes?",
            "**Readiness** decides whether the pod receives traffic; **liveness** decides "
            "whether it gets restarted. Never make liveness depend on a database.\n\n"
            + code(
                "yaml",
                """
readinessProbe:
  httpGet: { path: /ready, port: 8080 }
  periodSeconds: 5
livenessProbe:
  httpGet: { path: /healthz, port: 8080 }
  initialDelaySeconds: 10
  failureThreshold: 3
""",
            ),
        ],
        "Readiness gates traffic, liveness restarts; keep liveness shallow.",
    ),
    Topic(
        "go-context",
        "Timeouts with context in Go HTTP clients",
        "claude-3-5-sonnet",
        [
            "How do I put a timeout on a single outgoing request in Go?",
            code(
                "go",
                """
ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
defer cancel()
req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
if err != nil {
	return err
}
resp, err := http.DefaultClient.Do(req)
""",
            )
            + "\n\nDeriving from `r.Context()` also cancels the call when the caller hangs up.",
        ],
        "Per-request deadlines with context.WithTimeout.",
    ),
    Topic(
        "py-typing-protocol",
        "Structural typing with Protocol",
        "gemini-1-5-pro",
        [
            "How can I type a function that accepts anything with a `.read()` method?",
            code(
                "python",
                """
from typing import Protocol


class Readable(Protocol):
    def read(self, size: int = -1) -> bytes: ...


def checksum(source: Readable) -> str:
    return hashlib.sha256(source.read()).hexdigest()
""",
            )
            + "\n\nAny class with a compatible `read` matches, no inheritance needed.",
        ],
        "typing.Protocol for duck-typed parameters.",
    ),
    Topic(
        "ts-generics",
        "Type-safe groupBy in TypeScript",
        "gpt-4o",
        [
            "Write a typed `groupBy`.",
            code(
                "typescript",
                """
export function groupBy<T, K extends PropertyKey>(
  items: readonly T[],
  key: (item: T) => K,
): Record<K, T[]> {
  const out = {} as Record<K, T[]>;
  for (const item of items) {
    (out[key(item)] ??= []).push(item);
  }
  return out;
}
""",
            ),
        ],
        "A generic groupBy with PropertyKey constraint.",
    ),
    Topic(
        "sqlite-wal",
        "SQLite WAL mode and durability",
        "claude-3-5-sonnet",
        [
            "Is `synchronous=NORMAL` safe with WAL?",
            "With WAL, `NORMAL` never corrupts the database. A committed transaction survives "
            "an application crash; only a power loss or OS crash can roll back the last few "
            "commits. Use `FULL` if that matters.\n\n"
            + code(
                "python",
                """
conn = sqlite3.connect("app.db", isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("PRAGMA synchronous=NORMAL")
""",
            ),
        ],
        "WAL + synchronous=NORMAL: crash-safe for the process, not for power loss.",
    ),
    Topic(
        "rust-tokio-select",
        "Graceful shutdown with tokio::select!",
        "gpt-4o",
        [
            "How do I stop my tokio server on Ctrl+C?",
            code(
                "rust",
                """
let listener = TcpListener::bind("127.0.0.1:8080").await?;
loop {
    tokio::select! {
        Ok((socket, _)) = listener.accept() => {
            tokio::spawn(handle(socket));
        }
        _ = tokio::signal::ctrl_c() => {
            println!("shutting down");
            break;
        }
    }
}
""",
            ),
        ],
        "tokio::select! between accept and ctrl_c for shutdown.",
    ),
    Topic(
        "py-pytest-fixtures",
        "pytest fixtures with cleanup",
        "llama-3-8b-local",
        [
            "How do I write a fixture that starts a server and always stops it?",
            code(
                "python",
                """
@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path / "db.sqlite")
    srv.start()
    yield srv
    srv.stop()
""",
            )
            + "\n\nCode after `yield` runs even when the test fails.",
        ],
        "Yield fixtures guarantee teardown.",
    ),
    Topic(
        "css-grid",
        "Holy-grail layout with CSS grid",
        "gemini-1-5-pro",
        [
            "Simplest header / sidebar / main / footer layout?",
            code(
                "css",
                """
body {
  display: grid;
  grid-template: auto 1fr auto / 16rem 1fr;
  grid-template-areas: "head head" "side main" "foot foot";
  min-height: 100dvh;
}
""",
            ),
        ],
        "grid-template-areas for a classic page layout.",
    ),
    Topic(
        "go-generics",
        "Generic Map and Filter in Go",
        "claude-3-5-sonnet",
        [
            "Does Go have map/filter now?",
            "Not in the standard library for slices, but generics make them two-liners:\n\n"
            + code(
                "go",
                """
func Map[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}
""",
            )
            + "\n\nIterators in Go 1.23 (`iter.Seq`) and `slices.Collect` are the newer route.",
        ],
        "Generic helpers and iter.Seq for functional slices.",
    ),
    Topic(
        "py-logging",
        "Structured logging setup",
        "gpt-4o",
        [
            "What's a sane logging config for a small service?",
            code(
                "python",
                """
logging.basicConfig(
    level=logging.INFO,
    format="%(asctime)s %(levelname)s %(name)s %(message)s",
)
log = logging.getLogger(__name__)
log.info("started", extra={"port": 8080})
""",
            )
            + "\n\nOne logger per module via `__name__`; configure once, in `main`.",
        ],
        "basicConfig once, module-level loggers.",
    ),
    Topic(
        "bash-find",
        "Deleting old files safely",
        "llama-3-8b-local",
        [
            "Delete log files older than 14 days, but show me first.",
            code(
                "bash",
                """
find /var/log/myapp -name '*.log' -mtime +14 -print
find /var/log/myapp -name '*.log' -mtime +14 -delete
""",
            ),
        ],
        "find -mtime with a dry run before -delete.",
    ),
    Topic(
        "ts-abort",
        "Cancelling fetch with AbortController",
        "gpt-4o",
        [
            "How do I cancel a fetch when the component unmounts?",
            code(
                "typescript",
                """
useEffect(() => {
  const controller = new AbortController();
  fetch(url, { signal: controller.signal })
    .then((r) => r.json())
    .then(setData)
    .catch((e) => {
      if (e.name !== "AbortError") setError(e);
    });
  return () => controller.abort();
}, [url]);
""",
            ),
        ],
        "AbortController in an effect cleanup.",
    ),
    Topic(
        "sql-explain",
        "Reading EXPLAIN ANALYZE",
        "gemini-1-5-pro",
        [
            "My query does a Seq Scan on a 10M-row table. Why isn't it using my index?",
            "Common causes: the predicate wraps the column in a function, the types differ, or "
            "statistics are stale.\n\n"
            + code(
                "sql",
                """
-- not sargable: lower() hides the column from a plain index
SELECT * FROM users WHERE lower(email) = 'a@b.c';
-- fix with an expression index
CREATE INDEX users_email_lower ON users (lower(email));
ANALYZE users;
""",
            ),
        ],
        "Expression indexes and ANALYZE to get index scans.",
    ),
    Topic(
        "py-context-manager",
        "Writing a context manager",
        "claude-3-5-sonnet",
        [
            "Quick way to time a block of code?",
            code(
                "python",
                """
@contextmanager
def timed(label: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        print(f"{label}: {(time.perf_counter() - start) * 1000:.1f} ms")
""",
            ),
        ],
        "contextlib.contextmanager with try/finally for timing.",
    ),
    Topic(
        "rust-serde",
        "Renaming fields with serde",
        "gpt-4o",
        [
            "The JSON uses camelCase but my struct is snake_case.",
            code(
                "rust",
                """
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Conversation {
    id: String,
    anchor_point: Option<String>,
    #[serde(default)]
    favorited: bool,
}
""",
            ),
        ],
        "serde rename_all and default for wire compatibility.",
    ),
    Topic(
        "make-help",
        "Self-documenting Makefile",
        "llama-3-8b-local",
        [
            "Can `make help` list targets automatically?",
            code(
                "makefile",
                """
help: ## Show this help
\t@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \\
\t  awk 'BEGIN {FS = ":.*?## "}; {printf "%-16s %s\\n", $$1, $$2}'

test: ## Run the tests
\tpytest -q
""",
            ),
        ],
        "A grep/awk help target reading ## comments.",
    ),
]

# The long conversation: a refactoring session, one step per pair of turns (30 pairs, 60 messages).
LONG_NAME = "Refactoring the billing service, step by step"
LONG_SUMMARY = (
    "A long pairing session splitting a 2,000-line billing module into services, "
    "with tests at every step."
)
LONG_STEPS: list[tuple[str, str, str]] = [
    (
        "invoices",
        "python",
        "def total(lines):\n    return sum((x.amount for x in lines), Decimal(0))",
    ),
    ("taxes", "python", "def vat(amount, rate):\n    return (amount * rate).quantize(CENT)"),
    ("discounts", "python", "def apply(amount, pct):\n    return amount * (100 - pct) / 100"),
    (
        "currency",
        "python",
        "@dataclass(frozen=True)\nclass Money:\n    amount: Decimal\n    currency: str",
    ),
    ("payments", "python", "class Gateway(Protocol):\n    def charge(self, money, token): ..."),
    ("refunds", "python", "def refund(payment_id: str, money: Money) -> Refund:\n    ..."),
    (
        "schema",
        "sql",
        "CREATE TABLE invoice_lines (\n  invoice_id uuid,\n  amount numeric(12, 2)\n);",
    ),
    ("queries", "sql", "SELECT invoice_id, sum(amount) FROM invoice_lines GROUP BY 1;"),
    (
        "api",
        "python",
        "@router.get('/invoices/{invoice_id}')\nasync def get_invoice(invoice_id): ...",
    ),
    (
        "webhooks",
        "python",
        "def verify(sig, body, secret):\n    return compare_digest(sig, sign(body, secret))",
    ),
]
LONG_ACTIONS: list[tuple[str, str]] = [
    (
        "Let's extract the `{part}` logic into its own module first.",
        "Here is a first cut of `billing/{part}.py`; behaviour is unchanged:",
    ),
    (
        "Now add tests for `{part}` before we change anything else.",
        "Characterisation tests pin the current behaviour of `{part}`:",
    ),
    (
        "Clean up the `{part}` code now that it's covered.",
        "With tests green, `{part}` can be simplified safely:",
    ),
]
