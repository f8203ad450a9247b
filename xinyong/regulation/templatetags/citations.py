"""`{{ articles|cite_articles }}`: the articles a case, notice or decision applied, as people read them.

Services record articles as codes ("Art 28"); people are shown the citation, 《承德市社会信用促进条例》第二十八条、
第三十条, never the code. Anything that is not an article code of this regulation is shown as it is.
"""

from __future__ import annotations

import re

from django import template

from xinyong.regulation.text import article_citation, article_numbers

register = template.Library()

_CODE = re.compile(r"^Art (\d+)$")


@register.filter
def cite_articles(articles) -> str:
    numbers, others = [], []
    known = article_numbers()
    for raw in articles or ():
        match = _CODE.match(str(raw).strip())
        if match and int(match.group(1)) in known:
            numbers.append(int(match.group(1)))
        elif str(raw).strip():
            others.append(str(raw).strip())
    parts = [article_citation(*numbers)] if numbers else []
    return "；".join(parts + others)
