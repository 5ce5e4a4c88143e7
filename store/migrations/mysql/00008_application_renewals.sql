-- Renewal (续期, DataGate issue 14 item 11): an application may name the
-- application it renews. In the Longhua plan (《龙华区公共数据资源授权运营实施
-- 方案（试行）》六(六)1(1)) an authorization whose period ends without a
-- renewal applied for (运营期满未申请续期) is an exit, prepared three months
-- ahead (提前3个月); a renewal is a new application, linked to the old one,
-- that carries the old one's last evaluation and agreements as references.
-- Null for a first application; the index finds an application's renewal.

-- +goose Up
ALTER TABLE `applications` ADD `renews_application_id` bigint unsigned DEFAULT NULL;
CREATE INDEX `idx_applications_renews_application_id` ON `applications` (`renews_application_id`);

-- +goose Down
DROP INDEX `idx_applications_renews_application_id` ON `applications`;
ALTER TABLE `applications` DROP COLUMN `renews_application_id`;
