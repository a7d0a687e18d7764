"""Tables of the README made from the code (`consonance docs hooks|methods --write`): each stands
between two marker comments, and a test fails when the README's copy drifts from the code."""

from __future__ import annotations


def readme_with_block(readme: str, start_marker: str, end_marker: str, block: str) -> str:
    """The README with the text between the two markers replaced by `block`."""
    before, start, rest = readme.partition(start_marker)
    _old, end, after = rest.partition(end_marker)
    if not (start and end):
        raise ValueError(f"the README has no markers {start_marker!r} ... {end_marker!r}")
    return f"{before}{start_marker}\n{block}{end_marker}{after}"
