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


# --8<-- [start:product]
class ConfigFormat(ABC):
    """The product: turns the text of a configuration file into a dictionary."""

    name: str

    @abstractmethod
    def parse(self, text: str) -> dict[str, Any]:
        """Parse `text` and return its sections as nested dictionaries."""


class TomlFormat(ConfigFormat):
    """Reads TOML with the standard library's `tomllib`."""

    name = "TOML"

    def parse(self, text: str) -> dict[str, Any]:
        return tomllib.loads(text)


class JsonFormat(ConfigFormat):
    """Reads JSON whose top level is an object."""

    name = "JSON"

    def parse(self, text: str) -> dict[str, Any]:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ConfigError(
                f"a JSON configuration must be an object, not {type(data).__name__}"
            )
        return data


class IniFormat(ConfigFormat):
    """Reads INI files with `configparser`; every value stays a string."""

    name = "INI"

    def parse(self, text: str) -> dict[str, Any]:
        parser = configparser.ConfigParser(interpolation=None)  # '%' is plain text
        parser.read_string(text)
        return {section: dict(parser[section]) for section in parser.sections()}


# --8<-- [end:product]


# --8<-- [start:creator]
def parse_config(
    parse: Callable[[str], dict[str, Any]], text: str, kind: str
) -> dict[str, Any]:
    """Run a parser; report its errors as a `ConfigError` that chains the cause."""
    try:
        return parse(text)
    except ConfigError:
        raise
    except (ValueError, configparser.Error) as exc:
        raise ConfigError(f"not valid {kind}: {exc}") from exc


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
    """Loads `config.toml`."""

    def create_format(self) -> ConfigFormat:
        return TomlFormat()


class JsonConfigLoader(ConfigLoader):
    """Loads `config.json`."""

    def create_format(self) -> ConfigFormat:
        return JsonFormat()


class IniConfigLoader(ConfigLoader):
    """Loads `config.ini`."""

    def create_format(self) -> ConfigFormat:
        return IniFormat()


# --8<-- [end:concrete-creators]


# --8<-- [start:pythonic]
Parser = Callable[[str], dict[str, Any]]
PARSERS: dict[str, Parser] = {}


def register_parser(suffix: str, parse: Parser) -> None:
    """Make `load_config` read files ending in `suffix` with `parse`."""
    if not suffix.startswith("."):
        raise ValueError(f"a suffix starts with a dot, like '.toml', got {suffix!r}")
    if suffix in PARSERS:
        raise ValueError(f"a parser for {suffix!r} files is already registered")
    PARSERS[suffix] = parse


register_parser(".toml", tomllib.loads)
register_parser(".json", JsonFormat().parse)
register_parser(".ini", IniFormat().parse)


def load_config(filename: str, text: str) -> AppConfig:
    """Choose the parser by the file's suffix, then validate the result."""
    suffix = PurePath(filename).suffix
    try:
        parse = PARSERS[suffix]
    except KeyError:
        known = ", ".join(sorted(PARSERS))
        raise ConfigError(f"no parser for {suffix!r} files (known: {known})") from None
    return AppConfig.from_mapping(parse_config(parse, text, suffix))


# --8<-- [end:pythonic]


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

if __name__ == "__main__":
    # fmt: off
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

    # --8<-- [start:demo-errors]
    try:
        IniConfigLoader().load("[app]\ndatabase_url = sqlite:///x.db\nworkers = ²\n")
    except ConfigError as exc:
        print(exc)
        #> app.workers must be a whole number >= 1, got '²'
    try:
        JsonConfigLoader().load('["not", "an", "object"]')
    except ConfigError as exc:
        print(exc)
        #> a JSON configuration must be an object, not list
    # --8<-- [end:demo-errors]

    # --8<-- [start:demo-pythonic]
    print(load_config("settings/config.toml", TOML_TEXT).workers)
    #> 4
    try:
        load_config("settings/config.yaml", "app: {}")
    except ConfigError as exc:
        print(exc)
        #> no parser for '.yaml' files (known: .ini, .json, .toml)
    try:
        load_config("settings/config.toml", "[app]\nworkers =")
    except ConfigError as exc:
        print(exc, "| cause:", type(exc.__cause__).__name__)
        #> not valid .toml: Invalid value (at end of document) | cause: TOMLDecodeError
    try:
        register_parser(".json", json.loads)
    except ValueError as exc:
        print(exc)
        #> a parser for '.json' files is already registered
    # --8<-- [end:demo-pythonic]
    # fmt: on
