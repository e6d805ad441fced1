"""Issue 24: the output folder is the only thing a build may replace.

A build into the home folder, the site, its content, a folder holding a .git, or any
non-empty folder okrsite did not write exits 2 with one line naming the folder and what
to do, and leaves every file in it byte-identical. Folders okrsite wrote (its marker
file) and empty ones are replaced. Leftovers of killed builds go at the next build and
with ``okrsite clean``; ``okrsite serve`` answers only to its own address."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from okrsite.builder.output import MARKER, MARKER_BYTES, OutputRefused, Protected, refusal
from okrsite.builder.write import write_site

SITE = {
    "okrsite.yaml": "title: Safe\nas_of: 2026-11-20\nsearch: false\n",
    "content/teams/t/_index.md": "---\nname: T\n---\n",
    "content/teams/t/2026-Q4/o.md": "---\ntitle: O\nowner: Ana\nkey_results:\n"
    "  - {id: k1, title: A, start: 0, target: 10}\n  - {id: k2, title: B, type: milestone}\n---\n",
}


def make(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A stand-in home folder (HOME) with a user's files in it."""
    h = make(tmp_path / "home", {"notes.txt": "my notes\n", ".bashrc": "export A=1\n", "photos/cat.jpg": "JPEG"})
    monkeypatch.setenv("HOME", str(h))
    return h


@pytest.fixture
def site(tmp_path, home) -> Path:
    return make(tmp_path / "site", SITE)


def okrsite(*args, cwd: Path, home: Path | None = None):
    env = {**os.environ, **({"HOME": str(home)} if home else {})}
    return subprocess.run(
        [sys.executable, "-m", "okrsite", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env
    )


def tree(folder: Path) -> dict[str, str]:
    """Every file, folder and link under ``folder`` with the digest of its bytes (or its
    link's target), links not followed."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = p.relative_to(folder).as_posix()
            if p.is_symlink():
                out[rel] = "-> " + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def assert_refused(proc, folder: Path, *words: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("okrsite: error:")]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"okrsite: error: refusing to write the site to {folder.resolve()}: "), lines[0]
    for word in words:
        assert word in lines[0], lines[0]


# --------------------------------------------------------------------------- refused


def test_the_home_folder_is_refused(tmp_path, site, home):
    before = tree(tmp_path)
    proc = okrsite("build", "--output", home, cwd=site, home=home)
    assert_refused(proc, home, "it is your home folder", "--output DIR")
    # and a folder that holds it
    proc = okrsite("build", "--output", tmp_path, cwd=site, home=home)
    assert_refused(proc, tmp_path, "it holds your home folder")
    assert tree(tmp_path) == before


@pytest.mark.parametrize(
    "output, words",
    [
        ("x/../content", ("it is the content folder",)),
        ("../site", ("it is the site's folder",)),
        (".", ("it is the site's folder",)),
        ("..", ("it holds your home folder",)),  # tmp_path holds home/ and site/
        ("content/teams", ("it is inside the content folder",)),
        (".okrsite-cache", ("it is the build cache",)),
    ],
)
def test_dot_dot_paths_into_the_site_are_refused(tmp_path, site, home, output, words):
    before = tree(tmp_path)
    proc = okrsite("build", "--output", output, cwd=site, home=home)
    assert_refused(proc, site / output, *words)
    assert tree(tmp_path) == before


@pytest.mark.parametrize(
    "output_dir, words",
    [
        ("x/../content", ("it is the content folder", "output_dir in okrsite.yaml")),
        (".", ("it is the site's folder",)),
        ("../foreign", ("okrsite did not write it", MARKER)),
    ],
)
def test_the_config_setting_is_checked_alike(tmp_path, site, home, output_dir, words):
    make(tmp_path / "foreign", {"report.pdf": "PDF"})
    (site / "okrsite.yaml").write_text(SITE["okrsite.yaml"] + f"output_dir: {output_dir}\n")
    before = tree(tmp_path)
    proc = okrsite("build", cwd=site, home=home)
    assert_refused(proc, site / output_dir, *words)
    assert tree(tmp_path) == before


@pytest.mark.parametrize("target", ["site", "site/content"])
def test_a_symbolic_link_into_the_site_is_refused(tmp_path, site, home, target):
    link = tmp_path / "published"
    link.symlink_to(tmp_path / target, target_is_directory=True)
    before = tree(tmp_path)
    proc = okrsite("build", "--output", link, cwd=site, home=home)
    assert proc.returncode == 2 and f"refusing to write the site to {tmp_path / target}: it is the " in proc.stderr
    assert tree(tmp_path) == before and link.is_symlink()


def test_a_git_checkout_is_refused(tmp_path, site, home):
    pages = make(
        tmp_path / "gh-pages",
        {
            ".git/HEAD": "ref: refs/heads/gh-pages\n",
            "CNAME": "okrs.example.com\n",
            "index.html": "old site",
            MARKER: MARKER_BYTES.decode(),
        },
    )
    before = tree(tmp_path)
    proc = okrsite("build", "--output", pages, cwd=site, home=home)
    assert_refused(proc, pages, "it holds a .git", "copy the files into the checkout")
    assert tree(tmp_path) == before  # its .git and CNAME too, even with okrsite's marker in it


@pytest.mark.parametrize("old_okrsite", [False, True])
def test_a_folder_okrsite_did_not_write_is_refused(tmp_path, site, home, old_okrsite):
    """A non-empty folder without the marker: someone's files, or the output of an okrsite
    that did not leave markers yet (the message says to remove it once)."""
    files = {"index.html": "<h1>old okrsite</h1>", "okrs.json": "{}"} if old_okrsite else {"thesis.tex": "\\begin"}
    foreign = make(tmp_path / "public", files)
    before = tree(tmp_path)
    proc = okrsite("build", "--output", foreign, cwd=site, home=home)
    assert_refused(proc, foreign, "it is not empty and okrsite did not write it", MARKER, "remove it yourself")
    assert tree(tmp_path) == before


@pytest.mark.parametrize(
    "output, words",
    [
        ("notes.txt", ("it is a file, not a folder",)),
        ("notes.txt/site", ("notes.txt is a file, not a folder",)),
        ("file-link", ("it is a file, not a folder",)),  # a link to a file: resolved, the file
    ],
)
@pytest.mark.parametrize("how", ["--output", "output_dir"])
def test_a_file_is_refused_before_anything_is_written(tmp_path, site, home, output, words, how):
    """Before: the site was rendered, then the build failed with exit 1 and 'cannot
    write the site: it exists and is not a folder', leaving a lock file beside it."""
    (tmp_path / "notes.txt").write_text("my notes\n")
    (tmp_path / "file-link").symlink_to(tmp_path / "notes.txt")
    args = ("--output", tmp_path / output) if how == "--output" else ()
    if how == "output_dir":
        (site / "okrsite.yaml").write_text(SITE["okrsite.yaml"] + f"output_dir: ../{output}\n")
    before = tree(tmp_path)
    proc = okrsite("build", *args, cwd=site, home=home)
    assert_refused(proc, tmp_path / output, *words, "--output DIR")
    assert tree(tmp_path) == before
    proc = okrsite("clean", *args, cwd=site, home=home)
    assert proc.returncode == 2 and "refusing to clean" in proc.stderr and words[0] in proc.stderr
    assert tree(tmp_path) == before


def test_the_writer_itself_refuses_a_folder_okrsite_did_not_write(tmp_path, home):
    """write_site_with checks again under the lock, so no caller can skip the check (and
    a folder filled between the command's check and the swap is not lost)."""
    foreign = make(tmp_path / "out", {"mine.txt": "mine"})
    before = tree(tmp_path)
    with pytest.raises(OutputRefused, match="okrsite did not write it"):
        write_site({"index.html": b"new"}, foreign)
    with pytest.raises(OutputRefused, match="your home folder"):
        write_site({"index.html": b"new"}, home)
    assert tree(tmp_path) == before | {
        ".out.lock": tree(tmp_path)[".out.lock"],
        ".home.lock": tree(tmp_path)[".home.lock"],
    }


def test_the_rule(tmp_path):
    """The pure rule, for what a test cannot build into: the root of the file system,
    and a theme folder."""
    theme = tmp_path / "themes" / "mine"
    protected = [Protected("your home folder", tmp_path / "home"), Protected("a theme folder", theme, inside=True)]
    assert "root of the file system" in refusal(Path("/"), protected)
    assert refusal(theme, protected).startswith("it is a theme folder")
    assert refusal(theme / "static", protected).startswith("it is inside a theme folder")
    assert refusal(tmp_path / "themes", protected).startswith("it holds a theme folder")
    assert refusal(tmp_path / "out", protected) is None  # does not exist
    assert refusal(tmp_path / "out", protected, entries=[]) is None  # empty
    assert refusal(tmp_path / "out", protected, entries=[MARKER, "index.html"], marked=True) is None
    assert "did not write it" in refusal(tmp_path / "out", protected, entries=["index.html"])
    assert ".git" in refusal(tmp_path / "out", protected, entries=[".git", MARKER], marked=True)
    assert refusal(tmp_path / "out", protected, file=tmp_path / "out").startswith("it is a file, not a folder")


# --------------------------------------------------------------------------- replaced


def test_a_folder_okrsite_wrote_is_replaced_and_an_empty_one_filled(tmp_path, site, home):
    out = tmp_path / "public"
    out.mkdir()
    proc = okrsite("build", "--output", out, "--no-cache", cwd=site, home=home)
    assert proc.returncode == 0, proc.stderr
    assert (out / MARKER).read_bytes() == MARKER_BYTES and (out / "index.html").is_file()
    (out / "stale.html").write_text("from an older build")  # okrsite's folder: it goes whole
    proc = okrsite("build", "--output", out, "--no-cache", cwd=site, home=home)
    assert proc.returncode == 0, proc.stderr
    assert not (out / "stale.html").exists() and (out / MARKER).read_bytes() == MARKER_BYTES
    # the default output (output_dir: public) too, and through a link to a folder elsewhere
    assert okrsite("build", cwd=site, home=home).returncode == 0
    assert (site / "public" / MARKER).is_file()
    link = tmp_path / "www"
    link.symlink_to(out, target_is_directory=True)
    proc = okrsite("build", "--output", link, "--no-cache", cwd=site, home=home)
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and (out / MARKER).is_file()


def test_a_build_cache_that_is_a_link_is_not_written_through(tmp_path, site, home):
    """A checkout can bring .okrsite-cache as a symbolic link: the build then writes no
    cache, rather than replace build.json and parsed.json wherever the link points."""
    elsewhere = make(tmp_path / "elsewhere", {"build.json": "mine", "parsed.json": "mine too", "notes.txt": "x"})
    (site / ".okrsite-cache").symlink_to(elsewhere, target_is_directory=True)
    before = tree(elsewhere)
    for _ in range(2):
        proc = okrsite("build", cwd=site, home=home)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        assert (site / "public" / MARKER).is_file()
    assert tree(elsewhere) == before
    assert okrsite("clean", cwd=site, home=home).returncode == 0
    assert tree(elsewhere) == before and (site / ".okrsite-cache").is_symlink()


# --------------------------------------------------------------------------- leftovers and clean


def leftover(parent: Path, name: str, size: int) -> Path:
    (parent / name).mkdir()
    (parent / name / "half.html").write_bytes(b"x" * size)
    return parent / name


@pytest.mark.parametrize("cache", [True, False])
def test_the_next_build_removes_leftovers_and_says_so(tmp_path, site, home, cache):
    """With the cache and nothing changed (the build returns at once), and without."""
    extra = () if cache else ("--no-cache",)
    assert okrsite("build", *extra, cwd=site, home=home).returncode == 0
    new = leftover(site, ".public.new-abcd_123", 3000)
    old = leftover(site, ".public.old-zz99yy88", 2000)
    mine = leftover(site, ".public.new-mine", 10)  # not a name a build makes: kept
    proc = okrsite("build", *extra, cwd=site, home=home)
    assert proc.returncode == 0, proc.stderr
    assert cache == ("nothing changed since the last build" in proc.stderr)
    assert not new.exists() and not old.exists() and mine.exists()
    assert (
        "okrsite: removed 2 temporary folders of builds stopped before the end: "
        ".public.new-abcd_123, .public.old-zz99yy88 (5.0 kB)"
    ) in proc.stderr.splitlines()
    proc = okrsite("build", *extra, cwd=site, home=home)
    assert "removed" not in proc.stderr


def test_clean_removes_what_builds_wrote_and_nothing_else(tmp_path, site, home):
    assert okrsite("build", cwd=site, home=home).returncode == 0
    leftover(site, ".public.new-abcd1234", 1500)
    (site / "notes.md").write_text("mine")
    keep = tree(site / "content") | {"okrsite.yaml": tree(site)["okrsite.yaml"], "notes.md": tree(site)["notes.md"]}
    proc = okrsite("clean", cwd=site, home=home)
    assert proc.returncode == 0, proc.stderr
    removed = proc.stdout.splitlines()
    assert [line.split(" (")[0] for line in removed] == [
        "removed public",
        "removed .public.new-abcd1234",
        "removed .public.lock",
        "removed .okrsite-cache",
    ]
    assert all(line.endswith(("B)", "bytes)")) for line in removed) and "(1.5 kB)" in removed[1]
    assert sorted(p.name for p in site.iterdir()) == ["content", "notes.md", "okrsite.yaml"]
    assert (
        tree(site / "content") | {"okrsite.yaml": tree(site)["okrsite.yaml"], "notes.md": tree(site)["notes.md"]}
        == keep
    )
    proc = okrsite("clean", cwd=site, home=home)
    assert proc.returncode == 0 and proc.stdout == "" and "nothing to remove" in proc.stderr


def test_clean_refuses_like_build(tmp_path, site, home):
    foreign = make(tmp_path / "public", {"thesis.tex": "\\begin"})
    before = tree(tmp_path)
    proc = okrsite("clean", "--output", foreign, cwd=site, home=home)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"okrsite: error: refusing to clean {foreign}: it is not empty and okrsite did not")
    proc = okrsite("clean", "--output", "x/../content", cwd=site, home=home)
    assert proc.returncode == 2 and "it is the content folder" in proc.stderr
    assert tree(tmp_path) == before


# --------------------------------------------------------------------------- serve


def raw_get(port: int, host: str) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_serve_answers_only_to_its_own_address(site):
    from okrsite.serve.session import Server

    server = Server(site / "okrsite.yaml", port=0, watch=False, search=False, out=io.StringIO())
    server.start()
    try:
        port = server.port
        for good in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "localhost", f"LOCALHOST:{port}"):
            status, body = raw_get(port, good)
            assert status == 200 and b"<html" in body, good
        for bad in (
            f"evil.example:{port}",
            "evil.example",
            f"127.0.0.1.evil.example:{port}",
            f"localhost.evil:{port}",
            "",
            f"[::1:{port}",
            f"localhost:{port}x",
        ):
            status, body = raw_get(port, bad)
            assert status == 421, bad
            assert b"<html" not in body and b"Safe" not in body and b"error" not in body, bad
        # the live-reload poll and its diagnostics too
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /__okrsite/state HTTP/1.1\r\nHost: rebound.example\r\nConnection: close\r\n\r\n")
            assert s.recv(65536).startswith(b"HTTP/1.1 421 ")
    finally:
        server.stop()


def test_host_rule():
    from okrsite.serve.http import host_allowed

    machine = socket.gethostname()
    assert host_allowed("127.0.0.1:8000", "127.0.0.1") and host_allowed("192.168.1.20:8000", "0.0.0.0")
    assert host_allowed("preview.localhost:8000", "127.0.0.1")
    assert host_allowed("okrs.lan:8000", "okrs.lan")  # --host given as a name
    assert host_allowed(f"{machine}:8000", "0.0.0.0") and not host_allowed(f"{machine}:8000", "127.0.0.1")
    assert not host_allowed("evil.example:8000", "0.0.0.0")


def test_serve_does_not_ignore_the_content_when_output_dir_points_at_it(site):
    """serve ignores changes in the output folder; an output_dir that okrsite build
    refuses (here the content folder, through '..') must not hide the content's."""
    from okrsite.serve.session import Server
    from okrsite.serve.watch import CONTENT, classify

    (site / "okrsite.yaml").write_text(SITE["okrsite.yaml"] + "output_dir: x/../content\n")
    server = Server(site / "okrsite.yaml", port=0, watch=False, search=False, out=io.StringIO())
    assert server._load_config()
    assert server.roots.output is None
    assert classify((site / "content/teams/t/2026-Q4/o.md").resolve(), False, server.roots) == CONTENT
