/* sitegen search: queries the static index that `sitegen build` writes
   under search/ (see sitegen/search.py for its format).

   The search page has a form#search with data-index (the index folder) and
   data-base (the site's base path), an input, p#search-status and
   ol#search-results. Every term of the query must match (the last one may
   be the start of a word, as the reader types); results are ranked by BM25
   plus a bonus for terms in a title or name. Nothing is fetched from
   another host; ?q= in the address fills the query, so a search can be
   linked. Without that form (a test page), only window.sitegenSearch is set.
*/
(function () {
  "use strict";

  var K1 = 1.2;          // BM25 term-frequency saturation
  var B = 0.75;          // BM25 length normalisation
  var TITLE = 2;         // weight of the title (or name) against the text; titles are scored like
                         // text with tf 1, so a short title ("Zürich") counts more than a long one
  var PREFIX = 0.7;      // a word that only starts with the last term counts less than the word itself
  var EXPANSIONS = 100;  // words tried for a prefix, the most common first
  var PAGE = 20;         // results shown at a time
  var DELAY = 120;       // ms of quiet typing before searching

  // -- tokens: exactly as sitegen/search.py `tokens` -------------------------

  // Characters that NFKD leaves alone whose Unicode case folding (Python's
  // str.casefold) differs from lower-casing (String.prototype.toLowerCase).
  var FOLDS = {
    "\u00df": "ss", "\u1e9e": "ss", "\u0345": "\u03b9", "\u03c2": "\u03c3",
    "\u1c80": "\u0432", "\u1c81": "\u0434", "\u1c82": "\u043e", "\u1c83": "\u0441", "\u1c84": "\u0442",
    "\u1c85": "\u0442", "\u1c86": "\u044a", "\u1c87": "\u0463", "\u1c88": "\ua64b"
  };
  var MARKS = /\p{M}+/gu;
  var WORD = /[\p{L}\p{N}]+/gu;
  var RUN = /[\p{L}\p{N}\p{M}]+/gu;

  function foldChar(ch) {
    var code = ch.codePointAt(0);
    if (code < 128) { return ch.toLowerCase(); }
    // Cherokee folds to its capital letters
    if (code >= 0x13a0 && code <= 0x13f5) { return ch; }
    if (code >= 0x13f8 && code <= 0x13fd) { return String.fromCodePoint(code - 8); }
    if (code >= 0xab70 && code <= 0xabbf) { return String.fromCodePoint(code - 0x97d0); }
    return FOLDS[ch] || ch.toLowerCase();
  }

  /** NFKD, case folded, NFKD again, combining marks dropped. */
  function fold(text) {
    var out = "";
    for (var ch of String(text).normalize("NFKD")) { out += foldChar(ch); }
    return out.normalize("NFKD").replace(MARKS, "");
  }

  /** The words of a text: runs of letters and digits, folded. */
  function tokens(text) {
    return fold(text).match(WORD) || [];
  }

  /** The file a term's postings are in: its first two code points in hex. */
  function shardKey(term) {
    return Array.from(term).slice(0, 2).map(function (ch) { return ch.codePointAt(0).toString(16); }).join("-");
  }

  window.sitegenSearch = { fold: fold, tokens: tokens, shardKey: shardKey };

  var form = document.getElementById("search");
  if (!form || !form.dataset.index) { return; }
  var input = form.querySelector("input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var indexUrl = new URL(form.dataset.index, document.baseURI);
  var siteBase = form.dataset.base || "/";

  // -- the index -------------------------------------------------------------

  var files = new Map();
  function load(path) {
    if (!files.has(path)) {
      var request = fetch(new URL(path, indexUrl)).then(function (response) {
        if (!response.ok) { throw new Error(path + ": HTTP " + response.status); }
        return response.json();
      });
      request.catch(function () { files.delete(path); });
      files.set(path, request);
    }
    return files.get(path);
  }

  var meta = null;
  var shardSet = null;
  function loadMeta() {
    return load("meta.json").then(function (data) {
      meta = data;
      shardSet = new Set(data.shards);
      return data;
    });
  }

  function shard(key) {
    return shardSet.has(key) ? load("terms/" + key + ".json") : Promise.resolve({});
  }

  /** Calls visit(doc, tf, inTitle) for every posting of a term. */
  function eachPosting(postings, visit) {
    var doc = 0;
    for (var i = 0; i < postings.length; i++) {
      var code = postings[i];
      doc += Math.floor(code / 32);
      visit(doc, code % 16, code % 32 >= 16);
    }
  }

  /** The query as slots: each is a term, and whether it may match as a prefix. */
  function parse(query) {
    var terms = tokens(query);
    // "wal" may be the start of "wallace"; "wal " (a space typed after it) is a whole word
    var open = !/[^\p{L}\p{N}\p{M}]$/u.test(query);
    var seen = new Set();
    var slots = [];
    terms.forEach(function (term, i) {
      var prefix = open && i === terms.length - 1 && Array.from(term).length >= 2;
      var id = term + (prefix ? "*" : "");
      if (!seen.has(id)) {
        seen.add(id);
        slots.push({ term: term, prefix: prefix });
      }
    });
    return slots;
  }

  /** Document → score for one slot (the words it matches, each scored with BM25). */
  function scoreSlot(slot, postingsOf) {
    var words = [];
    if (slot.prefix) {
      Object.keys(postingsOf).forEach(function (word) {
        if (word.startsWith(slot.term)) { words.push(word); }
      });
      words.sort(function (a, b) { return (a === slot.term ? -1 : 0) - (b === slot.term ? -1 : 0) || postingsOf[b].length - postingsOf[a].length; });
      words = words.slice(0, EXPANSIONS);
    } else if (Object.prototype.hasOwnProperty.call(postingsOf, slot.term)) {
      words.push(slot.term);
    }
    var scores = new Map();
    words.forEach(function (word) {
      var postings = postingsOf[word];
      var idf = Math.log(1 + (meta.count - postings.length + 0.5) / (postings.length + 0.5));
      var weight = word === slot.term ? idf : idf * PREFIX;
      eachPosting(postings, function (doc, tf, inTitle) {
        var score = 0;
        if (tf) {
          score += tf * (K1 + 1) / (tf + K1 * (1 - B + B * meta.lengths[doc] / (meta.average || 1)));
        }
        if (inTitle) {
          score += TITLE * (K1 + 1) / (1 + K1 * (1 - B + B * meta.titles[doc] / (meta.title_average || 1)));
        }
        score *= weight;
        if (score > (scores.get(doc) || 0)) { scores.set(doc, score); }
      });
    });
    return scores;
  }

  /** [{doc, score}] for every document matching every slot, best first. */
  function rank(slots) {
    return Promise.all(slots.map(function (slot) { return shard(shardKey(slot.term)); })).then(function (shards) {
      var perSlot = slots.map(function (slot, i) { return scoreSlot(slot, shards[i]); });
      perSlot.sort(function (a, b) { return a.size - b.size; });
      var results = [];
      perSlot[0].forEach(function (score, doc) {
        for (var i = 1; i < perSlot.length; i++) {
          var more = perSlot[i].get(doc);
          if (more === undefined) { return; }
          score += more;
        }
        results.push({ doc: doc, score: score });
      });
      results.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
      return results;
    });
  }

  function records(docs) {
    var chunks = Array.from(new Set(docs.map(function (doc) { return Math.floor(doc / meta.chunk); })));
    return Promise.all(chunks.map(function (n) { return load("docs/" + n + ".json"); })).then(function (loaded) {
      var byChunk = new Map();
      chunks.forEach(function (n, i) { byChunk.set(n, loaded[i]); });
      return docs.map(function (doc) { return byChunk.get(Math.floor(doc / meta.chunk))[doc % meta.chunk]; });
    });
  }

  // -- the page ---------------------------------------------------------------

  /** Appends `text` to `parent`, each word that matches the query in a <mark>. */
  function appendMarked(parent, text, slots) {
    var last = 0;
    function matches(word) {
      return slots.some(function (slot) { return slot.prefix ? word.startsWith(slot.term) : word === slot.term; });
    }
    text.replace(RUN, function (run, offset) {
      if (tokens(run).some(matches)) {
        parent.append(text.slice(last, offset));
        var mark = document.createElement("mark");
        mark.textContent = run;
        parent.append(mark);
        last = offset + run.length;
      }
      return run;
    });
    parent.append(text.slice(last));
  }

  function resultItem(record, slots) {
    var title = record[0], path = record[1], kind = record[2], iso = record[3], date = record[4], excerpt = record[5];
    var item = document.createElement("li");
    var heading = document.createElement("h2");
    heading.className = "title";
    var link = document.createElement("a");
    link.href = siteBase + path;
    appendMarked(link, title, slots);
    heading.append(link);
    var line = document.createElement("p");
    line.className = "meta";
    var label = document.createElement("span");
    label.className = "result-kind";
    label.textContent = kind;
    line.append(label);
    if (date) {
      line.append(" · ");
      var time = document.createElement("time");
      time.dateTime = iso;
      time.textContent = date;
      line.append(time);
    }
    item.append(heading, line);
    if (excerpt) {
      var summary = document.createElement("p");
      summary.className = "summary";
      appendMarked(summary, excerpt, slots);
      item.append(summary);
    }
    return item;
  }

  var current = 0;    // the latest search; older ones drop their results
  var found = [];
  var shown = 0;
  var shownSlots = [];
  var moreButton = null;

  function say(text) { status.textContent = text; }

  function showMore(focus) {
    var mine = current;
    var next = found.slice(shown, shown + PAGE);
    return records(next.map(function (r) { return r.doc; })).then(function (recs) {
      if (mine !== current) { return; }
      var first = null;
      recs.forEach(function (record) {
        var item = resultItem(record, shownSlots);
        first = first || item.querySelector("a");
        list.append(item);
      });
      shown += next.length;
      if (moreButton) { moreButton.hidden = shown >= found.length; }
      if (focus && first) { first.focus(); }
    });
  }

  function run(query) {
    var mine = ++current;
    var slots = parse(query);
    list.replaceChildren();
    found = [];
    shown = 0;
    shownSlots = slots;
    if (moreButton) { moreButton.hidden = true; }
    if (!slots.length) {
      say("");
      return Promise.resolve();
    }
    return (meta ? Promise.resolve(meta) : loadMeta()).then(function () {
      return rank(slots);
    }).then(function (results) {
      if (mine !== current) { return; }
      found = results;
      var quoted = "\u201c" + query.trim() + "\u201d";
      if (!results.length) {
        say("No results for " + quoted + ".");
        return;
      }
      return showMore(false).then(function () {
        if (mine !== current) { return; }
        say((results.length === 1 ? "1 result" : results.length.toLocaleString("en") + " results") + " for " + quoted + ".");
      });
    }).catch(function (error) {
      if (mine !== current) { return; }
      say("Search is unavailable: the index could not be loaded (" + error.message + ").");
    });
  }

  function remember(query) {
    var url = new URL(window.location.href);
    if (query.trim()) { url.searchParams.set("q", query); } else { url.searchParams.delete("q"); }
    window.history.replaceState(null, "", url);
  }

  var timer = 0;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      remember(input.value);
      run(input.value);
    }, DELAY);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    remember(input.value);
    run(input.value);
  });

  // Arrow keys move between the input and the result links.
  function links() { return Array.from(list.querySelectorAll("a")); }
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && links().length) {
      event.preventDefault();
      links()[0].focus();
    }
  });
  list.addEventListener("keydown", function (event) {
    var all = links();
    var at = all.indexOf(document.activeElement);
    if (at < 0) { return; }
    if (event.key === "ArrowDown" && at + 1 < all.length) {
      event.preventDefault();
      all[at + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (at > 0 ? all[at - 1] : input).focus();
    }
  });

  moreButton = document.createElement("button");
  moreButton.type = "button";
  moreButton.className = "search-more";
  moreButton.textContent = "More results";
  moreButton.hidden = true;
  moreButton.addEventListener("click", function () { showMore(true); });
  list.after(moreButton);

  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) {
    input.value = initial;
    run(initial);
  } else {
    loadMeta().catch(function () {});  // ready before the first key
  }
})();
