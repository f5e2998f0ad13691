"""Keyed pseudonyms: stable, private key and mapping, and no local ID or key byte in any output."""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import stat
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from rtpredict import cli
from rtpredict.errors import InputError
from rtpredict.io import read_sample_sheet
from rtpredict.privacy import (
    KEY_BYTES,
    new_key,
    pseudonym,
    pseudonymise_ids,
    pseudonymise_table,
    read_key,
    read_mapping,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
LOCAL_IDS = ("IPP0012345", "IPP0067890", "IPP0024680")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """Run with umask 000, so that only explicit modes keep files private."""
    previous = os.umask(0)
    yield
    os.umask(previous)


@pytest.fixture
def key_file(tmp_path) -> Path:
    return new_key(tmp_path / "secure" / "rtpredict.key")


def _rfc2104_hmac_sha256(key: bytes, message: bytes) -> bytes:
    """HMAC spelled out from RFC 2104 with hashlib only (an oracle independent of hmac)."""
    block = 64
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(k ^ 0x36 for k in key) + message).digest()
    return hashlib.sha256(bytes(k ^ 0x5C for k in key) + inner).digest()


# ---------------------------------------------------------------- key file


def test_new_key_is_random_private_and_never_overwritten(tmp_path, open_umask):
    first = new_key(tmp_path / "a.key")
    second = new_key(tmp_path / "b.key")
    assert _mode(first) == 0o600
    assert len(first.read_bytes()) == KEY_BYTES
    assert first.read_bytes() != second.read_bytes()
    before = first.read_bytes()
    with pytest.raises(InputError, match=r"a.key: a key file already exists; it is never overw"):
        new_key(first)
    assert first.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.key", "b.key"]  # no temporary left


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644])
def test_key_readable_by_others_is_refused(key_file, mode):
    os.chmod(key_file, mode)
    with pytest.raises(InputError, match=rf"readable or writable by other users \(mode 0{mode:o}"):
        read_key(key_file)
    os.chmod(key_file, 0o400)
    assert len(read_key(key_file)) == KEY_BYTES


def test_key_of_the_wrong_size_or_missing_is_refused(tmp_path):
    short = tmp_path / "short.key"
    short.write_bytes(b"0123456789abcdef0123456789abcdef\n")
    os.chmod(short, 0o600)
    with pytest.raises(InputError, match=r"holds exactly 32 bytes .* this one holds 33"):
        read_key(short)
    with pytest.raises(InputError, match="no such key file"):
        read_key(tmp_path / "none.key")


# ---------------------------------------------------------------- pseudonyms


def test_pseudonym_is_truncated_hmac_sha256_in_base32():
    """RFC 4231 test case 2, then an RFC 2104 twin on the 32-byte keys rtpredict makes."""
    digest = bytes.fromhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    expected = base64.b32encode(digest[:10]).decode()
    assert pseudonym("what do ya want for nothing?", b"Jefe", prefix="") == expected
    key = bytes(range(32))
    for local_id in ("IPP0012345", "Tumeur-é", "x" * 300, "患者 7"):
        twin = _rfc2104_hmac_sha256(key, unicodedata.normalize("NFC", local_id).encode())
        assert pseudonym(local_id, key) == "PS" + base64.b32encode(twin[:10]).decode()


def test_pseudonyms_are_stable_valid_ids_and_key_dependent():
    key, other = bytes(range(32)), bytes(range(1, 33))
    made = pseudonym("IPP0012345", key)
    assert re.fullmatch(r"PS[A-Z2-7]{16}", made)
    assert SAMPLE_ID.match(made)
    assert pseudonym("IPP0012345", key) == made
    assert pseudonym(" IPP0012345 ", key) == made  # surrounding spaces do not count
    assert pseudonym(unicodedata.normalize("NFD", "Tumeur-é"), key) == pseudonym("Tumeur-é", key)
    assert pseudonym("IPP0012345", other) != made
    assert pseudonym("IPP0012346", key) != made
    assert pseudonym("IPP0012345", key, prefix="CHU.") == "CHU." + made[2:]
    with pytest.raises(InputError, match="prefix '-x'"):
        pseudonym("IPP0012345", key, prefix="-x")


def test_pseudonyms_are_the_same_in_another_process(tmp_path):
    """Nothing process-specific (hash seed, locale) enters a pseudonym."""
    key = bytes(range(32))
    script = (
        "import sys; from rtpredict.privacy import pseudonym\n"
        "print(pseudonym(sys.argv[1], bytes(range(32))))\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345", LC_ALL="C", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", script, "Tumeur-é"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert done.stdout.strip() == pseudonym("Tumeur-é", key)


def test_collisions_are_refused_not_merged():
    key = bytes(range(32))
    ids = [f"T{i}" for i in range(257)]  # 257 IDs, 256 one-byte pseudonyms: a collision
    with pytest.raises(InputError, match=r"two local IDs get the same pseudonym PS.. \(a coll"):
        pseudonymise_ids(ids, key, n_bytes=1)
    mapping = pseudonymise_ids(ids, key)
    assert len(set(mapping.values())) == 257


# ---------------------------------------------------------------- tables


def _sheet(folder: Path) -> Path:
    rows = [
        "sample_id\tlane\tfastq_1\tfastq_2",
        f"{LOCAL_IDS[0]}\tL1\ta_R1.fastq.gz\ta_R2.fastq.gz",
        f"{LOCAL_IDS[0]}\tL2\tb_R1.fastq.gz\tb_R2.fastq.gz",
        f"{LOCAL_IDS[1]}\tL1\tc_R1.fastq.gz\tc_R2.fastq.gz",
    ]
    for name in ("a", "b", "c"):
        for read in (1, 2):
            (folder / f"{name}_R{read}.fastq.gz").write_bytes(b"")
    path = folder / "samples_local.tsv"
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8-sig")  # as Excel saves it
    return path


def _all_bytes(folder: Path, exclude: set[Path]) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file() and p not in exclude)


def test_table_is_pseudonymised_with_a_private_mapping(tmp_path, key_file, open_umask, caplog):
    caplog.set_level(logging.DEBUG)
    work = tmp_path / "work"
    work.mkdir()
    source = _sheet(work)
    mapping = tmp_path / "secure" / "pseudonyms.tsv"
    output = work / "samples.tsv"
    done = pseudonymise_table(source, output, key_file=key_file, mapping=mapping)
    assert (done.rows, done.ids, done.new_ids) == (3, 2, 2)
    key = read_key(key_file)
    expected = {local: pseudonym(local, key) for local in LOCAL_IDS[:2]}
    assert read_mapping(mapping) == expected
    assert _mode(mapping) == 0o600
    assert mapping.read_text().splitlines()[0] == "local_id\tpseudonym"
    sheet = read_sample_sheet(output)  # the output passes the guard and the schema
    assert list(sheet["sample_id"]) == [expected[LOCAL_IDS[0]]] * 2 + [expected[LOCAL_IDS[1]]]
    assert list(sheet["lane"]) == ["L1", "L2", "L1"]
    # no local ID and no key material in any output, nor in the log; only in the mapping
    written = output.read_bytes() + "".join(r.getMessage() for r in caplog.records).encode()
    written += _all_bytes(work, exclude={source})
    for secret in (key, key.hex().encode(), base64.b64encode(key), *map(str.encode, LOCAL_IDS)):
        assert secret not in written
    assert LOCAL_IDS[0].encode() in mapping.read_bytes()
    assert key not in mapping.read_bytes()
    assert sorted(p.name for p in work.iterdir() if p.name.startswith(".")) == []


def test_a_second_batch_extends_the_mapping_and_another_key_is_refused(tmp_path, key_file):
    source, mapping = _sheet(tmp_path), tmp_path / "map.tsv"
    pseudonymise_table(source, tmp_path / "out1.tsv", key_file=key_file, mapping=mapping)
    first = read_mapping(mapping)
    batch2 = tmp_path / "batch2.tsv"
    batch2.write_text(f"sample_id\tsite\n{LOCAL_IDS[2]}\tlung\n{LOCAL_IDS[0]}\tbreast\n")
    done = pseudonymise_table(batch2, tmp_path / "out2.tsv", key_file=key_file, mapping=mapping)
    assert (done.ids, done.new_ids) == (2, 1)
    second = read_mapping(mapping)
    assert second == first | {LOCAL_IDS[2]: pseudonym(LOCAL_IDS[2], read_key(key_file))}
    out2 = (tmp_path / "out2.tsv").read_text().splitlines()
    assert out2[2] == f"{first[LOCAL_IDS[0]]}\tbreast"  # same tumour, same pseudonym
    other_key = new_key(tmp_path / "other.key")
    with pytest.raises(InputError, match=r"map\.tsv gives another pseudonym .* another key"):
        pseudonymise_table(batch2, tmp_path / "out3.tsv", key_file=other_key, mapping=mapping)
    assert not (tmp_path / "out3.tsv").exists()
    assert read_mapping(mapping) == second


def test_local_id_left_in_another_column_is_refused_without_showing_it(tmp_path, key_file):
    source = tmp_path / "local.tsv"
    source.write_text(
        "sample_id\tfastq_1\tfastq_2\tdose_per_fraction\n"
        "IPP0012345\tx_R1.fastq.gz\tx_R2.fastq.gz\t2\n"
        "IPP0067890\tipp0067890_R1.fastq.gz\ty_R2.fastq.gz\t2\n"
    )
    output, mapping = tmp_path / "out.tsv", tmp_path / "map.tsv"
    with pytest.raises(InputError) as err:
        pseudonymise_table(source, output, key_file=key_file, mapping=mapping)
    assert str(err.value).startswith(
        f"{source}, line 3, field fastq_1: contains the local ID of line 3 (not shown)"
    )
    assert "0067890" not in str(err.value)
    assert not output.exists()
    assert not mapping.exists()


def test_output_with_identifiers_is_refused_unless_dropped_or_allowed(tmp_path, key_file):
    source = tmp_path / "clinical_local.tsv"
    source.write_text(
        "sample_id\tnom\tdate_rt\tsite\nIPP0012345\tDupont\t2019-05-02\tlung\n", encoding="utf-8"
    )
    output, mapping = tmp_path / "clinical.tsv", tmp_path / "map.tsv"
    kwargs = {"key_file": key_file, "mapping": mapping}
    with pytest.raises(InputError) as err:
        pseudonymise_table(source, output, **kwargs)
    assert str(err.value).startswith(
        f"{source}, line 1, field nom: the column name says it holds a person's name; "
    )
    assert "drop the column (--drop nom) or pseudonymise it too (--column nom)" in str(err.value)
    assert "field date_rt (line 2: a value looks like a date (2019-**-**))" in str(err.value)
    assert "Dupont" not in str(err.value)
    done = pseudonymise_table(
        source, output, drop=["nom"], allow={"date_rt": "start of RT, approved"}, **kwargs
    )
    assert done.allowed == {"date_rt": "start of RT, approved"}
    assert output.read_text().splitlines()[0] == "sample_id\tdate_rt\tsite"
    assert "Dupont" not in output.read_text()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"output": "local.tsv"}, r"the source and the output must be different"),
        ({"mapping": "out.tsv"}, r"the output and the mapping must be different"),
        ({"columns": ["patient"]}, r"no column 'patient'; columns: sample_id, site"),
        ({"drop": ["site"], "columns": ["site"]}, r"site: a column is pseudonymised or dropped"),
    ],
)
def test_bad_requests_are_refused(tmp_path, key_file, change, message):
    source = tmp_path / "local.tsv"
    source.write_text("sample_id\tsite\nIPP0012345\tlung\n")
    kwargs = {"output": "out.tsv", "mapping": "map.tsv"} | change
    output, mapping = tmp_path / kwargs.pop("output"), tmp_path / kwargs.pop("mapping")
    with pytest.raises(InputError, match=message):
        pseudonymise_table(source, output, key_file=key_file, mapping=mapping, **kwargs)
    assert source.read_text() == "sample_id\tsite\nIPP0012345\tlung\n"


def test_empty_id_and_shared_mapping_are_refused(tmp_path, key_file):
    source = tmp_path / "local.tsv"
    source.write_text("sample_id\tsite\nIPP0012345\tlung\n \tbreast\n")
    with pytest.raises(InputError, match=r"local.tsv, line 3, field sample_id: empty ID"):
        pseudonymise_table(source, tmp_path / "o.tsv", key_file=key_file, mapping=tmp_path / "m")
    mapping = tmp_path / "map.tsv"
    mapping.write_text("local_id\tpseudonym\n")
    os.chmod(mapping, 0o644)
    source.write_text("sample_id\tsite\nIPP0012345\tlung\n")
    with pytest.raises(InputError, match="the mapping file is readable or writable by other"):
        pseudonymise_table(source, tmp_path / "o.tsv", key_file=key_file, mapping=mapping)


# ---------------------------------------------------------------- command line


def test_command_line(tmp_path, monkeypatch, capsys, open_umask):
    monkeypatch.setitem(cli.COMMANDS, "pseudonymise", "pseudonymise")
    monkeypatch.chdir(tmp_path)
    source = _sheet(tmp_path)
    assert cli.main(["pseudonymise", "--new-key", "--key", "k.key"]) == 0
    assert _mode(tmp_path / "k.key") == 0o600
    assert cli.main(["pseudonymise", "--new-key", "--key", "k.key"]) == 2
    assert "k.key: a key file already exists" in capsys.readouterr().err
    args = ["pseudonymise", str(source), "--key", "k.key", "--mapping", "m.tsv"]
    assert cli.main([*args, "--output", "s.tsv", "--prefix", "CHU1-"]) == 0
    captured = capsys.readouterr()
    lines = (tmp_path / "s.tsv").read_text().splitlines()
    assert [line.split("\t")[0][:5] for line in lines[1:]] == ["CHU1-"] * 3
    key = (tmp_path / "k.key").read_bytes()
    for local_id in LOCAL_IDS:
        assert local_id not in captured.out + captured.err
    assert key.hex() not in captured.out + captured.err
    assert cli.main([*args, "--output", "t.tsv", "--allow", "site"]) == 2
    assert "--allow expects COLUMN=REASON" in capsys.readouterr().err
    assert cli.main(["pseudonymise", "--key", "k.key"]) == 2
    assert "give a table to pseudonymise" in capsys.readouterr().err
