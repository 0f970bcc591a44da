"""The words the claim extractor knows: materials, colours, certifications, product features.

Each entry maps a canonical name to the spellings (regular expressions, matched as whole words,
case-insensitive unless marked) that mean it. Multi-word names are listed before the single words
inside them, so "stainless steel" is one claim, not "steel". The lists are English; claims in
other languages are caught only where they carry numbers and units.
"""

from __future__ import annotations

import re

MATERIALS: dict[str, str] = {
    "stainless steel": r"stainless(?:[- ]steel)?|inox",
    "carbon steel": r"carbon[- ]steel",
    "cast iron": r"cast[- ]iron",
    "carbon fibre": r"carbon[- ]fib(?:re|er)",
    "merino wool": r"merino(?:[- ]wool)?",
    "faux leather": r"faux[- ]leather|vegan[- ]leather|pu[- ]leather|leatherette",
    "memory foam": r"memory[- ]foam",
    "steel": r"steel",
    "iron": r"iron",
    "copper": r"copper",
    "brass": r"brass",
    "bronze": r"bronze",
    "aluminium": r"alumin(?:i?um)",
    "titanium": r"titanium",
    "silver": r"silver|sterling",
    "gold": r"gold",
    "zinc": r"zinc",
    "tin": r"tin",
    "chrome": r"chrome|chromed",
    "plastic": r"plastics?",
    "polypropylene": r"polypropylene",
    "polyester": r"polyester",
    "polyamide": r"polyamide",
    "nylon": r"nylon",
    "acrylic": r"acrylic",
    "polycarbonate": r"polycarbonate",
    "pvc": r"pvc",
    "abs": r"abs(?= plastic)",
    "tritan": r"tritan",
    "silicone": r"silicone",
    "rubber": r"rubber",
    "latex": r"latex",
    "neoprene": r"neoprene",
    "foam": r"foam",
    "cotton": r"cotton",
    "wool": r"wool(?:len)?",
    "cashmere": r"cashmere",
    "alpaca": r"alpaca",
    "mohair": r"mohair",
    "silk": r"silk(?:en)?",
    "linen": r"linen",
    "hemp": r"hemp",
    "jute": r"jute",
    "bamboo": r"bamboo",
    "viscose": r"viscose|rayon",
    "lyocell": r"lyocell|tencel",
    "modal": r"modal",
    "elastane": r"elastane|spandex|lycra",
    "fleece": r"fleece",
    "denim": r"denim",
    "canvas": r"canvas",
    "suede": r"suede",
    "leather": r"leather",
    "down": r"goose[- ]down|duck[- ]down",
    "wood": r"wood(?:en)?|timber",
    "oak": r"oak",
    "walnut": r"walnut",
    "beech": r"beech",
    "maple": r"maple",
    "pine": r"pine",
    "teak": r"teak",
    "acacia": r"acacia",
    "birch": r"birch",
    "cork": r"cork",
    "glass": r"glass",
    "borosilicate glass": r"borosilicate",
    "crystal": r"crystal",
    "ceramic": r"ceramics?",
    "porcelain": r"porcelain",
    "stoneware": r"stoneware",
    "earthenware": r"earthenware|terracotta",
    "enamel": r"enamel(?:led|ed)?",
    "marble": r"marble",
    "granite": r"granite",
    "slate": r"slate",
    "concrete": r"concrete",
    "paper": r"paper",
    "cardboard": r"cardboard",
    "beeswax": r"beeswax",
    "soy wax": r"soy[- ]wax",
}

COLOURS: dict[str, str] = {
    "rose gold": r"rose[- ]gold",
    "navy": r"navy(?:[- ]blue)?",
    "sky blue": r"sky[- ]blue",
    "white": r"white",
    "black": r"black",
    "blue": r"blue",
    "red": r"red",
    "green": r"green",
    "yellow": r"yellow",
    "orange": r"orange",
    "purple": r"purple|violet",
    "pink": r"pink",
    "brown": r"brown",
    "grey": r"gr[ae]y",
    "beige": r"beige",
    "cream": r"cream",
    "ivory": r"ivory",
    "charcoal": r"charcoal",
    "olive": r"olive",
    "teal": r"teal",
    "turquoise": r"turquoise",
    "burgundy": r"burgundy|maroon",
    "khaki": r"khaki",
    "tan": r"tan",
    "lilac": r"lilac|lavender",
    "mint": r"mint",
    "coral": r"coral",
    "mustard": r"mustard",
}
#: A colour word followed by one of these is not about the product's colour ("black coffee").
NOT_COLOUR_AFTER = frozenset({
    "coffee", "tea", "wine", "pepper", "friday", "energy", "light", "belt", "box", "market", "hole", "sea",
    "juice", "card", "carpet", "flag", "tape", "cross", "house", "list", "ops",
})

#: A material word followed by one of these is a figure of speech ("crystal clear").
NOT_MATERIAL_AFTER = frozenset({"clear", "standard", "lining", "medal", "rush", "age", "mine"})

CERTIFICATIONS: dict[str, str] = {
    "oeko-tex": r"oeko[- ]?tex(?:[®]?\s*(?:standard\s*)?100)?",
    "gots": r"gots",
    "fsc": r"fsc",
    "pefc": r"pefc",
    "fairtrade": r"fair[- ]?trade",
    "b corp": r"b[- ]?corp",
    "bluesign": r"bluesign",
    "energy star": r"energy[- ]star",
    "rohs": r"rohs",
    "bpa-free": r"bpa[- ]free",
    "organic": r"organic",
    "recycled": r"recycled",
    "vegan": r"vegan",
    "cruelty-free": r"cruelty[- ]free",
    "usda": r"usda",
    "iso": r"iso\s?\d{4,5}",
    "ip rating": r"ip[x0-9]\d",
}
#: Marks written in capitals only: "CE" and "UL" are ordinary letters otherwise.
CERTIFICATIONS_CASED: dict[str, str] = {"ce": r"CE(?:[- ]marked| mark)?", "ul": r"UL(?:[- ]listed)?"}

FEATURES: dict[str, str] = {
    "waterproof": r"water[- ]?proof",
    "water-resistant": r"water[- ]resistant|water[- ]repellent",
    "windproof": r"wind[- ]?proof",
    "dishwasher-safe": r"dishwasher[- ]safe",
    "microwave-safe": r"microwave[- ]safe",
    "oven-safe": r"oven[- ](?:safe|proof)",
    "freezer-safe": r"freezer[- ]safe",
    "induction": r"induction[- ](?:ready|compatible|safe)",
    "machine-washable": r"machine[- ]wash(?:able)?",
    "hand-wash": r"hand[- ]wash(?:\s+only)?",
    "non-stick": r"non[- ]?stick",
    "leak-proof": r"leak[- ]?proof",
    "spill-proof": r"spill[- ]?proof",
    "rechargeable": r"rechargeable",
    "wireless": r"wireless",
    "cordless": r"cordless",
    "bluetooth": r"bluetooth",
    "vacuum-insulated": r"vacuum[- ]insulated",
    "double-walled": r"double[- ]wall(?:ed)?",
    "insulated": r"insulated",
    "shatterproof": r"shatter[- ]?proof|unbreakable",
    "scratch-resistant": r"scratch[- ]resistant",
    "uv-resistant": r"uv[- ](?:resistant|protection|protected)|upf\s?\d+",
    "breathable": r"breathable",
    "hypoallergenic": r"hypo[- ]?allergenic",
    "antibacterial": r"anti[- ]?bacterial|antimicrobial",
    "foldable": r"foldable|collapsible",
    "handmade": r"hand[- ]?made|handcrafted|hand[- ]crafted",
    "food-safe": r"food[- ](?:safe|grade)",
}

NEGATIONS = frozenset({"not", "no", "never", "isn't", "isnt", "aren't", "arent", "without"})


def vocabulary_pattern(entries: dict[str, str], cased: bool = False) -> re.Pattern:
    """One regex over every spelling, whole words only; the group name says which entry."""
    flags = 0 if cased else re.IGNORECASE
    alternatives = [f"(?P<e{i}>{pattern})" for i, pattern in enumerate(entries.values())]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", flags)


def canonical(entries: dict[str, str], match: re.Match) -> str:
    names = list(entries)
    for index, name in enumerate(names):
        if match.group(f"e{index}") is not None:
            return name
    raise ValueError("no entry in match")
