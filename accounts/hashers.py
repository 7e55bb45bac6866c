"""The password hasher of the portal: Argon2id with explicit, documented parameters.

Django's own ``Argon2PasswordHasher`` defaults (memory 100 MiB, time cost 2, parallelism 8)
cost about 300 ms of CPU per verification on the Régie's 2-core server: about 6 logins per
second, and a login burst queues every other page behind it. OWASP's Password Storage Cheat
Sheet recommends Argon2id with at least 19 MiB of memory, time cost 2 and parallelism 1;
that costs about 38 ms of CPU here (bench/results/latest.md, README "Performance"), so
2 cores verify about 50 passwords per second while an offline attacker still pays 19 MiB
of memory per guess.

Hashes made with other parameters (Django's defaults, PBKDF2) stay valid and are re-hashed
with these on the next successful login (``must_update``), so no reset is ever needed.
Raise the parameters here when the server grows: old hashes follow on their own.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class RegieArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, m = 19 MiB, t = 2, p = 1: OWASP's first recommended configuration."""

    # Same algorithm name as Django's hasher: the hashes are ordinary argon2 hashes that
    # carry their own parameters, and Django's hasher (listed after this one) reads them too.
    memory_cost = 19 * 1024  # KiB
    time_cost = 2
    parallelism = 1
