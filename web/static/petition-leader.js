// 领导包案 (/console/petition/leader): the cases the leader owns (包案),
// nearest target first, with their stage, next step, open clocks and
// supervision (GET /api/v1/petition/leader/cases), and a link to the
// leader's reception days (领导接访, /console/reception).
document.addEventListener('DOMContentLoaded', function () {
  'use strict';
  var box = document.getElementById('module');
  if (!box || !window.Jiefen) return;
  var el = Jiefen.el, api = Jiefen.api;
  api('GET', '/petition/leader/cases').then(function (r) {
    box.textContent = '';
    if (!r.ok) { box.appendChild(el('p', { class: 'meta', text: Jiefen.errorText(r) })); return; }
    box.appendChild(el('p', {}, [el('a', { href: r.body.reception || '/console/reception', text: '领导接访日安排 →' })]));
    var items = r.body.items || [];
    if (!items.length) { box.appendChild(el('p', { class: 'meta', text: '暂无包案事项' })); return; }
    var rows = items.map(function (c) {
      var clocks = (c.clocks || []).map(function (k) {
        return k.label + ' ' + String(k.due).slice(0, 10) + (k.days_left < 0 ? '（已逾期）' : '（剩 ' + k.days_left + ' 日）');
      }).join('；');
      return el('tr', { class: c.target_overdue ? 'overdue' : null, 'data-case': c.case_no }, [
        el('td', {}, [el('a', { href: '/console/cases/' + encodeURIComponent(c.case_no), text: c.case_no })]),
        el('td', { text: c.subject }), el('td', { text: c.stage_label }), el('td', { text: c.next_step }),
        el('td', { text: c.target_on + (c.target_overdue ? '（已过期）' : '') }),
        el('td', { text: clocks || '—' }), el('td', { text: c.supervised ? '督办中' : '' })]);
    });
    box.appendChild(el('section', { class: 'card' }, [el('h2', { text: '我包案的信访事项' }),
      el('table', {}, [el('tr', {}, ['案件编号', '事由', '环节', '下一步', '化解期限', '期限', '督办'].map(function (h) {
        return el('th', { text: h });
      }))].concat(rows))]));
  });
});
