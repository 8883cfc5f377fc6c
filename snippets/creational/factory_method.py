"""Factory method: configuration loaders whose subclasses choose the file format.

Run it with `python -m snippets.creational.factory_method`.
"""

# --8<-- [start:imports]
import configparser
import json
import tomllib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Self

# --8<-- [end:imports]


# --8<-- [start:config]
class ConfigError(ValueError):
    """A configuration file is malformed, lacks a key or holds a bad value."""


@dataclass(frozen=True)
class AppConfig:
    """The settings the application runs with, whatever file they came from."""

    database_url: str
    workers: int
    debug: bool

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Self:
        """Build the settings from the `[app]` section of parsed data.

        INI files carry every value as text, so whole numbers and booleans are
        accepted both as native values and as their usual spellings.
        """
        app = data.get("app")
        if not isinstance(app, Mapping):
            raise ConfigError("the configuration has no [app] section")
        return cls(
            database_url=_text(app, "database_url"),
            workers=_whole_number(app, "workers"),
            debug=_flag(app, "debug"),
        )


# --8<-- [end:config]


# --8<-- [start:helpers]
def _text(section: Mapping[str, Any], key: str) -> str:
    value = section.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"app.{key} must be a non-empty string, got {value!r}")
    return value


def _whole_number(section: Mapping[str, Any], key: str) -> int:
    value = section.get(key)
    number = value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        with suppress(ValueError):  # int() refuses over 4300 digits by default
            number = int(value)  # ASCII: isdigit() alone also accepts '²'
    if isinstance(number, int) and not isinstance(number, bool) and number >= 1:
        return number
    raise ConfigError(f"app.{key} must be a whole number >= 1, got {value!r}")


_FLAGS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _flag(section: Mapping[str, Any], key: str) -> bool:
    value = section.get(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _FLAGS:
        return _FLAGS[value.strip().lower()]
    raise ConfigError(f"app.{key} must be true or false, got {value!r}")


# --8<-- [end:helpers]


# --8<-- [start:samples]
TOML_TEXT = """\
[app]
database_url = "sqlite:///orders.db"
workers = 4
debug = false
"""

JSON_TEXT = (
    '{"app": {"database_url": "sqlite:///orders.db", "workers": 2, "debug": true}}'
)

INI_TEXT = """\
[app]
database_url = sqlite:///orders.db
workers = 8
debug = no
"""
# --8<-- [end:samples]


# --8<-- [start:pythonic]
Parser = Callable[[str], dict[str, Any]]


def parse_json(text: str) -> dict[str, Any]:
    """Parse JSON whose top level is an object."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ConfigError(
            f"a JSON configuration must be an object, not {type(data).__name__}"
        )
    return data


def parse_ini(text: str) -> dict[str, Any]:
    """Parse INI with `configparser`; every value stays a string."""
    parser = configparser.ConfigParser(interpolation=None)  # '%' is plain text
    parser.read_string(text)
    return {section: dict(parser[section]) for section in parser.sections()}


PARSERS: dict[str, Parser] = {
    ".toml": tomllib.loads,
    ".json": parse_json,
    ".ini": parse_ini,
}


def parse_config(parse: Parser, text: str, kind: str) -> dict[str, Any]:
    """Run a parser; report its errors as a `ConfigError` that chains the cause."""
    try:
        return parse(text)
    except ConfigError:
        raise
    except (ValueError, configparser.Error) as exc:
        raise ConfigError(f"not valid {kind}: {exc}") from exc


def load_config(
    filename: str, text: str, parsers: Mapping[str, Parser] = PARSERS
) -> AppConfig:
    """Pick the parser for the file's suffix from `parsers`, then validate."""
    suffix = PurePath(filename).suffix
    if suffix not in parsers:
        known = ", ".join(sorted(parsers))
        raise ConfigError(f"no parser for {suffix!r} files (known: {known})")
    return AppConfig.from_mapping(parse_config(parsers[suffix], text, suffix))


# --8<-- [end:pythonic]


# --8<-- [start:product]
class ConfigFormat(ABC):
    """The product: turns the text of a configuration file into a dictionary."""

    name: str

    @abstractmethod
    def parse(self, text: str) -> dict[str, Any]:
        """Parse `text` and return its sections as nested dictionaries."""


class TomlFormat(ConfigFormat):
    name = "TOML"

    def parse(self, text: str) -> dict[str, Any]:
        return tomllib.loads(text)


class JsonFormat(ConfigFormat):
    name = "JSON"

    def parse(self, text: str) -> dict[str, Any]:
        return parse_json(text)


class IniFormat(ConfigFormat):
    name = "INI"

    def parse(self, text: str) -> dict[str, Any]:
        return parse_ini(text)


# --8<-- [end:product]


# --8<-- [start:creator]
class ConfigLoader(ABC):
    """The creator: loads an `AppConfig`, and lets subclasses pick the format."""

    @abstractmethod
    def create_format(self) -> ConfigFormat:
        """The factory method: return a fresh parser for this loader's format."""

    def load(self, text: str) -> AppConfig:
        """Parse `text` with the format the subclass creates, then validate it."""
        config_format = self.create_format()
        data = parse_config(config_format.parse, text, config_format.name)
        return AppConfig.from_mapping(data)


# --8<-- [end:creator]


# --8<-- [start:concrete-creators]
class TomlConfigLoader(ConfigLoader):
    def create_format(self) -> ConfigFormat:
        return TomlFormat()


class JsonConfigLoader(ConfigLoader):
    def create_format(self) -> ConfigFormat:
        return JsonFormat()


class IniConfigLoader(ConfigLoader):
    def create_format(self) -> ConfigFormat:
        return IniFormat()


# --8<-- [end:concrete-creators]


# --8<-- [start:attribute]
class FormatLoader(ConfigLoader):
    """The product class as data: a class attribute, or an argument per instance."""

    format_class: type[ConfigFormat] = TomlFormat  # a subclass sets another class

    def __init__(self, format_class: type[ConfigFormat] | None = None) -> None:
        if format_class is not None:
            self.format_class = format_class

    def create_format(self) -> ConfigFormat:
        return self.format_class()


class JsonFileLoader(FormatLoader):
    format_class = JsonFormat


# --8<-- [end:attribute]

if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-pythonic]
    print(load_config("settings/config.toml", TOML_TEXT))
    #> AppConfig(database_url='sqlite:///orders.db', workers=4, debug=False)
    try:
        load_config("settings/config.yaml", "app: {}")
    except ConfigError as exc:
        print(exc)
        #> no parser for '.yaml' files (known: .ini, .json, .toml)
    print(load_config("setup.cfg", INI_TEXT, parsers=PARSERS | {".cfg": parse_ini}))
    #> AppConfig(database_url='sqlite:///orders.db', workers=8, debug=False)
    # --8<-- [end:demo-pythonic]

    # --8<-- [start:demo]
    loaders: list[tuple[ConfigLoader, str]] = [
        (TomlConfigLoader(), TOML_TEXT),
        (JsonConfigLoader(), JSON_TEXT),
        (IniConfigLoader(), INI_TEXT),
    ]
    for loader, text in loaders:
        print(loader.load(text))
        #> AppConfig(database_url='sqlite:///orders.db', workers=4, debug=False)
        #> AppConfig(database_url='sqlite:///orders.db', workers=2, debug=True)
        #> AppConfig(database_url='sqlite:///orders.db', workers=8, debug=False)
    # --8<-- [end:demo]

    # --8<-- [start:demo-attribute]
    by_subclass, by_argument = JsonFileLoader(), FormatLoader(IniFormat)
    print(by_subclass.load(JSON_TEXT).workers, by_argument.load(INI_TEXT).workers)
    #> 2 8
    # --8<-- [end:demo-attribute]
    # fmt: on
