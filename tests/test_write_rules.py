"""The write step's rules, in-process, in temporary folders: the swap itself (and its
fallback where the system has no atomic exchange), what it refuses to replace, what it
cleans up and what it leaves alone, and when ``after`` runs."""

from __future__ import annotations

import errno
import fcntl
import os
import stat

import pytest

from okrsite.builder import write
from okrsite.builder.write import exchange, remove_leftovers, write_site, write_site_with


def listing(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_exchange_swaps_two_folders_and_reports_a_missing_one(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "x").write_text("from a")
    (b / "y").write_text("from b")
    assert exchange(a, b) is True
    assert listing(a) == ["y"] and listing(b) == ["x"]
    with pytest.raises(OSError) as caught:
        exchange(tmp_path / "missing", a)
    assert (caught.value.errno, caught.value.strerror, caught.value.filename) == (
        errno.ENOENT,
        os.strerror(errno.ENOENT),
        str(tmp_path / "missing"),
    )
    assert listing(a) == ["y"]


def test_the_system_call_found_at_import_swaps_and_sets_errno(tmp_path):
    import ctypes

    renameat2 = write._libc()
    assert renameat2 is not None
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "x").write_text("x")
    assert renameat2(-100, os.fsencode(a), -100, os.fsencode(b), 2) == 0  # AT_FDCWD, RENAME_EXCHANGE
    assert listing(b) == ["x"] and listing(a) == []
    ctypes.set_errno(0)
    assert renameat2(-100, os.fsencode(tmp_path / "missing"), -100, os.fsencode(b), 2) == -1
    assert ctypes.get_errno() == errno.ENOENT


def test_without_an_atomic_exchange_the_site_is_still_replaced_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(write, "_renameat2", None)
    assert exchange(tmp_path, tmp_path) is False
    out = tmp_path / "site" / "public"
    write_site({"index.html": b"one", "a/b.html": b"b"}, out)
    write_site({"index.html": b"two", "c/d/e.html": b"e"}, out)
    assert listing(out) == [".okrsite-output", "c", "c/d", "c/d/e.html", "index.html"]  # with okrsite's marker
    assert (out / "index.html").read_bytes() == b"two"
    assert sorted(p.name for p in out.parent.iterdir()) == [".public.lock", "public"]


@pytest.mark.parametrize("code", [errno.ENOSYS, errno.EINVAL, errno.ENOTSUP])
def test_a_system_without_the_exchange_call_falls_back(tmp_path, monkeypatch, code):
    def unsupported(*args):
        import ctypes

        ctypes.set_errno(code)
        return -1

    monkeypatch.setattr(write, "_renameat2", unsupported)
    out = tmp_path / "public"
    write_site({"index.html": b"one"}, out)
    write_site({"index.html": b"two"}, out)
    assert (out / "index.html").read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.lock", "public"]


def test_the_new_site_is_readable_by_everyone_and_its_parent_is_made(tmp_path):
    out = tmp_path / "deep" / "er" / "public"
    write_site({"index.html": b"x"}, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert (out / "index.html").read_bytes() == b"x"


@pytest.mark.parametrize("kind", ["file", "link to a folder"])
def test_an_output_that_is_not_a_folder_is_refused_and_left_alone(tmp_path, kind):
    out = tmp_path / "public"
    real = tmp_path / "real"
    real.mkdir()
    (real / "keep.txt").write_text("mine")
    if kind == "file":
        out.write_text("my notes")
    else:
        out.symlink_to(real)
    with pytest.raises(NotADirectoryError) as caught:
        write_site({"index.html": b"x"}, out)
    assert (caught.value.errno, caught.value.strerror, caught.value.filename) == (
        errno.ENOTDIR,
        "it exists and is not a folder",
        str(out),
    )
    if kind == "file":
        assert out.read_text() == "my notes"
    else:
        assert out.is_symlink() and listing(real) == ["keep.txt"]
    assert not list(tmp_path.glob(".public.new-*"))


def test_leftovers_are_only_this_outputs_temporary_folders(tmp_path):
    out = tmp_path / "public"
    # tempfile's names: .<output>.new- or .old- and eight characters
    for name in (".public.new-1a2b3c4d", ".public.old-2a2b3c4d", ".public.new-3a2b3c4d/sub"):
        (tmp_path / name).mkdir(parents=True)
    keep = [
        ".public.new-file",
        ".other.new-4a2b3c4d",
        ".public.newer",
        "public.new-5a2b3c4d",
        ".public.new-link",
        ".public.new-1",
    ]
    (tmp_path / ".public.new-1").mkdir()  # not a name tempfile makes
    (tmp_path / ".public.new-file").write_text("a file, not a build's")
    (tmp_path / ".other.new-4a2b3c4d").mkdir()
    (tmp_path / ".public.newer").mkdir()
    (tmp_path / "public.new-5a2b3c4d").mkdir()
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "keep.txt").write_text("mine")
    (tmp_path / ".public.new-link").symlink_to(tmp_path / "target")
    remove_leftovers(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep + ["target"])
    assert listing(tmp_path / "target") == ["keep.txt"]


def test_after_runs_once_with_the_new_site_in_place_and_the_lock_held(tmp_path):
    out = tmp_path / "public"
    write_site({"index.html": b"old"}, out)
    seen = []

    def after():
        fd = os.open(tmp_path / ".public.lock", os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
        seen.append((out / "index.html").read_bytes())

    write_site_with(lambda folder: (folder / "index.html").write_bytes(b"new"), out, after=after)
    assert seen == [b"new"]
    # and the lock is free again
    fd = os.open(tmp_path / ".public.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)


def test_a_failed_fill_does_not_call_after_and_keeps_the_old_site(tmp_path):
    out = tmp_path / "public"
    write_site({"index.html": b"old"}, out)
    called = []

    def fill(folder):
        (folder / "index.html").write_bytes(b"half")
        raise KeyboardInterrupt  # any exception, even one that is not an Exception

    with pytest.raises(KeyboardInterrupt):
        write_site_with(fill, out, after=lambda: called.append(1))
    assert called == []
    assert (out / "index.html").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.lock", "public"]


def test_a_relative_output_is_written_where_it_points(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_site({"index.html": b"x"}, write.Path("public"))
    assert (tmp_path / "public" / "index.html").read_bytes() == b"x"
    assert (tmp_path / ".public.lock").exists()


def test_the_new_site_is_filled_beside_the_output_under_a_name_the_next_build_cleans(tmp_path):
    """Beside it: the swap is a rename on one file system. Named .<output>.new-*: a build
    killed while filling leaves a folder that the next build removes."""
    out = tmp_path / "public"
    where = []

    def fill(folder):
        where.append(folder)
        (folder / "index.html").write_bytes(b"x")

    write_site_with(fill, out)
    write_site_with(fill, out)
    for folder in where:
        assert folder.parent == tmp_path and folder.name.startswith(".public.new-")
    assert where[0] != where[1]


def test_without_an_atomic_exchange_the_old_site_is_moved_aside_under_a_name_the_next_build_cleans(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(write, "_renameat2", None)
    out = tmp_path / "public"
    write_site({"index.html": b"one"}, out)
    renames = []
    real_rename = os.rename

    def rename(src, dst):
        renames.append((write.Path(src), write.Path(dst)))
        real_rename(src, dst)

    monkeypatch.setattr(write.os, "rename", rename)
    write_site({"index.html": b"two"}, out)
    (old_from, old_to), (new_from, new_to) = renames
    assert old_from == out and old_to.parent == tmp_path and old_to.name.startswith(".public.old-")
    assert new_from.parent == tmp_path and new_from.name.startswith(".public.new-") and new_to == out
    assert not old_to.exists()


# --------------------------------------------------------------------------- okrsite clean


def test_clean_removes_a_site_it_wrote_its_leftovers_lock_and_cache_with_their_sizes(tmp_path):
    out, cache = tmp_path / "public", tmp_path / ".okrsite-cache"
    write_site({"index.html": b"12345", "a/b.html": b"123"}, out)
    (tmp_path / ".public.new-1a2b3c4d").mkdir()
    (tmp_path / ".public.new-1a2b3c4d" / "x.html").write_bytes(b"1234567")
    cache.mkdir()
    (cache / "build.json").write_bytes(b"{}")
    removed = write.clean(out, cache)
    sizes = {p.name: size for p, size in removed}
    marker = len(write.MARKER_BYTES)
    assert sizes == {"public": 5 + 3 + marker, ".public.new-1a2b3c4d": 7, ".public.lock": 0, ".okrsite-cache": 2}
    assert [p.name for p, _ in removed][0] == "public"  # the site first, the cache last
    assert [p.name for p, _ in removed][-1] == ".okrsite-cache"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_clean_keeps_a_folder_okrsite_did_not_write_and_a_linked_cache(tmp_path):
    out, cache = tmp_path / "public", tmp_path / ".okrsite-cache"
    out.mkdir()
    (out / "mine.txt").write_text("not okrsite's")
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "build.json").write_text("{}")
    cache.symlink_to(target)
    assert write.clean(out, cache) == []  # no lock file was there before, none is reported
    assert (out / "mine.txt").read_text() == "not okrsite's"
    assert (target / "build.json").read_text() == "{}"
    assert not (tmp_path / ".public.lock").exists()


def test_clean_of_a_folder_that_does_not_exist_removes_only_the_cache(tmp_path):
    cache = tmp_path / ".okrsite-cache"
    cache.mkdir()
    assert write.clean(tmp_path / "nowhere" / "public", cache) == [(cache, 0)]
    assert not cache.exists()
