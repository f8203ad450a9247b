"""The vendored stylesheet: WCAG AA contrast for every colour pair it declares, no remote resources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import xinyong.web

pytestmark = pytest.mark.smoke

STATIC = Path(xinyong.web.__file__).resolve().parent / "static" / "web"
CSS = (STATIC / "xinyong.css").read_text(encoding="utf-8")


def colours() -> dict[str, str]:
    root = re.search(r":root\s*{(.*?)}", CSS, re.S).group(1)
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", root))


def declared_pairs() -> list[tuple[str, str]]:
    block = re.search(r"contrast pairs:(.*?)\*/", CSS, re.S).group(1)
    return [tuple(pair.split("/")) for pair in re.findall(r"[\w-]+/[\w-]+", block)]


def luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_stylesheet_declares_the_colour_pairs_it_uses():
    palette = colours()
    pairs = declared_pairs()
    assert len(pairs) >= 20
    for foreground, background in pairs:
        assert foreground in palette and background in palette, (foreground, background)


@pytest.mark.parametrize(("foreground", "background"), declared_pairs())
def test_every_text_colour_pair_meets_wcag_aa(foreground, background):
    palette = colours()
    # Form-control borders are non-text contrast (WCAG 1.4.11: 3:1); everything else is text (1.4.3: 4.5:1).
    minimum = 3.0 if foreground == "control-border" else 4.5
    ratio = contrast(palette[foreground], palette[background])
    assert ratio >= minimum, f"{foreground} on {background}: {ratio:.2f}:1"


def test_the_stylesheet_loads_nothing_from_other_sites():
    for asset in STATIC.iterdir():
        text = asset.read_text(encoding="utf-8")
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", text), asset.name
        assert "fonts.googleapis" not in text
