// The request page's canned replies (常用回复). "Choose a canned reply" shows the list (the page the link opens
// without a script) in the panel; a click on one puts its text, filled in for the request, at the cursor in the
// reply box (replacing a selection) and notes which one was used, so that sending counts it. The text stays
// editable. Without this script each link reloads the request page with the reply box starting from it.
document.addEventListener("click", function (event) {
  var picker = event.target.closest("a[data-canned-picker]");
  if (picker) {
    event.preventDefault();
    fetch(picker.href, { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        var list = new DOMParser().parseFromString(html, "text/html").querySelector(".canned-list");
        var shown = document.getElementById("canned-choices");
        shown.replaceChildren(document.importNode(list, true));
      })
      .catch(function () {
        window.location.href = picker.href;
      });
    return;
  }
  var link = event.target.closest("#canned-choices a[data-canned-id]");
  var box = document.querySelector("textarea[name=body]");
  if (!link || !box) {
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
