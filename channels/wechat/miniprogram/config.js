// The Jiefen server (HTTPS, registered as request and business domain).
module.exports = {
  server: 'https://jiefen.example.gov.cn'
};
