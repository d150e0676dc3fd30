const app = getApp();

Page({
  data: { url: '' },
  onLoad(query) {
    // The token travels in the fragment: it never reaches server logs.
    this.setData({ url: app.server + '/m/#token=' + (query.token || '') });
  }
});
