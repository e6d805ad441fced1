// okrsite search page: Pagefind's JS API over the index in <site root>/pagefind/.
// The query and filters live in the page URL (search/?q=onboarding&status=red), so a
// search can be shared as a link. Results are built with DOM calls and textContent only.

const FILTERS = ["team", "period", "status", "kind"];
const COLOURS = ["green", "amber", "red", "grey"];
const PAGE_SIZE = 20;

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

function restoreFromUrl() {
  const params = new URLSearchParams(window.location.search);
  input.value = params.get("q") || "";
  for (const name of FILTERS) {
    const value = params.get(name) || "";
    const select = selects[name];
    select.value = [...select.options].some((o) => o.value === value) ? value : "";
  }
}

function currentFilters() {
  const filters = {};
  for (const name of FILTERS) {
    if (selects[name].value) filters[name] = selects[name].value;
  }
  return filters;
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

async function loadPagefind() {
  if (!pagefind) {
    pagefind = await import(new URL("pagefind/pagefind.js", rootUrl).href);
    await pagefind.options({ baseUrl: rootUrl.pathname, excerptLength: 24 });
    await pagefind.init();
  }
  return pagefind;
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

// Pagefind's excerpt marks matches with <mark> and escapes < and > in the text; build
// it as text nodes and <mark> elements, never as HTML.
function excerptNode(excerpt) {
  const p = text("p", "search-excerpt");
  const parts = String(excerpt || "").split(/<\/?mark>/);
  parts.forEach((part, i) => {
    const value = part.replace(/&lt;/g, "<").replace(/&gt;/g, ">");
    if (!value) return;
    p.appendChild(i % 2 === 1 ? text("mark", "", value) : document.createTextNode(value));
  });
  return p;
}

function resultItem(data) {
  const meta = data.meta || {};
  const li = text("li", "search-result");
  const title = text("p", "search-result-title");
  const href = resultHref(data.raw_url || data.url);
  const link = href ? text("a", "", meta.title || data.raw_url) : text("span", "", meta.title || "");
  if (href) link.href = href;
  title.appendChild(link);
  li.appendChild(title);

  const facts = text("p", "meta search-result-meta");
  const bits = [];
  if (meta.kind) bits.push(text("span", "search-kind", meta.kind));
  if (meta.team) bits.push(text("span", "search-team", meta.team));
  if (meta.period) bits.push(text("span", "search-period", meta.period));
  bits.forEach((bit, i) => {
    if (i) facts.appendChild(document.createTextNode(" · "));
    facts.appendChild(bit);
  });
  if (meta.status) {
    const colour = COLOURS.includes(meta.colour) ? meta.colour : "grey";
    facts.appendChild(document.createTextNode(" "));
    facts.appendChild(text("span", `status status-${colour}`, meta.status));
  }
  li.appendChild(facts);
  if (data.excerpt) li.appendChild(excerptNode(data.excerpt));
  return li;
}

async function showMore(gen) {
  const batch = pending.splice(0, PAGE_SIZE);
  const data = await Promise.all(batch.map((r) => r.data()));
  if (gen !== generation) return;
  for (const d of data) list.appendChild(resultItem(d));
  more.hidden = pending.length === 0;
}

function describe(count, term, filters) {
  const what = count === 0 ? "No results" : count === 1 ? "1 result" : `${count} results`;
  const parts = [];
  if (term) parts.push(`for “${term}”`);
  const chosen = Object.keys(filters).map((name) => selects[name].selectedOptions[0].textContent.trim());
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
    const pf = await loadPagefind();
    const search = await pf.search(term || null, { filters });
    if (gen !== generation || !search) return;
    list.replaceChildren();
    pending = search.results.slice();
    await showMore(gen);
    if (gen !== generation) return;
    statusLine.textContent = describe(search.results.length, term, filters);
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
window.addEventListener("popstate", () => { restoreFromUrl(); run(); });

restoreFromUrl();
if (input.value.trim() || Object.keys(currentFilters()).length) run();
