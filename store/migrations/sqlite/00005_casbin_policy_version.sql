-- The casbin policy's version, so that role and policy changes made through
-- one replica reach the others without a restart. casbin_policy_version
-- holds one row (id 1) whose version every change of casbin_rule through the
-- adapter bumps in the change's own transaction (store/casbin.go). Each
-- process polls it and reloads its policy when it moved
-- (rbac.Enforcer.Watch). No row yet is version 0: the first change creates
-- it.

-- +goose Up
CREATE TABLE IF NOT EXISTS `casbin_policy_version` (
  `id` integer,
  `version` integer NOT NULL,
  PRIMARY KEY (`id`)
);

-- +goose Down
DROP TABLE IF EXISTS `casbin_policy_version`;
