// Case page: the case's clocks (GET /api/v1/cases/{no}/clocks) — every
// deadline with its days left, in working days where the clock counts them,
// and a warning when the calendar lacks a year's holidays.
document.addEventListener('DOMContentLoaded', function () {
  'use strict';
  var box = document.getElementById('clocks');
  if (!box || !window.Jiefen) return;
  var rows = document.getElementById('clocks-rows');
  var warn = document.getElementById('clocks-warning');
  var el = Jiefen.el;
  var STATUS = { running: '计时中', paused: '已中止', met: '按期完成', missed: '已超期', cancelled: '已取消' };
  var UNIT = { calendar_days: '日', working_days: '个工作日' };

  function left(k) {
    var u = UNIT[k.unit] || '日';
    if (k.status === 'met' || k.status === 'cancelled') return STATUS[k.status];
    if (k.days_left > 0) return '剩余 ' + k.days_left + ' ' + u;
    if (k.days_left === 0) return '今日到期';
    return '已超期 ' + (-k.days_left) + ' ' + u;
  }

  Jiefen.api('GET', '/cases/' + encodeURIComponent(box.dataset.case) + '/clocks').then(function (r) {
    rows.textContent = '';
    if (!r.ok) {
      rows.appendChild(el('tr', {}, [el('td', { class: 'empty', text: Jiefen.errorText(r) })]));
      return;
    }
    var items = r.body.items || [];
    if (!items.length) {
      rows.appendChild(el('tr', {}, [el('td', { class: 'empty', text: '无期限' })]));
    }
    var uncovered = false;
    items.forEach(function (k) {
      if (!k.calendar_covered && (k.status === 'running' || k.status === 'paused')) uncovered = true;
      var open = k.status === 'running' || k.status === 'paused' || k.status === 'missed';
      rows.appendChild(el('tr', { class: 'clock clock-' + k.status, 'data-kind': k.kind }, [
        el('th', { text: k.label }),
        el('td', {}, [
          el('strong', { class: k.days_left < 0 && open ? 'overdue-tag' : null, text: left(k) }),
          ' · ' + STATUS[k.status] + ' · 截止 ' + Jiefen.chinaTime(k.due).slice(0, 10) +
            '（' + k.days + UNIT[k.unit] + '）',
          el('br'),
          el('small', { text: k.source + (k.pauses.length ? ' · 中止 ' + k.pauses.length + ' 次' : '') +
            (k.extensions.length ? ' · 延长 ' + k.extensions.length + ' 次' : '') })
        ])
      ]));
    });
    if (uncovered) {
      warn.textContent = '注意：期限所在年份的法定节假日安排尚未收录，截止日期可能偏早，请管理员录入节假日调整后核对。';
      warn.hidden = false;
    }
  });
});
