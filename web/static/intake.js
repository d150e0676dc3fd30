// 登记受理: while the clerk types, ask the server what registration would
// decide (POST /api/v1/intakes/check saves nothing) and show the visitor's
// own cases and the likely duplicates; the clerk may attach the visit to a
// chosen open case instead of registering it. Saving goes through the API
// so the banner can say what happened, with links. Without this script the
// form still posts to /console/intake.
document.addEventListener('DOMContentLoaded', function () {
  'use strict';
  var J = window.Jiefen;
  var form = document.getElementById('intake-form');
  if (!J || !form) return;
  var el = J.el;
  var hints = document.getElementById('intake-hints');
  var decisionEl = document.getElementById('intake-decision');
  var listEl = document.getElementById('intake-candidates');
  var banner = document.getElementById('intake-banner');
  var attachEl = document.getElementById('intake-attach');
  var attachCase = document.getElementById('intake-attach-case');
  var submit = document.getElementById('intake-submit');
  var submitText = submit.textContent;
  var chosen = ''; // the case the visit is attached to, '' to register
  var seq = 0;     // only the newest check's answer is shown
  var timer = null;

  function val(name) {
    var f = form.elements[name];
    return f ? f.value.trim() : '';
  }

  // body is the form as the API takes it (the same body for check, save
  // and attach).
  function body() {
    var b = {
      channel: val('channel'), category: val('category'), subject: val('subject'),
      content: val('content'), address: val('address'), region_code: val('region_code'),
      person: { name: val('person.name'), id_number: val('person.id_number'), phone: val('person.phone') }
    };
    if (val('respondent')) b.respondent = val('respondent');
    return b;
  }

  // Checking half a form only yields 400s: wait for what detection needs.
  function ready(b) {
    return b.person.name && (b.person.phone || b.person.id_number) && b.region_code &&
      (b.subject || b.content);
  }

  var decisions = {
    new: '登记后将新建案件。',
    merged: '与本人在办案件为同一事项，登记后将并入该案件。',
    repeat: '与本人已办结案件为同一事项，登记后将作为重复信访新建案件并关联原案。',
    grouped: '与他人案件为同一事项，登记后将归入群体性事项。'
  };
  var roles = { target: '将并入/关联', review: '可能同一事项', person: '本人案件', group: '群体性事项', similar: '相似' };

  function pct(x) { return x === null || x === undefined ? '—' : Math.round(x * 100) + '%'; }

  function caseLink(no) {
    return el('a', { href: '/console/cases/' + encodeURIComponent(no), target: '_blank', rel: 'noopener', text: no });
  }

  function table(title, items) {
    if (!items.length) return null;
    return el('div', {}, [
      el('h3', { text: title }),
      el('table', { class: 'list' }, [
        el('thead', {}, [el('tr', {}, ['案件', '事项', '首次受理', '渠道', '状态', '判断', '同一人', '同一事项', ''].map(function (h) {
          return el('th', { text: h });
        }))]),
        el('tbody', {}, items.map(function (c) {
          return el('tr', { 'data-case': c.case_no }, [
            el('td', {}, [caseLink(c.case_no)]),
            el('td', { text: c.subject }),
            el('td', { text: J.chinaTime(c.received_at).slice(0, 10) }),
            el('td', { text: c.channel_label }),
            el('td', { text: c.status_label }),
            el('td', { text: roles[c.role] || c.role }),
            el('td', { text: pct(c.p_same_person) }),
            el('td', { text: pct(c.p_same_matter) }),
            el('td', {}, [c.same_person && c.open ? el('button', {
              type: 'button', class: 'secondary', text: '并入此案', 'data-attach': c.case_no,
              onclick: function () { choose(c.case_no); }
            }) : null])
          ]);
        }))
      ])
    ]);
  }

  function show(r) {
    listEl.textContent = '';
    if (!r.ok) {
      // Incomplete or invalid input: registration would refuse it too,
      // and the form shows why on saving.
      decisionEl.textContent = r.status === 400 ? '信息不完整，暂无提示：' + J.errorText(r) : J.errorText(r);
      hints.hidden = false;
      return;
    }
    var b = r.body;
    var text = decisions[b.decision] || '';
    if (b.target) text += '（案件 ' + b.target + '）';
    decisionEl.textContent = text;
    decisionEl.setAttribute('data-decision', b.decision);
    var own = b.candidates.filter(function (c) { return c.same_person; });
    var others = b.candidates.filter(function (c) { return !c.same_person; });
    [table('本人的在办和历史案件', own), table('可能相关的他人案件', others)].forEach(function (t) {
      if (t) listEl.appendChild(t);
    });
    if (!b.candidates.length) listEl.appendChild(el('p', { text: '未发现相关案件。' }));
    hints.hidden = false;
  }

  function check() {
    var b = body();
    if (!ready(b)) return;
    var mine = ++seq;
    J.api('POST', '/intakes/check', b).then(function (r) {
      if (mine === seq) show(r);
    });
  }

  function choose(no) {
    chosen = no;
    attachCase.textContent = no;
    attachCase.href = '/console/cases/' + encodeURIComponent(no);
    attachEl.hidden = !no;
    submit.textContent = no ? '并入案件 ' + no : submitText;
  }
  document.getElementById('intake-attach-cancel').addEventListener('click', function () { choose(''); });

  form.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(check, 600);
  });

  function newKey() {
    var a = new Uint8Array(12);
    crypto.getRandomValues(a);
    return 'form-' + Array.prototype.map.call(a, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  // say builds the banner: what registration did, with links.
  function say(b) {
    var related = function (kind) {
      return (b.related || []).filter(function (m) { return m.kind === kind && m.case_no !== b.case_no; })
        .map(function (m) { return m.case_no; });
    };
    var parts;
    var rep = related('repeat'), grp = related('related');
    if (b.decision === 'merged' || b.decision === 'attached') {
      parts = ['已并入案件 ', caseLink(b.case_no)];
    } else if (b.decision === 'repeat') {
      parts = ['重复信访，关联 '].concat(rep.length ? [caseLink(rep[0])] : [], ['，新案件 ', caseLink(b.case_no)]);
    } else if (b.decision === 'grouped') {
      parts = ['群体性事项，与 '];
      grp.forEach(function (no, i) { if (i) parts.push('、'); parts.push(caseLink(no)); });
      parts.push(' 归为同一事项，新案件 ', caseLink(b.case_no));
    } else {
      parts = ['已登记，案件编号 ', caseLink(b.case_no)];
    }
    banner.textContent = '';
    banner.className = 'flash';
    parts.forEach(function (p) { banner.appendChild(typeof p === 'string' ? document.createTextNode(p) : p); });
    banner.setAttribute('data-decision', b.decision);
    banner.hidden = false;
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    clearTimeout(timer);
    seq++; // a check still under way must not repaint the hints
    var key = val('idempotency_key');
    var path = chosen ? '/cases/' + encodeURIComponent(chosen) + '/intakes' : '/intakes';
    submit.disabled = true;
    fetch('/api/v1' + path, {
      method: 'POST', credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify(body())
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (b) { return { ok: res.ok, status: res.status, body: b || {} }; });
    }, function () { return { ok: false, status: 0, body: {} }; }).then(function (r) {
      submit.disabled = false;
      if (!r.ok) {
        banner.textContent = J.errorText(r);
        banner.className = 'error';
        banner.hidden = false;
        return;
      }
      say(r.body);
      // The next visitor starts from a clean form and a fresh key.
      var keep = { channel: val('channel') };
      form.reset();
      form.elements.channel.value = keep.channel;
      form.elements.idempotency_key.value = newKey();
      choose('');
      hints.hidden = true;
      listEl.textContent = '';
      window.scrollTo(0, 0);
    });
  });
});
