"""The shared TOML validator: pydantic's errors become one line naming the file and the key path, in our words."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import StrictBool, StrictStr, ValidationError, model_validator

from scanner.datafile import Matches, NonEmpty, OneOf, Table, fail, load_toml, say
from scanner.errors import CamauditError


class Item(Table):
    id: StrictStr
    kind: Annotated[str, OneOf(("a", "b"))] = "a"
    flag: StrictBool = False
    tags: Annotated[tuple[StrictStr, ...], say("must be a list of tags")] = ()
    name: Annotated[StrictStr, Matches(r"^\w+$", "{value!r} is not a word")] = "x"

    @model_validator(mode="after")
    def _b_needs_flag(self) -> Item:
        if self.kind == "b" and not self.flag:
            raise fail("kind 'b' needs {flag} = true")  # braces stay as written
        return self


class File(Table):
    item: Annotated[tuple[Item, ...], NonEmpty("needs at least one [[item]]")]


def error_of(tmp_path: Path, text: str, **options: Any) -> str:
    path = tmp_path / "f.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CamauditError) as caught:
        load_toml(path, File, "f.toml", CamauditError, **options)
    message = str(caught.value)
    assert "\n" not in message  # one line
    assert not isinstance(caught.value.__context__, ValidationError)  # pydantic's error holds the input: dropped
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[item]]\nid = "x"\ncolour = 1\n', "f.toml: item[0]: unknown key 'colour'"),
        ("[[item]]\nflag = true\n", "f.toml: item[0]: missing key 'id'"),
        ('[[item]]\nid = "x"\nkind = "c"\n', "f.toml: item[0].kind: 'c' is not one of a, b"),
        ('[[item]]\nid = "x"\nflag = 1\n', "f.toml: item[0].flag: must be true or false"),
        ('[[item]]\nid = "x"\ntags = [1]\n', "f.toml: item[0].tags: must be a list of tags"),
        ('[[item]]\nid = "x"\nname = "two words"\n', "f.toml: item[0].name: 'two words' is not a word"),
        ('[[item]]\nid = "x"\nkind = "b"\n', "f.toml: item[0]: kind 'b' needs {flag} = true"),
        ("item = []\n", "f.toml: item: needs at least one [[item]]"),
        ("item = 5\n", "f.toml: item: must be a list"),
    ],
)
def test_each_mistake_is_one_line_at_its_key(tmp_path: Path, text: str, expected: str) -> None:
    assert error_of(tmp_path, text) == expected


def test_hints_word_a_missing_key_and_ids_name_items(tmp_path: Path) -> None:
    assert error_of(tmp_path, "", hints={"item": "has no [[item]]"}) == "f.toml: item: has no [[item]]"
    text = '[[item]]\nid = "first"\n[[item]]\nid = "second"\nkind = "z"\n'
    assert error_of(tmp_path, text, by_id=True) == "f.toml: item['second'].kind: 'z' is not one of a, b"


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    assert error_of(tmp_path, "item = [\n").startswith("f.toml cannot be read as TOML (not valid TOML): ")
    with pytest.raises(CamauditError, match="cannot read f.toml: No such file"):
        load_toml(tmp_path / "absent.toml", File, "f.toml", CamauditError)


def test_a_valid_file_gives_the_model(tmp_path: Path) -> None:
    path = tmp_path / "f.toml"
    path.write_text('#:schema ./schema.json\n[[item]]\nid = "x"\ntags = ["t"]\n', encoding="utf-8")
    (item,) = load_toml(path, File, "f.toml", CamauditError).item
    assert (item.id, item.kind, item.tags) == ("x", "a", ("t",))
