-- The audit chain (DataGate issue 8). audit_chain links every audit row into
-- one global sequence (chain_seq: 1, 2, 3, ... without gaps) with an SM3 hash
-- over the row's content and the previous link's hash; audit_chain_head
-- holds the last number and hash, and writers lock it with SELECT ... FOR
-- UPDATE to append (store/auditchain.go). audit_log itself is unchanged (no
-- ALTER of a table that keeps years of rows). Rows written before this
-- migration are linked by the first audit write, in the order they were
-- written.

-- +goose Up
CREATE TABLE IF NOT EXISTS `audit_chain` (
  `chain_seq` bigint NOT NULL,
  `audit_id` bigint unsigned NOT NULL,
  `prev_hash` varchar(64) NOT NULL,
  `hash` varchar(64) NOT NULL,
  PRIMARY KEY (`chain_seq`),
  KEY `idx_audit_chain_audit_id` (`audit_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `audit_chain_head` (
  `id` bigint unsigned NOT NULL,
  `seq` bigint NOT NULL,
  `hash` varchar(64) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE IF EXISTS `audit_chain_head`;
DROP TABLE IF EXISTS `audit_chain`;
