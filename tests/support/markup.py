"""The markup of one element of a page, found by its id (the standard library's HTML parser).

The live parts of pages are one template the page includes and a partial URL serves alone; tests
compare the element in both answers: `element(page_html, "slots") == element(part_html, "slots")`.
"""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Finder(HTMLParser):
    def __init__(self, html: str, target: str) -> None:
        super().__init__(convert_charrefs=False)
        self.html = html
        self.line_starts = [0]
        for line in html.splitlines(keepends=True):
            self.line_starts.append(self.line_starts[-1] + len(line))
        self.target = target
        self.depth = 0  # open elements from the target down
        self.begin: int | None = None
        self.end: int | None = None

    def _here(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.end is not None:
            return
        if self.begin is None and dict(attrs).get("id") == self.target:
            self.begin = self._here()
            if tag in VOID:
                self.end = self.begin + len(self.get_starttag_text() or "")
                return
        if self.begin is not None and tag not in VOID:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.begin is None or self.end is not None or tag in VOID:
            return
        self.depth -= 1
        if self.depth == 0:
            self.end = self.html.index(">", self._here()) + 1


def element(html: str, element_id: str) -> str:
    """The outer HTML of the element with this id, as written in `html`; "" when absent."""
    finder = _Finder(html, element_id)
    finder.feed(html)
    finder.close()
    if finder.begin is None or finder.end is None:
        return ""
    return html[finder.begin : finder.end]
