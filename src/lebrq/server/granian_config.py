"""granian.toml -> Granian's own command line, validated by Granian itself.

Granian reads no config file, so each key of granian.toml is named exactly like one of
Granian's long CLI options (`workers`, `backpressure`, `ssl-certificate`, `access-log`,
...) and becomes that option. The list of options and every check on their values come
from Granian's click command (`granian.cli.cli`), so a new Granian release needs no change
here and nothing is validated twice in two different ways.

Precedence, highest first:
1. what lebrq fixes itself: the target `lebrq.server.worker:create_app`, `--factory` and
   `--interface asgi` (the file may not set them);
2. Granian's own `GRANIAN_*` environment variable for an option (the name is shown in
   `granian --help`, e.g. `GRANIAN_PORT`, `GRANIAN_WORKERS`), so a deployment can change
   one value without editing the file;
3. the file;
4. Granian's default.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import click
from click.core import ParameterSource
from granian.cli import cli as granian_command

APP_TARGET = "lebrq.server.worker:create_app"
ENV_PREFIX = "GRANIAN"
# Fixed by lebrq: the application is an ASGI app built by a factory in each worker.
FIXED_ARGUMENTS = ("--interface", "asgi", "--factory")
FIXED_KEYS = frozenset({"interface", "factory"})
# Values that must not appear in the process list (`ps`): handed to Granian through its
# environment variable instead of the command line.
SECRET_KEYS = frozenset({"ssl-keyfile-password"})
ORIGIN_DEFAULT = "Granian default"
ORIGIN_FIXED = "fixed by lebrq"


class GranianConfigError(ValueError):
    """A key or value in granian.toml (or a GRANIAN_* variable) that Granian would refuse;
    the message names it."""


@dataclass(frozen=True)
class ConfigValue:
    """One setting and where it came from (the file's path, or e.g. 'development certificate')."""

    value: object
    origin: str


@dataclass(frozen=True)
class GranianOption:
    key: str
    param: click.Option

    @property
    def env_var(self) -> str:
        # The name click derives with auto_envvar_prefix, as Granian's entrypoint does.
        return f"{ENV_PREFIX}_{self.param.name.upper()}"

    @property
    def is_switch(self) -> bool:
        return bool(self.param.is_flag and self.param.secondary_opts)


def granian_options() -> dict[str, GranianOption]:
    """Every Granian CLI option by its TOML key: the long flag without the dashes."""
    options: dict[str, GranianOption] = {}
    for param in granian_command.params:
        if not isinstance(param, click.Option) or not param.expose_value:
            continue  # the APP argument, and --version
        long_flag = max(param.opts, key=len)
        key = long_flag.removeprefix("--")
        options[key] = GranianOption(key, param)
    return options


@dataclass(frozen=True)
class GranianConfig:
    """The validated settings: the command line to run Granian with, and the effective
    value and origin of every option."""

    arguments: tuple[str, ...]
    environment: Mapping[str, str]
    effective: Mapping[str, ConfigValue] = field(default_factory=dict)

    def value(self, key: str) -> object:
        return self.effective[key].value

    def as_toml(self) -> str:
        """The effective settings as TOML, each line commented with its origin."""
        lines = [
            "# Effective Granian settings for `lebrq serve`.",
            f"# {ORIGIN_FIXED}: granian {' '.join(FIXED_ARGUMENTS)} {APP_TARGET}",
        ]
        for key, setting in self.effective.items():
            if key in FIXED_KEYS:
                continue
            if setting.value is None:
                lines.append(f"# {key} is not set ({setting.origin})")
                continue
            shown = "***" if key in SECRET_KEYS else setting.value
            lines.append(f"{key} = {toml_value(shown)}  # {setting.origin}")
        return "\n".join(lines) + "\n"


def read_config_file(path: Path) -> dict[str, ConfigValue]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GranianConfigError(f"{path}: no such file (pass --config PATH)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GranianConfigError(f"{path}: cannot read it: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise GranianConfigError(f"{path}: not valid TOML: {exc}") from None
    return {key: ConfigValue(value, str(path)) for key, value in document.items()}


def resolve_granian_config(values: Mapping[str, ConfigValue]) -> GranianConfig:
    """Check every key, turn the values into Granian's command line, and let Granian's
    own parser validate the result (with the current GRANIAN_* variables). Nothing is
    started."""
    options = granian_options()
    arguments: list[str] = [APP_TARGET, *FIXED_ARGUMENTS]
    secret_arguments: list[str] = []
    environment: dict[str, str] = {}
    for key, setting in values.items():
        option = _known_option(key, setting, options)
        if os.environ.get(option.env_var):
            continue  # the environment variable wins over the file
        option_arguments = _to_arguments(option, setting)
        if key in SECRET_KEYS:
            secret_arguments += option_arguments
            environment[option.env_var] = option_arguments[-1]
        else:
            arguments += option_arguments

    context = _parse(arguments + secret_arguments, values, options)
    return GranianConfig(tuple(arguments), environment, _effective_values(context, values, options))


def _known_option(key: str, setting: ConfigValue, options: Mapping[str, GranianOption]) -> GranianOption:
    if key in FIXED_KEYS:
        raise GranianConfigError(
            f"{setting.origin}: `{key}` cannot be set: lebrq serve always runs Granian with "
            f"{' '.join(FIXED_ARGUMENTS)} {APP_TARGET}"
        )
    option = options.get(key)
    if option is None:
        close = difflib.get_close_matches(key.replace("_", "-"), list(options), n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        raise GranianConfigError(
            f"{setting.origin}: unknown key `{key}`{hint}; keys are Granian's option names, see `granian --help`"
        )
    return option


def _to_arguments(option: GranianOption, setting: ConfigValue) -> list[str]:
    value, flag = setting.value, f"--{option.key}"

    def refuse(expected: str) -> GranianConfigError:
        return GranianConfigError(f"{setting.origin}: `{option.key}` must be {expected}, not {toml_value(value)}")

    if option.is_switch:
        if not isinstance(value, bool):
            raise refuse("true or false")
        return [flag if value else option.param.secondary_opts[0]]
    if isinstance(value, bool):
        raise refuse("a number or a string")
    if isinstance(value, dict):
        raise refuse("a single value (tables are not Granian options)")
    if isinstance(value, list):
        if not option.param.multiple:
            raise refuse("a single value")
        items = value
    else:
        items = [value]
    arguments: list[str] = []
    for item in items:
        if isinstance(item, (bool, list, dict)):
            raise refuse("a list of numbers or strings")
        arguments += [flag, str(item)]
    return arguments


def _parse(
    arguments: list[str], values: Mapping[str, ConfigValue], options: Mapping[str, GranianOption]
) -> click.Context:
    by_name = {option.param.name: option for option in options.values()}
    try:
        return granian_command.make_context("granian", list(arguments), auto_envvar_prefix=ENV_PREFIX)
    except click.BadParameter as exc:
        name = exc.param.name if exc.param else None
        option = by_name.get(name) if name else None
        if option is None:
            raise GranianConfigError(exc.format_message()) from None
        if os.environ.get(option.env_var):
            where = f"{option.env_var} (environment, overrides `{option.key}`)"
        else:
            where = f"{values[option.key].origin}: `{option.key}`"
        raise GranianConfigError(f"{where}: {exc.message}") from None
    except click.ClickException as exc:
        raise GranianConfigError(f"Granian refused the settings: {exc.format_message()}") from None


def _effective_values(
    context: click.Context, values: Mapping[str, ConfigValue], options: Mapping[str, GranianOption]
) -> dict[str, ConfigValue]:
    effective: dict[str, ConfigValue] = {}
    for key, option in options.items():
        name = option.param.name
        source = context.get_parameter_source(name)
        if key in FIXED_KEYS:
            origin = ORIGIN_FIXED
        elif source is ParameterSource.ENVIRONMENT:
            origin = option.env_var
        elif key in values:
            origin = values[key].origin
        else:
            origin = ORIGIN_DEFAULT
        effective[key] = ConfigValue(_plain(context.params.get(name)), origin)
    return effective


def _plain(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return value


def toml_value(value: object) -> str:
    """A plain value written as TOML (JSON strings are valid TOML basic strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes, Mapping)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(str(value))
