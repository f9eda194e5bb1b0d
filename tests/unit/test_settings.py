from __future__ import annotations

import pytest

from lebrq.settings import SettingsError, settings_from_env


def test_defaults_match_the_earlier_deployment() -> None:
    settings = settings_from_env({})
    assert (settings.db_pool_size, settings.db_max_overflow, settings.db_pool_recycle) == (2, 2, 280)
    assert settings.max_body_size_mb == 15
    assert (settings.memory_threshold_percent, settings.memory_critical_percent) == (85, 90)
    assert settings.database_url == "sqlite+aiosqlite:///var/lebrq.sqlite3"
    assert settings.media_dir == "var/media"


def test_variables_are_read_by_their_upper_case_names() -> None:
    settings = settings_from_env({"DB_POOL_SIZE": "5", "MAX_BODY_SIZE_MB": "30", "MEDIA_DIR": "/srv/media"})
    assert settings.db_pool_size == 5 and settings.max_body_size_bytes == 30 * 1024 * 1024
    assert settings.media_dir == "/srv/media"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"DB_POOL_SIZE": "two"}, "DB_POOL_SIZE"),
        ({"DB_POOL_SIZE": "0"}, "DB_POOL_SIZE"),
        ({"MEMORY_THRESHOLD_PERCENT": "120"}, "MEMORY_THRESHOLD_PERCENT"),
        ({"MAX_BODY_SIZE_MB": "-1"}, "MAX_BODY_SIZE_MB"),
        ({"MEMORY_THRESHOLD_PERCENT": "95", "MEMORY_CRITICAL_PERCENT": "90"}, "MEMORY_CRITICAL_PERCENT"),
        ({"DATABASE_URL": "postgresql://x/y"}, "DATABASE_URL"),
        ({"LEBRQ_TLS": "no"}, "LEBRQ_TLS"),
        ({"FORWARDED_ALLOW_IPS": "10.0.0.1, proxy.local"}, "FORWARDED_ALLOW_IPS"),
        ({"MIGRATE_ON_START": "perhaps"}, "MIGRATE_ON_START"),
        ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE"),
        ({"MEDIA_STORAGE": "s3"}, "S3_BUCKET"),
        ({"MEDIA_STORAGE": "s3", "S3_BUCKET": "b", "S3_ENDPOINT_URL": "minio:9000"}, "S3_ENDPOINT_URL"),
    ],
)
def test_a_bad_value_fails_naming_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        settings_from_env(environ)


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"LEBRQ_ENV": "production"}, "JWT_SECRET"),
        ({"LEBRQ_ENV": "production", "JWT_SECRET": "x" * 31}, "JWT_SECRET"),
        ({"LEBRQ_ENV": "staging"}, "LEBRQ_ENV"),
        ({"JWT_TTL_MINUTES": "1440"}, "JWT_TTL_MINUTES"),
        ({"SESSION_CHECK_SECONDS": "120"}, "SESSION_CHECK_SECONDS"),
        ({"OTP_LIMIT_PER_ADDRESS": "lots"}, "OTP_LIMIT_PER_ADDRESS"),
        ({"REGISTER_LIMIT_PER_ADDRESS": "0/1h"}, "REGISTER_LIMIT_PER_ADDRESS"),
    ],
)
def test_account_settings_are_checked_naming_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        settings_from_env(environ)


def test_production_accepts_a_32_byte_secret_and_limits_may_be_turned_off() -> None:
    settings = settings_from_env(
        {
            "LEBRQ_ENV": "production",
            "JWT_SECRET": "x" * 32,
            "LOGIN_LIMIT_PER_ADDRESS": "0",
            # Production also needs a real message channel.
            "SMTP_HOST": "smtp.example.in",
            "MAIL_FROM": "bookings@example.in",
        }
    )
    assert settings.is_production
    assert settings.login_limit_per_address == "0"
    assert (settings.jwt_ttl_minutes, settings.login_limit_per_account) == (15, "10/15m")
