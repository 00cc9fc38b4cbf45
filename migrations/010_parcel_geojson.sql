-- Each parcel keeps its outline already written as GeoJSON in the two CRSs the service
-- serves most: CRS84 (the OGC API's default; 7 decimals, about a centimetre) and
-- Lambert-93 (the mapping shared with APUR; 2 decimals, a centimetre), outer rings
-- counter-clockwise (RFC 7946). Parcels are read far more often than they change (a
-- cadastre vintage a year), and projecting and writing the outline was most of a page's
-- work: 8.5 of the 11 ms PostgreSQL spent on a 300 m box over 100 000 parcels (1 000
-- features returned). Stored generated columns are kept current by PostgreSQL on every
-- write of geom, whoever makes it; the service reads them for those two CRSs only, and
-- writes the others afresh.
ALTER TABLE parcels
    ADD COLUMN geometry_crs84 text
        GENERATED ALWAYS AS (ST_AsGeoJSON(ST_ForcePolygonCCW(ST_Transform(geom, 4326)), 7, 0)) STORED,
    ADD COLUMN geometry_lambert93 text
        GENERATED ALWAYS AS (ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 2, 0)) STORED;

-- Most parcels belong to no site part: the index on part_id need not hold them, and an
-- import of a department's 500 000 parcels then adds none of them to it.
DROP INDEX parcels_part_id;
CREATE INDEX parcels_part_id ON parcels (part_id) WHERE part_id IS NOT NULL;
