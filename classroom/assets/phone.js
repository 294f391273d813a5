// doormat classroom: a student's simulated phone. The page holds only its
// session token (in this tab); the keys stay on the server.
'use strict';

(() => {
  const { el, fill, show, api, live, badge, matrix, letter, options } = doormat;
  if (doormat.teacherToken()) return;

  const SESSION = 'doormat-session';
  const session = () => sessionStorage.getItem(SESSION);
  const call = (method, path, body) => api(method, path, body, { 'x-doormat-session': session() });
  let view = null;
  let stepShown = null;
  let refresh = null;

  function say(id, error) {
    document.getElementById(id).textContent = error ? error.message : '';
  }

  async function load() {
    if (!session()) { show('join'); return; }
    try {
      view = await call('GET', '/api/me');
    } catch (e) {
      if (e.status === 401) { sessionStorage.removeItem(SESSION); show('join'); return; }
      throw e;
    }
    render();
  }

  function render() {
    show('phone');
    badge(view.mode);
    renderStep();
    fill('phone-me',
      el('h2', {}, 'Your phone'),
      el('p', {}, el('span', { class: 'who', id: 'my-name' }, view.name), ` (phone ${view.id + 1})`),
      el('p', { class: 'note' }, 'fingerprint of your public key'),
      el('p', { class: 'mono' }, view.fingerprint),
      view.seized ? el('p', { class: 'error' },
        'Your phone was seized: whoever holds it has a copy of your keys and reads every message sent to you, past ones included.') : null);
    options(document.getElementById('send-to'), view.contacts.map((c) => [c.id, c.name]));
    options(document.getElementById('send-picture'),
      [['', 'none: send the message text'], ...view.pictures.map((label, i) => [i, label])]);
    const list = document.getElementById('scan-list');
    list.hidden = view.mode !== 'scanning';
    list.textContent = `Your phone scans every picture before sealing it, against a list it cannot read: `
      + `version ${view.scan_list.version}, ${view.scan_list.bytes} bytes, digest ${view.scan_list.digest}.`;
    document.getElementById('send-super-label').hidden = !(view.may_superencrypt && view.mode === 'escrow');
    document.getElementById('send-text').maxLength = view.max_message_len;
    document.getElementById('inbox-client').textContent = view.mode === 'escrow'
      ? 'Your phone runs a compliant client: it refuses envelopes without a valid access field.'
      : 'Your phone runs a plain end-to-end client.';
    fill('phone-inbox', view.inbox.length ? view.inbox.map((l) => letter(l, false))
      : el('li', { class: 'note' }, 'Nothing yet.'));
    fill('phone-contacts', view.contacts.length ? view.contacts.map((c) => el('li', {},
      el('span', { class: 'who' }, c.name), el('div', { class: 'mono' }, c.safety_number)))
      : el('li', { class: 'note' }, 'Nobody else has joined yet.'));
    renderKeys();
    fill('phone-wire', matrix(view.wire));
  }

  function renderStep() {
    const s = view.step;
    const key = `${s.number}/${s.answered}`;
    if (key === stepShown) return;
    stepShown = key;
    const answer = s.choices.length
      ? el('div', { class: 'choices' }, s.choices.map((c, i) => el('label', {},
        el('input', { type: 'radio', name: 'answer', value: String(i) }), ' ', c)))
      : el('input', { type: 'number', id: 'answer-number', min: '0', inputMode: 'numeric' });
    const verdict = el('p', { id: 'verdict', class: 'verdict' });
    if (s.answered === true) { verdict.textContent = '✓ answered right'; verdict.classList.add('right'); }
    const form = el('form', { id: 'answer-form' }, answer,
      el('button', { type: 'submit', id: 'answer-button' }, 'Check my answer'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const picked = s.choices.length
        ? (form.querySelector('input[name=answer]:checked') || {}).value
        : document.getElementById('answer-number').value;
      if (picked === undefined || picked === '') { verdict.textContent = 'Choose an answer first.'; return; }
      try {
        const result = await call('POST', '/api/answer', { step: s.number, answer: String(picked) });
        verdict.textContent = result.correct ? `✓ ${result.says}` : `✗ Not quite. ${result.says}`;
        verdict.className = `verdict ${result.correct ? 'right' : 'wrong'}`;
        stepShown = `${s.number}/${result.correct}`;
      } catch (e) {
        verdict.textContent = e.message;
        verdict.className = 'verdict wrong';
      }
    });
    fill('phone-step',
      el('h2', {}, s.title, el('span', { class: 'note' }, `  (${s.number + 1} of ${s.of})`)),
      el('p', {}, s.task),
      el('p', { class: 'question' }, s.question),
      form, verdict);
  }

  function renderKeys() {
    const card = document.getElementById('phone-keys');
    card.hidden = view.shares.length === 0 && !view.key_copy;
    const shares = view.shares.length === 0 ? [] : [
      el('p', {}, view.shares.map(([index]) => `share ${index}`).join(', '),
        ` of the escrow key: any ${view.shares[0][1]} shares rebuild it.`),
      el('button', { type: 'button', id: 'rebuild', onclick: rebuild }, 'Rebuild the key from my shares'),
      el('label', { htmlFor: 'give-to' }, 'Give a copy of my shares to'),
      el('select', { id: 'give-to' }, view.contacts.map((c) => el('option', { value: String(c.id) }, c.name))),
      el('button', { type: 'button', id: 'give', onclick: give }, 'Give'),
    ];
    const copy = view.key_copy ? [
      el('p', { class: 'error' }, view.key_copy.how === 'leaked'
        ? 'You found a copy of the escrow key (a backup on the shared drive).'
        : 'You rebuilt the escrow key from custody shares.'),
      el('p', { class: 'note' }, `its fingerprint: ${view.key_copy.fingerprint}. What it opens, newest first:`),
      el('ul', { class: 'letters', id: 'copy-opens' }, view.key_copy.opens.map((l) => letter(l, true))),
    ] : [];
    fill('phone-shares', shares);
    fill('phone-copy', copy);
  }

  async function rebuild() {
    try { await call('POST', '/api/rebuild'); say('keys-error', null); } catch (e) { say('keys-error', e); }
  }

  async function give() {
    const to = Number(document.getElementById('give-to').value);
    try { await call('POST', '/api/share', { to }); say('keys-error', null); } catch (e) { say('keys-error', e); }
  }

  document.getElementById('join-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const joined = await api('POST', '/api/join', { name: document.getElementById('join-name').value });
      sessionStorage.setItem(SESSION, joined.session);
      say('join-error', null);
      await refresh();
    } catch (e) { say('join-error', e); }
  });

  document.getElementById('send-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = document.getElementById('send-text');
    const picture = document.getElementById('send-picture').value;
    const body = {
      to: Number(document.getElementById('send-to').value),
      superencrypt: document.getElementById('send-super').checked,
    };
    if (picture === '') body.text = text.value; else body.picture = Number(picture);
    try {
      await call('POST', '/api/send', body);
      text.value = '';
      say('send-error', null);
    } catch (e) { say('send-error', e); }
  });

  refresh = live(load);
})();
