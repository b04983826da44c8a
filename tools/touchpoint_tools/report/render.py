"""Writing the report: report.md for the terminal, report.html (with the plots) for a browser."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from touchpoint_tools.measure.summary import Outcome
from touchpoint_tools.report.build import METHOD, Report, Table


def _md_table(table: Table) -> list[str]:
    lines = [f"### {table.title}", "", "| " + " | ".join(table.headers) + " |"]
    lines.append("|" + "---|" * len(table.headers))
    lines += ["| " + " | ".join(row) + " |" for row in table.rows]
    return [*lines, *(["", table.note] if table.note else []), ""]


def describe(o: Outcome) -> str:
    when = o.sent_at or o.due_at
    return f"{o.flow}.{o.step} {o.channel} {o.status} {when:%Y-%m-%d %H:%M} ({', '.join(o.reasons)})"


def markdown(report: Report) -> str:
    lines = [f"# {report.title}", "", f"{report.start:%Y-%m-%d %H:%M} to {report.end:%Y-%m-%d %H:%M} UTC", ""]
    lines += [f"- {fact}" for fact in report.facts] + ["", METHOD, ""]
    for table in report.tables:
        lines += _md_table(table)
    if report.sides:
        a, b = list(report.summaries)
        lines += ["### Customers whose messages differ", ""]
        for customer, left, right in report.sides:
            lines += [f"**{customer}**", "", f"- {a}:"] + [f"  - {describe(o)}" for o in left]
            lines += [f"- {b}:"] + [f"  - {describe(o)}" for o in right] + [""]
    for role, name in report.plots.items():
        lines.append(f"![{role}]({name})")
    return "\n".join(lines).rstrip() + "\n"


def html(report: Report) -> str:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=select_autoescape(["html"]),
        keep_trailing_newline=True,
    )
    env.filters["describe"] = describe
    labels = list(report.summaries)
    return env.get_template("report.html").render(report=report, method=METHOD, labels=labels)


def write(report: Report, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    md, page = out / "report.md", out / "report.html"
    md.write_text(markdown(report), encoding="utf-8")
    page.write_text(html(report), encoding="utf-8")
    return [md, page, *(out / name for name in report.plots.values())]
