"""Numbers with units: parsing ("1-9/16\"", "0,35 l", "1,000 mAh") and normalising to one base
unit per dimension, so "350 ml" and "0.35 l" compare equal and 9/16" never equals 1-9/16".

A unit reading is (dimension, factor to the base unit, system). Some symbols have two readings
("oz" is a weight or a fluid volume); a quantity keeps every reading and matches on any.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

METRIC, IMPERIAL, NEUTRAL = "metric", "imperial", "neutral"

# name -> list of (dimension, factor to base unit, system). Bases: ml, g, mm, W, V, mAh, Wh, %,
# minutes, MB, Hz, °C (temperatures are converted, not scaled).
UNITS: dict[str, list[tuple[str, float, str]]] = {
    "ml": [("volume", 1, METRIC)], "cl": [("volume", 10, METRIC)], "dl": [("volume", 100, METRIC)],
    "l": [("volume", 1000, METRIC)], "fl oz": [("volume", 29.5735, IMPERIAL)],
    "gal": [("volume", 3785.41, IMPERIAL)], "cup": [("volume", 236.588, IMPERIAL)],
    "mg": [("mass", 0.001, METRIC)], "g": [("mass", 1, METRIC)], "kg": [("mass", 1000, METRIC)],
    "oz": [("mass", 28.3495, IMPERIAL), ("volume", 29.5735, IMPERIAL)], "lb": [("mass", 453.592, IMPERIAL)],
    "mm": [("length", 1, METRIC)], "cm": [("length", 10, METRIC)], "m": [("length", 1000, METRIC)],
    "km": [("length", 1e6, METRIC)], "in": [("length", 25.4, IMPERIAL)], "ft": [("length", 304.8, IMPERIAL)],
    "yd": [("length", 914.4, IMPERIAL)],
    "W": [("power", 1, NEUTRAL)], "kW": [("power", 1000, NEUTRAL)], "V": [("voltage", 1, NEUTRAL)],
    "mAh": [("charge", 1, NEUTRAL)], "Ah": [("charge", 1000, NEUTRAL)],
    "Wh": [("energy", 1, NEUTRAL)], "kWh": [("energy", 1000, NEUTRAL)],
    "%": [("percent", 1, NEUTRAL)],
    "min": [("time", 1, NEUTRAL)], "h": [("time", 60, NEUTRAL)], "day": [("time", 1440, NEUTRAL)],
    "week": [("time", 10080, NEUTRAL)], "month": [("time", 43830, NEUTRAL)], "year": [("time", 525960, NEUTRAL)],
    "MB": [("data", 1, NEUTRAL)], "GB": [("data", 1000, NEUTRAL)], "TB": [("data", 1e6, NEUTRAL)],
    "Hz": [("frequency", 1, NEUTRAL)], "kHz": [("frequency", 1e3, NEUTRAL)], "GHz": [("frequency", 1e9, NEUTRAL)],
    "°C": [("temperature", 1, METRIC)], "°F": [("temperature", 1, IMPERIAL)],
}

# Spellings of each unit, longest first within the regex. Symbols that are ordinary words or
# letters elsewhere ("in", "m", "L", "W", "V", "h", "g") are matched case-sensitively and only
# right after a number.
SPELLINGS: list[tuple[str, str]] = [
    (r"(?i:millilit(?:re|er)s?|ml)", "ml"), (r"(?i:centilit(?:re|er)s?|cl)", "cl"), (r"(?i:dl)", "dl"),
    (r"(?i:fl\.?\s?oz\.?|fluid\s+ounces?)", "fl oz"), (r"(?i:lit(?:re|er)s?|ltr)", "l"), (r"[lL]", "l"),
    (r"(?i:gallons?|gal)", "gal"), (r"(?i:cups?)", "cup"),
    (r"(?i:milligrams?|mg)", "mg"), (r"(?i:kilo(?:gram)?s?|kgs?)", "kg"), (r"(?i:grams?|grammes?)", "g"),
    (r"g", "g"), (r"(?i:ounces?|oz)", "oz"), (r"(?i:pounds?|lbs?)", "lb"),
    (r"(?i:millimet(?:re|er)s?|mm)", "mm"), (r"(?i:centimet(?:re|er)s?|cm)", "cm"),
    (r"(?i:kilomet(?:re|er)s?|km)", "km"), (r"(?i:met(?:re|er)s?)", "m"), (r"m", "m"),
    (r"(?i:inch(?:es)?)", "in"), (r"in(?=\.|\s*(?:[x×,;)]|$|long|wide|tall|high|deep|across|diameter))", "in"),
    (r"(?:\"|″|”|'')", "in"), (r"(?i:feet|foot|ft)", "ft"), (r"(?i:yards?|yd)", "yd"),
    (r"(?i:kilowatt[- ]hours?)|kWh", "kWh"), (r"(?i:watt[- ]hours?)|Wh", "Wh"), (r"(?i:kilowatts?)|kW", "kW"),
    (r"(?i:watts?)|W", "W"), (r"(?i:volts?)|V", "V"), (r"(?i:mah)", "mAh"), (r"Ah", "Ah"),
    (r"%|(?i:per\s?cent)", "%"),
    (r"(?i:minutes?|mins?)", "min"), (r"(?i:hours?|hrs?)|h", "h"), (r"(?i:days?)", "day"),
    (r"(?i:weeks?)", "week"), (r"(?i:months?)", "month"), (r"(?i:years?|yrs?)", "year"),
    (r"MB", "MB"), (r"GB", "GB"), (r"TB", "TB"), (r"kHz", "kHz"), (r"GHz", "GHz"), (r"Hz", "Hz"),
    (r"°\s?C|º\s?C|(?i:degrees?\s+celsius)", "°C"), (r"°\s?F|º\s?F|(?i:degrees?\s+fahrenheit)", "°F"),
]

VULGAR = {"½": 0.5, "¼": 0.25, "¾": 0.75, "⅛": 0.125, "⅜": 0.375, "⅝": 0.625, "⅞": 0.875, "⅓": 1 / 3, "⅔": 2 / 3}

#: A number: a mixed fraction (1-9/16, 1 9/16, 1½), a fraction (9/16), thousands (1,000) or a
#: decimal (0.35, 0,35). Never starts inside another number, so "1-9/16" is never read as 9/16
#: (a range such as "10-20 cm" is `RANGE`'s).
NUMBER_BODY = (r"(?:\d+[-\s]\d+/\d+|\d+[½¼¾⅛⅜⅝⅞⅓⅔]|[½¼¾⅛⅜⅝⅞⅓⅔]|\d+/\d+"
               r"|[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)(?![\d/])")
NUMBER = r"(?<![\w./,])(?<!\d-)" + NUMBER_BODY
UNIT = "(?:" + "|".join(f"(?P<u{i}>{pattern})" for i, (pattern, _) in enumerate(SPELLINGS)) + ")"
UNIT_KEYS = [key for _, key in SPELLINGS]
#: A number and its unit: "350 ml", "350ml", "350-ml", 9/16", "2.5-inch", "24 hours".
QUANTITY = re.compile(rf"(?P<num>{NUMBER})(?:\s?-?\s?){UNIT}(?![A-Za-z])")
_PLAIN = r"(?:[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)(?![\d/])"
#: A range sharing one unit: "10-20 cm", "2 to 4 hours" (whole or decimal numbers only, so a
#: mixed fraction such as 1-9/16" is never read as a range).
RANGE = re.compile(rf"(?<![\w./,])(?<!\d-)(?P<a>{_PLAIN})(?:\s?[-–—]\s?|\s+to\s+)(?P<b>{_PLAIN})(?:\s?-?\s?){UNIT}"
                   r"(?![A-Za-z])")
UNIT_ONLY = re.compile(rf"^\s*-?\s*{UNIT}(?![A-Za-z])")
#: Tolerance between a metric and an imperial figure (converted values are rounded in print).
CROSS_SYSTEM_TOLERANCE = 0.02
SAME_SYSTEM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Reading:
    dimension: str
    value: float  # in the dimension's base unit
    system: str
    number: float = math.nan  # as written, in `unit`
    unit: str = ""


def parse_number(raw: str) -> float | None:
    """The value of a number as NUMBER matches it; None when it is not one."""
    raw = raw.strip()
    try:
        if raw in VULGAR:
            return VULGAR[raw]
        if raw[-1] in VULGAR:
            return float(raw[:-1]) + VULGAR[raw[-1]]
        mixed = re.fullmatch(r"(\d+)[-\s](\d+)/(\d+)", raw)
        if mixed:
            return int(mixed[1]) + _fraction(mixed[2], mixed[3])
        if "/" in raw:
            top, bottom = raw.split("/")
            return _fraction(top, bottom)
        if re.fullmatch(r"[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?", raw):
            return float(raw.replace(",", ""))
        return float(raw.replace(",", "."))
    except (ValueError, ZeroDivisionError):
        return None


def _fraction(top: str, bottom: str) -> float:
    return int(top) / int(bottom)


def unit_key(match: re.Match) -> str:
    """Which unit of SPELLINGS a QUANTITY or UNIT_ONLY match found."""
    for index, key in enumerate(UNIT_KEYS):
        if match.group(f"u{index}") is not None:
            return key
    raise ValueError("no unit in match")


def readings(value: float, unit: str) -> list[Reading]:
    found = []
    for dimension, factor, system in UNITS[unit]:
        base = (value - 32) * 5 / 9 if unit == "°F" else value * factor
        found.append(Reading(dimension, base, system, value, unit))
    return found


def same_amount(a: Reading, b: Reading) -> bool:
    """Whether two readings state the same amount: exactly within one system of units, within
    rounding of a printed conversion between metric and imperial."""
    if a.dimension != b.dimension or not (math.isfinite(a.value) and math.isfinite(b.value)):
        return False
    cross = a.system != b.system and NEUTRAL not in (a.system, b.system)
    tolerance = CROSS_SYSTEM_TOLERANCE if cross else SAME_SYSTEM_TOLERANCE
    scale = max(abs(a.value), abs(b.value), 1e-12)
    return abs(a.value - b.value) <= tolerance * scale


def format_amount(value: float, unit: str) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return f"{text} {unit}" if unit != "%" else f"{text}%"
