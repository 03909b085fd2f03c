"""What bench/report.py and bench/report_os.py print their tables and plots with: a markdown
table, a row's "median (p10–p90)" cell, ratios, and matplotlib when it is installed. Each
report keeps its own number format (report.py: exit costs in ns and µs; report_os.py: up to
ms, and rates)."""
import os

NONE = "–"          # the cell of a value not measured


def line(cells):
    """One markdown table line."""
    return "| " + " | ".join(cells) + " |"


def table(head, rows):
    """The lines of a markdown table: the header, the separator, one line per row (each a
    list of cells)."""
    return [line(head), "|" + "---|" * len(head)] + [line(r) for r in rows]


def spread(r, fmt):
    """A row's median (p10–p90), each value as fmt(value, unit) gives it; NONE without it."""
    if not r:
        return NONE
    u = r["unit"]
    return f"{fmt(r['median'], u)} ({fmt(r['p10'], u)}–{fmt(r['p90'], u)})"


def ratio(a, b):
    """a's median over b's, or None when either row is missing or b's median is 0."""
    return a["median"] / b["median"] if a and b and b["median"] else None


def times(q):
    """A ratio as a cell: 1.25×."""
    return NONE if q is None else f"{q:.2f}×"


def pyplot():
    """matplotlib.pyplot drawing to files (Agg), or None without python3-matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def save(plt, fig, out, name):
    """Writes the figure to out/name and closes it; returns name, for the markdown link."""
    fig.savefig(os.path.join(out, name), dpi=100)
    plt.close(fig)
    return name
