"""What every page must hold to, checked in the person's browser: it fits the screen (nothing scrolls
sideways, a radio button sits beside its label), axe finds nothing wrong, keyboard focus shows, and
states a person must tell apart look apart (a button that does nothing, a count of nothing, the one
thing the page asks for next, amounts in a column)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.browser.conftest import Person

# axe-core, as published on the npm registry (MPL-2.0, licence beside it), run inside the page
AXE = (Path(__file__).parent / "assets" / "axe.min.js").read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"

# each radio button, and how far the first words of its label start from it (x) and sit from its
# middle (y): a radio "away from its label" is one on a line of its own, or far to the side
RADIOS = """() => [...document.querySelectorAll('input[type=radio]')].map((radio) => {
  const box = radio.getBoundingClientRect();
  const label = radio.closest('label');
  if (!label || box.width === 0) return null;
  const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    if (node.textContent.trim() && (radio.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING)) break;
  }
  if (!node) return null;
  const range = document.createRange();
  range.selectNodeContents(node);
  const text = range.getClientRects()[0];
  return {name: radio.value, x: text.left - box.right,
          y: Math.abs((text.top + text.bottom) / 2 - (box.top + box.bottom) / 2)};
}).filter(Boolean)"""

FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {tag: el.tagName, text: (el.innerText || el.value || el.name || '').slice(0, 40),
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
}"""

# what a person sees of the page's controls and figures: the live buttons drawn as the page's main action
# (the colour a button without a lighter style is drawn in), the disabled buttons drawn as they would be
# live (each beside a live copy of itself), the counts of nothing drawn in the colour of a failure, and
# the amounts in tables not aligned right
STATES = """() => {
  const shown = (el) => { const box = el.getBoundingClientRect(); return box.width > 0 && box.height > 0; };
  const name = (el) => (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
  const probe = document.createElement('button');
  document.body.appendChild(probe);
  const main = getComputedStyle(probe).backgroundColor;
  probe.remove();
  const bad = getComputedStyle(document.documentElement).getPropertyValue('--bad').trim();
  const swatch = document.createElement('span');
  swatch.style.color = bad;
  document.body.appendChild(swatch);
  const failing = getComputedStyle(swatch).color;
  swatch.remove();
  const controls = [...document.querySelectorAll('main button, main a.button')].filter(shown);
  return {
    main: controls.filter((el) => !el.disabled && getComputedStyle(el).backgroundColor === main).map(name),
    disabledLive: controls.filter((el) => el.disabled).filter((el) => {
      const live = el.cloneNode(true);
      live.disabled = false;
      el.after(live);
      const [off, on] = [getComputedStyle(el), getComputedStyle(live)];
      const alike = ['backgroundColor', 'color', 'borderStyle'].every((part) => off[part] === on[part]);
      live.remove();
      return alike;
    }).map(name),
    zeroFailing: [...document.querySelectorAll('main .counts li')].filter((li) => {
      const figure = li.querySelector('strong');
      return figure && figure.innerText.trim() === '0' && getComputedStyle(figure).color === failing;
    }).map(name),
    amountsLeft: [...document.querySelectorAll('main td, main th')].filter((cell) =>
      /^-?£[\\d,]+\\.\\d\\d$/.test(cell.innerText.trim())
      && !['right', 'end'].includes(getComputedStyle(cell).textAlign)).map(name),
  };
}"""


def states_alike(person: Person) -> list[str]:
    """What on the page looks like something it is not: a disabled button drawn live, a count of nothing
    drawn as a failure, more than one button drawn as the page's main action, an amount in a table not
    aligned right (where figures are compared down a column)."""
    found: dict[str, list[str]] = person.page.evaluate(STATES)
    problems = [f"disabled but drawn live: {name!r}" for name in found["disabledLive"]]
    problems += [f"nothing, drawn as a failure: {name!r}" for name in found["zeroFailing"]]
    problems += [f"an amount not aligned right: {name!r}" for name in found["amountsLeft"]]
    if len(found["main"]) > 1:
        problems.append(f"more than one main action: {found['main']}")
    return problems


def sideways(person: Person) -> int:
    """How many pixels the page is wider than the screen (0 when it fits)."""
    return int(person.page.evaluate(SIDEWAYS))


def radios_apart(person: Person) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = person.page.evaluate(RADIOS)
    return [radio for radio in found if not (0 <= radio["x"] <= 24 and radio["y"] <= 12)]


def axe_violations(person: Person) -> list[str]:
    page = person.page
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE)  # through the browser's devtools, which the page's script policy does not bar
    found = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then((r) => r.violations.map((v) => v.id + ': ' + v.help + ' (' + v.nodes.map((n) => n.target.join(' ')).join(', ') + ')'))",
        AXE_TAGS,
    )
    return list(found)


def focus_hidden(person: Person, stops: int = 8) -> list[str]:
    """The first `stops` places the Tab key reaches whose focus draws no outline."""
    page = person.page
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    hidden: list[str] = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        found = page.evaluate(FOCUS)
        if found is not None and not found["outline"]:
            hidden.append(f"{found['tag']} {found['text']!r}")
    return hidden


def check_page(person: Person, name: str, *, keyboard: bool = False) -> None:
    """The page fits the screen, tells its states apart, passes axe, and (with `keyboard`) shows where
    focus is; then a picture."""
    person.shot(name)
    url = person.page.url
    assert sideways(person) <= 0, f"{url} scrolls sideways by {sideways(person)}px"
    assert not radios_apart(person), f"{url}: radio buttons away from their labels: {radios_apart(person)}"
    alike = states_alike(person)
    assert not alike, f"{url}: " + "; ".join(alike)
    violations = axe_violations(person)
    assert not violations, f"{url}: " + "\n".join(violations)
    if keyboard:
        hidden = focus_hidden(person)
        assert not hidden, f"{url}: focus not shown on {hidden}"
