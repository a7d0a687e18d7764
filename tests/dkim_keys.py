"""A DKIM test key (RSA 2048, made for these tests and published nowhere) and the DNS it lives
in: `txt_record` stands in for dkimpy's resolver (settings.CONSONANCE_DKIM_DNSFUNC) since real
DNS is unreachable in tests. It publishes the key as selector "test" of the domains in
DOMAINS (the client's, and an attacker's own, which signs fine but for the wrong domain).

    raw = sign(message_bytes, domain="example.se")
"""

from __future__ import annotations

import dkim
import pytest

PRIVATE_KEY = b"""-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCTbo2PISyN8RUi
3Tiojm0gD5UYUYihifHzE8kno5R5/QMeBqnzgsmriavtxnQiJrVwHEjE7nWaOuXe
lfnEpGwvOzCybiOM04tLc7ylpyFDf1wJHYLcaRctIztcx5VudY6HEX5hcP/mibET
0McJGLF7L8wT9I1DmqNLR9H6Lq6+JgYhrlXDqe3CFEhR6oBV5WoXTANwPltbB1fS
3NTHAA/QGa1OjTDtrybDAJkRZ58CPm+c+0VnUYivydz+zdrRroZzvf5fy0IhOhJx
INJQuTEP+wXdjkX2UwO0NWJyCbZiLOdU+sGtGrIsz8Uxo22YLCPWA7h50i+R6ACL
iXL3BB6PAgMBAAECggEAHGvhikgg6LQjGPeApq3eR6H5YhjFuC55oByeWK/mPaYS
5cTvGmyKKDGAHXR2iubfb19kf+JgdX0JN2G+JrRzzp8ggiVNYSae4crMATs45GQ2
/+LaiVcRCriSBw7KteKfuVYcAPjhvDWrF2DWHeDOxiqusuIgIXo8JJUR26MIOMuc
qbTzqhMzvvvAMaaz1aUyf+05nTkr1TIohJrXuihKrEedFuzjE/YXIB77JVXZRBr7
NuxRYB9PTFHiLQ9bxZV592/S22l4Z+v0vfJyjJgtccBKJpIRLD4e8XAjFSkR2pfu
SEH/DyzJji8/aSvAaxokXto2dx0Z+7rXfByfFOvZsQKBgQDQLBzvKXne11X5oyhj
feyqTshoUD7nBEc9BmKa8BD/nKWUROOvtQwRNgS1J56Y2UwQ+ZrQdZq1++m9iyXT
YU8I866YEf0HpFM29XqXQaCU5Ie3QimFYuADSueqwsQQmpZppax8gvO1s+tE+ntL
zQm55CtZkddH/vNBJB+P5wDULQKBgQC1TevoOQfHjDUavbGrcjDqJnU6iyGtWdSd
zWwoJnHSjM57i2KLYD9UKI83L9V0BpN4+1OlCgP+160XU9ptDtfcOwJDbUmNLCCD
BIVF+tGRZDEMvEvA0Bb8CyQL85hW9thTxwxO8rdnj8Xz6E+cuxMv2fa8+srwzAoz
nKl86ChHKwKBgAKcawh85rBq1wM4jqsgyzUfo9fbGc7f+NzFFbuHw07Rcio36vsr
NCmLGegDxTN5lkCoQM7YisY5kKb19dV+5PThyZDSuO+9meWYkp8PDaqQaztbMxYf
NVwVNm6n3rmulrBgiZdONSxUQ2EsGxvKSJLyT7Dh6WdXxUlN4K93YEVJAoGAKr9A
i/RGXUo1iySGq4G0/sAqi68aNaEkfEBe6+iElbwVQxPOHEaJJ/KYMc7ZaQ3T34aC
ZjtCTefUK9fdfDEvvAE9u2AdI2fwEnQSaDmHB9yzo+kRg1iM0shdq2O322lAACDC
Sir4Czbe2W9Athd1oqalglEvYC77iMe7PnQOaxkCgYA8etnb7xtqEXZzlh+y4BbF
CtjdJf5aaPt9rDoT79HgVfogBwKHMy64FO1r38l02XOHnZTfiPi6sR7YROw0lArG
LI7ljO+FswTW3pL3ui36itXKzTL5eo7G25iqlkGiPv9xsHAoP0sVGiZx4Vor3qAS
VTVGeO6EA5IXe0WHLz/UtA==
-----END PRIVATE KEY-----
"""
PUBLIC_KEY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAk26NjyEsjfEVIt04qI5tIA+VGFGIoYnx8xPJJ6OUef0DHgap84LJq4mr7cZ0Iia1cBxIxO51mjrl3pX5xKRsLzswsm4jjNOLS3O8pachQ39cCR2C3GkXLSM7XMeVbnWOhxF+YXD/5omxE9DHCRixey/ME/SNQ5qjS0fR+i6uviYGIa5Vw6ntwhRIUeqAVeVqF0wDcD5bWwdX0tzUxwAP0BmtTo0w7a8mwwCZEWefAj5vnPtFZ1GIr8nc/s3a0a6Gc73+X8tCIToScSDSULkxD/sF3Y5F9lMDtDVicgm2YiznVPrBrRqyLM/FMaNtmCwj1gO4edIvkegAi4ly9wQejwIDAQAB"
SELECTOR = "test"
DOMAINS = ("example.se", "angripare.example")
DNSFUNC = "tests.dkim_keys.txt_record"


def txt_record(name: bytes, timeout: int = 5) -> bytes | None:
    """The TXT record of `name` ("test._domainkey.example.se."), as DNS would answer."""
    for domain in DOMAINS:
        if name.decode().rstrip(".").lower() == f"{SELECTOR}._domainkey.{domain}":
            return f"v=DKIM1; k=rsa; p={PUBLIC_KEY}".encode()
    return None


def sign(raw: bytes, *, domain: str = "example.se") -> bytes:
    """The message with a DKIM-Signature header of `domain` on top, as its mail server adds it."""
    raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    header = dkim.sign(
        raw,
        SELECTOR.encode(),
        domain.encode(),
        PRIVATE_KEY,
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
    )
    return header + raw


@pytest.fixture
def dkim_dns(settings):
    """The test key's DNS in place of the real one."""
    settings.CONSONANCE_DKIM_DNSFUNC = DNSFUNC
