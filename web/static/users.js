// 用户管理 console page: drives the staff administration API
// (/api/v1/users) and lists units for the unit field. The server checks
// every rule (scope, role, self); the page only shows its answers.
(function () {
  'use strict';
  var root = document.getElementById('users');
  if (!root || !window.fetch) return;
  var el = Jiefen.el;
  var self = root.getAttribute('data-self');
  var form = document.getElementById('user-form');
  var f = {
    username: document.getElementById('u-username'), name: document.getElementById('u-name'),
    password: document.getElementById('u-password'), role: document.getElementById('u-role'),
    region: document.getElementById('u-region'), unit: document.getElementById('u-unit')
  };
  var errBox = document.getElementById('u-error');
  var flash = document.getElementById('u-flash');
  var rows = document.getElementById('user-rows');
  var submit = document.getElementById('u-submit');
  var cancel = document.getElementById('u-cancel');
  var units = {};
  var loads = 0;
  var editing = null; // the username being changed, or null when creating

  function say(msg) { flash.textContent = msg; flash.hidden = false; }
  function fieldErrors(r) {
    form.querySelectorAll('[data-error-for]').forEach(function (s) { s.textContent = ''; });
    var e = r && r.body && r.body.error;
    if (e && e.fields) {
      Object.keys(e.fields).forEach(function (k) {
        var s = form.querySelector('[data-error-for="' + k + '"]');
        if (s) s.textContent = e.fields[k];
      });
    }
    errBox.hidden = !r;
    if (r) errBox.textContent = Jiefen.errorText(r);
  }

  function loadUnits() {
    return Jiefen.api('GET', '/units?active=true').then(function (r) {
      if (!r.ok) return;
      (r.body.items || []).forEach(function (u) {
        units[u.id] = u.name;
        f.unit.appendChild(el('option', { value: String(u.id), text: u.name + '（' + u.kind_label + '）' }));
      });
    });
  }

  function load() {
    Jiefen.api('GET', '/users').then(function (r) {
      rows.textContent = '';
      if (!r.ok) {
        rows.appendChild(el('tr', {}, [el('td', { colspan: 7, class: 'empty', text: Jiefen.errorText(r) })]));
        return;
      }
      (r.body.items || []).forEach(function (u) { rows.appendChild(row(u)); });
      root.dataset.loads = String(++loads); // tests wait for a fresh list
    });
  }

  function patch(u, body, done) {
    Jiefen.api('PATCH', '/users/' + encodeURIComponent(u.username), body).then(function (r) {
      if (!r.ok) { say(Jiefen.errorText(r)); return; }
      say(done);
      load();
    });
  }

  function row(u) {
    var actions = [];
    if (u.username !== self) {
      actions.push(el('button', { type: 'button', class: 'link', 'data-action': u.disabled ? 'enable' : 'disable',
        text: u.disabled ? '启用' : '停用', onclick: function () {
          patch(u, { disabled: !u.disabled }, (u.disabled ? '已启用 ' : '已停用 ') + u.username);
        } }));
    }
    actions.push(el('button', { type: 'button', class: 'link', 'data-action': 'reset', text: '重置密码', onclick: function () {
      var pw = window.prompt('为 ' + u.username + ' 设置新密码（至少8个字符）：');
      if (pw) patch(u, { password: pw }, '已重置 ' + u.username + ' 的密码');
    } }));
    actions.push(el('button', { type: 'button', class: 'link', 'data-action': 'edit', text: '修改', onclick: function () { edit(u); } }));
    return el('tr', { 'data-username': u.username, class: u.disabled ? 'disabled' : '' }, [
      el('td', { text: u.username }), el('td', { text: u.display_name }), el('td', { text: u.role_label }),
      el('td', { text: u.region_code }), el('td', { text: u.unit_id ? (units[u.unit_id] || '#' + u.unit_id) : '' }),
      el('td', { class: 'state', text: u.disabled ? '已停用' : '正常' }), el('td', {}, actions)
    ]);
  }

  function edit(u) {
    editing = u.username;
    document.getElementById('u-title').textContent = '修改账户 ' + u.username;
    document.getElementById('u-password-label').textContent = '新密码（不改请留空）';
    f.username.value = u.username;
    f.username.disabled = true;
    f.name.value = u.display_name;
    f.password.value = '';
    f.role.value = u.role;
    f.region.value = u.region_code;
    f.unit.value = u.unit_id ? String(u.unit_id) : '';
    submit.textContent = '保存修改';
    cancel.hidden = false;
    fieldErrors(null);
    form.scrollIntoView();
  }

  function reset() {
    editing = null;
    form.reset();
    f.username.disabled = false;
    document.getElementById('u-title').textContent = '新建账户';
    document.getElementById('u-password-label').textContent = '初始密码';
    submit.textContent = '创建账户';
    cancel.hidden = true;
  }
  cancel.addEventListener('click', reset);

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var body = { name: f.name.value.trim(), role: f.role.value, region_code: f.region.value.trim() };
    var unit = f.unit.value ? parseInt(f.unit.value, 10) : null;
    var req;
    if (editing) {
      body.unit_id = unit || 0;
      if (f.password.value) body.password = f.password.value;
      req = Jiefen.api('PATCH', '/users/' + encodeURIComponent(editing), body);
    } else {
      body.username = f.username.value.trim();
      body.password = f.password.value;
      if (unit) body.unit_id = unit;
      req = Jiefen.api('POST', '/users', body);
    }
    submit.disabled = true;
    req.then(function (r) {
      submit.disabled = false;
      if (!r.ok) { fieldErrors(r); return; }
      fieldErrors(null);
      say((editing ? '已保存 ' : '已创建 ') + r.body.username);
      reset();
      load();
    });
  });

  loadUnits().then(load);
})();
