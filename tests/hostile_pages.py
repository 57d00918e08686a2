"""What the hostile-input test needs to know about the site: every named URL the resolver lists,
and, on each page, the forms (their fields as served) and the query parameters its links and
htmx attributes use. No Django test machinery here: the test drives it."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.urls import URLPattern, URLResolver, get_resolver

TEXT_KINDS = frozenset({"text", "textarea", "search", "tel", "email", "url"})


@dataclass
class Field:
    name: str
    kind: str  # an <input> type, "textarea" or "select"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass
class Form:
    action: str  # a path
    method: str  # "get" or "post"
    fields: list[Field] = field(default_factory=list)
    submits: list[tuple[str, str]] = field(default_factory=list)  # named buttons

    @property
    def key(self) -> tuple:
        return (self.action, self.method, tuple(sorted({f.name for f in self.fields})))


@dataclass
class Page:
    forms: list[Form] = field(default_factory=list)
    # path -> query parameter names seen in links, htmx requests and GET forms aimed at it
    query_names: dict[str, set[str]] = field(default_factory=dict)


class _PageParser(HTMLParser):
    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base, self.page = base, Page()
        self.form: Form | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None

    def _path(self, url: str) -> str:
        return urlsplit(urljoin(self.base, url)).path

    def _names(self, url: str, names) -> None:
        self.page.query_names.setdefault(self._path(url), set()).update(names)

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and "?" in a.get("href", ""):
            href = a["href"]
            self._names(href, (k for k, _ in parse_qsl(urlsplit(href).query, True)))
        if a.get("hx-get") and a.get("name"):
            self._names(a["hx-get"], [a["name"]])
        if tag == "form":
            self.form = Form(self._path(a.get("action", "")), a.get("method", "get").lower())
            self.page.forms.append(self.form)
        if tag == "option" and self.select is not None:
            self.select.options.append(a.get("value", ""))
            if "selected" in a:
                self.select.value = a.get("value", "")
        if self.form is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image", "button", "reset"):
                self.form.submits.append((name, a.get("value", "")))
            else:
                self.form.fields.append(Field(name, kind, a.get("value", ""), "checked" in a))
        elif tag == "button" and a.get("type", "submit") == "submit":
            self.form.submits.append((name, a.get("value", "")))
        elif tag == "textarea":
            self.textarea = Field(name, "textarea")
            self.form.fields.append(self.textarea)
        elif tag == "select":
            self.select = Field(name, "select", multiple="multiple" in a)
            self.form.fields.append(self.select)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            if self.form is not None and self.form.method == "get":
                self._names(self.form.action, (f.name for f in self.form.fields))
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def parse(html: str, base: str) -> Page:
    parser = _PageParser(base)
    parser.feed(html)
    return parser.page


def field_values(html: str, base: str, action: str) -> dict[str, str]:
    """The values a re-rendered page shows in the forms aimed at `action`."""
    values = {}
    for form in parse(html, base).forms:
        if form.action == action:
            values.update({f.name: f.value for f in form.fields if f.kind in TEXT_KINDS})
    return values


@dataclass(frozen=True)
class Route:
    name: str  # with its namespace, as reverse() takes it
    params: tuple[str, ...]


def routes() -> list[Route]:
    """Every named URL pattern the resolver lists, with the names of its path parameters."""
    found = []

    def walk(resolver: URLResolver, namespace: str, inherited: tuple[str, ...]):
        for entry in resolver.url_patterns:
            pattern = entry.pattern
            names = tuple(getattr(pattern, "converters", {})) or tuple(pattern.regex.groupindex)
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry, inner, inherited + names)
            elif isinstance(entry, URLPattern) and entry.name:
                found.append(Route(f"{namespace}{entry.name}", inherited + names))

    walk(get_resolver(), "", ())
    return found
