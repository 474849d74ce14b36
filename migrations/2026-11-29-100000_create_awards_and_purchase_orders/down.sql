DROP TABLE po_member_allocations;
DROP TABLE po_lines;
DROP TABLE purchase_orders;
DROP TABLE po_counters;
DROP TABLE award_allocations;
DROP TABLE awards;
