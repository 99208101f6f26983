-- 007 the legal extension of a power item's decision (行政许可法 §42: 10
-- working days with the head's approval; 45 + 15 for joint handling): a
-- 延长审查期限 beyond it is refused (400) on the platform and carded when a
-- department's system reports one. The guide may say its own
-- (extension_days); otherwise the process definition's decision limit does.
ALTER TABLE items ADD COLUMN extension_days INTEGER NOT NULL DEFAULT 10;
UPDATE items SET extension_days = CASE flow_id WHEN 'joint_review' THEN 15 WHEN 'on_the_spot' THEN 0 ELSE 10 END;
UPDATE items SET extension_days = json_extract(guide, '$.extension_days')
 WHERE json_type(guide, '$.extension_days') = 'integer';
