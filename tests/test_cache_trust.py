"""The build cache is untrusted input (issue 8, docs/security.md): `.okrsite-cache/` sits
in the repository, and a pull request could commit one (with `git add -f`), together with
an output folder. Neither may get markup that was never sanitised onto the site."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from okrsite.builder import cache, parsecache
from okrsite.builder import record as build_record

from test_write import small_site

REPO = Path(__file__).resolve().parent.parent
EVIL = "<script>window.__pwned=1</script>"


def build(config: Path, *args) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "okrsite", "build", "--config", str(config), "-j", "1", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def site_bytes(out: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file())


def test_cached_html_is_sanitised_again(tmp_path):
    config = small_site(tmp_path)
    (tmp_path / "content/teams/t/_index.md").write_text("---\nname: T\n---\nA body with *emphasis*.\n")
    build(config)
    parsed = tmp_path / ".okrsite-cache" / "parsed.json"
    data = json.loads(parsed.read_text())
    assert data["html"], "the cache holds rendered bodies"
    for key in data["html"]:
        data["html"][key] = EVIL + data["html"][key]  # what a committed cache could say
    parsed.write_text(json.dumps(data))
    shutil.rmtree(tmp_path / "public")  # so that the build renders again, from the cache
    build(config)
    built = site_bytes(tmp_path / "public")
    assert b"<em>emphasis</em>" in built and b"__pwned" not in built
    # that build used the file as it was (nothing new to add): it must not vouch for it,
    # or the next build would take its HTML as this machine's own
    record = json.loads((tmp_path / ".okrsite-cache" / "build.json").read_text())
    assert record["parsed_id"] != cache.output_identity(parsed)
    shutil.rmtree(tmp_path / "public")
    build(config)
    assert b"__pwned" not in site_bytes(tmp_path / "public")


def test_the_cache_a_build_wrote_here_is_not_sanitised_again(tmp_path, monkeypatch):
    """HTML in the parse cache that the last build on this machine wrote (the record
    holds the file's device, inode and change time) is used as it is: it was sanitised
    when it was made. The same bytes either way."""
    from okrsite.builder.pipeline import publish
    from okrsite.core.config import read_config

    config_path = small_site(tmp_path)
    (tmp_path / "content/teams/t/_index.md").write_text("---\nname: T\n---\nA body with *emphasis*.\n")
    config, _ = read_config(config_path)
    publish(config, config.as_of, tmp_path / "public", jobs=1)
    record = json.loads((tmp_path / ".okrsite-cache" / "build.json").read_text())
    assert record["parsed_id"] == cache.output_identity(tmp_path / ".okrsite-cache" / "parsed.json")
    calls = []
    real = parsecache.sanitise
    monkeypatch.setattr(parsecache, "sanitise", lambda html: calls.append(html) or real(html))
    shutil.rmtree(tmp_path / "public")
    publish(config, config.as_of, tmp_path / "public", jobs=1)
    assert calls == []
    first = site_bytes(tmp_path / "public")
    # the same file rewritten (a new change time): sanitised again, same bytes
    parsed = tmp_path / ".okrsite-cache" / "parsed.json"
    parsed.write_bytes(parsed.read_bytes())
    shutil.rmtree(tmp_path / "public")
    publish(config, config.as_of, tmp_path / "public", jobs=1)
    assert calls and site_bytes(tmp_path / "public") == first


def test_a_committed_output_and_build_record_are_not_taken_for_a_build(tmp_path):
    """A checkout that holds an output folder whose files match a committed build.json
    (fingerprint of the content, manifest of the files) is rebuilt, not published as is."""
    config = small_site(tmp_path)
    out = tmp_path / "public"
    build(config)
    record = tmp_path / ".okrsite-cache" / "build.json"
    data = json.loads(record.read_text())
    # the attacker's output: the same files, one page changed, in a folder of its own
    forged = tmp_path / "forged"
    shutil.copytree(out, forged)
    page = forged / "index.html"
    page.write_bytes(page.read_bytes().replace(b"</body>", EVIL.encode() + b"</body>"))
    shutil.rmtree(out)
    forged.rename(out)
    for rel in data["manifest"]:
        f = out / rel
        data["manifest"][rel] = build_record.manifest_entry(f.stat(), cache.digest(f.read_bytes()))
    record.write_text(json.dumps(data))
    proc = build(config)
    assert "nothing changed" not in proc.stderr
    assert b"__pwned" not in site_bytes(out)
    # and an untouched output is still recognised: the second build has nothing to do
    assert "nothing changed since the last build" in build(config).stderr
