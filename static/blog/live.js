// Keeps an entry page up to date by polling its JSON feed (docs/api.md).
// New updates are inserted without touching the rest of the page, so a
// reader's text selection and scroll position survive.
(function () {
  "use strict";

  var HIDDEN_INTERVAL = 60; // seconds between polls while the tab is hidden
  var MAX_BACKOFF = 120; // seconds, after repeated network or server errors
  var REQUEST_TIMEOUT = 20; // seconds before a stalled request (flaky Wi-Fi) counts as failed
  // The optional parts of an update, in the order the update partial writes them:
  // a part that appears goes after the nearest earlier one the update has.
  var META_PARTS = ["update-time", "update-edited", "tag-key-event", "tag-pinned", "update-byline"];
  var BLOCK_PARTS = ["update-meta", "update-headline", "update-body", "update-correction"];

  var container = document.getElementById("live-updates");
  if (!container || !window.fetch) return;

  var feedUrl = container.dataset.feedUrl;
  var cursor = container.dataset.cursor;
  // Per entry: a reader who read last night's election oldest first still gets
  // today's keynote in the order its author chose.
  var ORDER_KEY = "liveblog:order:" + feedUrl;
  var interval = Number(container.dataset.pollInterval) || null;
  var entryElement = document.querySelector("article.entry");
  var blank = document.getElementById("update-template").content.firstElementChild;
  var blankMeta = child(blank, "update-meta");
  var keyEventTemplate = document.getElementById("key-event-template");
  var dividerTemplate = document.getElementById("date-divider-template");
  var keyEvents = document.getElementById("key-events");
  var pinned = document.getElementById("pinned-update");
  var toggle = document.getElementById("order-toggle");
  var statusLine = document.getElementById("live-connection");
  var announcer = document.getElementById("live-announcer");
  var emptyNote = document.querySelector(".no-updates");
  var baseTitle = document.title;
  var newestFirst = entryElement.dataset.order === "newest"; // the order the server rendered
  var unseen = 0;
  var failures = 0;
  var retryAfter = 0; // seconds the server asked us to wait (Retry-After), after an error
  var timer = null;
  var ended = false;
  var inFlight = false;
  var newUpdatesButton = document.getElementById("new-updates");
  var held = []; // new updates kept off the page, as elements, while the reader is elsewhere
  var holding = false; // decided once per poll, before anything on the page moves
  var caughtUp = false; // the first poll's updates are part of the page the reader opened

  function child(parent, className) {
    for (var node = parent.firstElementChild; node; node = node.nextElementSibling) {
      if (node.classList.contains(className)) return node;
    }
    return null;
  }

  // The update's permalink (/entries/<slug>/updates/<id>/), beside the feed's URL.
  function permalink(id) {
    return feedUrl.replace(/updates\.json$/, "updates/" + id + "/");
  }

  function setTime(time, iso, label, title) {
    time.setAttribute("datetime", iso);
    time.setAttribute("title", title);
    setText(time, label);
  }

  // Text and markup are written only when they change: writing them again would drop a
  // reader's selection in an update whose pin, key event or correction was all that changed.
  function setText(element, text) {
    if (element.textContent !== text) element.textContent = text;
  }

  var parser = document.createElement("template");

  function setHtml(element, html) {
    parser.innerHTML = html; // inert: a template's content runs nothing and loads nothing
    if (element.innerHTML !== parser.innerHTML) element.innerHTML = html;
  }

  // --- The stream: updates in time order, date dividers between days ---

  function isUpdate(element) {
    return element.classList.contains("update");
  }

  // Date dividers stand between the updates: ordering skips them.
  function skipDividers(element, step) {
    while (element && !isUpdate(element)) element = element[step];
    return element;
  }

  function neighbour(element, step) {
    return skipDividers(element[step], step);
  }

  function streamUpdates() {
    return Array.prototype.filter.call(container.children, isUpdate);
  }

  function sortKey(element) {
    var time = element.querySelector(".update-time time");
    return [Date.parse(time.getAttribute("datetime")), Number(element.dataset.id)];
  }

  function isNewer(a, b) {
    return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
  }

  // Scans from the newest end, where a new update almost always belongs, so
  // placing one costs a step or two even on a page of thousands.
  function place(element) {
    var key = sortKey(element);
    var step = newestFirst ? "nextElementSibling" : "previousElementSibling";
    var edge = newestFirst ? container.firstElementChild : container.lastElementChild;
    var older = skipDividers(edge, step);
    while (older && (older === element || isNewer(sortKey(older), key))) older = neighbour(older, step);
    // `older` is the update that must come right after the element (newest first) or before it.
    if (element.parentNode === container && neighbour(element, step) === older) return;
    if (newestFirst) {
      // Above the older update's date divider too: the divider belongs to it.
      var above = older && older.previousElementSibling;
      container.insertBefore(element, above && !isUpdate(above) ? above : older);
    } else {
      container.insertBefore(element, older ? older.nextElementSibling : container.firstElementChild);
    }
  }

  // --- Earlier updates: archive pages, appended at the old end of the stream ---

  var earlier = document.getElementById("earlier-updates");

  function oldestShown() {
    var edge = newestFirst ? container.lastElementChild : container.firstElementChild;
    return skipDividers(edge, newestFirst ? "previousElementSibling" : "nextElementSibling");
  }

  // Only while earlier pages are left to load: once all are, the page shows every update.
  function isBeforeShown(update) {
    var oldest = earlier && oldestShown();
    return Boolean(oldest) && isNewer(sortKey(oldest), [Date.parse(update.created), update.id]);
  }

  function placeEarlierLink() {
    if (earlier) container.parentNode.insertBefore(earlier, newestFirst ? container.nextSibling : container);
  }

  // Returns the first appended update in reading order, or null.
  function appendEarlier(updates) {
    var appended = [];
    // Newest of the page first, each one becoming the oldest shown.
    updates
      .slice()
      .reverse()
      .forEach(function (update) {
        if (document.getElementById("update-" + update.id)) return;
        var element = fromTemplate(update);
        element.id = "update-" + update.id;
        appended.push(element);
        var oldest = oldestShown();
        if (oldest && !isNewer(sortKey(oldest), [Date.parse(update.created), update.id])) {
          place(element); // a page whose boundaries moved (a deletion): placed by its time
        } else if (newestFirst) {
          container.appendChild(element);
        } else {
          container.insertBefore(element, container.firstElementChild);
        }
      });
    redivide();
    if (emptyNote) emptyNote.hidden = Boolean(container.querySelector(":scope > .update"));
    return appended.length ? firstInDocument(appended) : null;
  }

  function firstInDocument(elements) {
    return elements.reduce(function (a, b) {
      return a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_PRECEDING ? b : a;
    });
  }

  function loadEarlier(event) {
    var link = event.target.closest("a");
    if (!link || !link.dataset.json) return;
    event.preventDefault();
    if (link.getAttribute("aria-busy") === "true") return;
    link.setAttribute("aria-busy", "true");
    fetch(link.dataset.json, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        var first = appendEarlier(data.updates);
        link.removeAttribute("aria-busy");
        if (data.earlier) {
          link.dataset.json = data.earlier;
          link.href = data.earlier.replace(/\.json$/, "/");
        } else {
          // The focused link goes: focus moves on to what it brought, not back to the page's start.
          var focused = earlier.contains(document.activeElement);
          earlier.remove();
          earlier = null;
          if (focused && first) {
            first.tabIndex = -1;
            first.focus();
          }
        }
      })
      .catch(function () {
        // The archive page itself shows them.
        window.location.href = link.href;
      });
  }

  function setUpEarlier() {
    if (!earlier) return;
    placeEarlierLink();
    earlier.addEventListener("click", loadEarlier);
  }

  function dividerBefore(update) {
    var label = update.dataset.dayLabel;
    var previous = update.previousElementSibling;
    if (previous && !isUpdate(previous) && previous.textContent === label) return previous;
    var divider = dividerTemplate.content.firstElementChild.cloneNode(true);
    divider.textContent = label;
    container.insertBefore(divider, update);
    return divider;
  }

  // Whether the server found the whole entry spanning several days (blog/pages.py).
  var entrySpansDays = "severalDays" in container.dataset;

  // A divider before the first update of each day in display order, and none
  // when all updates are of one day; dividers already right are left alone.
  // While earlier pages are left to load, the entry's other days count too: the
  // shown updates of one day still say which day it is.
  function redivide() {
    var updates = streamUpdates();
    var several =
      (Boolean(earlier) && entrySpansDays) ||
      updates.some(function (update) {
        return update.dataset.day !== updates[0].dataset.day;
      });
    var kept = [];
    var day = null;
    updates.forEach(function (update) {
      if (!several || update.dataset.day === day) return;
      day = update.dataset.day;
      kept.push(dividerBefore(update));
    });
    Array.prototype.forEach.call(container.querySelectorAll(":scope > .date-divider"), function (divider) {
      if (kept.indexOf(divider) < 0) divider.remove();
    });
    // Over several days, "01:30 EST" alone would read as earlier than "20:00 EST": give the dates.
    if (keyEvents) keyEvents.classList.toggle("several-days", several);
  }

  // --- One update, filled from the feed ---

  // Shows or removes an optional part. One that appears is copied from the
  // template; one that goes takes the space before it along.
  function part(parent, model, order, name, present) {
    var existing = child(parent, name);
    if (!present) {
      if (existing) {
        var gap = existing.previousSibling;
        if (gap && gap.nodeType === Node.TEXT_NODE && !gap.data.trim()) gap.remove();
        existing.remove();
      }
      return null;
    }
    if (existing) return existing;
    var created = child(model, name).cloneNode(true);
    for (var index = order.indexOf(name) - 1; index >= 0; index -= 1) {
      var anchor = child(parent, order[index]);
      if (anchor) {
        anchor.after(" ", created);
        return created;
      }
    }
    parent.prepend(created, " ");
    return created;
  }

  function fillMeta(meta, update) {
    var link = child(meta, "update-time");
    link.setAttribute("href", permalink(update.id));
    setTime(link.querySelector("time"), update.created, update.time_label, update.time_title);
    var edited = part(meta, blankMeta, META_PARTS, "update-edited", update.edited);
    if (edited) setTime(edited.querySelector("time"), update.edited, update.edited_label, update.edited_title);
    part(meta, blankMeta, META_PARTS, "tag-key-event", update.key_event);
    part(meta, blankMeta, META_PARTS, "tag-pinned", update.pinned);
    var byline = part(meta, blankMeta, META_PARTS, "update-byline", update.author);
    if (byline) setText(byline.querySelector(".byline-name"), update.author.name);
  }

  function fill(element, update) {
    element.dataset.id = update.id;
    // The date part of an ISO time with the zone's offset is the day in that zone.
    element.dataset.day = update.created.slice(0, 10);
    element.dataset.dayLabel = update.day_label;
    element.classList.toggle("is-key-event", update.key_event);
    element.classList.toggle("is-pinned", update.pinned);
    fillMeta(child(element, "update-meta"), update);
    var headline = part(element, blank, BLOCK_PARTS, "update-headline", update.headline);
    if (headline) setText(headline, update.headline);
    setHtml(child(element, "update-body"), update.html); // sanitized on save
    var correction = part(element, blank, BLOCK_PARTS, "update-correction", update.correction);
    if (correction) setText(correction, update.correction);
  }

  function fromTemplate(update) {
    var element = blank.cloneNode(true);
    element.removeAttribute("id");
    fill(element, update);
    return element;
  }

  function highlight(element) {
    element.classList.add("is-new");
    setTimeout(function () {
      element.classList.add("is-settled");
    }, 4000);
  }

  // Returns 1 when the update is new to the page, for the announcement.
  function applyToStream(update) {
    var existing = document.getElementById("update-" + update.id);
    if (!existing && applyToHeld(update)) return 0;
    // An update on an earlier page (edited, or new and back-dated): it shows
    // there, and the reader loads it with that page, never out of place here.
    if (!existing && !update.deleted && isBeforeShown(update)) return 0;
    if (update.deleted) {
      if (existing) existing.remove();
      return 0;
    }
    if (existing) {
      fill(existing, update);
      place(existing);
      return 0;
    }
    var element = fromTemplate(update);
    element.id = "update-" + update.id;
    if (holding && landsAtTheNewEnd(element)) {
      hold(element);
      return 1;
    }
    place(element);
    highlight(element);
    return 1;
  }

  // --- New updates out of view: held behind the "N new updates" button ---

  function newUpdatesLabel(count) {
    return count === 1 ? "1 new update" : count + " new updates";
  }

  // New updates land at the top newest first, at the bottom oldest first. That end is in view
  // when an update landing there would show at least its time and first lines: an edge in the
  // screen's last few pixels is not, or the updates would land out of sight with no button. At
  // the very end of the page, the reader has gone as far as the page goes, and updates come in.
  var LANDING_ROOM = 96; // px
  function landingInView() {
    var box = container.getBoundingClientRect();
    var edge = newestFirst ? box.top : box.bottom;
    if (edge < 0 || edge > window.innerHeight) return false;
    var atPageEnd = window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1;
    return edge <= window.innerHeight - LANDING_ROOM || (!newestFirst && atPageEnd);
  }

  // Whether the end new updates land at is below the screen (a reader above the stream, or
  // reading oldest first) rather than above it: not the order alone.
  function landingBelow() {
    var box = container.getBoundingClientRect();
    return (newestFirst ? box.top : box.bottom) > window.innerHeight - LANDING_ROOM;
  }

  // The button sits at the screen's edge towards where the updates land, its arrow pointing there.
  function pointButton() {
    newUpdatesButton.classList.toggle("is-below", landingBelow());
  }

  // The button's own place comes before the stream, far behind a keyboard reader inside it. When it
  // appears while focus is in an update, it goes right after that update in the DOM, so the next Tab
  // reaches it; it stays fixed on the screen, so this moves nothing. Hidden, it goes back home.
  var buttonHome = newUpdatesButton && newUpdatesButton.previousElementSibling;

  function placeButton() {
    var focused = document.activeElement;
    var update = focused && focused.closest ? focused.closest(".update") : null;
    if (held.length && update && update.parentNode === container) {
      update.after(newUpdatesButton);
    } else if (newUpdatesButton.parentNode === container) {
      buttonHome.after(newUpdatesButton);
    }
  }

  function showHeld() {
    if (newUpdatesButton.hidden === Boolean(held.length)) placeButton(); // appearing or going
    newUpdatesButton.hidden = !held.length;
    newUpdatesButton.textContent = newUpdatesLabel(held.length);
    pointButton();
  }

  function hold(element) {
    held.push(element);
    showHeld();
  }

  // An edit or deletion of a held update applies at once, to what the button will insert.
  function applyToHeld(update) {
    var element = null;
    for (var index = 0; index < held.length && !element; index += 1) {
      if (held[index].dataset.id === String(update.id)) element = held[index];
    }
    if (!element) return false;
    if (update.deleted) {
      held.splice(held.indexOf(element), 1);
      showHeld();
    } else {
      fill(element, update);
    }
    return true;
  }

  // Only an update newer than every one shown lands at the end the button points to; a
  // back-dated one goes in at its place in time, perhaps where the reader is looking.
  function landsAtTheNewEnd(element) {
    var edge = newestFirst ? container.firstElementChild : container.lastElementChild;
    var newest = skipDividers(edge, newestFirst ? "nextElementSibling" : "previousElementSibling");
    return !newest || isNewer(sortKey(element), sortKey(newest));
  }

  // Inserts the held updates; when the reader asked for them, takes them (and
  // keyboard and screen-reader focus) to the first one.
  function release(moveReader) {
    if (!held.length) return;
    var elements = held;
    held = [];
    showHeld();
    elements.forEach(function (element) {
      place(element);
      highlight(element);
    });
    redivide();
    if (emptyNote) emptyNote.hidden = true;
    if (moveReader) takeReaderTo(firstInDocument(elements));
  }

  // Scrolls to an update and gives it keyboard and screen-reader focus.
  function takeReaderTo(update) {
    update.tabIndex = -1;
    // From its day's divider when one stands before it: the reader sees which day they landed on.
    var above = update.previousElementSibling;
    var divider = above && above.classList.contains("date-divider") ? above : null;
    (divider || update).scrollIntoView({ block: "start" });
    update.focus({ preventScroll: true });
  }

  // --- Permalinks to updates on this page: no reload ---

  // A key event, the pinned post's time or an update's time links to the update's permalink,
  // which redirects to the page that shows it. When that is this page, the reader is taken
  // there without a reload, which would lose the earlier updates they loaded and their place;
  // the address bar shows the permalink, to share or to reload. A click that opens a new tab
  // or window is the browser's.
  var PERMALINKS = new URL(permalink(0), window.location.href).pathname.replace(/0\/$/, ""); // .../updates/

  function setUpPermalinks() {
    document.addEventListener("click", function (event) {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      var link = event.target.closest ? event.target.closest("a[href]") : null;
      var update = link && link.origin === window.location.origin ? linkedUpdate(link) : null;
      if (!update) return;
      event.preventDefault();
      if (link.href !== window.location.href) history.pushState(null, "", link.href);
      takeReaderTo(update);
      markTarget(update);
    });
    // Back and Forward restore the place (the browser's scroll restoration); the highlight
    // follows the address: the permalink's update, or the #update-<id> the page opened at.
    window.addEventListener("popstate", function () {
      markTarget(linkedUpdate(window.location));
    });
  }

  // The update on this page that a link or the address leads to, if any.
  function linkedUpdate(location) {
    var path = location.pathname;
    var match = path.indexOf(PERMALINKS) === 0 && /^(\d+)\/$/.exec(path.slice(PERMALINKS.length));
    var id = match ? match[1] : (/^#update-(\d+)$/.exec(location.hash) || [])[1];
    var update = id && document.getElementById("update-" + id);
    return update && update.parentNode === container ? update : null;
  }

  // The update a link led to is highlighted, as :target highlights the one the page opened at;
  // history.pushState does not move :target, so the page's own highlight stands in for it.
  function markTarget(update) {
    Array.prototype.forEach.call(container.querySelectorAll(":scope > .is-target"), function (other) {
      other.classList.remove("is-target");
    });
    container.classList.add("has-own-target");
    if (!update) return;
    update.classList.remove("is-new", "is-settled"); // an arrival's fading highlight gives way
    update.classList.add("is-target");
  }

  function setUpNewUpdatesButton() {
    if (!newUpdatesButton) return;
    newUpdatesButton.addEventListener("click", function () {
      release(true);
    });
    // A reader who scrolls to where the updates land has come for them.
    window.addEventListener(
      "scroll",
      function () {
        if (!held.length) return;
        if (landingInView()) {
          steadily(function () {
            release(false);
          });
        } else {
          pointButton(); // scrolled past the landing end in one go (End, Home)
        }
      },
      { passive: true }
    );
  }

  // --- Key events: newest first, like the server's list; the latest few, the rest behind "Show all" ---

  var KEY_EVENTS_SHOWN = 5; // as blog/views.py

  function keyEventKey(item) {
    return [Date.parse(item.querySelector("time").getAttribute("datetime")), Number(item.dataset.id)];
  }

  function keyEventLists() {
    return [keyEvents.querySelector(".key-events-latest"), keyEvents.querySelector(".key-events-more ul")];
  }

  function keyEventItems() {
    var lists = keyEventLists();
    return Array.prototype.slice.call(lists[0].children).concat(Array.prototype.slice.call(lists[1].children));
  }

  // Puts each item at its place in newest-first order: the first few in the visible list, the
  // rest in the disclosure. Only items out of place move, so a new one replaces the oldest visible
  // one and the box keeps its height; a focused item that keeps its place keeps focus.
  function layOutKeyEvents(ordered) {
    var lists = keyEventLists();
    ordered.forEach(function (item, index) {
      var list = index < KEY_EVENTS_SHOWN ? lists[0] : lists[1];
      var current = list.children[index < KEY_EVENTS_SHOWN ? index : index - KEY_EVENTS_SHOWN] || null;
      if (current !== item) list.insertBefore(item, current);
    });
  }

  function placeKeyEvent(item) {
    var key = keyEventKey(item);
    var others = keyEventItems().filter(function (other) {
      return other !== item;
    });
    var index = 0;
    while (index < others.length && isNewer(keyEventKey(others[index]), key)) index += 1;
    others.splice(index, 0, item);
    layOutKeyEvents(others);
  }

  function applyToKeyEvents(update) {
    var item = keyEvents.querySelector('li[data-id="' + update.id + '"]');
    if (update.deleted || !update.key_event) {
      if (item) {
        item.remove();
        layOutKeyEvents(keyEventItems()); // the first hidden one moves up into view
      }
      return;
    }
    if (!item) {
      item = keyEventTemplate.content.firstElementChild.cloneNode(true);
      item.dataset.id = update.id;
    }
    item.dataset.day = update.created.slice(0, 10);
    item.querySelector("a").setAttribute("href", permalink(update.id));
    setTime(item.querySelector("time"), update.created, update.time_label, update.time_title);
    item.querySelector(".key-event-day").textContent = update.day_label;
    item.querySelector(".key-event-headline").textContent = update.headline;
    placeKeyEvent(item);
  }

  // The count in "Show all N key events", and a day heading above the first key event of each day in each list.
  function tidyKeyEvents() {
    var items = keyEventItems();
    keyEvents.hidden = !items.length;
    var more = keyEvents.querySelector(".key-events-more");
    more.hidden = items.length <= KEY_EVENTS_SHOWN;
    more.querySelector(".key-events-count").textContent = items.length;
    keyEventLists().forEach(function (list) {
      var day = null;
      Array.prototype.forEach.call(list.children, function (item) {
        item.classList.toggle("starts-day", item.dataset.day !== day);
        day = item.dataset.day;
      });
    });
  }

  // --- The pinned post: a copy of one update above the stream ---

  function pinnedContent() {
    return pinned.querySelector(".pinned-content");
  }

  function unpin() {
    pinnedContent().replaceChildren();
    pinned.hidden = true;
    pinned.classList.remove("is-long");
  }

  // The collapsed height is the stylesheet's (site.css): read it collapsed, then put things back.
  function measurePinned() {
    var content = pinnedContent();
    // Focus inside expands it (site.css): there is no collapsed height to read now.
    if (content.contains(document.activeElement)) return;
    var expand = document.getElementById("pinned-expand");
    var expanded = expand.checked;
    expand.checked = false;
    pinned.classList.add("is-long");
    var long = content.scrollHeight > parseFloat(getComputedStyle(content).maxHeight);
    expand.checked = expanded;
    pinned.classList.toggle("is-long", long);
  }

  function applyToPinned(update) {
    var copy = pinnedContent().firstElementChild;
    var shown = copy && copy.dataset.id === String(update.id);
    if (update.deleted || !update.pinned) {
      if (shown) unpin();
      return;
    }
    if (shown) {
      fill(copy, update);
    } else {
      pinnedContent().replaceChildren(fromTemplate(update));
      document.getElementById("pinned-expand").checked = false; // a new pinned post starts collapsed
    }
    pinned.hidden = false;
    measurePinned();
  }

  function apply(updates) {
    var added = 0;
    // Out of view, new updates wait for the reader; in view, the held ones go in first.
    holding = caughtUp && Boolean(newUpdatesButton) && !landingInView();
    if (!holding) release(false);
    updates.forEach(function (update) {
      added += applyToStream(update);
      if (keyEvents) applyToKeyEvents(update);
      if (pinned) applyToPinned(update);
    });
    if (!updates.length) return 0;
    redivide();
    if (keyEvents) tidyKeyEvents();
    if (emptyNote) emptyNote.hidden = Boolean(container.querySelector(":scope > .update"));
    return added;
  }

  // --- Live changes without jumps ---

  // A live change moves what the reader is looking at: an update inserted above it, a
  // correction that makes one taller, a new key event. The blocks on the screen slide from
  // where they were to their new place (a FLIP animation of transform, which browsers do not
  // count as a layout shift) instead of jumping. With reduced motion they move at once.
  var SLIDE = { duration: 300, easing: "ease-out" };
  var reducedMotion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : { matches: true };

  // The elements of the page from the body down to the blocks a change moves: whatever holds
  // the stream, and the rows of the key events box and the pinned box, are walked into; the
  // rest (the header, the intro, each update, each key event) are blocks and are not.
  function walk(parent, visit) {
    for (var element = parent.firstElementChild; element; element = element.nextElementSibling) {
      visit(element);
      if (holdsBlocks(element)) walk(element, visit);
    }
  }

  function holdsBlocks(element) {
    if (element.contains(container)) return true;
    if (keyEvents && keyEvents.contains(element)) return element.tagName !== "LI";
    return Boolean(pinned && pinned.contains(element) && !isUpdate(element));
  }

  function screenTops() {
    var tops = new Map();
    walk(document.body, function (element) {
      var box = element.getBoundingClientRect();
      if (!box.height || box.bottom <= 0 || box.top >= window.innerHeight) return;
      if (getComputedStyle(element).position === "fixed") return; // the new-updates button
      tops.set(element, box.top);
    });
    return tops;
  }

  // A sliding block starts where it was, over what the change put there (a new update, a
  // correction): painted on the background it sits on, it covers that until it has slid
  // past, instead of its text being drawn across the other's.
  function backdrop(element) {
    for (; element; element = element.parentElement) {
      var colour = getComputedStyle(element).backgroundColor;
      if (/^rgb\(/.test(colour)) return colour; // opaque; a fading highlight is rgba()
    }
    return "Canvas";
  }

  function steadily(change) {
    if (reducedMotion.matches || !Element.prototype.animate) return change();
    var before = screenTops();
    var result = change();
    var after = new Map();
    before.forEach(function (top, element) {
      var box = element.getBoundingClientRect();
      if (box.height) after.set(element, box.top); // gone, or folded away into "Show all": no slide
    });
    // Top down: each moves by what it moved less what the element holding it moves already.
    (function slide(parent, carried) {
      for (var element = parent.firstElementChild; element; element = element.nextElementSibling) {
        var by = after.has(element) ? before.get(element) - after.get(element) - carried : 0;
        // A transform would carry the fixed new-updates button along: its children slide instead.
        if (Math.abs(by) < 1 || (newUpdatesButton && !newUpdatesButton.hidden && element.contains(newUpdatesButton))) {
          by = 0;
        } else {
          var background = backdrop(element);
          element.animate(
            [
              { transform: "translateY(" + by + "px)", backgroundColor: background },
              { transform: "none", backgroundColor: background },
            ],
            SLIDE
          );
        }
        if (holdsBlocks(element)) slide(element, carried + by);
      }
    })(document.body, 0);
    return result;
  }

  // --- What the reader is told ---

  function announce(added) {
    if (!added) return;
    var message = newUpdatesLabel(added);
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

  function showEnded(entry) {
    var badge = document.getElementById("live-badge");
    if (badge) {
      var endedBadge = document.createElement("p");
      endedBadge.className = "badge badge-ended";
      endedBadge.textContent = "Ended";
      badge.replaceWith(endedBadge);
    }
    var note = document.getElementById("coverage-ended");
    if (!note || !entry.ended) return;
    var time = document.createElement("time");
    setTime(time, entry.ended, entry.ended_label, entry.ended_title);
    note.replaceChildren("Coverage ended at ", time, " on " + entry.ended_day_label + ".");
    note.hidden = false;
  }

  // A page rendered ended (from a cache) whose first poll finds coverage resumed.
  function showLive() {
    var badge = document.querySelector(".entry-header .badge-ended");
    if (badge) {
      var liveBadge = document.createElement("p");
      liveBadge.className = "badge badge-live";
      liveBadge.id = "live-badge";
      liveBadge.textContent = "Live";
      badge.replaceWith(liveBadge);
    }
    var note = document.getElementById("coverage-ended");
    if (note) note.hidden = true;
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
    var change = function () {
      return apply(data.updates);
    };
    announce(data.updates.length || held.length ? steadily(change) : change());
    caughtUp = true;
    followEntryOrder(data.entry.order);
    cursor = data.cursor;
    interval = data.poll_interval;
    failures = 0;
    retryAfter = 0;
    if (interval === null || data.entry.ended) {
      showEnded(data.entry);
      finish("This live blog has ended.");
    } else {
      showLive();
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

  // --- Order: the entry's, unless the reader chose ---

  function showOrder() {
    Array.prototype.forEach.call(toggle.querySelectorAll("button[data-order]"), function (button) {
      button.setAttribute("aria-pressed", String((button.dataset.order === "newest") === newestFirst));
    });
  }

  function applyOrder(order) {
    var wanted = order === "newest";
    if (wanted !== newestFirst) {
      release(false); // placed in the order they were held for
      newestFirst = wanted;
      streamUpdates()
        .reverse()
        .forEach(function (update) {
          container.appendChild(update);
        });
      redivide();
      placeEarlierLink();
    }
    showOrder();
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

  // An author who changes the entry's order changes it for readers who never chose one.
  function followEntryOrder(order) {
    if (!order || order === entryElement.dataset.order) return;
    entryElement.dataset.order = order;
    var chosen = remembered();
    if (chosen !== "newest" && chosen !== "oldest") applyOrder(order);
  }

  function setUpOrderToggle() {
    toggle.hidden = false;
    var chosen = remembered();
    applyOrder(chosen === "newest" || chosen === "oldest" ? chosen : entryElement.dataset.order);
    toggle.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-order]");
      if (!button) return;
      remember(button.dataset.order);
      applyOrder(button.dataset.order);
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

  // "Show more" is a checkbox, so it works without script; it looks like a
  // button, and a keyboard user presses Enter on a button, not only Space.
  function setUpShowMore() {
    var expand = document.getElementById("pinned-expand");
    if (!expand) return;
    expand.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      expand.click();
    });
  }

  setUpEarlier();
  setUpOrderToggle();
  setUpShowMore();
  setUpNewUpdatesButton();
  setUpPermalinks();
  // A page served from a cache may be a minute old: catch up at once.
  poll();
})();
