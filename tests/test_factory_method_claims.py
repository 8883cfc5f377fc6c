"""Claims of the factory method page that its blocks state but do not run in full.

Every bad input, through the loaders or through `load_config`, must surface as the page's own
`ConfigError` with the parser's exception chained; a creator that forgets the factory
method cannot be instantiated.
"""

import json
import tomllib
from collections.abc import Callable

import pytest

from snippets.creational.factory_method import (
    ConfigError,
    ConfigFormat,
    ConfigLoader,
    IniConfigLoader,
    JsonConfigLoader,
    TomlConfigLoader,
    load_config,
)

BAD_SYNTAX = [
    (TomlConfigLoader(), "config.toml", "[app]\nworkers =", tomllib.TOMLDecodeError),
    (JsonConfigLoader(), "config.json", "{", json.JSONDecodeError),
    (IniConfigLoader(), "config.ini", "workers = 4", Exception),  # no section header
    (IniConfigLoader(), "config.ini", "[app]\n[app]\n", Exception),  # duplicate section
]


@pytest.mark.parametrize(("loader", "filename", "text", "cause"), BAD_SYNTAX)
def test_parser_errors_become_config_errors_on_both_paths(
    loader: ConfigLoader, filename: str, text: str, cause: type[Exception]
) -> None:
    loads: list[Callable[[], object]] = [
        lambda: loader.load(text),
        lambda: load_config(filename, text),
    ]
    for load in loads:
        with pytest.raises(ConfigError, match=r"^not valid ") as caught:
            load()
        assert isinstance(caught.value.__cause__, cause)
        assert not isinstance(caught.value.__cause__, ConfigError)


@pytest.mark.parametrize("text", ['["not", "an", "object"]', "42", "null"])
def test_a_json_file_that_is_not_an_object_is_refused_on_both_paths(text: str) -> None:
    loads: list[Callable[[], object]] = [
        lambda: JsonConfigLoader().load(text),
        lambda: load_config("config.json", text),
    ]
    for load in loads:
        with pytest.raises(ConfigError, match="a JSON configuration must be an object"):
            load()


TOO_LONG_FOR_INT = pytest.param("9" * 5000, id="5000 digits")  # int() raises ValueError


@pytest.mark.parametrize(
    "workers", ["²", "٣", "1_000", "-2", "0", "4.0", "", "many", TOO_LONG_FOR_INT]
)
def test_workers_outside_ascii_digits_are_refused_with_config_error(workers: str) -> None:
    text = f"[app]\ndatabase_url = sqlite:///x.db\nworkers = {workers}\ndebug = no\n"
    loads: list[Callable[[], object]] = [
        lambda: IniConfigLoader().load(text),
        lambda: load_config("config.ini", text),
    ]
    for load in loads:
        with pytest.raises(ConfigError, match="workers must be a whole number >= 1"):
            load()


@pytest.mark.parametrize("workers", ["0", "-3", "true", "4.5"])
def test_native_toml_values_that_are_not_positive_whole_numbers_are_refused(
    workers: str,
) -> None:
    text = f'[app]\ndatabase_url = "sqlite:///x.db"\nworkers = {workers}\ndebug = false\n'
    with pytest.raises(ConfigError, match="workers must be a whole number >= 1"):
        TomlConfigLoader().load(text)


def test_ini_values_keep_percent_signs() -> None:
    url = "postgresql://shop:p%40ss@db/orders"
    text = f"[app]\ndatabase_url = {url}\nworkers = 2\ndebug = yes\n"
    assert IniConfigLoader().load(text).database_url == url


def test_a_creator_without_the_factory_method_cannot_be_instantiated() -> None:
    class ForgetfulLoader(ConfigLoader):
        pass

    with pytest.raises(TypeError, match="create_format"):
        ForgetfulLoader()  # type: ignore[abstract]
    assert ConfigFormat.__abstractmethods__ == frozenset({"parse"})
