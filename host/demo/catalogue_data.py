"""Hand-written tables behind the demo catalogue: categories, product kinds, materials, copy.

Each category lists product *kinds* ("Crew Sweater"); each kind lists the materials (or, for
bath products, scents) it comes in as ``(title word, attribute value)`` pairs. A product is one
kind in one material, so "Merino" + "Crew Sweater" becomes "Merino Crew Sweater" with
``{"material": "merino wool"}``. Kind fields:

- ``price``: (low, high) whole dollars; ``grams``: (low, high) shipping weight.
- ``feature``: a concrete detail, reused by descriptions and reviews so they agree.
- ``care``: care instructions for the kind, unless its material dictates them (CARE_BY_MATERIAL).
- ``attrs``: fixed attributes for the kind (capacities, dimensions, temperature ratings ...).
- ``option``: ``(name, [values])`` when the kind is sold in several sizes or capacities;
  ``("Colour", None)`` sells the product's own colours as the option. Apparel and footwear get
  their sizes from the category's ``sizing`` instead.

A category's ``certifications`` are ``(name, keywords)``: the certification is only claimed when
one of the ``|``-separated keywords occurs in the product's material ("" means any product), so a
leather boot never claims a down standard.
"""

APPAREL_SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
SHOE_SIZES = ["5", "6", "7", "8", "9", "10", "11", "12", "13"]

CATEGORIES: dict[str, dict] = {
    "Apparel": {
        "code": "APP", "sizing": "apparel", "main_key": "material",
        "vendors": ["Fernhill Knitworks", "Northbound Supply Co."],
        "colours": ["charcoal", "navy", "oatmeal", "forest green", "rust", "heather grey", "cream", "black"],
        "care": ["machine wash cold, dry flat", "hand wash cold", "machine wash warm, tumble dry low"],
        "warranty": None,
        "certifications": [
            ("OEKO-TEX Standard 100", ""), ("GOTS organic", "organic"), ("Responsible Wool Standard", "wool"),
        ],
        "kinds": [
            {
                "noun": "Crew Sweater", "price": (78, 168), "grams": (280, 460), "feature": "ribbed cuffs",
                "materials": [
                    ("Merino", "merino wool"), ("Cashmere", "cashmere blend"), ("Lambswool", "lambswool"),
                ],
            },
            {
                "noun": "Flannel Shirt", "price": (58, 98), "grams": (300, 420),
                "feature": "double-stitched seams",
                "materials": [
                    ("Brushed Cotton", "brushed cotton"), ("Organic Flannel", "organic cotton flannel"),
                    ("Heavyweight", "heavyweight cotton twill"),
                ],
            },
            {
                "noun": "Rain Jacket", "price": (120, 240), "grams": (320, 650), "feature": "taped seams",
                "care": "machine wash cold, re-proof once a season",
                "materials": [
                    ("Packable", "recycled nylon"), ("Waxed", "waxed cotton"),
                    ("Ripstop", "ripstop polyester"),
                ],
            },
            {
                "noun": "Beanie", "price": (28, 48), "grams": (70, 110), "feature": "a deep fold-over cuff",
                "materials": [
                    ("Merino", "merino wool"), ("Alpaca", "alpaca blend"), ("Cotton", "organic cotton"),
                ],
            },
            {
                "noun": "Fleece Pullover", "price": (68, 128), "grams": (340, 520),
                "feature": "a snap-front placket",
                "materials": [
                    ("Recycled", "recycled polyester fleece"), ("Sherpa", "sherpa fleece"),
                    ("Grid", "grid fleece"),
                ],
            },
            {
                "noun": "Pocket Tee", "price": (24, 42), "grams": (140, 210), "feature": "a chest pocket",
                "materials": [
                    ("Organic Cotton", "organic cotton"), ("Hemp", "hemp-cotton blend"),
                    ("Slub", "slub cotton"),
                ],
            },
        ],
    },
    "Footwear": {
        "code": "FTW", "sizing": "shoe", "main_key": "material",
        "vendors": ["Ridgeline Footwear", "Cobble & Pine"],
        "colours": ["tan", "black", "olive", "slate", "chestnut", "stone"],
        "care": ["wipe clean with a damp cloth", "brush off dirt and air dry", "spot clean, air dry"],
        "warranty": 1,
        "certifications": [("Leather Working Group gold", "leather"), ("recycled content", "recycled")],
        "kinds": [
            {
                "noun": "Trail Runner", "price": (110, 165), "grams": (560, 720),
                "feature": "a lugged rubber outsole",
                "materials": [
                    ("Mesh", "engineered mesh"), ("Waterproof", "waterproof mesh"),
                    ("Recycled Knit", "recycled knit"),
                ],
            },
            {
                "noun": "Hiking Boot", "price": (160, 260), "grams": (1100, 1500),
                "feature": "a padded ankle collar",
                "materials": [
                    ("Leather", "full-grain leather"), ("Suede", "suede"), ("Nubuck", "nubuck leather"),
                ],
            },
            {
                "noun": "House Slipper", "price": (48, 98), "grams": (300, 480),
                "feature": "a cushioned footbed",
                "materials": [
                    ("Felted Wool", "felted wool"), ("Shearling", "shearling"), ("Merino", "merino wool"),
                ],
            },
            {
                "noun": "Canvas Sneaker", "price": (65, 95), "grams": (620, 780),
                "feature": "a vulcanised rubber sole",
                "materials": [
                    ("Classic", "cotton canvas"), ("Hemp", "hemp canvas"), ("Recycled", "recycled canvas"),
                ],
            },
            {
                "noun": "Chelsea Boot", "price": (170, 240), "grams": (1000, 1300),
                "feature": "elastic side panels",
                "materials": [
                    ("Leather", "full-grain leather"), ("Suede", "suede"), ("Waxed", "waxed leather"),
                ],
            },
            {
                "noun": "Trail Sandal", "price": (55, 110), "grams": (420, 600),
                "feature": "adjustable straps",
                "materials": [
                    ("Webbing", "polyester webbing"), ("Leather", "vegetable-tanned leather"),
                    ("Cork", "cork"),
                ],
            },
        ],
    },
    "Kitchen": {
        "code": "KIT", "sizing": None, "main_key": "material",
        "vendors": ["Hearth & Hollow", "Copperline Kitchen"],
        "colours": ["white", "sage", "charcoal", "sand", "cobalt"],
        "care": ["dishwasher safe", "hand wash recommended"], "warranty": 2,
        "certifications": [
            ("FDA food contact", ""), ("LFGB", "steel"), ("FSC certified", "walnut|maple|olive wood"),
        ],
        "kinds": [
            {
                "noun": "Pour-Over Kettle 1 L", "price": (58, 120), "grams": (700, 950),
                "feature": "a gooseneck spout", "care": "wipe clean, descale monthly",
                "attrs": {"capacity_ml": 1000},
                "materials": [
                    ("Stainless", "stainless steel"), ("Copper", "copper-plated steel"),
                    ("Matte Black", "matte black steel"),
                ],
            },
            {
                "noun": "Chef Knife 20 cm", "price": (65, 190), "grams": (180, 260),
                "feature": "a full-tang handle", "care": "hand wash and dry immediately",
                "attrs": {"blade_length_cm": 20},
                "materials": [
                    ("Carbon Steel", "carbon steel"), ("Damascus", "Damascus steel"),
                    ("Stainless", "stainless steel"),
                ],
            },
            {
                "noun": "Cutting Board", "price": (45, 110), "grams": (900, 2200),
                "feature": "a juice groove", "care": "hand wash, oil with food-safe mineral oil",
                "option": ("Size", ["Small", "Medium", "Large"]), "attrs": {"dimensions_cm": "40 x 28 x 3"},
                "materials": [("Walnut", "walnut"), ("Maple", "maple"), ("Olive Wood", "olive wood")],
            },
            {
                "noun": "Skillet", "price": (45, 140), "grams": (1800, 3200), "feature": "a helper handle",
                "option": ("Diameter", ["20 cm", "26 cm", "30 cm"]),
                "materials": [
                    ("Cast Iron", "cast iron"), ("Carbon Steel", "carbon steel"),
                    ("Enamelled", "enamelled cast iron"),
                ],
            },
            {
                "noun": "Mug 350 ml", "price": (18, 34), "grams": (320, 420),
                "feature": "a wide, comfortable handle", "attrs": {"capacity_ml": 350},
                "option": ("Colour", None),
                "materials": [
                    ("Stoneware", "glazed stoneware"), ("Porcelain", "porcelain"),
                    ("Speckled", "speckled stoneware"),
                ],
            },
            {
                "noun": "Storage Jar", "price": (16, 38), "grams": (350, 900),
                "feature": "an airtight bamboo lid", "option": ("Capacity", ["500 ml", "1 L", "1.5 L"]),
                "materials": [
                    ("Glass", "borosilicate glass"), ("Ceramic", "ceramic"), ("Tin", "tinplate steel"),
                ],
            },
        ],
    },
    "Home Decor": {
        "code": "HOM", "sizing": None, "main_key": "material",
        "vendors": ["Linden Row Home", "Saltmarsh Studio"],
        "colours": ["natural", "terracotta", "ivory", "moss", "indigo", "ochre", "charcoal"],
        "care": ["spot clean only", "dust with a dry cloth"], "warranty": None,
        "certifications": [
            ("OEKO-TEX Standard 100", "wool|cotton|linen|alpaca|bouclé"), ("FSC certified", "oak|walnut"),
            ("Fair Trade", ""),
        ],
        "kinds": [
            {
                "noun": "Throw Blanket", "price": (68, 180), "grams": (900, 1600),
                "feature": "hand-knotted fringe", "care": "machine wash cold, line dry",
                "attrs": {"dimensions_cm": "130 x 170"}, "option": ("Colour", None),
                "materials": [("Wool", "wool"), ("Waffle", "cotton waffle"), ("Alpaca", "alpaca blend")],
            },
            {
                "noun": "Cushion Cover", "price": (28, 58), "grams": (150, 260), "feature": "a hidden zip",
                "care": "machine wash cold, line dry", "attrs": {"dimensions_cm": "45 x 45"},
                "option": ("Colour", None),
                "materials": [("Linen", "linen"), ("Velvet", "cotton velvet"), ("Boucle", "bouclé")],
            },
            {
                "noun": "Bud Vase", "price": (22, 64), "grams": (300, 900), "feature": "a reactive glaze",
                "attrs": {"dimensions_cm": "12 x 12 x 20"},
                "materials": [
                    ("Stoneware", "stoneware"), ("Terracotta", "terracotta"), ("Glass", "recycled glass"),
                ],
            },
            {
                "noun": "Round Wall Mirror", "price": (90, 220), "grams": (3000, 6000),
                "feature": "a bevelled edge", "care": "clean the glass with a soft cloth",
                "option": ("Diameter", ["50 cm", "70 cm"]),
                "materials": [("Oak", "oak"), ("Brass", "brass"), ("Rattan", "rattan")],
            },
            {
                "noun": "Woven Basket", "price": (30, 78), "grams": (400, 1100),
                "feature": "sturdy carry handles", "option": ("Size", ["Small", "Medium", "Large"]),
                "materials": [("Seagrass", "seagrass"), ("Jute", "jute"), ("Willow", "willow")],
            },
            {
                "noun": "Picture Frame 20 x 25", "price": (24, 60), "grams": (400, 800),
                "feature": "a glass front", "attrs": {"dimensions_cm": "25 x 30 x 2"},
                "materials": [("Oak", "oak"), ("Walnut", "walnut"), ("Aluminium", "brushed aluminium")],
            },
        ],
    },
    "Outdoor & Camping": {
        "code": "OUT", "sizing": None, "main_key": "material",
        "vendors": ["Ridgeline Outfitters", "Bearpaw Trail Co."],
        "colours": ["forest green", "orange", "sand", "navy", "charcoal"],
        "care": ["rinse and air dry", "wipe clean"], "warranty": 3,
        "certifications": [
            ("bluesign approved", "nylon"), ("Responsible Down Standard", "down"), ("PFC-free DWR", "nylon"),
        ],
        "kinds": [
            {
                "noun": "Camp Mug 350 ml", "price": (16, 42), "grams": (110, 300),
                "feature": "a folding handle", "attrs": {"capacity_ml": 350},
                "materials": [
                    ("Enamel", "enamelled steel"), ("Titanium", "titanium"),
                    ("Insulated", "double-wall stainless steel"),
                ],
            },
            {
                "noun": "2-Person Tent", "price": (240, 480), "grams": (1300, 2600),
                "feature": "two vestibules", "care": "dry fully before storing",
                "attrs": {"dimensions_cm": "220 x 130 x 105", "capacity_persons": 2, "seasons": 3},
                "materials": [
                    ("Ultralight", "silnylon"), ("Backpacking", "ripstop nylon"), ("Canvas", "cotton canvas"),
                ],
            },
            {
                "noun": "Sleeping Bag", "price": (140, 380), "grams": (800, 1600),
                "feature": "a draft collar", "care": "store loosely in the cotton storage sack",
                "attrs": {"temperature_rating_c": -5}, "option": ("Length", ["Regular", "Long"]),
                "materials": [
                    ("Down", "duck down"), ("Synthetic", "synthetic insulation"),
                    ("Recycled", "recycled synthetic fill"),
                ],
            },
            {
                "noun": "Camp Chair", "price": (60, 150), "grams": (900, 2800),
                "feature": "a built-in cup holder",
                "attrs": {"max_load_kg": 120, "dimensions_cm": "55 x 50 x 80"},
                "materials": [
                    ("Aluminium", "aluminium"), ("Hardwood", "beech hardwood"),
                    ("Steel", "powder-coated steel"),
                ],
            },
            {
                "noun": "Water Bottle", "price": (24, 48), "grams": (250, 480), "feature": "a leakproof cap",
                "care": "hand wash; not for the freezer", "option": ("Capacity", ["500 ml", "750 ml", "1 L"]),
                "materials": [
                    ("Stainless", "stainless steel"), ("Titanium", "titanium"),
                    ("Insulated", "vacuum-insulated steel"),
                ],
            },
            {
                "noun": "Hammock", "price": (45, 95), "grams": (450, 900), "feature": "tree-friendly straps",
                "attrs": {"max_load_kg": 180, "dimensions_cm": "290 x 150"},
                "materials": [
                    ("Parachute", "parachute nylon"), ("Canvas", "cotton canvas"),
                    ("Ripstop", "ripstop nylon"),
                ],
            },
        ],
    },
    "Bags": {
        "code": "BAG", "sizing": None, "main_key": "material",
        "vendors": ["Tollgate Carry", "Northbound Supply Co."],
        "colours": ["black", "olive", "tan", "navy", "field khaki"],
        "care": ["spot clean with a damp cloth", "hand wash cold, air dry"], "warranty": 5,
        "certifications": [("bluesign approved", "nylon"), ("Leather Working Group gold", "leather")],
        "kinds": [
            {
                "noun": "Daypack 20 L", "price": (85, 160), "grams": (600, 950),
                "feature": "a padded laptop sleeve",
                "attrs": {"capacity_l": 20, "dimensions_cm": "45 x 30 x 15"}, "option": ("Colour", None),
                "materials": [
                    ("Waxed Canvas", "waxed canvas"), ("Recycled", "recycled nylon"),
                    ("Ballistic", "ballistic nylon"),
                ],
            },
            {
                "noun": "Tote Bag", "price": (38, 190), "grams": (300, 900), "feature": "an inner zip pocket",
                "attrs": {"dimensions_cm": "40 x 38 x 12"}, "option": ("Colour", None),
                "materials": [
                    ("Canvas", "cotton canvas"), ("Leather", "full-grain leather"), ("Jute", "jute"),
                ],
            },
            {
                "noun": "Weekender Bag", "price": (140, 320), "grams": (1100, 1700),
                "feature": "a separate shoe compartment",
                "attrs": {"capacity_l": 45, "dimensions_cm": "55 x 30 x 28"},
                "materials": [
                    ("Leather", "full-grain leather"), ("Waxed Canvas", "waxed canvas"),
                    ("Nylon", "recycled nylon"),
                ],
            },
            {
                "noun": "Sling Bag", "price": (45, 110), "grams": (250, 450),
                "feature": "a quick-release buckle",
                "attrs": {"capacity_l": 4, "dimensions_cm": "30 x 16 x 8"},
                "materials": [
                    ("Ripstop", "ripstop nylon"), ("Leather", "vegetable-tanned leather"),
                    ("Canvas", "cotton canvas"),
                ],
            },
            {
                "noun": "Roll-Top Backpack 25 L", "price": (110, 180), "grams": (800, 1100),
                "feature": "a welded waterproof roll-top",
                "attrs": {"capacity_l": 25, "dimensions_cm": "50 x 32 x 14"},
                "materials": [
                    ("Tarpaulin", "PVC-free tarpaulin"), ("Waxed Canvas", "waxed canvas"),
                    ("Recycled", "recycled nylon"),
                ],
            },
            {
                "noun": "Laptop Sleeve 14 in", "price": (35, 95), "grams": (200, 400),
                "feature": "a soft microfibre lining", "attrs": {"dimensions_cm": "35 x 25 x 2"},
                "materials": [
                    ("Felt", "pressed felt"), ("Leather", "full-grain leather"), ("Neoprene", "neoprene"),
                ],
            },
        ],
    },
    "Bath & Body": {
        "code": "BTH", "sizing": None, "main_key": "scent",
        "vendors": ["Saltmarsh Apothecary", "Wildmeadow Soap Co."], "colours": [],
        "care": ["store in a cool, dry place", "keep out of direct sunlight"], "warranty": None,
        "certifications": [("Leaping Bunny", ""), ("vegan", ""), ("COSMOS organic", "")],
        "kinds": [
            {
                "noun": "Bar Soap 120 g", "price": (9, 14), "grams": (130, 140),
                "feature": "cold-process shea butter",
                "attrs": {"weight_g": 120, "key_ingredients": ["shea butter", "olive oil"]},
                "materials": [
                    ("Cedar & Sage", "cedar and sage"), ("Oat & Honey", "oat and honey"),
                    ("Lavender", "lavender"),
                ],
            },
            {
                "noun": "Body Wash 250 ml", "price": (16, 26), "grams": (290, 310),
                "feature": "a gentle coconut-derived lather",
                "attrs": {"volume_ml": 250, "packaging": "amber glass bottle"},
                "materials": [
                    ("Sweet Orange", "sweet orange"), ("Eucalyptus", "eucalyptus"),
                    ("Rose Geranium", "rose geranium"),
                ],
            },
            {
                "noun": "Hand Cream 75 ml", "price": (14, 24), "grams": (90, 100),
                "feature": "a non-greasy finish",
                "attrs": {"volume_ml": 75, "key_ingredients": ["shea butter", "glycerin"]},
                "materials": [("Lavender", "lavender"), ("Fig", "fig leaf"), ("Vetiver", "vetiver")],
            },
            {
                "noun": "Bath Salts 500 g", "price": (18, 28), "grams": (520, 540),
                "feature": "mineral-rich Epsom salt",
                "attrs": {"weight_g": 500, "key_ingredients": ["Epsom salt", "Dead Sea salt"]},
                "materials": [
                    ("Eucalyptus", "eucalyptus"), ("Lavender", "lavender"),
                    ("Rosemary & Mint", "rosemary and mint"),
                ],
            },
            {
                "noun": "Shampoo Bar 80 g", "price": (12, 18), "grams": (85, 95),
                "feature": "plastic-free packaging",
                "attrs": {"weight_g": 80, "key_ingredients": ["coconut oil", "nettle extract"]},
                "materials": [
                    ("Peppermint", "peppermint"), ("Tea Tree", "tea tree"), ("Citrus", "grapefruit and lime"),
                ],
            },
            {
                "noun": "Body Lotion 200 ml", "price": (18, 30), "grams": (230, 250),
                "feature": "a fast-absorbing formula",
                "attrs": {"volume_ml": 200, "packaging": "recycled aluminium bottle"},
                "materials": [
                    ("Oat & Honey", "oat and honey"), ("Sandalwood", "sandalwood"), ("Neroli", "neroli"),
                ],
            },
        ],
    },
    "Stationery": {
        "code": "STA", "sizing": None, "main_key": "material",
        "vendors": ["Quillmark Paper Co.", "Linden Row Studio"],
        "colours": ["black", "sage", "navy", "terracotta", "mustard"], "care": ["keep dry", "wipe clean"],
        "warranty": None,
        "certifications": [
            ("FSC certified", "paper|card|cedar|walnut|cork"), ("acid-free paper", "paper|card|cover"),
        ],
        "kinds": [
            {
                "noun": "Dot Grid Notebook A5", "price": (16, 34), "grams": (280, 360),
                "feature": "a lay-flat binding",
                "attrs": {"pages": 192, "paper_gsm": 100, "dimensions_cm": "21 x 14.8"},
                "option": ("Colour", None),
                "materials": [
                    ("Linen", "linen cover"), ("Kraft", "kraft card cover"), ("Leather", "leather cover"),
                ],
            },
            {
                "noun": "Fountain Pen", "price": (38, 120), "grams": (30, 60),
                "feature": "a medium steel nib", "care": "flush with water when changing inks",
                "option": ("Nib", ["Fine", "Medium", "Broad"]),
                "materials": [
                    ("Brass", "brass"), ("Aluminium", "anodised aluminium"), ("Resin", "acrylic resin"),
                ],
            },
            {
                "noun": "Desk Organiser", "price": (35, 85), "grams": (400, 1200),
                "feature": "a pen tray and phone slot", "attrs": {"dimensions_cm": "30 x 12 x 9"},
                "materials": [("Walnut", "walnut"), ("Cork", "cork"), ("Felt", "pressed felt")],
            },
            {
                "noun": "Weekly Planner", "price": (22, 38), "grams": (320, 420),
                "feature": "undated weekly spreads",
                "attrs": {"pages": 160, "paper_gsm": 90, "dimensions_cm": "21 x 14.8"},
                "materials": [
                    ("Cloth", "cloth cover"), ("Kraft", "kraft card cover"),
                    ("Vegan Leather", "vegan leather cover"),
                ],
            },
            {
                "noun": "Pencil Set of 12", "price": (10, 24), "grams": (90, 130),
                "feature": "pre-sharpened points", "attrs": {"pieces": 12},
                "materials": [
                    ("Cedar", "incense cedar"), ("Graphite", "graphite"), ("Recycled", "recycled newspaper"),
                ],
            },
            {
                "noun": "Greeting Card Set", "price": (14, 26), "grams": (120, 180),
                "feature": "matching envelopes", "attrs": {"pieces": 8, "dimensions_cm": "15 x 10.5"},
                "materials": [
                    ("Letterpress", "cotton paper"), ("Botanical", "recycled card"),
                    ("Linen", "linen-textured card"),
                ],
            },
        ],
    },
    "Garden": {
        "code": "GDN", "sizing": None, "main_key": "material",
        "vendors": ["Potting Shed Tools", "Greenacre & Co."],
        "colours": ["natural", "sage", "black", "terracotta"], "care": ["rinse and dry after use"],
        "warranty": 10,
        "certifications": [
            ("FSC certified", "cedar|larch|cork"), ("frost resistant", "terracotta|concrete|glazed"),
        ],
        "kinds": [
            {
                "noun": "Hand Trowel", "price": (22, 48), "grams": (200, 350),
                "feature": "an ash-wood handle", "care": "clean and oil the blade after use",
                "materials": [
                    ("Stainless", "stainless steel"), ("Forged", "forged carbon steel"), ("Copper", "copper"),
                ],
            },
            {
                "noun": "Bypass Pruners", "price": (28, 75), "grams": (220, 300),
                "feature": "a sap groove and locking catch", "care": "clean and oil the blade after use",
                "attrs": {"max_cut_mm": 20},
                "materials": [
                    ("Forged", "forged steel"), ("High-Carbon", "high-carbon steel"),
                    ("Stainless", "stainless steel"),
                ],
            },
            {
                "noun": "Planter", "price": (24, 120), "grams": (1200, 6000),
                "feature": "a drainage hole and saucer", "care": "bring indoors over winter",
                "option": ("Size", ["Small", "Medium", "Large"]),
                "materials": [
                    ("Terracotta", "terracotta"), ("Concrete", "concrete"), ("Glazed", "glazed ceramic"),
                ],
            },
            {
                "noun": "Watering Can 5 L", "price": (35, 110), "grams": (800, 1400),
                "feature": "a long brass rose", "attrs": {"capacity_l": 5},
                "materials": [
                    ("Galvanised", "galvanised steel"), ("Copper", "copper"),
                    ("Recycled", "recycled plastic"),
                ],
            },
            {
                "noun": "Garden Kneeler", "price": (18, 40), "grams": (250, 500),
                "feature": "extra-thick padding", "attrs": {"dimensions_cm": "45 x 28 x 4"},
                "materials": [("Cork", "cork"), ("Foam", "recycled foam"), ("Canvas", "waxed canvas")],
            },
            {
                "noun": "Raised Garden Bed", "price": (120, 280), "grams": (9000, 18000),
                "feature": "tool-free assembly", "care": "no treatment needed",
                "attrs": {"dimensions_cm": "120 x 60 x 30"},
                "materials": [("Cedar", "cedar"), ("Galvanised", "galvanised steel"), ("Larch", "larch")],
            },
        ],
    },
    "Lighting": {
        "code": "LGT", "sizing": None, "main_key": "material",
        "vendors": ["Lumen & Loom", "Copperline Lighting"], "colours": ["brass", "black", "white", "natural"],
        "care": ["dust with a dry cloth", "switch off before cleaning"], "warranty": 2,
        "certifications": [("UL listed", ""), ("Energy Star", ""), ("IP44 rated", "cable")],
        "kinds": [
            {
                "noun": "Table Lamp", "price": (75, 190), "grams": (1500, 3000),
                "feature": "a linen drum shade",
                "attrs": {"bulb": "E26 LED, 8 W", "cord_length_m": 1.8, "dimensions_cm": "30 x 30 x 48"},
                "materials": [("Brass", "brass"), ("Ceramic", "ceramic"), ("Oak", "oak")],
            },
            {
                "noun": "Pendant Light", "price": (85, 220), "grams": (800, 2000),
                "feature": "an adjustable drop cord",
                "attrs": {"bulb": "E26 LED, 10 W", "cord_length_m": 1.5},
                "option": ("Diameter", ["30 cm", "45 cm"]),
                "materials": [("Rattan", "rattan"), ("Linen", "linen shade"), ("Glass", "blown glass")],
            },
            {
                "noun": "Rechargeable Lantern", "price": (35, 85), "grams": (300, 650),
                "feature": "a dimmable warm glow", "attrs": {"lumens": 300, "battery_hours": 40},
                "materials": [
                    ("Aluminium", "aluminium"), ("Bamboo", "bamboo"), ("Steel", "powder-coated steel"),
                ],
            },
            {
                "noun": "Headlamp 350 lm", "price": (30, 65), "grams": (60, 110),
                "feature": "a red night-vision mode", "attrs": {"lumens": 350, "battery_hours": 60},
                "materials": [
                    ("Aluminium", "aluminium"), ("Polycarbonate", "polycarbonate"), ("Ultralight", "nylon"),
                ],
            },
            {
                "noun": "String Lights 10 m", "price": (28, 70), "grams": (400, 1200),
                "feature": "shatterproof bulbs", "attrs": {"length_m": 10, "bulbs": 20},
                "materials": [
                    ("Copper Wire", "copper wire"), ("Festoon", "weatherproof rubber cable"),
                    ("Paper Lantern", "paper lantern"),
                ],
            },
            {
                "noun": "Floor Lamp", "price": (140, 320), "grams": (4000, 7500), "feature": "a foot switch",
                "attrs": {"bulb": "E26 LED, 12 W", "cord_length_m": 2.0, "dimensions_cm": "40 x 40 x 155"},
                "materials": [("Oak", "oak"), ("Steel", "powder-coated steel"), ("Walnut", "walnut")],
            },
        ],
    },
}

# Care instructions that follow from the material, checked in order before the kind's own care
# and the category's generic list, so a cast iron skillet is never "dishwasher safe".
CARE_BY_MATERIAL = [
    ("enamelled cast iron", "hand wash; the enamel needs no seasoning"),
    ("cast iron", "hand wash, dry on the stove and oil lightly after each use"),
    ("carbon steel", "hand wash, dry immediately and oil occasionally"),
    ("full-grain leather", "wipe clean and condition the leather every few months"),
    ("vegetable-tanned leather", "wipe clean and condition the leather every few months"),
    ("nubuck", "brush clean and protect with nubuck spray"),
    ("suede", "brush clean and protect with suede spray"),
    ("waxed", "spot clean and re-wax once a year"),
    ("duck down", "machine wash gentle with down wash, tumble dry low with dryer balls"),
    ("cashmere", "hand wash cold, dry flat"),
    ("wool", "hand wash cold, dry flat"),
    ("alpaca", "hand wash cold, dry flat"),
]

# Prefixes that keep titles unique once every kind-and-material pair is used (large catalogues).
COLLECTIONS = ["Alder", "Harbor", "Juniper", "Ember", "Fjord", "Meadow", "Cobalt", "Tamarack"]

GENERIC_TAGS = ["gift idea", "bestseller", "new arrival", "staff pick", "sustainable", "limited edition"]

# Description openers; {title}, {main}, {feature} come from the product itself.
DESCRIPTION_OPENERS = [
    "Our {title} is made from {main} and finished with {feature}.",
    "Made from {main}, the {title} has {feature} and is built to be used every day.",
    "The {title} pairs {main} with {feature}, a detail you notice the first time you use it.",
    "We designed the {title} around {feature}; the {main} does the rest.",
]

# Bath products are defined by their scent, not by what they are made of.
SCENTED_OPENERS = [
    "Our {title} is scented with {main} and made with {feature}.",
    "Scented with {main}, the {title} has {feature} and is gentle enough for every day.",
]

# One selling line per category, written the way the shop's buyers describe their range.
CATEGORY_PITCHES = {
    "Apparel": ["It layers easily from autumn into spring.", "Cut for a relaxed fit with room to move."],
    "Footwear": [
        "Broken in from the first wear, with support for long days.", "Built on a last with a roomy toe box.",
    ],
    "Kitchen": [
        "Made to be used every day and to last for years.",
        "Good-looking enough to leave out on the counter.",
    ],
    "Home Decor": [
        "It brings a little warmth to a shelf, sofa or entryway.",
        "Each piece varies slightly, as handmade things do.",
    ],
    "Outdoor & Camping": [
        "Light enough for the trail, tough enough for the car camp.",
        "Tested on weekend trips in wind and rain.",
    ],
    "Bags": [
        "It carries a day's worth of things without looking bulky.", "Reinforced at every stress point.",
    ],
    "Bath & Body": ["Made in small batches without synthetic fragrance.", "Kind to dry and sensitive skin."],
    "Stationery": ["Designed to be used, not saved for best.", "A small daily pleasure for a desk or bag."],
    "Garden": [
        "Made to last for seasons of digging, planting and pruning.",
        "Built for years outdoors, through sun and frost.",
    ],
    "Lighting": [
        "Every unit is tested before it leaves the workshop.",
        "Simple to set up, with everything in the box.",
    ],
}
