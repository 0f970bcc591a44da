"""Demo reviews: ratings around each product's quality, with text that agrees with the rating.

Bodies are assembled from hand-written sentences that name the product's real material or
feature, its sizing quirk (so "runs small" shows up on the products that do), delivery and value.
Most reviews follow an order (verified purchases); some come from customers who never bought the
product, or from anonymous visitors. ``verified_purchase`` is computed from the orders, never
guessed. These are fixtures for a demo shop: no plugin writes reviews (see the house rules).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from shopwright.host.demo.catalogue import ProductProfile
from shopwright.host.demo.orders import OrderRecord
from shopwright.host.demo.people import CustomerProfile, display_name, random_name
from shopwright.host.demo.timeline import Timeline, iso, uniform_moment

REVIEW_SHARE = 0.16         # share of purchased lines that get reviewed
UNVERIFIED_SHARE = 0.25     # extra reviews, relative to the verified ones, from non-buyers
ANONYMOUS_SHARE = 0.4       # of those, written without an account
ONE_STAR_SHARE = 0.05       # the broken-on-arrival and never-again reviews every shop gets

# {main} is the product's material or scent, {feature} its standout detail.
QUALITY_SENTENCES: dict[str, dict[str, list[str]]] = {
    "Apparel": {
        "good": [
            "The {main} is soft and not itchy at all.",
            "Love that it has {feature}, and it still holds its shape after many washes.",
            "The {main} is warm without being bulky.",
            "The colour matches the photos and the {main} feels substantial.",
        ],
        "bad": [
            "The {main} started pilling after two washes.",
            "Even with {feature}, it lost its shape within a week.",
            "The {main} is much thinner than the photos suggest.",
            "A seam came loose and the {main} feels cheap.",
        ],
    },
    "Footwear": {
        "good": [
            "The {main} broke in within a few days and they've been comfortable ever since.",
            "I like that they have {feature}.",
            "The {main} has held up to a whole muddy season.",
            "Comfortable all day, and the {main} still looks new.",
        ],
        "bad": [
            "The {main} creased and cracked within a month.",
            "Even with {feature}, my feet ached after an hour.",
            "The {main} soaked through on the first rainy walk.",
            "Stitching near the toe came apart and the {main} scuffs easily.",
        ],
    },
    "Kitchen": {
        "good": [
            "The {main} feels solid and well finished.",
            "I use it every day and really like that it has {feature}.",
            "The {main} has held up to daily use without a mark.",
            "Looks beautiful on the counter; the {main} is good quality.",
        ],
        "bad": [
            "The {main} chipped within the first month.",
            "Even with {feature}, it's awkward to use.",
            "Mine arrived with a flaw in the {main}.",
            "The {main} feels flimsy and nothing like the photos.",
        ],
    },
    "Home Decor": {
        "good": [
            "The {main} is lovely in person, even better than the photos.",
            "I like that it has {feature}.",
            "The {main} adds real warmth to our living room.",
            "It has a good weight and the {main} looks expensive.",
        ],
        "bad": [
            "The {main} looks cheaper in person than in the photos.",
            "Even with {feature}, it looks unfinished.",
            "Mine arrived with a crack in the {main}.",
            "The {main} is far duller than shown.",
        ],
    },
    "Outdoor & Camping": {
        "good": [
            "The {main} held up on a wet weekend in the mountains.",
            "Light, packs small, and I like that it has {feature}.",
            "The {main} is tough; it has survived three trips so far.",
            "Worked perfectly on a week-long trip and the {main} shows no wear.",
        ],
        "bad": [
            "The {main} tore on the second trip.",
            "Even with {feature}, it's fiddly to use at camp.",
            "Heavier than listed, and the {main} feels flimsy.",
            "The {main} let water in during light rain.",
        ],
    },
    "Bags": {
        "good": [
            "The {main} has aged nicely and still looks great.",
            "Fits everything I need, and I like that it has {feature}.",
            "The {main} shrugged off a rainy commute.",
            "Well made; the {main} and stitching feel built to last.",
        ],
        "bad": [
            "The {main} scuffed within the first week.",
            "Even with {feature}, it's awkward to pack.",
            "A strap came loose and the {main} is thinner than expected.",
            "The {main} smells strongly of chemicals.",
        ],
    },
    "Bath & Body": {
        "good": [
            "The {main} scent is lovely and not overpowering.",
            "My skin feels soft, and I love {feature}.",
            "The {main} scent lingers and the bathroom smells great.",
            "Gentle on my sensitive skin; the {main} is subtle.",
        ],
        "bad": [
            "The {main} scent is far too strong.",
            "Even with {feature}, it dried out my skin.",
            "The {main} scent faded within a day.",
            "It gave me a rash, and the {main} smells synthetic.",
        ],
    },
    "Stationery": {
        "good": [
            "The {main} feels premium and well made.",
            "I like that it has {feature}.",
            "The {main} has held up in my bag for months.",
            "A joy to use; the {main} looks great on my desk.",
        ],
        "bad": [
            "The {main} started fraying within a few weeks.",
            "Even with {feature}, it's fiddly to use.",
            "The {main} scratched easily and feels cheap.",
            "The {main} arrived bent.",
        ],
    },
    "Garden": {
        "good": [
            "The {main} is sturdy and has lasted a full season.",
            "Comfortable to use; I like that it has {feature}.",
            "The {main} has weathered nicely outdoors.",
            "Tough enough for our clay soil, and the {main} hasn't bent.",
        ],
        "bad": [
            "The {main} cracked after one winter outside.",
            "Even with {feature}, it's tiring to use.",
            "The {main} bent the first time I used it properly.",
            "The finish on the {main} wore off within weeks.",
        ],
    },
    "Lighting": {
        "good": [
            "The {main} looks beautiful and the light is warm.",
            "Easy to set up, and I like that it has {feature}.",
            "The {main} is well made and feels substantial.",
            "Gives a lovely glow in the evenings; the {main} is gorgeous.",
        ],
        "bad": [
            "The {main} arrived dented.",
            "Even with {feature}, the light is harsh and flickers.",
            "The {main} looks cheap in person.",
            "It stopped working after three weeks, and the {main} feels flimsy.",
        ],
    },
}
FIT_SENTENCES = {
    "small": ["Sizes run small, so order one size up.", "Runs a full size small; I exchanged it for the next size.",
              "Snug fit. I'd size up next time."],
    "large": ["Runs large, so consider sizing down.", "Generous fit; I usually take a medium and the small fits."],
    "true": ["True to size for me.", "Fits exactly as the size chart says."],
}
EXTRA_SENTENCES = {
    "good": ["Arrived in two days, well packed.", "Shipping was quick and the packaging was plastic-free.",
             "Worth every penny.", "Great value for the quality.", "Bought it as a gift and it went down very well.",
             "Already thinking about ordering a second one."],
    "bad": ["Delivery took almost two weeks.", "The box arrived crushed.", "Overpriced for what you get.",
            "Customer service was slow to reply about a return.", "Not worth the money.",
            "Tracking said delivered three days before it actually arrived."],
}
MIXED_JOINERS = ["{good} That said, {bad_l}", "{good} Unfortunately, {bad_l}", "{bad} On the plus side, {good_l}"]
TITLES = {
    5: ["Love it", "Worth every penny", "Exactly as described", "Our new favourite", "Five stars", "Lovely {main}"],
    4: ["Really nice", "Very good, one small gripe", "Solid choice", "Happy with it", "Nice {main}"],
    3: ["It's okay", "Mixed feelings", "Good but not great", "Decent for the price"],
    2: ["Disappointed", "Not as described", "Expected better", "Not great"],
    1: ["Would not buy again", "Fell apart", "Returned it", "Very disappointed"],
}


def build_reviews(rng: random.Random, orders: list[OrderRecord], customers: list[CustomerProfile],
                  profiles: list[ProductProfile], timeline: Timeline) -> list[dict]:
    """Verified reviews following orders plus unverified ones, numbered in date order."""
    first_bought = _first_purchases(orders)
    by_handle = {profile.handle: profile for profile in profiles}
    names = {customer.email: customer.name for customer in customers}
    drafts = _verified_drafts(rng, orders, by_handle, names, timeline)
    drafts += _unverified_drafts(rng, len(drafts), customers, profiles, timeline)
    drafts.sort(key=lambda draft: (draft[0], draft[1].handle))
    reviews, seen = [], set()
    for created_at, product, email, author in drafts:
        if email and (email, product.handle) in seen:
            continue  # one review per customer and product
        seen.add((email, product.handle))
        bought = first_bought.get((email, product.handle)) if email else None
        reviews.append(_review(rng, len(reviews) + 1, product, email, author, created_at,
                               verified=bought is not None and bought < created_at))
    return reviews


def _first_purchases(orders: list[OrderRecord]) -> dict[tuple[str, str], datetime]:
    """(email, product handle) -> when the customer first ordered it (orders are sorted)."""
    first: dict[tuple[str, str], datetime] = {}
    for order in orders:
        for line in order.lines:
            first.setdefault((order.email, line.handle), order.placed_at)
    return first


def _verified_drafts(rng: random.Random, orders: list[OrderRecord], by_handle: dict[str, ProductProfile],
                     names: dict[str, str], timeline: Timeline) -> list[tuple]:
    """Reviews written 4-45 days after a delivered (not cancelled) order line."""
    drafts = []
    for order in orders:
        if order.status == "cancelled":
            continue
        for line in order.lines:
            created_at = order.placed_at + timedelta(days=rng.uniform(4, 45))
            if rng.random() < REVIEW_SHARE and created_at < timeline.now:
                drafts.append((created_at, by_handle[line.handle], order.email, names[order.email]))
    return drafts


def _unverified_drafts(rng: random.Random, verified_count: int, customers: list[CustomerProfile],
                       profiles: list[ProductProfile], timeline: Timeline) -> list[tuple]:
    active = [profile for profile in profiles if profile.active]
    drafts = []
    for _ in range(int(verified_count * UNVERIFIED_SHARE)):
        product = rng.choice(active)
        if rng.random() < ANONYMOUS_SHARE:
            created_at = uniform_moment(rng, timeline.start, timeline.now)
            drafts.append((created_at, product, None, display_name(*random_name(rng))))
            continue
        customer = rng.choice(customers)
        created_at = uniform_moment(rng, max(customer.created_at, timeline.start), timeline.now)
        drafts.append((created_at, product, customer.email, customer.name))
    return drafts


def _review(rng: random.Random, number: int, product: ProductProfile, email: str | None, author: str,
            created_at: datetime, *, verified: bool) -> dict:
    rating = _rating(rng, product)
    return {
        "external_id": f"rev-{number:06d}", "product_handle": product.handle, "customer_email": email,
        "author_name": author, "rating": rating,
        "title": rng.choice(TITLES[rating]).format(main=product.main),
        "body": review_body(rng, product, rating), "verified_purchase": verified,
        "created_at": iso(created_at),
    }


def _rating(rng: random.Random, product: ProductProfile) -> int:
    """Star ratings pile up at 5 with a smaller bump at 1, the J shape real shops see."""
    if rng.random() < ONE_STAR_SHARE:
        return 1
    rating = round(rng.gauss(product.quality, 0.95))
    if product.fit == "small" and rng.random() < 0.15:
        rating -= 1  # a size exchange costs a star now and then
    return max(1, min(5, rating))


def review_body(rng: random.Random, product: ProductProfile, rating: int) -> str:
    """Two to four sentences whose sentiment follows the rating and that name the product's facts."""
    sentences = QUALITY_SENTENCES[product.category]
    good = _fill(rng.choice(sentences["good"]), product)
    bad = _fill(rng.choice(sentences["bad"]), product)
    if rating == 3:
        joiner = rng.choice(MIXED_JOINERS)
        parts = [joiner.format(good=good, bad=bad, good_l=_lower_first(good), bad_l=_lower_first(bad))]
        mood = rng.choice(("good", "bad"))
    else:
        mood = "good" if rating >= 4 else "bad"
        parts = [good if mood == "good" else bad]
    if product.fit and rng.random() < 0.65:
        parts.append(rng.choice(FIT_SENTENCES[product.fit]))
    parts += rng.sample(EXTRA_SENTENCES[mood], rng.randint(0, 2))
    return " ".join(parts)


def _fill(template: str, product: ProductProfile) -> str:
    sentence = template.format(main=product.main, feature=product.feature)
    return sentence[0].upper() + sentence[1:]


def _lower_first(sentence: str) -> str:
    if sentence.startswith(("I ", "I'")):
        return sentence
    return sentence[0].lower() + sentence[1:]
