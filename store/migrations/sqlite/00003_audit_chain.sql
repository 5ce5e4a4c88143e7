-- The audit chain (DataGate issue 8). audit_chain links every audit row into
-- one global sequence (chain_seq: 1, 2, 3, ... without gaps) with an SM3 hash
-- over the row's content and the previous link's hash; audit_chain_head
-- holds the last number and hash, and writers lock it to append
-- (store/auditchain.go). audit_log itself is unchanged. Rows written before
-- this migration are linked by the first audit write, in the order they
-- were written.

-- +goose Up
CREATE TABLE IF NOT EXISTS `audit_chain` (
  `chain_seq` integer,
  `audit_id` integer NOT NULL,
  `prev_hash` text NOT NULL,
  `hash` text NOT NULL,
  PRIMARY KEY (`chain_seq`)
);
CREATE INDEX IF NOT EXISTS `idx_audit_chain_audit_id` ON `audit_chain`(`audit_id`);

CREATE TABLE IF NOT EXISTS `audit_chain_head` (
  `id` integer,
  `seq` integer NOT NULL,
  `hash` text NOT NULL,
  PRIMARY KEY (`id`)
);

-- +goose Down
DROP TABLE IF EXISTS `audit_chain_head`;
DROP TABLE IF EXISTS `audit_chain`;
