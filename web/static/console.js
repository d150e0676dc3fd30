// Console enhancements that need no build step. Jiefen holds the helpers
// the pages' own scripts share (they load after this one); the case page
// lists the images residents attached (served by the WeChat channel when
// mounted). The session cookie authenticates the API requests.
window.Jiefen = (function () {
  'use strict';

  // api calls the JSON API; it resolves to {ok, status, body}, status 0
  // when the network failed.
  function api(method, path, body) {
    var opt = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      opt.headers['Content-Type'] = 'application/json';
      opt.body = JSON.stringify(body);
    }
    return fetch('/api/v1' + path, opt).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (b) {
        return { ok: res.ok, status: res.status, body: b || {} };
      });
    }, function () { return { ok: false, status: 0, body: {} }; });
  }

  // errorText says what went wrong: the server's message and its field
  // messages.
  function errorText(r) {
    var e = r.body && r.body.error;
    if (!e) return r.status ? '请求失败（' + r.status + '）' : '网络错误，请重试';
    var s = e.message || '请求失败';
    if (e.fields) {
      s += '：' + Object.keys(e.fields).map(function (k) { return e.fields[k]; }).join('；');
    }
    return s;
  }

  // el builds an element: attrs (text, class, on<event>, others as
  // attributes) and children (elements or strings).
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }

  // chinaTime renders an RFC 3339 time as China time, 2025-12-01T09:30
  // (a datetime-local value; its first 10 characters are the date).
  function chinaTime(iso) {
    return iso ? new Date(new Date(iso).getTime() + 8 * 3600 * 1000).toISOString().slice(0, 16) : '';
  }

  // visitForm is the form that records a return visit of case no (POST
  // /cases/{no}/visits): method, reached, satisfaction, the resident's
  // words, and 不满意 → 重新办理. done gets the answer's body.
  function visitForm(no, done) {
    var f = el('form', { class: 'visit-form', 'data-case': no });
    var method = el('select', { name: 'method' }, [['phone', '电话回访'], ['in_person', '上门回访'], ['wechat', '微信回访']].map(function (m) {
      return el('option', { value: m[0], text: m[1] });
    }));
    var reached = el('select', { name: 'reached' }, [el('option', { value: 'true', text: '已联系上' }), el('option', { value: 'false', text: '未联系上' })]);
    var sat = el('select', { name: 'satisfaction' }, ['满意', '基本满意', '不满意'].map(function (v) { return el('option', { value: v, text: v }); }));
    var note = el('input', { name: 'note', placeholder: '群众意见（不满意并重新办理时必填）' });
    var reopen = el('input', { type: 'checkbox', name: 'reopen' });
    var msg = el('span', { class: 'meta', role: 'status' });
    [method, reached, sat, note, el('label', { class: 'inline' }, [reopen, ' 不满意，重新办理']),
      el('button', { type: 'submit', text: '提交' }), msg].forEach(function (n) { f.appendChild(n); });
    f.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = { method: method.value, reached: reached.value === 'true', note: note.value, reopen: reopen.checked };
      if (body.reached) body.satisfaction = sat.value;
      api('POST', '/cases/' + encodeURIComponent(no) + '/visits', body).then(function (r) {
        if (!r.ok) { msg.textContent = errorText(r); return; }
        done(r.body);
      });
    });
    return f;
  }

  return { api: api, errorText: errorText, el: el, chinaTime: chinaTime, visitForm: visitForm };
})();

(function () {
  'use strict';
  var box = document.getElementById('case-images');
  if (!box || !window.fetch) return;
  var no = box.getAttribute('data-case');
  fetch('/api/v1/cases/' + encodeURIComponent(no) + '/images', { credentials: 'same-origin' })
    .then(function (res) { return res.ok ? res.json() : { items: [] }; })
    .then(function (body) {
      var items = (body && body.items) || [];
      if (!items.length) return;
      var list = box.querySelector('.thumbs');
      items.forEach(function (img) {
        var a = document.createElement('a');
        a.href = img.url;
        a.target = '_blank';
        a.rel = 'noopener';
        a.title = img.intake_ref || '';
        var el = document.createElement('img');
        el.src = img.url;
        el.alt = '群众上传的图片';
        el.loading = 'lazy';
        a.appendChild(el);
        list.appendChild(a);
      });
      box.querySelector('h2').textContent = '群众上传的图片（' + items.length + '）';
      box.hidden = false;
    }, function () {});
})();

// Region fields marked data-region-search take a place name: typing one
// fills the field's datalist with the matching regions of the user's scope
// (GET /api/v1/regions?q=), each offered as its code with its path
// (安康市/汉滨区/恒口镇), so picking one puts the code in the field.
(function () {
  'use strict';
  if (!window.fetch) return;
  document.querySelectorAll('input[data-region-search]').forEach(function (input) {
    var list = input.list;
    if (!list) return;
    var timer = null;
    var last = '';
    input.addEventListener('input', function () {
      var q = input.value.trim();
      if (!q || /^[0-9]+$/.test(q) || q === last) return;
      clearTimeout(timer);
      timer = setTimeout(function () {
        last = q;
        Jiefen.api('GET', '/regions?q=' + encodeURIComponent(q)).then(function (r) {
          if (!r.ok || input.value.trim() !== q) return;
          list.textContent = '';
          (r.body.items || []).forEach(function (m) {
            list.appendChild(Jiefen.el('option', { value: m.code, label: m.path, text: m.path }));
          });
        });
      }, 200);
    });
  });
})();
