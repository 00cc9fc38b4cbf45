-- The state of the parts over a span of days, in one place for every query: each part of
-- a site not deleted that held a status in the span, with the last status it held in it.
-- For a span of one day, that is its status that day; a part with no status in the span
-- did not exist then. A single SELECT in SQL, so the planner inlines it into each query.
CREATE FUNCTION part_states(span daterange)
RETURNS TABLE (part_id text, site_id text, status part_status, valid daterange, since_precision date_precision)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (h.part_id) h.part_id, p.site_id, h.status, h.valid, h.since_precision
    FROM part_status_history h
    JOIN site_parts p ON p.id = h.part_id
    JOIN sites s ON s.id = p.site_id AND s.deleted_at IS NULL
    WHERE h.valid && span
    ORDER BY h.part_id, lower(h.valid) DESC
$$;

-- The parts as they stood on one day.
CREATE FUNCTION part_states_on(day date)
RETURNS TABLE (part_id text, site_id text, status part_status, valid daterange, since_precision date_precision)
LANGUAGE sql STABLE AS $$
    SELECT * FROM part_states(daterange(day, day, '[]'))
$$;
