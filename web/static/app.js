// DataGate's one script. A form marked data-api is sent as JSON to that API
// endpoint (data-method, POST by default) with the session's CSRF token and
// the page's language; a refusal {"error":{"field","message","hint"}} is
// shown next to the field it names, and a success follows data-next
// ("reload", or a path where {a.b} is filled from the response). Field names
// are paths: "items[0].reason", "edits.purpose"; data-array collects
// checkboxes into a list; data-type="int"|"bool" types a value, and
// data-type="lines" makes a textarea a list of its non-empty lines; empty
// values are left out. A button's data-then is a second request made after the
// first succeeds; data-show shows the answer on the page instead of
// leaving it; data-flash (on the form or its button) is the message the
// next page shows once. No framework, no inline code.
(() => {
  'use strict';
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : '';
  const lang = document.documentElement.lang || 'zh-CN';
  const msg = (k) => document.body.getAttribute('data-msg-' + k) || k;

  const parsePath = (name) => {
    const out = [];
    name.replace(/\[(\d+)\]|[^.[\]]+/g, (m, i) => { out.push(i !== undefined ? Number(i) : m); return m; });
    return out;
  };
  const set = (obj, path, value, push) => {
    let o = obj;
    for (let i = 0; i < path.length - 1; i++) {
      if (o[path[i]] === undefined) o[path[i]] = typeof path[i + 1] === 'number' ? [] : {};
      o = o[path[i]];
    }
    const k = path[path.length - 1];
    if (push) (o[k] = o[k] || []).push(value); else o[k] = value;
  };
  const get = (obj, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
  const fill = (tpl, obj) => tpl.replace(/\{([\w.]+)\}/g, (m, p) => encodeURIComponent(get(obj, p) ?? ''));
  const typed = (el, v) => {
    switch (el.getAttribute('data-type')) {
      case 'int': return v === '' ? undefined : Number(v);
      case 'bool': return v === 'true';
      case 'lines': {
        const lines = v.split('\n').map((l) => l.trim()).filter((l) => l !== '');
        return lines.length ? lines : undefined;
      }
    }
    return v;
  };

  const body = (form, submitter) => {
    const raw = form.querySelector('[data-json-body]');
    if (raw) return JSON.parse(raw.value);
    const obj = {};
    for (const el of form.elements) {
      // :disabled, as a browser sends a form: a field of a disabled
      // fieldset is left out too.
      if (!el.name || el.matches(':disabled') || ['submit', 'button', 'file', 'reset'].includes(el.type)) continue;
      if ((el.type === 'checkbox' || el.type === 'radio') && !el.checked) continue;
      const v = typed(el, el.value);
      if (v === undefined || v === '') continue;
      set(obj, parsePath(el.name), v, el.hasAttribute('data-array'));
    }
    if (submitter && submitter.name) set(obj, parsePath(submitter.name), typed(submitter, submitter.value));
    return obj;
  };

  const clearErrors = (form) => {
    form.querySelectorAll('.field-error, .form-error').forEach((e) => e.remove());
    form.querySelectorAll('[aria-invalid]').forEach((el) => {
      el.removeAttribute('aria-invalid');
      const was = el.getAttribute('data-describedby');
      if (was === null) return;
      if (was) el.setAttribute('aria-describedby', was); else el.removeAttribute('aria-describedby');
      el.removeAttribute('data-describedby');
    });
  };

  // find locates the field an error names: "items[0].reason", else
  // "items[0]", else "items"; else the form's default place.
  const find = (form, field) => {
    for (let name = field; name;) {
      const q = CSS.escape(name);
      const el = form.querySelector(`[data-field="${q}"], [name="${q}"]:not([type="hidden"])`);
      if (el) return el;
      const shorter = name.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
      if (shorter === name) break;
      name = shorter;
    }
    return form.querySelector('[data-error-default]');
  };

  // labelOf is what the label of the field el shows (its "required" mark
  // left out): the name a message gives the field.
  const labelOf = (form, el) => {
    if (!el) return '';
    let lab = null;
    if (el.matches('input, select, textarea')) lab = el.id ? form.querySelector(`label[for="${CSS.escape(el.id)}"]`) : el.closest('label');
    else lab = el.querySelector(':scope > legend, label');
    if (!lab) return '';
    const copy = lab.cloneNode(true);
    copy.querySelectorAll('.req, .hint').forEach((e) => e.remove());
    return copy.textContent.trim();
  };

  // named makes a refusal name its field by the label the reader sees, not
  // by the API's key: "请填写 reason" → "请填写“理由”", "应用场景名称（title）
  // 不能为空" → "应用场景名称不能为空". In English only where a message names
  // the key ("fill in reason", "title is required"), not the word in a
  // sentence ("needs a reason").
  const named = (text, field, label) => {
    if (!text || !field || !label) return text;
    const keys = [field];
    const last = field.replace(/^.*[.\]]/, '');
    if (last && last !== field) keys.push(last);
    const en = lang.startsWith('en');
    const esc = (v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const end = '(?![\\w.\\[\\]-])';
    for (const k of keys) {
      const q = esc(k);
      // "名称（title）", "名称 title": the label is there already.
      text = text.replace(new RegExp(`[（(]${q}[）)]`, 'g'), '');
      text = text.replace(new RegExp(`${esc(label)}\\s*${q}${end}`, 'g'), label);
      const word = en ? `(^|fill in )${q}${end}` : `(^|[^\\w.\\[\\]-])${q}${end}`;
      text = text.replace(new RegExp(word, 'g'), (m, pre) => pre + (en ? label : '“' + label + '”'));
    }
    // Chinese puts no space around a quoted name.
    return en ? text : text.replace(new RegExp(`\\s*“${esc(label)}”\\s*`, 'g'), `“${label}”`);
  };

  let seq = 0;
  // showError shows a refusal at its field, and the request's other
  // refusals (err.others) each at its own, all at once; the first
  // refused field takes the focus.
  const showError = (form, err) => {
    const first = showOne(form, err);
    (err.others || []).forEach((o) => showOne(form, o));
    if (first) first.focus();
  };
  const showOne = (form, err) => {
    const p = document.createElement('p');
    p.id = 'err-' + (++seq);
    p.setAttribute('role', 'alert');
    const target = err.field ? find(form, err.field) : form.querySelector('[data-error-default]');
    const label = err.field ? labelOf(form, target) : '';
    p.textContent = named(err.message, err.field, label) + (err.hint ? ' — ' + named(err.hint, err.field, label) : '');
    if (!target) {
      p.className = 'form-error';
      form.prepend(p);
      return null;
    }
    p.className = 'field-error';
    (target.closest('.field') || target).append(p);
    const input = target.matches('input, select, textarea') ? target : target.querySelector('input:not([type="hidden"]):not(:disabled), select, textarea');
    if (!input) return null;
    if (input.getAttribute('aria-invalid') !== 'true') {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('data-describedby', input.getAttribute('aria-describedby') || '');
    }
    input.setAttribute('aria-describedby', ((input.getAttribute('aria-describedby') || '') + ' ' + p.id).trim());
    return input;
  };

  const busy = (form, on) => {
    form.toggleAttribute('aria-busy', on);
    form.querySelectorAll('button').forEach((b) => { b.disabled = on; });
  };

  // send makes one API request and reads its JSON answer (null when the
  // answer is not JSON); it throws on a network failure.
  const send = async (url, method, data) => {
    const res = await fetch(url, {
      method, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Accept-Language': lang, 'X-CSRF-Token': csrf },
      body: method === 'DELETE' ? undefined : JSON.stringify(data),
    });
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : {}; } catch { json = null; }
    return { res, json };
  };

  // show puts a success answer into the element data-show names (its
  // [data-fill] children get the answer's fields) and reveals it, in place
  // of leaving the page: for what is shown once, such as a new API token.
  const show = (form, json) => {
    const box = document.getElementById(form.getAttribute('data-show'));
    if (!box) return false;
    box.querySelectorAll('[data-fill]').forEach((el) => {
      let v = get(json || {}, el.getAttribute('data-fill'));
      if (Array.isArray(v)) v = v.join('\n');
      if (el.matches('img')) el.src = v ? 'data:image/png;base64,' + v : '';
      else if (el.matches('input, textarea')) el.value = v ?? ''; else el.textContent = v ?? '';
    });
    box.hidden = false;
    form.reset();
    const input = box.querySelector('input, textarea');
    if (input) { input.focus(); input.select(); } else box.focus();
    return true;
  };

  // Flash messages. A form (or the button that sent it) names in
  // data-flash, in the page's language, what its success did ("已提交申请");
  // the script keeps that text in sessionStorage just before it leaves
  // the page, and the next page's script takes it out and shows it once in
  // the layout's role="status" region, with a button that dismisses it.
  // Why here and not a cookie the server reads: only this script knows that
  // the action succeeded and which page comes next (a reload, or a path from
  // the answer); sessionStorage belongs to this tab alone (another tab
  // never shows this tab's message), is never sent to the server, and is
  // emptied when read, so a reload does not show the message again. Put in
  // the live region after the page has loaded (not rendered into it by
  // the server), the message is announced by screen readers; text present
  // at load would not be. It is set as text, never as HTML.
  const flashKey = 'datagate.flash';
  const keepFlash = (form, submitter) => {
    const text = (submitter && submitter.getAttribute('data-flash')) || form.getAttribute('data-flash');
    try { if (text) sessionStorage.setItem(flashKey, text); } catch { /* storage off: no message */ }
  };
  const showFlash = () => {
    let text = null;
    try { text = sessionStorage.getItem(flashKey); sessionStorage.removeItem(flashKey); } catch { text = null; }
    const region = document.getElementById('flash');
    if (!text || !region) return;
    const p = document.createElement('p');
    p.className = 'flash';
    const span = document.createElement('span');
    span.textContent = text;
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'flash-close';
    close.setAttribute('aria-label', msg('dismiss'));
    close.textContent = '×';
    close.addEventListener('click', () => { p.remove(); });
    p.append(span, close);
    // A moment after load, so that screen readers have found the region.
    setTimeout(() => { region.append(p); }, 100);
  };
  showFlash();

  document.addEventListener('submit', async (e) => {
    const form = e.target;
    if (!form.hasAttribute('data-api')) return;
    e.preventDefault();
    const ask = form.getAttribute('data-confirm');
    if (ask && !window.confirm(ask)) return;
    clearErrors(form);
    let data;
    try { data = body(form, e.submitter); } catch { showError(form, { message: msg('json') }); return; }
    const method = (form.getAttribute('data-method') || 'POST').toUpperCase();
    // data-then on the button: a second request (POST) after the first
    // succeeds, e.g. save a draft, then submit it.
    const then = e.submitter ? e.submitter.getAttribute('data-then') : null;
    busy(form, true);
    let r;
    try {
      r = await send(fill(form.getAttribute('data-api'), data), method, data);
      if (r.res.ok && then) r = await send(fill(then, r.json || {}), 'POST', {});
    } catch {
      busy(form, false);
      showError(form, { message: msg('network') });
      return;
    }
    const { res, json } = r;
    if (res.ok) {
      if (form.hasAttribute('data-show')) {
        busy(form, false);
        if (show(form, json)) return;
      }
      keepFlash(form, e.submitter);
      const next = form.getAttribute('data-next') || 'reload';
      if (next === 'reload') window.location.reload(); else window.location.assign(fill(next, json || {}));
      return;
    }
    busy(form, false);
    showError(form, (json && json.error) || { message: msg('failed') + ' (' + res.status + ')' });
  });

  // A form marked data-upload sends its fields and file as
  // multipart/form-data to that endpoint, with the upload's progress in
  // its <progress>; a refusal is shown next to the field it names.
  document.addEventListener('submit', (e) => {
    const form = e.target;
    if (!form.hasAttribute('data-upload')) return;
    e.preventDefault();
    clearErrors(form);
    const bar = form.querySelector('progress');
    const done = (err) => {
      busy(form, false);
      if (bar) bar.hidden = true;
      showError(form, err);
    };
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.getAttribute('data-upload'));
    xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.setRequestHeader('Accept-Language', lang);
    if (bar) {
      bar.hidden = false;
      bar.value = 0;
      xhr.upload.addEventListener('progress', (p) => { if (p.lengthComputable) bar.value = p.loaded / p.total; });
    }
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) { keepFlash(form, null); window.location.reload(); return; }
      let err = null;
      try { err = JSON.parse(xhr.responseText).error; } catch { err = null; }
      done(err || { message: msg('failed') + ' (' + xhr.status + ')' });
    });
    xhr.addEventListener('error', () => done({ message: msg('network') }));
    busy(form, true);
    xhr.send(new FormData(form));
  });

  // Grade-3 data, and closed data eligible for authorized operation, may
  // be used only in the secure environment (data-secure): picking it takes
  // download and API access off the form (the API refuses them too).
  const gradeRule = (form) => {
    const restricted = [...form.querySelectorAll('input[data-grade]')].some((el) => el.checked && (Number(el.dataset.grade) >= 3 || el.hasAttribute('data-secure')));
    form.querySelectorAll('option[data-restricted]').forEach((o) => { o.disabled = restricted; });
    const sel = form.querySelector('select[name="access_mode"]');
    if (restricted && sel && sel.selectedOptions[0] && sel.selectedOptions[0].disabled) sel.value = 'sandbox';
    const note = form.querySelector('[data-grade-note]');
    if (note) note.hidden = !restricted;
  };
  document.querySelectorAll('form[data-grade-rule]').forEach(gradeRule);

  // A dataset used only with its data subjects' consent (data-consent)
  // asks for the consent's basis while it is picked: its fieldset is shown
  // and sent then, hidden and left out otherwise.
  const consentRule = (box) => {
    const fs = document.getElementById(box.getAttribute('data-consent'));
    if (!fs) return;
    fs.hidden = !box.checked;
    fs.disabled = !box.checked;
  };
  document.querySelectorAll('input[data-consent]').forEach(consentRule);

  document.addEventListener('change', (e) => {
    const el = e.target;
    if (el.form && el.form.hasAttribute('data-grade-rule') && el.hasAttribute('data-grade')) gradeRule(el.form);
    if (el.hasAttribute('data-consent')) consentRule(el);
    if (el.hasAttribute('data-json-file') && el.files && el.files[0]) {
      el.files[0].text().then((t) => { document.getElementById(el.getAttribute('data-json-file')).value = t; });
    }
  });
  // The inbox's batch toolbar (form[data-batch]): the rows ticked
  // (input.batch-pick) are sent in one request, one decision for all; the
  // toolbar offers only the decisions every ticked row's kind takes
  // (data-kinds), and the reason and basis a decision needs. The results
  // are kept across the reload that follows (sessionStorage) and shown
  // once: a summary, one line per row, and a refusal next to its row.
  const batch = document.querySelector('form[data-batch]');
  const batchBox = document.getElementById('batch-results');
  const batchKey = 'dg-batch-results';
  // bmsg is a word of the batch's, from the results' box.
  const bmsg = (k) => (batchBox && batchBox.getAttribute('data-msg-' + k)) || k;
  if (batch) {
    const picks = () => [...document.querySelectorAll('input.batch-pick')];
    const choice = () => batch.querySelector('input[name="decision"]:checked');
    const refresh = () => {
      const on = picks().filter((p) => p.checked);
      const kinds = new Set(on.map((p) => p.dataset.kind));
      let any = false;
      batch.querySelectorAll('input[name="decision"]').forEach((r) => {
        const takes = (r.dataset.kinds || '').split(' ');
        r.disabled = on.length === 0 || [...kinds].some((k) => !takes.includes(k));
        if (r.disabled) r.checked = false;
        any = any || !r.disabled;
      });
      const c = choice();
      document.getElementById('batch-reason-field').hidden = !(c && c.hasAttribute('data-reason'));
      document.getElementById('batch-basis-field').hidden = !(c && c.hasAttribute('data-basis'));
      document.getElementById('batch-submit').disabled = !c;
      const count = document.getElementById('batch-count');
      if (on.length === 0) count.textContent = bmsg('none');
      else count.textContent = bmsg('selected').replace('{n}', on.length) + (any ? '' : ' ' + bmsg('mixed'));
    };
    document.addEventListener('change', (e) => {
      if (e.target.matches('input.batch-pick') || (e.target.form === batch && e.target.name === 'decision')) refresh();
    });
    refresh();

    batch.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(batch);
      document.querySelectorAll('.batch-error').forEach((el) => el.remove());
      const c = choice();
      const on = picks().filter((p) => p.checked);
      if (!c || on.length === 0) return;
      const reason = batch.querySelector('[name="reason"]');
      const basis = batch.querySelector('[name="basis"]');
      const rows = on.map((p) => {
        const row = { task_id: p.value, decision: c.value };
        if (c.hasAttribute('data-reason') && reason.value.trim()) row.reason = reason.value;
        if (c.hasAttribute('data-basis') && basis.value.trim()) row.basis = basis.value;
        return row;
      });
      busy(batch, true);
      let r;
      try {
        r = await send(batch.getAttribute('data-batch'), 'POST', { decisions: rows });
      } catch {
        busy(batch, false);
        refresh();
        showError(batch, { message: msg('network') });
        return;
      }
      const { res, json } = r;
      if (!res.ok || !json || !Array.isArray(json.results)) {
        busy(batch, false);
        refresh();
        showError(batch, (json && json.error) || { message: msg('failed') + ' (' + res.status + ')' });
        return;
      }
      const decided = (c.closest('label') || c).textContent.trim();
      const out = json.results.map((res, i) => {
        const p = on[i];
        const line = { task: res.task_id, label: p ? p.dataset.label : '', ok: res.status === 200 };
        if (line.ok) {
          line.text = bmsg('done').replace('{d}', decided);
        } else {
          const err = res.error || { message: msg('failed') + ' (' + res.status + ')' };
          const key = (err.field || '').replace(/^decisions\[\d+\]\.?/, '');
          const el = key ? batch.querySelector(`[name="${CSS.escape(key)}"]`) : null;
          const label = el ? labelOf(batch, el) : '';
          let text = named(err.message, key, label);
          if (err.hint && !/\/api\//.test(err.hint)) text += ' — ' + named(err.hint, key, label);
          // The task's ID is internal: the row's own words name it.
          if (res.task_id) {
            const id = res.task_id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            text = text.replace(new RegExp('(任务\\s*|[Tt]ask\\s+)?[“"]?' + id + '[”"]?', 'g'), bmsg('this'));
            // Chinese puts no space after the words.
            if (!lang.startsWith('en')) text = text.split(bmsg('this') + ' ').join(bmsg('this'));
          }
          line.text = bmsg('refused').replace('{m}', text);
        }
        return line;
      });
      try { sessionStorage.setItem(batchKey, JSON.stringify({ path: location.pathname, rows: out })); } catch { /* shown below */ }
      window.location.reload();
    });
  }

  // showBatch shows the results of the batch sent before this page loaded.
  const showBatch = () => {
    let saved;
    try { saved = JSON.parse(sessionStorage.getItem(batchKey) || 'null'); sessionStorage.removeItem(batchKey); } catch { saved = null; }
    const box = batchBox;
    if (!saved || !box || saved.path !== location.pathname) return;
    const ok = saved.rows.filter((r) => r.ok).length;
    box.querySelector('.summary').textContent = bmsg('summary').replace('{ok}', ok).replace('{failed}', saved.rows.length - ok);
    const ul = box.querySelector('ul');
    saved.rows.forEach((r) => {
      const li = document.createElement('li');
      li.className = r.ok ? 'batch-ok' : 'batch-refused';
      li.textContent = r.label + ' — ' + r.text;
      ul.append(li);
      if (r.ok) return;
      // The row, if still listed (a task a colleague claimed meanwhile
      // is, without its checkbox).
      const tr = r.task ? document.getElementById('row-' + r.task) : null;
      if (!tr) return;
      const p = document.createElement('p');
      p.className = 'field-error batch-error';
      p.textContent = r.text;
      (tr.querySelector('td.title') || tr.cells[0]).append(p);
    });
    box.hidden = false;
    box.setAttribute('tabindex', '-1');
    box.focus();
  };
  showBatch();
})();
