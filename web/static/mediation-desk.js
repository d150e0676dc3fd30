// 我的调解 (/console/mediator): the mediator's offers to accept or decline,
// this week's sessions and their mediations by clock
// (GET /api/v1/mediations/mine).
document.addEventListener('DOMContentLoaded', function () {
  'use strict';
  var box = document.getElementById('module');
  if (!box || !window.Jiefen) return;
  var el = Jiefen.el, api = Jiefen.api;
  var msg = el('p', { class: 'meta', role: 'status' });

  function caseLink(no) { return el('a', { href: '/console/cases/' + encodeURIComponent(no), text: no }); }

  function offers(list) {
    if (!list.length) return [el('p', { class: 'meta', text: '没有待答复的调解邀请' })];
    return [el('table', { id: 'offers' }, list.map(function (o) {
      var reason = el('input', { placeholder: '拒绝理由' });
      return el('tr', { 'data-offer': o.id }, [el('td', {}, [caseLink(o.case_no)]), el('td', { text: o.unit_name }),
        el('td', { text: '请于 ' + Jiefen.chinaTime(o.due_at).slice(0, 10) + ' 前答复' }),
        el('td', {}, [el('button', { type: 'button', class: 'accept', text: '接受', onclick: function () {
          api('POST', '/mediations/' + o.mediation_id + '/offers/' + o.id + '/accept').then(done('已接受'));
        } }), reason, el('button', { type: 'button', class: 'decline', text: '拒绝', onclick: function () {
          api('POST', '/mediations/' + o.mediation_id + '/offers/' + o.id + '/decline', { reason: reason.value }).then(done('已拒绝'));
        } })])]);
    }))];
  }

  function sessions(list) {
    if (!list.length) return [el('p', { class: 'meta', text: '本周没有调解安排' })];
    return [el('ul', { id: 'sessions' }, list.map(function (s) {
      return el('li', {}, [Jiefen.chinaTime(s.starts_at).replace('T', ' ') + ' ', caseLink(s.case_no),
        ' ' + (s.kind === 'video' ? '视频调解 ' + (s.link || '') : s.place)]);
    }))];
  }

  function mediations(list) {
    if (!list.length) return [el('p', { class: 'meta', text: '暂无承办的调解' })];
    return [el('table', { id: 'mediations' }, list.map(function (m) {
      var due = m.due ? m.clock + ' 截止 ' + Jiefen.chinaTime(m.due).slice(0, 10) + '（剩余 ' + m.days_left + ' 天）' : '';
      return el('tr', { class: m.days_left < 0 ? 'overdue' : null }, [el('td', {}, [caseLink(m.case_no)]), el('td', { text: m.unit_name }),
        el('td', { text: m.status }), el('td', { text: due })]);
    }))];
  }

  function done(ok) {
    return function (r) { msg.textContent = r.ok ? ok : Jiefen.errorText(r); if (r.ok) load(); };
  }

  function load() {
    api('GET', '/mediations/mine').then(function (r) {
      box.textContent = '';
      if (!r.ok) { box.appendChild(el('p', { class: 'meta', text: Jiefen.errorText(r) })); return; }
      var d = r.body;
      [['待答复的调解邀请', offers(d.offers)], ['本周调解安排', sessions(d.sessions)], ['我承办的调解（按期限）', mediations(d.mediations)]]
        .forEach(function (s) { box.appendChild(el('section', { class: 'card' }, [el('h2', { text: s[0] })].concat(s[1]))); });
      box.appendChild(msg);
    });
  }
  load();
});
