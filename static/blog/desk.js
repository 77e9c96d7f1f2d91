// The live desk (issue 12): one entry's composer and stream in the admin.
// Posts, edits and deletes go to the desk's JSON endpoints (blog/desk.py) without
// a reload. Written for a conference hall's Wi-Fi: the draft lives in
// localStorage until the server has it, a post carries an id made here so a
// retry never posts twice, and every failure keeps the author's words on screen.
(function () {
  "use strict";

  var REQUEST_TIMEOUT = 15000; // ms before a stalled request counts as failed
  var UPLOAD_TIMEOUT = 300000; // ms: a 12 MP photo over a slow link takes a while
  var UNDO_MS = 5000; // ms a deletion waits for "Undo" before it is sent
  var MAX_POLL_BACKOFF = 60000;

  var root = document.getElementById("desk");
  if (!root || !window.fetch) return;

  var urls = JSON.parse(document.getElementById("desk-config").textContent);
  var entryId = root.dataset.entry;
  var pollMs = Number(root.dataset.pollMs) || 3000;
  var canChange = root.dataset.canChange === "true";
  var canDelete = root.dataset.canDelete === "true";
  var DRAFT_KEY = "liveblog:desk:draft:" + entryId;
  // An open editor's unsaved values, per update: "liveblog:desk:edit:<entry>:<update>".
  var EDIT_KEY = "liveblog:desk:edit:" + entryId + ":";

  var list = document.getElementById("desk-updates");
  var emptyNote = document.getElementById("desk-empty");
  var olderButton = document.getElementById("desk-older");
  var announcer = document.getElementById("desk-announcer");
  var streamState = document.getElementById("desk-stream-state");
  var liveState = document.getElementById("desk-live-state");
  var endedAt = document.getElementById("desk-ended-at");
  var coverageButton = document.getElementById("desk-coverage-button");
  var dialog = document.getElementById("desk-confirm");
  var offlineNote = document.getElementById("desk-offline");

  var FLAGS = ["key_event", "pinned"]; // set from the stream's buttons too, so never conflicting
  var records = {}; // update id -> {data, element, editor, pendingDelete}
  var cursor = null;
  var olderUrl = null;
  var pollTimer = null;
  var pollFailures = 0;
  var photoCount = 0;
  var composer;
  var entryEnded = false;
  var sessionEnded = false; // a request was refused with 401: resend when the author comes back
  var REWRITTEN_WHILE_POSTING =
    "Posted as it was when you pressed Post. Your changes since are kept here: apply them as an edit of that update, or post them as a new one.";
  var ENDED_NOTE = "Coverage has ended: readers' open pages no longer update. Resume live coverage to go live again.";

  // --- Requests ---------------------------------------------------------

  function csrfInput() {
    return document.querySelector("input[name=csrfmiddlewaretoken]");
  }

  function cookieToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : null;
  }

  function updateUrl(id) {
    return urls.update_template.replace(/0\.json$/, id + ".json");
  }

  // Resolves to {status, data} for every answer the server gives (data is {} when it is
  // not JSON); rejects on a network failure or a timeout, when the server may or may not
  // have acted. A 403 for a stale CSRF token (rotated by a login in another tab) is
  // retried once with the cookie's token.
  function request(method, url, body, retried) {
    var controller = new AbortController();
    var timer = setTimeout(function () {
      controller.abort();
    }, REQUEST_TIMEOUT);
    var headers = { Accept: "application/json", "X-CSRFToken": csrfInput().value };
    var options = { method: method, headers: headers, credentials: "same-origin", cache: "no-store", signal: controller.signal };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options)
      .then(readAnswer)
      .finally(function () {
        clearTimeout(timer);
      })
      .then(function (answer) {
        var fresh = cookieToken();
        if (answer.status === 403 && answer.data.csrf && !retried && fresh && fresh !== csrfInput().value) {
          csrfInput().value = fresh;
          return request(method, url, body, true);
        }
        return answer;
      });
  }

  function readAnswer(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("json") === -1) {
      // A login page reached through a redirect means the session has ended.
      return { status: response.ok ? 401 : response.status, data: {} };
    }
    return response.json().then(
      function (data) {
        return { status: response.status, data: data || {} };
      },
      function () {
        return { status: response.status, data: {} };
      }
    );
  }

  function isServerFailure(answer) {
    return answer.status >= 500 || answer.status === 0;
  }

  function announce(text) {
    // Emptied first, so the same message twice is announced twice.
    announcer.textContent = "";
    setTimeout(function () {
      announcer.textContent = text;
    }, 50);
  }

  function newDraftId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // randomUUID needs a secure context; getRandomValues does not (a desk on plain http).
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map
      .call(bytes, function (byte) {
        return (byte + 0x100).toString(16).slice(1);
      })
      .join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // --- Confirmation: one native <dialog> for deleting and for the coverage button ---

  function confirmAction(text, yes) {
    var opener = document.activeElement;
    document.getElementById("desk-confirm-text").textContent = text;
    dialog.querySelector(".desk-confirm-yes").textContent = yes;
    dialog.returnValue = "";
    dialog.showModal();
    dialog.querySelector(".desk-confirm-no").focus();
    return new Promise(function (resolve) {
      dialog.addEventListener(
        "close",
        function () {
          if (opener && opener.isConnected) opener.focus();
          resolve(dialog.returnValue === "yes");
        },
        { once: true }
      );
    });
  }

  // --- Forms: the composer and each in-place editor share one shape ---

  function cloneWithPrefix(templateId, placeholder, prefix) {
    var element = document.getElementById(templateId).content.firstElementChild.cloneNode(true);
    var nodes = [element].concat(Array.prototype.slice.call(element.querySelectorAll("*")));
    nodes.forEach(function (node) {
      ["id", "for", "aria-describedby", "aria-controls"].forEach(function (name) {
        var value = node.getAttribute(name);
        if (value && value.indexOf(placeholder) !== -1) node.setAttribute(name, value.split(placeholder).join(prefix));
      });
      if (node.dataset && node.dataset.prefix === placeholder) node.dataset.prefix = prefix;
    });
    return element;
  }

  function setUpForm(element, handlers) {
    var form = {
      element: element,
      fields: {
        content: element.elements.content,
        headline: element.elements.headline,
        key_event: element.elements.key_event,
        pinned: element.elements.pinned,
        correction: element.elements.correction,
      },
      photoList: element.querySelector(".desk-photo-list"),
      photos: [],
      status: element.querySelector(".desk-status"),
      preview: element.querySelector(".desk-preview"),
      busy: false,
      handlers: handlers,
    };
    element.addEventListener("submit", function (event) {
      event.preventDefault();
      handlers.submit(form);
    });
    element.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        handlers.submit(form);
      }
    });
    element.addEventListener("input", function (event) {
      if (event.target.getAttribute("aria-invalid")) clearError(event.target);
      refreshStatus(form);
      changed(form);
    });
    element.querySelector(".desk-preview-button").addEventListener("click", function () {
      showPreview(form);
    });
    element.querySelector(".desk-retry").addEventListener("click", function () {
      handlers.submit(form);
    });
    var fileInput = element.querySelector(".desk-file-input");
    fileInput.addEventListener("change", function () {
      addFiles(form, fileInput.files);
      fileInput.value = "";
    });
    element.addEventListener("dragover", function (event) {
      if (!hasFiles(event.dataTransfer)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      element.classList.add("is-dropping");
    });
    element.addEventListener("dragleave", function (event) {
      if (!element.contains(event.relatedTarget)) element.classList.remove("is-dropping");
    });
    element.addEventListener("drop", function (event) {
      element.classList.remove("is-dropping");
      if (!hasFiles(event.dataTransfer)) return;
      event.preventDefault();
      addFiles(form, event.dataTransfer.files);
    });
    element.addEventListener("paste", function (event) {
      var files = pastedImages(event.clipboardData);
      if (!files.length) return; // text pastes as usual
      event.preventDefault();
      addFiles(form, files);
    });
    return form;
  }

  function hasFiles(transfer) {
    return Boolean(transfer) && Array.prototype.indexOf.call(transfer.types, "Files") !== -1;
  }

  function pastedImages(clipboard) {
    if (!clipboard) return [];
    var files = Array.prototype.slice.call(clipboard.files || []);
    if (!files.length && clipboard.items) {
      Array.prototype.forEach.call(clipboard.items, function (item) {
        var file = item.kind === "file" && item.getAsFile();
        if (file) files.push(file);
      });
    }
    return files.filter(function (file) {
      return /^image\//.test(file.type);
    });
  }

  function changed(form) {
    if (form.handlers.change) form.handlers.change(form);
  }

  function values(form) {
    return {
      content: form.fields.content.value,
      headline: form.fields.headline.value,
      key_event: form.fields.key_event.checked,
      pinned: form.fields.pinned.checked,
      correction: form.fields.correction.value,
      photos: form.photos.map(photoValues),
    };
  }

  function fill(form, data) {
    form.fields.content.value = data.content || "";
    form.fields.headline.value = data.headline || "";
    form.fields.key_event.checked = Boolean(data.key_event);
    form.fields.pinned.checked = Boolean(data.pinned);
    form.fields.correction.value = data.correction || "";
    form.element.querySelector(".desk-more").open = Boolean(data.correction);
    form.photos.slice().forEach(function (photo) {
      removePhoto(form, photo, true);
    });
    (data.photos || []).forEach(function (saved) {
      var photo = addPhoto(form);
      photo.id = saved.id || null;
      photo.token = saved.token || null;
      photo.width = saved.width;
      photo.height = saved.height;
      photo.thumbUrl = saved.thumb || null;
      photo.fields.alt.value = saved.alt || "";
      photo.fields.caption.value = saved.caption || "";
      photo.fields.credit.value = saved.credit || "";
      showUploaded(photo);
    });
  }

  function payload(form) {
    var sent = values(form);
    sent.photos = sent.photos.map(function (photo) {
      var item = photo.id ? { id: photo.id } : { token: photo.token };
      item.alt = photo.alt;
      item.caption = photo.caption;
      item.credit = photo.credit;
      return item;
    });
    return sent;
  }

  function setStatus(form, text, options) {
    options = options || {};
    form.status.hidden = !text;
    form.status.className = "desk-status" + (options.kind ? " is-" + options.kind : "");
    form.status.dataset.sticky = options.sticky ? "true" : "";
    form.status.dataset.cause = options.cause || "";
    form.status.querySelector(".desk-status-text").textContent = text || "";
    var login = form.status.querySelector(".desk-login");
    login.hidden = !options.login;
    if (options.login) login.href = options.login;
    form.status.querySelector(".desk-retry").hidden = !options.retry;
    form.status.querySelector(".desk-use-mine").hidden = !options.conflict;
    form.status.querySelector(".desk-take-theirs").hidden = !options.conflict;
    var asNew = form.status.querySelector(".desk-post-as-new");
    if (asNew) asNew.hidden = !options.postAsNew;
    var applyEdit = form.status.querySelector(".desk-apply-edit");
    if (applyEdit) applyEdit.hidden = !options.applyEdit;
    if (text && !options.quiet) announce(text);
  }

  // --- Field errors: each message beside its field, as the server's "fields" map names it ---

  function clearErrors(form) {
    Array.prototype.forEach.call(form.element.querySelectorAll(".desk-error"), function (node) {
      node.textContent = "";
    });
    Array.prototype.forEach.call(form.element.querySelectorAll("[aria-invalid]"), function (node) {
      node.removeAttribute("aria-invalid");
    });
  }

  function clearError(control) {
    control.removeAttribute("aria-invalid");
    var id = (control.getAttribute("aria-describedby") || "").split(" ")[0];
    var message = id && document.getElementById(id);
    if (message && message.classList.contains("desk-error")) message.textContent = "";
  }

  // Returns the control to focus for a field name ("headline", "photos.0.alt"), after writing its message.
  function placeError(form, name, message) {
    var match = /^photos\.(\d+)(?:\.(\w+))?$/.exec(name);
    var slot;
    var control = null;
    if (match && form.photos[Number(match[1])]) {
      var photo = form.photos[Number(match[1])];
      var part = match[2] && photo.fields[match[2]] ? match[2] : "token";
      slot = photo.element.querySelector('[data-photo-error="' + part + '"]');
      control = photo.fields[part] || photo.element.querySelector(".desk-photo-remove");
    } else {
      slot = form.element.querySelector('[data-error-for="' + name + '"]');
      control = form.fields[name] || null;
      if (!slot) {
        slot = form.element.querySelector('[data-error-for="' + (match ? "photos" : "content") + '"]');
        control = match ? form.element.querySelector(".desk-file-input") : form.fields.content;
      }
    }
    slot.textContent = slot.textContent ? slot.textContent + " " + message : message;
    if (control && control.tagName !== "BUTTON") control.setAttribute("aria-invalid", "true");
    return control;
  }

  function showErrors(form, fields, message) {
    clearErrors(form);
    var controls = Object.keys(fields || {}).map(function (name) {
      return placeError(form, name, fields[name]);
    });
    var first = controls
      .filter(Boolean)
      .sort(function (a, b) {
        return a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
      })[0];
    setStatus(form, message || "Please correct the errors below.", { kind: "error", cause: "fields" });
    if (first) {
      var details = first.closest("details");
      if (details) details.open = true;
      first.focus();
    }
  }

  // The browser's own checks before anything is sent: the server makes them too.
  // Returns {fields, message}, the message naming the worst problem, or null.
  function browserErrors(form, what) {
    var fields = {};
    var message = null;
    form.photos.forEach(function (photo, index) {
      if (!photo.fields.alt.value.trim()) {
        fields["photos." + index + ".alt"] = "Describe the photo for readers who cannot see it.";
        message = message || what + ": every photo needs its description (alt text).";
      }
    });
    form.photos.forEach(function (photo, index) {
      if (photo.uploading) {
        fields["photos." + index] = "Still uploading: wait a moment.";
        message = "A photo is still uploading: wait a moment, then try again.";
      }
    });
    form.photos.forEach(function (photo, index) {
      if (!photo.uploading && !photo.id && !photo.token) {
        fields["photos." + index] = "This photo did not upload: upload it again or remove it.";
        message = "A photo did not upload: press Upload again.";
      }
    });
    return message ? { fields: fields, message: message } : null;
  }

  // A message about the form's fields goes once the author has fixed what it was about.
  function refreshStatus(form) {
    if (form.status.dataset.cause !== "fields" || form.status.hidden) return;
    var left = Array.prototype.some.call(form.element.querySelectorAll(".desk-error"), function (node) {
      return node.textContent.trim();
    });
    if (!left) setStatus(form, "");
  }

  // Back online: photos that failed for want of a connection go again by themselves.
  function retryUploads(form) {
    form.photos.forEach(function (photo) {
      if (photo.retryable && photo.file && !photo.uploading) upload(form, photo);
    });
  }

  // --- Photos: a thumbnail at once, an upload with progress, alt text, caption and credit ---

  function addPhoto(form) {
    photoCount += 1;
    var prefix = form.element.dataset.prefix + "-photo-" + photoCount;
    var element = cloneWithPrefix("desk-photo-template", "__photo__", prefix);
    var photo = {
      element: element,
      fields: {
        alt: element.querySelector('[data-name="alt"]'),
        caption: element.querySelector('[data-name="caption"]'),
        credit: element.querySelector('[data-name="credit"]'),
      },
      id: null,
      token: null,
      uploading: false,
      file: null,
      xhr: null,
      blobUrl: null,
    };
    element.querySelector(".desk-photo-remove").addEventListener("click", function () {
      removePhoto(form, photo);
      form.fields.content.focus();
      announce("Photo removed.");
    });
    element.querySelector(".desk-photo-retry").addEventListener("click", function () {
      upload(form, photo);
    });
    form.photos.push(photo);
    form.photoList.appendChild(element);
    return photo;
  }

  function photoValues(photo) {
    return {
      id: photo.id,
      token: photo.token,
      thumb: photo.thumbUrl || null,
      width: photo.width,
      height: photo.height,
      alt: photo.fields.alt.value,
      caption: photo.fields.caption.value,
      credit: photo.fields.credit.value,
    };
  }

  function removePhoto(form, photo, quietly) {
    if (photo.xhr) photo.xhr.abort();
    if (photo.blobUrl) URL.revokeObjectURL(photo.blobUrl);
    photo.element.remove();
    form.photos.splice(form.photos.indexOf(photo), 1);
    if (!quietly) {
      refreshStatus(form);
      changed(form);
    }
  }

  function addFiles(form, files) {
    var added = Array.prototype.filter.call(files, function (file) {
      return !file.type || /^image\//.test(file.type);
    });
    added.forEach(function (file) {
      var photo = addPhoto(form);
      photo.file = file;
      photo.blobUrl = URL.createObjectURL(file);
      photo.element.querySelector(".desk-photo-thumb").src = photo.blobUrl;
      upload(form, photo);
    });
    var refused = Array.prototype.filter.call(files, function (file) {
      return added.indexOf(file) === -1;
    });
    if (added.length) {
      // Straight to the first new photo's description: it is needed before posting.
      form.photos[form.photos.length - added.length].fields.alt.focus();
    }
    if (refused.length) {
      var names = refused.map(function (file) {
        return file.name || "That file";
      });
      var subject = names.length === 1 ? names[0] + " is not a photo" : names.slice(0, -1).join(", ") + " and " + names[names.length - 1] + " are not photos";
      setStatus(form, subject + ": JPEG, PNG, WebP, GIF or HEIC.", { kind: "error" });
    }
  }

  function photoState(photo, text, failed) {
    var state = photo.element.querySelector(".desk-photo-state");
    state.textContent = text;
    photo.element.classList.toggle("is-failed", Boolean(failed));
    photo.element.querySelector(".desk-photo-retry").hidden = !failed || !photo.file;
  }

  function showUploaded(photo) {
    photo.uploading = false;
    photo.element.querySelector(".desk-photo-progress").hidden = true;
    if (photo.thumbUrl) photo.element.querySelector(".desk-photo-thumb").src = photo.thumbUrl;
    photoState(photo, "", false);
  }

  // XMLHttpRequest, not fetch: only it reports upload progress.
  function upload(form, photo) {
    var xhr = new XMLHttpRequest();
    var progress = photo.element.querySelector(".desk-photo-progress");
    var body = new FormData();
    body.append("file", photo.file, photo.file.name || "pasted.png");
    photo.uploading = true;
    photo.retryable = false;
    photo.xhr = xhr;
    progress.hidden = false;
    progress.value = 0;
    photoState(photo, "Uploading…", false);
    photo.element.querySelector('[data-photo-error="token"]').textContent = "";
    xhr.open("POST", urls.photos);
    xhr.setRequestHeader("X-CSRFToken", csrfInput().value);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.timeout = UPLOAD_TIMEOUT;
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
    };
    xhr.onload = function () {
      photo.xhr = null;
      var data = {};
      try {
        data = JSON.parse(xhr.responseText) || {};
      } catch (error) {
        data = {};
      }
      if (xhr.status === 201 && data.token) {
        photo.token = data.token;
        photo.thumbUrl = data.thumb;
        photo.width = data.width;
        photo.height = data.height;
        showUploaded(photo);
        announce("Photo uploaded. Describe it before posting.");
        refreshStatus(form);
        changed(form);
        if (form === composer.form && composer.failed && !form.photos.some(isUploading)) post(form);
        return;
      }
      uploadFailed(form, photo, xhr.status, data);
    };
    xhr.onerror = xhr.ontimeout = function () {
      photo.xhr = null;
      uploadFailed(form, photo, 0, {});
    };
    xhr.send(body);
  }

  function isUploading(photo) {
    return photo.uploading;
  }

  function uploadFailed(form, photo, status, data) {
    photo.uploading = false;
    photo.retryable = status === 0 || status === 401 || status >= 500;
    if (status === 401) sessionEnded = true;
    photo.element.querySelector(".desk-photo-progress").hidden = true;
    if (status === 401) {
      setStatus(form, data.error || "Your session has ended.", { kind: "error", login: data.login || urls.login });
      photoState(photo, "Not uploaded.", true);
      return;
    }
    var message;
    if (status === 0 || status >= 500) message = "Upload failed: check the connection and upload it again.";
    else message = (data.fields && (data.fields.file || data.fields.photos)) || data.error || "This photo was refused.";
    photoState(photo, "Not uploaded.", true);
    photo.element.querySelector('[data-photo-error="token"]').textContent = message;
    announce(message);
  }

  // --- Preview: the server renders it, exactly as readers will see it ---

  function showPreview(form) {
    var body = payload(form);
    delete body.pinned;
    // An editor's preview names its update: the photos it already has are its own.
    if (form.record) body.update = form.record.data.id;
    request("POST", urls.preview, body).then(
      function (answer) {
        if (answer.status === 200) {
          clearErrors(form);
          form.preview.querySelector(".desk-preview-body").innerHTML = answer.data.html;
          form.preview.hidden = false;
          setStatus(form, "");
          announce("Preview shown below the form.");
        } else if (answer.status === 400) {
          showErrors(form, answer.data.fields, answer.data.error);
        } else {
          // No Retry here: the form's Retry posts or saves, and a preview is neither.
          failed(form, answer, "No preview", { retry: false });
        }
      },
      function () {
        setStatus(form, "No preview: no connection. Try again.", { kind: "error" });
      }
    );
  }

  // What every form shows for an answer that is neither success nor a field error.
  // A server failure is retried by the author (Retry), not when the connection returns:
  // the connection is fine. options.retry false: the form's Retry would not repeat this.
  function failed(form, answer, what, options) {
    var retry = !options || options.retry !== false;
    if (answer.status === 401) {
      sessionEnded = true;
      if (form.record) form.failed = true;
      setStatus(form, answer.data.error || "Your session has ended. Log in again, then press Retry.", {
        kind: "error",
        login: answer.data.login || urls.login,
        retry: true,
      });
    } else if (isServerFailure(answer)) {
      var next = retry ? " Your text is kept here: press Retry." : " Try again in a moment.";
      setStatus(form, what + " — the server had a problem." + next, { kind: "error", retry: retry });
    } else {
      setStatus(form, answer.data.error || what + " (error " + answer.status + ").", { kind: "error" });
    }
  }

  // --- The composer ---------------------------------------------------

  function loadDraft() {
    try {
      return JSON.parse(localStorage.getItem(DRAFT_KEY)) || null;
    } catch (error) {
      return null;
    }
  }

  function isEmpty(draft) {
    return !draft.content.trim() && !draft.headline.trim() && !draft.correction.trim() && !draft.photos.length;
  }

  function saveDraft() {
    var draft = values(composer.form);
    // Photos still uploading are not kept: a reload loses the file, not its words.
    draft.photos = draft.photos.filter(function (photo) {
      return photo.token;
    });
    draft.draft_id = composer.draftId;
    draft.failed = composer.failed;
    try {
      if (isEmpty(draft) && !composer.failed) localStorage.removeItem(DRAFT_KEY);
      else localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
    } catch (error) {
      // Private mode or a full storage: the composer still works, without the safety net.
    }
  }

  function clearDraft() {
    composer.draftId = null;
    composer.failed = false;
    try {
      localStorage.removeItem(DRAFT_KEY);
    } catch (error) {
      // Nothing kept, nothing to clear.
    }
  }

  // A post that got no answer goes again by itself once the connection is back (resend);
  // one the server failed waits for Retry: the connection is fine, and the author decides.
  function notSent(form, reason, serverFailed) {
    composer.failed = true;
    saveDraft();
    var next = serverFailed ? "It is kept here: press Retry to send it." : "It is kept here and goes when the connection is back.";
    setStatus(form, "Not sent — " + reason + ". " + next, { kind: "error", retry: true });
  }

  function post(form) {
    if (form.busy) return;
    var problems = browserErrors(form, "Not posted");
    if (problems) {
      showErrors(form, problems.fields, problems.message);
      return;
    }
    // The id is fixed before the first attempt: every retry of this draft carries it.
    if (!composer.draftId) composer.draftId = newDraftId();
    saveDraft();
    var body = payload(form);
    body.draft_id = composer.draftId;
    var sent = values(form);
    composer.posted = null;
    form.busy = true;
    form.element.classList.add("is-busy");
    setStatus(form, "Posting…", { quiet: true });
    request("POST", urls.create, body)
      .then(
        function (answer) {
          if (answer.status === 201 || answer.status === 200) {
            posted(form, answer.data, sent);
          } else if (answer.status === 400) {
            composer.failed = false;
            saveDraft();
            showErrors(form, answer.data.fields, answer.data.error);
          } else if (answer.status === 409 || answer.status === 410) {
            // This draft went out before, as it was then (409), or went out and was
            // deleted (410). What the box holds now is kept, as a new draft.
            if (answer.data.update) show(answer.data.update);
            composer.draftId = null;
            composer.failed = false;
            saveDraft();
            setStatus(form, answer.data.error, { kind: "warning" });
          } else if (isServerFailure(answer)) {
            notSent(form, "the server had a problem", true);
          } else {
            composer.failed = answer.status === 401;
            saveDraft();
            failed(form, answer, "Not sent");
          }
        },
        function () {
          notSent(form, navigator.onLine === false ? "you are offline" : "no answer from the server");
        }
      )
      .finally(function () {
        form.busy = false;
        form.element.classList.remove("is-busy");
      });
  }

  // What the author wrote while the post was on its way stays, and only that: the text
  // just posted is taken off the front of the box, so pressing Post again never
  // publishes it twice. Text the author changed meanwhile (a word fixed, not words
  // added) is kept whole, with the offer to apply it as an edit of what was posted.
  function posted(form, data, sent) {
    show(data.update);
    clearErrors(form);
    form.preview.hidden = true;
    var now = values(form);
    var rest = null;
    if (extendsSent(now, sent)) {
      rest = {
        content: now.content.slice(sent.content.length).replace(/^\s+/, ""),
        headline: now.headline === sent.headline ? "" : now.headline,
        key_event: now.key_event === sent.key_event ? false : now.key_event,
        pinned: now.pinned === sent.pinned ? false : now.pinned,
        correction: now.correction === sent.correction ? "" : now.correction,
        photos: now.photos.filter(function (photo) {
          return !sent.photos.some(function (gone) {
            return (gone.token && gone.token === photo.token) || (gone.id && gone.id === photo.id);
          });
        }),
      };
    }
    var message = "Posted.";
    if (rest && isEmpty(rest)) {
      fill(form, {});
      clearDraft();
    } else {
      if (!rest) {
        composer.posted = { id: data.update.id, revision: data.update.revision, sent: sent.photos, photos: data.update.photos };
      } else {
        // Set field by field, not refilled: a photo added meanwhile may still be uploading.
        var content = form.fields.content;
        var typing = document.activeElement === content;
        form.fields.headline.value = rest.headline;
        form.fields.key_event.checked = rest.key_event;
        form.fields.pinned.checked = rest.pinned;
        form.fields.correction.value = rest.correction;
        form.photos.slice().forEach(function (photo) {
          var wasSent = sent.photos.some(function (gone) {
            return (gone.token && gone.token === photo.token) || (gone.id && gone.id === photo.id);
          });
          if (wasSent) removePhoto(form, photo, true);
        });
        content.value = rest.content;
        if (typing) content.setSelectionRange(content.value.length, content.value.length);
      }
      // Typed on while it was sending: that text is a new draft.
      composer.draftId = null;
      composer.failed = false;
      saveDraft();
      message = rest ? "Posted. What you typed since is kept here." : REWRITTEN_WHILE_POSTING;
    }
    if (entryEnded) message += " " + ENDED_NOTE;
    // Kept until the next post when it explains the box: not cleared by the keystrokes that made it true.
    setStatus(form, message, {
      kind: rest ? "success" : "warning",
      sticky: message !== "Posted.",
      applyEdit: !rest,
    });
    // Ready for the next update, unless the author has moved on to another part of the desk meanwhile.
    var focused = document.activeElement;
    if (!focused || focused === document.body || form.element.contains(focused)) form.fields.content.focus();
  }

  // Words added after what was sent, and nothing that was sent changed: a headline or
  // correction typed into an empty field belongs to the next update.
  function extendsSent(now, sent) {
    return (
      now.content.indexOf(sent.content) === 0 &&
      (!sent.headline || now.headline === sent.headline) &&
      (!sent.correction || now.correction === sent.correction)
    );
  }

  function sentIndex(sentPhotos, photo) {
    for (var index = 0; index < sentPhotos.length; index += 1) {
      var gone = sentPhotos[index];
      if ((gone.token && gone.token === photo.token) || (gone.id && gone.id === photo.id)) return index;
    }
    return -1;
  }

  // "Apply as an edit": the composer's words go into the editor of the update just posted,
  // written against the revision that post made, and the composer is free for the next one.
  function applyAsEdit() {
    var form = composer.form;
    var posted = composer.posted;
    var record = posted && records[posted.id];
    if (!record || record.gone || record.pendingDelete) {
      composer.posted = null;
      setStatus(form, "The update you posted is gone: press Post to post your text as a new one.", {
        kind: "warning",
        sticky: true,
      });
      return;
    }
    if (form.photos.some(isUploading)) {
      setStatus(form, "A photo is still uploading: wait a moment, then apply your changes.", {
        kind: "warning",
        sticky: true,
        applyEdit: true,
      });
      return;
    }
    if (record.editor && editChanged(record.editor)) {
      setStatus(form, "That update is open in its editor with other changes: save or cancel them first.", {
        kind: "warning",
        sticky: true,
        applyEdit: true,
      });
      record.editor.fields.content.focus();
      return;
    }
    closeEditor(record);
    var edit = values(form);
    // The photos that went with the post are the update's own now: named by their ids.
    edit.photos = edit.photos.map(function (photo) {
      var made = posted.photos[sentIndex(posted.sent, photo)];
      return made ? Object.assign({}, photo, { id: made.id, token: null, thumb: made.thumb }) : photo;
    });
    edit.revision = posted.revision;
    composer.posted = null;
    fill(form, {});
    clearDraft();
    setStatus(form, "", {});
    openEditor(record, edit);
    setStatus(record.editor, "Your changes to the update you posted: press Save to apply them.", {});
    var content = record.editor.fields.content;
    content.focus();
    content.setSelectionRange(content.value.length, content.value.length);
  }

  function setUpComposer() {
    var element = document.querySelector('.desk-composer .desk-form[data-prefix="composer"]');
    composer = { draftId: null, failed: false, posted: null };
    composer.form = setUpForm(element, {
      submit: post,
      change: function (form) {
        saveDraft();
        // "Posted." belongs to the update just sent, not to the next one being written.
        if (form.status.classList.contains("is-success") && !form.status.dataset.sticky) setStatus(form, "");
      },
    });
    element.querySelector(".desk-apply-edit").addEventListener("click", applyAsEdit);
    var draft = loadDraft();
    if (draft) {
      composer.draftId = draft.draft_id || null;
      composer.failed = Boolean(draft.failed);
      fill(composer.form, draft);
      if (composer.failed) {
        // Online, it waits for Retry; offline, it goes when the connection is back (resend).
        var waiting =
          navigator.onLine === false
            ? "Not sent before the page was reloaded. It is kept here and goes when the connection is back."
            : "Not sent before the page was reloaded — press Retry to send it.";
        setStatus(composer.form, waiting, { kind: "error", retry: true });
      }
    }
    var content = composer.form.fields.content;
    content.focus();
    content.setSelectionRange(content.value.length, content.value.length);
  }

  // --- The stream -----------------------------------------------------

  function sortKey(data) {
    return [Date.parse(data.created), data.id];
  }

  function isNewer(a, b) {
    return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
  }

  // Newest first; a new update almost always belongs at the top, so this stops early.
  function place(record) {
    var key = sortKey(record.data);
    var node = list.firstElementChild;
    while (node) {
      var other = records[node.dataset.id];
      if (node !== record.element && other && !isNewer(sortKey(other.data), key)) break;
      node = node.nextElementSibling;
    }
    if (record.element.nextElementSibling !== node || record.element.parentNode !== list) {
      // A pending deletion's "Undo" line stays right above its update.
      var placeholder = record.pendingDelete && record.pendingDelete.element;
      list.insertBefore(record.element, node);
      if (placeholder) list.insertBefore(placeholder, record.element);
    }
  }

  function toggle(node, on) {
    node.hidden = !on;
  }

  function render(record) {
    var data = record.data;
    var element = record.element;
    element.classList.toggle("is-key-event", data.key_event);
    element.classList.toggle("is-pinned", data.pinned);
    var link = element.querySelector(".desk-update-time");
    link.href = data.url;
    var time = link.querySelector("time");
    time.setAttribute("datetime", data.created);
    time.title = data.time_title;
    time.textContent = data.time_label;
    // What readers see after a late edit, so the author sees it too.
    var edited = element.querySelector(".desk-update-edited");
    var editedTime = edited.querySelector("time");
    editedTime.setAttribute("datetime", data.edited || "");
    editedTime.title = data.edited_title || "";
    editedTime.textContent = data.edited_label || "";
    toggle(edited, Boolean(data.edited_label));
    toggle(element.querySelector(".desk-tag-key-event"), data.key_event);
    toggle(element.querySelector(".desk-tag-pinned"), data.pinned);
    var author = element.querySelector(".desk-update-author");
    author.textContent = data.author ? "By " + data.author : "";
    toggle(author, Boolean(data.author));
    var headline = element.querySelector(".desk-update-headline");
    headline.textContent = data.headline;
    toggle(headline, Boolean(data.headline));
    // Sanitized by the server (blog/rendering.py): the same HTML readers get.
    element.querySelector(".desk-update-body").innerHTML = data.html;
    var correction = element.querySelector(".desk-update-correction");
    correction.textContent = data.correction;
    toggle(correction, Boolean(data.correction));
    var pin = element.querySelector(".desk-pin");
    pin.textContent = data.pinned ? "Unpin" : "Pin";
    var key = element.querySelector(".desk-key");
    key.textContent = data.key_event ? "Not a key event" : "Mark key event";
    toggle(element.querySelector(".desk-edit"), canChange);
    toggle(pin, canChange);
    toggle(key, canChange);
    toggle(element.querySelector(".desk-delete"), canDelete);
    var label = data.headline || data.time_label;
    ["edit", "pin", "key", "delete"].forEach(function (name) {
      var button = element.querySelector(".desk-" + name);
      button.setAttribute("aria-describedby", element.id + "-label");
    });
    element.querySelector(".desk-update-label").textContent = "(" + label + ")";
  }

  function makeRecord(data) {
    var element = document.getElementById("desk-update-template").content.firstElementChild.cloneNode(true);
    var record = { data: data, element: element, editor: null, pendingDelete: null };
    element.id = "desk-update-" + data.id;
    element.dataset.id = data.id;
    var label = document.createElement("span");
    label.className = "desk-update-label desk-visually-hidden";
    label.id = element.id + "-label";
    element.querySelector(".desk-update-actions").appendChild(label);
    element.querySelector(".desk-edit").addEventListener("click", function () {
      openEditor(record);
    });
    element.querySelector(".desk-pin").addEventListener("click", function () {
      toggleFlag(record, "pinned");
    });
    element.querySelector(".desk-key").addEventListener("click", function () {
      toggleFlag(record, "key_event");
    });
    element.querySelector(".desk-delete").addEventListener("click", function () {
      askToDelete(record);
    });
    records[data.id] = record;
    return record;
  }

  // Shows an update the server sent: new, or a newer version of one on the desk.
  function show(data) {
    var record = records[data.id];
    if (record && record.data.version > data.version) return;
    if (!record) {
      record = makeRecord(data);
    } else if (record.editor) {
      // Never under the author's hands: the editor learns of it, and a save will ask.
      var rewritten = data.revision !== record.data.revision;
      record.data = data;
      followFlags(record.editor, data);
      if (rewritten) {
        setStatus(record.editor, "Changed by someone else while you edit: saving will ask whose text to keep.", {
          kind: "warning",
        });
      }
      if (data.pinned) unpinOthers(data.id);
      return;
    }
    record.data = data;
    render(record);
    place(record);
    emptyNote.hidden = true;
    if (data.pinned) unpinOthers(data.id);
  }

  // An entry has one pinned update: pinning one unpins the rest (the server did so too).
  function unpinOthers(id) {
    Object.keys(records).forEach(function (other) {
      var record = records[other];
      if (Number(other) !== id && record.data.pinned) {
        record.data = Object.assign({}, record.data, { pinned: false });
        if (record.editor) followFlags(record.editor, record.data);
        else render(record);
      }
    });
  }

  // A toggle a co-author changed under an open editor: its box follows unless this author
  // changed it, and the editor's starting point moves with it, so a save does not undo it.
  function followFlags(form, data) {
    var moved = {};
    FLAGS.forEach(function (flag) {
      if (form.fields[flag].checked === Boolean(form.original[flag])) form.fields[flag].checked = Boolean(data[flag]);
      moved[flag] = Boolean(data[flag]);
    });
    form.original = Object.assign({}, form.original, moved);
  }

  function forget(id) {
    var record = records[id];
    if (!record) return;
    if (record.editor) {
      editorLost(record);
      return;
    }
    if (record.pendingDelete) {
      clearTimeout(record.pendingDelete.timer);
      record.pendingDelete.element.remove();
    }
    record.element.remove();
    delete records[id];
    emptyNote.hidden = list.children.length > 0;
  }

  function toggleFlag(record, name) {
    var error = record.element.querySelector(".desk-update-error");
    var body = {};
    body[name] = !record.data[name];
    error.textContent = "";
    request("POST", updateUrl(record.data.id), body).then(
      function (answer) {
        if (answer.status === 200) {
          show(answer.data.update);
          var button = record.element.querySelector(name === "pinned" ? ".desk-pin" : ".desk-key");
          button.focus();
          announce(
            name === "pinned"
              ? answer.data.update.pinned
                ? "Pinned."
                : "Unpinned."
              : answer.data.update.key_event
                ? "Marked as a key event."
                : "No longer a key event."
          );
        } else {
          var fields = answer.data.fields || {};
          error.textContent =
            fields[name] || answer.data.error || (isServerFailure(answer) ? "The server had a problem: try again." : "Refused.");
          announce(error.textContent);
        }
      },
      function () {
        error.textContent = "No connection: try again.";
        announce(error.textContent);
      }
    );
  }

  // --- Deleting, undoable for a few seconds before the request is sent ---

  function askToDelete(record) {
    confirmAction("Delete this update? Readers stop seeing it at their next refresh.", "Delete").then(function (yes) {
      if (yes) deleteLater(record);
    });
  }

  function deleteLater(record) {
    var placeholder = document.getElementById("desk-deleted-template").content.firstElementChild.cloneNode(true);
    var pending = { element: placeholder, timer: null };
    record.pendingDelete = pending;
    record.element.hidden = true;
    list.insertBefore(placeholder, record.element);
    var undo = placeholder.querySelector(".desk-undo-delete");
    undo.setAttribute("aria-label", "Undo deleting " + (record.data.headline || "the update of " + record.data.time_label));
    undo.addEventListener("click", function () {
      clearTimeout(pending.timer);
      placeholder.remove();
      record.pendingDelete = null;
      record.element.hidden = false;
      record.element.querySelector(".desk-delete").focus();
      announce("Not deleted.");
    });
    pending.timer = setTimeout(function () {
      sendDelete(record);
    }, UNDO_MS);
    undo.focus();
    announce("Deleted. Undo within " + UNDO_MS / 1000 + " seconds.");
  }

  // A deletion the author confirmed still goes if the tab closes before the undo
  // time is up; keepalive lets the request outlive the page.
  function sendPendingDeletes() {
    Object.keys(records).forEach(function (id) {
      var pending = records[id].pendingDelete;
      if (!pending || !pending.timer) return;
      clearTimeout(pending.timer);
      pending.timer = null;
      fetch(updateUrl(id), {
        method: "DELETE",
        headers: { Accept: "application/json", "X-CSRFToken": csrfInput().value },
        credentials: "same-origin",
        keepalive: true,
      });
    });
  }

  // Where the focus goes when the Undo button it was on goes: the next update's Edit, or the composer.
  function focusAfterDeleting(record) {
    var node = record.element.nextElementSibling;
    while (node) {
      var next = records[node.dataset.id];
      var edit = next && !next.pendingDelete && node.querySelector(".desk-edit");
      if (edit && !edit.hidden && !next.editor) {
        edit.focus();
        return;
      }
      node = node.nextElementSibling;
    }
    composer.form.fields.content.focus();
  }

  function sendDelete(record) {
    var placeholder = record.pendingDelete.element;
    if (placeholder.contains(document.activeElement)) focusAfterDeleting(record);
    placeholder.querySelector(".desk-undo-delete").hidden = true;
    placeholder.querySelector(".desk-deleted-text").textContent = "Deleting…";
    request("DELETE", updateUrl(record.data.id)).then(
      function (answer) {
        if (answer.status === 200 || answer.status === 404) {
          record.pendingDelete = null;
          placeholder.remove();
          forget(record.data.id);
          announce("Deleted.");
        } else {
          deleteFailed(record, answer.data.error || "The server had a problem.");
        }
      },
      function () {
        deleteFailed(record, "No connection.");
      }
    );
  }

  function deleteFailed(record, reason) {
    record.pendingDelete.element.remove();
    record.pendingDelete = null;
    record.element.hidden = false;
    var error = record.element.querySelector(".desk-update-error");
    error.textContent = "Not deleted: " + reason;
    announce(error.textContent);
  }

  // --- Editing in place -------------------------------------------------

  // What an editor holds, in the shape an update has, to tell an untouched editor from a changed one.
  function comparable(data) {
    return JSON.stringify({
      content: data.content || "",
      headline: data.headline || "",
      key_event: Boolean(data.key_event),
      pinned: Boolean(data.pinned),
      correction: data.correction || "",
      photos: (data.photos || []).map(function (photo) {
        return [photo.id || null, photo.token || null, photo.alt || "", photo.caption || "", photo.credit || ""];
      }),
    });
  }

  function editChanged(form) {
    return comparable(values(form)) !== comparable(form.original);
  }

  // An edit in progress is kept like the composer's draft, with the revision it started
  // from, so a reload reopens it and a save still knows what it was written against.
  function keepEdit(form) {
    var key = EDIT_KEY + form.record.data.id;
    try {
      if (!editChanged(form)) {
        localStorage.removeItem(key);
        return;
      }
      var kept = values(form);
      kept.photos = kept.photos.filter(function (photo) {
        return photo.id || photo.token;
      });
      kept.revision = form.revision;
      localStorage.setItem(key, JSON.stringify(kept));
    } catch (error) {
      // Private mode or a full storage: editing still works, without the safety net.
    }
  }

  function dropEdit(id) {
    try {
      localStorage.removeItem(EDIT_KEY + id);
    } catch (error) {
      // Nothing kept, nothing to clear.
    }
  }

  function restoreEdits() {
    var keys = [];
    try {
      for (var index = 0; index < localStorage.length; index += 1) {
        var key = localStorage.key(index);
        if (key && key.indexOf(EDIT_KEY) === 0) keys.push(key);
      }
    } catch (error) {
      return;
    }
    keys.forEach(function (key) {
      var record = records[key.slice(EDIT_KEY.length)];
      var kept;
      try {
        kept = JSON.parse(localStorage.getItem(key));
      } catch (error) {
        kept = null;
      }
      // An update not on the desk yet (older, or deleted) keeps its edit for a later load.
      if (!record || record.editor || !kept) return;
      openEditor(record, kept, true);
    });
  }

  // kept: what the editor starts with instead of the update, with the revision it was
  // written against; restored: it is an unsaved edit back after a reload, and the
  // composer keeps the focus.
  function openEditor(record, kept, restored) {
    if (record.editor) return;
    var element = cloneWithPrefix("desk-form-template", "__prefix__", "edit-" + record.data.id);
    var form = setUpForm(element, { submit: saveEdit, change: keepEdit });
    form.record = record;
    form.original = record.data;
    // The revision of its text this edit starts from: another edit saved meanwhile is a conflict.
    form.revision = kept ? kept.revision : record.data.revision;
    record.editor = form;
    fill(form, kept || record.data);
    if (kept) keepEdit(form);
    element.querySelector(".desk-cancel").addEventListener("click", function () {
      cancelEdit(record);
    });
    element.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      event.preventDefault();
      cancelEdit(record);
    });
    element.querySelector(".desk-use-mine").addEventListener("click", function () {
      // The author has seen what changed and keeps their own text over it.
      form.revision = record.data.revision;
      keepEdit(form);
      saveEdit(form);
    });
    element.querySelector(".desk-post-as-new").addEventListener("click", function () {
      postAsNew(form);
    });
    element.querySelector(".desk-take-theirs").addEventListener("click", function () {
      closeEditor(record);
      focusAfterEditor(record);
      announce("Kept the other version.");
    });
    record.element.querySelector(".desk-update-view").hidden = true;
    record.element.querySelector(".desk-update-editor").appendChild(element);
    record.element.classList.add("is-editing");
    if (restored) {
      setStatus(form, "Restored your unsaved edit.", { kind: "warning", quiet: true });
      announce("Restored your unsaved edit of " + (record.data.headline || "the update of " + record.data.time_label) + ".");
    } else {
      form.fields.content.focus();
    }
  }

  function focusAfterEditor(record) {
    if (record.element.isConnected) record.element.querySelector(".desk-edit").focus();
    else composer.form.fields.content.focus();
  }

  // Cancel and Escape: closed at once when nothing changed, after a question when something did.
  function cancelEdit(record) {
    var form = record.editor;
    if (!form) return;
    if (!editChanged(form)) {
      closeEditor(record);
      focusAfterEditor(record);
      return;
    }
    confirmAction("Discard your changes?", "Discard").then(function (yes) {
      if (!yes || record.editor !== form) return;
      closeEditor(record);
      focusAfterEditor(record);
      announce("Changes discarded.");
    });
  }

  function closeEditor(record) {
    var form = record.editor;
    if (!form) return;
    form.photos.slice().forEach(function (photo) {
      if (photo.xhr) photo.xhr.abort();
    });
    form.element.remove();
    record.editor = null;
    dropEdit(record.data.id);
    record.element.classList.remove("is-editing");
    record.element.querySelector(".desk-update-view").hidden = false;
    if (record.gone) {
      forget(record.data.id);
      return;
    }
    render(record);
    place(record);
  }

  // The update under an editor was deleted by a co-author: its text can only go as a new update.
  function editorLost(record) {
    var form = record.editor;
    record.gone = true;
    form.element.querySelector(".desk-submit").disabled = true;
    setStatus(form, "Deleted by someone else while you edited it. Your text is kept here.", {
      kind: "warning",
      postAsNew: true,
    });
  }

  function postAsNew(form) {
    if (form.busy) return;
    var record = form.record;
    var problems = browserErrors(form, "Not posted");
    if (problems) {
      showErrors(form, problems.fields, problems.message);
      return;
    }
    // A new draft of its own: posting it twice is as safe as from the composer.
    if (!form.draftId) form.draftId = newDraftId();
    var body = payload(form);
    body.draft_id = form.draftId;
    form.busy = true;
    setStatus(form, "Posting…", { quiet: true });
    request("POST", urls.create, body)
      .then(
        function (answer) {
          if (answer.status === 201 || answer.status === 200) {
            closeEditor(record);
            show(answer.data.update);
            var made = records[answer.data.update.id];
            if (made) made.element.querySelector(".desk-edit").focus();
            announce("Posted as a new update.");
          } else if (answer.status === 400) {
            showErrors(form, answer.data.fields, answer.data.error);
          } else {
            failed(form, answer, "Not posted");
          }
        },
        function () {
          setStatus(form, "Not posted — no answer from the server. Your text is kept here.", {
            kind: "error",
            postAsNew: true,
          });
        }
      )
      .finally(function () {
        form.busy = false;
      });
  }

  function saveEdit(form) {
    if (form.busy) return;
    var record = form.record;
    if (record.gone) {
      // Save is disabled: "Post as a new update" is the way, and Retry (or a resend) repeats that choice.
      if (form.draftId) postAsNew(form);
      return;
    }

    var problems = browserErrors(form, "Not saved");
    if (problems) {
      showErrors(form, problems.fields, problems.message);
      return;
    }
    var body = payload(form);
    body.revision = form.revision;
    // The toggles go only when this author changed them: a co-author may have pinned
    // another update, or marked this one, since the editor opened.
    FLAGS.forEach(function (flag) {
      if (body[flag] === Boolean(form.original[flag])) delete body[flag];
    });
    form.busy = true;
    setStatus(form, "Saving…", { quiet: true });
    request("POST", updateUrl(record.data.id), body)
      .then(
        function (answer) {
          if (answer.status === 200) {
            record.data = answer.data.update;
            closeEditor(record);
            if (record.data.pinned) unpinOthers(record.data.id);
            record.element.querySelector(".desk-edit").focus();
            announce("Saved.");
          } else if (answer.status === 409) {
            if (answer.data.update) record.data = answer.data.update;
            clearErrors(form);
            setStatus(form, answer.data.error || "Changed by someone else since you opened it: your text is kept here.", {
              kind: "warning",
              conflict: true,
            });
            // Below the buttons it could be out of view: the author is taken to it, choices and all.
            form.status.focus();
            form.status.scrollIntoView({ block: "nearest" });
          } else if (answer.status === 400) {
            showErrors(form, answer.data.fields, answer.data.error);
          } else if (answer.status === 404) {
            editorLost(record);
          } else {
            failed(form, answer, "Not saved");
          }
        },
        function () {
          form.failed = true;
          setStatus(form, "Not saved — no answer from the server. Your text is kept here.", { kind: "error", retry: true });
        }
      )
      .finally(function () {
        form.busy = false;
      });
  }

  // --- Loading and polling ----------------------------------------------

  function setEntry(entry) {
    if (!entry) return;
    entryEnded = !entry.is_live;
    // A short badge; when it ended is a line of ordinary text beside it.
    liveState.textContent = entry.is_live ? "Live" : "Ended";
    endedAt.textContent = !entry.is_live && entry.ended_label ? "at " + entry.ended_label : "";
    endedAt.hidden = !endedAt.textContent;
    liveState.classList.toggle("is-ended", !entry.is_live);
    if (coverageButton) {
      coverageButton.dataset.ended = String(!entry.is_live);
      coverageButton.textContent = entry.is_live ? "End live coverage" : "Resume live coverage";
    }
  }

  function streamUrl(params) {
    var url = new URL(urls.stream, window.location.href);
    Object.keys(params).forEach(function (name) {
      url.searchParams.set(name, params[name]);
    });
    return url.toString();
  }

  function loadStream() {
    streamState.textContent = "Loading…";
    request("GET", urls.stream).then(
      function (answer) {
        if (answer.status !== 200) return streamTrouble(answer, loadStream);
        streamState.textContent = "";
        setEntry(answer.data.entry);
        answer.data.updates.forEach(show);
        restoreEdits();
        cursor = answer.data.cursor;
        setOlder(answer.data.older);
        emptyNote.hidden = list.children.length > 0;
        schedulePoll();
      },
      function () {
        streamTrouble({ status: 0, data: {} }, loadStream);
      }
    );
  }

  function streamTrouble(answer, again) {
    pollFailures += 1;
    if (answer.status === 401) sessionEnded = true;
    streamState.textContent =
      answer.status === 401 ? "— session ended: log in again to see new updates" : "— connection lost, trying again";
    clearTimeout(pollTimer);
    pollTimer = setTimeout(again, Math.min(pollMs * Math.pow(2, pollFailures), MAX_POLL_BACKOFF));
  }

  function schedulePoll() {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(poll, pollMs);
  }

  // A co-author's new, edited and deleted updates, without a reload.
  function poll() {
    request("GET", streamUrl({ since: cursor })).then(
      function (answer) {
        if (answer.status !== 200) return streamTrouble(answer, poll);
        pollFailures = 0;
        streamState.textContent = "";
        setEntry(answer.data.entry);
        answer.data.updates.forEach(show);
        (answer.data.deleted || []).forEach(forget);
        cursor = answer.data.cursor;
        schedulePoll();
      },
      function () {
        streamTrouble({ status: 0, data: {} }, poll);
      }
    );
  }

  function setOlder(url) {
    olderUrl = url || null;
    olderButton.hidden = !olderUrl;
  }

  function loadOlder() {
    olderButton.disabled = true;
    request("GET", olderUrl)
      .then(
        function (answer) {
          if (answer.status !== 200) {
            announce("Older updates did not load: try again.");
            return;
          }
          answer.data.updates.forEach(show);
          restoreEdits();
          setOlder(answer.data.older);
          announce(answer.data.updates.length + " older updates shown.");
        },
        function () {
          announce("Older updates did not load: no connection.");
        }
      )
      .finally(function () {
        olderButton.disabled = false;
      });
  }

  // --- End and resume live coverage ------------------------------------

  function toggleCoverage() {
    var ending = coverageButton.dataset.ended !== "true";
    var question = ending
      ? "End live coverage? Readers' pages stop updating and say the coverage has ended."
      : "Resume live coverage? The entry becomes live again.";
    confirmAction(question, ending ? "End live coverage" : "Resume live coverage").then(function (yes) {
      if (!yes) return;
      request("POST", urls.coverage, { ended: ending }).then(
        function (answer) {
          if (answer.status === 200) {
            setEntry(answer.data.entry);
            announce(ending ? "Live coverage ended." : "Live coverage resumed.");
          } else {
            announce(answer.data.error || "Refused.");
          }
        },
        function () {
          announce("No connection: coverage unchanged. Try again.");
        }
      );
    });
  }

  // --- Start ------------------------------------------------------------

  setUpComposer();
  olderButton.addEventListener("click", loadOlder);
  if (coverageButton) coverageButton.addEventListener("click", toggleCoverage);
  // Back online, or back from logging in again: what was waiting goes.
  function resend() {
    retryUploads(composer.form);
    // A post waiting on a photo goes once the photo is up (see upload).
    if (composer.failed && !composer.form.photos.some(isUploading)) post(composer.form);
    Object.keys(records).forEach(function (id) {
      var editor = records[id].editor;
      if (editor) retryUploads(editor);
      if (editor && editor.failed) {
        editor.failed = false;
        saveEdit(editor);
      }
    });
    if (cursor === null) loadStream();
    else schedulePoll();
  }

  // Offline is said at the top, where the author looks before posting, not only after a post fails.
  function showConnection() {
    offlineNote.textContent = navigator.onLine === false ? "Offline — posts wait and go when you are back online." : "";
  }

  // "Log in again" opens another tab; the author coming back to this one is the sign to try again.
  function backFromLogin() {
    if (!sessionEnded || document.visibilityState === "hidden") return;
    sessionEnded = false;
    resend();
  }

  window.addEventListener("online", showConnection);
  window.addEventListener("offline", showConnection);
  window.addEventListener("online", resend);
  showConnection();
  document.addEventListener("visibilitychange", backFromLogin);
  window.addEventListener("focus", backFromLogin);
  window.addEventListener("pagehide", sendPendingDeletes);
  loadStream();
})();
