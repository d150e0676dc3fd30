-- One person reaches Jiefen through several WeChat apps (mini-program,
-- official account web pages) with one unionid: logins look it up.
CREATE INDEX residents_unionid_idx ON residents (unionid) WHERE unionid <> '';
