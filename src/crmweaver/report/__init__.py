"""Results people look at: one self-contained HTML file per set of runs and training studies.

`load` reads run and study folders (tolerating torn or partial ones), `episodes` prepares the
trajectory viewer, `figures` draws charts (matplotlib SVG), `html` lays the page out (Jinja2).
Needs the `report` extra (Jinja2, matplotlib, Pygments); imported lazily by the CLI.
"""

from crmweaver.report.html import MissingExtra, render, write_report
from crmweaver.report.load import ReportError, load

__all__ = ["MissingExtra", "ReportError", "load", "render", "write_report"]
