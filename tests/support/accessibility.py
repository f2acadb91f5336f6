"""Accessibility and phone-width checks for browser tests: axe-core and a 390 px viewport.

axe-core (tests/support/vendor/axe-core, MPL 2.0) is for tests only: ASC Web never serves it.
"""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
# What axe must never find; "moderate" and "minor" are advice, reported by axe's own tools.
BLOCKING = ("serious", "critical")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ")),
  }));
}"""
OVERFLOW = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) { return null; }
  const wide = [...document.querySelectorAll("body *")]
    .filter(el => el.getBoundingClientRect().right > width + 0.5)
    .filter(el => !el.closest(".table-scroll"))
    .slice(0, 5)
    .map(el => {
      const first = typeof el.className === "string" ? el.className.split(" ")[0] : "";
      return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (first ? "." + first : "");
    });
  return {scrollWidth: document.documentElement.scrollWidth, width, wide};
}"""


def with_axe(context) -> None:
    """Load axe-core into every page of ``context`` (an init script passes the page's CSP)."""
    context.add_init_script(path=str(AXE))


def audit(page, name: str) -> list[str]:
    """The page's blocking axe violations at 1280 px and 390 px, and any sideways scroll at 390.

    Leaves the page at the phone size; returns one readable line per problem.
    """
    problems = []
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        for violation in page.evaluate(RUN_AXE):
            if violation["impact"] in BLOCKING:
                problems.append(
                    f"{name} at {size['width']} px: {violation['id']} ({violation['impact']}): "
                    f"{violation['help']} on {violation['nodes']}"
                )
    overflow = page.evaluate(OVERFLOW)
    if overflow:
        problems.append(
            f"{name} at 390 px scrolls sideways: {overflow['scrollWidth']} px wide, "
            f"widest elements {overflow['wide']}"
        )
    return problems
