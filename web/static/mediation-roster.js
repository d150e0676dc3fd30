// 调解员名册 (/console/mediation/roster): the mediating bodies of the
// supervisor's region with their mediators' load and capacity
// (GET /api/v1/mediation/roster), and the obligations past due and not
// performed (GET /api/v1/mediation/overdue).
document.addEventListener('DOMContentLoaded', function () {
  'use strict';
  var box = document.getElementById('module');
  if (!box || !window.Jiefen) return;
  var el = Jiefen.el, api = Jiefen.api;
  var FLOW = { people: '人民调解', administrative: '行政调解', judicial: '诉前调解', industry: '行业性专业性调解' };
  Promise.all([api('GET', '/mediation/roster'), api('GET', '/mediation/overdue')]).then(function (rs) {
    box.textContent = '';
    var roster = rs[0], overdue = rs[1];
    if (!roster.ok) { box.appendChild(el('p', { class: 'meta', text: Jiefen.errorText(roster) })); return; }
    var items = roster.body.items || [];
    if (!items.length) box.appendChild(el('p', { class: 'meta', text: '辖区内没有调解组织' }));
    items.forEach(function (u) {
      var rows = u.mediators.map(function (p) {
        return el('tr', { class: p.load >= p.capacity ? 'full' : null }, [el('td', { text: p.name + '（' + p.username + '）' }),
          el('td', { text: p.load + ' / ' + p.capacity }), el('td', { text: (p.specialties || []).join('、') }),
          el('td', { text: p.disabled ? '已停用' : (p.available_to ? '可承办至 ' + p.available_to : '') })]);
      });
      box.appendChild(el('section', { class: 'card roster', 'data-unit': u.unit_id }, [el('h2', { text: u.name + ' · ' + (FLOW[u.flow] || u.flow) }),
        rows.length ? el('table', {}, [el('tr', {}, [el('th', { text: '调解员' }), el('th', { text: '承办/上限' }), el('th', { text: '擅长' }), el('th', { text: '' })])].concat(rows))
          : el('p', { class: 'meta', text: '尚无调解员' })]));
    });
    var list = overdue.ok ? overdue.body.items || [] : [];
    box.appendChild(el('section', { class: 'card', id: 'overdue' }, [el('h2', { text: '逾期未履行的协议条款' })].concat(list.length ? [el('ul', {}, list.map(function (t) {
      return el('li', {}, [el('a', { href: '/console/cases/' + encodeURIComponent(t.case_no), text: t.case_no }),
        ' ' + t.party + '：' + t.obligation + '（期限 ' + t.due + '，调解员 ' + t.mediator_name + '）']);
    }))] : [el('p', { class: 'meta', text: '无' })])));
  });
});
