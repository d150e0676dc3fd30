// 领导驾驶舱: tiles and ECharts charts of GET /api/v1/stats/overview for the
// user's region, a region table that drills down by click (city → county →
// town → village), the 通报 rankings of the child regions (化解成功率,
// overdue, satisfaction), top group issues, the monthly report
// and 大屏 mode (full screen, refreshed every minute). ECharts is vendored
// under /static/vendor (update-echarts.sh), never loaded from a CDN.
(function () {
  'use strict';
  var root = document.getElementById('module');
  if (!root) return;
  var stack = [root.dataset.region];
  var charts = {};
  var timer = null;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function pct(x) { return (x * 100).toFixed(1) + '%'; }
  function loadECharts(done) {
    if (window.echarts) return done();
    var s = el('script', { src: '/static/vendor/echarts.min.js' });
    s.onload = done;
    document.head.appendChild(s);
  }

  document.head.appendChild(el('link', { rel: 'stylesheet', href: '/static/dashboard.css' }));
  root.textContent = '';
  var bar = el('div', { 'class': 'dash-bar' });
  var crumbs = el('span', { id: 'dash-crumbs' });
  var from = el('input', { type: 'date', id: 'dash-from' });
  var to = el('input', { type: 'date', id: 'dash-to' });
  var go = el('button', { type: 'button', id: 'dash-go' }, '查询');
  var big = el('button', { type: 'button', id: 'dash-big' }, '大屏模式');
  var monthly = el('a', { id: 'dash-monthly', 'class': 'button' }, '下载月报');
  [crumbs, from, to, go, monthly, big].forEach(function (x) { bar.appendChild(x); });
  root.appendChild(bar);
  var tiles = el('div', { 'class': 'dash-tiles', id: 'dash-tiles' });
  root.appendChild(tiles);
  var grid = el('div', { 'class': 'dash-grid' });
  ['trend', 'channel', 'category', 'ranking'].forEach(function (id) {
    var box = el('div', { 'class': 'dash-chart', id: 'chart-' + id });
    grid.appendChild(box);
  });
  root.appendChild(grid);
  // 通报排名: the child regions ranked by 化解成功率, overdue and
  // satisfaction (o.rankings, computed by the server).
  root.appendChild(el('h2', {}, '通报排名'));
  var ranks = el('div', { 'class': 'dash-ranks', id: 'dash-ranks' });
  root.appendChild(ranks);
  var regions = el('table', { id: 'dash-regions', 'class': 'list' });
  root.appendChild(el('h2', {}, '下级地区（点击下钻）'));
  root.appendChild(regions);
  root.appendChild(el('h2', {}, '群体性事项'));
  var clusters = el('ul', { id: 'dash-clusters' });
  root.appendChild(clusters);

  function tile(label, value, id, title) {
    var t = el('div', title ? { 'class': 'dash-tile', id: 'tile-' + id, title: title } : { 'class': 'dash-tile', id: 'tile-' + id });
    t.appendChild(el('div', { 'class': 'dash-value' }, String(value)));
    t.appendChild(el('div', { 'class': 'meta' }, label));
    tiles.appendChild(t);
  }

  function chart(id, option) {
    var node = document.getElementById('chart-' + id);
    if (!charts[id]) charts[id] = window.echarts.init(node);
    charts[id].setOption(option, true);
  }

  function render(o) {
    root.dataset.loaded = o.region.code;
    crumbs.textContent = '';
    stack.forEach(function (code, i) {
      var a = el('a', { href: '#', 'data-code': code }, i === stack.length - 1 ? o.region.name : code);
      a.addEventListener('click', function (ev) { ev.preventDefault(); stack = stack.slice(0, i + 1); load(); });
      crumbs.appendChild(a);
      if (i < stack.length - 1) crumbs.appendChild(document.createTextNode(' › '));
    });
    from.value = o.from; to.value = o.to;
    monthly.href = '/api/v1/stats/monthly.xlsx?region=' + encodeURIComponent(o.region.code) + '&month=' + o.to.slice(0, 7);
    tiles.textContent = '';
    tile('收件', o.received, 'received'); tile('受理', o.accepted, 'accepted'); tile('办结', o.resolved, 'resolved');
    tile('化解成功率', pct(o.resolution_rate), 'rate'); tile('当前超期', o.overdue, 'overdue');
    // 积案 and 督办 as the petition track defines them (JIEFEN_PETITION_BACKLOG),
    // the same cases as the case list's backlog / supervised filters; without
    // the track, 积案 is the cases past their handling deadline.
    var pet = o.modules && o.modules.petition;
    tile('3个工作日内到期', o.due_soon, 'due-soon');
    if (pet) {
      tile('积案', pet.backlog, 'backlog', '积案：' + pet.backlog_definition);
      tile('督办中', pet.supervised, 'supervised');
    } else {
      tile('积案', o.backlog, 'backlog', '积案：超过办理期限仍未办结');
    }
    tile('满意率', pct(o.satisfaction.satisfied + o.satisfaction.basically), 'satisfaction');
    tile('平均办结天数', o.avg_resolve_days, 'avg-days');
    chart('trend', { title: { text: '收件与办结趋势', textStyle: { fontSize: 14 } }, tooltip: { trigger: 'axis' },
      legend: { data: ['收件', '办结'], right: 0 }, grid: { left: 40, right: 10, bottom: 30 },
      xAxis: { type: 'category', data: o.trend.map(function (p) { return p.date.slice(5); }) }, yAxis: { type: 'value' },
      series: [{ name: '收件', type: 'line', data: o.trend.map(function (p) { return p.received; }) },
        { name: '办结', type: 'line', data: o.trend.map(function (p) { return p.resolved; }) }] });
    chart('channel', { title: { text: '按渠道', textStyle: { fontSize: 14 } }, tooltip: {}, grid: { left: 40, right: 10, bottom: 30 },
      xAxis: { type: 'category', data: o.by_channel.map(function (c) { return c.label; }) }, yAxis: { type: 'value' },
      series: [{ type: 'bar', data: o.by_channel.map(function (c) { return c.received; }) }] });
    chart('category', { title: { text: '按类别', textStyle: { fontSize: 14 } }, tooltip: {}, grid: { left: 110, right: 10, bottom: 30 },
      yAxis: { type: 'category', data: o.by_category.map(function (c) { return c.label; }) }, xAxis: { type: 'value' },
      series: [{ type: 'bar', data: o.by_category.map(function (c) { return c.received; }) }] });
    var ranked = o.rankings.resolution_rate.slice(0, 12);
    chart('ranking', { title: { text: '化解成功率排名', textStyle: { fontSize: 14 } }, tooltip: {}, grid: { left: 110, right: 10, bottom: 30 },
      yAxis: { type: 'category', inverse: true, data: ranked.map(function (r) { return r.rank + '. ' + r.name; }) },
      xAxis: { type: 'value', max: 1 }, series: [{ type: 'bar', data: ranked.map(function (r) { return r.value; }) }] });
    ranks.textContent = '';
    [['rate', '化解成功率', o.rankings.resolution_rate, function (r) { return pct(r.value) + '（办结' + r.base + '件）'; }],
      ['overdue', '当前超期（少者在前）', o.rankings.overdue, function (r) { return r.value + '件（收件' + r.base + '件）'; }],
      ['satisfaction', '满意率', o.rankings.satisfaction, function (r) { return pct(r.value) + '（评价' + r.base + '次）'; }]
    ].forEach(function (k) {
      var box = el('div', { 'class': 'dash-rank' });
      box.appendChild(el('h3', {}, k[1]));
      var t = el('table', { id: 'rank-' + k[0], 'class': 'list' });
      if (!k[2].length) t.appendChild(el('tr', {}, '')).appendChild(el('td', { 'class': 'meta' }, '暂无数据'));
      k[2].forEach(function (r) {
        var tr = el('tr', { 'data-code': r.code });
        tr.appendChild(el('td', {}, String(r.rank)));
        tr.appendChild(el('td', {}, r.name));
        tr.appendChild(el('td', {}, k[3](r)));
        t.appendChild(tr);
      });
      box.appendChild(t);
      ranks.appendChild(box);
    });

    regions.textContent = '';
    var head = el('tr');
    ['地区', '收件', '办结', '化解成功率', '超期', '满意率'].forEach(function (h) { head.appendChild(el('th', {}, h)); });
    regions.appendChild(head);
    o.by_region.forEach(function (r) {
      var tr = el('tr', { 'data-code': r.code });
      var td = el('td');
      var a = el('a', { href: '#', 'class': 'drill', 'data-code': r.code }, r.name);
      a.addEventListener('click', function (ev) { ev.preventDefault(); stack.push(r.code); load(); });
      td.appendChild(a);
      tr.appendChild(td);
      [r.received, r.resolved, pct(r.resolution_rate), r.overdue, r.evaluations ? pct(r.satisfaction) : '—'].forEach(function (v) {
        tr.appendChild(el('td', {}, String(v)));
      });
      regions.appendChild(tr);
    });
    clusters.textContent = '';
    if (!o.clusters.length) clusters.appendChild(el('li', { 'class': 'meta' }, '统计期内没有群体性事项'));
    o.clusters.forEach(function (c) {
      var li = el('li');
      li.appendChild(el('a', { href: '/console/clusters/' + c.id }, c.title));
      li.appendChild(document.createTextNode(' — ' + c.cases + '件，' + c.persons + '人，近7日新增' + c.growth + '件'));
      clusters.appendChild(li);
    });
  }

  function load() {
    var q = '?region=' + encodeURIComponent(stack[stack.length - 1]);
    if (from.value) q += '&from=' + from.value;
    if (to.value) q += '&to=' + to.value;
    fetch('/api/v1/stats/overview' + q, { credentials: 'same-origin' }).then(function (r) {
      return r.json().then(function (b) { if (!r.ok) throw new Error((b.error && b.error.message) || r.status); return b; });
    }).then(function (o) { loadECharts(function () { render(o); }); })
      .catch(function (e) { tiles.textContent = '加载失败：' + e.message; });
  }

  go.addEventListener('click', load);
  big.addEventListener('click', function () {
    document.body.classList.toggle('dash-big');
    if (document.body.classList.contains('dash-big')) {
      if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(function () {});
      timer = setInterval(load, 60000);
    } else {
      if (document.fullscreenElement) document.exitFullscreen();
      clearInterval(timer);
    }
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
  window.addEventListener('resize', function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
  load();
})();
