"""Issue "dossier" in Slack: the Dossier button gives a one-time link to the bot's own server, in the person's
own modal; the page uses nothing on GET, opens the dossier once on POST, and refuses a second use."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from zoneinfo import ZoneInfo

from tests.slack.test_slack_admin import home_of
from tests.slack.test_slack_dialog import CANARY, open_and_walk_to_consultation


def fetch(url: str, method: str = "GET") -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_dossier_button_gives_one_time_links_and_nothing_of_the_dossier_goes_through_slack(slack):
    code, _ = open_and_walk_to_consultation(slack)
    slack.standin.clear()
    slack.button("sanne", "mc_export", code)
    modal = slack.standin.wait_for("views.open")[0]["view"]
    assert CANARY not in json.dumps(modal) and "# Dossier" not in json.dumps(modal)  # no content, no Markdown
    urls = [e["url"] for b in modal["blocks"] if b["type"] == "actions" for e in b["elements"] if "url" in e]
    assert len(urls) == 2 and all(u.startswith(slack.url + "/dossier/") for u in urls)
    html_url, pdf_url = urls
    status, headers, page = fetch(html_url)  # a link previewer or mail scanner: uses nothing
    assert status == 200 and b'<form method="post">' in page and CANARY.encode() not in page
    assert headers["Cache-Control"] == "no-store" and headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
    status, headers, dossier = fetch(html_url, "POST")
    assert status == 200 and headers["Content-Type"].startswith("text/html") and CANARY.encode() in dossier
    assert f"Dossier meldcode: zaak {code}".encode() in dossier
    status, _, again = fetch(html_url, "POST")
    assert status == 410 and "al gebruikt" in again.decode() and CANARY.encode() not in again
    status, headers, pdf = fetch(pdf_url, "POST")
    assert status == 200 and headers["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF-")
    assert headers["Content-Disposition"] == f'attachment; filename="meldcode-dossier-{code}.pdf"'
    assert fetch(slack.url + "/dossier/" + "x" * 32, "POST")[0] == 404
    assert not any(CANARY in json.dumps(c.params) for c in slack.standin.ever if c.method.startswith("chat."))
    assert slack.button("sanne", "mc_link_0", "").status == 200  # the click Slack sends beside the browser


def test_dossier_button_for_someone_not_on_the_case_gives_no_link(slack):
    code, _ = open_and_walk_to_consultation(slack)
    slack.standin.clear()
    slack.button("tom", "mc_export", code)
    modal = slack.standin.wait_for("views.open")[0]["view"]
    assert "Geen toegang" in json.dumps(modal, ensure_ascii=False) and "/dossier/" not in json.dumps(modal)


def test_dossier_button_without_a_public_address_says_where_to_get_it(tmp_path, standin, db_url):
    from tests.slack.conftest import start_server

    server = start_server(tmp_path, db_url, standin, env_overrides={"MELDCODE_PUBLIC_URL": None})
    try:
        code, _ = open_and_walk_to_consultation(server)
        server.standin.clear()
        server.button("sanne", "mc_export", code)
        text = json.dumps(server.standin.wait_for("views.open")[0]["view"], ensure_ascii=False)
        assert "meldcode export CODE --as JOUW-ID --format pdf" in text and "/dossier/" not in text
        assert CANARY not in text
        server.standin.clear()
        server.button("els", "mc_report", "")  # the board's yearly report: the same, no link without an address
        text = json.dumps(server.standin.wait_for("views.open")[0]["view"], ensure_ascii=False)
        assert "meldcode report --year JAAR" in text and "/dossier/" not in text
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)


def _chromium():
    """Headless Chromium from Debian's packages, driven by its ChromeDriver (mandatory in CI, as PostgreSQL is)."""
    import shutil

    import pytest

    from tests.conftest import IN_CI

    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (browser and driver):
        if IN_CI:
            pytest.fail("chromium and chromium-driver are missing; CI must run the browser tests")
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver), options=options)


def test_dossier_link_in_a_real_browser_opens_once_and_then_says_it_was_used(slack):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    code, _ = open_and_walk_to_consultation(slack)
    slack.standin.clear()
    slack.button("sanne", "mc_export", code)
    modal = slack.standin.wait_for("views.open")[0]["view"]
    html_url = next(e["url"] for b in modal["blocks"] if b["type"] == "actions" for e in b["elements"] if "url" in e)
    browser = _chromium()
    try:
        browser.get(html_url)
        assert browser.title == "Document openen" and "werkt één keer" in browser.find_element(By.TAG_NAME, "p").text
        browser.find_element(By.TAG_NAME, "button").click()
        WebDriverWait(browser, 20).until(lambda b: b.title.startswith("Dossier meldcode"))  # the page it opens
        assert browser.find_element(By.TAG_NAME, "h1").text == f"Dossier meldcode: zaak {code}"
        headers = [h.text for h in browser.find_elements(By.TAG_NAME, "h2")]
        assert headers[:2] == ["Signalen (stap 1)", "Eerst even bepalen"] and "Tijdlijn" in headers
        assert CANARY in browser.find_element(By.CSS_SELECTOR, "table.signals").text
        browser.get(html_url)  # the same link again, as someone who got hold of it would
        browser.find_element(By.TAG_NAME, "button").click()
        WebDriverWait(browser, 20).until(lambda b: b.title.startswith("Deze link is al gebruikt"))
        assert "Deze link is al gebruikt" in browser.find_element(By.TAG_NAME, "body").text
        assert CANARY not in browser.page_source
    finally:
        browser.quit()


def test_c7_the_boards_yearly_report_comes_through_one_time_links_never_through_slack(slack):
    open_and_walk_to_consultation(slack)
    this = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).year  # the server runs on the real clock
    home = json.dumps(home_of(slack, "els", "EvReport1"), ensure_ascii=False)  # the board's App Home
    assert "mc_report" in home and "Jaarevaluatie (PDF)" in home
    slack.standin.clear()
    slack.button("els", "mc_report", "")
    modal = slack.standin.wait_for("views.open")[0]["view"]
    text = json.dumps(modal, ensure_ascii=False)
    assert f"Jaarevaluatie {this - 1} (PDF/A)" in text and f"Jaarevaluatie {this} tot nu toe (PDF/A)" in text
    urls = [e["url"] for b in modal["blocks"] if b["type"] == "actions" for e in b["elements"] if "url" in e]
    assert len(urls) == 2 and all(u.startswith(slack.url + "/dossier/") for u in urls)
    status, headers, pdf = fetch(urls[1], "POST")
    assert status == 200 and headers["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF-")
    assert headers["Content-Disposition"] == f'attachment; filename="meldcode-jaarevaluatie-{this}.pdf"'
    assert fetch(urls[1], "POST")[0] == 410  # once
    assert not any(c.method.startswith("files.") for c in slack.standin.ever)  # nothing uploaded to Slack
    slack.standin.clear()
    slack.button("sanne", "mc_report", "")  # staff: no link
    refused = json.dumps(slack.standin.wait_for("views.open")[0]["view"], ensure_ascii=False)
    assert "De cijfers zijn voor" in refused and "/dossier/" not in refused
