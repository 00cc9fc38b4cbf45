-- Days after today: a projection. The status history ends today; for a day after it, the
-- state of a part is projected from the plans of its calendar, and only there (every query
-- reads part_states, so the map, the dashboard, the site sheet, the OGC API, the tiles and
-- the exports all project alike).
--
-- The rule, decided here once:
-- - a release milestone leads to 'released', a disposal to 'ceded'; a deadline to nothing;
-- - only a milestone not done counts, with its latest plan (the earlier ones were moved);
-- - a plan takes effect on the last day of its period: "2027" (fin 2027) on 31 December
--   2027, "2027-Q2" on 30 June 2027; the projected state starts with the plan's period,
--   with its precision ("2027", "2027-Q2"), so it reads as the plan does, never an invented
--   exact day, and every reader of part_states takes it as any recorded date;
-- - a plan whose period has ended by today is late, not projected: nothing says when it
--   will happen, and the projection does not pretend it did;
-- - a milestone of the whole site (no part) applies to each of its parts;
-- - a projection never moves a part back along the journey (a ceded part stays ceded when a
--   release is planned), and of several plans reached by the day the furthest status wins;
-- - today and past days are the recorded history, unchanged: a projection starts the day
--   after today.
--
-- "Today" is the database's day in Paris, as for the rule that an event that happened is
-- not dated in the future (check_event_date).

-- status_rank is the place of a status along the journey from service to disposal.
CREATE FUNCTION status_rank(st text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array_position(ARRAY['in_use', 'under_study', 'release_planned', 'released',
                                'disposal_in_progress', 'ceded'], st)
$$;

-- The functions' result gains a column, so they are dropped and made again.
DROP FUNCTION part_states_on(date);
DROP FUNCTION part_states(daterange);

-- The state of the parts over a span of days: each part of a site not deleted that held a
-- status in the span, with the last status it held in it — or, when the span reaches past
-- today, the status its plans project (projected true; valid starts with the period of
-- the plan, since_precision is its precision). A single SELECT in SQL, so the planner
-- inlines it into each query; recorded is NOT MATERIALIZED, read twice, so that a
-- caller's condition on the part (one feature, one site) reaches the history's scan in
-- both places instead of the whole history being read once.
CREATE FUNCTION part_states(span daterange)
RETURNS TABLE (part_id text, site_id text, status part_status, valid daterange,
               since_precision date_precision, projected boolean)
LANGUAGE sql STABLE AS $$
    WITH recorded AS NOT MATERIALIZED (
        SELECT DISTINCT ON (h.part_id) h.part_id, p.site_id, h.status, h.valid, h.since_precision
        FROM part_status_history h
        JOIN site_parts p ON p.id = h.part_id
        JOIN sites s ON s.id = p.site_id AND s.deleted_at IS NULL
        WHERE h.valid && span
        ORDER BY h.part_id, lower(h.valid) DESC
    ), planned AS (
        SELECT m.site_id, m.part_id,
               CASE m.kind WHEN 'release' THEN 'released' ELSE 'ceded' END AS status,
               pl.planned_date AS start,
               period_end(pl.planned_date, pl.planned_precision) - 1 AS effective,
               pl.planned_precision AS precision
        FROM milestones m
        CROSS JOIN LATERAL (
            SELECT mp.planned_date, mp.planned_precision FROM milestone_plans mp
            WHERE mp.milestone_id = m.id ORDER BY mp.id DESC LIMIT 1
        ) pl
        WHERE m.kind IN ('release', 'disposal') AND m.actual_date IS NULL
    ), projection AS (
        SELECT DISTINCT ON (r.part_id) r.part_id, pl.status, daterange(pl.start, NULL) AS valid,
               pl.precision
        FROM recorded r
        JOIN planned pl ON pl.site_id = r.site_id AND (pl.part_id = r.part_id OR pl.part_id IS NULL)
        WHERE upper_inf(r.valid)
          AND pl.effective > (now() AT TIME ZONE 'Europe/Paris')::date
          AND daterange(pl.effective, NULL) && span
          AND status_rank(pl.status) > status_rank(r.status)
        ORDER BY r.part_id, status_rank(pl.status) DESC, pl.effective
    )
    SELECT r.part_id, r.site_id, coalesce(pj.status, r.status)::part_status,
           coalesce(pj.valid, r.valid), coalesce(pj.precision, r.since_precision)::date_precision,
           pj.part_id IS NOT NULL
    FROM recorded r
    LEFT JOIN projection pj ON pj.part_id = r.part_id
$$;

-- The parts as they stood, or as they are projected, on one day.
CREATE FUNCTION part_states_on(day date)
RETURNS TABLE (part_id text, site_id text, status part_status, valid daterange,
               since_precision date_precision, projected boolean)
LANGUAGE sql STABLE AS $$
    SELECT * FROM part_states(daterange(day, day, '[]'))
$$;
