// 我的工作台 (/console/): each section of the role's home lists what its
// data-api answers — case lists through GET /api/v1/cases with the list's
// filters (today's registrations, my cases by clock, overdue, due soon,
// unassigned, 督办 …), the mediator's mediations, spot-check visits, users
// and units. A section whose module is not mounted (404) hides itself.
// Each section ends with data-state="loaded" and data-count.
document.addEventListener('DOMContentLoaded', function () {
  'use strict';
  var home = document.getElementById('home');
  if (!home || !window.Jiefen) return;
  var el = Jiefen.el, api = Jiefen.api;

  function caseLink(no) { return el('a', { href: '/console/cases/' + encodeURIComponent(no), text: no }); }
  function day(iso) { return Jiefen.chinaTime(iso).slice(0, 10); }
  function empty(text) { return el('p', { class: 'meta empty', text: text }); }
  function table(head, rows) {
    return el('table', { class: 'list' }, [el('thead', {}, [el('tr', {}, head.map(function (h) { return el('th', { text: h }); }))]),
      el('tbody', {}, rows)]);
  }

  var render = {
    cases: function (body, sec) {
      var items = body.items || [];
      if (sec.dataset.sort === 'due') {
        items = items.slice().sort(function (a, b) {
          if (!a.due_at) return b.due_at ? 1 : 0;
          if (!b.due_at) return -1;
          return a.due_at < b.due_at ? -1 : a.due_at > b.due_at ? 1 : 0;
        });
      }
      if (!items.length) return [items.length, empty('没有案件')];
      return [items.length, table(['案件编号', '标题', '地区', '状态', '承办人', '期限'], items.map(function (c) {
        return el('tr', { class: c.overdue ? 'overdue' : null, 'data-case': c.case_no }, [
          el('td', {}, [caseLink(c.case_no)]), el('td', { text: c.subject }), el('td', { text: c.region_name }),
          el('td', {}, [el('span', { class: 'status s-' + c.status, text: c.status_label })].concat(c.info_requested_at ? [' ', el('small', { text: '待补充' })] : [])),
          el('td', { text: c.assignee ? c.assignee.name : '' }),
          el('td', {}, [c.due_at ? day(c.due_at) : ''].concat(c.overdue ? [' ', el('strong', { text: '已超期' })] : []))]);
      }))];
    },
    mediations: function (body) {
      var list = body.mediations || [], offers = body.offers || [];
      var out = [];
      if (offers.length) out.push(el('p', {}, [el('a', { href: '/console/mediator', text: offers.length + ' 个调解邀请待答复' })]));
      if (!list.length) out.push(empty('暂无承办的调解'));
      else out.push(table(['案件编号', '调解组织', '状态', '期限'], list.map(function (m) {
        return el('tr', { class: m.days_left < 0 ? 'overdue' : null, 'data-case': m.case_no }, [el('td', {}, [caseLink(m.case_no)]),
          el('td', { text: m.unit_name }), el('td', { text: m.status }),
          el('td', { text: m.due ? m.clock + ' ' + day(m.due) + '（剩余 ' + m.days_left + ' 天）' : '' })]);
      })));
      return [list.length + offers.length].concat(out);
    },
    samples: function (body, sec) {
      var items = body.items || [];
      if (!items.length) return [0, empty('没有待做的回访抽查')];
      var rows = [];
      items.forEach(function (x) {
        var form = visitForm(x.case_no, sec);
        rows.push(el('tr', { 'data-case': x.case_no }, [el('td', {}, [caseLink(x.case_no)]), el('td', { text: x.subject }),
          el('td', { text: x.handler }), el('td', { text: x.status_label }), el('td', { text: x.resolved_at ? day(x.resolved_at) : '' }),
          el('td', {}, [el('button', { type: 'button', class: 'secondary', text: '登记回访', onclick: function () { form.hidden = !form.hidden; } })])]));
        rows.push(form);
      });
      return [items.length, table(['案件编号', '标题', '承办人', '状态', '办结', ''], rows)];
    },
    users: function (body) {
      var items = body.items || [];
      return [items.length, table(['用户名', '姓名', '角色', '区划', '状态'], items.map(function (u) {
        return el('tr', { 'data-user': u.username }, [el('td', { text: u.username }), el('td', { text: u.display_name }),
          el('td', { text: u.role_label }), el('td', { text: u.region_code }), el('td', { text: u.disabled ? '已停用' : '正常' })]);
      }))];
    },
    units: function (body) {
      var items = body.items || [];
      if (!items.length) return [0, empty('尚未登记机构')];
      return [items.length, table(['名称', '区划', '电话', '状态'], items.map(function (u) {
        return el('tr', { 'data-unit': u.id }, [el('td', { text: u.name }), el('td', { text: u.region_code }),
          el('td', { text: u.phone || '' }), el('td', { text: u.active ? '启用' : '停用' })]);
      }))];
    }
  };

  // visitForm records a spot-check visit (the server marks it sample) and
  // reloads the section.
  function visitForm(no, sec) {
    var tr = el('tr', { class: 'visit-row' }, [el('td', { colspan: '6' }, [Jiefen.visitForm(no, function (b) {
      home.dataset.visited = no + ':' + b.status;
      load(sec);
    })])]);
    tr.hidden = true;
    return tr;
  }

  // The draw of a spot-check sample (POST /visits/samples), on the
  // supervisor's home.
  var draw = document.getElementById('sample-form');
  if (draw) {
    draw.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var out = document.getElementById('sample-result');
      var body = { region: draw.elements.region.value.trim(), from: draw.elements.from.value, to: draw.elements.to.value,
        assignee: draw.elements.assignee.value.trim() };
      var pct = parseFloat(draw.elements.percent.value);
      if (pct) body.percent = pct;
      api('POST', '/visits/samples', body).then(function (r) {
        if (!r.ok) { out.textContent = Jiefen.errorText(r); return; }
        out.textContent = '符合条件 ' + r.body.eligible + ' 件，抽取 ' + r.body.drawn + ' 件：' +
          r.body.items.map(function (x) { return x.case_no; }).join('、');
        draw.dataset.drawn = String(r.body.drawn);
      });
    });
  }

  function load(sec) {
    var box = sec.querySelector('.home-body');
    sec.dataset.state = 'loading';
    api('GET', sec.dataset.api).then(function (r) {
      box.textContent = '';
      if (!r.ok) {
        if (r.status === 404 && sec.dataset.optional) { sec.hidden = true; sec.dataset.state = 'absent'; return; }
        box.appendChild(el('p', { class: 'error', text: Jiefen.errorText(r) }));
        sec.dataset.state = 'error';
        return;
      }
      var out = render[sec.dataset.kind](r.body, sec);
      sec.querySelector('.home-count').textContent = '（' + out[0] + '）';
      out.slice(1).forEach(function (n) { box.appendChild(n); });
      sec.dataset.count = String(out[0]);
      sec.dataset.state = 'loaded';
    }).catch(function () {});
  }
  home.querySelectorAll('section.home-section').forEach(load);
});
