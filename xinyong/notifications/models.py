"""Notifications (Art 24, 29)."""
