// okrsite search page: Pagefind's JS API over the index in <site root>/pagefind/.
// The query and filters live in the page URL (search/?q=onboarding&status=red), so a
// search can be shared as a link. Results are built with DOM calls and textContent only.
//
// One Pagefind record (one result) holds several items: an objective and its key
// results, or a team's check-ins of one period (see docs/search.md). Each part is under
// a heading whose id is "p<i>." and a percent-encoded JSON list of the part's URL,
// kind, kind in words, title, status and colour. A result shows its best-matching item that
// passes the filters, and lists the record's other matching items below it.

const FILTERS = ["team", "period", "status", "kind"];
const COLOURS = ["green", "amber", "red", "grey"];
const PAGE_SIZE = 20;
const EXCERPT_WORDS = 24;
const STATUS_KINDS = ["objective", "key-result"]; // the kinds that have a status
const BUNDLE = "okrsite-bundle"; // the filter of a record's bundle (see bundlesAsked)

const form = document.getElementById("search-form");
const input = document.getElementById("search-q");
const statusLine = document.getElementById("search-message");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");
const selects = Object.fromEntries(FILTERS.map((name) => [name, document.getElementById(`search-${name}`)]));

// The site root, relative to this page ("../"): result links are made relative to it,
// so they work under any base path without knowing it at build time.
const root = form.dataset.root || "../";
const rootUrl = new URL(root, window.location.href);

let pagefind = null;
let generation = 0; // a newer search makes older answers stale
let pending = [];   // results not shown yet
let timer = null;

// A filter with too many values to list in the page (the teams of a large organisation:
// okrsite.site.summary.SEARCH_TEAMS_MAX) has its options in a file, named by the select's
// data-options ([[value, words], ...]): fetched when the filter is about to be used, or
// at once when the URL chooses one of its values.
const optionsLoaded = new Map(); // select -> the promise of its options

function optionOf(select, value) {
  return [...select.options].find((o) => o.value === value);
}

function loadOptions(select) {
  if (!select.dataset.options) return Promise.resolve(true);
  if (!optionsLoaded.has(select)) {
    const url = new URL(select.dataset.options, window.location.href);
    optionsLoaded.set(select, fetch(url)
      .then((response) => {
        if (!response.ok) throw new Error(`${url}: ${response.status}`);
        return response.json();
      })
      .then((options) => {
        if (!Array.isArray(options)) throw new Error(`${url}: not a list`);
        const made = options.map((entry) => {
          if (!Array.isArray(entry) || typeof entry[0] !== "string" || typeof entry[1] !== "string") {
            throw new Error(`${url}: not a list of [value, words]`);
          }
          const option = document.createElement("option");
          option.value = entry[0];
          option.textContent = entry[1];
          return option;
        });
        const chosen = select.value;
        select.replaceChildren(select.options[0], ...made); // the "any" option, then these
        select.value = chosen;
        delete select.dataset.options;
        return true;
      })
      .catch((error) => {
        optionsLoaded.delete(select); // the next use tries again
        console.warn("okrsite search:", error);
        return false;
      }));
  }
  return optionsLoaded.get(select);
}

for (const select of Object.values(selects)) {
  if (!select.dataset.options) continue;
  const load = () => loadOptions(select);
  select.addEventListener("focus", load);
  // a pointer over the filters (a mouse on its way, a finger's first touch): before a
  // click or a tap opens the list
  form.querySelector(".search-filters").addEventListener("pointerenter", load);
  select.addEventListener("pointerdown", (event) => {
    // a mouse click before the options are in: open the list once they are
    if (!select.dataset.options || event.pointerType !== "mouse" || event.button !== 0) return;
    event.preventDefault();
    loadOptions(select).then(() => {
      select.focus();
      try {
        select.showPicker();
      } catch {
        // no picker to show from here: the list opens on the next click
      }
    });
  });
}

// The words and filters of the page's URL into the form. A filter whose options are
// fetched waits for them; if the user changes the search meanwhile, the URL's value is
// dropped (their search stands), and false is returned: nothing to run.
async function restoreFromUrl() {
  const params = new URLSearchParams(window.location.search);
  const gen = generation;
  input.value = params.get("q") || "";
  const waiting = [];
  for (const name of FILTERS) {
    const value = params.get(name) || "";
    const select = selects[name];
    if (value && select.dataset.options) {
      waiting.push([select, value]);
      select.value = "";
    } else {
      select.value = optionOf(select, value) ? value : "";
    }
  }
  for (const [select, value] of waiting) {
    const loaded = await loadOptions(select);
    if (generation !== gen) return false;
    if (!loaded && !optionOf(select, value)) {
      // the list could not be fetched: keep the link's value, named by itself
      const option = document.createElement("option");
      option.value = value;
      option.textContent = value;
      select.appendChild(option);
    }
    select.value = optionOf(select, value) ? value : "";
  }
  return true;
}

function currentFilters() {
  const filters = {};
  for (const name of FILTERS) {
    if (selects[name].value) filters[name] = selects[name].value;
  }
  return filters;
}

// The filters as Pagefind's: a record's "status" values are "<kind>:<colour>" of its
// items, so that a status (and a kind) match records that hold such an item. The key
// results a team contributes to are in records of their own (filter "via"), found
// only when that team is chosen: without a team, they are left out (each is also in
// its own team's record).
function pagefindFilters(filters) {
  const out = { ...filters };
  if (filters.status) {
    const kinds = filters.kind ? [filters.kind] : STATUS_KINDS;
    out.status = { any: kinds.map((kind) => `${kind}:${filters.status}`) };
  }
  if (!filters.team) out.not = { via: "contribution" };
  return out;
}

// A word as Pagefind compares it: lower case, without accents or punctuation.
function bare(word) {
  return word.toLocaleLowerCase().normalize("NFD").replace(/[\p{M}\p{P}\p{S}]/gu, "");
}

// Pagefind answers a word that no indexed word begins with by the longest indexed word
// that begins *it* ("latency" finds "late", "lateness" finds "late"): a different word.
// A search here finds only the words asked for: each word of the query must begin a
// matched word of the results (typing "dashb" finds "dashboard"), or be a word of the
// index in its English forms (a quoted one-word search: Pagefind's exact match of the
// word's stem, so "onboarding" finds "onboarded"). Otherwise there are no results.
async function asked(pf, term, data, filters) {
  if (/^\s*".+"\s*$/.test(term)) return true; // an exact search matches only its words
  const found = new Set();
  for (const d of data) {
    const words = String(d.content || "").split(/[\r\n\s]+/g);
    for (const l of d.weighted_locations || []) {
      const word = words[l.location] || "";
      found.add(bare(word));
      for (const part of word.split(/[\p{P}\p{S}]+/u)) found.add(bare(part));
    }
  }
  for (const word of term.split(/\s+/).map(bare).filter(Boolean)) {
    if ([...found].some((w) => w.startsWith(word))) continue;
    const exact = await pf.search(`"${word}"`, { filters });
    if (!exact || !exact.results.length) return false;
  }
  return true;
}

// Pagefind falls back to a shorter word in each bundle of the index on its own: a word
// one period's bundle has may be "late" in another's. So whether the search found the
// words asked for is decided bundle by bundle (the filter BUNDLE, which Pagefind adds to
// every record of a bundle as it loads it), on each bundle's best result. Returns the
// bundles with results (found) and those whose results are kept.
async function bundlesAsked(pf, term, search, filters) {
  const counts = (search.filters || {})[BUNDLE] || {};
  const found = Object.keys(counts).filter((bundle) => counts[bundle] > 0);
  const kept = await Promise.all(found.map(async (bundle) => {
    const only = { [BUNDLE]: bundle };
    const mine = await pf.search(term, { filters: { ...filters, ...only } });
    const data = await Promise.all(mine.results.slice(0, 1).map((r) => r.data()));
    return data.length && (await asked(pf, term, data, only)) ? bundle : null;
  }));
  return { found, kept: kept.filter((bundle) => bundle !== null) };
}

function updateUrl() {
  const params = new URLSearchParams();
  const term = input.value.trim();
  if (term) params.set("q", term);
  for (const [name, value] of Object.entries(currentFilters())) params.set(name, value);
  const query = params.toString();
  const url = window.location.pathname + (query ? `?${query}` : "") + window.location.hash;
  window.history.replaceState(null, "", url);
}

// The index is several bundles: pagefind/ (teams and people, and Pagefind's code), one
// per period (pagefind/periods/2026-Q4/) and, for a large part, more runs of it
// (pagefind/1/, pagefind/periods/2026-Q4/1/), listed in pagefind/okrsite-bundles.json:
// the extra ones are merged into the first, only when a search may find something in
// them (a search of one period leaves the other periods' bundles unloaded).
const BUNDLE_PATH = /^(periods\/([A-Za-z0-9][A-Za-z0-9-]*)\/)?(\d+\/)?$/;
const extra = [];         // the bundles to merge: [path, period id or ""]
const merged = new Map(); // path -> its merge (a promise), for those merged or merging

async function loadPagefind(period) {
  if (!pagefind) {
    pagefind = (async () => {
      const pf = await import(new URL("pagefind/pagefind.js", rootUrl).href);
      await pf.options({ ...pagefindOptions(), mergeFilter: { [BUNDLE]: "./" } });
      await pf.init();
      const listed = await fetch(new URL("pagefind/okrsite-bundles.json", rootUrl));
      const merge = listed.ok ? (await listed.json()).merge || [] : [];
      extra.length = 0;
      for (const path of merge) {
        const m = typeof path === "string" && path ? BUNDLE_PATH.exec(path) : null;
        if (m) extra.push([path, m[2] || ""]);
      }
      return pf;
    })().catch((error) => {
      pagefind = null; // the next search tries again
      throw error;
    });
  }
  const pf = await pagefind;
  const wanted = extra.filter(([, of]) => !period || !of || of === period).map(([path]) => path);
  for (const path of wanted) {
    if (!merged.has(path)) {
      merged.set(path, pf.mergeIndex(new URL(`pagefind/${path}`, rootUrl).pathname,
                                     { ...pagefindOptions(), mergeFilter: { [BUNDLE]: path } })
        .catch((error) => {
          merged.delete(path);
          throw error;
        }));
    }
  }
  await Promise.all(wanted.map((path) => merged.get(path)));
  return pf;
}

function pagefindOptions() {
  return { baseUrl: rootUrl.pathname, excerptLength: EXCERPT_WORDS };
}

// A record's URL is relative to the site root ("teams/platform/#kr-p99"): from this
// page that is root + url. Anything else (absolute, another host) is not ours.
function resultHref(rawUrl) {
  if (typeof rawUrl !== "string" || /^[a-z][a-z0-9+.-]*:|^\/|^\\/i.test(rawUrl)) return null;
  return root + rawUrl;
}

function text(tag, className, content) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (content) el.textContent = content;
  return el;
}

// An excerpt of an item's words [start, end) of the record's text, around its first
// match, the matched words marked: text nodes and <mark> elements, never HTML.
function excerptNode(words, start, end, locations) {
  const p = text("p", "search-excerpt");
  const matched = new Set(locations);
  const first = locations.length ? Math.min(...locations) : start;
  const from = Math.max(start, Math.min(first - Math.floor(EXCERPT_WORDS / 3), end - EXCERPT_WORDS));
  const to = Math.min(end, from + EXCERPT_WORDS);
  for (let i = from; i < to; i++) {
    if (i > from) p.appendChild(document.createTextNode(" "));
    p.appendChild(matched.has(i) ? text("mark", "", words[i]) : document.createTextNode(words[i]));
  }
  if (to < end) p.appendChild(document.createTextNode(" …"));
  return p.childNodes.length ? p : null;
}

// The items of a result (its fragment): the record's own item (text before the first
// part), then its parts, each with its word range and the matched word positions in it.
function itemsOf(data) {
  const meta = data.meta || {};
  const words = String(data.content || "").split(/[\r\n\s]+/g);
  const parts = [];
  for (const anchor of data.anchors || []) {
    const m = /^p(\d+)\.(.+)$/.exec(anchor.id || "");
    if (!m) continue;
    let part;
    try {
      part = JSON.parse(decodeURIComponent(m[2]));
    } catch (error) {
      continue;
    }
    if (!Array.isArray(part)) continue;
    const [url, kind, kindWords, title, status, colour] = part.map((x) => (typeof x === "string" ? x : ""));
    parts.push({ url, kind, kindWords, title, status, colour, start: anchor.location });
  }
  parts.sort((a, b) => a.start - b.start);
  parts.forEach((part, i) => { part.end = i + 1 < parts.length ? parts[i + 1].start : words.length; });
  const items = [];
  if (meta.k) {
    items.push({ url: data.raw_url, kind: meta.k, kindWords: meta.kind, title: meta.title, status: meta.status,
                 colour: meta.colour, start: 0, end: parts.length ? parts[0].start : words.length });
  }
  items.push(...parts);
  const located = data.weighted_locations || [];
  for (const item of items) {
    const mine = located.filter((l) => l.location >= item.start && l.location < item.end);
    item.locations = mine.map((l) => l.location);
    item.score = mine.reduce((sum, l) => sum + (l.balanced_score || l.weight || 1), 0);
  }
  return { items, words };
}

function passes(item, filters) {
  if (filters.kind && item.kind !== filters.kind) return false;
  if (filters.status && !(item.status && item.colour === filters.status)) return false;
  return true;
}

function facts(item, meta) {
  const p = text("p", "meta search-result-meta");
  const bits = [];
  if (item.kindWords) bits.push(text("span", "search-kind", item.kindWords));
  if (meta.team) bits.push(text("span", "search-team", meta.team));
  if (meta.period) bits.push(text("span", "search-period", meta.period));
  bits.forEach((bit, i) => {
    if (i) p.appendChild(document.createTextNode(" · "));
    p.appendChild(bit);
  });
  if (item.status) {
    const colour = COLOURS.includes(item.colour) ? item.colour : "grey";
    p.appendChild(document.createTextNode(" "));
    p.appendChild(text("span", `status status-${colour}`, item.status));
  }
  return p;
}

function link(item) {
  const href = resultHref(item.url);
  const el = href ? text("a", "", item.title || item.url) : text("span", "", item.title || "");
  if (href) el.href = href;
  return el;
}

// One result: the record's best item that passes the filters (with a term: the one
// with the highest-scoring matches), then its other matching items, each a line with
// its link, kind and status. Null when none of its items passes (nothing to show).
function resultItem(data, term, filters) {
  const meta = data.meta || {};
  const { items, words } = itemsOf(data);
  let shown = items.filter((item) => passes(item, filters));
  if (term) {
    const matched = shown.filter((item) => item.locations.length);
    if (matched.length) shown = matched;
    else shown = shown.slice(0, 1); // the words are spread over several items
  }
  if (!shown.length) return null;
  const best = shown.reduce((a, b) => (b.score > a.score ? b : a));
  const li = text("li", "search-result");
  const title = text("p", "search-result-title");
  title.appendChild(link(best));
  li.appendChild(title);
  li.appendChild(facts(best, meta));
  const excerpt = excerptNode(words, best.start, best.end, best.locations);
  if (excerpt) li.appendChild(excerpt);
  const others = shown.filter((item) => item !== best);
  if (others.length) {
    const ul = text("ul", "search-parts");
    for (const item of others) {
      const sub = text("li", "search-part");
      sub.appendChild(link(item));
      if (item.kindWords) sub.appendChild(document.createTextNode(` · ${item.kindWords}`));
      if (item.status) {
        const colour = COLOURS.includes(item.colour) ? item.colour : "grey";
        sub.appendChild(document.createTextNode(" "));
        sub.appendChild(text("span", `status status-${colour}`, item.status));
      }
      ul.appendChild(sub);
    }
    li.appendChild(ul);
  }
  return li;
}

let shownTerm = "";
let shownFilters = {};

async function showMore(gen) {
  const batch = pending.splice(0, PAGE_SIZE);
  const data = await Promise.all(batch.map((r) => r.data()));
  if (gen !== generation) return;
  for (const d of data) {
    const li = resultItem(d, shownTerm, shownFilters);
    if (li) list.appendChild(li);
  }
  more.hidden = pending.length === 0;
}

function describe(count, term, filters) {
  const what = count === 0 ? "No results" : count === 1 ? "1 result" : `${count} results`;
  const parts = [];
  if (term) parts.push(`for “${term}”`);
  // the words of the values searched for (the selects may have moved on since)
  const chosen = Object.keys(filters).map((name) => {
    const option = optionOf(selects[name], filters[name]);
    return option ? option.textContent.trim() : filters[name];
  });
  if (chosen.length) parts.push(`(${chosen.join(", ")})`);
  return [what, ...parts].join(" ") + ".";
}

async function run() {
  const gen = ++generation;
  updateUrl();
  const term = input.value.trim();
  const filters = currentFilters();
  if (!term && Object.keys(filters).length === 0) {
    list.replaceChildren();
    pending = [];
    more.hidden = true;
    statusLine.textContent = "Type a word, or choose a filter, to search.";
    return;
  }
  statusLine.textContent = "Searching…";
  try {
    const pf = await loadPagefind(filters.period);
    const pfFilters = pagefindFilters(filters);
    const search = await pf.search(term || null, { filters: pfFilters });
    if (gen !== generation || !search) return;
    let results = search.results;
    if (term && results.length) {
      const { found, kept } = await bundlesAsked(pf, term, search, pfFilters);
      if (gen !== generation) return;
      if (kept.length < found.length) {
        const only = { ...pfFilters, [BUNDLE]: { any: kept } };
        results = kept.length ? (await pf.search(term, { filters: only })).results : [];
        if (gen !== generation) return;
      }
    }
    list.replaceChildren();
    shownTerm = term;
    shownFilters = filters;
    pending = results.slice();
    await showMore(gen);
    if (gen !== generation) return;
    statusLine.textContent = describe(results.length, term, filters);
  } catch (error) {
    if (gen !== generation) return;
    statusLine.textContent = "Search is not available: its index could not be loaded.";
    console.warn("okrsite search:", error);
  }
}

function later() {
  clearTimeout(timer);
  timer = setTimeout(run, 200);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(timer);
  run();
});
input.addEventListener("input", later);
for (const select of Object.values(selects)) select.addEventListener("change", run);
more.addEventListener("click", () => showMore(generation));
window.addEventListener("popstate", async () => {
  if (await restoreFromUrl()) run();
});

restoreFromUrl().then((current) => {
  if (current && (input.value.trim() || Object.keys(currentFilters()).length)) run();
});
