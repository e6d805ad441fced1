// okrsite: small enhancements; every page works without them.
// Printing opens every folded section (<details>), so that a printed page has the check-in
// history and the numbers behind each chart; they fold back afterwards.
(function () {
  "use strict";
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) {
      d.open = true;
      opened.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();

// The alignment tree, enhanced. Without JavaScript the tree is plain <details> and
// "Focus on one team" links to a page per team. With it: "Expand all" / "Collapse all",
// and on the full page a team menu that focuses the tree in place (?team=ID).
(function () {
  "use strict";
  var sections = document.querySelectorAll("[data-tree-section]");
  var nav = document.querySelector("[data-tree-focus]");
  if (!sections.length) return;

  function button(text, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "tree-button";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }
  function setOpen(open) {
    document.querySelectorAll("[data-tree-section] details").forEach(function (d) { d.open = open; });
  }
  var tools = document.createElement("div");
  tools.className = "tree-tools";
  tools.appendChild(button("Expand all", function () { setOpen(true); }));
  tools.appendChild(button("Collapse all", function () { setOpen(false); }));
  sections[0].parentNode.insertBefore(tools, sections[0]);

  // the team menu: only on the full page (a focused page is already filtered)
  if (!nav || nav.getAttribute("data-current")) return;
  var links = nav.querySelectorAll("a[data-team]");
  if (!links.length) return;
  var list = nav.querySelector("ul");
  var id = "focus-team";
  var wrap = document.createElement("p");
  wrap.className = "focus-control";
  var label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = "Team";
  var select = document.createElement("select");
  select.id = id;
  select.name = "team";
  select.appendChild(new Option("Every team", ""));
  links.forEach(function (a) { select.appendChild(new Option(a.textContent, a.getAttribute("data-team"))); });
  var message = document.createElement("p");
  message.className = "visually-hidden";
  message.setAttribute("role", "status");
  wrap.appendChild(label);
  wrap.appendChild(document.createTextNode(" "));
  wrap.appendChild(select);
  list.hidden = true;
  list.parentNode.insertBefore(message, list.nextSibling);
  list.parentNode.insertBefore(wrap, message);

  function apply(team) {
    var sel = team ? 'li[data-team="' + CSS.escape(team) + '"]' : null;
    var shown = 0;
    document.querySelectorAll("[data-tree-section] li[data-team]").forEach(function (li) {
      // the team's own items with all beneath them, and the chain above them
      var show = !sel || li.closest(sel) !== null || li.querySelector(sel) !== null;
      li.hidden = !show;
      if (show && sel && li.matches(sel)) shown += 1;
      if (show && sel && li.querySelector(sel)) {
        var d = li.querySelector(":scope > details");
        if (d) d.open = true;
      }
    });
    sections.forEach(function (s) {
      s.hidden = !!sel && !s.querySelector("li[data-team]:not([hidden])");
    });
    var name = team ? select.options[select.selectedIndex].text : "";
    message.textContent = team ? "Showing the chains that involve " + name + ": " + shown + " item" + (shown === 1 ? "" : "s") + "." : "Showing every team.";
  }

  var initial = new URLSearchParams(window.location.search).get("team") || "";
  if (initial && Array.prototype.some.call(select.options, function (o) { return o.value === initial; })) {
    select.value = initial;
    apply(initial);
  }
  select.addEventListener("change", function () {
    var team = select.value;
    apply(team);
    var url = new URL(window.location.href);
    if (team) url.searchParams.set("team", team); else url.searchParams.delete("team");
    window.history.replaceState(null, "", url.toString());
  });
})();
