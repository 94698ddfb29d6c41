"""`quelle ingest DIR` stays inside DIR (issue 28, item 9): a link to a file or folder outside is skipped with a
reason naming the link as the user wrote it (never the target's path), a link to a file inside is not read twice."""

from __future__ import annotations

import json
import os

import pytest

from ingest.loaders import find_files
from tests.conftest import write_article

GOOD = "Die Gemeinde Kleinwald eröffnet eine neue Bibliothek. Sie hat 12.000 Bücher und öffnet sonntags."
SECRET = "Die Firma Nordlicht baut ein geheimes Werk in Tromsø. Dort entstehen 800 Stellen bis 2027."
OUTSIDE = "draussen-vertraulich"  # the outside folder's name: it must appear in no message

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """tmp/korb: a good article, a link to a file outside, a dir link outside, an absolute link outside, a link
    to the good article (inside); tmp/draussen-vertraulich holds the outside text. The cwd is tmp, so the user
    writes `korb`."""
    outside = tmp_path / OUTSIDE
    write_article(outside, "intern.txt", SECRET, title="Nordlicht intern")
    write_article(outside / "tief", "mehr.txt", SECRET + " Zweite Fassung.", title="Nordlicht intern 2")
    korb = tmp_path / "korb"
    write_article(korb, "bibliothek.md", GOOD, title="Neue Bibliothek")
    os.symlink(os.path.join("..", OUTSIDE, "intern.txt"), korb / "verweis.txt")
    os.symlink(outside / "intern.txt", korb / "absolut.md")
    os.symlink(os.path.join("..", OUTSIDE), korb / "ordner")
    os.symlink("bibliothek.md", korb / "kopie.md")
    monkeypatch.chdir(tmp_path)
    return korb


def test_ingest_of_a_folder_does_not_follow_links_out_of_it(folder, tmp_path, quelle_cli):
    d = tmp_path / "idx"
    result = quelle_cli("ingest", "korb", data_dir=d)
    out = result.stderr + result.stdout
    lines = [" ".join(line.split()) for line in out.splitlines()]
    for link in ("verweis.txt", "absolut.md"):
        assert f"übersprungen: korb/{link}: skipped: a link to a file outside the folder" in lines, out
    assert "übersprungen: korb/ordner: skipped: a link to a folder outside the folder" in lines, out
    assert any(line.startswith("übersprungen: korb/kopie.md: skipped: a link to korb/bibliothek.md") for line in lines)
    assert OUTSIDE not in out and str(tmp_path) not in out  # no target path, no resolved server path
    assert "added: 1" in out

    listed = json.loads(quelle_cli("list", "--json", data_dir=d).stdout)
    assert [a["title"] for a in listed] == ["Neue Bibliothek"]
    assert listed[0]["sources"] == ["korb/bibliothek.md"]  # read once, under its own name

    answer = json.loads(quelle_cli("ask", "Wo baut die Firma Nordlicht ein Werk?", "--json", data_dir=d).stdout)
    assert "Tromsø" not in answer["answer"] and "800" not in answer["answer"]
    assert all("Nordlicht" not in c["text"] for c in answer["citations"])


def test_a_link_inside_the_folder_to_a_file_the_walk_does_not_reach_is_read_once(tmp_path, monkeypatch):
    korb = tmp_path / "korb"
    write_article(korb / ".archiv", "alt.md", GOOD, title="Alt")  # hidden: the walk skips it
    os.symlink(os.path.join(".archiv", "alt.md"), korb / "a.md")
    os.symlink(os.path.join(".archiv", "alt.md"), korb / "b.md")
    monkeypatch.chdir(tmp_path)
    files, errors = find_files(["korb"])
    assert [str(f) for f in files] == [os.path.join("korb", "a.md")]
    assert [(e.path, e.problem) for e in errors] == [
        (os.path.join("korb", "b.md"), "skipped: a link to korb/a.md, which is read under that name")
    ]


def test_a_folder_link_inside_is_not_followed_but_a_folder_or_file_the_user_names_through_a_link_is_read(tmp_path):
    korb = tmp_path / "korb"
    write_article(korb / "echt", "a.md", GOOD, title="A")
    os.symlink("echt", korb / "zweitname")
    os.symlink(tmp_path / OUTSIDE / "fehlt.txt", korb / "kaputt.txt")
    files, errors = find_files([korb])
    assert files == [korb / "echt" / "a.md"]
    problems = {os.path.basename(e.path): e.problem for e in errors}
    assert (
        problems["zweitname"] == "skipped: a link to another folder inside the folder (folder links are not followed)"
    )
    assert OUTSIDE not in problems["kaputt.txt"] and "broken symbolic link" in problems["kaputt.txt"]
    # what the user names is the folder: a link given on the command line is followed, file or folder
    os.symlink(korb / "echt", tmp_path / "echt-verweis")
    write_article(tmp_path / OUTSIDE, "b.md", SECRET, title="B")
    os.symlink(tmp_path / OUTSIDE / "b.md", tmp_path / "einzeln.md")
    files, errors = find_files([tmp_path / "echt-verweis", tmp_path / "einzeln.md"])
    assert files == [tmp_path / "echt-verweis" / "a.md", tmp_path / "einzeln.md"] and not errors
