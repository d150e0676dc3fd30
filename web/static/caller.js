// 来电查询 console page: the hotline channel's screen pop
// (GET /api/v1/channels/hotline/callers/{number}) for agents without a
// call-centre integration.
(function () {
  'use strict';
  var form = document.getElementById('caller-form');
  if (!form || !window.fetch) return;
  var number = document.getElementById('c-number');
  var q = document.getElementById('c-q');
  var out = document.getElementById('caller');
  var errBox = document.getElementById('c-error');
  var KINDS = { duplicate: '同一人同一事项', repeat: '重复信访', related: '相关事项' };

  var el = Jiefen.el;

  function cell(text, cls) { return el('td', { class: cls, text: text == null ? '' : String(text) }); }
  function caseCell(no) { return el('td', {}, [el('a', { href: '/console/cases/' + encodeURIComponent(no), text: no })]); }
  function statusCell(status, label) { return el('td', {}, [el('span', { class: 'status s-' + status, text: label })]); }
  function day(iso) { return Jiefen.chinaTime(iso).slice(0, 10); }
  function fill(tbody, rows, cols, empty) {
    tbody.textContent = '';
    if (!rows.length) {
      tbody.appendChild(el('tr', {}, [el('td', { class: 'empty', colspan: cols, text: empty })]));
    }
    rows.forEach(function (tr) { tbody.appendChild(tr); });
  }

  function lookup() {
    var n = number.value.replace(/[\s-]/g, '');
    if (!n) return;
    var path = '/channels/hotline/callers/' + encodeURIComponent(n);
    if (q.value.trim()) path += '?q=' + encodeURIComponent(q.value.trim());
    Jiefen.api('GET', path).then(function (r) {
      if (!r.ok) {
        errBox.textContent = Jiefen.errorText(r);
        errBox.hidden = false;
        out.hidden = true;
        return;
      }
      errBox.hidden = true;
      var pop = r.body;
      document.getElementById('c-summary').textContent = '来电 ' + pop.caller + '：' + pop.cases.length + ' 件，其中在办 ' + pop.open + ' 件';
      fill(document.querySelector('#c-cases tbody'), pop.cases.map(function (c) {
        return el('tr', { class: c.overdue && 'overdue' }, [caseCell(c.case_no), cell(c.subject), cell(c.category_label),
          cell(c.region_name), statusCell(c.status, c.status_label), cell(c.contacts), cell(day(c.last_contact_at)),
          cell(c.due_at ? day(c.due_at) + (c.overdue ? ' 已超期' : '') : '')]);
      }), 8, '该号码在您的管辖范围内没有案件');
      fill(document.querySelector('#c-suggestions tbody'), pop.suggestions.map(function (s) {
        return el('tr', {}, [caseCell(s.case_no), cell(s.subject), cell((KINDS[s.kind] || s.kind) + (s.own ? '（本人案件）' : '')),
          cell(Math.round(s.score * 100) + '%'), statusCell(s.status, s.status_label), cell(s.region_name)]);
      }), 6, '暂无提示');
      var reg = document.getElementById('c-register');
      if (reg) reg.href = '/console/intake?channel=hotline&phone=' + encodeURIComponent(n);
      out.hidden = false;
      out.setAttribute('data-loaded', n);
    });
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    if (window.history && history.replaceState) history.replaceState(null, '', '?number=' + encodeURIComponent(number.value.trim()));
    lookup();
  });
  if (number.value) lookup();
})();
