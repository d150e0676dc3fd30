const config = require('./config.js');

const TOKEN_KEY = 'jiefen.resident.token';

// request calls the Jiefen API and resolves with the JSON body; errors carry
// the server's Chinese message.
function request(method, path, data) {
  const token = wx.getStorageSync(TOKEN_KEY) || '';
  return new Promise((resolve, reject) => {
    wx.request({
      url: config.server + '/api/v1' + path,
      method,
      data,
      header: token ? { Authorization: 'Bearer ' + token } : {},
      success(res) {
        if (res.statusCode >= 200 && res.statusCode < 300) {
          resolve(res.data);
          return;
        }
        if (res.statusCode === 401) wx.removeStorageSync(TOKEN_KEY);
        const e = (res.data && res.data.error) || {};
        reject(new Error(e.message || '请求失败（' + res.statusCode + '）'));
      },
      fail() { reject(new Error('网络连接失败，请稍后重试')); }
    });
  });
}

// login signs in with wx.login unless a token is stored.
function login() {
  if (wx.getStorageSync(TOKEN_KEY)) return Promise.resolve(wx.getStorageSync(TOKEN_KEY));
  return new Promise((resolve, reject) => {
    wx.login({
      success(res) {
        request('POST', '/wechat/login', { code: res.code }).then((out) => {
          wx.setStorageSync(TOKEN_KEY, out.token);
          resolve(out.token);
        }, reject);
      },
      fail() { reject(new Error('微信登录失败')); }
    });
  });
}

App({
  request,
  login,
  server: config.server,
  tokenKey: TOKEN_KEY
});
