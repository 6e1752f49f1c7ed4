// The document checklist: tailors the lists to the customer's answers, remembers ticks and
// answers in localStorage, checks an image, phone numbers and an expiry date locally (nothing is
// uploaded, and the numbers and the date are never stored), and copies or prints the tailored
// list. Questions, conditions and constraints come from the JSON the page embeds; the wording is
// in the templates (data attributes), except the messages of the local checks.
(function () {
  'use strict';

  var page = document.querySelector('[data-cl-page]');
  if (!page) return;

  // ---- Data ---------------------------------------------------------------------------------

  function readJson(el) {
    try {
      return el ? JSON.parse(el.textContent) : null;
    } catch (e) {
      return null;
    }
  }

  var questions = readJson(document.getElementById('cl-questions')) || [];
  var questionById = Object.create(null);
  questions.forEach(function (q) { questionById[q.id] = q; });

  var lists = [];
  page.querySelectorAll('[data-list]').forEach(function (section) {
    var data = readJson(section.querySelector('script.cl-data'));
    if (!data || !Array.isArray(data.items)) return;
    var items = data.items.map(function (it) {
      var li = null;
      section.querySelectorAll('[data-item]').forEach(function (el) {
        if (el.getAttribute('data-item') === it.id) li = el;
      });
      return { data: it, li: li, tick: li && li.querySelector('.cl-tick') };
    }).filter(function (it) { return it.li && it.tick; });
    lists.push({ id: data.checklist, subject: data.subject, site: data.site, section: section, items: items });
  });
  if (!lists.length) return;

  // Answers fixed by the page: a checklist page is for one subject.
  var fixed = Object.create(null);
  if (page.dataset.subject) fixed.subject = page.dataset.subject;

  var text = function (name) { return page.getAttribute('data-' + name) || ''; };
  var fill = function (template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, k) {
      return Object.prototype.hasOwnProperty.call(values, k) ? String(values[k]) : all;
    });
  };

  // ---- Storage: one key for the answers, one per checklist for its ticks, under a site key ----

  var prefix = 'kbgen.checklist:' + encodeURIComponent(lists[0].site || '') + ':';
  var storageOk = true;

  function load(key) {
    try {
      var raw = window.localStorage.getItem(prefix + key);
      var value = raw ? JSON.parse(raw) : null;
      return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
    } catch (e) {
      return null;
    }
  }
  function save(key, value) {
    try {
      if (value && Object.keys(value).length) {
        window.localStorage.setItem(prefix + key, JSON.stringify(value));
      } else {
        window.localStorage.removeItem(prefix + key);
      }
    } catch (e) {
      storageOk = false;
    }
  }
  function storedKeys() {
    var keys = [];
    try {
      for (var i = 0; i < window.localStorage.length; i++) {
        var k = window.localStorage.key(i);
        if (k && k.indexOf(prefix) === 0) keys.push(k.slice(prefix.length));
      }
    } catch (e) { /* no storage: nothing to list */ }
    return keys;
  }

  // An answer is kept only while its question exists and still offers it.
  function validAnswer(qid, value) {
    var q = questionById[qid];
    if (!q) return false;
    if (q.boolean) return value === true || value === false;
    return (q.options || []).some(function (o) { return o[0] === value; });
  }
  function loadAnswers() {
    var stored = load('answers') || {};
    var answers = Object.create(null);
    var dropped = false;
    Object.keys(stored).forEach(function (k) {
      if (validAnswer(k, stored[k])) answers[k] = stored[k];
      else dropped = true;
    });
    if (dropped) save('answers', answers);
    return answers;
  }
  // Ticks are kept by item id; ticks of items the list no longer has are dropped.
  function loadTicks(list) {
    var stored = load('ticks:' + list.id) || {};
    var ticks = Object.create(null);
    var known = Object.create(null);
    list.items.forEach(function (it) { known[it.data.id] = true; });
    var dropped = false;
    Object.keys(stored).forEach(function (k) {
      if (known[k] && stored[k]) ticks[k] = 1;
      else dropped = true;
    });
    if (dropped) save('ticks:' + list.id, ticks);
    return ticks;
  }

  var answers = loadAnswers();
  lists.forEach(function (l) { l.ticks = loadTicks(l); });

  // The page listing every checklist also drops the ticks of checklists that no longer exist.
  if (!page.dataset.subject) {
    var listIds = Object.create(null);
    lists.forEach(function (l) { listIds[l.id] = true; });
    storedKeys().forEach(function (k) {
      if (k.indexOf('ticks:') === 0 && !listIds[k.slice(6)]) {
        try { window.localStorage.removeItem(prefix + k); } catch (e) { /* ignore */ }
      }
    });
  }

  // ---- Conditions -----------------------------------------------------------------------------

  // The answer a question has now: 'set' (with value), 'pending' (not answered, or asked only
  // after an unanswered question), or 'na' (not asked for the current answers, or unknown).
  function effective(qid, seen) {
    if (Object.prototype.hasOwnProperty.call(fixed, qid)) return { state: 'set', value: fixed[qid] };
    var q = questionById[qid];
    if (!q || seen[qid]) return { state: 'na' };
    var next = Object.create(seen);
    next[qid] = true;
    var asked = evaluate(q.when_data, next);
    if (asked === 'no') return { state: 'na' };
    if (asked === 'maybe' || !(qid in answers)) return { state: 'pending' };
    return { state: 'set', value: answers[qid] };
  }

  // Whether a condition (question id → answer, all must hold) holds: 'yes', 'no' or 'maybe'.
  function evaluate(when, seen) {
    var result = 'yes';
    var keys = Object.keys(when || {});
    for (var i = 0; i < keys.length; i++) {
      var e = effective(keys[i], seen || Object.create(null));
      if (e.state === 'na') return 'no';
      if (e.state === 'pending') result = 'maybe';
      else if (e.value !== when[keys[i]]) return 'no';
    }
    return result;
  }

  // ---- Rendering ------------------------------------------------------------------------------

  var toolbar = page.querySelector('.cl-toolbar');
  var overall = page.querySelector('.cl-overall');
  var bar = page.querySelector('.cl-bar span');
  var wait = page.querySelector('.cl-wait');
  var answersLine = page.querySelector('.cl-answers');
  var status = page.querySelector('.cl-status');

  function progressText(n, m, k) {
    var s = m ? fill(text('progress'), { n: n, m: m }) : text('progress-none');
    if (k) s += '；' + fill(text('pending'), { k: k });
    return s;
  }

  function answerLabel(q, value) {
    if (q.boolean) return value ? '是' : '否';
    var o = (q.options || []).filter(function (o) { return o[0] === value; })[0];
    return o ? o[1] : String(value);
  }

  function update() {
    page.querySelectorAll('[data-question]').forEach(function (fs) {
      var q = questionById[fs.getAttribute('data-question')];
      if (!q) return;
      fs.hidden = evaluate(q.when_data) !== 'yes';
      fs.querySelectorAll('input[type=radio]').forEach(function (r) {
        var v = q.boolean ? r.value === 'true' : r.value;
        r.checked = q.id in answers && answers[q.id] === v;
      });
    });

    var total = { n: 0, m: 0, k: 0, shown: 0 };
    lists.forEach(function (list) {
      var listState = list.subject && !fixed.subject ? evaluate({ subject: list.subject }) : 'yes';
      list.section.hidden = listState !== 'yes';
      var n = 0, m = 0, k = 0;
      list.items.forEach(function (it) {
        var state = evaluate(it.data.when);
        var ticked = !!list.ticks[it.data.id];
        it.li.hidden = state === 'no';
        it.li.classList.toggle('is-maybe', state === 'maybe');
        it.li.classList.toggle('is-done', ticked);
        var maybe = it.li.querySelector('.cl-maybe');
        if (maybe) maybe.hidden = state !== 'maybe';
        it.tick.checked = ticked;
        if (state === 'yes' && it.data.required) {
          m++;
          if (ticked) n++;
        } else if (state === 'maybe') {
          k++;
        }
      });
      var p = list.section.querySelector('.cl-section-progress');
      if (p) {
        p.hidden = false;
        p.textContent = progressText(n, m, k);
      }
      if (listState === 'yes') {
        total.n += n; total.m += m; total.k += k; total.shown++;
      }
    });

    // Until the answers pick a list (the subject), there is nothing to count, copy or print.
    if (wait) wait.hidden = total.shown > 0;
    toolbar.hidden = !total.shown;
    overall.textContent = total.shown ? progressText(total.n, total.m, total.k) : '';
    bar.style.width = total.m ? Math.round((100 * total.n) / total.m) + '%' : '0';

    // What the tailoring rests on, for the printout.
    var parts = [];
    questions.forEach(function (q) {
      var e = effective(q.id, Object.create(null));
      if (e.state === 'set') parts.push(q.label + answerLabel(q, e.value));
    });
    answersLine.textContent = parts.length ? text('answers-label') + parts.join('；') : '';
    answersLine.hidden = !parts.length;
  }

  // ---- Events ---------------------------------------------------------------------------------

  page.querySelectorAll('[data-question] input[type=radio]').forEach(function (r) {
    r.addEventListener('change', function () {
      var q = questionById[r.closest('[data-question]').getAttribute('data-question')];
      if (!q || !r.checked) return;
      answers = loadAnswers();
      answers[q.id] = q.boolean ? r.value === 'true' : r.value;
      save('answers', answers);
      update();
      if (!storageOk) status.textContent = text('storage-failed');
    });
  });

  lists.forEach(function (list) {
    list.items.forEach(function (it) {
      it.tick.addEventListener('change', function () {
        // Re-read first: another tab may have ticked other items meanwhile.
        list.ticks = loadTicks(list);
        if (it.tick.checked) list.ticks[it.data.id] = 1;
        else delete list.ticks[it.data.id];
        save('ticks:' + list.id, list.ticks);
        update();
        if (!storageOk) status.textContent = text('storage-failed');
      });
    });
  });

  // Another tab changed the answers or ticks.
  window.addEventListener('storage', function (e) {
    if (e.key !== null && e.key.indexOf(prefix) !== 0) return;
    answers = loadAnswers();
    lists.forEach(function (l) { l.ticks = loadTicks(l); });
    update();
  });

  function action(name, fn) {
    var b = page.querySelector('.cl-actions [data-action=' + name + ']');
    if (b) b.addEventListener('click', fn);
  }

  action('clear', function () {
    if (!window.confirm(text('confirm'))) return;
    answers = Object.create(null);
    save('answers', answers);
    lists.forEach(function (l) {
      l.ticks = Object.create(null);
      save('ticks:' + l.id, l.ticks);
    });
    page.querySelectorAll('.cl-check input').forEach(function (input) { input.value = ''; });
    page.querySelectorAll('.cl-result').forEach(function (r) { r.replaceChildren(); });
    update();
    status.textContent = text('cleared');
  });

  action('print', function () { window.print(); });

  // The tailored list as plain text.
  function plainText() {
    var h1 = page.querySelector('h1');
    var lines = [(h1 ? h1.textContent.trim() : '') + '（' + (lists[0].site || '') + '）'];
    lines.push(overall.textContent);
    if (answersLine.textContent) lines.push(answersLine.textContent);
    lists.forEach(function (list) {
      if (list.section.hidden) return;
      lines.push('');
      if (lists.length > 1) {
        var h2 = list.section.querySelector('h2');
        lines.push('【' + (h2 ? h2.textContent.trim() : list.id) + '】');
      }
      list.items.forEach(function (it) {
        if (it.li.hidden) return;
        var notes = [];
        var badge = it.li.querySelector('.req, .opt');
        if (badge) notes.push(badge.textContent.trim());
        if (it.li.classList.contains('is-maybe')) {
          var when = it.li.querySelector('.when');
          notes.push(text('maybe-label') + (when ? '：' + when.textContent.trim() : ''));
        }
        lines.push((list.ticks[it.data.id] ? '☑ ' : '☐ ') + it.data.title +
          (notes.length ? '（' + notes.join('；') + '）' : ''));
      });
    });
    return lines.join('\n') + '\n';
  }

  function copyFallback(s) {
    var ta = document.createElement('textarea');
    ta.value = s;
    ta.setAttribute('readonly', '');
    ta.setAttribute('aria-label', text('copy-failed'));
    ta.className = 'cl-copy-text';
    var old = toolbar.querySelector('.cl-copy-text');
    if (old) old.remove();
    toolbar.appendChild(ta);
    ta.focus();
    ta.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    if (ok) ta.remove();
    status.textContent = ok ? text('copied') : text('copy-failed');
  }

  action('copy', function () {
    var s = plainText();
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(s).then(function () {
        status.textContent = text('copied');
      }, function () { copyFallback(s); });
    } else {
      copyFallback(s);
    }
  });

  // ---- Local checks ---------------------------------------------------------------------------

  function line(kind, s) {
    var p = document.createElement('p');
    p.className = kind;
    if (kind === 'ok' || kind === 'bad') {
      var mark = document.createElement('span');
      mark.className = 'mark';
      mark.setAttribute('aria-hidden', 'true');
      mark.textContent = kind === 'ok' ? '✓ ' : '✗ ';
      p.appendChild(mark);
      var word = document.createElement('strong');
      word.textContent = kind === 'ok' ? '符合：' : '不符合：';
      p.appendChild(word);
    }
    p.appendChild(document.createTextNode(s));
    return p;
  }
  function show(result, nodes) { result.replaceChildren.apply(result, nodes); }

  function kb(bytes) {
    var v = bytes / 1024;
    return (Math.round(v * 10) / 10).toString().replace(/\.0$/, '') + ' KB';
  }

  function imageSize(file) {
    if (window.createImageBitmap) {
      return window.createImageBitmap(file).then(function (bmp) {
        var size = { width: bmp.width, height: bmp.height };
        if (bmp.close) bmp.close();
        return size;
      }, function () { return imageSizeByElement(file); });
    }
    return imageSizeByElement(file);
  }
  function imageSizeByElement(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        URL.revokeObjectURL(url);
        resolve({ width: img.naturalWidth, height: img.naturalHeight });
      };
      img.onerror = function () {
        URL.revokeObjectURL(url);
        reject(new Error('not an image'));
      };
      img.src = url;
    });
  }

  function checkImage(input, result, item) {
    var c = item.constraints || {};
    var file = input.files && input.files[0];
    var token = {};
    input.clToken = token;
    if (!file) { show(result, []); return; }
    show(result, [line('info', '正在讀取「' + file.name + '」……')]);
    imageSize(file).then(function (dim) { return dim; }, function () { return null; }).then(function (dim) {
      if (input.clToken !== token) return;
      var out = [line('info', '檔案「' + file.name + '」：' + kb(file.size) + (dim ? '，' + dim.width + '×' + dim.height + ' 像素' : '') + '。')];
      var todo = [];
      var fails = 0;
      var minW = c.min_width || 0, minH = c.min_height || 0;
      if (c.max_bytes != null) {
        var exact = Math.abs(file.size - c.max_bytes) < 1024 ? '（' + file.size + ' 位元組，上限 ' + c.max_bytes + ' 位元組）' : '';
        if (file.size <= c.max_bytes) {
          out.push(line('ok', '檔案大小 ' + kb(file.size) + '，不超過上限 ' + kb(c.max_bytes) + exact + '。'));
        } else {
          fails++;
          out.push(line('bad', '檔案大小 ' + kb(file.size) + '，超過上限 ' + kb(c.max_bytes) + exact + '。'));
          todo.push('把圖片壓縮（降低畫質，例如存成畫質較低的 JPEG）後再選一次，直到不超過 ' + kb(c.max_bytes) +
            (minW || minH ? '；壓縮時不要縮小尺寸，寬高仍需至少 ' + minW + '×' + minH + ' 像素' : '') + '。');
        }
      }
      if (!dim) {
        fails++;
        out.push(line('bad', '無法讀取這個檔案的圖片內容，檢查不了像素尺寸。'));
        todo.push('請確認選的是照片或掃描圖片檔，而不是其他文件。');
      } else if (minW || minH) {
        if (dim.width >= minW && dim.height >= minH) {
          out.push(line('ok', '解析度 ' + dim.width + '×' + dim.height + ' 像素，不低於 ' + minW + '×' + minH + '。'));
        } else {
          fails++;
          var short = [];
          if (dim.width < minW) short.push('寬度 ' + dim.width + '，少於 ' + minW);
          if (dim.height < minH) short.push('高度 ' + dim.height + '，少於 ' + minH);
          out.push(line('bad', '解析度 ' + dim.width + '×' + dim.height + ' 像素，低於 ' + minW + '×' + minH + '（' + short.join('；') + '）。'));
          todo.push('用更高的解析度重新拍攝或掃描，寬至少 ' + minW + ' 像素、高至少 ' + minH + ' 像素；不要用截圖或縮小過的圖片。');
        }
      }
      if (fails) {
        out.push(line('todo', '怎麼做：' + todo.join(' ')));
      } else {
        out.push(line('summary', '這張圖片符合大小和解析度的要求。'));
      }
      show(result, out);
    });
  }

  var DAY = 86400000;
  function checkDate(input, result, item) {
    var days = (item.constraints || {}).min_validity_days;
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.value);
    if (!m || days == null) { show(result, []); return; }
    var y = +m[1], mo = +m[2], d = +m[3];
    var now = new Date();
    var left = Math.round((Date.UTC(y, mo - 1, d) - Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())) / DAY);
    var date = y + '年' + mo + '月' + d + '日';
    if (left > days) {
      show(result, [line('ok', '有效期至 ' + date + '，距今還有 ' + left + ' 天，大於要求的 ' + days + ' 天。')]);
    } else {
      show(result, [
        line('bad', left < 0
          ? '證件已於 ' + date + ' 過期；有效期需距今大於 ' + days + ' 天。'
          : '有效期至 ' + date + '，距今只剩 ' + left + ' 天；需大於 ' + days + ' 天。'),
        line('todo', '怎麼做：先換領有效期更長的新證件，再用新證件備案。'),
      ]);
    }
  }

  var MOBILE = /^1[3-9]\d{9}$/;
  function normalizePhone(s) {
    var t = s.replace(/[\s\-－]/g, '');
    if (t.indexOf('+86') === 0) t = t.slice(3);
    return t;
  }

  function phoneInput(list, id) {
    return document.getElementById('phone.' + list.id + '.' + id);
  }

  function checkPhone(list, it, final) {
    var input = phoneInput(list, it.data.id);
    if (!input) return;
    var result = input.closest('.cl-check').querySelector('.cl-result');
    var raw = input.value.trim();
    var num = normalizePhone(raw);
    // While typing, wait for a whole number before judging.
    if (!raw || (!final && num.length < 11 && !result.childNodes.length)) { show(result, []); return; }
    var out = [];
    var ok = MOBILE.test(num);
    if (ok) {
      out.push(line('ok', '「' + raw + '」是 11 位、以 1 開頭的中國大陸手機號格式。'));
    } else {
      out.push(line('bad', '「' + raw + '」不像中國大陸手機號。'));
      out.push(line('todo', '怎麼做：去掉空格、橫線和 +86 之後，應是 11 位數字，第 1 位是 1、第 2 位是 3 到 9；請核對是否多打或少打了數字。'));
    }
    var otherId = (it.data.constraints || {}).differs_from;
    if (otherId) {
      var other = list.items.filter(function (o) { return o.data.id === otherId; })[0];
      var otherInput = phoneInput(list, otherId);
      var otherTitle = other ? other.data.title : otherId;
      var otherNum = otherInput ? normalizePhone(otherInput.value.trim()) : '';
      if (!otherNum) {
        out.push(line('info', '在「' + otherTitle + '」欄填入號碼後，會檢查兩個號碼是否不同。'));
      } else if (otherNum === num) {
        out.push(line('bad', it.data.title + '與「' + otherTitle + '」相同，不可以相同。'));
        out.push(line('todo', '怎麼做：' + it.data.title + '請改填一個與「' + otherTitle + '」不同的手機號。'));
      } else if (ok) {
        out.push(line('ok', '與「' + otherTitle + '」不同。'));
      }
    }
    show(result, out);
  }

  lists.forEach(function (list) {
    list.items.forEach(function (it) {
      it.li.querySelectorAll('.cl-check').forEach(function (box) {
        var input = box.querySelector('input');
        var result = box.querySelector('.cl-result');
        var kind = box.getAttribute('data-check');
        if (kind === 'image') {
          input.addEventListener('change', function () { checkImage(input, result, it.data); });
        } else if (kind === 'date') {
          input.addEventListener('change', function () { checkDate(input, result, it.data); });
          input.addEventListener('input', function () { checkDate(input, result, it.data); });
        } else if (kind === 'phone') {
          var recheck = function (final) {
            checkPhone(list, it, final);
            // Items whose number must differ from this one are checked again.
            list.items.forEach(function (o) {
              if (o !== it && (o.data.constraints || {}).differs_from === it.data.id) {
                var oi = phoneInput(list, o.data.id);
                if (oi && oi.value.trim()) checkPhone(list, o, true);
              }
            });
          };
          input.addEventListener('input', function () { recheck(false); });
          input.addEventListener('change', function () { recheck(true); });
        }
        box.hidden = false;
      });
      it.tick.hidden = false;
    });
  });

  // ---- Start ------------------------------------------------------------------------------------

  page.querySelectorAll('.cl-questions, .cl-js').forEach(function (el) { el.hidden = false; });
  page.querySelectorAll('.cl-nojs').forEach(function (el) { el.hidden = true; });
  page.classList.add('cl-ready');
  update();
})();
