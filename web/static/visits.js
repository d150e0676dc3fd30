// 回访 panel of the case page: the case's return visits (GET
// /api/v1/cases/{no}/visits) and, on a resolved case, the form that records
// one (POST …/visits). A recorded visit moves the case (回访 → visited, or
// back to handling), so the page reloads after it. The server checks every
// permission; the panel ends with data-state="loaded".
document.addEventListener('DOMContentLoaded', function () {
  'use strict';
  var card = document.querySelector('[data-panel="visits"]');
  if (!card || !window.Jiefen) return;
  var J = window.Jiefen, el = J.el;
  var no = card.getAttribute('data-case');
  var body = card.querySelector('.panel-body');
  var METHODS = { phone: '电话回访', in_person: '上门回访', wechat: '微信回访' };

  J.api('GET', '/cases/' + encodeURIComponent(no) + '/visits').then(function (r) {
    body.textContent = '';
    if (!r.ok) {
      body.appendChild(el('p', { class: 'meta', text: J.errorText(r) }));
    } else if (!(r.body.items || []).length) {
      body.appendChild(el('p', { class: 'meta empty', text: '尚未回访' }));
    } else {
      body.appendChild(el('table', { class: 'list visits' }, [
        el('thead', {}, [el('tr', {}, ['时间', '方式', '结果', '群众意见', '回访人'].map(function (h) { return el('th', { text: h }); }))]),
        el('tbody', {}, r.body.items.map(function (v) {
          var result = !v.reached ? '未联系上' : v.satisfaction + (v.reopened ? '，重新办理' : '');
          return el('tr', { 'data-visit': v.id }, [el('td', { text: J.chinaTime(v.created_at).replace('T', ' ') }),
            el('td', { text: (METHODS[v.method] || v.method) + (v.sample ? '（抽查）' : '') }), el('td', { text: result }),
            el('td', { text: v.note || '' }), el('td', { text: v.visitor })]);
        }))]));
    }
    if (card.getAttribute('data-status') === 'resolved') {
      body.appendChild(el('h3', { text: '登记回访' }));
      body.appendChild(J.visitForm(no, function () { location.reload(); }));
    }
    card.setAttribute('data-state', 'loaded');
  });
});
