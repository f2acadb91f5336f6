"""The rules for a store's name: trimmed, visible, at most 64 characters, unique when folded."""

from __future__ import annotations

import unicodedata

MAX_NAME_LENGTH = 64
MAX_KEY_LENGTH = 256  # the width of ``stores.name_key``
# Control, format (bidi overrides, zero-width), surrogate and line/paragraph separators:
# characters that make two names look alike or reorder the text around them.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# For the browser's own check: 1-64 characters between the first and last visible one.
NAME_PATTERN = r"\s*\S(?:[\s\S]{0,62}\S)?\s*"


def clean(raw: str) -> str:
    """The name as stored: trimmed and in canonical (NFC) form, so it looks as typed."""
    return unicodedata.normalize("NFC", raw.strip())


def fold(name: str) -> str:
    """The key two names are compared by: NFKC, case-folded, of the trimmed name."""
    return unicodedata.normalize("NFKC", name.strip()).casefold()


def problem(name: str) -> str | None:
    """What is wrong with an already cleaned name, as a sentence for the merchant; or None."""
    if not name:
        return "Enter a store name, such as “Amazon Store USA”."
    if any(unicodedata.category(ch) in INVISIBLE_CATEGORIES for ch in name):
        return (
            "The store name contains invisible or control characters (such as line breaks, "
            "zero-width spaces or text-direction marks). Type the name again without them."
        )
    if len(name) > MAX_NAME_LENGTH:
        return (
            f"Shorten the store name to {MAX_NAME_LENGTH} characters or fewer "
            f"(it has {len(name):,})."
        )
    if len(fold(name)) > MAX_KEY_LENGTH:
        return "This store name is too long once normalised. Choose a shorter name."
    return None
