// The request page's canned replies (常用回复): a link puts its text, filled in for the request, at the cursor
// in the reply box (replacing a selection), and notes which one was used so that sending counts it. The text
// stays editable. Without this script the link reloads the page with the reply box starting from it.
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-canned-id]");
  if (!link) {
    return;
  }
  var box = document.querySelector("textarea[name=body]");
  if (!box) {
    return;
  }
  event.preventDefault();
  var text = link.getAttribute("data-canned-text");
  var start = box.selectionStart;
  var end = box.selectionEnd;
  box.value = box.value.slice(0, start) + text + box.value.slice(end);
  box.focus();
  box.setSelectionRange(start + text.length, start + text.length);
  var used = box.form.elements.canned_reply_id;
  if (used) {
    used.value = link.getAttribute("data-canned-id");
  }
});
