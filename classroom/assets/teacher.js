// doormat classroom: the teacher's page and the projector. The teacher
// token came in the link's fragment, which never reaches a server log; it
// stays in this tab only.
'use strict';

(() => {
  const { el, fill, show, api, live, badge, matrix, letter, options } = doormat;
  const token = doormat.teacherToken();
  if (!token) return;

  const call = (method, path, body) => api(method, path, body, { 'x-doormat-teacher': token });
  let view = null;

  const PARTIES = [
    ['recipient', 'the recipients'],
    ['service', 'the service'],
    ['eavesdropper', 'an eavesdropper'],
    ['state', 'the state (escrow key)'],
    ['criminal', 'a criminal with the leaked key'],
    ['seizer', 'whoever seized a phone'],
  ];

  async function load() {
    try {
      view = await call('GET', '/api/room');
    } catch (e) {
      show('teacher');
      document.getElementById('t-error').textContent = e.message;
      return;
    }
    render();
  }

  function render() {
    show('teacher');
    badge(view.mode);
    const s = view.step;
    const a = view.answers[s.number];
    fill('teacher-step',
      el('h2', {}, s.title, el('span', { class: 'note' }, `  (${s.number + 1} of ${s.of})`)),
      el('p', {}, el('span', { class: 'who' }, 'Students: '), s.task),
      el('p', { class: 'note' }, `Teacher: ${s.teacher}`),
      el('p', { class: 'question' }, s.question),
      s.choices.length ? el('ol', { start: 1 }, s.choices.map((c) => el('li', {}, c))) : null,
      el('p', { id: 'step-answers' }, `${a.correct} of ${view.students.length} students answered right`
        + ` (${a.answered} answered).`));
    const m = view.tally.messages;
    const rows = PARTIES.map(([key, label]) => el('tr', { className: key === 'recipient' ? '' : 'leak' },
      el('td', {}, label), el('td', { class: 'count', id: `tally-${key}` }, `${view.tally[key]} of ${m}`)));
    rows.splice(1, 0, el('tr', { className: 'leak' }, el('td', {}, 'other students (all tries)'),
      el('td', { class: 'count', id: 'tally-others' }, `${view.tally.others_read} of ${view.tally.others_tried}`)));
    fill('teacher-tally',
      el('h2', {}, 'Tally: who read how many messages'),
      el('p', { class: 'note' }, `${view.students.length} phones, ${m} messages; escrow key ${view.escrow_key}`),
      el('table', { class: 'tally' }, el('tbody', {}, rows)),
      view.leaked_to ? el('p', { class: 'error' }, `The key leaked to ${view.leaked_to}.`) : null,
      view.seized ? el('p', { class: 'error' }, `${view.seized}'s phone was seized.`) : null,
      view.custody ? el('p', {}, `Custody: ${view.custody.shares} shares, any ${view.custody.threshold} rebuild the key.`) : null,
      scanning(view.scanning));
    fill('teacher-desk',
      el('h2', {}, "The state's desk"),
      el('p', { class: 'note' }, 'The escrow key opens each of the newest messages; the state is a recipient of none.'),
      el('ul', { class: 'letters' }, view.desk.length ? view.desk.map((l) => letter(l, true))
        : el('li', { class: 'note' }, 'Nothing yet.')));
    fill('teacher-answers',
      el('h2', {}, 'Answers, step by step'),
      el('table', { class: 'tally' }, el('tbody', {}, view.steps.map((title, i) => el('tr', {},
        el('td', {}, title),
        el('td', { class: 'count' }, `${view.answers[i].correct} / ${view.answers[i].answered}`))))));
    fill('teacher-wire', matrix(view.wire));
    renderControls();
  }

  /** What the scanning service holds, for the projector. */
  function scanning(s) {
    if (s.list.version === 1 && s.flagged.length === 0) return null;
    return el('p', {}, `Scanning list version ${s.list.version}`
      + (s.poster_listed ? ', with the protest poster' : '')
      + `; ${s.threshold} matches open an account.`
      + (s.flagged.length ? ` The service reads: ${s.flagged.join(', ')}.` : ''));
  }

  function renderControls() {
    document.getElementById('t-e2e').classList.toggle('selected', view.mode === 'end_to_end');
    document.getElementById('t-escrow').classList.toggle('selected', view.mode === 'escrow');
    document.getElementById('t-scanning').classList.toggle('selected', view.mode === 'scanning');
    document.getElementById('t-creep').disabled = view.scanning.poster_listed;
    options(document.getElementById('t-step'), view.steps.map((title, i) => [i, title]));
    document.getElementById('t-step').value = String(view.step.number);
    options(document.getElementById('t-student'), view.students.map((p) => [p.id,
      p.name + (p.key_copy ? ` (holds the key: ${p.key_copy})` : '')
        + (p.may_superencrypt ? ' (superencrypts)' : '') + (p.shares ? ` (${p.shares} share)` : '')]));
    const ticked = new Set([...document.querySelectorAll('#t-holders input:checked')].map((i) => i.value));
    fill('t-holders', view.students.map((p) => el('label', {},
      el('input', { type: 'checkbox', value: String(p.id), checked: ticked.has(String(p.id)) }), ' ', p.name)));
  }

  async function act(path, body) {
    const error = document.getElementById('t-error');
    try { await call('POST', path, body); error.textContent = ''; } catch (e) { error.textContent = e.message; }
  }

  const student = () => Number(document.getElementById('t-student').value);
  const on = (id, f) => document.getElementById(id).addEventListener('click', f);
  on('t-e2e', () => act('/api/teacher/mode', { mode: 'end_to_end' }));
  on('t-escrow', () => act('/api/teacher/mode', { mode: 'escrow' }));
  on('t-scanning', () => act('/api/teacher/mode', { mode: 'scanning' }));
  on('t-creep', () => act('/api/teacher/scan', {}));
  on('t-prev', () => act('/api/teacher/step', { step: Math.max(0, view.step.number - 1) }));
  on('t-next', () => act('/api/teacher/step', { step: Math.min(view.step.of - 1, view.step.number + 1) }));
  document.getElementById('t-step').addEventListener('change',
    (e) => act('/api/teacher/step', { step: Number(e.target.value) }));
  on('t-leak', () => act('/api/teacher/leak', { to: student() }));
  on('t-super', () => {
    const p = view.students.find((s) => s.id === student());
    act('/api/teacher/superencrypt', { to: student(), allow: !(p && p.may_superencrypt) });
  });
  on('t-seize', () => act('/api/teacher/seize', { phone: student() }));
  on('t-split', () => act('/api/teacher/split', {
    threshold: Number(document.getElementById('t-threshold').value),
    holders: [...document.querySelectorAll('#t-holders input:checked')].map((i) => Number(i.value)),
  }));
  let armed = null;
  on('t-reset', (e) => {
    if (armed) {
      clearTimeout(armed); armed = null; e.target.textContent = 'Reset the room';
      act('/api/teacher/reset', { keep_students: true });
      return;
    }
    e.target.textContent = 'Click again to reset';
    armed = setTimeout(() => { armed = null; e.target.textContent = 'Reset the room'; }, 4000);
  });
  on('t-hide', () => { document.body.classList.add('projector'); document.getElementById('t-show').hidden = false; });
  on('t-show', () => { document.body.classList.remove('projector'); document.getElementById('t-show').hidden = true; });

  live(load);
})();
