-- 017 the status query's answer, materialised (issue #13).
--
-- public_answer is the exact JSON text that POST /api/public/case-status
-- answers for the case (what its applicant may see: state, dates, result, the
-- public timeline), written in the same write as every step of the case
-- (src/services/case_public.c, case_public_store), so that a query is one
-- indexed read, a constant-time password check and these bytes. NULL = not
-- materialised (cases written before this migration, or whose department or
-- item was renamed since): the query computes the answer as before.
ALTER TABLE cases ADD COLUMN public_answer TEXT;
