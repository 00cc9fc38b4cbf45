-- Placeholder kept only so that tern (which refuses a gap) can apply 009 on the wip-gov
-- branch: another branch adds its own 008 in parallel. Drop this file at merge and
-- renumber 009_governance.sql after the last landed migration.
SELECT 1;
