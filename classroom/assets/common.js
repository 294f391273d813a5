// doormat classroom: what the phone's page and the teacher's page share.
// Every string from the server, names and messages included, reaches the
// page as a text node or a property: never as HTML.
'use strict';

const doormat = (() => {
  /** An element with properties and children (strings become text nodes). */
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === 'class') e.className = value;
      else if (key === 'text') e.textContent = value;
      else e[key] = value;
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      e.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return e;
  }

  /** Replaces an element's children. */
  function fill(id, ...children) {
    const target = document.getElementById(id);
    target.replaceChildren(...children.flat().filter((c) => c));
    return target;
  }

  /** Shows one of the page's sections. */
  function show(id) {
    for (const section of ['join', 'phone', 'teacher']) {
      document.getElementById(section).hidden = section !== id;
    }
  }

  /** A request to the API: the parsed JSON, or an Error with the server's sentence. */
  async function api(method, path, body, headers) {
    const init = { method, headers: Object.assign({}, headers) };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let json = null;
    try { json = await response.json(); } catch (_) { json = null; }
    if (!response.ok) {
      const error = new Error((json && json.error) || `the server answered ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return json;
  }

  /** Calls `refresh` now and on every change the server announces; one call at a time. */
  function live(refresh) {
    let running = false;
    let again = false;
    const run = async () => {
      if (running) { again = true; return; }
      running = true;
      try { await refresh(); } catch (e) { console.error(e); }
      running = false;
      if (again) { again = false; run(); }
    };
    const status = document.getElementById('live');
    const events = new EventSource('/events');
    events.addEventListener('changed', run);
    events.onopen = () => { status.textContent = 'live'; };
    events.onerror = () => { status.textContent = 'reconnecting…'; };
    run();
    return run;
  }

  /** The room's rule, in the header. */
  function badge(mode) {
    const b = document.getElementById('mode-badge');
    b.hidden = false;
    b.textContent = { end_to_end: 'end to end', escrow: 'escrow mandate', scanning: 'client-side scanning' }[mode];
    b.className = mode === 'end_to_end' ? 'badge' : 'badge escrow';
  }

  const KIND = {
    clean: 'end to end', escrowed: 'escrowed', superencrypted: 'superencrypted', scanned: 'end to end + voucher',
  };

  const COLUMNS = [
    ['recipient', 'recipient'],
    ['others', 'other students'],
    ['service', 'the service'],
    ['eavesdropper', 'eavesdropper'],
    ['state', 'the state'],
    ['criminal', 'criminal (leaked key)'],
    ['seizer', 'seized phone'],
  ];

  /** One cell: what the party got. */
  function cell(key, value) {
    if (key === 'others') {
      const cls = value.read > 0 ? 'reads-bad' : 'cannot';
      return el('td', { class: cls, title: 'each tried with its own key' },
        `${value.read} of ${value.tried} read it`);
    }
    switch (value.got) {
      case 'reads':
        return el('td', { class: key === 'recipient' ? 'reads-ok' : 'reads-bad' }, 'reads it');
      case 'envelope':
        return el('td', { class: 'envelope', title: value.why }, `only an envelope (${value.why})`);
      case 'cannot':
        return el('td', { class: key === 'recipient' ? 'refused' : 'cannot' }, `cannot (${value.why})`);
      default:
        return el('td', { class: 'nokey' }, 'holds no key');
    }
  }

  /** The who-can-read matrix of the room's newest messages. */
  function matrix(rows) {
    if (rows.length === 0) return el('p', { class: 'note' }, 'No message yet.');
    const head = el('tr', {}, el('th', {}, '#'), el('th', {}, 'message'), el('th', {}, 'on the wire'),
      COLUMNS.map(([, title]) => el('th', {}, title)));
    const body = rows.map((r) => el('tr', { className: 'message' },
      el('td', {}, String(r.id + 1)),
      el('td', {}, el('span', { class: 'who' }, `${r.from} → ${r.to}`), el('br'), KIND[r.kind]),
      el('td', { title: `first bytes: ${r.first_bytes}` },
        `${r.bytes} bytes, ${r.recipients} recipient${r.recipients === 1 ? '' : 's'}`,
        r.escrowed_to ? el('br') : null,
        r.escrowed_to ? `access field for ${r.escrowed_to.slice(0, 9)}…` : null),
      COLUMNS.map(([key]) => cell(key, r.cells[key]))));
    return el('table', { class: 'matrix' }, el('thead', {}, head), el('tbody', {}, body));
  }

  /** A message someone opened: the text, or why not. */
  function letter(l, withRoute) {
    const route = withRoute ? `${l.from} → ${l.to}, ` : `from ${l.from}, `;
    const head = el('span', { class: 'who' }, `#${l.id + 1} ${route}${KIND[l.kind]}`);
    let body;
    if (l.read.got === 'reads') {
      const picture = l.read.picture === null ? null
        : el('img', { class: 'picture', src: `/pictures/${l.read.picture}.png`, alt: l.read.text });
      body = [picture, el('div', { class: 'text' }, l.read.text),
        el('div', { class: 'note' }, `signature verified: ${l.read.signed_by}`)];
    } else if (l.read.got === 'envelope') {
      body = el('div', { class: 'note' }, `found only another envelope, which it cannot open (${l.read.why})`);
    } else {
      body = el('div', { class: 'note' }, `cannot open it (${l.read.why})`);
    }
    return el('li', {}, head, body);
  }

  /** Fills a select with options, keeping the chosen one if it is still there. */
  function options(select, items) {
    const same = select.options.length === items.length && items.every(([value, label], i) =>
      select.options[i].value === String(value) && select.options[i].text === label);
    if (same) return; // An open list stays open while the student chooses.
    const chosen = select.value;
    select.replaceChildren(...items.map(([value, label]) => el('option', { value: String(value) }, label)));
    if (items.some(([value]) => String(value) === chosen)) select.value = chosen;
  }

  /** The teacher token, from the link's fragment (then hidden from the address bar) or this tab. */
  function teacherToken() {
    const match = /^#teacher=([0-9a-f]+)$/.exec(location.hash);
    if (match) {
      sessionStorage.setItem('doormat-teacher', match[1]);
      history.replaceState(null, '', location.pathname);
    }
    return sessionStorage.getItem('doormat-teacher');
  }

  return { el, fill, show, api, live, badge, matrix, letter, options, teacherToken };
})();
