"""Key formats as data: what a secret of each kind looks like, and the words it contains.

Most rules are ported from gitleaks' default rule set (``config/gitleaks.toml``,
https://github.com/gitleaks/gitleaks, MIT License, Copyright (c) 2019 Zachary Rice), rewritten
for Python's ``re``: the trailing context of gitleaks' regexes became lookarounds, and where a
rule needs context, the secret is the named group ``s`` (only it is replaced). A few are
ccmagic's own (marked). Each rule runs only on text that holds one of its ``keywords``
(lowercase), as gitleaks does: a substring test is far cheaper than a regex over 200 KB.
detect-secrets' own regex detectors run beside these (see :mod:`.detector`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

END = r"(?![A-Za-z0-9_\-])"  # a key ends where its alphabet does
START = r"(?<![A-Za-z0-9_\-])"


@dataclass(frozen=True)
class Format:
    kind: str
    keywords: tuple[str, ...]
    regex: re.Pattern[str]

    def secret(self, match: re.Match[str]) -> tuple[int, int]:
        """Where the secret is in a match: the group ``s`` when the rule has one."""
        return match.span("s") if "s" in self.regex.groupindex else match.span()


RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    # -- cloud providers
    ("AWS Access Key", ("akia", "asia", "abia", "acca", "a3t"),
     START + r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}" + END),
    ("Google API Key", ("aiza",), START + r"AIza[\w\-]{35}" + END),
    ("Google OAuth Token", ("ya29.",), START + r"ya29\.[\w\-]{20,}" + END),  # own
    ("Azure Storage Key", ("accountkey=",), r"(?i:AccountKey)=(?P<s>[A-Za-z0-9+/]{20,}={0,2})"),
    ("Azure AD Client Secret", ("q~",),
     r"(?<![\w~.])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34}(?![\w~.\-])"),
    ("Alibaba Access Key", ("ltai",), START + r"LTAI[A-Za-z0-9]{20}" + END),
    ("DigitalOcean Token", ("dop_v1_", "doo_v1_", "dor_v1_"),
     START + r"do[por]_v1_[a-f0-9]{64}" + END),
    ("Heroku API Key", ("hrku-aa",), START + r"HRKU-AA[0-9A-Za-z_\-]{58}" + END),
    ("Databricks Token", ("dapi",), START + r"dapi[a-f0-9]{32}(?:-\d)?" + END),
    ("Fly.io Token", ("fo1_",), START + r"fo1_[\w\-]{43}" + END),
    ("Cloudflare Origin CA Key", ("v1.0-",), START + r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}"),
    ("Vault Token", ("hvs.", "hvb."), START + r"hv[sb]\.[\w\-]{90,300}" + END),
    ("Doppler Token", ("dp.pt.",), START + r"dp\.pt\.[A-Za-z0-9]{43}" + END),
    ("Pulumi Token", ("pul-",), START + r"pul-[a-f0-9]{40}" + END),
    ("Planetscale Token", ("pscale_",), START + r"pscale_(?:tkn|oauth|pw)_[\w=.\-]{32,64}"),
    ("Grafana Token", ("glsa_", "glc_"),
     START + r"(?:glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,400}={0,3})"),
    ("Dynatrace Token", ("dt0c01.",), r"dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}"),
    ("Age Secret Key", ("age-secret-key-1",),
     r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
    # -- code hosts and package registries
    ("GitHub Token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
     START + r"gh[pousr]_[0-9A-Za-z]{36,255}" + END),
    ("GitHub Token", ("github_pat_",), START + r"github_pat_\w{82}" + END),
    ("GitLab Token", ("glpat-", "gldt-", "glrt-", "glptt-", "gloas-", "glsoat-", "glft-"),
     START + r"gl(?:pat|dt|rt|ptt|oas|soat|ft)-[\w\-]{20,300}(?:\.[0-9a-z]{9})?" + END),
    ("Hugging Face Token", ("hf_", "api_org_"), START + r"(?:hf|api_org)_[A-Za-z]{34}" + END),
    ("npm Token", ("npm_",), START + r"npm_[A-Za-z0-9]{36}" + END),
    ("PyPI Token", ("pypi-ageichlwas5vcmc",), r"pypi-AgEIcHlwaS5vcmc[\w\-]{50,1000}"),
    ("RubyGems Token", ("rubygems_",), START + r"rubygems_[a-f0-9]{48}" + END),
    ("Artifactory Key", ("akcp", "cmvmd"),
     START + r"(?:AKCp[A-Za-z0-9]{69}|cmVmd[A-Za-z0-9]{59})" + END),
    ("Clojars Token", ("clojars_",), r"(?i:CLOJARS_)[a-z0-9]{60}"),
    # -- AI services
    ("Anthropic API Key", ("sk-ant-",), START + r"sk-ant-[a-z0-9]+-[\w\-]{20,}"),  # own
    ("OpenAI API Key", ("sk-",), START + r"sk-(?:proj-|svcacct-|admin-)?[\w\-]{32,}"),  # own
    ("OpenAI API Key", ("t3blbkfj",), START + r"sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}" + END),
    ("Perplexity API Key", ("pplx-",), START + r"pplx-[A-Za-z0-9]{48}" + END),
    # -- payments, messaging, SaaS
    ("Stripe Access Key", ("sk_", "rk_"),
     START + r"[sr]k_(?:test|live|prod)_[A-Za-z0-9]{10,99}" + END),
    ("Square Token", ("sq0atp-", "sq0csp-"), START + r"sq0(?:atp|csp)-[\w\-]{22,60}" + END),
    ("Shopify Token", ("shpat_", "shpca_", "shppa_", "shpss_"),
     r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"),
    ("Slack Token", ("xox",), START + r"xox[abposre](?:\.xox[bp])?-[0-9A-Za-z\-]{10,250}"),
    ("Slack Webhook", ("hooks.slack.com",),
     r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{20,80}"),
    ("SendGrid API Key", ("sg.",), START + r"SG\.[\w\-]{22}\.[\w\-]{43}" + END),
    ("Sendinblue Key", ("xkeysib-",), r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}"),
    ("Twilio API Key", ("sk",), START + r"SK[0-9a-fA-F]{32}" + END),
    ("Mailgun Key", ("key-",), START + r"key-[0-9a-f]{32}" + END),  # own
    ("Linear API Key", ("lin_api_",), r"lin_api_[A-Za-z0-9]{40}"),
    ("Notion Token", ("ntn_", "secret_"),
     START + r"(?:ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})" + END),
    ("Postman API Key", ("pmak-",), START + r"PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}" + END),
    ("Sentry Token", ("sntryu_", "sntrys_"), START + r"sntry[us]_[\w+/=]{40,400}" + END),
    ("Telegram Bot Token", ("telegram", ":aa"), START + r"\d{8,10}:AA[\w\-]{33}" + END),
    ("Discord Bot Token", ("discord", ".g"),
     START + r"[MNO][\w\-]{23,25}\.[\w\-]{6}\.[\w\-]{27,38}" + END),
    ("Atlassian Token", ("atatt3",), START + r"ATATT3[\w\-=]{186}"),
    ("1Password Token", ("ops_",), r"ops_eyJ[A-Za-z0-9+/]{250,}={0,3}"),
    # -- credentials in URLs and headers (own)
    ("Basic Auth Credentials", ("://",), r"\b[a-z][a-z0-9+.\-]*://[^\s:/@\"'<>]*:(?P<s>[^\s@/\"'<>]{2,})@"),
    ("Sentry DSN Key", ("://",), r"\bhttps?://(?P<s>[0-9a-f]{32})(?::[0-9a-f]{32})?@"),
    ("Authorization Header", ("basic ", "bearer ", "token "),
     r"(?i:\b(?:authorization|proxy-authorization)[\"']?\s*[:=]\s*[\"']?(?:basic|bearer|token)\s+)"
     r"(?P<s>[\w\-.~+/=]{8,})"),
    ("Bearer Token", ("bearer ",), r"\bBearer\s+(?P<s>[\w\-.~+/]{20,}=*)"),
)  # fmt: skip


@cache
def formats() -> tuple[Format, ...]:
    """The rules, compiled once on first use."""
    return tuple(Format(kind, words, re.compile(regex)) for kind, words, regex in RULES)


@cache
def keywords() -> tuple[str, ...]:
    return tuple(sorted({word for _, words, _ in RULES for word in words}))
