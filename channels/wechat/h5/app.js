// 解纷 · 群众服务 (resident H5 page). Plain JavaScript, no build step; it
// uses the resident API under /api/v1/me with a bearer token, like the
// mini-program. Pages (hash routes): #/login, #/cases, #/new, #/case/<no>.
// Inside the mini-program's web-view the token arrives as #token=<token>.
(function () {
  'use strict';

  var TOKEN_KEY = 'jiefen.resident.token';
  var app = document.getElementById('app');
  var tabs = document.getElementById('tabs');
  var logoutBtn = document.getElementById('logout');
  var config = null;
  var objectURLs = [];

  // ---------------------------------------------------------------- helpers
  // h builds elements without innerHTML, so no text is ever parsed as HTML.
  function h(tag, attrs) {
    var el = document.createElement(tag);
    var k;
    attrs = attrs || {};
    for (k in attrs) {
      if (!Object.prototype.hasOwnProperty.call(attrs, k) || attrs[k] === undefined || attrs[k] === null || attrs[k] === false) continue;
      if (k === 'text') el.textContent = attrs[k];
      else if (k === 'class') el.className = attrs[k];
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] === true) el.setAttribute(k, '');
      else el.setAttribute(k, attrs[k]);
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(el, c); }); return; }
    el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  function render(page) {
    objectURLs.forEach(function (u) { URL.revokeObjectURL(u); });
    objectURLs = [];
    app.textContent = '';
    for (var i = 1; i < arguments.length; i++) append(app, arguments[i]);
    document.body.setAttribute('data-page', page);
    var links = tabs.querySelectorAll('a');
    for (var j = 0; j < links.length; j++) {
      links[j].classList.toggle('active', links[j].getAttribute('data-tab') === page);
    }
    window.scrollTo(0, 0);
  }
  function fmtTime(s) {
    if (!s) return '';
    var d = new Date(s);
    if (isNaN(d.getTime())) return s;
    // Show China time whatever the phone's zone.
    var c = new Date(d.getTime() + 8 * 3600 * 1000);
    function p(n) { return n < 10 ? '0' + n : '' + n; }
    return c.getUTCFullYear() + '-' + p(c.getUTCMonth() + 1) + '-' + p(c.getUTCDate()) + ' ' + p(c.getUTCHours()) + ':' + p(c.getUTCMinutes());
  }
  function fmtDate(s) { return fmtTime(s).slice(0, 10); }
  function randomKey() {
    var b = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  // ---------------------------------------------------------------- session
  function token() {
    try { return localStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
  }
  function setToken(t) {
    try {
      if (t) localStorage.setItem(TOKEN_KEY, t); else localStorage.removeItem(TOKEN_KEY);
    } catch (e) { /* private mode: the session lasts for this page only */ }
    memoryToken = t;
  }
  var memoryToken = '';
  function currentToken() { return token() || memoryToken; }

  function ApiError(status, body) {
    var e = (body && body.error) || {};
    this.status = status;
    this.code = e.code || 'error';
    this.message = e.message || '网络错误，请稍后重试';
    this.fields = e.fields || {};
    this.requestId = e.request_id || '';
  }

  function api(method, path, body, headers) {
    var opts = { method: method, headers: {} };
    var t = currentToken();
    if (t) opts.headers.Authorization = 'Bearer ' + t;
    if (body instanceof FormData) opts.body = body;
    else if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    if (headers) Object.keys(headers).forEach(function (k) { opts.headers[k] = headers[k]; });
    return fetch('/api/v1' + path, opts).then(function (res) {
      var ct = res.headers.get('Content-Type') || '';
      var parsed = ct.indexOf('application/json') >= 0 ? res.json() : Promise.resolve(null);
      return parsed.then(function (data) {
        if (res.status === 401 && path.indexOf('/wechat/') !== 0) {
          setToken('');
          goto('#/login');
        }
        if (!res.ok) throw new ApiError(res.status, data);
        return data;
      });
    }, function () { throw new ApiError(0, null); });
  }

  // imageURL fetches an image with the token and returns an object URL.
  function imageURL(path) {
    return fetch(path, { headers: { Authorization: 'Bearer ' + currentToken() } }).then(function (res) {
      if (!res.ok) throw new ApiError(res.status, null);
      return res.blob();
    }).then(function (b) {
      var u = URL.createObjectURL(b);
      objectURLs.push(u);
      return u;
    });
  }

  function errorBox(err) {
    var msg = err instanceof ApiError ? err.message : '页面出错，请刷新后重试';
    var box = h('p', { class: 'notice', role: 'alert' }, msg);
    if (err && err.requestId) append(box, h('span', { class: 'muted' }, '（请求编号 ' + err.requestId + '）'));
    return box;
  }

  // ---------------------------------------------------------------- pages
  function loginPage(oauthError) {
    tabs.hidden = true;
    logoutBtn.hidden = true;
    var inWeChat = /MicroMessenger/i.test(navigator.userAgent);
    // Inside the mini-program's web-view the token comes from the
    // mini-program: web authorisation is for WeChat's ordinary browser.
    var inMiniProgram = /miniProgram/i.test(navigator.userAgent) || window.__wxjs_environment === 'miniprogram';
    var parts = [h('h2', { text: '登录' })];
    if (inWeChat && !inMiniProgram && config && config.oauth_login) {
      // Web authorisation (网页授权): WeChat vouches for the user and the
      // server sends the browser back with a token. Started at once, unless
      // it has just failed (then the user sees why and may try again).
      var again = h('a', { class: 'button block', id: 'oauth-login', href: '/m/oauth' }, '微信授权登录');
      if (oauthError) {
        parts.push(h('div', { class: 'card' }, h('p', { class: 'error', id: 'oauth-error', role: 'alert', text: oauthError }), again));
      } else {
        parts.push(h('div', { class: 'card' }, h('p', { class: 'muted center', text: '正在通过微信登录…' }), again));
        render('login', parts);
        location.replace('/m/oauth');
        return;
      }
    } else if (config && config.dev_login) {
      var err = h('p', { class: 'error', id: 'login-error' });
      var name = h('input', { type: 'text', id: 'login-name', maxlength: '32', autocomplete: 'name', placeholder: '请输入姓名' });
      var form = h('form', { class: 'card', id: 'login-form', novalidate: true },
        h('p', { class: 'notice', text: '开发模式：无需微信，输入姓名即可登录。正式环境请关闭 JIEFEN_DEV_LOGIN。' }),
        h('label', { for: 'login-name' }, '姓名', h('span', { class: 'req', text: '*' })),
        name, err,
        h('button', { type: 'submit', id: 'login-submit', class: 'block' }, '登录'));
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        err.textContent = '';
        api('POST', '/wechat/dev-login', { name: name.value.trim() }).then(function (res) {
          setToken(res.token);
          goto('#/cases');
        }, function (e) {
          err.textContent = (e.fields && e.fields.name) || e.message;
        });
      });
      parts.push(form);
    } else {
      parts.push(h('div', { class: 'card' },
        h('p', { text: inWeChat ? '请从“解纷”微信小程序进入本页面（登录已过期时请返回小程序重新进入），登录后即可反映事项、查看办理进度。'
          : '请在微信中打开“解纷”小程序使用本服务：反映事项、查看办理进度、评价办理结果。' }),
        h('p', { class: 'muted', text: '如需帮助，请拨打当地 12345 政务服务便民热线。' })));
    }
    render('login', parts);
  }

  function statusBadge(c) {
    return h('span', { class: 'badge s-' + c.status, text: c.status_label });
  }

  function casesPage() {
    render('cases', h('p', { class: 'muted center', text: '正在加载…' }));
    api('GET', '/me/cases?limit=50').then(function (res) {
      var items = res.items || [];
      var list = items.map(function (c) {
        return h('a', { class: 'card case-item', href: '#/case/' + encodeURIComponent(c.case_no), 'data-case-no': c.case_no },
          h('div', { class: 'top' }, h('span', { class: 'subject', text: c.subject }), statusBadge(c)),
          h('div', { class: 'muted' }, '案件编号 ' + c.case_no),
          h('div', { class: 'muted' }, '登记时间 ' + fmtTime(c.created_at)));
      });
      render('cases', h('h2', { text: '我的事项' }),
        items.length ? list : h('div', { class: 'card center' },
          h('p', { text: '您还没有反映过事项。' }),
          h('a', { class: 'button', href: '#/new' }, '我要反映')));
      document.body.setAttribute('data-loaded', 'cases');
    }, function (e) { render('cases', errorBox(e)); });
  }

  function field(id, labelText, input, required, hint) {
    return h('div', { class: 'field', id: 'field-' + id },
      h('label', { for: id }, labelText, required ? h('span', { class: 'req', text: '*' }) : null),
      input,
      hint ? h('p', { class: 'muted', text: hint }) : null,
      h('p', { class: 'error', 'data-error-for': id }));
  }

  function newPage() {
    render('new', h('p', { class: 'muted center', text: '正在加载…' }));
    api('GET', '/me/profile').then(function (profile) { newForm(profile); },
      function (e) { render('new', errorBox(e)); });
  }

  // imagePicker uploads images as soon as they are chosen, showing each
  // one's state; the form sends the ids of the uploaded ones.
  function imagePicker(prefix) {
    var images = []; // {id, state, url, failed}
    var maxImages = (config && config.max_images) || 9;
    var maxBytes = (config && config.max_image_bytes) || 5 * 1024 * 1024;
    var fileInput = h('input', { type: 'file', id: prefix + '-images', accept: 'image/jpeg,image/png,image/webp', multiple: true, class: 'hidden' });
    var pick = h('button', { type: 'button', class: 'secondary file-pick', id: prefix + '-pick' }, '添加图片');
    var thumbs = h('div', { class: 'thumbs', id: prefix + '-thumbs' });
    var err = h('p', { class: 'error', 'data-error-for': prefix + '-images' });
    pick.addEventListener('click', function () { fileInput.click(); });
    fileInput.addEventListener('change', function () {
      var files = Array.prototype.slice.call(fileInput.files || []);
      fileInput.value = '';
      files.forEach(function (f) {
        if (images.length >= maxImages) { err.textContent = '最多上传' + maxImages + '张图片'; return; }
        var img = { id: '', state: '上传中', url: URL.createObjectURL(f) };
        objectURLs.push(img.url);
        images.push(img);
        if (f.size > maxBytes) { img.state = '超过5MB'; img.failed = true; drawThumbs(); return; }
        drawThumbs();
        var fd = new FormData();
        fd.append('file', f, f.name || 'image');
        api('POST', '/me/uploads', fd).then(function (res) {
          img.id = res.id; img.state = '';
          drawThumbs();
        }, function (e) {
          img.failed = true;
          img.state = (e.fields && e.fields.file) || e.message;
          drawThumbs();
        });
      });
    });
    function drawThumbs() {
      thumbs.textContent = '';
      images.forEach(function (img, i) {
        thumbs.appendChild(h('div', { class: 'thumb', 'data-uploaded': img.id ? 'yes' : 'no' },
          h('img', { src: img.url, alt: '图片' + (i + 1) }),
          img.state ? h('span', { class: 'state', text: img.state }) : null,
          h('button', { type: 'button', class: 'remove', 'aria-label': '删除图片', onclick: function () {
            images.splice(i, 1); drawThumbs();
          } }, '×')));
      });
      pick.disabled = images.length >= maxImages;
    }
    return {
      maxImages: maxImages,
      nodes: [thumbs, fileInput, pick, err],
      // problem says why the form cannot be sent yet ('' when it can).
      problem: function () {
        if (images.some(function (x) { return !x.id && !x.failed; })) return '图片正在上传，请稍候再提交';
        if (images.some(function (x) { return x.failed; })) return '有图片未能上传，请删除后再提交';
        return '';
      },
      ids: function () { return images.map(function (x) { return x.id; }); }
    };
  }

  // regionPicker is the region field: the resident types a place name and
  // picks one of the suggestions (GET /me/regions?q=), each shown with its
  // path; the form sends the picked region's code. A code typed in digits
  // is sent as it is.
  function regionPicker(def) {
    var picked = def && def.code ? def.code : '';
    var input = h('input', { type: 'text', id: 'f-region', maxlength: '32', autocomplete: 'off',
      value: def ? (def.name || def.code) : '', placeholder: '如 老城街道、西大街社区',
      role: 'combobox', 'aria-autocomplete': 'list', 'aria-controls': 'f-region-list', 'aria-expanded': 'false' });
    var list = h('ul', { class: 'suggest', id: 'f-region-list', role: 'listbox', hidden: true });
    var timer = null;
    var seq = 0;
    function close() {
      list.hidden = true;
      list.textContent = '';
      input.setAttribute('aria-expanded', 'false');
    }
    function choose(m) {
      picked = m.code;
      input.value = m.name;
      input.setAttribute('data-code', m.code);
      close();
      var f = document.getElementById('field-f-region');
      var hint = f && f.querySelector(':scope > p.muted');
      if (hint) hint.textContent = '已选择：' + m.path;
    }
    input.setAttribute('data-code', picked);
    input.addEventListener('input', function () {
      picked = '';
      input.setAttribute('data-code', '');
      var q = input.value.trim();
      clearTimeout(timer);
      if (!q || /^[0-9]+$/.test(q)) { close(); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        api('GET', '/me/regions?q=' + encodeURIComponent(q)).then(function (res) {
          if (mine !== seq || input.value.trim() !== q) return;
          list.textContent = '';
          var items = res.items || [];
          if (!items.length) {
            list.appendChild(h('li', { class: 'muted empty', text: '没有找到“' + q + '”，请换个说法' }));
          }
          items.forEach(function (m) {
            list.appendChild(h('li', { role: 'option' },
              h('button', { type: 'button', class: 'suggestion', 'data-code': m.code, onclick: function () { choose(m); } },
                h('span', { class: 'name', text: m.name }),
                h('span', { class: 'path muted', text: m.path }))));
          });
          list.hidden = false;
          input.setAttribute('aria-expanded', 'true');
        }, function () { if (mine === seq) close(); });
      }, 250);
    });
    return {
      input: input,
      list: list,
      code: function () {
        var v = input.value.trim();
        return picked || (/^[0-9]+$/.test(v) ? v : '');
      },
      problem: function () {
        var v = input.value.trim();
        if (v && !picked && !/^[0-9]+$/.test(v)) return '请从提示中选择所属地区';
        return '';
      }
    };
  }

  function newForm(profile) {
    var key = randomKey(); // one key per form: a resubmission is not a second matter
    var picker = imagePicker('f');
    var categories = (config && config.categories) || [];
    var region = config && config.default_region;

    var subject = h('input', { type: 'text', id: 'f-subject', maxlength: '200', placeholder: '一句话说明您反映的事项' });
    var content = h('textarea', { id: 'f-content', maxlength: '20000', placeholder: '请写明事情经过、涉及的人或单位、您的诉求' });
    var category = h('select', { id: 'f-category' }, categories.map(function (c) {
      return h('option', { value: c.code, text: c.label, selected: c.code === 'other' });
    }));
    var address = h('input', { type: 'text', id: 'f-address', maxlength: '500', placeholder: '事发地点，如某街道某小区' });
    var regionPick = regionPicker(region);
    var regionInput = regionPick.input;
    var name = h('input', { type: 'text', id: 'f-name', maxlength: '100', autocomplete: 'name', value: profile.name || '' });
    var phone = h('input', { type: 'tel', id: 'f-phone', maxlength: '11', autocomplete: 'tel',
      placeholder: profile.has_phone ? '已绑定 ' + profile.phone + '（不填则使用此号码）' : '11位手机号码' });
    var formError = h('div', { id: 'form-error' });
    var submit = h('button', { type: 'submit', id: 'f-submit', class: 'block' }, '提交');

    function showFieldError(id, msg) {
      var p = app.querySelector('[data-error-for="' + id + '"]');
      if (p) p.textContent = msg;
      var f = document.getElementById('field-' + id);
      if (f) f.classList.add('invalid');
    }
    var fieldIDs = { subject: 'f-subject', content: 'f-content', category: 'f-category', address: 'f-address',
      region_code: 'f-region', 'person.name': 'f-name', 'person.phone': 'f-phone', images: 'f-images' };

    var form = h('form', { id: 'intake-form', novalidate: true },
      h('div', { class: 'card' },
        field('f-subject', '标题', subject, true),
        field('f-content', '具体内容', content, true),
        field('f-category', '事项类别', category, false),
        field('f-address', '事发地址', address, false),
        field('f-region', '所属地区', [regionInput, regionPick.list], true,
          region && region.name ? '默认：' + region.name + '。输入乡镇街道或村社区的名称，从提示中选择' : '输入乡镇街道或村社区的名称（如 老城），从提示中选择')),
      h('div', { class: 'card' },
        h('h3', { text: '联系人' }),
        field('f-name', '姓名', name, true),
        field('f-phone', '手机号码', phone, !profile.has_phone, '仅用于工作人员联系您，不会公开')),
      h('div', { class: 'card' },
        h('h3', { text: '图片材料（选填）' }),
        h('p', { class: 'muted', text: '最多' + picker.maxImages + '张，每张不超过5MB，支持 JPG、PNG、WebP。' }),
        picker.nodes),
      formError, submit);

    // A field's error goes away as soon as it is edited.
    form.addEventListener('input', function (ev) {
      var f = ev.target.closest ? ev.target.closest('.field') : null;
      if (!f) return;
      formError.textContent = '';
      f.classList.remove('invalid');
      var p = f.querySelector('.error');
      if (p) p.textContent = '';
    });
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var errs = form.querySelectorAll('.error');
      for (var i = 0; i < errs.length; i++) errs[i].textContent = '';
      var inv = form.querySelectorAll('.invalid');
      for (var j = 0; j < inv.length; j++) inv[j].classList.remove('invalid');
      formError.textContent = '';
      if (picker.problem()) {
        showFieldError('f-images', picker.problem());
        return;
      }
      if (regionPick.problem()) {
        showFieldError('f-region', regionPick.problem());
        return;
      }
      var body = {
        subject: subject.value, content: content.value, category: category.value,
        address: address.value, region_code: regionPick.code(),
        person: { name: name.value.trim(), phone: phone.value.trim() },
        images: picker.ids()
      };
      submit.disabled = true;
      submit.textContent = '正在提交…';
      api('POST', '/me/intakes', body, { 'Idempotency-Key': key }).then(function (res) {
        render('done', h('div', { class: 'card success', id: 'done' },
          h('h2', { text: '提交成功' }),
          h('p', { text: res.message }),
          h('p', {}, '案件编号：', h('strong', { id: 'done-case-no', text: res.case_no }))),
        h('a', { class: 'button block', href: '#/case/' + encodeURIComponent(res.case_no), id: 'done-view' }, '查看办理进度'),
        h('a', { class: 'button secondary block', href: '#/cases' }, '返回我的事项'));
      }, function (e) {
        submit.disabled = false;
        submit.textContent = '提交';
        var shown = false;
        Object.keys(e.fields || {}).forEach(function (k) {
          var id = fieldIDs[k] || (k.indexOf('images') === 0 ? 'f-images' : null);
          if (id) { showFieldError(id, e.fields[k]); shown = true; }
        });
        formError.appendChild(errorBox(shown ? new ApiError(e.status, { error: { message: '请检查标红的内容' } }) : e));
      });
    });
    render('new', h('h2', { text: '我要反映' }), form);
  }

  function casePage(no) {
    render('case', h('p', { class: 'muted center', text: '正在加载…' }));
    api('GET', '/me/cases/' + encodeURIComponent(no)).then(function (c) {
      var facts = h('dl', { class: 'kv' },
        h('dt', { text: '案件编号' }), h('dd', { text: c.case_no, id: 'case-no' }),
        h('dt', { text: '当前状态' }), h('dd', {}, statusBadge(c)),
        h('dt', { text: '事项类别' }), h('dd', { text: c.category_label }),
        h('dt', { text: '所属地区' }), h('dd', { text: c.region_name || '' }),
        h('dt', { text: '登记时间' }), h('dd', { text: fmtTime(c.created_at) }),
        c.due_at ? h('dt', { text: c.due_label }) : null,
        c.due_at ? h('dd', { text: fmtDate(c.due_at) + ' 前' }) : null);
      var timeline = h('ol', { class: 'timeline', id: 'timeline' }, (c.timeline || []).slice().reverse().map(function (t) {
        return h('li', {}, h('div', { class: 't', text: t.title }), h('div', { class: 'at', text: fmtTime(t.at) }),
          t.text ? h('div', { text: t.text }) : null);
      }));
      var subs = (c.submissions || []).map(function (s) {
        var thumbs = h('div', { class: 'thumbs' });
        (s.images || []).forEach(function (img, i) {
          var el = h('img', { alt: '图片' + (i + 1) });
          thumbs.appendChild(h('div', { class: 'thumb' }, el));
          imageURL(img.url).then(function (u) { el.src = u; }, function () { el.alt = '图片加载失败'; });
        });
        return h('div', { class: 'card submission' },
          h('h3', { text: s.subject || '我的反映' }),
          h('p', { class: 'muted', text: fmtTime(s.received_at) + ' · ' + s.channel_label }),
          h('p', { text: s.content }),
          s.address ? h('p', { class: 'muted', text: '地址：' + s.address }) : null,
          (s.images || []).length ? thumbs : null);
      });
      render('case', h('h2', { text: c.subject }),
        h('div', { class: 'card' }, h('p', { class: 'muted', id: 'status-hint', text: c.status_hint }), facts),
        h('div', { class: 'card' }, h('h3', { text: '办理进度' }), timeline),
        supplementCard(c),
        evaluationCard(c),
        subs.length ? h('h2', { text: '我的反映' }) : null, subs,
        h('a', { class: 'button secondary block', href: '#/cases' }, '返回我的事项'));
      document.body.setAttribute('data-loaded', 'case');
    }, function (e) {
      render('case', errorBox(e), h('a', { class: 'button secondary block', href: '#/cases' }, '返回我的事项'));
    });
  }

  // supplementCard shows what staff asked for, if anything, and lets the
  // resident add material to a case still being handled.
  function supplementCard(c) {
    if (!c.can_supplement) return null;
    var key = randomKey();
    var picker = imagePicker('s');
    var content = h('textarea', { id: 's-content', maxlength: '20000',
      placeholder: c.info_request ? '请按要求补充说明情况' : '新的情况或证明材料的说明' });
    var err = h('p', { class: 'error', id: 's-error' });
    var submit = h('button', { type: 'submit', id: 's-submit', class: 'block' }, '提交补充材料');
    var form = h('form', { class: 'card', id: 's-form', novalidate: true },
      h('h3', { text: c.info_request ? '需要您补充材料' : '补充材料' }),
      c.info_request ? h('div', { class: 'notice', id: 'info-request' },
        h('p', { text: c.info_request.request }),
        h('p', { class: 'muted', text: '工作人员于' + fmtTime(c.info_request.at) + '提出' })) : null,
      content, picker.nodes, err, submit);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      err.textContent = '';
      if (!content.value.trim()) { err.textContent = '请填写补充的内容'; return; }
      if (picker.problem()) { err.textContent = picker.problem(); return; }
      submit.disabled = true;
      api('POST', '/me/cases/' + encodeURIComponent(c.case_no) + '/supplements',
        { content: content.value, images: picker.ids() }, { 'Idempotency-Key': key })
        .then(function () { casePage(c.case_no); }, function (e) {
          submit.disabled = false;
          err.textContent = (e.fields && (e.fields.content || e.fields.images)) || e.message;
        });
    });
    return form;
  }

  function evaluationCard(c) {
    if (c.evaluation) {
      return h('div', { class: 'card', id: 'evaluation' }, h('h3', { text: '我的评价' }),
        h('p', {}, h('strong', { text: c.evaluation.rating_label })),
        c.evaluation.comment ? h('p', { text: c.evaluation.comment }) : null,
        h('p', { class: 'muted', text: fmtTime(c.evaluation.created_at) }));
    }
    if (!c.can_evaluate) return null;
    var chosen = '';
    var labels = [];
    var choices = [['satisfied', '满意'], ['basically_satisfied', '基本满意'], ['dissatisfied', '不满意']].map(function (r) {
      var input = h('input', { type: 'radio', name: 'rating', value: r[0], id: 'rating-' + r[0] });
      var label = h('label', { for: 'rating-' + r[0] }, input, r[1]);
      labels.push(label);
      input.addEventListener('change', function () {
        chosen = r[0];
        labels.forEach(function (l) { l.classList.toggle('checked', l === label); });
      });
      return label;
    });
    var comment = h('textarea', { id: 'ev-comment', maxlength: '500', placeholder: '您对办理情况的意见和建议（选填）' });
    var err = h('p', { class: 'error', id: 'ev-error' });
    var submit = h('button', { type: 'submit', id: 'ev-submit', class: 'block' }, '提交评价');
    var form = h('form', { class: 'card', id: 'ev-form', novalidate: true },
      h('h3', { text: '评价办理结果' }), h('div', { class: 'ratings' }, choices), comment, err, submit);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      err.textContent = '';
      if (!chosen) { err.textContent = '请选择满意程度'; return; }
      submit.disabled = true;
      api('POST', '/me/cases/' + encodeURIComponent(c.case_no) + '/evaluation', { rating: chosen, comment: comment.value })
        .then(function () { casePage(c.case_no); }, function (e) {
          submit.disabled = false;
          err.textContent = (e.fields && (e.fields.comment || e.fields.rating)) || e.message;
        });
    });
    return form;
  }

  // ---------------------------------------------------------------- router
  // goto shows a page even when the hash does not change.
  function goto(hash) {
    if (location.hash === hash) route(); else location.hash = hash;
  }

  function route() {
    var hash = location.hash || '';
    var m = /[#&]token=([^&]+)/.exec(hash);
    if (m) {
      // Handed over by the mini-program's web-view or the web authorisation:
      // keep it, drop it from the URL.
      setToken(decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname + location.search + '#/cases');
      hash = '#/cases';
    }
    var oauthError = '';
    var e = /[#&]oauth_error=([^&]*)/.exec(hash);
    if (e) {
      oauthError = decodeURIComponent(e[1].replace(/\+/g, ' '));
      history.replaceState(null, '', location.pathname + location.search + '#/login');
      hash = '#/login';
    }
    document.body.removeAttribute('data-loaded');
    if (!currentToken()) { loginPage(oauthError); return; }
    tabs.hidden = false;
    logoutBtn.hidden = false;
    var parts = hash.replace(/^#\/?/, '').split('/');
    if (parts[0] === 'new') newPage();
    else if (parts[0] === 'case' && parts[1]) casePage(decodeURIComponent(parts[1]));
    else if (parts[0] === 'login') goto('#/cases');
    else casesPage();
  }

  logoutBtn.addEventListener('click', function () {
    api('POST', '/me/logout').then(null, function () {}).then(function () {
      setToken('');
      goto('#/login');
    });
  });
  window.addEventListener('hashchange', route);
  api('GET', '/wechat/config').then(function (c) { config = c; }, function () { config = {}; }).then(route);
})();
