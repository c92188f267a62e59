"""The real serve() path: TLS when a certificate is configured, metrics on the monitor port."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from colonies.client import ColoniesClient
from colonies.config import Settings
from colonies.errors import ConnectError
from colonies.localpg import free_port
from colonies.server.app import serve
from tests.conftest import SERVER_KEY


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_serves_https_and_monitor_port(settings: Settings, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    port, monitor = free_port(), free_port()
    tls = replace(settings, port=port, monitor_port=monitor, tls_cert=str(cert), tls_key=str(key))
    stop = asyncio.Event()
    task = asyncio.create_task(serve(tls, stop))
    try:
        context = ssl.create_default_context(cafile=str(cert))
        connector = aiohttp.TCPConnector(ssl=context)
        async with aiohttp.ClientSession(connector=connector) as session:
            client = ColoniesClient(f"https://localhost:{port}", session=session)
            for _ in range(200):  # until the listener is up
                try:
                    colonies = await client.call("getcoloniesmsg", {}, key=SERVER_KEY)
                    break
                except ConnectError:
                    await asyncio.sleep(0.02)
            assert colonies == []
            # the CLI's one-shot client (standard library): a self-signed certificate is
            # refused unless verification is off, as with --skip-tls-verify
            url = f"https://localhost:{port}"
            with pytest.raises(ConnectError, match="TLS"):
                await ColoniesClient(url, one_shot=True).call("getcoloniesmsg", {}, key=SERVER_KEY)
            skip = ColoniesClient(url, one_shot=True, verify_tls=False)
            assert await skip.call("getcoloniesmsg", {}, key=SERVER_KEY) == []
            async with session.get(f"http://127.0.0.1:{monitor}/metrics") as resp:
                text = await resp.text()
            assert 'colonies_rpc_requests_total{payloadtype="getcoloniesmsg",status="200"}' in text
            with pytest.raises(aiohttp.ClientError):  # no plain HTTP on the TLS port
                async with session.get(f"http://127.0.0.1:{port}/health"):
                    pass
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
