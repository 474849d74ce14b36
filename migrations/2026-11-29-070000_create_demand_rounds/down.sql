DROP TABLE idempotency_keys;
DROP TABLE demand_lines;
DROP TABLE round_materials;
DROP TABLE demand_rounds;
