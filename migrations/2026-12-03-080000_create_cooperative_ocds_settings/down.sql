DROP TABLE cooperative_ocds_settings;
