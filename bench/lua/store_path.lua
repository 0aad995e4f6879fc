-- GETs the path that the scenario's setup function exported as BENCH_PATH (a real product id or a
-- category of the seeded catalog is only known at run time).
wrk.path = os.getenv("BENCH_PATH")
