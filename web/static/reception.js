// 领导接访 console page: drives the video channel's staff API
// (/api/v1/video/…) with the session cookie. No build step; the server
// checks every permission, the page only hides what a role cannot use.
(function () {
  'use strict';
  var root = document.getElementById('reception');
  if (!root || !window.fetch) return;
  var canSchedule = root.getAttribute('data-can-schedule') === 'true';
  var canBook = root.getAttribute('data-can-book') === 'true';
  var WEEK = '日一二三四五六';
  var OUTCOMES = [['resolved', '当场化解'], ['assigned', '交办处理'], ['answered', '解释答复'],
    ['referred', '转送有权机关'], ['follow_up', '继续跟进']];

  var api = Jiefen.api, errorText = Jiefen.errorText, el = Jiefen.el;

  function weekday(date) { return '周' + WEEK.charAt(new Date(date + 'T00:00:00Z').getUTCDay()); }

  // fromLocalInput reads a datetime-local value (China time, as
  // Jiefen.chinaTime writes it) as RFC 3339.
  function fromLocalInput(v) { return v ? v + ':00+08:00' : ''; }

  function status(b) { return el('span', { class: 'status b-' + b.status, text: b.status_label }); }

  // bookingTable renders bookings with their actions; after is called when
  // one changed.
  function bookingTable(items, withLeader, after) {
    var head = ['时段'].concat(withLeader ? ['接访领导'] : [], ['案件', '事项', '预约方式', '状态', '会议', '']);
    var tbody = el('tbody');
    if (!items.length) {
      tbody.appendChild(el('tr', {}, [el('td', { class: 'empty', colspan: head.length, text: '暂无预约' })]));
    }
    items.forEach(function (b) {
      var when = (b.day ? b.day.date + ' ' : '') + (b.slot ? b.slot.start + '–' + b.slot.end : '');
      var actions = el('td', { class: 'actions' });
      var row = el('tr', { 'data-booking': b.id }, [el('td', { text: when })].concat(
        withLeader ? [el('td', { text: b.day ? b.day.leader_name : '' })] : [],
        [el('td', {}, [el('a', { href: '/console/cases/' + encodeURIComponent(b.case_no), text: b.case_no })]),
          el('td', { text: b.subject }),
          el('td', { text: b.booked_via === 'resident' ? '群众自行预约' : '工作人员代约' + (b.booked_by_name ? '（' + b.booked_by_name + '）' : '') }),
          el('td', {}, [status(b)]),
          el('td', {}, [b.meeting_url ? el('a', { href: b.meeting_url, target: '_blank', rel: 'noopener', text: '进入会议' }) : '']),
          actions]));
      var rows = [row];
      if (b.status === 'booked' && canBook) {
        var formRow = el('tr', { class: 'session-row', hidden: true }, [el('td', { colspan: head.length }, [sessionForm(b, after)])]);
        rows.push(formRow);
        actions.appendChild(el('button', { type: 'button', class: 'secondary record', text: '记录接访',
          onclick: function () { formRow.hidden = !formRow.hidden; } }));
        actions.appendChild(el('button', { type: 'button', class: 'link cancel', text: '取消预约', onclick: function () {
          var reason = window.prompt('取消原因（将告知群众）', '');
          if (reason === null) return;
          api('POST', '/video/bookings/' + b.id + '/cancel', { reason: reason }).then(function (r) {
            if (!r.ok) window.alert(errorText(r));
            after();
          });
        } }));
      }
      if (b.session) {
        rows.push(el('tr', { class: 'session' }, [el('td', { colspan: head.length, class: 'meta' }, [
          '接访结果：' + b.session.outcome_label + (b.session.summary ? '。' + b.session.summary : '') +
          (b.session.intake_ref ? '（已附入案件，来件 ' + b.session.intake_ref + '）' : '')])]));
      }
      rows.forEach(function (r) { tbody.appendChild(r); });
    });
    return el('table', { class: 'list bookings' }, [
      el('thead', {}, [el('tr', {}, head.map(function (h) { return el('th', { text: h }); }))]), tbody]);
  }

  function sessionForm(b, after) {
    var started = el('input', { type: 'datetime-local', name: 'started_at', value: Jiefen.chinaTime(b.slot && b.slot.starts_at) });
    var ended = el('input', { type: 'datetime-local', name: 'ended_at', value: Jiefen.chinaTime(b.slot && b.slot.ends_at) });
    var people = el('textarea', { name: 'participants', rows: 3, placeholder: '每行一人：姓名 身份，如：王建华 接访领导' });
    if (b.day && b.day.leader_name) people.value = b.day.leader_name + ' 接访领导\n';
    var summary = el('textarea', { name: 'summary', rows: 3, placeholder: '诉求、答复和处理意见' });
    var outcome = el('select', { name: 'outcome' }, OUTCOMES.map(function (o) { return el('option', { value: o[0], text: o[1] }); }));
    var recording = el('input', { name: 'recording_ref', maxlength: 200, placeholder: '视频系统中的录像编号（可选）' });
    var msg = el('p', { class: 'error', hidden: true });
    var form = el('form', { class: 'session-form', novalidate: true }, [
      el('div', { class: 'grid' }, [el('label', {}, ['开始时间', started]), el('label', {}, ['结束时间', ended])]),
      el('label', {}, ['参加人员', people]), el('label', {}, ['接访情况', summary]),
      el('div', { class: 'grid' }, [el('label', {}, ['结果', outcome]), el('label', {}, ['录像编号', recording])]),
      msg, el('button', { type: 'submit', text: '保存接访记录' })]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var list = people.value.split('\n').map(function (l) { return l.trim(); }).filter(Boolean).map(function (l) {
        var i = l.search(/\s/);
        return i < 0 ? { name: l } : { name: l.slice(0, i), role: l.slice(i).trim() };
      });
      api('POST', '/video/bookings/' + b.id + '/session', {
        started_at: fromLocalInput(started.value), ended_at: fromLocalInput(ended.value), participants: list,
        summary: summary.value, outcome: outcome.value, recording_ref: recording.value
      }).then(function (r) {
        if (!r.ok) {
          msg.textContent = errorText(r);
          msg.hidden = false;
          return;
        }
        after();
      });
    });
    return form;
  }

  // Agenda (leaders).
  function loadAgenda() {
    var box = document.getElementById('agenda');
    if (!box) return;
    api('GET', '/video/agenda').then(function (r) {
      box.textContent = '';
      box.appendChild(r.ok ? bookingTable(r.body.items || [], false, reload) : el('p', { class: 'error', text: errorText(r) }));
      root.setAttribute('data-agenda', 'loaded');
    });
  }

  // Days.
  function loadDays() {
    var box = document.getElementById('days');
    api('GET', '/video/days').then(function (r) {
      box.textContent = '';
      if (!r.ok) {
        box.appendChild(el('p', { class: 'error', text: errorText(r) }));
        return;
      }
      var days = r.body.items || [];
      if (!days.length) box.appendChild(el('p', { class: 'meta', text: '近期没有接访日。' }));
      days.forEach(function (d) { box.appendChild(dayBlock(d)); });
      root.setAttribute('data-days', 'loaded');
    });
  }

  function seatsText(slots) {
    return (slots || []).map(function (s) { return s.start + '–' + s.end + ' 已约' + s.booked + '/' + s.capacity; }).join('，');
  }

  function dayBlock(d) {
    var detail = el('div', { class: 'day-detail', hidden: true });
    var seats = seatsText(d.slots);
    var head = el('div', { class: 'day-head' }, [
      el('strong', { text: d.date + ' ' + weekday(d.date) }), ' ',
      d.leader_name + ' · ' + d.region_name + (d.topic ? ' · ' + d.topic : '') + ' ',
      el('span', { class: 'status ' + (d.published ? 's-accepted' : 's-registered'), text: d.published ? '已发布' : '未发布' }),
      el('div', { class: 'meta', text: seats })]);
    var buttons = el('div', { class: 'day-actions' }, [el('button', { type: 'button', class: 'secondary show', text: '查看预约',
      onclick: function () {
        detail.hidden = !detail.hidden;
        if (!detail.hidden) loadDay(d.id, detail);
      } })]);
    if (canSchedule && !d.published) {
      buttons.appendChild(el('button', { type: 'button', class: 'secondary publish', text: '发布', onclick: function () {
        api('POST', '/video/days/' + d.id + '/publish').then(function (r) {
          if (!r.ok) window.alert(errorText(r));
          loadDays();
        });
      } }));
    }
    return el('div', { class: 'day', 'data-day': d.id }, [head, buttons, detail]);
  }

  function loadDay(id, box) {
    box.textContent = '加载中…';
    api('GET', '/video/days/' + id).then(function (r) {
      box.textContent = '';
      if (!r.ok) {
        box.appendChild(el('p', { class: 'error', text: errorText(r) }));
        return;
      }
      var d = r.body;
      var seats = box.parentNode.querySelector('.day-head .meta');
      if (seats) seats.textContent = seatsText(d.slots);
      var refresh = function () { loadDay(id, box); loadAgenda(); };
      (d.bookings || []).forEach(function (b) { b.day = { date: d.date, leader_name: d.leader_name }; });
      box.appendChild(bookingTable(d.bookings || [], false, refresh));
      if (canBook && d.published) box.appendChild(bookForm(d, refresh));
      else if (canBook) box.appendChild(el('p', { class: 'meta', text: '发布后可预约。' }));
      box.setAttribute('data-loaded', 'yes');
    });
  }

  // bookForm books a seat for a visitor's existing case (a new matter is
  // registered first on 登记受理, then booked here).
  function bookForm(d, after) {
    var open = (d.slots || []).filter(function (s) { return s.remaining > 0; });
    if (!open.length) return el('p', { class: 'meta', text: '各时段已约满。' });
    var slot = el('select', { name: 'slot_id' }, open.map(function (s) {
      return el('option', { value: s.id, text: s.start + '–' + s.end + '（余' + s.remaining + '）' });
    }));
    var caseNo = el('input', { name: 'case_no', placeholder: '案件编号', maxlength: 32 });
    var msg = el('span', { class: 'field-error' });
    var form = el('form', { class: 'inline-form book-form', novalidate: true }, [
      '为来访群众预约：', slot, caseNo, el('button', { type: 'submit', text: '预约' }), msg]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      api('POST', '/video/bookings', { slot_id: +slot.value, case_no: caseNo.value.trim() }).then(function (r) {
        if (!r.ok) {
          msg.textContent = errorText(r);
          return;
        }
        after();
      });
    });
    return form;
  }

  // New day.
  function setupDayForm() {
    var form = document.getElementById('day-form');
    if (!form) return;
    var region = document.getElementById('d-region');
    var leader = document.getElementById('d-leader');
    var date = document.getElementById('d-date');
    var tomorrow = new Date(Date.now() + 8 * 3600 * 1000 + 86400 * 1000);
    date.value = tomorrow.toISOString().slice(0, 10);
    // The region field takes a place name (console.js offers the matching
    // regions, data-region-search); picking one puts its code in the field,
    // and its path is shown beside it.
    var regionName = document.getElementById('d-region-name');
    var loadedFor = null;
    function regionPicked() {
      var v = region.value.trim();
      var opt = region.list && Array.prototype.find.call(region.list.options, function (o) { return o.value === v; });
      if (regionName) regionName.textContent = opt ? opt.label : '';
      if ((opt || /^[0-9]{12}$/.test(v)) && v !== loadedFor) loadLeaders();
    }
    region.addEventListener('input', regionPicked);
    function loadLeaders() {
      loadedFor = region.value.trim();
      api('GET', '/video/leaders?region=' + encodeURIComponent(region.value.trim())).then(function (r) {
        leader.textContent = '';
        var items = r.ok ? r.body.items || [] : [];
        if (!items.length) leader.appendChild(el('option', { value: '', text: r.ok ? '该地区没有可接访的领导' : errorText(r) }));
        items.forEach(function (u) { leader.appendChild(el('option', { value: u.id, text: u.name + '（' + u.username + '）' })); });
        form.setAttribute('data-leaders', String(items.length));
      });
    }
    region.addEventListener('change', function () {
      if (region.value.trim() !== loadedFor) loadLeaders();
    });
    loadLeaders();
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      form.querySelectorAll('[data-error-for]').forEach(function (e) { e.textContent = ''; });
      var top = document.getElementById('d-error');
      top.hidden = true;
      var slots = [], bad = [];
      document.getElementById('d-slots').value.split('\n').forEach(function (line, i) {
        if (!line.trim()) return;
        var m = /^\s*(\d{1,2}):(\d{2})\s*[-–—~至]\s*(\d{1,2}):(\d{2})\s+(\d+)\s*$/.exec(line);
        if (!m) {
          bad.push(i + 1);
          return;
        }
        var pad = function (h) { return h.length < 2 ? '0' + h : h; };
        slots.push({ start: pad(m[1]) + ':' + m[2], end: pad(m[3]) + ':' + m[4], capacity: +m[5] });
      });
      if (bad.length) {
        form.querySelector('[data-error-for="slots"]').textContent = '第' + bad.join('、') + '行格式应为“09:00-09:30 2”（开始-结束 名额）';
        return;
      }
      if (!/^[0-9]+$/.test(region.value.trim())) {
        form.querySelector('[data-error-for="region_code"]').textContent = region.value.trim() ? '请从提示中选择接访地区' : '请选择接访地区';
        return;
      }
      api('POST', '/video/days', { region_code: region.value.trim(), leader_id: +leader.value || 0, date: date.value,
        topic: document.getElementById('d-topic').value, slots: slots }).then(function (r) {
        if (!r.ok) {
          var fields = (r.body.error && r.body.error.fields) || {};
          var shown = false;
          Object.keys(fields).forEach(function (k) {
            var name = k.indexOf('slots') === 0 ? 'slots' : k;
            var box = form.querySelector('[data-error-for="' + name + '"]');
            if (box) {
              box.textContent = (box.textContent ? box.textContent + '；' : '') + fields[k];
              shown = true;
            }
          });
          if (!shown) {
            top.textContent = errorText(r);
            top.hidden = false;
          }
          return;
        }
        top.hidden = true;
        form.setAttribute('data-saved', String(r.body.id));
        loadDays();
      });
    });
  }

  function reload() {
    loadAgenda();
    loadDays();
  }

  reload();
  setupDayForm();
})();
