-- Seeds done once per database (DataGate issue 22): the demo applications
-- that `datagate dev --demo` drives through the workflows on a first
-- start. A marker is written when its seeding begins, so a restart never
-- seeds twice.

-- +goose Up
CREATE TABLE IF NOT EXISTS `seed_markers` (
  `name` text,
  `done_at` datetime,
  PRIMARY KEY (`name`)
);

-- +goose Down
DROP TABLE IF EXISTS `seed_markers`;
