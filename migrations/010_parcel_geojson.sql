-- Each parcel keeps its outline already written as the OGC API serves it by default:
-- GeoJSON in CRS84, outer rings counter-clockwise (RFC 7946), 7 decimals (about a
-- centimetre). Parcels are read far more often than they change (a cadastre vintage a
-- year), and projecting and writing the outline was most of a page's work: 8.5 of the
-- 11 ms PostgreSQL spent on a 300 m box over 100 000 parcels (1 000 features returned).
-- A stored generated column is kept current by PostgreSQL on every write of geom,
-- whoever makes it; the service reads it only for CRS84 and computes other CRSs.
ALTER TABLE parcels
    ADD COLUMN geometry_crs84 text
    GENERATED ALWAYS AS (ST_AsGeoJSON(ST_ForcePolygonCCW(ST_Transform(geom, 4326)), 7, 0)) STORED;
