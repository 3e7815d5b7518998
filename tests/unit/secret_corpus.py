"""Fake secrets of many formats, generated (never real ones), each in the context a person
would have it in: a ``.env`` line, a config file, a command, a URL, code.

Each sample is (format, text, secret): redaction must leave no trace of ``secret`` in
``text``. The formats are those detect-secrets and gitleaks' rule set know, and the ones
issue 19 found passing."""

from __future__ import annotations

import base64
import json
import random
import string

RNG = random.Random(19)
UPPER, LOWER, DIGITS = string.ascii_uppercase, string.ascii_lowercase, string.digits
ALNUM = UPPER + LOWER + DIGITS
HEX = "0123456789abcdef"


def rand(alphabet: str, n: int) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def pem(kind: str, lines: int = 6) -> str:
    body = "\n".join(rand(ALNUM + "+/", 64) for _ in range(lines))
    return f"-----BEGIN {kind}PRIVATE KEY-----\n{body}\n-----END {kind}PRIVATE KEY-----\n"


def jwt() -> str:
    def part(data: str) -> str:
        return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")

    claims = part(json.dumps({"sub": rand(DIGITS, 10), "name": "Ana"}))
    return f"{part(json.dumps({'alg': 'HS256', 'typ': 'JWT'}))}.{claims}.{rand(ALNUM + '_-', 43)}"


def samples(seed: int = 19) -> list[tuple[str, str, str]]:
    """(format, text it appears in, the secret); the same ones for the same ``seed``."""
    RNG.seed(seed)
    aws_id = "AKIA" + rand(UPPER + "234567", 16)
    aws_secret = rand(ALNUM + "/+", 40)
    while not (any(c.isupper() for c in aws_secret) and any(c.isdigit() for c in aws_secret)):
        aws_secret = rand(ALNUM + "/+", 40)
    key_body, openssh = pem("RSA ").splitlines(), pem("OPENSSH ")
    clipped_pem = "\n".join(key_body[:5])  # END line (and more) not quoted
    s = {
        "AWS access key id": aws_id,
        "GitHub classic token": "ghp_" + rand(ALNUM, 36),
        "GitHub fine-grained token": "github_pat_" + rand(ALNUM, 22) + "_" + rand(ALNUM, 59),
        "GitHub OAuth token": "gho_" + rand(ALNUM, 36),
        "GitHub app token": "ghs_" + rand(ALNUM, 36),
        "GitLab token": "glpat-" + rand(ALNUM + "_-", 20),
        "Slack bot token": f"xoxb-{rand(DIGITS, 12)}-{rand(DIGITS, 13)}-{rand(ALNUM, 24)}",
        "Slack user token": f"xoxp-{rand(DIGITS, 12)}-{rand(DIGITS, 12)}-{rand(DIGITS, 13)}-"
        f"{rand(HEX, 32)}",
        "Slack webhook": f"hooks.slack.com/services/T{rand(UPPER, 8)}/B{rand(UPPER, 8)}/"
        f"{rand(ALNUM, 24)}",
        "Stripe secret key": "sk_live_" + rand(ALNUM, 24),
        "Stripe restricted key": "rk_live_" + rand(ALNUM, 24),
        "OpenAI project key": "sk-proj-" + rand(ALNUM + "_-", 48),
        "OpenAI legacy key": "sk-" + rand(ALNUM, 20) + "T3BlbkFJ" + rand(ALNUM, 20),
        "Anthropic key": "sk-ant-api03-" + rand(ALNUM + "_-", 93) + "AA",
        "Google API key": "AIza" + rand(ALNUM + "_-", 35),
        "Google OAuth token": "ya29." + rand(ALNUM + "_-", 80),
        "Hugging Face token": "hf_" + rand(UPPER + LOWER, 34),
        "npm token": "npm_" + rand(ALNUM, 36),
        "PyPI token": "pypi-AgEIcHlwaS5vcmc" + rand(ALNUM + "_-", 70),
        "JSON Web Token": jwt(),
        "Twilio API key": "SK" + rand(HEX, 32),
        "SendGrid key": f"SG.{rand(ALNUM + '_-', 22)}.{rand(ALNUM + '_-', 43)}",
        "Mailchimp key": rand(HEX, 32) + "-us12",
        "Telegram bot token": f"{rand(DIGITS, 10)}:AA{rand(ALNUM + '_-', 33)}",
        "Shopify token": "shpat_" + rand(HEX, 32),
        "DigitalOcean token": "dop_v1_" + rand(HEX, 64),
        "Databricks token": "dapi" + rand(HEX, 32),
        "Heroku key": "HRKU-AA" + rand(ALNUM + "_-", 58),
        "Vault token": "hvs." + rand(ALNUM + "_-", 95),
        "Doppler token": "dp.pt." + rand(ALNUM, 43),
        "Linear key": "lin_api_" + rand(ALNUM, 40),
        "Grafana token": f"glsa_{rand(ALNUM, 32)}_{rand(HEX, 8)}",
        "Perplexity key": "pplx-" + rand(ALNUM, 48),
        "Square token": "sq0atp-" + rand(ALNUM + "_-", 22),
        "Postman key": f"PMAK-{rand(HEX, 24)}-{rand(HEX, 34)}",
        "Age secret key": "AGE-SECRET-KEY-1" + rand("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
        "Azure AD client secret": rand(ALNUM, 3) + "8Q~" + rand(ALNUM + "_~.", 34),
        "Sentry user token": "sntryu_" + rand(HEX, 64),
        "Artifactory key": "AKCp" + rand(ALNUM, 69),
    }
    cases = [(name, f"{name.upper().replace(' ', '_')}={secret}\n", secret)
             for name, secret in s.items()]  # fmt: skip
    password, short, db_pass, dsn = rand(ALNUM, 14), rand(LOWER, 5) + rand(DIGITS, 2), rand(
        ALNUM + "!#", 12), rand(HEX, 32)  # fmt: skip
    azure = base64.b64encode(RNG.randbytes(64)).decode()
    redis_pw, bearer, basic = rand(ALNUM, 16), rand(ALNUM + "-._", 40), base64.b64encode(
        f"ana:{rand(ALNUM, 12)}".encode()).decode()  # fmt: skip
    cases += [
        ("AWS secret key beside its id", f"[default]\n{aws_id}\n{aws_secret}\n", aws_secret),
        ("AWS secret key by name", f"aws_secret_access_key = {aws_secret}\n", aws_secret),
        ("private key (PEM)", pem("RSA "), key_body[2]),
        ("OpenSSH private key", openssh, openssh.splitlines()[1]),
        ("private key without its END line", clipped_pem + "\n", key_body[3]),
        (
            "password in a postgres URL",
            f"DATABASE_URL=postgres://app:{password}@db:5432/x",
            password,
        ),
        ("password in a redis URL", f"REDIS_URL=redis://:{redis_pw}@cache:6379/0", redis_pw),
        ("Sentry DSN key", f'SENTRY_DSN="https://{dsn}@o4504.ingest.sentry.io/4505"', dsn),
        (
            "Azure storage account key",
            f"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={azure};"
            "EndpointSuffix=core.windows.net",
            azure,
        ),
        ("DB_PASS in .env", f"DB_HOST=db.internal\nDB_PASS={db_pass}\n", db_pass),
        ("short password in YAML", f"database:\n  user: app\n  password: {short}\n", short),
        ("password in JSON", f'{{"user": "ana", "password": "{password}"}}', password),
        ("password in Python", f'db_password = "{password}"\n', password),
        (
            "bearer token in a header",
            f'curl -H "Authorization: Bearer {bearer}" https://api',
            bearer,
        ),
        ("basic auth header", f"Authorization: Basic {basic}\n", basic),
        (
            "API key in a URL query",
            f"GET https://api.example.org/v1?api_key={password}&q=1",
            password,
        ),
    ]
    return cases
