"""Credentials files: parsed into scoped logins, malformed ones refused in one line, passwords never shown."""

from __future__ import annotations

import base64

import pytest

from scanner.credentials import exposed_mode, load_credentials
from scanner.errors import CredentialsError
from scanner.net.redact import secrets_of


def test_first_matching_entry_wins(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        '[[credentials]]\ntargets = ["127.0.0.5"]\nusername = "a"\npassword = "p1"\n'
        '[[credentials]]\ntargets = ["127.0.0.0/24"]\nusername = "b"\npassword = "p2"\n'
    )
    creds = load_credentials(path)
    assert creds.for_address("127.0.0.5").username == "a"
    assert creds.for_address("127.0.0.9").username == "b"
    assert creds.for_address("127.0.1.1") is None
    # every form a password can take in an answer: plain (URL-encoding changes nothing here), in a Basic token;
    # longest first, so that a password inside its token never leaves the rest of the token behind
    basic = [base64.b64encode(token).decode() for token in (b"a:p1", b"b:p2")]
    assert secrets_of(e.credential for e in creds.entries) == (basic[0], basic[1], "p1", "p2")


def test_password_never_in_repr(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[[credentials]]\ntargets = ["::1"]\nusername = "a"\npassword = "hunter2-secret"\n')
    creds = load_credentials(path)
    assert "hunter2-secret" not in repr(creds)
    assert "hunter2-secret" not in repr(creds.for_address("::1"))


@pytest.mark.parametrize(
    "text, words",
    [
        ("not toml [", "not valid TOML"),
        ("x = 1", "no [[credentials]]"),
        ('[[credentials]]\nusername = "a"\npassword = "b"', "needs targets"),
        ('[[credentials]]\ntargets = ["10.0.0.1"]\npassword = "b"', "needs a username"),
        ('[[credentials]]\ntargets = ["10.0.0.1"]\nusername = "a"', "needs a password"),
        ('[[credentials]]\ntargets = ["camera.local"]\nusername = "a"\npassword = "b"', "not an address"),
        (
            '[[credentials]]\ntargets = ["10.0.0.1"]\nusername = "a"\npassword = "b"\nallow_basic = "yes"',
            "true or false",
        ),
    ],
)
def test_malformed_files_get_one_clear_line(tmp_path, text, words):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(CredentialsError) as info:
        load_credentials(path)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_basic_in_clear_is_off_unless_the_entry_allows_it(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        '[[credentials]]\ntargets = ["127.0.0.5"]\nusername = "a"\npassword = "p1"\nallow_basic = true\n'
        '[[credentials]]\ntargets = ["127.0.0.0/24"]\nusername = "b"\npassword = "p2"\n'
    )
    creds = load_credentials(path)
    assert creds.for_address("127.0.0.5").allow_basic is True
    assert creds.for_address("127.0.0.9").allow_basic is False


def test_a_file_others_can_read_is_named(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("x")
    for mode, exposed in ((0o600, None), (0o640, 0o640), (0o604, 0o604), (0o644, 0o644), (0o400, None)):
        path.chmod(mode)
        assert exposed_mode(path) == exposed, oct(mode)
    assert exposed_mode(tmp_path / "absent.toml") is None


def test_missing_file(tmp_path):
    with pytest.raises(CredentialsError, match="cannot read"):
        load_credentials(tmp_path / "absent.toml")
