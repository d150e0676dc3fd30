// Case page: the 调解 panel. It drives the mediation module's API with the
// session cookie: the suggested bodies and opening a mediation, the offer
// and its answer, sessions, the outcome with the 人民调解法 art. 29 fields,
// the 调解协议书 link, judicial confirmation (the court picked from the
// case's region line) and performance follow-up, a party's request for
// another mediator or refusal, extensions with the parties' agreement, and
// hand-offs (对接) with their unit picked the same way.
// The server checks every permission; the panel offers every action and
// shows the server's answer.
document.addEventListener('DOMContentLoaded', function () {
  'use strict';
  var box = document.getElementById('mediation');
  if (!box || !window.Jiefen) return;
  var body = box.querySelector('.panel-body');
  var el = Jiefen.el, api = Jiefen.api;
  var no = box.dataset.case;
  var STATUS = { offered: '待调解员接受', waiting: '待指派调解员', active: '调解中', agreed: '已达成协议', failed: '调解不成', referred: '已转处' };
  var FAIL = { withdrawn: '当事人撤回申请', unreachable: '当事人无法联系', one_side_refuses: '一方拒绝调解', too_far_apart: '双方分歧过大',
    time_limit: '调解期限届满', refused_to_sign: '拒绝签署协议', other: '其他' };
  var PERF = { performed: '已履行', partly: '部分履行', not_performed: '未履行' };
  var msg = el('p', { class: 'meta', role: 'status' });

  function say(r, ok) { msg.textContent = r.ok ? ok : Jiefen.errorText(r); if (r.ok) load(); }
  function input(name, attrs) { return el('input', Object.assign({ name: name }, attrs || {})); }
  function field(label, control) { return el('label', {}, [label + ' ', control]); }
  function form(title, controls, submit) {
    var f = el('form', { class: 'mediation-form' }, [el('h3', { text: title })].concat(controls, [el('button', { type: 'submit', text: '提交' })]));
    f.addEventListener('submit', function (ev) { ev.preventDefault(); submit(f); });
    return f;
  }
  function val(f, n) { return f.elements[n] ? f.elements[n].value.trim() : ''; }
  // unitSelect lists the units of kind on the case's region line (nearest
  // first) as a select named name.
  function unitSelect(name, kind) {
    var s = el('select', { name: name, required: true }, [el('option', { value: '', text: '加载中…' })]);
    fill(s, kind);
    return s;
  }
  function fill(s, kind) {
    api('GET', '/cases/' + encodeURIComponent(no) + '/mediation/units?kind=' + encodeURIComponent(kind)).then(function (r) {
      s.textContent = '';
      var items = r.ok ? r.body.items || [] : [];
      s.appendChild(el('option', { value: '', text: r.ok ? (items.length ? '请选择' : '区划线上没有此类机构') : Jiefen.errorText(r) }));
      items.forEach(function (u) { s.appendChild(el('option', { value: u.id, text: u.name })); });
    });
  }

  function suggestion() {
    var wrap = el('div', { class: 'mediation-suggest' }, [el('p', { text: '推荐调解组织加载中…' })]);
    api('GET', '/cases/' + encodeURIComponent(no) + '/mediation/suggestion').then(function (r) {
      wrap.textContent = '';
      if (!r.ok) { wrap.appendChild(el('p', { class: 'meta', text: Jiefen.errorText(r) })); return; }
      var items = r.body.items || [];
      if (!items.length) { wrap.appendChild(el('p', { class: 'meta', text: '本案所在地区划链上没有调解组织' })); return; }
      var list = el('ol', {});
      var select = el('select', { name: 'unit' });
      items.forEach(function (s, i) {
        list.appendChild(el('li', {}, [el('strong', { text: s.name }), ' ' + s.flow + '：' + s.reasons.join('；')]));
        select.appendChild(el('option', { value: s.unit_id + '|' + s.flow, text: (i === 0 ? '（推荐）' : '') + s.name }));
      });
      wrap.appendChild(el('h3', { text: '推荐调解组织' }));
      wrap.appendChild(list);
      wrap.appendChild(form('发起调解', [field('调解组织', select), field('说明（不选首选时必填）', input('note')),
        field('指定调解员（可空）', input('mediator'))], function (f) {
        var v = f.elements.unit.value.split('|');
        api('POST', '/cases/' + encodeURIComponent(no) + '/mediation', { unit_id: Number(v[0]), flow: v[1], note: val(f, 'note'),
          mediator: val(f, 'mediator') }).then(function (r) { say(r, '已发起调解'); });
      }));
    });
    return wrap;
  }

  function sessionForm(m) {
    return form('安排调解', [
      field('方式', el('select', { name: 'kind' }, [el('option', { value: 'in_person', text: '现场' }), el('option', { value: 'video', text: '视频' })])),
      field('时间', input('starts_at', { type: 'datetime-local', required: true })),
      field('地点', input('place')),
      field('参加人员（姓名:身份，以逗号分隔；身份 applicant/respondent/representative/other）', input('people', { size: 40 }))
    ], function (f) {
      var people = val(f, 'people').split(/[,，]/).filter(Boolean).map(function (s) {
        var p = s.split(/[:：]/); return { name: p[0].trim(), role: (p[1] || 'other').trim() };
      });
      var at = val(f, 'starts_at');
      api('POST', '/mediations/' + m.id + '/sessions', { kind: f.elements.kind.value, starts_at: at ? at + ':00+08:00' : '',
        place: val(f, 'place'), participants: people }).then(function (r) { say(r, '已安排调解'); });
    });
  }

  // partyForm records what a party asked: another mediator (once per
  // party) or an end to mediation (调解自愿).
  function partyForm(m) {
    var f = form('当事人申请', [field('当事人姓名', input('party', { required: true })), field('理由', input('reason', { size: 40, required: true })),
      field('申请事项', el('select', { name: 'what' }, [el('option', { value: 'change-mediator', text: '更换调解员（每人限一次）' }),
        el('option', { value: 'refusal', text: '拒绝调解（终止调解）' })]))], function (f) {
      var what = f.elements.what.value;
      api('POST', '/mediations/' + m.id + '/' + what, { party: val(f, 'party'), reason: val(f, 'reason') })
        .then(function (r) { say(r, what === 'refusal' ? '调解已终止，案件退回办理' : '已更换调解员'); });
    });
    f.classList.add('party-form');
    return f;
  }

  function extensionForm(m) {
    var f = form('延长调解期限（须说明理由并经各方当事人同意）', [field('延长天数', input('days', { type: 'number', min: 1, max: 365 })),
      field('理由', input('reason', { size: 40 })), field('各方当事人已同意', input('parties_agreed', { type: 'checkbox' }))], function (f) {
      api('POST', '/mediations/' + m.id + '/extensions', { days: Number(val(f, 'days')), reason: val(f, 'reason'),
        parties_agreed: f.elements.parties_agreed.checked }).then(function (r) { say(r, '已延长调解期限'); });
    });
    f.classList.add('extension-form');
    return f;
  }

  var HANDOFF = { '诉调': 'court', '访调': 'petition_office', '公调': 'police', '检调': 'procuratorate' };
  // handoffs lists the case's hand-offs (对接) and sends a new one, its
  // unit picked from the case's region line by the kind's unit kind.
  function handoffs() {
    var wrap = el('div', { class: 'handoffs' });
    api('GET', '/cases/' + encodeURIComponent(no) + '/handoffs').then(function (r) {
      var items = r.ok ? r.body.items || [] : [];
      wrap.appendChild(el('h3', { text: '对接' }));
      if (items.length) {
        wrap.appendChild(el('ul', {}, items.map(function (h) {
          return el('li', { text: h.kind + (h.direction === 'out' ? ' 移送 ' : ' 接收 ') + h.unit_name + '：' + h.reason +
            (h.result ? ' · 结果：' + h.result : ' · 待反馈') });
        })));
      }
      var kind = el('select', { name: 'kind' }, Object.keys(HANDOFF).map(function (k) { return el('option', { value: k, text: k }); }));
      var unit = unitSelect('handoff_unit', HANDOFF[kind.value]);
      kind.addEventListener('change', function () { fill(unit, HANDOFF[kind.value]); });
      var f = form('发起对接', [field('类型', kind), field('方向', el('select', { name: 'direction' }, [el('option', { value: 'out', text: '移出' }),
        el('option', { value: 'in', text: '移入' })])), field('对接单位', unit), field('理由', input('reason', { size: 40 }))], function (f) {
        var req = { kind: kind.value, direction: f.elements.direction.value, reason: val(f, 'reason') };
        req[req.direction === 'out' ? 'to_unit_id' : 'from_unit_id'] = Number(unit.value);
        api('POST', '/cases/' + encodeURIComponent(no) + '/handoffs', req).then(function (r) { say(r, '已登记对接'); });
      });
      f.classList.add('handoff-form');
      wrap.appendChild(f);
    });
    return wrap;
  }

  function outcomeForm(m) {
    var terms = el('div', { class: 'terms' });
    function addTerm() {
      terms.appendChild(el('p', { class: 'term' }, [input('party', { placeholder: '义务人' }), input('obligation', { placeholder: '应履行的义务', size: 40 }),
        input('due', { type: 'date' })]));
    }
    addTerm();
    var reasons = el('select', { name: 'reason' }, Object.keys(FAIL).map(function (k) { return el('option', { value: k, text: FAIL[k] }); }));
    return form('调解结果', [
      field('结果', el('select', { name: 'kind' }, [el('option', { value: 'agreement', text: '达成协议' }), el('option', { value: 'failure', text: '调解不成' }),
        el('option', { value: 'referral', text: '转处' })])),
      field('协议形式', el('select', { name: 'form' }, [el('option', { value: 'written', text: '书面' }), el('option', { value: 'oral', text: '口头（调解员记录）' })])),
      field('纠纷事实与争议事项', el('textarea', { name: 'facts', rows: 3, cols: 50 })),
      field('履行方式和时限', input('method', { size: 40 })),
      el('div', {}, [el('span', { text: '当事人的权利义务：' }), terms, el('button', { type: 'button', text: '增加一项', onclick: addTerm })]),
      field('不成原因', reasons),
      field('转处去向', el('select', { name: 'target' }, [['litigation', '诉讼'], ['arbitration', '仲裁'], ['administrative', '行政处理'], ['petition', '信访']].map(function (t) {
        return el('option', { value: t[0], text: t[1] });
      }))),
      field('备注', input('note'))
    ], function (f) {
      var kind = f.elements.kind.value, req = { kind: kind, note: val(f, 'note') };
      if (kind === 'agreement') {
        req.form = f.elements.form.value; req.facts = val(f, 'facts'); req.method = val(f, 'method');
        req.terms = Array.prototype.map.call(terms.querySelectorAll('.term'), function (p) {
          return { party: p.querySelector('[name=party]').value.trim(), obligation: p.querySelector('[name=obligation]').value.trim(),
            due: p.querySelector('[name=due]').value };
        });
      } else if (kind === 'failure') req.reason = f.elements.reason.value;
      else req.target = f.elements.target.value;
      api('POST', '/mediations/' + m.id + '/outcome', req).then(function (r) { say(r, '已记录调解结果'); });
    });
  }

  function agreed(m) {
    var out = [el('p', {}, [el('a', { href: '/api/v1/mediations/' + m.id + '/agreement.pdf', target: '_blank', text: '调解协议书（PDF）' })])];
    var rows = m.terms.map(function (t) {
      var act = el('select', {}, Object.keys(PERF).map(function (k) { return el('option', { value: k, text: PERF[k] }); }));
      return el('tr', {}, [el('td', { text: t.seq + '. ' + t.party + '：' + t.obligation }), el('td', { text: t.due }),
        el('td', { text: PERF[t.performance] || '待回访' }),
        el('td', {}, [act, el('button', { type: 'button', text: '登记履行', onclick: function () {
          api('POST', '/mediations/' + m.id + '/terms/' + t.id + '/performance', { status: act.value }).then(function (r) { say(r, '已登记履行情况'); });
        } })])]);
    });
    out.push(el('table', { class: 'terms' }, rows));
    var c = m.confirmation;
    if (!c) {
      out.push(form('申请司法确认（协议生效后30日内）', [field('人民法院', unitSelect('court', 'court')), field('申请日期', input('applied_on', { type: 'date' }))],
        function (f) {
          api('POST', '/mediations/' + m.id + '/confirmation', { court_unit_id: Number(val(f, 'court')), applied_on: val(f, 'applied_on') })
            .then(function (r) { say(r, '已登记司法确认申请'); });
        }));
    } else if (!c.result) {
      out.push(el('p', { text: '已于' + c.applied_on + '向' + c.court_name + '申请司法确认' }));
      out.push(form('法院裁定', [field('结果', el('select', { name: 'result' }, [el('option', { value: 'valid', text: '确认有效' }), el('option', { value: 'rejected', text: '驳回申请' })])),
        field('裁定日期', input('ruled_on', { type: 'date' })), field('裁定书文号', input('ruling_no'))], function (f) {
        api('POST', '/mediations/' + m.id + '/confirmation/ruling', { result: f.elements.result.value, ruled_on: val(f, 'ruled_on'), ruling_no: val(f, 'ruling_no') })
          .then(function (r) { say(r, '已登记法院裁定'); });
      }));
    } else {
      out.push(el('p', { text: c.court_name + (c.result === 'valid' ? '裁定调解协议有效' : '裁定驳回申请') + '（' + c.ruling_no + '，' + c.ruled_on + '）' }));
    }
    return out;
  }

  function show(m) {
    var parts = [el('p', {}, [el('strong', { text: STATUS[m.status] || m.status }), ' · ' + m.unit_name + '（' + m.flow_label + '）' +
      (m.mediator_name ? ' · 调解员 ' + m.mediator_name : '')])];
    if (m.offer) parts.push(el('p', { class: 'meta', text: '已邀请调解员' + m.offer.mediator_name + '，答复期限 ' + Jiefen.chinaTime(m.offer.due_at).slice(0, 10) }));
    if (m.sessions.length) {
      parts.push(el('h3', { text: '调解会议' }));
      parts.push(el('ul', {}, m.sessions.map(function (s) {
        return el('li', { text: Jiefen.chinaTime(s.starts_at).replace('T', ' ') + ' ' + (s.kind === 'video' ? '视频 ' + s.link : s.place) +
          ' · ' + s.participants.map(function (p) { return p.name; }).join('、') + (s.minutes ? ' · 已记笔录' : '') });
      })));
    }
    if (m.mediator_changes && m.mediator_changes.length) {
      parts.push(el('ul', { class: 'changes' }, m.mediator_changes.map(function (c) {
        return el('li', { text: '当事人' + c.party + '申请更换调解员' + (c.from_mediator_name || '') + '：' + c.reason });
      })));
    }
    if (['offered', 'waiting', 'active'].indexOf(m.status) >= 0) parts.push(partyForm(m));
    if (m.status === 'active') parts.push(extensionForm(m), sessionForm(m), outcomeForm(m));
    if (m.status === 'agreed') parts = parts.concat(agreed(m));
    if (m.outcome && m.status !== 'agreed') parts.push(el('p', { text: '结果：' + (FAIL[m.outcome.reason] || m.outcome.target || m.outcome.kind) }));
    return el('div', { class: 'mediation', 'data-id': m.id, 'data-status': m.status }, parts);
  }

  function load() {
    api('GET', '/cases/' + encodeURIComponent(no) + '/mediation').then(function (r) {
      body.textContent = '';
      if (!r.ok) { body.appendChild(el('p', { class: 'meta', text: Jiefen.errorText(r) })); return; }
      var items = r.body.items || [];
      var open = items.filter(function (m) { return ['offered', 'waiting', 'active'].indexOf(m.status) >= 0; });
      items.forEach(function (m) { body.appendChild(show(m)); });
      if (!open.length && !items.some(function (m) { return m.status === 'agreed'; })) body.appendChild(suggestion());
      body.appendChild(handoffs());
      body.appendChild(msg);
    });
  }
  load();
});
