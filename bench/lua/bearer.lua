-- Sends the access token that the scenario's setup function exported as BENCH_TOKEN.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
