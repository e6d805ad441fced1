"""docs/hosting.md (issue 25): its GitHub Pages workflow passes actionlint, its GitLab CI
file is valid YAML that publishes public/ under the path GitLab Pages gives, its nginx
example sends the same headers as netlify.toml, and it and the README say that okrsite
is installed from its git repository."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from okrsite.cli import starter
from test_workflow import actionlint, lint  # noqa: F401 - actionlint is a fixture

REPO = Path(__file__).resolve().parent.parent
HOSTING = REPO / "docs" / "hosting.md"


def block(language: str, first_line: str) -> str:
    """The fenced block of ``language`` whose first line is ``first_line``."""
    for text in re.findall(rf"```{language}\n(.*?)```", HOSTING.read_text(), re.S):
        if text.splitlines()[0] == first_line:
            return text
    raise AssertionError(f"docs/hosting.md has no {language} block starting {first_line!r}")


def test_github_pages_workflow_passes_actionlint(actionlint, tmp_path):  # noqa: F811
    path = tmp_path / ".github" / "workflows" / "pages.yml"
    path.parent.mkdir(parents=True)
    path.write_text(block("yaml", "# .github/workflows/pages.yml"))
    proc = lint(actionlint, path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_github_pages_workflow_builds_and_deploys_main():
    flow = yaml.safe_load(block("yaml", "# .github/workflows/pages.yml"))
    assert flow[True]["push"]["branches"] == ["main"]
    assert flow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    steps = flow["jobs"]["build"]["steps"]
    runs = [s["run"] for s in steps if "run" in s]
    assert "python -m pip install -r requirements.txt" in runs
    assert 'okrsite build --base-url "${BASE_PATH}/"' in runs
    assert any(
        s.get("uses", "").startswith("actions/upload-pages-artifact@") and s["with"]["path"] == "public/" for s in steps
    )
    assert flow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_gitlab_ci_is_valid_and_publishes_public():
    ci = yaml.safe_load(block("yaml", "# .gitlab-ci.yml"))
    assert ci["default"]["before_script"] == ["python -m pip install -r requirements.txt"]
    assert ci["pages"]["artifacts"]["paths"] == ["public"]
    assert ci["pages"]["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    assert ci["check"]["script"] == ["okrsite check"]


@pytest.mark.parametrize(
    "pages_url, base",
    [
        ("https://acme.gitlab.io/okrs", "/okrs/"),
        ("https://acme.gitlab.io/group/okrs/", "/group/okrs/"),
        ("https://okrs.example.com", "/"),
    ],
)
def test_gitlab_pages_base_path(pages_url, base):
    """The `pages` job's first line, run as GitLab runs it, gives base_url from CI_PAGES_URL."""
    ci = yaml.safe_load(block("yaml", "# .gitlab-ci.yml"))
    first, second = ci["pages"]["script"]
    assert second == 'okrsite build --base-url "$BASE_PATH"'
    python = shutil.which("python3")
    script = first.replace("$(python ", f"$({python} ") + '\nprintf %s "$BASE_PATH"'
    proc = subprocess.run(["sh", "-c", script], capture_output=True, text=True, env={"CI_PAGES_URL": pages_url})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == base


def test_nginx_example_sends_the_netlify_headers():
    conf = block("nginx", "# /etc/nginx/conf.d/okrs.conf")
    headers = dict(re.findall(r'add_header (\S+) "([^"]*)" always;', conf))
    assert headers["Content-Security-Policy"] == starter.CSP
    for name, value in re.findall(
        r'^\s+(X-Content-Type-Options|Referrer-Policy|X-Frame-Options) = "([^"]*)"', starter.NETLIFY, re.M
    ):
        assert headers[name] == value
    assert re.search(r"location /okrs/ \{\n\s+alias /srv/okrs/current/;", conf)
    assert "deny all;" in conf


def test_every_host_says_how_to_keep_the_site_private():
    text = HOSTING.read_text()
    sections = re.split(r"^## ", text, flags=re.M)
    for host in ("Netlify", "GitHub Pages", "GitLab Pages", "Your own web server"):
        section = next(s for s in sections if s.startswith(host))
        assert "**Private:**" in section, host
    assert "public by default" in text and "Enterprise Cloud" in text and "Only project members" in text


def test_docs_say_okrsite_is_installed_from_its_repository():
    readme = (REPO / "README.md").read_text()
    install = readme.split("## Installing", 1)[1].split("\n## ", 1)[0]
    assert 'pip install "okrsite @ git+https://' in install and "pip install ." in install
    assert "not from a package index" in install and "docs/hosting.md" in install
    hosting = HOSTING.read_text()
    assert "not from a package index" in hosting and 'pip install "okrsite @ git+https://' in hosting
    assert "[docs/hosting.md](docs/hosting.md)" in readme
