"""A worker gives large freed blocks back to the system: signing in (Argon2, 19 MiB of
working memory per hash) must not leave the process that much larger for good."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt/mmap threshold is glibc's")

PROBE = """
import asyncio, sys
from lebrq.adapters.security.argon2_hasher import Argon2PasswordHasher
from lebrq.adapters.system.memory import return_large_blocks_to_the_system

def rss_mib():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'):
            return int(line.split()[1]) / 1024

if sys.argv[1] == 'fixed':
    assert return_large_blocks_to_the_system()
hasher = Argon2PasswordHasher(memory_kib=19456, time_cost=2)
async def main():
    await hasher.hash('warm-up password')  # threads and code paths exist before measuring
    before = rss_mib()
    for n in range(3):
        await hasher.hash(f'password number {n}')
    print(rss_mib() - before)
asyncio.run(main())
"""


def growth_mib(mode: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True, timeout=120
    )
    return float(result.stdout.split()[-1])


def test_password_hashing_leaves_no_lasting_growth_with_the_fixed_threshold() -> None:
    assert growth_mib("fixed") < 4


def test_without_it_glibc_keeps_the_hash_memory() -> None:
    # The control: the same work with glibc's default (sliding) threshold keeps ~19 MiB,
    # which is what the fixed threshold is there to prevent.
    assert growth_mib("default") > 10
