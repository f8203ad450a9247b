"""Synthetic Chengde demo data: organizations, staff logins and credit subjects (`xinyong demo`)."""
