"""The starter repository of ``okrsite init``, as text templates. Pure data.

Placeholders are ``@@name@@`` (GitHub Actions already uses ``${{ }}``); ``fill`` replaces
them. ``scaffold.init_files`` chooses the values.
"""

from __future__ import annotations

import re

CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def fill(text: str, values: dict[str, str]) -> str:
    def sub(m: re.Match) -> str:
        return values[m[1]]

    return re.sub(r"@@([a-z_]+)@@", sub, text)


OKRSITE_YAML = """\
# okrsite configuration. Every key is optional; `okrsite check` warns about unknown ones.
title: @@site_title_yaml@@

# base_url: /okrs/                 # the path the site is served under, when not the root
# as_of: @@today@@                 # pin the date statuses are computed for (default: today)
# codeowners_fallback: "@your-org/okr-admins"   # owns the content no team maintains (okrsite codeowners)
# site_url: https://okrs.example.com/          # the public address: absolute links and ids in the Atom feeds
# periods:                          # only for periods that are not calendar years, halves or quarters
#   - id: FY@@year@@-Q1
#     start: @@year@@-02-01
#     end: @@year@@-04-30
"""

REQUIREMENTS = """\
# How this repository installs okrsite: the OKRs workflow and Netlify both read this file.
# okrsite is installed from its git repository (it is not on a package index), pinned to a
# tag or commit, e.g. `okrsite @ git+https://github.com/your-org/okrsite@v@@version@@`
# (`okrsite init --from-git URL --ref TAG` writes that line; see docs/hosting.md of okrsite).
@@install@@
"""

# The line requirements.txt holds until someone says where okrsite comes from. pip refuses
# it (it is no requirement) and prints it, so Netlify's log says what to do; the workflow's
# first step (CHECK_STEP) fails with the same words, annotated on the file.
PLACEHOLDER_MARK = "REPLACE THIS LINE"  # CHECK_STEP greps for it
PLACEHOLDER = (
    f"{PLACEHOLDER_MARK} with where okrsite comes from, e.g. "
    "okrsite @ git+https://github.com/your-org/okrsite@v@@version@@"
)

CHECK_STEP = """\
      - name: Check that requirements.txt says where okrsite comes from
        run: |
          line=$(grep -n '^REPLACE THIS LINE' requirements.txt | cut -d: -f1 | head -n 1)
          if [ -n "$line" ]; then
            echo "::error file=requirements.txt,line=$line::requirements.txt does not say where to install okrsite from. Replace line $line with okrsite's git repository and a tag, e.g. 'okrsite @ git+https://github.com/your-org/okrsite@v@@version@@' (or 'okrsite==@@version@@' if your package index has it)."
            exit 1
          fi

"""

GITIGNORE = """\
/public/
/.okrsite-cache/
/.venv/
__pycache__/
"""

ORG_INDEX = """\
---
title: @@title_yaml@@
vision: "The future we are working towards, in one sentence."
mission: "What we do, and for whom, in one sentence."
strategy:
  - id: customer-first
    title: "Win by making customers successful"
    description: "What we choose to do, and so what we choose not to do."
---

Welcome to our OKRs. Every team's objectives, key results and weekly check-ins are here, visible
to everyone. Red is information, not failure: it is where help can make a difference.
"""

COMPANY_INDEX = """\
---
name: @@title_yaml@@
lead: "Our CEO"
members:
  - "Our CEO"
# maintainers: ["@your-org/leadership"]   # who approves changes to this folder: run `okrsite codeowners`
mission: "Set a few clear company objectives a year, and make it easy to see how every team's work adds up."
---

The leadership team. Company objectives are set once a year and reviewed every quarter.
"""

COMPANY_OBJECTIVE = """\
---
title: "Customers succeed with us from their very first week"
owner: "Our CEO"
commitment: aspirational
theme: customer-first
key_results:
  - id: active-customers
    title: "Weekly active customers grow from 100 to 150"
    start: 100
    target: 150
    unit: customers
  - id: nps
    title: "Net promoter score rises from 20 to 40"
    start: 20
    target: 40
---

Why this matters: customers who succeed in their first week stay, and tell others.
"""

TEAM_INDEX = """\
---
name: "First Team"
parent: company
lead: "A Team Lead"
members:
  - "A Team Lead"
  - "A Teammate"
# maintainers: ["@your-github-handle"]   # who approves changes to this folder: run `okrsite codeowners`
mission: "One line on what this team is for."
kpis:
  - id: uptime
    name: "Availability (30-day rolling)"
    unit: "%"
    healthy_above: 99.5
---

Rename this folder and this file to your first real team, or copy them for every team.
"""

TEAM_OBJECTIVE = """\
---
title: "New customers find their way without asking us"
owner: "A Team Lead"
aligns_to: company/customer-success
key_results:
  - id: time-to-value
    title: "Median days from sign-up to first report fall from 14 to 3"
    start: 14
    target: 3
    unit: days
  - id: self-serve-setups
    title: "Set-ups finished without a support ticket rise from 40% to 80%"
    start: 40
    target: 80
    unit: "%"
  - id: guided-tour
    title: "Every new account is offered a guided tour"
    type: milestone
---

What we want to change this quarter, why, and the initiatives we bet on.
"""

TEAM_CHECKIN = """\
---
# An example check-in: on track, with a value and the team's confidence for each key result.
date: @@today@@
author: "A Team Lead"
key_results:
  self-serve-onboarding/time-to-value: {value: @@time_to_value@@, confidence: 0.8}
  self-serve-onboarding/self-serve-setups: {value: @@self_serve_setups@@, confidence: 0.8}
  self-serve-onboarding/guided-tour: {progress: "@@guided_tour@@%", confidence: 0.9, note: "Live in English; translations next"}
kpis:
  uptime: 99.8
---

## What changed

The new sign-up checklist shipped: new accounts reach their first report sooner, and fewer
of them open a support ticket to finish setting up.

## What are we learning

Most tickets came from one confusing step (connecting a data source); the checklist now
explains it with an example.

## Where do we need help

Nothing this week.
"""

COMPANY_CHECKIN = """\
---
# An example check-in of the company objective: on track, with values and confidence.
date: @@today@@
author: "Our CEO"
key_results:
  customer-success/active-customers: {value: @@active_customers@@, confidence: 0.8}
  customer-success/nps: {value: @@nps@@, confidence: 0.7}
---

## What changed

More customers are active every week, and they tell us the first week got easier.

## What are we learning

Customers who finish set-up in their first week stay; the teams' onboarding work pays off.

## Where do we need help

Nothing this week.
"""

WORKFLOW = """\
# OKRs: on a pull request, check the content (every problem is annotated on the diff, at its
# file and line), summarise what the pull request changes (statuses, progress, new errors) in
# the job summary, and build the site. On main, build it. Netlify deploys it (netlify.toml).
name: OKRs

on:
  pull_request:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read

concurrency:
  group: okrs-${{ github.ref }}
  cancel-in-progress: true

jobs:
  okrs:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # the whole history: `okrsite diff` compares with the pull request's base

      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip
          cache-dependency-path: @@dependency_file@@

@@check_step@@      - name: Install okrsite
        id: install
        run: @@install_command@@

      - name: Check the OKRs
        if: github.event_name == 'pull_request'
        run: @@okrsite@@ check --format github

      - name: Summarise the changes in the job summary
        if: ${{ !cancelled() && steps.install.outcome == 'success' && github.event_name == 'pull_request' }}
        env:
          BASE_SHA: ${{ github.event.pull_request.base.sha }}
        run: @@okrsite@@ diff --format markdown "$BASE_SHA" >> "$GITHUB_STEP_SUMMARY"

      # The build cache and the last site, so that a build after a change renders only the
      # pages the change can alter (docs/hosting.md). Saved only by builds of a branch, never
      # of a pull request, and keyed by the ref: a pull request restores main's cache and
      # never writes one main would restore.
      - name: Restore the build cache
        uses: actions/cache/restore@v4
        with:
          path: |
            .okrsite-cache
            public
          key: okrsite-${{ runner.os }}-${{ github.ref }}-${{ github.run_id }}
          restore-keys: |
            okrsite-${{ runner.os }}-${{ github.ref }}-
            okrsite-${{ runner.os }}-refs/heads/${{ github.event.repository.default_branch }}-

      - name: Build the site
        run: @@okrsite@@ build

      - name: Save the build cache
        if: github.event_name != 'pull_request'
        uses: actions/cache/save@v4
        with:
          path: |
            .okrsite-cache
            public
          key: okrsite-${{ runner.os }}-${{ github.ref }}-${{ github.run_id }}-${{ github.run_attempt }}

      - name: Keep the built site
        uses: actions/upload-artifact@v4
        with:
          name: site
          path: public/
          retention-days: 7
"""

NETLIFY = """\
# Netlify builds and publishes the site: production from main, and a deploy preview for
# every pull request (linked from the pull request's checks).
[build]
  command = "@@install_command@@ && okrsite build"
  publish = "public"

[build.environment]
  PYTHON_VERSION = "3.11"

# A deploy preview is served at the root of its own address, whatever base_url says.
[context.deploy-preview]
  command = "@@install_command@@ && okrsite build --base-url /"

[[headers]]
  for = "/*"
  [headers.values]
    # No inline script or style anywhere in the site; 'wasm-unsafe-eval' lets the search
    # (Pagefind) run its WebAssembly.
    Content-Security-Policy = "@@csp@@"
    X-Content-Type-Options = "nosniff"
    Referrer-Policy = "strict-origin-when-cross-origin"
    X-Frame-Options = "DENY"
    Permissions-Policy = "camera=(), microphone=(), geolocation=()"

# The search index's chunks are named after a hash of their content: cache them for a year,
# in every bundle (pagefind/, pagefind/periods/<period>/ and their runs), by extension: a
# folder rule could also match a period named "index". (pagefind.js and
# pagefind-entry.json keep their names, so they are revalidated as usual.)
[[headers]]
  for = "/pagefind/*.pf_index"
  [headers.values]
    Cache-Control = "public, max-age=31536000, immutable"

[[headers]]
  for = "/pagefind/*.pf_fragment"
  [headers.values]
    Cache-Control = "public, max-age=31536000, immutable"

[[headers]]
  for = "/pagefind/*.pf_filter"
  [headers.values]
    Cache-Control = "public, max-age=31536000, immutable"

[[headers]]
  for = "/pagefind/*.pf_meta"
  [headers.values]
    Cache-Control = "public, max-age=31536000, immutable"
"""

README = """\
# @@title@@ OKRs

Our objectives and key results, and every team's check-ins, published as a website for
everyone in @@title@@ by okrsite. Red is information, not failure.

## Submitting a check-in

Check-ins arrive as pull requests, usually one a week per team:

1. Make a branch: `git switch -c checkin/<team>-@@today@@`.
2. `okrsite new checkin <team>` writes `content/teams/<team>/<period>/checkins/<date>.md`,
   listing every key result commented out with its last value. Uncomment the lines of what
   you measured, change their numbers, and answer the three questions: what changed, what
   are we learning, where do we need help.
3. `okrsite check` lists any problem with its file and line; `okrsite serve` shows the site
   as you edit it, on http://127.0.0.1:8000/.
4. Push and open a pull request. The OKRs workflow annotates any problem on the exact line,
   and its job summary lists every status and progress change the pull request makes.
   Netlify links a preview of the whole site from the pull request.
5. One of your team's maintainers approves (CODEOWNERS), and merging publishes the site.

## Commands

| command | what it does |
|---|---|
| `okrsite new checkin TEAM` | a new check-in, pre-filled |
| `okrsite new objective TEAM [ID]` | a new objective for the current period |
| `okrsite new period TEAM --from PERIOD` | the next quarter: copies unfinished aspirational objectives |
| `okrsite check` | validate everything, writing nothing |
| `okrsite serve` | preview the site while you edit |
| `okrsite build` | write the site to `public/` |
| `okrsite diff BASE` | what changed since a git ref, in words |
| `okrsite codeowners` | write `.github/CODEOWNERS` from each team's `maintainers:` |

Install okrsite with `python -m pip install -r requirements.txt`.

## Setting up

1. `requirements.txt` says where okrsite comes from: okrsite is installed from its git
   repository, pinned to a tag or commit (`okrsite @ git+https://...@TAG`), not from a
   package index. Until its last line says so, the OKRs workflow fails and tells you what
   to write there.
2. Connect this repository to Netlify: `netlify.toml` holds the build command, the
   publish folder, the deploy previews and the security headers. Netlify sites are public
   by default: for an intranet, turn on its password or SSO protection. okrsite's
   `docs/hosting.md` shows the other ways to publish (GitHub Pages, GitLab Pages, your own
   web server) and how to keep each private.
3. Give each team its `maintainers:` (git-host handles) in `content/teams/<team>/_index.md`,
   set `codeowners_fallback` in `okrsite.yaml`, run `okrsite codeowners` and commit
   `.github/CODEOWNERS`. Then protect the main branch with "Require review from Code Owners"
   and the OKRs workflow as a required check.
4. Replace the example team and objectives in `content/` with your own.
"""

# path -> template
INIT_FILES = {
    "okrsite.yaml": OKRSITE_YAML,
    "requirements.txt": REQUIREMENTS,
    ".gitignore": GITIGNORE,
    "README.md": README,
    "netlify.toml": NETLIFY,
    ".github/workflows/okrs.yml": WORKFLOW,
    "content/_index.md": ORG_INDEX,
    "content/teams/company/_index.md": COMPANY_INDEX,
    "content/teams/company/@@year@@/customer-success.md": COMPANY_OBJECTIVE,
    "content/teams/first-team/_index.md": TEAM_INDEX,
    "content/teams/first-team/@@quarter@@/self-serve-onboarding.md": TEAM_OBJECTIVE,
    "content/teams/first-team/@@quarter@@/checkins/@@today@@.md": TEAM_CHECKIN,
    "content/teams/company/@@year@@/checkins/@@today@@.md": COMPANY_CHECKIN,
}

# The values an init'd repository uses in the workflow and netlify.toml templates.
INIT_VALUES = {
    "dependency_file": "requirements.txt",
    "install_command": "python -m pip install -r requirements.txt",
    "okrsite": "okrsite",
    "csp": CSP,
    "check_step": CHECK_STEP,
}

# The same templates with the values of okrsite's own repository, which builds its sample
# organisation with the okrsite it holds (tests/test_workflow.py keeps them in step).
REPOSITORY_VALUES = {
    "dependency_file": "pyproject.toml",
    "install_command": "python -m pip install .",
    "okrsite": "python -m okrsite",
    "csp": CSP,
    "check_step": "",
}
