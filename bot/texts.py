"""Render the bot's texts (bot/texts/<lang>.yaml, bot/templates/<lang>/*.j2) with Jinja2, in the language of
the moment (bot.i18n): Dutch, or English for people who chose it."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import yaml

from bot import i18n
from flows.translate import LANGUAGES


class Catalogue:
    """Looks up a dotted key in one language's catalogue and renders it. Plain text: adapters escape for their
    medium."""

    def __init__(self, timezone: str = "Europe/Amsterdam", language: str = "nl"):
        self.language = language
        self.tz = ZoneInfo(timezone)
        base = Path(str(resources.files("bot")))
        self.catalogue = yaml.safe_load((base / "texts" / f"{language}.yaml").read_text(encoding="utf-8"))
        # No HTML autoescape: the output is plain text or Slack mrkdwn, not HTML.
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(base / "templates" / language),
            autoescape=False,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        # Documents in HTML (the dossier): every value escaped, so typed text never becomes markup.
        self.html_env = jinja2.Environment(
            # The document's layout is one, for every language (its words come from the catalogue).
            loader=jinja2.FileSystemLoader([base / "templates" / language, base / "templates" / "shared"]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        for env in (self.env, self.html_env):
            env.filters["datum"] = self.date
            env.filters["datumtijd"] = self.datetime
            env.globals["t"] = self
        self._compiled: dict[str, jinja2.Template] = {}
        self._plain: dict[str, str | None] = {}  # key -> its text when it holds no template syntax

    def raw(self, key: str) -> Any:
        node: Any = self.catalogue
        for part in key.split("."):
            node = node[part]
        return node

    def compiled(self, source: str) -> jinja2.Template:
        # Compiling is most of the cost of a text; the catalogue and the flow texts are fixed.
        template = self._compiled.get(source)
        if template is None:
            template = self._compiled[source] = self.env.from_string(source)
        return template

    def __call__(self, key: str, **params: Any) -> str:
        if key in self._plain:
            plain = self._plain[key]
        else:
            source = self.raw(key)
            # Most texts are fixed: rendering them through Jinja2 would only strip the trailing newline.
            plain = self._plain[key] = None if "{" in source else source.removesuffix("\n")
        if plain is not None:
            return plain
        return self.compiled(self.raw(key)).render(**params)

    def render_text(self, template_text: str, **params: Any) -> str:
        """Text from the flow definition may hold variables too ({{ discuss_with }})."""
        return self.compiled(template_text).render(**params)

    def template(self, name: str, **params: Any) -> str:
        return self.env.get_template(name).render(**params).strip()

    def html(self, name: str, **params: Any) -> str:
        return self.html_env.get_template(name).render(**params).strip()

    @cached_property
    def _days(self) -> list[str]:
        return self.raw("dates.days")

    @cached_property
    def _months(self) -> list[str]:
        return self.raw("dates.months")

    def date(self, value: dt.date | dt.datetime | None) -> str:
        """As people read them: di 5 mei 2026."""
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.tz).date()
        return f"{self._days[value.weekday()]} {value.day} {self._months[value.month - 1]} {value.year}"

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(self.tz)
        return f"{self.date(local.date())} {local:%H:%M}"


class Texts:
    """Every language's catalogue; each call answers in the language of the moment, or in a fixed one."""

    def __init__(self, timezone: str = "Europe/Amsterdam", language: str | None = None):
        self.timezone = timezone
        self.fixed = language
        self.catalogues = {lang: Catalogue(timezone, lang) for lang in LANGUAGES}

    @property
    def current(self) -> Catalogue:
        return self.catalogues[self.fixed or i18n.current()]

    @property
    def language(self) -> str:
        return self.current.language

    def speaking(self, language: str | None):
        return i18n.speaking(language)

    def __call__(self, key: str, **params: Any) -> str:
        return self.current(key, **params)

    def raw(self, key: str) -> Any:
        return self.current.raw(key)

    def render_text(self, template_text: str, **params: Any) -> str:
        return self.current.render_text(template_text, **params)

    def template(self, name: str, **params: Any) -> str:
        return self.current.template(name, **params)

    def html(self, name: str, **params: Any) -> str:
        return self.current.html(name, **params)

    def date(self, value: dt.date | dt.datetime | None) -> str:
        return self.current.date(value)

    def datetime(self, value: dt.datetime | None) -> str:
        return self.current.datetime(value)
