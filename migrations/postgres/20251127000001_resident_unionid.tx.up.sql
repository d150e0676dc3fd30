-- One person reaches Jiefen through several WeChat apps (mini-program,
-- official account web pages) with one unionid: logins look it up, and at
-- most one account holds it (two first logins at once cannot make two).
CREATE UNIQUE INDEX residents_unionid_idx ON residents (unionid) WHERE unionid <> '';
