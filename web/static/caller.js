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

  function cell(text, cls) {
    var td = document.createElement('td');
    td.textContent = text == null ? '' : text;
    if (cls) td.className = cls;
    return td;
  }
  function caseCell(no) {
    var td = document.createElement('td');
    var a = document.createElement('a');
    a.href = '/console/cases/' + encodeURIComponent(no);
    a.textContent = no;
    td.appendChild(a);
    return td;
  }
  function statusCell(status, label) {
    var td = document.createElement('td');
    var s = document.createElement('span');
    s.className = 'status s-' + status;
    s.textContent = label;
    td.appendChild(s);
    return td;
  }
  function day(iso) { return iso ? new Date(new Date(iso).getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10) : ''; }
  function fill(tbody, rows, cols, empty) {
    tbody.textContent = '';
    if (!rows.length) {
      var tr = document.createElement('tr');
      var td = cell(empty, 'empty');
      td.colSpan = cols;
      tr.appendChild(td);
      tbody.appendChild(tr);
    }
    rows.forEach(function (tr) { tbody.appendChild(tr); });
  }

  function lookup() {
    var n = number.value.replace(/[\s-]/g, '');
    if (!n) return;
    var url = '/api/v1/channels/hotline/callers/' + encodeURIComponent(n);
    if (q.value.trim()) url += '?q=' + encodeURIComponent(q.value.trim());
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) { return { ok: res.ok, status: res.status, body: body || {} }; });
    }).then(function (r) {
      if (!r.ok) {
        var e = r.body.error || {};
        errBox.textContent = (e.message || '查询失败（' + r.status + '）') +
          (e.fields ? '：' + Object.keys(e.fields).map(function (k) { return e.fields[k]; }).join('；') : '');
        errBox.hidden = false;
        out.hidden = true;
        return;
      }
      errBox.hidden = true;
      var pop = r.body;
      document.getElementById('c-summary').textContent = '来电 ' + pop.caller + '：' + pop.cases.length + ' 件，其中在办 ' + pop.open + ' 件';
      fill(document.querySelector('#c-cases tbody'), pop.cases.map(function (c) {
        var tr = document.createElement('tr');
        if (c.overdue) tr.className = 'overdue';
        [caseCell(c.case_no), cell(c.subject), cell(c.category_label), cell(c.region_name), statusCell(c.status, c.status_label),
          cell(c.contacts), cell(day(c.last_contact_at)), cell(c.due_at ? day(c.due_at) + (c.overdue ? ' 已超期' : '') : '')]
          .forEach(function (td) { tr.appendChild(td); });
        return tr;
      }), 8, '该号码在您的管辖范围内没有案件');
      fill(document.querySelector('#c-suggestions tbody'), pop.suggestions.map(function (s) {
        var tr = document.createElement('tr');
        [caseCell(s.case_no), cell(s.subject), cell((KINDS[s.kind] || s.kind) + (s.own ? '（本人案件）' : '')),
          cell(Math.round(s.score * 100) + '%'), statusCell(s.status, s.status_label), cell(s.region_name)]
          .forEach(function (td) { tr.appendChild(td); });
        return tr;
      }), 6, '暂无提示');
      var reg = document.getElementById('c-register');
      if (reg) reg.href = '/console/intake?channel=hotline&phone=' + encodeURIComponent(n);
      out.hidden = false;
      out.setAttribute('data-loaded', n);
    }, function () {
      errBox.textContent = '网络错误，请重试';
      errBox.hidden = false;
    });
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    if (window.history && history.replaceState) history.replaceState(null, '', '?number=' + encodeURIComponent(number.value.trim()));
    lookup();
  });
  if (number.value) lookup();
})();
