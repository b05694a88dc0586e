WITH "tsdp_rows" AS (SELECT "visits"."person_id" AS "unit", "visits"."city" AS "v0" FROM "visits" AS "visits" WHERE ("visits"."person_id" IS NOT NULL)), "tsdp_per_unit" AS (SELECT "unit", COUNT("v0") AS "u0" FROM "tsdp_rows" GROUP BY "unit") SELECT CAST(COUNT(*) AS numeric) AS "units", CAST(SUM(LEAST("u0", $1::bigint)) AS numeric) AS "a0" FROM "tsdp_per_unit"
-- params: ["3:bigint"]
