// The new-request form's early duplicate warning: once the enterprise stops typing its title or description
// for a moment, its own recent requests that read alike are fetched and shown above the buttons. Without this
// script the server shows the same warning when the form is first submitted.
(function () {
  var box = document.getElementById("duplicate-warning");
  if (!box || !window.fetch) {
    return;
  }
  var form = box.closest("form");
  var title = form && form.elements.title;
  var description = form && form.elements.description;
  if (!title || !description) {
    return;
  }
  var timer = null;
  var asked = "";
  function check() {
    var query = new URLSearchParams({ title: title.value, description: description.value.slice(0, 2000) });
    if (query.toString() === asked || (title.value + description.value).trim().length < 4) {
      return;
    }
    asked = query.toString();
    fetch(box.getAttribute("data-similar-url") + "?" + asked, { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (html) {
        if (asked === query.toString()) {
          box.innerHTML = html;
        }
      })
      .catch(function () {});
  }
  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 600);
  }
  title.addEventListener("input", later);
  description.addEventListener("input", later);
})();
