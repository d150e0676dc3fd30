-- Each agreed mediation names its own 调解协议书: a case mediated twice
-- (an agreement whose judicial confirmation was refused, then another)
-- keeps both, and each mediation answers with its own.
ALTER TABLE mediations ADD COLUMN agreement_document_id BIGINT;
