"""The app's configuration: the JWT secret rule and the app's own environment variables."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookmyshow import InvalidInput
from bookmyshow.app import AppConfig, RateLimit, RateLimits
from bookmyshow.bootstrap import Settings

SECRET = "s" * 32


def test_refuses_to_start_without_a_secret_outside_demo() -> None:
    """Outside demo mode a missing JWT secret is an error naming BOOKMYSHOW_JWT_SECRET."""
    with pytest.raises(InvalidInput) as caught:
        AppConfig.from_env({})
    assert caught.value.field == "BOOKMYSHOW_JWT_SECRET"


def test_demo_runs_without_a_secret() -> None:
    """Demo mode may sign tokens with a random per-process secret."""
    config = AppConfig.from_env({}, demo=True)
    assert config.demo
    assert config.settings.token_secret is None


def test_jwt_secret_signs_tokens() -> None:
    """BOOKMYSHOW_JWT_SECRET becomes the library's token secret."""
    config = AppConfig.from_env({"BOOKMYSHOW_JWT_SECRET": SECRET})
    assert config.settings.token_secret == SECRET.encode()


def test_library_secret_name_is_accepted() -> None:
    """The library's own BOOKMYSHOW_TOKEN_SECRET satisfies the rule too."""
    config = AppConfig.from_env({"BOOKMYSHOW_TOKEN_SECRET": SECRET})
    assert config.settings.token_secret == SECRET.encode()


def test_two_different_secrets_are_refused() -> None:
    """Setting both secret variables to different values is an error, not a silent choice."""
    with pytest.raises(InvalidInput) as caught:
        AppConfig.from_env({"BOOKMYSHOW_JWT_SECRET": SECRET, "BOOKMYSHOW_TOKEN_SECRET": "t" * 32})
    assert caught.value.field == "BOOKMYSHOW_JWT_SECRET"


def test_short_secret_is_refused() -> None:
    """A JWT secret under 32 bytes is refused."""
    with pytest.raises(InvalidInput) as caught:
        AppConfig.from_env({"BOOKMYSHOW_JWT_SECRET": "short"})
    assert caught.value.field == "BOOKMYSHOW_JWT_SECRET"


def test_app_variables_are_read() -> None:
    """Body limit, sweep interval and the rate-limit switch come from the environment."""
    config = AppConfig.from_env(
        {
            "BOOKMYSHOW_JWT_SECRET": SECRET,
            "BOOKMYSHOW_MAX_BODY_BYTES": "2048",
            "BOOKMYSHOW_MAINTENANCE_SECONDS": "5",
            "BOOKMYSHOW_RATE_LIMITS": "off",
        }
    )
    assert config.max_body_bytes == 2048
    assert config.maintenance_interval == timedelta(seconds=5)
    assert config.rate_limits == RateLimits(login=None, register=None, hold=None, checkout=None)


def test_defaults() -> None:
    """Unset variables keep the defaults: 64 KiB bodies, a 30 s sweep, limits on."""
    config = AppConfig.from_env({"BOOKMYSHOW_JWT_SECRET": SECRET})
    assert config.max_body_bytes == 64 * 1024
    assert config.maintenance_interval == timedelta(seconds=30)
    assert config.rate_limits == RateLimits()


def test_registration_is_limited_per_address_by_default() -> None:
    """Registrations are limited by default (5 per 10 minutes), each one hashing a password."""
    assert RateLimits().register == RateLimit(limit=5, window=timedelta(minutes=10))


def test_zero_turns_the_sweep_off() -> None:
    """BOOKMYSHOW_MAINTENANCE_SECONDS=0 turns the background sweep off."""
    config = AppConfig.from_env(
        {"BOOKMYSHOW_JWT_SECRET": SECRET, "BOOKMYSHOW_MAINTENANCE_SECONDS": "0"}
    )
    assert config.maintenance_interval is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOOKMYSHOW_MAX_BODY_BYTES", "12"),
        ("BOOKMYSHOW_MAX_BODY_BYTES", "lots"),
        ("BOOKMYSHOW_MAINTENANCE_SECONDS", "-1"),
        ("BOOKMYSHOW_MAINTENANCE_SECONDS", "²"),
        ("BOOKMYSHOW_RATE_LIMITS", "maybe"),
    ],
)
def test_bad_values_name_their_variable(name: str, value: str) -> None:
    """A malformed app variable is an error naming that variable."""
    with pytest.raises(InvalidInput) as caught:
        AppConfig.from_env({"BOOKMYSHOW_JWT_SECRET": SECRET, name: value})
    assert caught.value.field == name


def test_rate_limit_values_are_checked() -> None:
    """A limit below one or a non-positive window is refused."""
    with pytest.raises(InvalidInput):
        RateLimit(limit=0, window=timedelta(minutes=1))
    with pytest.raises(InvalidInput):
        RateLimit(limit=1, window=timedelta(0))


def test_config_checks_its_types() -> None:
    """Settings of the wrong type and a non-positive sweep interval are refused."""
    with pytest.raises(InvalidInput):
        AppConfig(settings="nope", demo=True)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        AppConfig(settings=Settings(), demo=True, maintenance_interval=timedelta(0))
