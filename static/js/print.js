// A button marked data-print opens the browser's print dialog (where "Save as PDF" files the page); without
// this script the browser's own Print menu does the same.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
