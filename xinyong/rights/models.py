"""Objections and credit repair (Art 28–31)."""
