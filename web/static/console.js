// Console enhancements that need no build step. The case page lists the
// images residents attached (served by the WeChat channel when mounted;
// the session cookie authenticates the requests).
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
