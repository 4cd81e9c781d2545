"""TLS: the bench trusts exactly the CA in its config; a hub certificate from another CA is refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hub_process import add_device, running_hub
from hub_support import BENCH

from workstation.sync.client import HubClient
from workstation.sync.errors import HubUnreachable


def make_ca(folder: Path, name: str) -> tuple[Path, Path]:
    key, cert = folder / f"{name}-ca.key", folder / f"{name}-ca.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
         "-days", "2", "-subj", f"/CN={name} test CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, cert


def make_server_cert(folder: Path, ca_key: Path, ca_cert: Path) -> tuple[Path, Path]:
    key, csr, cert, ext = (folder / n for n in ("hub.key", "hub.csr", "hub.pem", "ext.cnf"))
    subprocess.run(
        ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    subprocess.run(
        ["openssl", "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial",
         "-out", cert, "-days", "2", "-extfile", ext],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_the_hub_is_trusted_with_its_ca_and_refused_with_another(data_dir: Path, tmp_path: Path) -> None:
    ca_key, ca_cert = make_ca(tmp_path, "facility")
    _, other_ca = make_ca(tmp_path, "other")
    cert, key = make_server_cert(tmp_path, ca_key, ca_cert)
    database = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    token = add_device(data_dir, database, BENCH)
    with running_hub(data_dir, database, "--cert", str(cert), "--key", str(key)) as hub:
        assert hub.url.startswith("https://")
        with HubClient(hub.url, token, ca_file=str(ca_cert)) as good:
            assert good.time()
        with HubClient(hub.url, token, ca_file=str(other_ca)) as bad, pytest.raises(HubUnreachable) as caught:
            bad.time()
        assert "certificate was not trusted" in caught.value.reason
