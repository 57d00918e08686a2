"""The one WeasyPrint entry point: a template and its context in, PDF bytes out.

Stylesheets and images resolve from the app's own `static/` folder; every other URL (the network,
other files) is refused, so rendering never reaches outside the checkout. Errors are not
swallowed: a document that cannot be rendered fails loudly rather than arriving half-empty.

Every document is PDF/UA-1 (issue 19): tagged (headings, tables, paragraphs as structure), its title
shown by readers from the template's `<title>`, its language from `<html lang>`.
"""

import hashlib
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

STATIC_DIR = (Path(settings.BASE_DIR) / "static").resolve()


class _StaticOnly(URLFetcher):
    def fetch(self, url, headers=None):
        parsed = urlparse(url)
        if parsed.scheme == "data":
            return super().fetch(url, headers)
        path = Path(unquote(parsed.path)).resolve()
        if parsed.scheme != "file" or not path.is_relative_to(STATIC_DIR):
            raise ValueError("PDF resources must come from the app's static folder")
        return super().fetch(url, headers)


def render_pdf(template_name: str, context: dict) -> bytes:
    html = render_to_string(template_name, context)
    return HTML(
        string=html,
        base_url=STATIC_DIR.as_uri() + "/",
        url_fetcher=_StaticOnly(fail_on_errors=True),
    ).write_pdf(pdf_variant="pdf/ua-1")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pdf_response(data: bytes, *, filename: str, inline: bool = True) -> HttpResponse:
    """`filename` is opaque (a document kind and an id): never a name, birth date or MRN."""
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
