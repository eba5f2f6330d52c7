// A deletion's button asks in the browser's own dialog and, once the user agrees, sends the confirmed
// POST. Without this script the same POST goes unconfirmed and the server answers with a page that asks.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (!question) {
    return;
  }
  if (window.confirm(question)) {
    form.elements.confirm.value = "yes";
  } else {
    event.preventDefault();
  }
});
