"""Content-Security-Policy violations seen by the browser in a Playwright page, for the browser
tests that load pages under the server's real policy.

`watch_csp(page)` returns a list that fills with one line per violation: the page reports every
`securitypolicyviolation` event to Python (the reporter is injected by the browser itself, so the
policy does not block it), and Chromium's "Refused to ..." console errors are kept too.
"""

from __future__ import annotations

REPORTER = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.swReportCspViolation(event.effectiveDirective + " blocked " + (event.blockedURI || "?") +
                              " in " + event.documentURI + " line " + event.lineNumber);
}, true);
"""


def watch_csp(page) -> list[str]:
    violations: list[str] = []
    page.expose_function("swReportCspViolation", lambda line: violations.append(line))
    page.add_init_script(REPORTER)
    page.on("console", lambda message: _keep_refusal(message, violations))
    return violations


def _keep_refusal(message, violations: list[str]) -> None:
    if message.type == "error" and "Content Security Policy" in message.text:
        violations.append(message.text)


def settle(page) -> None:
    """Wait until the page's loads are done and the reports sent so far have arrived."""
    page.wait_for_load_state("networkidle")
    page.evaluate("0")  # a round trip: reports queued before it are delivered before it returns
