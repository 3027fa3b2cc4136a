"""The deterministic demo region: Omsk oblast, 2022–2024, generated from a seed.

``generate`` is pure (it reads only the project's reference files) and returns frames keyed by
natural keys; ``checksum`` guards byte-identity; ``load_demo`` replaces the demo batch of a database
in one transaction. The story: deficits are higher in the five northern districts (digital,
normative), lower in г. Омск, and shrink over the years; about half of the indicators meet the demo
targets in 2024. No person names anywhere: educators are «ОМ-000123», methodists «РМ-001».
"""

from rsnms.demo.data import DEFAULT_SEED, DEMO_AS_OF, DEMO_REGION
from rsnms.demo.generate import DemoData, checksum, generate
from rsnms.demo.load import DemoSummary, load_demo

__all__ = [
    "DEFAULT_SEED",
    "DEMO_AS_OF",
    "DEMO_REGION",
    "DemoData",
    "DemoSummary",
    "checksum",
    "generate",
    "load_demo",
]
