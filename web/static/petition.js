// 信访办理 panel of the case page: the petition state, its clocks (GET
// /api/v1/cases/{no}/clocks, the track's kinds), the 处理意见书 and the
// 复查/复核意见书 once issued (GET /api/v1/cases/{no}/documents) and the steps this staff member may
// take, driving /api/v1/cases/{no}/petition with the session cookie. The
// server checks every permission; the panel only offers the steps of the
// current stage.
document.addEventListener('DOMContentLoaded', function () {
  'use strict';
  var card = document.querySelector('[data-panel="petition"]');
  if (!card || !window.fetch || !window.Jiefen) return;
  var J = window.Jiefen, el = J.el;
  var no = card.getAttribute('data-case');
  var base = '/api/v1/cases/' + encodeURIComponent(no) + '/petition';
  var body = card.querySelector('.panel-body');

  var ALL = ['registered', 'classified', 'routed', 'transferred', 'objected', 'accepted', 'declined', 'replied',
    'review_applied', 'review_decided', 're_review_applied', 're_review_decided', 'not_accepted', 'terminated'];
  // Each step: the stages it applies to, its label and its fields.
  var steps = [
    { path: '/classify', label: '分类', stages: ['registered', 'classified', 'objected'],
      fields: [['class', '类别', 'select', [['建议意见', '建议意见'], ['检举控告', '检举控告'], ['申诉求决', '申诉求决']]]] },
    { path: '/transfer', label: '转送/交办', stages: ['classified', 'objected'],
      fields: [['to_unit_id', '承办机构', 'unit'], ['kind', '方式', 'select', [['转送', '转送'], ['交办', '交办']]], ['note', '备注']] },
    { path: '/object', label: '异议退回', stages: ['transferred'], fields: [['reason', '理由']] },
    { path: '/accept', label: '受理', stages: ['transferred'], fields: [['note', '备注']] },
    { path: '/decline', label: '不予受理', stages: ['transferred'], fields: [['reason', '理由']] },
    { path: '/extend', label: '延长办理期限', stages: ['accepted'],
      fields: [['days', '延长天数（≤30）', 'number'], ['reason', '理由'], ['approved_by', '批准人']] },
    { path: '/reply', label: '出具处理意见书', stages: ['accepted'],
      fields: [['result', '处理意见', 'select', [['support', '予以支持'], ['explain', '解释说明'], ['not_support', '不予支持']]],
        ['facts', '查明的事实'], ['basis', '依据']] },
    { path: '/review', label: '登记复查/复核申请', stages: ['replied', 'review_decided'],
      fields: [['level', '级别', 'select', [['review', '复查'], ['re_review', '复核']]], ['received_reply_on', '收到意见日期（YYYY-MM-DD）']] },
    { path: '/review/decision', label: '复查/复核意见', stages: ['review_applied', 're_review_applied'],
      fields: [['result', '意见', 'select', [['uphold', '维持原处理意见'], ['revise', '变更原处理意见']]], ['note', '理由']] },
    { path: '/hearing/start', label: '开始听证', stages: ['re_review_applied'], fields: [['note', '备注']] },
    { path: '/hearing/end', label: '结束听证', stages: ['re_review_applied'], fields: [] },
    { path: '/supervise', label: '督办/挂牌督办', stages: ['transferred', 'accepted'],
      fields: [['deadline', '督办期限（YYYY-MM-DD）'], ['note', '督办意见'], ['listed', '挂牌督办', 'checkbox']] },
    { path: '/supervise/feedback', label: '督办反馈', stages: ['transferred', 'accepted'], fields: [['feedback', '书面反馈']] },
    { path: '/owner', label: '领导包案', stages: ALL, fields: [['target_on', '化解期限（YYYY-MM-DD）'], ['note', '备注']] },
    { path: '/terminate', label: '终结', stages: ALL.filter(function (s) {
      return ['routed', 'declined', 'not_accepted', 'terminated'].indexOf(s) < 0; }), fields: [['reason', '理由']] },
    { path: '/care', label: '疏导/帮扶', stages: ALL, fields: [['kind', '类别', 'select', [['疏导', '疏导'], ['帮扶', '帮扶']]], ['note', '内容']] }
  ];

  // The track's clock kinds (the case page's 期限 card lists the others) and statuses.
  var CLOCKS = ['notify', 'handling', 'review_apply', 'review_decide', 're_review_apply', 're_review_decide'];
  var DOCS = ['reply_opinion', 'review_opinion', 're_review_opinion'];
  var CLOCK_STATUS = { running: '计时中', paused: '已中止', met: '按期完成', missed: '已超期', cancelled: '已取消' };

  function call(method, path, data) {
    return fetch(base + path, {
      method: method, credentials: 'same-origin',
      headers: data ? { 'Content-Type': 'application/json' } : {},
      body: data ? JSON.stringify(data) : undefined
    }).then(function (res) {
      return res.json().then(function (b) {
        // The message with its field messages (a 400 says only 提交的数据有误).
        if (!res.ok) throw new Error(J.errorText({ ok: false, status: res.status, body: b || {} }));
        return b;
      });
    });
  }

  function form(step, msg) {
    var inputs = {};
    var f = el('form', { 'class': 'petition-step' }, [el('strong', {}, [step.label])]);
    step.fields.forEach(function (fd) {
      var input;
      if (fd[2] === 'select') {
        input = el('select', { name: fd[0] }, [el('option', { value: '', text: fd[1] + '：请选择' })].concat(
          fd[3].map(function (o) { return el('option', { value: o[0], text: o[1] }); })));
      } else if (fd[2] === 'unit') {
        input = unitSelect(fd[0], fd[1]);
      } else {
        input = el('input', { name: fd[0], placeholder: fd[1], type: fd[2] || 'text' });
      }
      inputs[fd[0]] = input;
      f.appendChild(input);
    });
    f.appendChild(el('button', { type: 'submit' }, ['提交']));
    f.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var data = {};
      step.fields.forEach(function (fd) {
        if (fd[2] === 'checkbox') { data[fd[0]] = inputs[fd[0]].checked; return; }
        var v = inputs[fd[0]].value.trim();
        if (v !== '') data[fd[0]] = fd[2] === 'number' || fd[2] === 'unit' ? Number(v) : v;
      });
      call('POST', step.path, data).then(load, function (err) { msg.textContent = err.message; });
    });
    return f;
  }

  // unitSelect offers the units the case may be transferred to (its region
  // and the regions above, nearest first), from GET …/petition/units.
  function unitSelect(name, label) {
    var s = el('select', { name: name }, [el('option', { value: '', text: '加载中…' })]);
    fetch(base + '/units', { credentials: 'same-origin' }).then(function (res) {
      return res.json().then(function (b) { return { ok: res.ok, status: res.status, body: b || {} }; });
    }).then(function (r) {
      s.textContent = '';
      var items = r.ok ? r.body.items || [] : [];
      s.appendChild(el('option', { value: '', text: r.ok ? (items.length ? label + '：请选择' : '本案所在地区没有可转送的机构') : J.errorText(r) }));
      items.forEach(function (u) { s.appendChild(el('option', { value: String(u.id), text: u.name })); });
    }, function () { s.textContent = ''; s.appendChild(el('option', { value: '', text: '机构列表加载失败' })); });
    return s;
  }

  // extra GETs a list of the case's (clocks, documents) for the panel; a
  // failure leaves it out rather than failing the panel.
  function extra(path) {
    return fetch('/api/v1/cases/' + encodeURIComponent(no) + path, { credentials: 'same-origin' }).then(function (res) {
      return res.ok ? res.json() : {};
    }).then(function (b) { return (b && b.items) || []; }, function () { return []; });
  }

  function clockLine(k) {
    var open = k.status === 'running' || k.status === 'paused';
    var left = !open ? '' : k.days_left < 0 ? '（已逾期 ' + (-k.days_left) + ' 日）' : '（剩 ' + k.days_left + ' 日）';
    return k.label + ' 截止 ' + J.chinaTime(k.due).slice(0, 10) + ' · ' + (CLOCK_STATUS[k.status] || k.status) + left;
  }

  function show(st, clocks, docs) {
    body.textContent = '';
    var msg = el('p', { 'class': 'error' }, []);
    var rows = [['环节', st.stage_label || st.stage], ['类别', st['class'] || '未分类'],
      ['承办机构', st.unit_name || (st.unit_id || '')], ['已延期', st.extended ? '是' : '否'],
      ['越级', st.yueji ? '是' : '否'], ['代表人数', String(st.representatives)]];
    if (st.object_by) rows.push(['异议截止', st.object_by]);
    if (st.earlier_case_no) rows.push(['不再受理（原案件）', st.earlier_case_no]);
    if (st.lower_case_no) rows.push(['下级已受理案件', st.lower_case_no]);
    if (st.owner) rows.push(['包案领导', st.owner.leader_name + '（化解期限 ' + st.owner.target_on + '）']);
    if (st.supervised) rows.push(['督办', (st.escalated ? '已逾期升级；' : '') + (st.supervisions || []).map(function (s) {
      return (s.listed ? '挂牌督办' : '督办') + ' 期限 ' + s.deadline + (s.feedback_at ? '（已反馈）' : s.overdue ? '（逾期未反馈）' : '');
    }).join('；')]);
    body.appendChild(el('dl', {}, rows.reduce(function (acc, r) {
      return acc.concat([el('dt', {}, [r[0]]), el('dd', {}, [String(r[1])])]);
    }, [])));
    clocks = (clocks || []).filter(function (k) { return CLOCKS.indexOf(k.kind) >= 0; });
    if (clocks.length) {
      body.appendChild(el('ul', { 'class': 'petition-clocks' }, clocks.map(function (k) {
        return el('li', { 'data-kind': k.kind }, [clockLine(k)]);
      })));
    }
    // The track's documents, newest first: 处理意见书, 复查意见书, 复核意见书.
    (docs || []).filter(function (d) { return DOCS.indexOf(d.kind) >= 0; }).forEach(function (d) {
      body.appendChild(el('p', { 'class': 'petition-doc', 'data-kind': d.kind }, [el('a', {
        href: '/api/v1/cases/' + encodeURIComponent(no) + '/documents/' + d.id, target: '_blank', rel: 'noopener',
        text: d.title + '（第' + d.version + '版，PDF）' })]));
    });
    steps.forEach(function (s) {
      if (s.stages.indexOf(st.stage) >= 0) body.appendChild(form(s, msg));
    });
    body.appendChild(msg);
  }

  function load() {
    call('GET', '').then(function (st) {
      return Promise.all([extra('/clocks'), extra('/documents')]).then(function (r) { show(st, r[0], r[1]); });
    }, function (err) { body.textContent = err.message; });
  }
  load();
});
