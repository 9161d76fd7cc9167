"""A fingerprint of the seed article (hashes of its 9-word runs), so that tests can check that the
project's own texts do not copy it without the article being in the repository.

    python tests/article.py     rewrite tests/data/article_9grams.txt from ../shared/seed/
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FINGERPRINT = HERE / "data" / "article_9grams.txt"
SEED_DIR = HERE.parents[1] / "shared" / "seed"  # shared/ sits beside the clone when it is there
WORDS = 9


def runs_of_words(text: str) -> list[str]:
    words = text.split()
    return [" ".join(words[i:i + WORDS]) for i in range(len(words) - WORDS + 1)]


def digest(run: str) -> str:
    return hashlib.sha256(run.encode()).hexdigest()[:16]


def article_fingerprint() -> set[str] | None:
    """The hashes of the seed article's 9-word runs, from ../shared/seed/ (None when it is absent)."""
    files = sorted(SEED_DIR.glob("*.txt"))
    if not files:
        return None
    return {digest(run) for path in files for run in runs_of_words(path.read_text(encoding="utf-8"))}


def stored_fingerprint() -> set[str]:
    return set(FINGERPRINT.read_text().split())


def copied_runs(text: str) -> list[str]:
    """The 9-word runs of ``text`` that also occur in the seed article."""
    stored = stored_fingerprint()
    return [run for run in runs_of_words(text) if digest(run) in stored]


if __name__ == "__main__":
    found = article_fingerprint()
    if found is None:
        sys.exit(f"no seed article in {SEED_DIR}")
    FINGERPRINT.write_text("\n".join(sorted(found)) + "\n")
    print(f"wrote {len(found)} hashes to {FINGERPRINT}")
