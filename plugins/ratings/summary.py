"""A product's rating summary from its genuine reviews: average, count, star bar, latest quotes.

Everything here quotes or counts what shoppers wrote; nothing is generated or reworded.
"""

from __future__ import annotations

#: The most review quotes a summary keeps; the widget shows the number its settings ask for.
MAX_QUOTES = 5
QUOTE_CHARS = 280


def summarise(reviews: list[dict]) -> dict:
    """Count, average and the latest verified-purchase reviews (newest first) of one product."""
    ratings = [r["rating"] for r in reviews if r["rating"] is not None]
    verified = [r for r in reviews if r["verified_purchase"] and (r["body"] or r["title"])]
    verified.sort(key=lambda r: (r["created_at"] or "", r["id"]), reverse=True)
    return {
        "count": len(ratings),
        "average": round(sum(ratings) / len(ratings), 1) if ratings else None,
        "quotes": [quote(r) for r in verified[:MAX_QUOTES]],
    }


def quote(review: dict) -> dict:
    return {
        "author_name": review["author_name"],
        "rating": review["rating"],
        "title": review["title"],
        "body": shorten(review["body"] or ""),
        "created_at": review["created_at"],
        "verified_purchase": True,
    }


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """The start of a review, cut at a word boundary and marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(".,;:!?") + "…"


def star_bar(average: float) -> list[str]:
    """Five of "full", "half", "empty": the average rounded to the nearest half star."""
    halves = max(0, min(10, round(average * 2)))
    full, half = divmod(halves, 2)
    return ["full"] * full + ["half"] * half + ["empty"] * (5 - full - half)


def label(average: float, count: int) -> str:
    """What a screen reader says: "4.5 out of 5 stars, 12 reviews"."""
    noun = "review" if count == 1 else "reviews"
    return f"{number(average)} out of 5 stars, {count} {noun}"


def number(average: float) -> str:
    return f"{average:.1f}".removesuffix(".0")
