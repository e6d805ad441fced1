// okrsite: "/" moves the focus to the search box (the search page's own box, else the
// one in the header), unless the reader is typing in a field.
document.addEventListener("keydown", function (event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  var target = event.target;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  var box = document.querySelector("[data-search-focus]") || document.getElementById("site-search-q");
  if (!box) return;
  event.preventDefault();
  box.focus();
  if (box.select) box.select();
});
