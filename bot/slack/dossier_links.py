"""The bot's own web page for a dossier's one-time link (dossier): nothing of the dossier goes through Slack.

GET /dossier/<token> shows a page with one button and uses nothing (link previewers and mail scanners fetch
links: they must not use it up); the button POSTs to the same address, which opens the dossier once, as the
export of the person the link was made for. Pages are never cached, never framed, load nothing from elsewhere
and send no referrer. Refusals (used, expired, unknown) are a page in words, with no detail of the case.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from bot.port import ConversationPort
from bot.service.documents import LINK_PATH

HEADERS = [
    ("Cache-Control", "no-store"),
    ("Pragma", "no-cache"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    ),
]
STATUS = {"used": "410 Gone", "expired": "410 Gone", "unknown": "404 Not Found"}


def is_link(path: str) -> bool:
    return path.startswith(LINK_PATH) and 0 < len(path) - len(LINK_PATH) <= 64


def _page(title: str, body: str) -> bytes:
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="robots" content="noindex">'
        f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;max-width:36rem;margin:3rem auto;"
        f"line-height:1.5}}button{{font-size:1.1rem;padding:.5rem 1rem}}</style></head><body>{body}</body></html>"
    ).encode()


def serve(port: ConversationPort, environ: dict[str, Any], start_response: Callable) -> list[bytes]:
    texts = port.texts
    token = environ.get("PATH_INFO", "")[len(LINK_PATH) :]
    method = environ.get("REQUEST_METHOD", "GET")

    def answer(status: str, content_type: str, body: bytes, extra: tuple[tuple[str, str], ...] = ()) -> list[bytes]:
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *HEADERS, *extra])
        return [body]

    if method == "GET":  # uses nothing: one button to open it
        title = texts("dossier.link_page_title")
        button = html.escape(texts("dossier.link_page_button"))
        body = (
            f"<h1>{html.escape(title)}</h1><p>{html.escape(texts('dossier.link_page_text'))}</p>"
            f'<form method="post"><button type="submit">{button}</button></form>'
        )
        return answer("200 OK", "text/html; charset=utf-8", _page(title, body))
    if method != "POST":
        return answer("405 Method Not Allowed", "text/plain; charset=utf-8", b"", (("Allow", "GET, POST"),))
    reply = port.open_link(token)
    if not reply.ok:
        text = reply.text()
        return answer(
            STATUS.get(reply.error or "", "403 Forbidden"),
            "text/html; charset=utf-8",
            _page(text, f"<p>{html.escape(text)}</p>"),
        )
    message = reply.messages[0]
    if message.file is not None:
        name, pdf = message.file
        return answer("200 OK", "application/pdf", pdf, (("Content-Disposition", f'attachment; filename="{name}"'),))
    return answer("200 OK", "text/html; charset=utf-8", message.text.encode())
