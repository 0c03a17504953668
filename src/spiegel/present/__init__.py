"""Presentation: Dutch number formats, tables and charts as display objects for notebooks and renderers.

Display objects (``_repr_mimebundle_``) give ``text/html``, ``text/x-typst`` and ``text/plain``; charts give
``image/svg+xml`` and ``text/plain``. See docs/rendering.md.
"""

from spiegel.present.charts import Chart, comparison_chart, flow_chart, top_chart
from spiegel.present.display import (
    TYPST_MIME,
    BulletList,
    Callout,
    Display,
    Heading,
    KeyFigure,
    KeyFigures,
    PageBreak,
    Paragraph,
    Stack,
    Table,
    Title,
)

__all__ = [
    "TYPST_MIME",
    "BulletList",
    "Callout",
    "Chart",
    "Display",
    "Heading",
    "KeyFigure",
    "KeyFigures",
    "PageBreak",
    "Paragraph",
    "Stack",
    "Table",
    "Title",
    "comparison_chart",
    "flow_chart",
    "top_chart",
]
