"""Demo customers: names, addresses and a private buying *persona* each.

Personas drive the order simulation: one-time buyers, occasional buyers, loyal regulars,
customers who buy a few times and then lapse (what churn alerts should catch), holiday-only
shoppers, and sign-ups who never buy. Emails use only the reserved example.* domains.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from shopwright.host.demo.timeline import Timeline, iso, uniform_moment

FIRST_NAMES = [
    "Ava", "Liam", "Maya", "Noah", "Zoe", "Ethan", "Priya", "Mateo", "Hannah", "Omar", "Grace", "Lucas",
    "Aisha", "Owen", "Chloe", "Diego", "Nora", "Samuel", "Leah", "Kenji", "Ruby", "Elijah", "Ines", "Caleb",
    "Fatima", "Henry", "Sofia", "Isaac", "Mei", "Julian", "Amara", "Felix", "Clara", "Ravi", "Elena", "Theo",
    "Naomi", "Jonah", "Lucia", "Marcus", "Ingrid", "Tomas", "Yara", "Simon", "Freya", "Daniel", "Keiko", "Adam",
    "Beatriz", "Hugo", "Lena", "Arjun", "Willa", "Malik", "Esther", "Rowan", "Camila", "Declan", "Sana", "Miles",
]
LAST_NAMES = [
    "Anderson", "Okafor", "Nguyen", "Garcia", "Kowalski", "Patel", "Larsen", "Moreau", "Haddad", "Kim",
    "Fitzgerald", "Rossi", "Schmidt", "Tanaka", "Oyelaran", "Johansson", "Silva", "Murphy", "Chen", "Novak",
    "Ibrahim", "Dubois", "Walsh", "Mendez", "Lindqvist", "Sato", "Romero", "Brennan", "Adeyemi", "Horvath",
    "Castillo", "Berg", "Reyes", "Ahmed", "Keller", "Park", "O'Neill", "Vasquez", "Morgan", "Fischer",
    "Bianchi", "Hughes", "Nakamura", "Popescu", "Delgado", "Quinn", "Sorensen", "Mahmoud", "Carter", "Yilmaz",
]
STREETS = ["Maple", "Cedar", "Harbor", "Willow", "Juniper", "Mill", "Orchard", "Lakeview", "Ridge", "Elm",
           "Birch", "Station", "Church", "Meadow", "Spruce", "Hillcrest", "Bay", "Aspen", "Park", "Grove"]
STREET_TYPES = ["St", "Ave", "Rd", "Ln", "Way", "Dr", "Ct", "Pl"]
# (city, region, postal code prefix, country). Mostly US, as a USD shop's customers would be.
CITIES = [
    ("Portland", "OR", "972", "US"), ("Seattle", "WA", "981", "US"), ("Denver", "CO", "802", "US"),
    ("Austin", "TX", "787", "US"), ("Minneapolis", "MN", "554", "US"), ("Asheville", "NC", "288", "US"),
    ("Burlington", "VT", "054", "US"), ("Boulder", "CO", "803", "US"), ("Madison", "WI", "537", "US"),
    ("Chicago", "IL", "606", "US"), ("Brooklyn", "NY", "112", "US"), ("Boston", "MA", "021", "US"),
    ("Oakland", "CA", "946", "US"), ("San Diego", "CA", "921", "US"), ("Salt Lake City", "UT", "841", "US"),
    ("Atlanta", "GA", "303", "US"), ("Richmond", "VA", "232", "US"), ("Bend", "OR", "977", "US"),
    ("Ann Arbor", "MI", "481", "US"), ("Santa Fe", "NM", "875", "US"), ("Pittsburgh", "PA", "152", "US"),
    ("Vancouver", "BC", "V6B", "CA"), ("Toronto", "ON", "M5V", "CA"), ("Montreal", "QC", "H2X", "CA"),
    ("Bristol", "England", "BS1", "GB"), ("Edinburgh", "Scotland", "EH1", "GB"),
    ("Melbourne", "VIC", "300", "AU"), ("Wellington", "Wellington", "601", "NZ"),
]
CITY_WEIGHTS = [5, 5, 4, 4, 3, 2, 2, 2, 2, 5, 5, 4, 3, 3, 2, 3, 2, 2, 2, 1, 2, 3, 3, 2, 2, 1, 2, 1]
# North America's 555-01xx and Ofcom's 020 7946 0xxx ranges are set aside for fiction; other
# countries' customers simply leave the phone blank.
FICTIONAL_PHONE_FORMATS = {
    "US": "+1 {area}-555-01{n:02d}", "CA": "+1 {area}-555-01{n:02d}",
    "GB": "+44 20 7946 0{n:03d}",
}
EMAIL_DOMAINS = ["example.com", "example.org", "example.net"]
# Persona shares; "browser" signs up but never orders.
PERSONAS = {"one_time": 34, "occasional": 24, "loyal": 13, "lapsed": 14, "seasonal": 8, "browser": 7}


@dataclass(slots=True)
class CustomerProfile:
    """A customer's private simulation state."""

    email: str
    name: str                  # "Ava N." as shown on reviews
    created_at: datetime
    persona: str
    favourite_categories: list[str]


def build_customers(rng: random.Random, count: int, timeline: Timeline,
                    categories: list[str]) -> tuple[list[dict], list[CustomerProfile]]:
    """Return ``count`` customers in import format (ordered by sign-up) and their profiles."""
    taken: set[str] = set()
    pairs = [_make_customer(rng, timeline, categories, taken) for _ in range(count)]
    pairs.sort(key=lambda pair: pair[1].created_at)
    return [customer for customer, _ in pairs], [profile for _, profile in pairs]


def random_name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def display_name(first: str, last: str) -> str:
    return f"{first} {last[0]}."


def _make_customer(rng: random.Random, timeline: Timeline, categories: list[str],
                   taken: set[str]) -> tuple[dict, CustomerProfile]:
    first, last = random_name(rng)
    persona = rng.choices(list(PERSONAS), weights=list(PERSONAS.values()))[0]
    created_at = _sign_up_moment(rng, timeline, persona)
    email = _unique_email(rng, first, last, taken)
    city, region, postal_prefix, country = rng.choices(CITIES, weights=CITY_WEIGHTS)[0]
    customer = {
        "email": email, "first_name": first, "last_name": last, "phone": _phone(rng, country),
        "address1": f"{rng.randint(1, 9899)} {rng.choice(STREETS)} {rng.choice(STREET_TYPES)}",
        "city": city, "region": region, "postal_code": _postal_code(rng, postal_prefix, country),
        "country": country, "accepts_marketing": rng.random() < 0.55, "created_at": iso(created_at),
    }
    favourites = rng.sample(categories, rng.choice((1, 2, 2, 3)))
    return customer, CustomerProfile(email, display_name(first, last), created_at, persona, favourites)


def _sign_up_moment(rng: random.Random, timeline: Timeline, persona: str) -> datetime:
    """Sign-up time that leaves each persona room to behave like itself."""
    if persona in ("loyal", "lapsed"):
        # Regulars and lapsers need history: most joined before the window opened.
        return uniform_moment(rng, timeline.months_ago(40), timeline.months_ago(14))
    if persona == "seasonal":
        return uniform_moment(rng, timeline.months_ago(36), timeline.months_ago(13))
    return uniform_moment(rng, timeline.months_ago(30), timeline.months_ago(0.5))


def _unique_email(rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    local_last = last.lower().replace("'", "")
    styles = (f"{first}.{local_last}", f"{first}{local_last}", f"{first[0]}.{local_last}", f"{first}_{local_last}")
    local = rng.choice(styles).lower()
    email = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
    while email in taken:
        email = f"{local}{rng.randint(2, 999)}@{rng.choice(EMAIL_DOMAINS)}"
    taken.add(email)
    return email


def _phone(rng: random.Random, country: str) -> str | None:
    """Numbers from the ranges each country reserves for fiction; about a third leave it blank."""
    if rng.random() < 0.35 or country not in FICTIONAL_PHONE_FORMATS:
        return None
    return FICTIONAL_PHONE_FORMATS[country].format(area=rng.randint(201, 989), n=rng.randint(0, 99))


def _postal_code(rng: random.Random, prefix: str, country: str) -> str:
    letters = "ABCEGHJKLMNPRSTVWXYZ"
    if country == "CA":
        return f"{prefix} {rng.randint(1, 9)}{rng.choice(letters)}{rng.randint(1, 9)}"
    if country == "GB":
        return f"{prefix} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    if country in ("AU", "NZ"):
        return f"{prefix}{rng.randint(0, 9)}"
    return f"{prefix}{rng.randint(0, 99):02d}"
