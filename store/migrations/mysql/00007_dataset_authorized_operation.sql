-- Eligibility for authorized operation (授权运营, DataGate issue 14 item
-- 12), beside the open attribute: open_attribute says whether a dataset is
-- opened to the public (开放属性: unconditional, conditional, closed);
-- authorized_operation whether it is in the scope of authorized operation,
-- where it is used in the secure environment only (sandbox or
-- model-result). An application may name closed data that is eligible.
--
-- Seeding never overwrites a row, so the Up section also marks the rows an
-- earlier start seeded from the 34 directories of the Longhua plan's 表1
-- (《龙华区公共数据资源授权运营实施方案（试行）》五(二), the catalog of the
-- data in its scope), each matched by code and name: a row that is not the
-- seeded one keeps false.

-- +goose Up
ALTER TABLE `datasets` ADD `authorized_operation` boolean NOT NULL DEFAULT false;
UPDATE `datasets` SET `authorized_operation` = true WHERE (`code`, `name`) IN (
  ('DS-0100', '九大产业部门惠企补贴数据'),
  ('DS-0101', '龙华区人才补贴数据'),
  ('DS-0102', '龙华区进出口贸易结构数据'),
  ('DS-0103', '医疗放射影像数据'),
  ('DS-0104', '卫生健康大数据底座数据'),
  ('DS-0105', '公立医疗卫生机构商业保险理赔相关的医疗证明及费用证明数据'),
  ('DS-0106', '小散工程备案信息'),
  ('DS-0107', '龙华区各个街道楼栋数据量信息统计数据'),
  ('DS-0108', '城中村数据'),
  ('DS-0109', '企业空间化数据'),
  ('DS-0110', '人口数据'),
  ('DS-0111', '社会保险数据'),
  ('DS-0112', '公积金数据'),
  ('DS-0113', '法人数据'),
  ('DS-0114', '工商数据'),
  ('DS-0115', '产业链数据'),
  ('DS-0116', '行政处罚数据'),
  ('DS-0117', '海关数据'),
  ('DS-0118', '能源统计数据'),
  ('DS-0119', '企业电力标签'),
  ('DS-0120', '招投标数据'),
  ('DS-0121', '金融数据'),
  ('DS-0122', '房屋数据'),
  ('DS-0123', '房信数据'),
  ('DS-0124', '不动产交易数据'),
  ('DS-0125', '舆情云数据'),
  ('DS-0126', '广告监测数据'),
  ('DS-0127', '专题数据'),
  ('DS-0128', '授权采集数据'),
  ('DS-0129', '文旅数据'),
  ('DS-0130', '语料库-AI模型训练语料库'),
  ('DS-0131', '全面健康信息平台数据'),
  ('DS-0132', '教育领域数据'),
  ('DS-0133', '其他数据'));

-- +goose Down
ALTER TABLE `datasets` DROP COLUMN `authorized_operation`;
