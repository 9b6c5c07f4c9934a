"""The published JSON Schema of signature files: committed as generated, named by every shipped file, not loaded."""

from __future__ import annotations

from scanner.matching.loader import default_directory, load_signatures
from scanner.matching.signature_file import json_schema

DIRECTIVE = "#:schema ./schema.json"  # taplo's schema directive: editors validate the file as it is written


def test_the_committed_schema_is_the_generated_one() -> None:
    committed = (default_directory() / "schema.json").read_text(encoding="utf-8")
    assert committed == json_schema(), "regenerate: python -m scanner.matching.signature_file > signatures/schema.json"


def test_every_shipped_file_names_the_schema_on_its_first_line() -> None:
    for path in sorted(default_directory().glob("*.toml")):
        assert path.read_text(encoding="utf-8").partition("\n")[0] == DIRECTIVE, path.name


def test_the_schema_beside_the_signatures_is_not_a_signature_file() -> None:
    files = load_signatures().files
    assert "schema.json" not in files and files == tuple(sorted(p.name for p in default_directory().glob("*.toml")))
