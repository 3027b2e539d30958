"""HTML documents (the dossier) as PDF/A for archiving in a pupil administration system, made with WeasyPrint.

WeasyPrint lays out HTML and CSS itself (paged media: `@page` headers, page counters) and writes PDF/A with
the document's metadata taken from the HTML (`<title>`, `author`, `description`, `keywords`,
`dcterms.created`, `lang`). Nothing is fetched: a document that names an outside resource gets none.
"""

from __future__ import annotations

VARIANT = "pdf/a-2b"  # ISO 19005-2, level B: the long-term archiving form pupil administration systems accept


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError("documents load nothing from outside")


def pdf_a(html: str) -> bytes:
    import weasyprint  # imported when a PDF is asked for: it loads Pango and fonts

    return weasyprint.HTML(string=html, url_fetcher=_no_fetching).write_pdf(pdf_variant=VARIANT)
