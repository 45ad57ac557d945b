"""The demo company (`bench --site SITE o2c-demo`, see `commands.py`): a realistic order-to-cash
world built through ERPNext's and the app's own controllers, idempotent and removable.

- `registry.py`: what the demo made outside its company, so `--remove` deletes exactly that;
- `masters.py`: the company "O2C Demo", its fiscal years, accounts, customers in four countries
  and languages, items, price lists, payment terms;
- `scheduling.py`, `credit.py`, `receivables.py`: the agreements with releases and call-offs,
  the credit policies with held and released orders, invoices in every ageing bucket with
  payments and the collections rule with its run;
- `build.py`: `build()`, `remove()` and `fingerprint()`.
"""
