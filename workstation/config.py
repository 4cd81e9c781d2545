"""Typed settings read from the facility's TOML file, then overridden per option."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, time, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from workstation.core.review import DEFAULT_SHIFTS, ShiftWindow
from workstation.logs import LogContext

APP_NAME = "workstation"
CONFIG_ENV = "WORKSTATION_CONFIG"
DATA_DIR_ENV = "WORKSTATION_DATA_DIR"
CONFIG_FILE_NAME = "workstation.toml"


class ConfigError(Exception):
    """The config file is missing a value, has a wrong type, or cannot be parsed."""


@dataclass(frozen=True)
class ScannerSettings:
    # A keyboard-wedge burst: keys no more than this far apart, ending in Enter or Tab.
    wedge_max_key_interval_ms: int = 35
    wedge_min_length: int = 6
    wedge_terminators: tuple[str, ...] = ("enter", "tab")
    serial_port: str = ""
    serial_baud: int = 9600
    serial_terminator: str = "\r"


@dataclass(frozen=True)
class CameraSettings:
    # A device index ("0"), a video file or a stream URL; empty: no camera.
    source: str = ""
    # The same code counts again only after it has been out of view this long.
    dedupe_seconds: float = 3.0
    retry_seconds: float = 2.0


@dataclass(frozen=True)
class SecuritySettings:
    idle_lock_minutes: float = 5.0
    max_failed_sign_ins: int = 5
    lockout_minutes: float = 5.0


@dataclass(frozen=True)
class DecodeSettings:
    # Images whose header claims more pixels are refused before decoding (memory grows with it).
    max_image_pixels: int = 50_000_000


@dataclass(frozen=True)
class LogSettings:
    # logs/workstation.log under the data directory, rotated at this size, this many old files kept.
    max_bytes: int = 5 * 1024 * 1024
    files_kept: int = 5


@dataclass(frozen=True)
class SyncSettings:
    # The device token printed by `workstation hub add-device` (empty: no hub to send to).
    token: str = ""
    # The CA file the hub's TLS certificate is checked against (empty: plain http, or the system's).
    ca_file: str = ""
    interval_seconds: float = 15.0
    batch_size: int = 500
    # A bench clock further than this from the hub's says so in its status and log.
    max_clock_skew_seconds: float = 120.0
    backoff_cap_seconds: float = 300.0


def local_zone() -> tzinfo:
    """The machine's time zone, with its daylight-saving rules where they can be found."""
    name = os.environ.get("TZ", "").lstrip(":")
    candidates = [name] if name else []
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        candidates.append(target.split("zoneinfo/", 1)[1])
    for key in candidates:
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    zone = datetime.now().astimezone().tzinfo  # a fixed offset: right today, not across a DST change
    assert zone is not None
    return zone


@dataclass(frozen=True)
class ReviewSettings:
    """The supervisor review: the facility's time zone and its named shifts."""

    # An IANA zone name ("America/New_York"); empty: the machine's local zone.
    timezone: str = ""
    # Named windows of the facility's day: [[review.shifts]] name, start "HH:MM", hours.
    shifts: tuple[ShiftWindow, ...] = DEFAULT_SHIFTS

    def zone(self) -> tzinfo:
        return ZoneInfo(self.timezone) if self.timezone else local_zone()

    def shift_windows(self) -> tuple[ShiftWindow, ...]:
        return self.shifts


@dataclass(frozen=True)
class Settings:
    facility_id: str = ""
    facility_name: str = ""
    bench_id: str = ""
    data_dir: str = ""
    hub_url: str = ""
    retention_days: int = 14
    backups_kept: int = 14
    laws_cited: tuple[str, ...] = (
        "19 U.S.C. 1526(e)",
        "19 U.S.C. 1595a(c)",
        "18 U.S.C. 2320",
        "17 U.S.C. 603(c)",
        "21 U.S.C. 881",
        "31 U.S.C. 5317",
    )
    scanner: ScannerSettings = field(default_factory=ScannerSettings)
    camera: CameraSettings = field(default_factory=CameraSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    decode: DecodeSettings = field(default_factory=DecodeSettings)
    log: LogSettings = field(default_factory=LogSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    review: ReviewSettings = field(default_factory=ReviewSettings)
    # Where the settings came from, for error messages and `self-test`; not read from the file.
    source: str = ""

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


@dataclass(frozen=True)
class Context:
    """What a run of the program works with: the settings, the file they came from, the data directory."""

    settings: Settings
    data_dir: Path
    demo: bool = False
    # The config file named by --config (or the environment, or the default), even when it does
    # not exist yet: the first-run dialog writes it there, and the settings are reloaded from it.
    config_path: Path | None = None
    # Stamped on every log line; the bench updates it on sign-in and hand-over (so not frozen).
    log: LogContext = field(default_factory=LogContext, compare=False)


def default_config_path() -> Path:
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / CONFIG_FILE_NAME


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def hub_url_problem(url: str) -> str | None:
    """Why a hub address cannot be used, or None when it can (empty means: no hub)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises on a port that is not a number or out of range)
    except ValueError as exc:
        return f"the hub address is not a URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return "the hub address must start with http:// or https://"
    if not host:
        return "the hub address has no host name"
    return None


def _at_least(low: float) -> Callable[[Any], str | None]:
    return lambda value: None if value >= low else f"must be {low:g} or more, not {value!r}"


def _between(low: int, high: int) -> Callable[[Any], str | None]:
    return lambda value: None if low <= value <= high else f"must be from {low} to {high}, not {value!r}"


def _terminators(value: tuple[str, ...]) -> str | None:
    unknown = [v for v in value if v not in ("enter", "tab")]
    return f"must list only 'enter' and 'tab', not {unknown[0]!r}" if unknown else None


def _zone_problem(value: str) -> str | None:
    if not value:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return f"{value!r} is not a time zone name (an IANA name such as 'America/New_York', or empty)"
    return None


# Value checks beyond the type, by (settings class, key): each says what is wrong, or None.
_CHECKS: dict[tuple[str, str], Callable[[Any], str | None]] = {
    ("Settings", "hub_url"): hub_url_problem,
    ("Settings", "retention_days"): _at_least(1),
    ("Settings", "backups_kept"): _at_least(1),
    ("ScannerSettings", "wedge_max_key_interval_ms"): _at_least(1),
    ("ScannerSettings", "wedge_min_length"): _at_least(1),
    ("ScannerSettings", "wedge_terminators"): _terminators,
    ("ScannerSettings", "serial_baud"): _at_least(1),
    ("CameraSettings", "dedupe_seconds"): _at_least(0),
    ("CameraSettings", "retry_seconds"): _at_least(0.1),
    ("SecuritySettings", "idle_lock_minutes"): _at_least(0.1),
    ("SecuritySettings", "max_failed_sign_ins"): _at_least(1),
    ("SecuritySettings", "lockout_minutes"): _at_least(0),
    ("DecodeSettings", "max_image_pixels"): _at_least(1),
    ("LogSettings", "max_bytes"): _at_least(1024),
    ("LogSettings", "files_kept"): _at_least(0),
    ("SyncSettings", "interval_seconds"): _at_least(1),
    ("SyncSettings", "batch_size"): _between(1, 500),
    ("SyncSettings", "max_clock_skew_seconds"): _at_least(1),
    ("SyncSettings", "backoff_cap_seconds"): _at_least(1),
    ("ReviewSettings", "timezone"): _zone_problem,
}


def _shifts(value: Any, where: str) -> tuple[ShiftWindow, ...]:
    """[[review.shifts]]: tables of name, start "HH:MM" and hours; names unique, at least one."""
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{where}: 'shifts' must be a list of tables (name, start, hours), at least one")
    out: list[ShiftWindow] = []
    for n, table in enumerate(value, start=1):
        at = f"{where}: 'shifts' #{n}"
        unknown = sorted(set(table) - {"name", "start", "hours"})
        if unknown:
            raise ConfigError(f"{at}: unknown key '{unknown[0]}'")
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{at}: 'name' must be a non-empty string")
        if any(s.name == name for s in out):
            raise ConfigError(f"{at}: 'name': {name!r} names two shifts")
        start = table.get("start")
        try:
            if not isinstance(start, str) or len(start) != 5:
                raise ValueError
            begins = time.fromisoformat(start)
        except ValueError:
            raise ConfigError(f"{at} ({name}): 'start' must be a time \"HH:MM\", not {start!r}") from None
        hours = table.get("hours", 8.0)
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= 24:
            raise ConfigError(
                f"{at} ({name}): 'hours' must be a number above 0 and at most 24, not {hours!r}"
            )
        out.append(ShiftWindow(name, begins, float(hours)))
    return tuple(out)


def _coerce(cls: type, values: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    defaults = cls()
    for key, value in values.items():
        if key not in known or (cls is Settings and key == "source"):
            raise ConfigError(f"{where}: unknown setting '{key}'")
        default = getattr(defaults, key)
        if hasattr(default, "__dataclass_fields__"):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: [{key}] must be a table")
            kwargs[key] = _coerce(type(default), value, f"{where} [{key}]")
            continue
        if cls is ReviewSettings and key == "shifts":
            kwargs[key] = _shifts(value, where)
            continue
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: '{key}' must be a list of strings")
            kwargs[key] = _checked(cls, key, tuple(value), where)
            continue
        if isinstance(default, bool) or not isinstance(default, int | float | str):
            raise ConfigError(f"{where}: '{key}' has an unsupported type")
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not type(default):
            raise ConfigError(
                f"{where}: '{key}' must be {type(default).__name__}, not {type(value).__name__} ({value!r})"
            )
        kwargs[key] = _checked(cls, key, value, where)
    return cls(**kwargs)


def _checked(cls: type, key: str, value: Any, where: str) -> Any:
    check = _CHECKS.get((cls.__name__, key))
    problem = check(value) if check is not None else None
    if problem:
        raise ConfigError(f"{where}: '{key}': {problem}")
    return value


def load_settings(path: Path | None = None) -> Settings:
    """Read the facility config; a missing file gives the defaults, a broken one an error naming it."""
    path = path or default_config_path()
    if not path.exists():
        return Settings(source="defaults")
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    settings: Settings = _coerce(Settings, raw, str(path))
    problem = hub_tls_problem(settings)
    if problem:
        raise ConfigError(f"{path}: {problem}")
    return replace(settings, source=str(path))


def hub_tls_problem(settings: Settings) -> str | None:
    """Why the hub's certificate could not be checked as configured, or None.

    An https hub is checked against the CA file in [sync] ca_file and nothing else, so a bench
    that syncs with one (it has a device token) needs one, and it must be a file this program can
    read. (The first-run dialog writes only the address; IT adds the token and the CA file.)
    """
    ca_file = settings.sync.ca_file
    if ca_file:
        try:
            with open(Path(ca_file).expanduser(), "rb") as fh:
                fh.read(1)
        except OSError as exc:
            return f"[sync] 'ca_file': cannot read {ca_file}: {exc.strerror}"
    if settings.hub_url.startswith("https://") and settings.sync.token and not ca_file:
        return (
            "[sync] 'ca_file' is needed for an https hub: the CA its certificate is signed by "
            "(the hub's certificate is checked against it, not the system's store)"
        )
    return None


def resolve_data_dir(cli_value: str | None, settings: Settings) -> Path:
    """--data-dir, then WORKSTATION_DATA_DIR, then the config file, then the platform's user data dir."""
    for candidate in (cli_value, os.environ.get(DATA_DIR_ENV), settings.data_dir):
        if candidate:
            return Path(candidate).expanduser()
    return default_data_dir()
