"""Demo data for Shopwright: a seeded, realistic home & outdoor shop in the JSON import format.

>>> from shopwright.host.demo import generate_shop, write_files
>>> shop = generate_shop(seed=7)
>>> sorted(shop)
['customers', 'events', 'orders', 'products', 'reviews']
"""

from shopwright.host.demo.generator import generate_shop, write_files
from shopwright.host.demo.timeline import DEFAULT_NOW

__all__ = ["DEFAULT_NOW", "generate_shop", "write_files"]
