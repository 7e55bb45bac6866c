"""Assertions for browser tests: `check_page(page, name)` and the page watcher behind it,
plus what a subscriber does outside a page: read an email, fill the login form."""

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from django.core import mail
from playwright.sync_api import ConsoleMessage, Page, Request

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"
AXE_SOURCE = (HERE / "vendor" / "axe.min.js").read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = (375, 1280)
MIN_TARGET_PX = 44


@dataclass
class Watch:
    """What a page did that a user would not see: console errors, CSP reports, requests."""

    server_netloc: str
    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location.get("url", "")
            self.console_errors.append(f"{message.text} ({location})")

    def on_page_error(self, error: Exception) -> None:
        self.console_errors.append(f"uncaught: {error}")

    def on_request(self, request: Request) -> None:
        url = urlsplit(request.url)
        if url.scheme in {"http", "https", "ws", "wss"} and url.netloc != self.server_netloc:
            self.foreign_requests.append(request.url)

    def on_csp_violation(self, report: str) -> None:
        self.csp_violations.append(report)


_watches: "WeakKeyDictionary[Page, Watch]" = WeakKeyDictionary()

# Runs in every document before the page's own scripts; reports through an exposed binding,
# which CSP does not govern.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}` +
    ` at ${event.sourceFile || event.documentURI}:${event.lineNumber}`
  );
});
"""


def watch_page(page: Page, server_url: str) -> Watch:
    """Record console errors, CSP violations and foreign requests from now on."""
    watch = Watch(server_netloc=urlsplit(server_url).netloc)
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    page.on("request", watch.on_request)
    page.expose_function("reportCspViolation", watch.on_csp_violation)
    page.add_init_script(_CSP_LISTENER)
    _watches[page] = watch
    return watch


def run_axe(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)  # add_script_tag would be blocked by the CSP
    return page.evaluate(
        """async (tags) => {
          const results = await window.axe.run(document, {
            runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
          });
          return results.violations;
        }""",
        AXE_TAGS,
    )


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            lines.append(f"  * {' '.join(map(str, node['target']))}")
            summary = node.get("failureSummary", "").replace("\n", "\n      ")
            lines.append(f"      {summary}")
    return "\n".join(lines)


# Interactive controls that must be at least 44 px tall (WCAG 2.5.5). Links inside running
# text (a paragraph, a list item, a definition, a table cell) are exempt, as WCAG allows for
# inline targets, unless they sit in a <nav> or are styled as buttons. A checkbox or radio
# is measured with the row or label around it, which is what the finger actually hits.
_SMALL_TARGETS = """
(minimum) => {
  const controls = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, [role=button], summary"
  );
  const small = [];
  for (const element of controls) {
    // checkVisibility() also skips the content of a closed <details> (content-visibility).
    if (!element.checkVisibility({visibilityProperty: true})) continue;
    if (element.classList.contains("skip-link") && document.activeElement !== element) continue;
    const isLink = element.tagName === "A";
    const styledAsControl = element.matches(".button, nav a, [role=button]");
    if (isLink && !styledAsControl && element.closest("p, li, dd, td, th, caption")) continue;
    let target = element;
    if (element.matches("input[type=checkbox], input[type=radio]")) {
      target = element.closest("label, .field--check") || element;
    }
    const box = target.getBoundingClientRect();
    if (box.height < minimum) {
      const text = (element.innerText || element.getAttribute("aria-label") ||
                    element.name || element.id || "").trim().slice(0, 40);
      small.push(`${element.tagName.toLowerCase()} "${text}" is ${box.height.toFixed(1)} px tall`);
    }
  }
  return small;
}
"""


# What axe lets through but RGAA does not (checklist-rgaa.md): a field named only by its
# placeholder (11.1), a data table without header cells (5.6); and the page's frame: French,
# exactly one <h1>, a <main>.
_STRUCTURE = """
() => {
  const problems = [];
  if (document.documentElement.lang !== "fr") problems.push("<html> is not lang=fr");
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) problems.push(`${h1} <h1> on the page`);
  if (document.querySelectorAll("main").length !== 1) problems.push("not exactly one <main>");
  const fields = document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea"
  );
  for (const field of fields) {
    const named = (field.labels && field.labels.length) || field.getAttribute("aria-label") ||
      field.getAttribute("aria-labelledby") || field.getAttribute("title");
    if (!named) problems.push(`field ${field.name || field.id} has no label`);
  }
  for (const table of document.querySelectorAll("table")) {
    if (!table.querySelector("th")) problems.push("a table has no header cell");
  }
  return problems;
}
"""


# RGAA criteria axe-core does not check (issue 12; docs/accessibility.md lists the manual
# ones): errors tied to their fields and summarised at the top with links (11.10, 11.11),
# messages announced (7.5), credential fields' purpose (11.13), data tables with a caption
# and header cells (5.4, 5.6), no two links with the same name leading to different places
# (6.1), charts with a role, a name and a table of the same figures (1.1, 1.2), statuses
# (invoice badges, the password checklist's ticks) in words rather than colour alone (3.1).
_RGAA = """
() => {
  const problems = [];
  const visible = (el) => el.checkVisibility({visibilityProperty: true});
  const text = (el) => (el.textContent || "").replace(/\\s+/g, " ").trim();
  const namedBy = (el) => {
    const label = el.getAttribute("aria-label");
    if (label && label.trim()) return label.trim();
    const ids = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
    return ids.map((id) => document.getElementById(id)).filter(Boolean).map(text).join(" ");
  };
  // 11.10 / 11.11: every invalid field says why, and the summary at the top links to it.
  const invalid = [...document.querySelectorAll("[aria-invalid=true]")];
  const summary = document.querySelector(".error-summary");
  for (const field of invalid) {
    const ids = (field.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean);
    const described = ids.map((id) => document.getElementById(id)).filter(Boolean);
    if (!described.some((el) => text(el))) {
      problems.push(`invalid field ${field.name || field.id} has no aria-describedby message`);
    }
    if (!summary) {
      problems.push(`invalid field ${field.name || field.id} but no error summary`);
    } else if (!summary.querySelector(`a[href="#${CSS.escape(field.id)}"]`)) {
      problems.push(`the error summary has no link to the field ${field.id}`);
    }
  }
  if (summary) {
    if (!["alert", "status"].includes(summary.getAttribute("role"))) {
      problems.push("the error summary is not announced (role alert/status)");
    }
    const form = document.querySelector("main form");
    const before = form && !form.contains(summary) &&
      (summary.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_PRECEDING);
    if (before) {
      problems.push("the error summary comes after the form");
    }
  }
  // 7.5: success and error messages are announced.
  for (const message of document.querySelectorAll(".message, .messages")) {
    if (!message.closest("[role=status], [role=alert], [aria-live]")) {
      problems.push(`message "${text(message).slice(0, 40)}" is not in a live region`);
    }
  }
  // 11.13: credential fields declare their purpose.
  for (const field of document.querySelectorAll("input[type=password]")) {
    const purpose = field.getAttribute("autocomplete") || "";
    if (!["current-password", "new-password"].includes(purpose)) {
      problems.push(`password field ${field.name} has autocomplete="${purpose}"`);
    }
  }
  for (const field of document.querySelectorAll("input[type=email]")) {
    const purpose = field.getAttribute("autocomplete") || "";
    if (!/(^|\\s)(email|username)$/.test(purpose)) {
      problems.push(`email field ${field.name} has autocomplete="${purpose}"`);
    }
  }
  // 5.4 / 5.6: data tables have a caption (or a name) and header cells.
  for (const table of document.querySelectorAll("table")) {
    const caption = table.querySelector("caption");
    if (!(caption && text(caption)) && !namedBy(table)) problems.push("a table has no caption");
    if (!table.querySelector("th")) problems.push("a table has no header cell");
  }
  // 6.1: links with the same name lead to the same place.
  const targets = new Map();
  for (const link of document.querySelectorAll("a[href]")) {
    if (!visible(link) && !link.classList.contains("skip-link")) continue;
    const name = (link.getAttribute("aria-label") || text(link)).toLowerCase();
    const href = new URL(link.getAttribute("href"), location.href);
    href.hash = "";
    if (!targets.has(name)) targets.set(name, new Set());
    targets.get(name).add(href.href);
  }
  for (const [name, hrefs] of targets) {
    if (hrefs.size > 1) problems.push(`links named "${name}" lead to ${hrefs.size} places`);
  }
  // 1.1 / 1.2: an informative image or chart has a role and a name, and figures in a table.
  for (const svg of document.querySelectorAll("svg")) {
    if (svg.closest("[aria-hidden=true]") || ["presentation", "none"].includes(
      svg.getAttribute("role"))) continue;
    if (svg.getAttribute("role") !== "img" || !namedBy(svg)) {
      problems.push(`an svg (${svg.getAttribute("class")}) has no role=img with a name`);
    }
    if (svg.closest(".chart") && !document.querySelector("table")) {
      problems.push("a chart has no table with the same figures");
    }
  }
  for (const img of document.querySelectorAll("img:not([alt])")) {
    problems.push(`img ${img.getAttribute("src")} has no alt`);
  }
  // 3.1: a status is written, not only coloured.
  for (const badge of document.querySelectorAll("[class*='status--']")) {
    if (!text(badge)) problems.push(`status ${badge.className} has no words`);
  }
  for (const rule of document.querySelectorAll(".password-rules--live [data-rule]")) {
    const state = rule.querySelector(".password-rules__state");
    if (!(state && text(state))) problems.push(`password rule ${rule.dataset.rule} has no words`);
  }
  return problems;
}
"""

# 10.7: the element that keyboard focus reaches shows it.
_FOCUS_STYLE = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  if (outline || shadow) return "";
  return `${el.tagName.toLowerCase()} "${(el.textContent || el.name || "").trim().slice(0, 40)}"`;
}
"""
FOCUS_STEPS = 12
# The innermost elements sticking out on the right, to say what makes the page scroll.
_TOO_WIDE = """
() => [...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 &&
    ![...el.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 3)
  .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`)
  .join(", ")
"""
# 10.11: no sideways scrolling at 320 CSS px, which is also 1280 px at 400 % or 640 px at
# 200 % zoom (a browser's zoom divides the viewport's CSS width).
NARROW_WIDTHS = (320,)


def check_rgaa(page: Page) -> list[str]:
    """The RGAA criteria axe-core leaves out, scripted (see _RGAA); returns the problems."""
    page.evaluate("() => { window.__rgaaFocus = document.activeElement; }")
    problems: list[str] = list(page.evaluate(_RGAA))
    for width in NARROW_WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        scroll_width, inner_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width > inner_width:
            wide = page.evaluate(_TOO_WIDE)
            problems.append(
                f"horizontal scroll at {width} px: {scroll_width} > {inner_width} ({wide})"
            )
    page.set_viewport_size({"width": WIDTHS[-1], "height": 800})
    # 13.8 / 3.2.1-2: the contract selector never changes page on focus or arrow keys.
    switcher = page.locator("details.switcher summary")
    if switcher.count():
        before = page.url
        was_open = page.evaluate("() => document.querySelector('details.switcher').open")
        switcher.focus()
        for key in ("ArrowDown", "ArrowDown", "ArrowUp", "End"):
            page.keyboard.press(key)
        if page.url != before:
            problems.append(f"the contract selector changed page on the keyboard: {page.url}")
        page.evaluate(
            "(open) => { document.querySelector('details.switcher').open = open; }", was_open
        )
    # Focus visible on the first elements Tab reaches; the test's focus is put back after.
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.evaluate("() => window.scrollTo(0, 0)")
    unfocused = []
    for _ in range(FOCUS_STEPS):
        page.keyboard.press("Tab")
        missing = page.evaluate(_FOCUS_STYLE)
        if missing:
            unfocused.append(missing)
    if unfocused:
        problems.append("focus not visible on:\n  " + "\n  ".join(unfocused))
    page.evaluate(
        """() => {
          const el = window.__rgaaFocus;
          if (el && el !== document.body && el.isConnected) el.focus();
          else if (document.activeElement) document.activeElement.blur();
        }"""
    )
    return problems


def check_page(page: Page, name: str) -> None:
    """Assert what a careful reviewer would check on this page, at 375 and 1280 px."""
    watch = _watches[page]
    SCREENSHOTS.mkdir(exist_ok=True)
    problems: list[str] = list(page.evaluate(_STRUCTURE))
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        violations = run_axe(page)
        if violations:
            problems.append(f"axe at {width} px:\n{format_violations(violations)}")
        scroll_width, inner_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width > inner_width:
            problems.append(f"horizontal scroll at {width} px: {scroll_width} > {inner_width}")
        if width == WIDTHS[0]:
            small = page.evaluate(_SMALL_TARGETS, MIN_TARGET_PX)
            if small:
                problems.append(
                    f"targets under {MIN_TARGET_PX} px at {width} px:\n  " + "\n  ".join(small)
                )
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    problems.extend(check_rgaa(page))
    # The document's own status is the test's business (the 404 page answers 404).
    own_url = page.url.split("#", 1)[0]
    errors = [
        error
        for error in watch.console_errors
        if not (error.startswith("Failed to load resource") and f"({own_url})" in error)
    ]
    if errors:
        problems.append("console errors:\n  " + "\n  ".join(errors))
    if watch.csp_violations:
        problems.append("CSP violations:\n  " + "\n  ".join(watch.csp_violations))
    if watch.foreign_requests:
        problems.append("requests to other hosts:\n  " + "\n  ".join(watch.foreign_requests))
    assert not problems, f"{name}:\n" + "\n".join(problems)


def link_from_mail(server_url: str, to: str, subject_part: str, timeout: float = 10) -> str:
    """The portal link of the last email to ``to`` whose subject contains ``subject_part``,
    on the live server (emails carry SITE_URL's host). Waits for the live server's thread."""
    deadline = time.monotonic() + timeout
    while True:
        for message in reversed(mail.outbox):
            if to in message.to and subject_part in message.subject:
                match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
                assert match, f"no link in the email {message.subject!r}:\n{message.body}"
                return server_url + match.group(1)
        if time.monotonic() > deadline:
            subjects = [(m.to, m.subject) for m in mail.outbox]
            raise AssertionError(f"no email {subject_part!r} to {to}; outbox: {subjects}")
        time.sleep(0.05)


def log_in(page: Page, server_url: str, email: str, password: str, remember: bool = False):
    """The home page's login form, as a subscriber fills it."""
    page.goto(server_url + "/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    if remember:
        page.get_by_label("Se souvenir de moi").check()
    page.get_by_role("button", name="Se connecter").click()


# The focused element, its accessible-ish name, and whether its focus ring shows: an outline
# of at least 2 px or a box shadow, under :focus-visible (what a keyboard user gets).
_FOCUSED = """
() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow !== "none";
  const label = element.labels && element.labels.length ? element.labels[0].innerText : "";
  const name = (element.getAttribute("aria-label") || label || element.innerText ||
                element.value || "").trim().replace(/\\s+/g, " ");
  return {
    name, tag: element.tagName.toLowerCase(), visible: element.matches(":focus-visible") &&
    (outline || shadow),
  };
}
"""


def tab_to(page: Page, name: str, limit: int = 40) -> None:
    """Press Tab until the element whose name starts with ``name`` has the focus, checking
    on the way that every element that took the focus showed it."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None:
            continue
        seen.append(focused["name"])
        assert focused["visible"], f"no visible focus on {focused['tag']} {focused['name']!r}"
        if focused["name"].startswith(name):
            return
    raise AssertionError(f"{name!r} not reached with Tab; focus went through {seen}")
