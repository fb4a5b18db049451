"""Acme's reports: a split package (contracts import-light, implementations heavier)."""
