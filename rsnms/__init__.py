"""РСНМС-Монитор: monitoring of a region's system of scientific and methodological support."""
