"""The fuzz run of the live service: plan, hooks, driver, report."""
