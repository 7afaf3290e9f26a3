"""View models of the back-office pages: what a template shows, made from read models and
domain rows: labels, display texts, paging links, chart data. Pure functions; no queries."""
