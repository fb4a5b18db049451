"""Acme's Conveyor tasks."""
