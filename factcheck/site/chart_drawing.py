"""Where a chart's bars and words go: horizontal bars, drawn by the template as inline SVG.

Bars run across, so their labels and numbers stay readable on a 390 px phone as on a desktop:
lengths are percentages of the chart's width (the SVG fills its box), while text keeps the page's
font size and positions in pixels. Short labels (days, weeks) sit beside their bars; long ones
(domains, reasons) sit above them, so that they can use the whole width.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from factcheck.site.charts import Series, shown

HEADER = 24  # px: the row naming the axes
BAR = 14  # px: a bar's thickness
GAP = 3  # px between the bars of one label
ROW_GAP = 6  # px between labels
LABEL_LINE = 18  # px: a label written above its bars
BESIDE_MAX = 12  # characters: longer labels go above their bars
CHARACTER = 7.5  # px: about the width of a character of the labels (0.8125rem, bold at most)
LABEL_GAP = 8  # px between a label and its bar
VALUE_ROOM = 44  # px kept after the longest bar for its number
NARROW = 300  # px: the narrowest chart planned for (a 360 px phone)
VALUE_GAP = 4  # px between a bar's end and its number
PAIRED_CLASSES = ("bar", "bar second")  # a bar of the first measure, of the second (there are at most two)


@dataclass(frozen=True)
class Bar:
    css: str
    y: int
    width: float  # % of the chart's width
    text: str  # the number written after it
    title: str  # what a pointer over it shows


@dataclass(frozen=True)
class Row:
    label: str
    label_y: int  # the middle of the label's line
    bars: tuple[Bar, ...]
    note: str  # written where there is no bar
    note_y: int


@dataclass(frozen=True)
class Drawing:
    beside: bool
    x: int  # where bars start, px
    height: int
    rows: tuple[Row, ...]
    legend: tuple[tuple[str, str], ...]  # (css class, measure name) when there are several
    summary: str  # the chart in one sentence, for screen readers
    bar_height: int = BAR

    @property
    def label_x(self) -> int:
        """Where labels beside their bars end, px."""
        return self.x - LABEL_GAP

    @property
    def value_dx(self) -> int:
        """A number's offset from its bar's end (SVG lengths cannot add % and px)."""
        return self.x + VALUE_GAP

    @property
    def bar_count(self) -> int:
        return sum(len(row.bars) for row in self.rows)


def draw(series: Series) -> Drawing:
    """The bars and words of ``series``; one bar per value (none where a value is missing)."""
    beside = all(len(tick) <= BESIDE_MAX for tick in series.ticks)
    x = round(max(len(text) for text in (*series.ticks, series.axis)) * CHARACTER) + LABEL_GAP if beside else 0
    # The longest bar leaves room for its number on the narrowest chart; the others in proportion.
    longest = round((NARROW - x - VALUE_ROOM) / NARROW * 100, 1)
    largest = max((value for m in series.measures for value in m.values if value is not None), default=0)
    scale = longest / largest if largest else 0.0
    several = len(series.measures) > 1
    classes = PAIRED_CLASSES if several else ("bar",)
    bars_height = len(series.measures) * BAR + (len(series.measures) - 1) * GAP
    rows = []
    y = HEADER
    for i, (tick, label) in enumerate(zip(series.ticks, series.labels, strict=True)):
        label_y = y + (bars_height // 2 if beside else LABEL_LINE // 2)
        bar_y = y if beside else y + LABEL_LINE
        bars = []
        for n, measure in enumerate(series.measures):
            value = measure.values[i]
            if value is None:
                continue
            title = f"{label}: {shown(value)}" + (f" ({measure.name})" if several else "")
            bars.append(Bar(css=classes[n], y=bar_y + n * (BAR + GAP), width=round(value * scale, 2),
                            text=shown(value), title=title))
        rows.append(Row(label=tick, label_y=label_y, bars=tuple(bars),
                        note="" if bars else _("none"), note_y=label_y if beside else bar_y + BAR // 2))
        y = bar_y + bars_height + ROW_GAP
    legend = tuple((css, m.name) for css, m in zip(classes, series.measures, strict=False)) if several else ()
    return Drawing(beside=beside, x=x, height=y, rows=tuple(rows), legend=legend,
                   summary=summarise(series))


def summarise(series: Series) -> str:
    """One sentence a screen reader can say for the chart: every value when there are few,
    else the total and the highest."""
    if len(series.labels) <= 12 or len(series.measures) > 1:
        parts = []
        for label, values in series.rows():
            numbers = ", ".join(f"{m.name} {shown(v)}" if len(values) > 1 else shown(v)
                                for m, v in zip(series.measures, values, strict=True) if v is not None)
            parts.append(f"{label}: {numbers or _('none')}")
        return "; ".join(parts) + "."
    counts = [value or 0 for value in series.values]
    top = max(range(len(counts)), key=lambda i: counts[i])
    return _("%(total)s in all; the most, %(most)s, on %(label)s.", total=shown(sum(counts)),
             most=shown(counts[top]), label=series.labels[top])
