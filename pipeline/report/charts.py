"""Bar charts as inline SVG: Altair (Vega-Lite) specifications, rendered by vl-convert.

vl-convert runs Vega in-process and returns SVG text: nothing is fetched (the charts' data is
inline and `allowed_base_urls=[]` refuses any URL a specification might name), no script
ships with the page, and text stays text, in the page's Chinese font stack. Every bar carries
its category, series and value in its `aria-label` (Vega's `description` channel), which screen
readers read out and tests check against the warehouse.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import altair as alt
import vl_convert

FONT_STACK = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", '
    '"Microsoft YaHei", sans-serif'
)
CHART_WIDTH = 1120
TICK_FONT = 13
TITLE_FONT = 17
# The Vega-Lite version of the specifications Altair writes ("v6.4.1" → "v6.4"), which
# vl-convert must bundle: a mismatch fails loudly instead of drawing with another grammar.
VEGA_LITE = alt.SCHEMA_VERSION.rsplit(".", 1)[0]

Chart = alt.Chart | alt.LayerChart


@dataclass(frozen=True, slots=True)
class Series:
    """One coloured series of a chart, with its legend text."""

    key: str
    colour: str
    label: str


def format_number(value: float | None) -> str:
    """A figure for people, never rounded away from what was printed: thousands separated,
    no `.0` on whole numbers, `—` for NULL. Six decimals absorb float noise in sums only."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{round(value, 6):,}"


def render_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as one `<svg>` element, drawn offline."""
    return str(
        vl_convert.vegalite_to_svg(chart.to_dict(), vl_version=VEGA_LITE, allowed_base_urls=[])
    )


def _styled(chart: Chart, title: str, height: int | alt.Step) -> Chart:
    return (
        chart.properties(
            width=CHART_WIDTH,
            height=height,
            title=alt.Title(title, anchor="start"),
            # Room above the title: a CJK font's line box is taller than its font size.
            padding={"top": 10, "left": 5, "right": 5, "bottom": 5},
        )
        .configure(
            font=FONT_STACK,
            autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
        )
        .configure_title(fontSize=TITLE_FONT, fontWeight="bold", offset=10)
        .configure_axis(
            labelFontSize=TICK_FONT,
            titleFontSize=TICK_FONT,
            titleFontWeight="normal",
            titleColor="#444",
            # Vega measures text by its font size; a browser's CJK line box is taller.
            titlePadding=8,
            gridColor="#e3e3e3",
            domainColor="#333",
            tickColor="#333",
        )
        .configure_legend(labelFontSize=TICK_FONT, labelLimit=0, symbolType="square", rowPadding=8)
        .configure_view(stroke=None)
    )


def no_data_chart(title: str, message: str = "no data") -> str:
    """A chart frame that says there is nothing to draw."""
    frame = (
        alt.Chart(alt.Data(values=[{"message": message}]))
        .mark_text(fontSize=16, color="#666")
        .encode(text="message:N", description="message:N")
    )
    return render_svg(_styled(frame, title, 80).configure_view(fill="#fafafa", stroke="#ccc"))


def _count_axis(top: bool = False) -> alt.Axis:
    # Counts (and sums of counts): whole ticks, thousands separated.
    return alt.Axis(format=",d", tickMinStep=1, orient="top" if top else alt.Undefined)


def _legend() -> alt.Legend:
    return alt.Legend(orient="top", title=None, direction="horizontal", columns=3)


def _colour(series: Sequence[Series]) -> alt.Color:
    return alt.Color(
        "series:N",
        scale=alt.Scale(domain=[s.label for s in series], range=[s.colour for s in series]),
        legend=_legend(),
    )


def grouped_bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Mapping[tuple[str, str], float],
    y_title: str,
    footers: Mapping[str, str] | None = None,
    descriptions: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """Vertical bars, one group per category and one bar per series with a value; a footer
    under a category's label when given.

    A missing (category, series) value draws no bar: not printed is not zero.
    """
    if not categories or not values:
        return no_data_chart(title)
    rows = [
        {
            "category": category,
            "series": item.label,
            "value": values[(category, item.key)],
            "description": (descriptions or {}).get(
                (category, item.key), f"{category} {item.label}"
            )
            + f": {format_number(values[(category, item.key)])}",
        }
        for category in categories
        for item in series
        if (category, item.key) in values
    ]
    # A second line under each category label; Vega hides every other label when they touch.
    label = "datum.label"
    if footers:
        label = f"[datum.label, {json.dumps(dict(footers), ensure_ascii=False)}[datum.label] || '']"
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            x=alt.X(
                "category:N",
                title=None,
                scale=alt.Scale(domain=list(categories)),
                axis=alt.Axis(labelAngle=0, labelOverlap="parity", labelExpr=label),
            ),
            xOffset=alt.XOffset("series:N", scale=alt.Scale(domain=[s.label for s in series])),
            y=alt.Y("value:Q", title=y_title, axis=_count_axis()),
            color=_colour(series),
            description="description:N",
        )
    )
    return render_svg(_styled(chart, title, 260))


def stacked_bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Mapping[tuple[str, str], float],
    y_title: str,
) -> str:
    """Vertical bars, one per category, stacked by series; the total is printed on top."""
    totals = {c: sum(values.get((c, s.key), 0.0) for s in series) for c in categories}
    if not categories or not any(totals.values()):
        return no_data_chart(title)
    rows = [
        {
            "category": category,
            "series": item.label,
            "order": order,
            "value": values[(category, item.key)],
            "description": f"{category} {item.label}: "
            f"{format_number(values[(category, item.key)])}",
        }
        for category in categories
        for order, item in enumerate(series)
        if values.get((category, item.key))
    ]
    x = alt.X(
        "category:N",
        title=None,
        scale=alt.Scale(domain=list(categories)),
        axis=alt.Axis(labelAngle=0, labelOverlap="parity"),
    )
    bars = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar(stroke="#fff", strokeWidth=0.5)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=y_title, stack="zero", axis=_count_axis()),
            color=_colour(series),
            order=alt.Order("order:Q", sort="ascending"),
            description="description:N",
        )
    )
    total_rows = [
        {"category": c, "total": t, "text": format_number(t), "description": f"{c}: {t:g} total"}
        for c, t in totals.items()
        if t
    ]
    labels = (
        alt.Chart(alt.Data(values=total_rows))
        .mark_text(baseline="bottom", dy=-4, fontSize=TICK_FONT)
        .encode(x=x, y="total:Q", text="text:N", description="description:N")
    )
    return render_svg(_styled(alt.LayerChart(layer=[bars, labels]), title, 220))


def horizontal_bar_chart(
    title: str,
    rows: Sequence[tuple[str, float, str]],
    colour: str,
    x_title: str,
    empty_message: str = "no data",
) -> str:
    """One horizontal bar per row (label, value, text after the bar), in the order given."""
    if not rows:
        return no_data_chart(title, empty_message)
    data = [
        {"label": label, "value": value, "note": note, "description": f"{label}: {note}"}
        for label, value, note in rows
    ]
    labels = [label for label, _, _ in rows]
    y = alt.Y(
        "label:N",
        title=None,
        scale=alt.Scale(domain=labels),
        axis=alt.Axis(labelLimit=0, ticks=False),
    )
    base = alt.Chart(alt.Data(values=data))
    bars = base.mark_bar(color=colour, height={"band": 0.6}).encode(
        x=alt.X("value:Q", title=x_title, axis=_count_axis(top=True)),
        y=y,
        description="description:N",
    )
    notes = base.mark_text(align="left", dx=6, fontSize=TICK_FONT, color="#333").encode(
        x="value:Q", y=y, text="note:N", description="description:N"
    )
    return render_svg(_styled(alt.LayerChart(layer=[bars, notes]), title, alt.Step(30)))
