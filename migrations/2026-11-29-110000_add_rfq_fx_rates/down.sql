DROP TABLE rfq_fx_rates;
