"use strict";
// The stock "Add live update" form, opened for an entry (?entry=, from the entry
// list). Django's change_form.js, loaded async, focuses an add form's first field
// whenever it happens to run: here the Entry select, already chosen, which select2
// then hands to its own box. An author's first keystrokes went nowhere. The text
// takes the focus it asked for once the page is parsed, and again right after
// change_form.js has run if that comes later (its load event follows its run at once).
(function () {
  function focusText() {
    var entry = document.getElementById("id_entry");
    var text = document.querySelector("#liveupdate_form textarea[autofocus]");
    var active = document.activeElement;
    var untouched = active === document.body || active === entry || active.closest(".select2");
    if (entry && entry.value && text && untouched) {
      text.focus();
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var changeForm = document.getElementById("django-admin-form-add-constants");
    if (changeForm) {
      changeForm.addEventListener("load", focusText);
    }
    focusText();
  });
})();
