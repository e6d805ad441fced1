"""The writer: the published site is replaced whole or not at all."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from okrsite.write import output_lock, write_site

from conftest import SAMPLE_CONFIG


def test_write_replaces_the_whole_folder(tmp_path):
    out = tmp_path / "public"
    write_site({"index.html": b"one", "a/b.html": b"b"}, out)
    write_site({"index.html": b"two"}, out)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["index.html"]
    assert (out / "index.html").read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.lock", "public"]


def test_error_while_writing_leaves_the_old_site(tmp_path, monkeypatch):
    out = tmp_path / "public"
    write_site({"index.html": b"old"}, out)

    def full_disk(files, folder):
        (folder / "partial.html").write_bytes(b"x")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("okrsite.write.write_tree", full_disk)
    with pytest.raises(OSError):
        write_site({"index.html": b"new"}, out)
    assert (out / "index.html").read_bytes() == b"old"
    assert not list(tmp_path.glob(".public.new-*"))


def test_leftovers_of_a_killed_build_are_cleaned_next_time(tmp_path):
    out = tmp_path / "public"
    (tmp_path / ".public.new-abc123").mkdir()
    (tmp_path / ".public.new-abc123" / "half.html").write_bytes(b"half")
    write_site({"index.html": b"ok"}, out)
    assert not (tmp_path / ".public.new-abc123").exists()


def test_a_second_writer_waits_for_the_first(tmp_path):
    out = tmp_path / "public"
    out.parent.mkdir(exist_ok=True)
    waited = threading.Event()
    done = threading.Event()
    with output_lock(out):
        t = threading.Thread(target=lambda: (write_site({"index.html": b"second"}, out, on_wait=waited.set), done.set()))
        t.start()
        assert waited.wait(5)
        time.sleep(0.2)
        assert not done.is_set()  # it is waiting for the lock
    t.join(10)
    assert done.is_set() and (out / "index.html").read_bytes() == b"second"




def test_build_killed_at_random_moments_always_leaves_a_complete_site(tmp_path):
    """SIGKILL a real build at several moments: the previous site stays complete."""
    out = tmp_path / "public"
    subprocess.run([sys.executable, "-m", "okrsite", "build", "--config", str(SAMPLE_CONFIG), "--output", str(out)], check=True,
                   capture_output=True)
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    for delay in (0.3, 0.8, 1.2, 1.6, 2.0, 2.5):
        proc = subprocess.Popen([sys.executable, "-m", "okrsite", "build", "--config", str(SAMPLE_CONFIG), "--output", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
        assert now == before, f"site changed or incomplete after a kill at {delay}s"
