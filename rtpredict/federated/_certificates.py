"""TLS certificates and SuperNode keys for a consortium (the ``cryptography`` package).

The coordinator makes a certificate authority and the SuperLink's server certificate (its
host names and IP addresses as subject alternative names) and gives every site ``ca.crt``.
Each site makes its own key pair and sends only the public key; the coordinator allow-lists it
(``flwr supernode register``), and the SuperLink then refuses any SuperNode whose key is not
on the list. Private keys never leave the machine that made them and are written 0600.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from rtpredict._files import write_bytes_atomic, write_private_bytes
from rtpredict.errors import InputError

#: validity of the CA and server certificates (a consortium renews them per study period)
VALID_DAYS = 825


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "rtpredict federation"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_certificates(folder: str | Path, hosts: Sequence[str], *, days: int = VALID_DAYS) -> dict:
    """Write ``ca.crt``, ``ca.key``, ``server.crt`` and ``server.key`` into ``folder``.

    ``hosts`` are the names and IP addresses the sites (and the SuperLink's own helper
    processes, which connect on 127.0.0.1) use to reach the SuperLink. Keys are ECDSA P-384.
    Returns the paths written.
    """
    if not hosts:
        raise InputError("give at least one host name or IP address of the SuperLink.")
    folder = Path(folder)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP384R1())
    ca_name = _name("rtpredict federation CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA384())
    )
    server_key = ec.generate_private_key(ec.SECP384R1())
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA384())
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        k: folder / f"{k.replace('_', '.')}"
        for k in ("ca_crt", "ca_key", "server_crt", "server_key")
    }
    pem = serialization.Encoding.PEM
    write_bytes_atomic(paths["ca_crt"], ca_cert.public_bytes(pem))
    write_bytes_atomic(
        paths["server_crt"], server_cert.public_bytes(pem) + ca_cert.public_bytes(pem)
    )
    for key, obj in (("ca_key", ca_key), ("server_key", server_key)):
        write_private_bytes(
            paths[key],
            obj.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        )
    return paths


def make_site_keys(folder: str | Path, code: str) -> tuple[Path, Path]:
    """Write a site's SuperNode key pair (OpenSSH ECDSA P-384): ``<code>.key``, ``<code>.pub``.

    The private key stays at the site (0600); the public key is what the site sends the
    coordinator to be allow-listed.
    """
    folder = Path(folder)
    key = ec.generate_private_key(ec.SECP384R1())
    private = folder / f"{code}.key"
    public = folder / f"{code}.pub"
    write_private_bytes(
        private,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        ),
    )
    write_bytes_atomic(
        public,
        key.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
        + f" rtpredict-site-{code}\n".encode(),
    )
    return private, public
