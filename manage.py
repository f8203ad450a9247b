#!/usr/bin/env python
"""Django's manage.py; `xinyong` (installed into the venv) is the same with hyphenated command names."""

from xinyong.cli import main

if __name__ == "__main__":
    main()
