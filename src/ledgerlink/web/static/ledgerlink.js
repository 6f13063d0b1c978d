// The little the pages do in the browser beyond HTMX, here because their policy allows no inline script
// or event handler. Every page works without it.

// The box in a table's head ticks or unticks every row's box.
document.addEventListener("change", (event) => {
  const all = event.target.closest("input[data-ticks-all]");
  if (!all) return;
  for (const box of all.closest("table").querySelectorAll("tbody input[type=checkbox]")) {
    box.checked = all.checked;
  }
});
