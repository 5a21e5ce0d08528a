"""How icespec reads its environment: pydantic-settings models, one per backend, alert sink and part.

Every `ICESPEC_*` variable is a field of one `EnvironmentSettings` model: its name is the field's
(`ICESPEC_` + the field name in capitals) or its `validation_alias`, its documentation the field's
`description`, a secret is a `SecretStr`. Nothing else reads the environment, so the README's table
(`icespec config variables --markdown`), the Dagster resources (one field per variable, secrets bound
as `EnvVar`) and the validation cannot disagree.

A model is read from the process environment or from a given mapping (`Model.read(env)`); every
invalid or missing variable becomes one line of a `SettingsError` naming it and what to do, never
pydantic's own report. Blank values count as unset, and values are stripped, as a shell user expects.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any, Self

from pydantic import AfterValidator, AliasChoices, BeforeValidator, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from icespec.errors import SettingsError

PREFIX = "ICESPEC_"
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")

# The mapping a `read(env=...)` call reads instead of os.environ (pydantic-settings builds its sources
# inside the model's constructor, so the mapping reaches the source through this context variable).
_ENVIRONMENT: ContextVar[Mapping[str, str] | None] = ContextVar("icespec_environment", default=None)


class _Environment(EnvSettingsSource):
    """pydantic-settings' environment source over os.environ or the mapping being read; values
    stripped, blank ones dropped. Only names in capitals count, as documented (ICESPEC_BACKEND, not
    icespec_backend): on Linux two spellings are two variables, and which one won would depend on
    their order."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        given = _ENVIRONMENT.get()
        source = os.environ if given is None else given
        values = {
            k: v.strip() for k, v in source.items() if k == k.upper() and isinstance(v, str) and v.strip()
        }
        return values if self.case_sensitive else {k.lower(): v for k, v in values.items()}


class EnvironmentSettings(BaseSettings):
    """Base of every settings model: `ICESPEC_` variables, frozen, unknown variables ignored."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        frozen=True,
        extra="ignore",
        # A field with a validation_alias is read under its aliases only (AWS_ACCESS_KEY_ID, never
        # ICESPEC_AWS_ACCESS_KEY_ID), and pydantic's own messages never echo a value (a secret).
        validate_by_name=False,
        validate_by_alias=True,
        hide_input_in_errors=True,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, _Environment(settings_cls)

    @classmethod
    def read(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        needed_for: str = "",
        error: type[SettingsError] = SettingsError,
    ) -> Self:
        """The model from `env` (the process environment when None). A SettingsError (or `error`) lists
        every variable that is invalid, or missing (`needed_for` says what needs it: "ICESPEC_BACKEND=gcp")."""
        with reading(env) if env is not None else nullcontext():
            try:
                return cls()
            except ValidationError as invalid:
                found = problems(cls, invalid, needed_for)
        # Raised outside the handler: pydantic's error, which holds the raw values, is not chained.
        raise error(found)

    @classmethod
    def variables(cls) -> list[Variable]:
        return variables_of(cls)

    @classmethod
    def icespec_variables(cls) -> list[Variable]:
        """Its ICESPEC_* variables: the ones icespec documents and Dagster configures (the standard
        AWS credential variables are read by every AWS client anyway)."""
        return [v for v in variables_of(cls) if v.name.startswith(PREFIX)]


@contextmanager
def reading(env: Mapping[str, str] | None) -> Iterator[None]:
    """Models built inside, and `read()` calls given no mapping, read `env` instead of the process
    environment."""
    token = _ENVIRONMENT.set(env)
    try:
        yield
    finally:
        _ENVIRONMENT.reset(token)


@dataclass(frozen=True)
class Variable:
    """One environment variable of a model, for documentation, errors and Dagster resources."""

    name: str  # the ICESPEC_* name (or the first alias when a field has no ICESPEC_ name)
    field: str  # the model field it fills
    description: str
    default: str  # as a user reads it; "" when unset means "not used"
    secret: bool
    required: bool
    aliases: tuple[str, ...] = ()  # other variables that count too (AWS_REGION, ...)
    example: str = ""


def _names(name: str, info: FieldInfo) -> tuple[str, ...]:
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return tuple(choice for choice in alias.choices if isinstance(choice, str))
    if isinstance(alias, str):
        return (alias,)
    return (PREFIX + name.upper(),)


def _is_secret(info: FieldInfo) -> bool:
    annotation = info.annotation
    return annotation is SecretStr or SecretStr in getattr(annotation, "__args__", ())


def _shown_default(info: FieldInfo) -> str:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if "shown_default" in extra:
        return str(extra["shown_default"])
    if info.is_required() or info.default is None or info.default_factory is not None:
        return ""
    if isinstance(info.default, bool):
        return "true" if info.default else "false"
    return str(info.default)


def variables_of(model: type[BaseSettings]) -> list[Variable]:
    """The model's variables in field order."""
    result = []
    for name, info in model.model_fields.items():
        names = _names(name, info)
        result.append(
            Variable(
                name=names[0],
                field=name,
                description=info.description or "",
                default=_shown_default(info),
                secret=_is_secret(info),
                required=info.is_required(),
                aliases=names[1:],
                example=str(info.examples[0]) if info.examples else "",
            )
        )
    return result


# pydantic's error types, in the words of someone setting a variable.
_READABLE = {
    "bool_parsing": "is not true or false",
    "int_parsing": "is not a whole number",
    "float_parsing": "is not a number",
    "date_from_datetime_parsing": "is not a date (YYYY-MM-DD)",
    "date_parsing": "is not a date (YYYY-MM-DD)",
}


def problems(model: type[BaseSettings], error: ValidationError, needed_for: str = "") -> list[str]:
    """Each pydantic error as `VARIABLE='value' what is wrong`, or `VARIABLE is required ...`."""
    by_key: dict[str, Variable] = {}
    for known in variables_of(model):
        for key in (known.field, known.name, *known.aliases):
            by_key[key.lower()] = known
    lines: list[str] = []
    for item in error.errors():
        location = item.get("loc") or ()
        variable = by_key.get(str(location[0]).lower()) if location else None
        message = str(item.get("msg", "")).removeprefix("Value error, ")
        if variable is None:  # a rule across fields (a model validator): its message says it all
            lines.append(message)
            continue
        if item.get("type") == "missing":
            also = f" (or {', '.join(variable.aliases)})" if variable.aliases else ""
            where = f" for {needed_for}" if needed_for else ""
            example = f" (e.g. {variable.name}={variable.example})" if variable.example else ""
            lines.append(f"{variable.name}{also} is required{where}{example}")
            continue
        value = "'***'" if variable.secret else repr(item.get("input"))
        kind = str(item.get("type", ""))
        if kind == "literal_error":
            expected = item.get("ctx", {}).get("expected", "")
            text = f"must be {expected}"
        else:
            text = _READABLE.get(kind, message)
        lines.append(f"{variable.name}={value} {text}")
    return lines


def url_of(*schemes: str) -> Callable[[str], str]:
    """A validator: the value is a URL with one of `schemes` and a host."""
    from urllib.parse import urlparse

    def check(value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in schemes or not parsed.netloc:
            raise ValueError(f"is not a URL starting with {' or '.join(s + '://' for s in schemes)}")
        return value

    return check


def location_of(*prefixes: str) -> Callable[[str], str]:
    """A validator: the value starts with one of `prefixes` (s3://, gs://, ...)."""

    def check(value: str) -> str:
        if not value.startswith(prefixes):
            raise ValueError(f"must start with {' or '.join(prefixes)}")
        return value

    return check


def _at_least_one(value: Any) -> Any:
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise ValueError("must be a whole number of at least 1")
    return int(text)


AtLeastOne = Annotated[int, BeforeValidator(_at_least_one)]
"""A count or interval: a whole number of at least 1."""


def _flag(value: Any) -> Any:
    text = str(value).strip().lower()
    if text not in TRUE_WORDS + FALSE_WORDS:
        raise ValueError(f"is not true or false ({', '.join(TRUE_WORDS)} / {', '.join(FALSE_WORDS)})")
    return text in TRUE_WORDS


Flag = Annotated[bool, BeforeValidator(_flag)]
"""A yes/no variable: true, 1, yes, on / false, 0, no, off (not pydantic's t, y, f, n)."""


def _calendar_day(value: Any) -> Any:
    text = str(value).strip()
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError("is not a date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a date (YYYY-MM-DD)") from None


CalendarDay = Annotated[dt.date, BeforeValidator(_calendar_day)]
"""A date written YYYY-MM-DD, nothing else (pydantic would take '0' or a timestamp)."""


HttpUrl = Annotated[str, AfterValidator(url_of("http", "https"))]
"""A URL text (kept as written, unlike pydantic's HttpUrl, which adds a slash)."""


def secret_text(value: SecretStr | None) -> str | None:
    """The secret's value, for the one client that needs it."""
    return value.get_secret_value() if value is not None else None
