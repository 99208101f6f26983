-- 010 ledger scope (issue #22 F7): the region each ledger entry and audit
-- row belongs to, so that a supervisor reads those of his region only.
-- region_code is the region an event names (its subject's: a case's, a
-- card's, a department's report), else that of the record changed (an
-- account, a key, a department, a hall, a window), else its owner's; NULL
-- is the platform as a whole (the calendar, rules, imports, citizens'
-- accounts), which only city-wide readers see. Written by zt_record with
-- the row; filled here for the rows written before.

ALTER TABLE ledger_entries ADD COLUMN region_code TEXT;
ALTER TABLE audit_log ADD COLUMN region_code TEXT;

-- the audit trail: the target's type and id are columns, the detail is the
-- event (its region, or its subject's: case.region, message.region) or the
-- change
UPDATE audit_log SET region_code = coalesce(
    CASE WHEN json_type(detail, '$.region') = 'text' THEN json_extract(detail, '$.region') END,
    (SELECT json_extract(value, '$.region') FROM json_each(detail)
      WHERE type = 'object' AND json_type(value, '$.region') = 'text' LIMIT 1))
 WHERE json_valid(detail);
UPDATE audit_log SET region_code = CASE target_type
    WHEN 'user' THEN (SELECT coalesce(u.region_code, d.region_code) FROM users u
                      LEFT JOIN departments d ON d.id = u.dept_id WHERE u.id = CAST(target_id AS INTEGER))
    WHEN 'api_key' THEN (SELECT d.region_code FROM api_keys k JOIN departments d ON d.id = k.dept_id
                         WHERE k.id = CAST(target_id AS INTEGER))
    WHEN 'department' THEN (SELECT region_code FROM departments WHERE id = CAST(target_id AS INTEGER))
    WHEN 'region' THEN (SELECT code FROM regions WHERE code = target_id)
    WHEN 'hall' THEN (SELECT region_code FROM halls WHERE id = CAST(target_id AS INTEGER))
    WHEN 'window' THEN (SELECT d.region_code FROM windows w JOIN departments d ON d.id = w.dept_id
                        WHERE w.id = CAST(target_id AS INTEGER))
    WHEN 'upload' THEN (SELECT coalesce(u.region_code, d.region_code) FROM users u
                        LEFT JOIN departments d ON d.id = u.dept_id WHERE u.id = audit_log.actor_id)
    ELSE (SELECT region_code FROM departments
          WHERE code = json_extract(detail, '$.dept') OR code = json_extract(detail, '$.department'))
    END
 WHERE region_code IS NULL AND json_valid(detail);

-- the ledger: the same from the entry's subject ("type/id") and payload
UPDATE ledger_entries SET region_code = coalesce(
    CASE WHEN json_type(CAST(entry AS TEXT), '$.payload.region') = 'text'
         THEN json_extract(CAST(entry AS TEXT), '$.payload.region') END,
    (SELECT json_extract(value, '$.region') FROM json_each(CAST(entry AS TEXT), '$.payload')
      WHERE type = 'object' AND json_type(value, '$.region') = 'text' LIMIT 1))
 WHERE json_valid(CAST(entry AS TEXT));
UPDATE ledger_entries SET region_code = CASE substr(subject, 1, instr(subject, '/') - 1)
    WHEN 'user' THEN (SELECT coalesce(u.region_code, d.region_code) FROM users u
                      LEFT JOIN departments d ON d.id = u.dept_id
                      WHERE u.id = CAST(substr(subject, instr(subject, '/') + 1) AS INTEGER))
    WHEN 'api_key' THEN (SELECT d.region_code FROM api_keys k JOIN departments d ON d.id = k.dept_id
                         WHERE k.id = CAST(substr(subject, instr(subject, '/') + 1) AS INTEGER))
    WHEN 'department' THEN (SELECT region_code FROM departments
                            WHERE id = CAST(substr(subject, instr(subject, '/') + 1) AS INTEGER))
    WHEN 'region' THEN (SELECT code FROM regions WHERE code = substr(subject, instr(subject, '/') + 1))
    WHEN 'hall' THEN (SELECT region_code FROM halls
                      WHERE id = CAST(substr(subject, instr(subject, '/') + 1) AS INTEGER))
    WHEN 'window' THEN (SELECT d.region_code FROM windows w JOIN departments d ON d.id = w.dept_id
                        WHERE w.id = CAST(substr(subject, instr(subject, '/') + 1) AS INTEGER))
    WHEN 'upload' THEN (SELECT coalesce(u.region_code, d.region_code) FROM users u
                        LEFT JOIN departments d ON d.id = u.dept_id WHERE u.id = ledger_entries.owner_user_id)
    ELSE (SELECT region_code FROM departments
          WHERE code = json_extract(CAST(entry AS TEXT), '$.payload.dept')
             OR code = json_extract(CAST(entry AS TEXT), '$.payload.department'))
    END
 WHERE region_code IS NULL AND json_valid(CAST(entry AS TEXT));
