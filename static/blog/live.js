// Keeps an entry page up to date by polling its JSON feed (docs/api.md).
// New updates are inserted without touching the rest of the page, so a
// reader's text selection and scroll position survive.
(function () {
  "use strict";

  var HIDDEN_INTERVAL = 60; // seconds between polls while the tab is hidden
  var MAX_BACKOFF = 120; // seconds, after repeated network or server errors
  var REQUEST_TIMEOUT = 20; // seconds before a stalled request (flaky Wi-Fi) counts as failed
  var ORDER_KEY = "liveblog:order";

  var container = document.getElementById("live-updates");
  if (!container || !window.fetch) return;

  var feedUrl = container.dataset.feedUrl;
  var cursor = container.dataset.cursor;
  var interval = Number(container.dataset.pollInterval) || null;
  var template = document.getElementById("update-template");
  var toggle = document.getElementById("order-toggle");
  var statusLine = document.getElementById("live-connection");
  var announcer = document.getElementById("live-announcer");
  var emptyNote = document.querySelector(".no-updates");
  var baseTitle = document.title;
  var newestFirst = false;
  var unseen = 0;
  var failures = 0;
  var retryAfter = 0; // seconds the server asked us to wait (Retry-After), after an error
  var timer = null;
  var ended = false;
  var inFlight = false;

  function sortKey(element) {
    var time = element.querySelector("time");
    return [Date.parse(time.getAttribute("datetime")), Number(element.id.slice(7))];
  }

  function isNewer(a, b) {
    return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
  }

  // Scans from the newest end, where a new update almost always belongs, so
  // placing one costs a step or two even on a page of thousands.
  function place(element) {
    var key = sortKey(element);
    var step = newestFirst ? "nextElementSibling" : "previousElementSibling";
    var older = newestFirst ? container.firstElementChild : container.lastElementChild;
    while (older && (older === element || isNewer(sortKey(older), key))) older = older[step];
    var next = newestFirst ? older : older ? older.nextElementSibling : container.firstElementChild;
    var inPlace = element.parentNode === container && (next === element || element.nextElementSibling === next);
    if (!inPlace) container.insertBefore(element, next);
  }

  function fill(element, update) {
    var link = element.querySelector(".update-time");
    var time = element.querySelector("time");
    element.id = "update-" + update.id;
    link.setAttribute("href", "#update-" + update.id);
    time.setAttribute("datetime", update.created);
    time.textContent = update.time;
    element.querySelector(".update-body").innerHTML = update.html; // sanitized on save
  }

  function highlight(element) {
    element.classList.add("is-new");
    setTimeout(function () {
      element.classList.add("is-settled");
    }, 4000);
  }

  function apply(updates) {
    var added = 0;
    updates.forEach(function (update) {
      var existing = document.getElementById("update-" + update.id);
      if (update.deleted) {
        if (existing) existing.remove();
        return;
      }
      if (existing) {
        fill(existing, update);
        place(existing);
        return;
      }
      var element = template.content.firstElementChild.cloneNode(true);
      fill(element, update);
      place(element);
      highlight(element);
      added += 1;
    });
    if (emptyNote) emptyNote.hidden = container.children.length > 0;
    return added;
  }

  function announce(added) {
    if (!added) return;
    var message = added === 1 ? "1 new update" : added + " new updates";
    // Screen readers skip a live region set to the text it already has; a
    // trailing no-break space makes "1 new update" twice in a row heard twice.
    if (announcer.textContent === message) message += "\u00a0";
    announcer.textContent = message;
    if (document.hidden) {
      unseen += added;
      document.title = "(" + unseen + ") " + baseTitle;
    }
  }

  function setStatus(text) {
    statusLine.textContent = text;
  }

  function finish(text) {
    ended = true;
    clearTimeout(timer);
    setStatus(text);
    var badge = document.getElementById("live-badge");
    if (badge) badge.remove();
  }

  function schedule(seconds) {
    clearTimeout(timer);
    if (ended) return;
    timer = setTimeout(poll, seconds * 1000);
  }

  // Jitter keeps readers from polling in step, and only ever lengthens a delay:
  // poll_interval is the least the server asks a reader to wait (docs/api.md),
  // and a hidden tab polls at most once a minute, failing or not.
  function nextDelay() {
    var base = document.hidden ? Math.max(HIDDEN_INTERVAL, interval) : interval;
    var delay = base * (1 + Math.random() * 0.2);
    if (!failures) return delay;
    // A server that says when to come back (Retry-After, during an outage) is obeyed
    // even past the usual cap; otherwise back off exponentially.
    return Math.max(retryAfter, Math.min(MAX_BACKOFF, delay * Math.pow(2, failures)));
  }

  // Retry-After in seconds; the HTTP-date form is not used by this server.
  function readRetryAfter(response) {
    var seconds = Number(response.headers.get("Retry-After"));
    return isFinite(seconds) && seconds > 0 ? seconds : 0;
  }

  function retitle(title) {
    var heading = document.querySelector(".entry-header h1");
    if (!heading || heading.textContent === title) return;
    // A replacement function, not a string: "$&" or "$'" in a title is text, not a pattern.
    baseTitle = baseTitle.replace(heading.textContent, function () {
      return title;
    });
    document.title = unseen ? "(" + unseen + ") " + baseTitle : baseTitle;
    heading.textContent = title;
  }

  function handle(data) {
    retitle(data.entry.title);
    announce(apply(data.updates));
    cursor = data.cursor;
    interval = data.poll_interval;
    failures = 0;
    retryAfter = 0;
    if (interval === null) {
      finish("This live blog has ended.");
    } else {
      setStatus("Live: new updates appear automatically.");
    }
  }

  function poll() {
    clearTimeout(timer);
    if (inFlight) return;
    inFlight = true;
    var url = feedUrl + "?since=" + encodeURIComponent(cursor);
    var options = { headers: { Accept: "application/json" } };
    var stalled = null;
    if (window.AbortController) {
      var controller = new AbortController();
      options.signal = controller.signal;
      stalled = setTimeout(controller.abort.bind(controller), REQUEST_TIMEOUT * 1000);
    }
    return fetch(url, options)
      .then(function (response) {
        if (response.status === 404) return finish("This live blog is no longer available.");
        if (!response.ok) {
          retryAfter = readRetryAfter(response);
          throw new Error("HTTP " + response.status);
        }
        return response.json().then(handle);
      })
      .catch(function () {
        failures += 1;
        // An ended entry's page has no interval; its confirming poll failed: retry slowly.
        interval = interval || HIDDEN_INTERVAL;
        setStatus("Connection lost. Retrying…");
      })
      .then(function () {
        clearTimeout(stalled);
        inFlight = false;
        schedule(nextDelay());
      });
  }

  function applyOrder() {
    toggle.setAttribute("aria-pressed", String(newestFirst));
    var items = Array.prototype.slice.call(container.children);
    items.reverse().forEach(function (item) {
      container.appendChild(item);
    });
  }

  // Storage can be unavailable (private browsing, blocked cookies): the
  // toggle then still works, it just is not remembered.
  function remembered() {
    try {
      return localStorage.getItem(ORDER_KEY);
    } catch (error) {
      return null;
    }
  }

  function remember(order) {
    try {
      localStorage.setItem(ORDER_KEY, order);
    } catch (error) {
      // not remembered; see remembered()
    }
  }

  function setUpOrderToggle() {
    toggle.hidden = false;
    if (remembered() === "newest") {
      newestFirst = true;
      applyOrder();
    }
    toggle.addEventListener("click", function () {
      newestFirst = !newestFirst;
      remember(newestFirst ? "newest" : "oldest");
      applyOrder();
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      // The poll already due would come within seconds: push it out to a minute.
      if (!inFlight && !ended) schedule(nextDelay());
      return;
    }
    unseen = 0;
    document.title = baseTitle;
    if (!ended) poll();
  });

  // Back on the network (a phone leaving a dead spot): catch up without waiting out a back-off.
  window.addEventListener("online", function () {
    if (!ended) poll();
  });

  setUpOrderToggle();
  // A page served from a cache may be a minute old: catch up at once.
  poll();
})();
