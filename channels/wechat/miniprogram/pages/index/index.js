const app = getApp();

Page({
  data: { busy: false, error: '', templates: [], hasPhone: false, phone: '' },

  onLoad() {
    app.request('GET', '/wechat/config').then((c) => {
      this.setData({ templates: c.subscribe_templates || [] });
    }, () => {});
    app.login().then(() => app.request('GET', '/me/profile')).then((p) => {
      this.setData({ hasPhone: p.has_phone, phone: p.phone || '' });
    }, (e) => this.setData({ error: e.message }));
  },

  // openService shows the H5 page with the resident's token.
  openService() {
    this.setData({ busy: true, error: '' });
    app.login().then((token) => {
      this.setData({ busy: false });
      wx.navigateTo({ url: '/pages/web/web?token=' + encodeURIComponent(token) });
    }, (e) => this.setData({ busy: false, error: e.message }));
  },

  // subscribe asks for the progress messages (one-time subscriptions: each
  // accepted template allows one message).
  subscribe() {
    const ids = this.data.templates.slice(0, 3); // WeChat allows 3 per request
    wx.requestSubscribeMessage({
      tmplIds: ids,
      success() { wx.showToast({ title: '设置成功', icon: 'success' }); },
      fail() { wx.showToast({ title: '未能订阅', icon: 'none' }); }
    });
  },

  bindPhone(e) {
    if (!e.detail.code) return; // the user declined
    app.login().then(() => app.request('POST', '/me/phone', { code: e.detail.code })).then((p) => {
      this.setData({ hasPhone: true, phone: p.phone });
    }, (err) => this.setData({ error: err.message }));
  }
});
