"""Settings of the Espace abonné: one module, read from the environment.

Every variable is listed with its meaning and default in ``.env.example`` and the README.
A newcomer needs none of them (SQLite under ``var/``, mail printed to the console);
production refuses to start without a secret key once DEBUG is off.
"""

import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from core.antivirus import parse_url as parse_clamd_url
from core.identity import REGIE
from portal.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    parse_cache_url,
    parse_database_url,
    parse_email_url,
    parse_site_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) is required when DJANGO_DEBUG is off."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105
# Former keys, still accepted for sessions and reset links while a new one takes over.
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS")

SITE_URL = parse_site_url("SITE_URL", env_str("SITE_URL", "http://127.0.0.1:8000"))
_site_host = SITE_URL.split("://", 1)[1].split(":")[0]
ALLOWED_HOSTS = [_site_host, *env_list("DJANGO_EXTRA_ALLOWED_HOSTS")]
if DEBUG:
    ALLOWED_HOSTS += ["localhost", "127.0.0.1", "[::1]"]
CSRF_TRUSTED_ORIGINS = [SITE_URL]

# Django admin lives under a configurable path (not /admin/, which every bot tries).
ADMIN_PATH = env_str("ADMIN_PATH", "gestion/").strip("/") + "/"

# Benchmarks only: serves /bench/baseline, a bare view behind the same middleware.
BENCHMARK_BASELINE = env_bool("BENCHMARK_BASELINE", False)

INSTALLED_APPS = [
    "portal",
    "core",
    "accounts",
    "contracts",
    "inquiries",
    "payments",
    "readings",
    "mandates",
    "selfservice",
    "support",
    "audit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Form widgets rendered through TemplatesSetting (FORM_RENDERER) need its templates.
    "django.forms",
    "django_tasks_db",
    # Only for its French catalogue of the strength estimator's feedback.
    "django_zxcvbn_password_validator",
    # Sign-up, activation, login, reset and account management (email-only accounts).
    "allauth",
    "allauth.account",
    # Two-factor authentication (TOTP, recovery codes): mandatory for staff.
    "allauth.mfa",
    # "Mon compte" lists the account's sessions and can end the others.
    "allauth.usersessions",
]

# The demo app (seed_demo, generate_dataset, the demo PDFs, the benchmark views) serves
# development, tests and benchmarks; the production image runs without it. DJANGO_DEMO=1/0
# says so explicitly; by default it is on under DEBUG and when the
# test runner loads these settings ("pytest" imported: a dev-only package, never there in
# production), since pytest-django reads the settings before any conftest could set a
# variable.
DEMO_APP = env_bool("DJANGO_DEMO", DEBUG or "pytest" in sys.modules)
if DEMO_APP:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy on every response, static files included (before WhiteNoise).
    "portal.middleware.permissions_policy_middleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the logged-in account read from the shared cache (accounts/usercache.py).
    "accounts.usercache.CachedAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Ends sessions not "remembered" after SESSION_IDLE_TIMEOUT without activity.
    "accounts.sessions.IdleTimeoutMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # The sessions list's last activity and IP, written at most once a minute.
    "accounts.sessions.SessionActivityMiddleware",
    # Staff without a TOTP authenticator are sent to set one up before any admin page.
    "accounts.mfa.StaffTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Django's, each policy written once rather than on every response.
    "portal.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

_loaders = [
    "django.template.loaders.filesystem.Loader",
    "django.template.loaders.app_directories.Loader",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.regie",
                "portal.context_processors.accessibility",
                "accounts.sessions.idle_warning",
            ],
            # Cached loader outside DEBUG: templates are parsed once per process.
            "loaders": _loaders if DEBUG else [("django.template.loaders.cached.Loader", _loaders)],
        },
    }
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Database: SQLite under var/ by default, PostgreSQL in CI and production.
_default_sqlite = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": parse_database_url("DATABASE_URL", env_str("DATABASE_URL", _default_sqlite))
}
if not env_str("DATABASE_URL"):
    # Zero-configuration default: a fresh checkout has no var/ yet.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's, with a health check that polls the socket instead of asking SELECT 1 before
    # each request's first query (core/db/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "core.db.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache shared by every process (rate limits must hold across gunicorn workers).
CACHES = {"default": parse_cache_url("CACHE_URL", env_str("CACHE_URL", "db://portal_cache"))}

# Tasks: "immediate" runs them in the request (dev server, tests); "database" queues
# them durably for `manage.py db_worker` (production).
_tasks_backend = env_str("TASKS_BACKEND", "immediate")
_TASK_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if _tasks_backend not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND: expected immediate or database, got {_tasks_backend!r}"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_tasks_backend]}}

# Mail (Django 6.1 MAILERS).
EMAIL_URL = env_str("EMAIL_URL", "console://")
MAILERS = {"default": parse_email_url("EMAIL_URL", EMAIL_URL)}
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Régie des Eaux du Pays d'Aix <ne-pas-repondre@eauxdupaysdaix.fr>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the Régie is told about new requests and follow-up messages.
REGIE_REQUESTS_EMAIL = env_str("REGIE_REQUESTS_EMAIL", REGIE.email)

# The RGAA conformity mention in every footer and on /accessibilite/. Until an RGAA audit
# has been carried out, the only honest value is "non conforme" (docs/accessibility.md).
ACCESSIBILITY_STATUSES = ("non conforme", "partiellement conforme", "totalement conforme")
ACCESSIBILITY_STATUS = env_str("ACCESSIBILITY_STATUS", "non conforme").strip().lower()
if ACCESSIBILITY_STATUS not in ACCESSIBILITY_STATUSES:
    raise ImproperlyConfigured(
        "ACCESSIBILITY_STATUS: expected one of " + ", ".join(ACCESSIBILITY_STATUSES)
    )

# Users and passwords.
AUTH_USER_MODEL = "accounts.User"
# Argon2id at OWASP's parameters first (accounts/hashers.py: why these figures); the others
# only read older hashes, which are re-hashed with the first one at the next login.
PASSWORD_HASHERS = [
    "accounts.hashers.RegieArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# The Régie's rule (tutorial, section 1) as a validator, so that sign-up, reset, change,
# createsuperuser and the admin all enforce it.
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 7, minimum=1)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "accounts.validators.RegiePasswordValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # The rule alone lets "Azerty123!" through: refuse what an attacker guesses first.
    {"NAME": "accounts.strength.StrengthValidator"},
]
# zxcvbn score (0–4) a new password must reach; 3 refuses "Azerty123!", "Motdepasse1!"
# and "Regie2026!" and accepts a passphrase of a few unrelated words.
PASSWORD_MINIMAL_STRENGTH = env_int("PASSWORD_MIN_STRENGTH", 3, minimum=0)
if PASSWORD_MINIMAL_STRENGTH > 4:
    raise ImproperlyConfigured("PASSWORD_MIN_STRENGTH: expected 0 to 4")
AUTHENTICATION_BACKENDS = [
    # Staff log in to the admin by email; allauth's backend serves the portal's forms.
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Seconds a logged-in subscriber's account is kept in the shared cache between requests
# (accounts/usercache.py: dropped on every change that matters; 0 reads it every time).
# Off by default with the database cache, where a cache read is a query like the account's.
USER_CACHE_SECONDS = env_int(
    "USER_CACHE_SECONDS",
    0 if CACHES["default"]["BACKEND"].endswith("DatabaseCache") else 60,
    minimum=0,
)
# Seconds a process may use its own copy of what every logged-in request reads from Redis
# (the session, the kept account, the contract list: core/nearcache.py). Redis tells the
# process when one changes, and is asked every 5 s whether it still tracks the process's
# connection; this bounds a copy's life whatever happens. 0: always read Redis.
NEAR_CACHE_SECONDS = env_int("NEAR_CACHE_SECONDS", 300, minimum=0)
# The home page is the login page; after login the subscriber lands in their area.
LOGIN_URL = "/"
LOGIN_REDIRECT_URL = "contracts:area"

# django-allauth: email-only accounts that must be activated by email.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "signup": "accounts.forms.SignupForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "add_email": "accounts.forms.AddEmailForm",
    "reauthenticate": "accounts.forms.ReauthenticateForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Mail scanners open links before people do: a GET shows a "Confirmer" button, the POST
# activates.
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_EMAIL_CONFIRMATION_HMAC = True
# A changed address replaces the old one only once the new one is confirmed.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGOUT_ON_GET = False
# The same answer whether or not an address has an account (sign-up, reset).
ACCOUNT_PREVENT_ENUMERATION = True
# None: the login form shows "Se souvenir de moi"; ticked keeps the session
# SESSION_COOKIE_AGE (30 days), unticked ends it with the browser.
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https://") else "http"
# Rate limits live in the shared cache (CACHES), so they hold across processes.
# Merged over allauth's defaults; ACCOUNT_RATE_LIMITS_ENABLED=0 only for load tests.
ACCOUNT_RATE_LIMITS = (
    {
        # Per IP, and per address only looser than the per-account lock (accounts/
        # throttle.py lets at most 7 failures through in 5 minutes), so that allauth never
        # refuses an address the lock has freed; per key it still bounds two-factor codes.
        "login_failed": "10/m/ip,10/5m/key",
        # Every login attempt per address, right or wrong. Subscribers share addresses (a
        # library's or a town hall's computers, an office, a mobile operator's NAT), so the
        # limit is set for a crowd: one a second, sustained, where allauth's default is 30
        # a minute. What it bounds is the Argon2 work one address can demand (60 × ~30 ms
        # = 1.8 s of CPU a minute); guessing is stopped by the per-account lock above.
        "login": "60/m/ip",
        "signup": "20/m/ip",
        "confirm_email": "1/3m/key",
        "reset_password": "20/m/ip,5/5m/key",
        "reset_password_from_key": "20/m/ip",
        "change_password": "5/m/user",
        "manage_email": "10/m/user",
        # Ours: "send me a new activation link" and account deletion.
        "resend_activation": "10/10m/ip",
        "delete_account": "5/10m/user",
        # Downloading all one's personal data ("My data"): a heavy page, now and then.
        "export_data": "10/10m/user",
        # Requests to the Régie (inquiries): filing one, writing anonymously, following up.
        "inquiry": "5/10m/user,10/10m/ip",
        "inquiry_anonymous": "3/10m/ip",
        "inquiry_message": "10/10m/user",
        # "Payer en ligne": each try opens an operation at PayFiP.
        "online_payment": "10/10m/user",
        # Self-services: issuing an attestation d'abonnement, and its public check page
        # (per IP: its codes must not be tried in bulk).
        "attestation": "10/10m/user",
        "attestation_verify": "20/10m/ip",
    }
    if env_bool("ACCOUNT_RATE_LIMITS_ENABLED", True)
    else False
)
# Changing the email or password, deleting the account, unlinking a payer and managing
# two-factor authentication ask for the password again after 10 minutes.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 10 * 60

# Two-factor authentication: TOTP and recovery codes; secrets encrypted at rest.
MFA_ADAPTER = "accounts.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Régie des Eaux du Pays d'Aix"
MFA_RECOVERY_CODE_COUNT = 10
MFA_FORMS = {
    "authenticate": "accounts.forms.MFAAuthenticateForm",
    "activate_totp": "accounts.forms.ActivateTOTPForm",
}
# A Fernet key (base64, 32 bytes: `python -c "from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())"`). Required in production (https); elsewhere a
# key is derived from SECRET_KEY. Changing it makes existing TOTP secrets unreadable.
MFA_ENCRYPTION_KEY = env_str("MFA_ENCRYPTION_KEY")
if not MFA_ENCRYPTION_KEY and not DEBUG and SITE_URL.startswith("https://"):
    raise ImproperlyConfigured(
        "MFA_ENCRYPTION_KEY (or MFA_ENCRYPTION_KEY_FILE) is required in production: "
        "it encrypts the two-factor secrets stored in the database."
    )

# Sessions listed in "Mon compte": recorded at login; last activity and IP are kept up
# to date by accounts.sessions.SessionActivityMiddleware (once a minute, not every page).
USERSESSIONS_TRACK_ACTIVITY = False

# A reset link is valid 24 hours.
PASSWORD_RESET_TIMEOUT = 24 * 3600

# Internationalisation: French by default, source strings in English.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Static files: hashed and compressed by WhiteNoise (plain storage in tests, see conftest).
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Private files (invoice PDFs, attachments): never under a public URL, served by views.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads (request attachments, 5 MB at most, checked by the form): bodies above this go to
# a temporary file, not memory; non-file fields stay small; one file per form.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 5
FILE_UPLOAD_PERMISSIONS = 0o640
# Every attachment is scanned by clamd before it is stored: tcp://host:3310 or
# unix:///run/clamav/clamd.ctl. Empty: no scanning (development; `check --deploy` warns).
# When clamd does not answer, the upload is refused, never stored unscanned.
CLAMD_URL = env_str("CLAMD_URL", "")
if CLAMD_URL:
    try:
        parse_clamd_url(CLAMD_URL)
    except ValueError as error:
        raise ImproperlyConfigured(f"CLAMD_URL: {error}") from None
CLAMD_TIMEOUT = env_int("CLAMD_TIMEOUT", 30, minimum=1)
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0

# Sessions and cookies.
# Sessions are read from the shared cache (Redis in production) and written through to
# the database, which stays the reference: a page costs no session query.
# cached_db, with the key of a logged-in session naming its account, so that what a
# logged-in page needs first is read with the session in one round trip.
SESSION_ENGINE = "accounts.sessionstore"
SESSION_SERIALIZER = "django.contrib.sessions.serializers.JSONSerializer"
SESSION_COOKIE_AGE = 30 * 24 * 3600
# A session not remembered ends after this many seconds without activity (server side);
# the page warns two minutes before. Remembered sessions last SESSION_COOKIE_AGE (30 days).
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=180)
# Logins that do not pass through the login form (after activation) end with the browser;
# the login form's "Se souvenir de moi" overrides it either way.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Django's session storage, holding the request weakly (core/cycles.py).
MESSAGE_STORAGE = "core.cycles.SessionStorage"
SECURE_COOKIES = SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Security headers.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
# Client IP for rate limits: X-Forwarded-For is trusted only through our own proxies.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE_COOKIES)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_COOKIES else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS >= 31536000)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# SEPA direct debit mandates signed in the portal (mandates app; README "Mandat de
# prélèvement"): the Régie's creditor identifier (ICS, e.g. FR12ZZZ123456), printed on each
# mandate. Unset, the mandates carry a placeholder: check --deploy warns (mandates.W001).
SEPA_CREDITOR_ID = env_str("SEPA_CREDITOR_ID").replace(" ", "").upper()

# Online payment through the DGFiP's PayFiP (payments app; README "Paiement en ligne").
# Off (no "Payer en ligne" button) unless PAYFIP_NUMCLI and PAYFIP_URL are both set.
# PAYFIP_URL is the web service's endpoint (…/tpa/services/securite; a trailing ?wsdl is
# ignored); the payment page is derived from it unless PAYFIP_PAYMENT_URL says otherwise.
PAYFIP_NUMCLI = env_str("PAYFIP_NUMCLI")
PAYFIP_MODE = env_str("PAYFIP_MODE", "T").upper()
if PAYFIP_MODE not in {"T", "X", "W"}:
    raise ImproperlyConfigured(f"PAYFIP_MODE: expected T, X or W, got {PAYFIP_MODE!r}")
PAYFIP_URL = env_str("PAYFIP_URL")
PAYFIP_PAYMENT_URL = env_str("PAYFIP_PAYMENT_URL")
PAYFIP_TIMEOUT = env_int("PAYFIP_TIMEOUT", 10, minimum=1)
# The local PayFiP simulator (/simulateur-payfip/): on with DEBUG, and then the default
# web service of `make run`. Never in production (system check payments.E001).
PAYFIP_SIMULATOR = env_bool("PAYFIP_SIMULATOR", DEBUG)
if PAYFIP_SIMULATOR and DEBUG and not PAYFIP_URL:
    PAYFIP_URL = f"{SITE_URL}/simulateur-payfip/tpa/services/securite"
    PAYFIP_NUMCLI = PAYFIP_NUMCLI or "012345"
if PAYFIP_URL and PAYFIP_NUMCLI:
    # The confirmation form's POST is answered by a redirect to PayFiP's page: browsers
    # check that redirect against form-action.
    _payfip_origin = "/".join((PAYFIP_PAYMENT_URL or PAYFIP_URL).split("/")[:3])
    if _payfip_origin not in (SITE_URL, ""):
        SECURE_CSP["form-action"] = [CSP.SELF, _payfip_origin]

# Audit trail (logins, failed logins, logouts, key generation, account deletion) and
# contract link attempts are deleted after this many days by `manage.py purge_audit`.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365, minimum=1)

# Logging: to stderr, no personal data (see README, Security).
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
