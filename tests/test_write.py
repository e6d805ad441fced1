"""The writer: the published site is replaced whole or not at all."""

from __future__ import annotations

import os
import random
import resource
import shutil
import urllib.request
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from okrsite.builder.write import output_lock, write_site

from conftest import SAMPLE_CONFIG


def test_write_replaces_the_whole_folder(tmp_path):
    out = tmp_path / "public"
    write_site({"index.html": b"one", "a/b.html": b"b"}, out)
    write_site({"index.html": b"two"}, out)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [".okrsite-output", "index.html"]
    assert (out / "index.html").read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.lock", "public"]


def test_error_while_writing_leaves_the_old_site(tmp_path, monkeypatch):
    out = tmp_path / "public"
    write_site({"index.html": b"old"}, out)

    def full_disk(files, folder):
        (folder / "partial.html").write_bytes(b"x")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("okrsite.builder.write.write_tree", full_disk)
    with pytest.raises(OSError):
        write_site({"index.html": b"new"}, out)
    assert (out / "index.html").read_bytes() == b"old"
    assert not list(tmp_path.glob(".public.new-*"))


def test_leftovers_of_a_killed_build_are_cleaned_next_time(tmp_path):
    out = tmp_path / "public"
    (tmp_path / ".public.new-abc12345").mkdir()
    (tmp_path / ".public.new-abc12345" / "half.html").write_bytes(b"half")
    write_site({"index.html": b"ok"}, out)
    assert not (tmp_path / ".public.new-abc12345").exists()


def test_a_second_writer_waits_for_the_first(tmp_path):
    out = tmp_path / "public"
    out.parent.mkdir(exist_ok=True)
    waited = threading.Event()
    done = threading.Event()
    with output_lock(out):
        t = threading.Thread(
            target=lambda: (write_site({"index.html": b"second"}, out, on_wait=waited.set), done.set())
        )
        t.start()
        assert waited.wait(5)
        time.sleep(0.2)
        assert not done.is_set()  # it is waiting for the lock
    t.join(10)
    assert done.is_set() and (out / "index.html").read_bytes() == b"second"


# --------------------------------------------------------------------------- issue 8: hardening

LONG = os.environ.get("OKRSITE_LONG_TESTS") == "1"
DATES = ("2026-11-20", "2026-11-27")  # two as-of dates: two sites that differ on every page
SMALL_SITE = {
    "okrsite.yaml": "title: Small\nas_of: 2026-11-20\nsearch: false\n",
    "content/teams/t/_index.md": "---\nname: T\n---\n",
    "content/teams/t/2026-Q4/o.md": "---\ntitle: O\nowner: A\nkey_results:\n  - {id: k1, title: A, start: 0, target: 10}\n"
    "  - {id: k2, title: B, type: milestone}\n---\n",
    "content/teams/t/2026-Q4/checkins/2026-11-13.md": "---\ndate: 2026-11-13\nkey_results:\n  o/k1: 5\n---\n",
}


def small_site(root: Path) -> Path:
    for rel, text in SMALL_SITE.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root / "okrsite.yaml"


def build_cmd(config, out, *extra):
    return [
        sys.executable,
        "-m",
        "okrsite",
        "build",
        "--config",
        str(config),
        "--output",
        str(out),
        "--no-cache",
        *map(str, extra),
    ]


def sample_cmd(out, as_of):
    return build_cmd(SAMPLE_CONFIG, out, "--as-of", as_of, "--no-search")


def tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.glob(f".{out.name}.*") if p.name != f".{out.name}.lock")


@pytest.fixture(scope="module")
def sample_sites(tmp_path_factory) -> dict[str, Path]:
    """The sample site built for each of DATES (built at once, in parallel)."""
    root = tmp_path_factory.mktemp("sample-sites")
    outs = {as_of: root / as_of / "public" for as_of in DATES}
    procs = [
        subprocess.Popen(sample_cmd(out, as_of), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for as_of, out in outs.items()
    ]
    assert [p.wait(120) for p in procs] == [0, 0]
    return outs


@pytest.fixture(scope="module")
def small_built(tmp_path_factory) -> tuple[Path, Path]:
    """(okrsite.yaml of a small site, a build of it)."""
    root = tmp_path_factory.mktemp("small")
    config = small_site(root / "site")
    subprocess.run(build_cmd(config, root / "public"), check=True, capture_output=True)
    return config, root / "public"


def test_build_killed_at_random_moments_always_leaves_a_complete_site(tmp_path, sample_sites, static_server):
    """SIGKILL real builds of the sample site, several times, at random moments: some at
    any time, some during the write phase (once the temporary folder exists). The two
    builds alternate between two sites that differ on every page, so the output must be
    exactly the old site or exactly the new one, never a mix, and it must serve."""
    sites = {as_of: tree(out) for as_of, out in sample_sites.items()}
    assert sites[DATES[0]] != sites[DATES[1]]
    out = tmp_path / "public"
    shutil.copytree(sample_sites[DATES[0]], out)
    url = static_server(out)
    seed = int(os.environ.get("OKRSITE_KILL_SEED") or random.randrange(10**6))
    rng = random.Random(seed)
    current = DATES[0]
    for i in range(16 if LONG else 4):
        target = DATES[1] if current == DATES[0] else DATES[0]
        proc = subprocess.Popen(sample_cmd(out, target), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i % 2:  # during the write phase
            deadline = time.monotonic() + 60
            while not list(tmp_path.glob(".public.new-*")) and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.001)
            time.sleep(rng.uniform(0, 0.1))
        else:  # at any moment
            time.sleep(rng.uniform(0.1, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _no_process_writes_to(out), "a rendering process of the killed build is still running"
        now = tree(out)
        matches = [a for a, files in sites.items() if files == now]
        assert matches, f"OKRSITE_KILL_SEED={seed}, kill {i}: the output is neither the old site nor the new one"
        current = matches[0]
        for page in ("", "okrs.json", "teams/", "teams/platform/"):
            with urllib.request.urlopen(url + page, timeout=10) as resp:
                assert resp.status == 200
    # the next write cleans up whatever the killed builds left beside the output
    write_site(sites[DATES[0]], out)
    assert leftovers(out) == [] and tree(out) == sites[DATES[0]]


def _no_process_writes_to(out: Path, timeout: float = 0.5) -> bool:
    """Whether no process but this one is running with ``out`` on its command line (the
    forked rendering processes of a build share its command line)."""
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and int(entry.name) != os.getpid():
                try:
                    if str(out).encode() in (entry / "cmdline").read_bytes():
                        found.append(entry.name)
                except OSError:
                    pass
        if not found or time.monotonic() > deadline:
            return not found
        time.sleep(0.05)


def test_two_builds_started_at_once_do_not_corrupt_the_output(tmp_path, sample_sites):
    """No help from the test: two real builds of the sample site race for one output."""
    out = tmp_path / "public"
    procs = [
        subprocess.Popen(sample_cmd(out, as_of), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for as_of in DATES
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    now = tree(out)
    assert leftovers(out) == []
    assert now in (tree(sample_sites[DATES[0]]), tree(sample_sites[DATES[1]]))  # whichever swapped last, whole


def _wait_for(path: Path, text: str, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return True
        time.sleep(0.02)
    return False


def test_two_builds_on_one_output_take_turns_with_a_message(tmp_path, small_built):
    """While one build holds the output's lock (here the test holds it, so that both
    builds must wait), another says so and waits; both then finish, one after the other,
    and the output is one whole site."""
    config, reference = small_built
    out = tmp_path / "public"
    procs, errs = [], []
    with output_lock(out):
        for i in range(2):
            err = tmp_path / f"err{i}.txt"
            errs.append(err)
            with open(err, "w") as fh:
                procs.append(subprocess.Popen(build_cmd(config, out), stdout=subprocess.DEVNULL, stderr=fh))
        for err in errs:
            assert _wait_for(err, f"okrsite: another build is writing {out}; waiting for it to finish"), err.read_text()
        time.sleep(0.2)
        assert all(p.poll() is None for p in procs)  # both still waiting
    assert [p.wait(60) for p in procs] == [0, 0]
    assert tree(out) == tree(reference) and leftovers(out) == []


def _chattr(flag: str, *paths: Path) -> bool:
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True).returncode == 0


@pytest.mark.parametrize("what", ["output folder", "its parent"])
def test_a_read_only_output_leaves_the_old_site(tmp_path, small_built, what):
    """A read-only output. Tests run as root, for whom permission bits mean nothing, so
    the folder is made immutable (chattr +i), which binds root too; skipped where the
    file system has no such attribute."""
    config, reference = small_built
    out = tmp_path / "out" / "public"
    shutil.copytree(reference, out)
    locked = out if what == "output folder" else out.parent
    if not _chattr("+i", locked):
        pytest.skip("chattr +i is not available here")
    try:
        proc = subprocess.run(build_cmd(config, out, "--as-of", "2026-11-27"), capture_output=True, text=True)
    finally:
        _chattr("-i", locked)
    assert proc.returncode == 1
    assert proc.stdout.startswith(f"{out}:1: error: cannot write the site: Operation not permitted"), proc.stdout
    assert "the previous site was left untouched" in proc.stderr and "Traceback" not in proc.stderr
    assert tree(out) == tree(reference) and leftovers(out) == []


def test_a_full_disk_in_a_real_build_leaves_the_old_site(tmp_path, small_built):
    """The disk fills up in the middle of writing: simulated in a real build by a file
    size limit (RLIMIT_FSIZE, with SIGXFSZ ignored, so that a write fails with EFBIG)."""
    config, reference = small_built
    out = tmp_path / "public"
    shutil.copytree(reference, out)

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))  # some pages are bigger than that

    proc = subprocess.run(
        build_cmd(config, out, "--as-of", "2026-11-27"), capture_output=True, text=True, preexec_fn=limit
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout.startswith(f"{out}:1: error: cannot write the site: File too large"), proc.stdout
    assert tree(out) == tree(reference) and leftovers(out) == []


@pytest.mark.parametrize("where", ["inside a file", "is a file"])
def test_an_output_that_is_not_a_folder_is_a_clear_error(tmp_path, small_built, where):
    config, _ = small_built
    (tmp_path / "afile").write_text("not a folder")
    out = tmp_path / "afile" / "public" if where == "inside a file" else tmp_path / "afile"
    proc = subprocess.run(build_cmd(config, out), capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr  # refused, like any folder it may not replace
    assert proc.stderr.startswith(f"okrsite: error: refusing to write the site to {out}: "), proc.stderr
    assert "a file, not a folder" in proc.stderr
    assert (tmp_path / "afile").read_text() == "not a folder"  # kept, not moved aside
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


# --------------------------------------------------------------------------- issue 27: Windows


def test_the_writer_and_the_command_line_load_without_fcntl(tmp_path):
    """Windows has no ``fcntl``: the writer imports it only where it locks, so the module
    loads and ``okrsite build --help`` runs with ``fcntl`` unimportable."""
    code = (
        "import sys; sys.modules['fcntl'] = None\n"
        "import okrsite.builder.write\n"
        "from okrsite.cli.main import main\n"
        "main(['build', '--help'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "--output" in proc.stdout and "Traceback" not in proc.stderr


class _FakeMsvcrt:
    """``msvcrt.locking`` as Windows does it for one byte: LK_NBLCK fails while another
    handle holds the byte, LK_UNLCK frees it."""

    LK_UNLCK, LK_NBLCK = 0, 2

    def __init__(self, holder: Path):
        self.holder = holder
        self.held: set[str] = set()

    def locking(self, fd, mode, nbytes):
        assert nbytes == 1 and os.lseek(fd, 0, os.SEEK_CUR) == 0
        key = os.readlink(f"/proc/self/fd/{fd}")
        if mode == self.LK_UNLCK:
            self.held.discard(key)
        elif key in self.held or self.holder.exists():
            raise OSError(36, "Resource deadlock avoided")
        else:
            self.held.add(key)


def test_on_windows_the_lock_is_msvcrt_locking(tmp_path, monkeypatch):
    """The Windows branch: a second writer waits (``on_wait``) while the byte is held
    elsewhere, then locks it; the byte is unlocked before the file is closed."""
    holder = tmp_path / "another-process-holds-it"
    holder.touch()
    fake = _FakeMsvcrt(holder)
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    monkeypatch.setattr("okrsite.builder.write._WINDOWS", True)
    out = tmp_path / "public"
    waited = []
    threading.Timer(0.3, holder.unlink).start()
    with output_lock(out, on_wait=lambda: waited.append(True)):
        assert waited == [True] and fake.held == {str(tmp_path / ".public.lock")}
    assert fake.held == set()
